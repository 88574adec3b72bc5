/**
 * Variations: changing an accepted award's amount or the part of its payment schedule not yet paid, with a reason
 * and a fund manager's approval (four eyes: never the person who asked).
 *
 * A request proposes the award's new total and a new list of tranches for what is left to pay. Tranches already in
 * a payment run, sent or paid stay exactly as they are; every tranche still 'scheduled' is replaced. So the new
 * total must be at least what is paid or being paid, and the new tranches must add up to the difference. One
 * request may wait for a decision per award.
 *
 * Approving re-balances the ledger in the same transaction (keys `variation:<id>:...`):
 *   increase  the extra is committed from the award's pot by the budgets rule (split.ts: proportional to what each
 *             eligible contribution has available, within its ring-fence and its share cap of the NEW total, less
 *             what it already gives), then moved straight into the schedule:
 *             available (or outstanding, on a pledged-basis pot) -> committed -> scheduled
 *   decrease  scheduled -> available, taken from the contributions in proportion to what each still has in the
 *             replaced tranches (largest remainder)
 * and the contributions' award_commitments follow. The replaced tranches are cancelled (their parts kept for
 * history), the new ones are scheduled, and each new tranche's parts are shared (shareTranches) from what each
 * contribution now has scheduled outside any live tranche. Afterwards, for every contribution, the ledger's
 * scheduled balance equals its parts of the award's live unpaid tranches.
 *
 * If the schedule changed between the request and the decision (a tranche went into a run, was paid, or came back),
 * approval is refused: the request is rejected and asked again.
 */
import type { Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import { MAX_PENCE, allocateByWeights, formatPence } from '~/lib/money.ts'
import { roleHas, ROLES, type Permission, type Role } from '~/lib/policy.ts'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { parseOutcomeAreas } from '../applications/outcome-areas.server.ts'
import { REASONS, contributionAccountCode } from '../budgets/accounts.ts'
import { SplitRefusedError, splitCandidates } from '../budgets/commitments.server.ts'
import { contributionBalances } from '../budgets/contributions.server.ts'
import { postEntries, type PostEntryInput } from '../budgets/ledger.server.ts'
import { conditionNames } from '../budgets/overview.server.ts'
import { getPot, PotStatusError } from '../budgets/pots.server.ts'
import { parseConditions, type AwardFacts } from '../budgets/ring-fence.ts'
import { ensureScheduledAccount, shareTranches } from '../budgets/scheduling.server.ts'
import { proportionalSplit } from '../budgets/split.ts'
import { ukToday } from '../places/places.server.ts'
import { buildSchedule, ScheduleError, type Gate, type ScheduleInput } from './schedule.ts'
import type { VariationSummary } from './variation-form.ts'
import { AwardNotFoundError } from './terms.server.ts'
import { refreshAwardFigures } from '../budgets/place-figures.server.ts'

export const MAX_REASON_LENGTH = 2000

export type VariationStatus = 'pending' | 'approved' | 'rejected'

export class VariationNotFoundError extends NotFoundError {
  constructor() {
    super('change request')
  }
}

/** A value the form should have caught; names its field. */
export class VariationInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'variation_input', status: 400, field })
  }
}

export class VariationForbiddenError extends DomainError {
  constructor(message: string) {
    super(message, { code: 'variation_forbidden', status: 403 })
  }
}

/** The person who asked for a change cannot decide it. */
export class VariationFourEyesError extends DomainError {
  constructor() {
    super('You asked for this change, so a different fund manager must approve or reject it.', { code: 'variation_four_eyes', status: 403 })
  }
}

export class VariationConflictError extends ConflictError {
  constructor(message: string, code = 'variation_conflict') {
    super(message, code)
  }
}

/** A tranche as a variation records it (before, or proposed). */
export interface VariationTranche {
  id: number | null
  sequence: number | null
  amountPence: number
  dueDate: string
  gate: Gate
  /** For a proposed 'condition' gate: which of the award's conditions (0-based, by sequence). */
  conditionIndex: number | null
  status: string
}

export interface VariationCurrent {
  amountPence: number
  /** Paid, sent or in a run: untouched by the variation. */
  kept: VariationTranche[]
  /** Scheduled and not yet in a run: replaced by the proposal. */
  replaced: VariationTranche[]
}

export interface VariationProposed {
  amountPence: number
  schedule: ScheduleInput
  /** The new tranches for what is left to pay (sequence numbers are given on approval). */
  tranches: VariationTranche[]
}

