/**
 * Reminders about impact returns, through the outbox: one email to every member of the organisation 14 days before a
 * return is due, and one when it becomes overdue. Each is sent once: the return records when (reminded_due_at,
 * reminded_overdue_at), set by a conditional UPDATE before the email is queued in the same transaction, so any number
 * of sweeps running at once (the hourly in-process sweep, `npm run returns:remind`) send each reminder once.
 */
import { addDays, format, parseISO } from 'date-fns'
import type { Kysely, Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import type { DB } from '../../../db/schema.ts'
import { enqueueEmail } from '../messages/outbox.server.ts'
import { OPEN_RETURN_STATUSES, REMINDER_DAYS_BEFORE, reminderFrom } from './return-schedule.ts'

export interface ReminderResult {
  dueSoon: number
  overdue: number
}

function longDate(ymd: string): string {
  return format(parseISO(ymd), 'd MMMM yyyy')
}

/**
 * Sends the reminders due on `today` (YYYY-MM-DD, UK). Only returns of accepted (or completed) awards that are still
 * open (not sent, or back for changes). Returns how many returns were reminded of each kind.
 */
export async function sendReturnReminders(db: Kysely<DB>, options: { today: string; baseUrl?: string }): Promise<ReminderResult> {
  const { today } = options
  const horizon = format(addDays(parseISO(today), REMINDER_DAYS_BEFORE), 'yyyy-MM-dd')
  const candidates = await db
    .selectFrom('returns')
    .innerJoin('awards', 'awards.id', 'returns.award_id')
    .select(['returns.id', 'returns.due_date', 'returns.reminded_due_at', 'returns.reminded_overdue_at'])
    .where('awards.status', 'in', ['accepted', 'completed'])
    .where('returns.status', 'in', [...OPEN_RETURN_STATUSES])
    .where('returns.due_date', '<=', horizon)
    .where((eb) => eb.or([eb('returns.reminded_due_at', 'is', null), eb('returns.reminded_overdue_at', 'is', null)]))
    .orderBy('returns.id')
    .execute()
  const result: ReminderResult = { dueSoon: 0, overdue: 0 }
  for (const c of candidates) {
    const kind = c.due_date < today ? (c.reminded_overdue_at ? null : 'overdue') : today >= reminderFrom(c.due_date) && !c.reminded_due_at ? 'due' : null
    if (!kind) continue
    const sent = await db.transaction().execute((trx) => remind(trx, c.id, kind, options.baseUrl ?? ''))
    if (sent) result[kind === 'due' ? 'dueSoon' : 'overdue']++
  }
  return result
}

async function remind(trx: Transaction<DB>, returnId: number, kind: 'due' | 'overdue', baseUrl: string): Promise<boolean> {
  const now = new Date().toISOString()
  const column = kind === 'due' ? 'reminded_due_at' : 'reminded_overdue_at'
  const claimed = await trx
    .updateTable('returns')
    .set({ [column]: now })
    .where('id', '=', returnId)
    .where(column, 'is', null)
    .where('status', 'in', [...OPEN_RETURN_STATUSES])
    .executeTakeFirst()
  if (Number(claimed.numUpdatedRows) !== 1) return false
  const r = await trx
    .selectFrom('returns')
    .innerJoin('awards', 'awards.id', 'returns.award_id')
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .select(['returns.award_id', 'returns.period_label', 'returns.due_date', 'awards.reference', 'awards.organisation_id', 'organisations.name'])
    .where('returns.id', '=', returnId)
    .executeTakeFirstOrThrow()
  const members = await trx
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('users.email')
    .where('memberships.organisation_id', '=', r.organisation_id)
    .where('users.anonymised_at', 'is', null)
    .orderBy('users.id')
    .execute()
  for (const m of members) {
    await enqueueEmail(trx, {
      template: kind === 'due' ? 'return-due-soon' : 'return-overdue',
      to: m.email,
      idempotencyKey: `return-reminder:${kind}:${returnId}:${r.due_date}:${m.email}`,
      data: { organisationName: r.name, periodLabel: r.period_label, awardReference: r.reference, dueDate: longDate(r.due_date), link: `${baseUrl}/awards/${r.award_id}/returns/${returnId}` },
    })
  }
  await recordAudit(trx, { actorUserId: null, action: kind === 'due' ? 'return.reminded_due' : 'return.reminded_overdue', entityType: 'return', entityId: returnId, after: { dueDate: r.due_date, recipients: members.length } })
  return true
}
