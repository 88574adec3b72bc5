/**
 * Releasing a round's panel decisions to applicants (ADR 0009), done by the fund manager once every bid on the panel's
 * list has a decision. In one transaction: the round's decisions_released_at, each decision's released_at, each
 * application's status (successful, reserve or unsuccessful) with decided_at and decision_reason, an email to each
 * of the organisation's admins through the outbox (with the decline reason and the panel's feedback), and the audit
 * trail. Decisions cannot change afterwards.
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { enqueueEmail, type EmailTemplate } from '~/domain/messages/outbox.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError } from '~/lib/errors.ts'
import { formatPence } from '~/lib/money.ts'
import { RELEASED_STATUS, type DecisionStatus } from './panel-labels.ts'
import { decisionsFor, panelRound, type PanelDecision } from './panel.server.ts'
import { PANEL_BID_STATUSES } from './scoreboard.server.ts'
import { DecisionsReleasedError } from './decisions.server.ts'
import { refreshRoundStats } from '~/domain/stats/round-counts.server.ts'

export class DecisionsMissingError extends ConflictError {
  readonly references: string[]
  constructor(references: string[]) {
    super(`Every bid needs a decision before decisions are released. Still to decide: ${references.join(', ')}.`, 'decisions_missing')
    this.references = references
  }
}

/** What the email says when the panel gave no feedback of its own. */
export const NO_FEEDBACK = 'The panel did not add any further comments.'

const TEMPLATES: Record<DecisionStatus, EmailTemplate> = {
  recommended: 'decision-successful',
  reserve: 'decision-reserve',
  declined: 'decision-unsuccessful',
}

interface ReleaseBid {
  id: number
  reference: string
  title: string
  organisationId: number
  organisationName: string
}

/** The bids in front of the panel (the scoreboard's statuses, not screened ineligible), by id. */
async function releaseBids(db: Db, roundId: number): Promise<ReleaseBid[]> {
  const rows = await db
    .selectFrom('applications')
    .innerJoin('organisations', 'organisations.id', 'applications.organisation_id')
    .select(['applications.id', 'applications.reference', 'applications.title', 'applications.organisation_id', 'organisations.name'])
    .where('applications.round_id', '=', roundId)
    .where('applications.status', 'in', PANEL_BID_STATUSES)
    .where((eb) =>
      eb.or([
        eb('applications.screening_override', '=', 'eligible'),
        eb.and([eb('applications.screening_override', 'is', null), eb.or([eb('applications.screening_result', 'is', null), eb('applications.screening_result', '!=', 'ineligible')])]),
      ]),
    )
    .orderBy('applications.id')
    .execute()
  return rows.map((r) => ({ id: r.id, reference: r.reference, title: r.title, organisationId: r.organisation_id, organisationName: r.name }))
}

async function organisationAdminEmails(db: Db, organisationId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('users.email')
    .where('memberships.organisation_id', '=', organisationId)
    .where('memberships.role', '=', 'admin')
    .where('users.anonymised_at', 'is', null)
    .orderBy('users.id')
    .execute()
  return rows.map((r) => r.email)
}

export interface ReleasePreview {
  bids: number
  missing: string[]
  counts: Record<DecisionStatus, number>
  recommendedPence: number
  emails: number
  releasedAt: string | null
}

/** What releasing would do now: counts by decision, bids still to decide and the emails that would be sent. */
export async function releasePreview(db: Db, roundId: number): Promise<ReleasePreview> {
  const round = await panelRound(db, roundId)
  const [bids, decisions] = await Promise.all([releaseBids(db, roundId), decisionsFor(db, roundId)])
  const counts: Record<DecisionStatus, number> = { recommended: 0, reserve: 0, declined: 0 }
  let recommendedPence = 0
  let emails = 0
  for (const bid of bids) {
    const d = decisions.get(bid.id)
    if (!d) continue
    counts[d.status]++
    if (d.status === 'recommended') recommendedPence += d.amountPence ?? 0
    emails += (await organisationAdminEmails(db, bid.organisationId)).length
  }
  return { bids: bids.length, missing: bids.filter((b) => !decisions.has(b.id)).map((b) => b.reference), counts, recommendedPence, emails, releasedAt: round.decisionsReleasedAt }
}

function emailData(roundTitle: string, bid: ReleaseBid, d: PanelDecision) {
  const base = { organisationName: bid.organisationName, title: bid.title, reference: bid.reference, roundTitle, feedback: d.feedback ?? NO_FEEDBACK }
  if (d.status === 'recommended') return { ...base, amount: formatPence(d.amountPence ?? 0) }
  if (d.status === 'declined') return { ...base, reason: d.declineReason ?? d.rationale }
  return base
}

/** Releases every decision of the round (see the module comment). 409 if already released or a bid is undecided. */
export async function releaseDecisions(trx: Transaction<DB>, actorUserId: number, input: { roundId: number; now: Date }): Promise<{ released: number; emails: number }> {
  const round = await panelRound(trx, input.roundId)
  if (round.decisionsReleasedAt) throw new DecisionsReleasedError()
  const [bids, decisions] = await Promise.all([releaseBids(trx, round.id), decisionsFor(trx, round.id)])
  const missing = bids.filter((b) => !decisions.has(b.id)).map((b) => b.reference)
  if (missing.length > 0) throw new DecisionsMissingError(missing)
  if (bids.length === 0) throw new ConflictError('There are no bids in front of the panel to release decisions for.', 'no_bids')

  const nowIso = input.now.toISOString()
  let emails = 0
  for (const bid of bids) {
    const d = decisions.get(bid.id)!
    const status = RELEASED_STATUS[d.status]
    const reason = d.status === 'declined' ? [d.declineReason, d.feedback].filter(Boolean).join(' — ') : d.rationale
    await trx.updateTable('applications').set({ status, decided_at: nowIso, decision_reason: reason, updated_at: nowIso }).where('id', '=', bid.id).execute()
    await trx.updateTable('panel_decisions').set({ released_at: nowIso }).where('application_id', '=', bid.id).execute()
    await recordAudit(trx, { actorUserId, action: 'application.decided', entityType: 'application', entityId: bid.id, before: { status: 'submitted' }, after: { status, decision: d.status, amountPence: d.amountPence, reason } })
    for (const to of await organisationAdminEmails(trx, bid.organisationId)) {
      await enqueueEmail(trx, { template: TEMPLATES[d.status], to, data: emailData(round.title, bid, d), idempotencyKey: `panel-decision:${bid.id}:${to}` })
      emails++
    }
  }
  await trx.updateTable('rounds').set({ decisions_released_at: nowIso, updated_at: nowIso }).where('id', '=', round.id).execute()
  await refreshRoundStats(trx, round.id)
  await recordAudit(trx, { actorUserId, action: 'panel.decisions_released', entityType: 'round', entityId: round.id, after: { released: bids.length, emails } })
  return { released: bids.length, emails }
}