export interface Variation {
  id: number
  awardId: number
  status: VariationStatus
  reason: string
  current: VariationCurrent
  proposed: VariationProposed
  requestedBy: { id: number; name: string }
  requestedAt: string
  decidedBy: { id: number; name: string } | null
  decidedAt: string | null
  decisionNote: string | null
}

// ---------------------------------------------------------------- reading

function variationQuery(db: Db) {
  return db
    .selectFrom('award_variations')
    .innerJoin('users as requester', 'requester.id', 'award_variations.requested_by')
    .leftJoin('users as decider', 'decider.id', 'award_variations.decided_by')
    .select([
      'award_variations.id',
      'award_variations.award_id',
      'award_variations.status',
      'award_variations.reason',
      'award_variations.current',
      'award_variations.proposed',
      'award_variations.requested_by',
      'requester.name as requesterName',
      'award_variations.created_at',
      'award_variations.decided_by',
      'decider.name as deciderName',
      'award_variations.decided_at',
      'award_variations.decision_note',
    ])
}

type VariationRow = Awaited<ReturnType<ReturnType<typeof variationQuery>['execute']>>[number]

function toVariation(r: VariationRow): Variation {
  return {
    id: r.id,
    awardId: r.award_id,
    status: r.status,
    reason: r.reason,
    current: JSON.parse(r.current) as VariationCurrent,
    proposed: JSON.parse(r.proposed) as VariationProposed,
    requestedBy: { id: r.requested_by, name: r.requesterName },
    requestedAt: r.created_at,
    decidedBy: r.decided_by !== null ? { id: r.decided_by, name: r.deciderName ?? '' } : null,
    decidedAt: r.decided_at,
    decisionNote: r.decision_note,
  }
}

/** The award's variations, newest first. */
export async function listVariations(db: Db, awardId: number): Promise<Variation[]> {
  const rows = await variationQuery(db).where('award_variations.award_id', '=', awardId).orderBy('award_variations.id', 'desc').execute()
  return rows.map(toVariation)
}

export async function getVariation(db: Db, variationId: number): Promise<Variation> {
  const row = await variationQuery(db).where('award_variations.id', '=', variationId).executeTakeFirst()
  if (!row) throw new VariationNotFoundError()
  return toVariation(row)
}

/** A variation as the pages show it (plain data, no JSON to unpick). */
export function summariseVariation(v: Variation): VariationSummary {
  const payment = (t: VariationTranche) => ({ amountPence: t.amountPence, dueDate: t.dueDate })
  return {
    id: v.id,
    status: v.status,
    reason: v.reason,
    requestedById: v.requestedBy.id,
    requestedByName: v.requestedBy.name,
    requestedAt: v.requestedAt,
    decidedByName: v.decidedBy?.name ?? null,
    decidedAt: v.decidedAt,
    decisionNote: v.decisionNote,
    currentAmountPence: v.current.amountPence,
    proposedAmountPence: v.proposed.amountPence,
    replaced: v.current.replaced.map(payment),
    proposed: v.proposed.tranches.map(payment),
  }
}

export interface AwardForVariation {
  id: number
  reference: string
  status: string
  amountPence: number
  organisationId: number
  organisationName: string
  projectTitle: string
  tranches: Array<{ id: number; sequence: number; amountPence: number; dueDate: string; status: string }>
  /** What is paid or on its way: the least the award can be changed to. */
  keptPence: number
}

/**
 * The award a variation page is about, with its live tranches. `organisationIds` scopes it to the organisations the
 * person belongs to (null when it is not one of theirs, as when it does not exist).
 */
export async function awardForVariation(db: Db, awardId: number, scope: { organisationIds?: number[] } = {}): Promise<AwardForVariation | null> {
  if (scope.organisationIds && scope.organisationIds.length === 0) return null
  let query = db
    .selectFrom('awards')
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .innerJoin('applications', 'applications.id', 'awards.application_id')
    .select(['awards.id', 'awards.reference', 'awards.status', 'awards.amount_pence', 'awards.organisation_id', 'organisations.name', 'applications.title'])
    .where('awards.id', '=', awardId)
  if (scope.organisationIds) query = query.where('awards.organisation_id', 'in', scope.organisationIds)
  const award = await query.executeTakeFirst()
  if (!award) return null
  const tranches = await liveTranches(db, award.id)
  return {
    id: award.id,
    reference: award.reference,
    status: award.status,
    amountPence: award.amount_pence,
    organisationId: award.organisation_id,
    organisationName: award.name,
    projectTitle: award.title,
    tranches: tranches.map((t) => ({ id: t.id!, sequence: t.sequence!, amountPence: t.amountPence, dueDate: t.dueDate, status: t.status })),
    keptPence: sum(split(tranches).kept),
  }
}

