/**
 * What has happened to an application, for its organisation: read from the audit trail (every change to an
 * application is audited in the same transaction), oldest first, in words.
 */
import type { Db } from '~/lib/db.server.ts'

const EVENT_WORDS: Record<string, string> = {
  'application.started': 'Application started',
  'application.saved': 'Answers saved',
  'application.submitted': 'Application submitted',
  'application.eoi_submitted': 'Expression of interest submitted',
  'application.withdrawn': 'Application withdrawn',
  'application.reopened': 'Reopened for changes at the fund manager’s request',
  'application.invited': 'Invited to make a full application',
  'application.eoi_declined': 'Expression of interest declined',
  'application.fcfs_allocated': 'Grant allocated',
  'application.fcfs_waitlisted': 'Added to the waiting list',
  'application.fcfs_refused': 'Not allocated a grant',
}

export interface TimelineEvent {
  at: string
  what: string
}

/** The events of several applications at once, by application id. Consecutive saves are shown once (the latest). */
export async function applicationTimelines(db: Db, applicationIds: number[]): Promise<Map<number, TimelineEvent[]>> {
  const timelines = new Map<number, TimelineEvent[]>(applicationIds.map((id) => [id, []]))
  if (applicationIds.length === 0) return timelines
  const rows = await db
    .selectFrom('audit_events')
    .select(['entity_id', 'action', 'occurred_at'])
    .where('entity_type', '=', 'application')
    .where(
      'entity_id',
      'in',
      applicationIds.map((id) => String(id)),
    )
    .orderBy('id')
    .execute()
  for (const row of rows) {
    const what = EVENT_WORDS[row.action]
    const list = timelines.get(Number(row.entity_id))
    if (!what || !list) continue
    const last = list[list.length - 1]
    if (last && last.what === what && row.action === 'application.saved') last.at = row.occurred_at
    else list.push({ at: row.occurred_at, what })
  }
  return timelines
}

export { STATUS_LABELS, statusLabel } from './status-labels.ts'