// ---------------------------------------------------------------- helpers

/** Tranches that a variation leaves alone: money on its way or paid. */
const KEPT_STATUSES = ['in_run', 'sent', 'paid']

async function lockAward(trx: Transaction<DB>, awardId: number) {
  let query = trx.selectFrom('awards').select(['id', 'reference', 'status', 'amount_pence', 'organisation_id', 'application_id', 'round_id']).where('id', '=', awardId)
  if (engineOf(trx) === 'postgres') query = query.forUpdate()
  const award = await query.executeTakeFirst()
  if (!award) throw new AwardNotFoundError()
  return award
}

async function rolesOf(db: Db, userId: number): Promise<Role[]> {
  const rows = await db.selectFrom('user_roles').select('role').where('user_id', '=', userId).execute()
  return rows.map((r) => r.role).filter((r): r is Role => (ROLES as readonly string[]).includes(r))
}

async function holds(db: Db, userId: number, permission: Permission): Promise<boolean> {
  return roleHas(await rolesOf(db, userId), permission)
}

async function isMember(db: Db, userId: number, organisationId: number): Promise<boolean> {
  const row = await db.selectFrom('memberships').select('id').where('user_id', '=', userId).where('organisation_id', '=', organisationId).executeTakeFirst()
  return !!row
}

async function liveTranches(db: Db, awardId: number): Promise<VariationTranche[]> {
  const rows = await db
    .selectFrom('tranches')
    .select(['id', 'sequence', 'amount_pence', 'due_date', 'gate', 'status'])
    .where('award_id', '=', awardId)
    .where('status', '!=', 'cancelled')
    .orderBy('sequence')
    .execute()
  return rows.map((r) => ({ id: r.id, sequence: r.sequence, amountPence: r.amount_pence, dueDate: r.due_date, gate: r.gate, conditionIndex: null, status: r.status }))
}

function sum(tranches: Array<{ amountPence: number }>): number {
  return tranches.reduce((s, t) => s + t.amountPence, 0)
}

function split(tranches: VariationTranche[]): { kept: VariationTranche[]; replaced: VariationTranche[] } {
  return { kept: tranches.filter((t) => KEPT_STATUSES.includes(t.status)), replaced: tranches.filter((t) => !KEPT_STATUSES.includes(t.status)) }
}

/** The new tranches for `remainderPence`, checked by the schedule rules; none when nothing is left to pay. */
function proposedTranches(remainderPence: number, keptPence: number, newAmountPence: number, schedule: ScheduleInput, conditionCount: number): VariationTranche[] {
  if (schedule.kind === 'yearly') throw new ScheduleError('kind', 'A change to the payments can be one payment or a list of instalments')
  if (remainderPence === 0) {
    if (schedule.kind === 'instalments' && schedule.tranches.length === 0) return []
    throw new ScheduleError('tranches', `${formatPence(keptPence)} is already paid or being paid, which is the whole of the new amount: leave out any new payments`)
  }
  if (schedule.kind === 'instalments' && schedule.tranches.length > 0 && schedule.tranches.every((t) => Number.isSafeInteger(t.amountPence) && t.amountPence > 0)) {
    const total = sum(schedule.tranches)
    if (total !== remainderPence) {
      const left = keptPence > 0 ? `${formatPence(remainderPence)} is left to pay (the new amount of ${formatPence(newAmountPence)} less ${formatPence(keptPence)} already paid or being paid)` : `the new amount is ${formatPence(newAmountPence)}`
      throw new ScheduleError('tranches', `The payments add up to ${formatPence(total)}, but ${left}`)
    }
  }
  const draft = buildSchedule(remainderPence, schedule, conditionCount)
  return draft.tranches.map((t) => ({ id: null, sequence: null, amountPence: t.amountPence, dueDate: t.dueDate, gate: t.gate, conditionIndex: t.conditionIndex, status: 'scheduled' }))
}

function sameSchedule(a: VariationTranche[], b: VariationTranche[]): boolean {
  return a.length === b.length && a.every((t, i) => t.amountPence === b[i].amountPence && t.dueDate === b[i].dueDate && t.gate === b[i].gate && t.gate !== 'condition' && t.gate !== 'return')
}

// ---------------------------------------------------------------- requesting

export interface RequestVariationInput {
  awardId: number
  reason: string
  /** The award's new total. */
  amountPence: number
  /** The new schedule for the part not yet paid, sent or in a payment run ('single' or 'instalments'). */
  schedule: ScheduleInput
  idempotencyKey: string
}

/**
 * Asks for a change to an accepted award (see the module comment). The organisation's members and fund managers may
 * ask (VariationForbiddenError otherwise). Throws VariationInputError / ScheduleError (400, with the field),
 * VariationConflictError (409: the award is not accepted, or a request is already waiting). A repeated key returns
 * the request it made.
 */
export async function requestVariation(trx: Transaction<DB>, actorUserId: number, input: RequestVariationInput): Promise<{ variation: Variation; replayed: boolean }> {
  const key = input.idempotencyKey.trim()
  if (!key) throw new VariationInputError('idempotencyKey', 'The form is missing its key: reload the page and try again')
  const award = await lockAward(trx, input.awardId)
  const member = await isMember(trx, actorUserId, award.organisation_id)
  if (!member && !(await holds(trx, actorUserId, 'issue:award:any'))) throw new VariationForbiddenError('Only a member of the organisation or a fund manager can ask to change this award.')
  const previous = await trx.selectFrom('award_variations').select(['id', 'award_id', 'requested_by']).where('idempotency_key', '=', key).executeTakeFirst()
  if (previous) {
    if (previous.award_id !== award.id || previous.requested_by !== actorUserId) throw new VariationConflictError('That form was already used: reload the page and try again.', 'idempotency_key_reused')
    return { variation: await getVariation(trx, previous.id), replayed: true }
  }
  if (award.status !== 'accepted') {
    throw new VariationConflictError(
      award.status === 'committed' || award.status === 'offered'
        ? 'Only an accepted award can be varied. Until the offer is accepted, the fund manager changes the offer terms instead.'
        : `This award is ${award.status === 'completed' ? 'paid in full' : award.status}, so it cannot be varied.`,
      'award_not_accepted',
    )
  }
  const reason = input.reason.trim()
  if (!reason) throw new VariationInputError('reason', 'Say why the award should change')
  if (reason.length > MAX_REASON_LENGTH) throw new VariationInputError('reason', `The reason must be ${MAX_REASON_LENGTH} characters or fewer`)
  if (!Number.isSafeInteger(input.amountPence) || input.amountPence <= 0 || input.amountPence > MAX_PENCE) throw new VariationInputError('amount', 'Enter the new amount of the award, more than £0')

  const { kept, replaced } = split(await liveTranches(trx, award.id))
  const keptPence = sum(kept)
  if (input.amountPence < keptPence) {
    throw new VariationInputError('amount', `The award cannot be less than ${formatPence(keptPence)}, which is already paid or on its way`)
  }
  const conditionCount = (await trx.selectFrom('award_conditions').select('id').where('award_id', '=', award.id).execute()).length
  const tranches = proposedTranches(input.amountPence - keptPence, keptPence, input.amountPence, input.schedule, conditionCount)
  if (input.amountPence === award.amount_pence && sameSchedule(tranches, replaced)) throw new VariationInputError('amount', 'This is the award as it stands: change the amount or the payments')

  const pending = await trx.selectFrom('award_variations').select('id').where('award_id', '=', award.id).where('status', '=', 'pending').executeTakeFirst()
  if (pending) throw new VariationConflictError('A change to this award is already waiting for a decision. It must be approved or rejected before another is asked for.', 'variation_pending')

  const current: VariationCurrent = { amountPence: award.amount_pence, kept, replaced }
  const proposed: VariationProposed = { amountPence: input.amountPence, schedule: input.schedule, tranches }
  const row = await trx
    .insertInto('award_variations')
    .values({ award_id: award.id, reason, current: JSON.stringify(current), proposed: JSON.stringify(proposed), status: 'pending', requested_by: actorUserId, idempotency_key: key })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(trx, {
    actorUserId,
    action: 'award.variation_requested',
    entityType: 'award',
    entityId: award.id,
    before: { amountPence: current.amountPence, tranches: replaced.map(brief) },
    after: { variationId: row.id, reason, amountPence: proposed.amountPence, tranches: tranches.map(brief), requestedAs: member ? 'organisation' : 'fund_manager' },
  })
  return { variation: await getVariation(trx, row.id), replayed: false }
}

function brief(t: VariationTranche) {
  return { amountPence: t.amountPence, dueDate: t.dueDate, gate: t.gate }
}

// ---------------------------------------------------------------- deciding

export interface DecideVariationInput {
  variationId: number
  decision: 'approved' | 'rejected'
  note: string
  /** When given, the variation must belong to this award (else VariationNotFoundError). */
  awardId?: number
}

export interface DecidedVariation {
  variation: Variation
  replayed: boolean
}

/**
 * A fund manager approves or rejects a waiting variation. Refused for anyone else (VariationForbiddenError) and for
 * the person who asked (VariationFourEyesError); a rejection needs a note. Approving applies the change to the
 * schedule and the ledger (see the module comment) and may throw SplitRefusedError (409, naming the binding
 * ring-fence), PotStatusError, or VariationConflictError when the schedule moved on since the request. The same
 * decision repeated by the same person is a replay.
 */
export async function decideVariation(trx: Transaction<DB>, actorUserId: number, input: DecideVariationInput): Promise<DecidedVariation> {
  let query = trx.selectFrom('award_variations').select(['id', 'award_id', 'status', 'requested_by', 'decided_by', 'current', 'proposed']).where('id', '=', input.variationId)
  if (engineOf(trx) === 'postgres') query = query.forUpdate()
  const row = await query.executeTakeFirst()
  if (!row || (input.awardId !== undefined && row.award_id !== input.awardId)) throw new VariationNotFoundError()
  if (!(await holds(trx, actorUserId, 'issue:award:any'))) throw new VariationForbiddenError('Only a fund manager can approve or reject a change to an award.')
  if (row.requested_by === actorUserId) throw new VariationFourEyesError()
  if (row.status !== 'pending') {
    if (row.status === input.decision && row.decided_by === actorUserId) return { variation: await getVariation(trx, row.id), replayed: true }
    throw new VariationConflictError(`This change has already been ${row.status}.`, 'variation_decided')
  }
  const note = input.note.trim()
  if (input.decision === 'rejected' && !note) throw new VariationInputError('note', 'Say why the change is rejected')
  if (note.length > MAX_REASON_LENGTH) throw new VariationInputError('note', `The note must be ${MAX_REASON_LENGTH} characters or fewer`)

  const award = await lockAward(trx, row.award_id)
  let applied: AppliedVariation | null = null
  if (input.decision === 'approved') {
    if (award.status !== 'accepted') throw new VariationConflictError(`This award is ${award.status === 'completed' ? 'paid in full' : award.status}, so the change cannot be made.`, 'award_not_accepted')
    applied = await applyVariation(trx, actorUserId, { variationId: row.id, award, current: JSON.parse(row.current) as VariationCurrent, proposed: JSON.parse(row.proposed) as VariationProposed })
  }
  const now = new Date().toISOString()
  const result = await trx
    .updateTable('award_variations')
    .set({ status: input.decision, decided_by: actorUserId, decided_at: now, decision_note: note || null })
    .where('id', '=', row.id)
    .where('status', '=', 'pending')
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) throw new VariationConflictError('This change was decided a moment ago: reload the page.', 'variation_decided')
  await recordAudit(trx, {
    actorUserId,
    action: `award.variation_${input.decision}`,
    entityType: 'award',
    entityId: award.id,
    before: applied?.before ?? { amountPence: award.amount_pence },
    after: { variationId: row.id, note: note || null, ...(applied?.after ?? {}) },
  })
  if (applied) await refreshAwardFigures(trx, [award.id])
  return { variation: await getVariation(trx, row.id), replayed: false }
}

interface AppliedVariation {
  before: { amountPence: number; tranches: Array<{ id: number; amountPence: number; dueDate: string; gate: Gate }> }
  after: {
    amountPence: number
    tranches: Array<{ id: number; sequence: number; amountPence: number; dueDate: string; gate: Gate }>
    committedPence: Record<number, number>
    releasedPence: Record<number, number>
    parts: Array<{ trancheId: number; contributionId: number; amountPence: number }>
  }
}

interface ApplyInput {
  variationId: number
  award: Awaited<ReturnType<typeof lockAward>>
  current: VariationCurrent
  proposed: VariationProposed
}

async function applyVariation(trx: Transaction<DB>, actorUserId: number, input: ApplyInput): Promise<AppliedVariation> {
  const { award, proposed, variationId } = input
  const { kept, replaced } = split(await liveTranches(trx, award.id))
  const asked = input.current.replaced.map((t) => t.id).join(',')
  if (replaced.map((t) => t.id).join(',') !== asked || kept.map((t) => t.id).join(',') !== input.current.kept.map((t) => t.id).join(',')) {
    throw new VariationConflictError('The payments for this award have changed since this was asked for (one has gone into a payment run, been paid or come back). Reject this request and ask again.', 'variation_stale')
  }
  const newRemainder = sum(proposed.tranches)
  if (proposed.amountPence - sum(kept) !== newRemainder) throw new VariationConflictError('The proposed payments no longer add up to the new amount. Reject this request and ask again.', 'variation_stale')

  const commitments = await trx.selectFrom('award_commitments').select(['id', 'contribution_id', 'amount_pence', 'released_at']).where('award_id', '=', award.id).orderBy('id').execute()
  const live = commitments.filter((c) => c.released_at === null)
  await contributionBalances(trx, live.map((c) => c.contribution_id), { lock: true })
  // What each contribution has in the tranches being replaced.
  const replacedIds = replaced.map((t) => t.id!)
  const parts = replacedIds.length ? await trx.selectFrom('tranche_parts').select(['contribution_id', 'amount_pence']).where('tranche_id', 'in', replacedIds).execute() : []
  const scheduled = new Map<number, number>(live.map((c) => [c.contribution_id, 0]))
  for (const p of parts) scheduled.set(p.contribution_id, (scheduled.get(p.contribution_id) ?? 0) + p.amount_pence)

  const delta = newRemainder - sum(replaced)
  const committedPence: Record<number, number> = {}
  const releasedPence: Record<number, number> = {}
  if (delta > 0) {
    const increase = await commitIncrease(trx, actorUserId, { variationId, award, increasePence: delta, newAmountPence: proposed.amountPence, commitments })
    for (const [c, pence] of increase) {
      committedPence[c] = pence
      scheduled.set(c, (scheduled.get(c) ?? 0) + pence)
    }
  } else if (delta < 0) {
    const release = await releaseDecrease(trx, actorUserId, { variationId, award, decreasePence: -delta, scheduled, commitments: live })
    for (const [c, pence] of release) {
      releasedPence[c] = pence
      scheduled.set(c, scheduled.get(c)! - pence)
    }
  }

  const now = new Date().toISOString()
  if (replacedIds.length) {
    const cancelled = await trx.updateTable('tranches').set({ status: 'cancelled', cancelled_at: now, updated_at: now }).where('id', 'in', replacedIds).where('status', '=', 'scheduled').executeTakeFirst()
    if (Number(cancelled.numUpdatedRows) !== replacedIds.length) {
      throw new VariationConflictError('A payment for this award went into a payment run a moment ago. Nothing was changed: reject this request and ask again.', 'variation_stale')
    }
  }
  const conditionIds = (await trx.selectFrom('award_conditions').select('id').where('award_id', '=', award.id).orderBy('sequence').execute()).map((c) => c.id)
  const top = await trx.selectFrom('tranches').select((eb) => eb.fn.max<number>('sequence').as('top')).where('award_id', '=', award.id).executeTakeFirst()
  let sequence = Number(top?.top ?? 0)
  const inserted: AppliedVariation['after']['tranches'] = []
  for (const t of proposed.tranches) {
    sequence += 1
    const gateRef = t.gate === 'condition' && t.conditionIndex !== null ? String(conditionIds[t.conditionIndex]) : null
    const row = await trx
      .insertInto('tranches')
      .values({ award_id: award.id, sequence, amount_pence: t.amountPence, due_date: t.dueDate, gate: t.gate, gate_ref: gateRef, status: 'scheduled' })
      .returning('id')
      .executeTakeFirstOrThrow()
    inserted.push({ id: row.id, sequence, amountPence: t.amountPence, dueDate: t.dueDate, gate: t.gate })
  }
  const available = [...scheduled].filter(([, pence]) => pence > 0).map(([contributionId, amountPence]) => ({ contributionId, amountPence }))
  const newParts = inserted.length ? shareTranches(inserted.map((t) => ({ id: t.id, amountPence: t.amountPence })), available) : []
  if (!inserted.length && available.length) throw new VariationConflictError('The ledger does not match the payments for this award.', 'schedule_mismatch')
  if (newParts.length) await trx.insertInto('tranche_parts').values(newParts.map((p) => ({ tranche_id: p.trancheId, contribution_id: p.contributionId, amount_pence: p.amountPence }))).execute()

  await trx.updateTable('awards').set({ amount_pence: proposed.amountPence, updated_at: now }).where('id', '=', award.id).execute()
  const unpaid = await trx.selectFrom('tranches').select('id').where('award_id', '=', award.id).where('status', 'not in', ['paid', 'cancelled']).executeTakeFirst()
  if (!unpaid && kept.length > 0) await trx.updateTable('awards').set({ status: 'completed', updated_at: now }).where('id', '=', award.id).where('status', '=', 'accepted').execute()
  return {
    before: { amountPence: award.amount_pence, tranches: replaced.map((t) => ({ id: t.id!, amountPence: t.amountPence, dueDate: t.dueDate, gate: t.gate })) },
    after: { amountPence: proposed.amountPence, tranches: inserted, committedPence, releasedPence, parts: newParts },
  }
}

/** The outcome areas the award was made for (as confirmed on the award page), else the bid's. */
async function awardOutcomeAreas(db: Db, awardId: number, applicationId: number) {
  const award = await db.selectFrom('awards').select('outcome_areas').where('id', '=', awardId).executeTakeFirst()
  if (award?.outcome_areas) return parseOutcomeAreas(award.outcome_areas)
  const application = await db.selectFrom('applications').select('outcome_areas').where('id', '=', applicationId).executeTakeFirst()
  return parseOutcomeAreas(application?.outcome_areas)
}

interface IncreaseInput {
  variationId: number
  award: ApplyInput['award']
  increasePence: number
  newAmountPence: number
  commitments: Array<{ id: number; contribution_id: number; amount_pence: number; released_at: string | null }>
}

/**
 * Commits the increase from the award's pot, straight into the schedule. Each contribution's share cap applies to
 * the new total, less what it already gives. Returns pence by contribution.
 */
async function commitIncrease(trx: Transaction<DB>, actorUserId: number, input: IncreaseInput): Promise<Map<number, number>> {
  const live = input.commitments.filter((c) => c.released_at === null)
  const pots = await trx
    .selectFrom('award_commitments')
    .innerJoin('contributions', 'contributions.id', 'award_commitments.contribution_id')
    .select(['contributions.pot_id', 'award_commitments.amount_pence'])
    .where('award_commitments.award_id', '=', input.award.id)
    .where('award_commitments.released_at', 'is', null)
    .orderBy('award_commitments.amount_pence', 'desc')
    .orderBy('award_commitments.id')
    .execute()
  if (pots.length === 0) throw new VariationConflictError('This award has no money committed from a pot, so it cannot be increased.', 'no_commitment')
  const pot = await getPot(trx, pots[0].pot_id)
  if (pot.status !== 'open') throw new PotStatusError(`${pot.name} is ${pot.status === 'draft' ? 'not open yet' : 'closed for the year'}: the award cannot be increased from it.`)
  const [application, round, potConditions] = await Promise.all([
    trx.selectFrom('applications').select('place_id').where('id', '=', input.award.application_id).executeTakeFirstOrThrow(),
    trx.selectFrom('rounds').select('fund_id').where('id', '=', input.award.round_id).executeTakeFirstOrThrow(),
    trx.selectFrom('contributions').select('conditions').where('pot_id', '=', pot.id).execute(),
  ])
  const facts: AwardFacts = {
    placeId: application.place_id,
    categories: await awardOutcomeAreas(trx, input.award.id, input.award.application_id),
    fundId: round.fund_id,
    roundId: input.award.round_id,
    date: ukToday(),
    amountPence: input.newAmountPence,
  }
  const names = await conditionNames(trx, potConditions.map((c) => parseConditions(c.conditions)))
  const already = new Map(live.map((c) => [c.contribution_id, c.amount_pence]))
  const candidates = (await splitCandidates(trx, pot.id, facts, { lock: true, names })).map((c) => ({ ...c, shareCapPence: Math.max(0, c.shareCapPence - (already.get(c.contributionId) ?? 0)) }))
  const result = proportionalSplit(input.increasePence, candidates)
  if (!result.ok) {
    throw new SplitRefusedError(`The award cannot be increased by ${formatPence(input.increasePence)} from ${pot.name}. ${result.message.replace('for this award of', 'for an increase of')}.`)
  }
  const balances = await contributionBalances(trx, result.parts.map((p) => p.contributionId))
  const entries: PostEntryInput[] = []
  const increase = new Map<number, number>()
  for (const part of result.parts) {
    const commitmentId = await addToCommitment(trx, input.award.id, part.contributionId, part.amountPence, input.commitments)
    await ensureScheduledAccount(trx, part.contributionId)
    increase.set(part.contributionId, part.amountPence)
    const fromAvailable = Math.min(part.amountPence, balances.get(part.contributionId)!.available)
    const fromOutstanding = part.amountPence - fromAvailable
    const base = { ref: { type: 'award_commitment', id: commitmentId }, actorUserId, memo: `Award ${input.award.reference}: variation ${input.variationId}` }
    const committed = contributionAccountCode(part.contributionId, 'committed')
    const key = `variation:${input.variationId}`
    if (fromAvailable > 0) entries.push({ ...base, debit: contributionAccountCode(part.contributionId, 'available'), credit: committed, amountPence: fromAvailable, reasonCode: REASONS.committed, idempotencyKey: `${key}:commit:${part.contributionId}` })
    if (fromOutstanding > 0) entries.push({ ...base, debit: contributionAccountCode(part.contributionId, 'outstanding'), credit: committed, amountPence: fromOutstanding, reasonCode: REASONS.committed, idempotencyKey: `${key}:commit:${part.contributionId}:pledged` })
    entries.push({ ...base, debit: committed, credit: contributionAccountCode(part.contributionId, 'scheduled'), amountPence: part.amountPence, reasonCode: REASONS.scheduled, idempotencyKey: `${key}:schedule:${part.contributionId}` })
  }
  await postEntries(trx, entries, { ensureNonNegative: [...new Set(entries.map((e) => e.debit))] })
  return increase
}

async function addToCommitment(trx: Transaction<DB>, awardId: number, contributionId: number, pence: number, commitments: IncreaseInput['commitments']): Promise<number> {
  const existing = commitments.find((c) => c.contribution_id === contributionId)
  if (existing && existing.released_at !== null) {
    throw new VariationConflictError('Part of this award was released from a contribution that would now fund the increase. Ask a developer to look at it.', 'commitment_released')
  }
  if (existing) {
    await trx.updateTable('award_commitments').set({ amount_pence: existing.amount_pence + pence }).where('id', '=', existing.id).execute()
    return existing.id
  }
  const row = await trx.insertInto('award_commitments').values({ award_id: awardId, contribution_id: contributionId, amount_pence: pence }).returning('id').executeTakeFirstOrThrow()
  return row.id
}

interface DecreaseInput {
  variationId: number
  award: ApplyInput['award']
  decreasePence: number
  scheduled: Map<number, number>
  commitments: Array<{ id: number; contribution_id: number; amount_pence: number }>
}

/** Gives the decrease back to the pot (scheduled -> available), in proportion to what each contribution has left. */
async function releaseDecrease(trx: Transaction<DB>, actorUserId: number, input: DecreaseInput): Promise<Map<number, number>> {
  const shares = allocateByWeights(
    input.decreasePence,
    input.commitments.map((c) => input.scheduled.get(c.contribution_id) ?? 0),
  )
  const released = new Map<number, number>()
  const entries: PostEntryInput[] = []
  for (const [i, c] of input.commitments.entries()) {
    const pence = shares[i]
    if (pence === 0) continue
    released.set(c.contribution_id, pence)
    await trx.updateTable('award_commitments').set({ amount_pence: c.amount_pence - pence }).where('id', '=', c.id).execute()
    entries.push({
      debit: contributionAccountCode(c.contribution_id, 'scheduled'),
      credit: contributionAccountCode(c.contribution_id, 'available'),
      amountPence: pence,
      reasonCode: REASONS.released,
      idempotencyKey: `variation:${input.variationId}:release:${c.contribution_id}`,
      ref: { type: 'award_commitment', id: c.id },
      actorUserId,
      memo: `Award ${input.award.reference}: reduced by variation ${input.variationId}`,
    })
  }
  await postEntries(trx, entries, { ensureNonNegative: entries.map((e) => e.debit) })
  return released
}
