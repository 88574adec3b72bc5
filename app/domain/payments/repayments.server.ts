/**
 * Money coming back from an organisation after it was paid: a repayment (they return what they did not spend) or a
 * clawback (we recover it, e.g. after a breach of the terms). Either is recorded by finance as its own row and its
 * own ledger entries, never by changing the payment:
 *
 *   contribution:<c>:paid -> contribution:<c>:available   ('award.repaid' | 'award.clawed_back')
 *
 * shared across the contributions in proportion to what each has paid to this award and not yet had back (largest
 * remainder), keyed `repayment:<row id>:<contribution>`. No more can come back than was paid (less earlier
 * repayments); against one tranche, no more than that tranche. A repeated form (same idempotency key) returns the
 * first record.
 */
import type { Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import { isCalendarDate } from '~/lib/calendar-date.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import { allocateByWeights, formatPence } from '~/lib/money.ts'
import { roleHas, ROLES, type Role } from '~/lib/policy.ts'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { REASONS, contributionAccountCode } from '../budgets/accounts.ts'
import { contributionBalances } from '../budgets/contributions.server.ts'
import { postEntries, type PostEntryInput } from '../budgets/ledger.server.ts'
import { ukToday } from '../places/places.server.ts'
import { refreshAwardFigures } from '../budgets/place-figures.server.ts'

export type RepaymentKind = 'repayment' | 'clawback'

export class RepaymentInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'repayment_input', status: 400, field })
  }
}

export class RepaymentForbiddenError extends DomainError {
  constructor() {
    super('Only finance can record money coming back from an organisation.', { code: 'repayment_forbidden', status: 403 })
  }
}

export class RepaymentAwardNotFoundError extends NotFoundError {
  constructor() {
    super('award')
  }
}

export interface Repayment {
  id: number
  awardId: number
  trancheId: number | null
  kind: RepaymentKind
  amountPence: number
  reason: string
  receivedOn: string
  recordedBy: { id: number; name: string }
  recordedAt: string
  /** How it was shared across the contributions (from its ledger entries). */
  parts: Array<{ contributionId: number; funderName: string; amountPence: number }>
}

export interface RecordRepaymentInput {
  awardId: number
  kind: RepaymentKind
  amountPence: number
  reason: string
  /** YYYY-MM-DD, not in the future. */
  receivedOn: string
  /** The paid tranche the money is for, when it is for one. */
  trancheId?: number | null
  idempotencyKey: string
}

function repaymentKey(repaymentId: number, contributionId: number): string {
  return `repayment:${repaymentId}:${contributionId}`
}

const REPAID_REASONS = [REASONS.repaid, REASONS.clawedBack]

/** Per contribution: what it has paid to the award (its parts of paid tranches, or of one tranche). */
async function paidParts(db: Db, awardId: number, trancheId?: number | null): Promise<Map<number, number>> {
  let query = db
    .selectFrom('tranche_parts')
    .innerJoin('tranches', 'tranches.id', 'tranche_parts.tranche_id')
    .select((eb) => ['tranche_parts.contribution_id', eb.fn.sum<number>('tranche_parts.amount_pence').as('total')])
    .where('tranches.award_id', '=', awardId)
    .where('tranches.status', '=', 'paid')
    .groupBy('tranche_parts.contribution_id')
    .orderBy('tranche_parts.contribution_id')
  if (trancheId) query = query.where('tranches.id', '=', trancheId)
  const rows = await query.execute()
  return new Map(rows.map((r) => [r.contribution_id, Number(r.total)]))
}

/** Per contribution: what earlier repayments (of the award, or against one tranche) took back. */
async function repaidParts(db: Db, awardId: number, trancheId?: number | null): Promise<Map<number, number>> {
  let ids = db.selectFrom('award_repayments').select('id').where('award_id', '=', awardId)
  if (trancheId) ids = ids.where('tranche_id', '=', trancheId)
  const repaymentIds = (await ids.execute()).map((r) => r.id)
  return sharesOf(db, repaymentIds).then((byRepayment) => {
    const total = new Map<number, number>()
    for (const parts of byRepayment.values()) for (const p of parts) total.set(p.contributionId, (total.get(p.contributionId) ?? 0) + p.amountPence)
    return total
  })
}

/** Each repayment's ledger entries, as parts by contribution. */
async function sharesOf(db: Db, repaymentIds: number[]): Promise<Map<number, Array<{ contributionId: number; amountPence: number }>>> {
  const result = new Map<number, Array<{ contributionId: number; amountPence: number }>>(repaymentIds.map((id) => [id, []]))
  if (repaymentIds.length === 0) return result
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['ref_id', 'idempotency_key', 'amount_pence'])
    .where('ref_type', '=', 'award_repayment')
    .where('ref_id', 'in', repaymentIds)
    .where('reason_code', 'in', REPAID_REASONS)
    .where('reverses_entry_id', 'is', null)
    .orderBy('id')
    .execute()
  for (const r of rows) {
    const contributionId = Number(r.idempotency_key.split(':')[2])
    result.get(r.ref_id!)!.push({ contributionId, amountPence: r.amount_pence })
  }
  return result
}

/** What can still come back, per contribution (paid less repaid), for the award or for one of its tranches. */
export async function repayableByContribution(db: Db, awardId: number, trancheId?: number | null): Promise<Map<number, number>> {
  const [paid, repaid] = await Promise.all([paidParts(db, awardId, trancheId), repaidParts(db, awardId, trancheId)])
  return new Map([...paid].map(([c, pence]) => [c, Math.max(0, pence - (repaid.get(c) ?? 0))]))
}

async function mayRecord(db: Db, userId: number): Promise<boolean> {
  const rows = await db.selectFrom('user_roles').select('role').where('user_id', '=', userId).execute()
  const roles = rows.map((r) => r.role).filter((r): r is Role => (ROLES as readonly string[]).includes(r))
  return roleHas(roles, 'record:receipt:any') || roleHas(roles, 'prepare:payment-run:any')
}

function checkInput(input: RecordRepaymentInput): { reason: string; key: string } {
  const key = input.idempotencyKey.trim()
  if (!key) throw new RepaymentInputError('idempotencyKey', 'The form is missing its key: reload the page and try again')
  if (input.kind !== 'repayment' && input.kind !== 'clawback') throw new RepaymentInputError('kind', 'Choose whether this is a repayment or a clawback')
  if (!Number.isSafeInteger(input.amountPence) || input.amountPence <= 0) throw new RepaymentInputError('amount', 'Enter the amount received, more than £0')
  const reason = input.reason.trim()
  if (!reason) throw new RepaymentInputError('reason', input.kind === 'clawback' ? 'Say why the money is being clawed back' : 'Say why the money was repaid')
  if (reason.length > 2000) throw new RepaymentInputError('reason', 'The reason must be 2,000 characters or fewer')
  if (!isCalendarDate(input.receivedOn)) throw new RepaymentInputError('receivedOn', 'Enter the date the money arrived as a real date, like 2027-01-31')
  if (input.receivedOn > ukToday()) throw new RepaymentInputError('receivedOn', 'The date the money arrived cannot be in the future')
  return { reason, key }
}

/**
 * Records money back from an organisation (see the module comment). Only finance may (RepaymentForbiddenError).
 * Throws RepaymentInputError (400, with its field) for a bad amount, reason, date or tranche, or an amount above
 * what was paid and not yet repaid; ConflictError when the form's key was used for another award.
 */
export async function recordRepayment(trx: Transaction<DB>, actorUserId: number, input: RecordRepaymentInput): Promise<{ repayment: Repayment; replayed: boolean }> {
  if (!(await mayRecord(trx, actorUserId))) throw new RepaymentForbiddenError()
  const { reason, key } = checkInput(input)
  // One writer per award at a time (PostgreSQL row lock; SQLite write transactions are serial already).
  let lock = trx.selectFrom('awards').select(['id', 'reference']).where('id', '=', input.awardId)
  if (engineOf(trx) === 'postgres') lock = lock.forUpdate()
  const award = await lock.executeTakeFirst()
  if (!award) throw new RepaymentAwardNotFoundError()
  const previous = await trx.selectFrom('award_repayments').select(['id', 'award_id']).where('idempotency_key', '=', key).executeTakeFirst()
  if (previous) {
    if (previous.award_id !== award.id) throw new ConflictError('That form was already used for another award: reload the page and try again.', 'idempotency_key_reused')
    return { repayment: (await listRepayments(trx, award.id)).find((r) => r.id === previous.id)!, replayed: true }
  }
  const trancheId = input.trancheId ?? null
  if (trancheId !== null) {
    const tranche = await trx.selectFrom('tranches').select(['status']).where('id', '=', trancheId).where('award_id', '=', award.id).executeTakeFirst()
    if (!tranche) throw new RepaymentInputError('trancheId', 'Choose a payment made for this award')
    if (tranche.status !== 'paid') throw new RepaymentInputError('trancheId', 'That payment has not been made, so nothing can come back from it')
  }
  const repayable = await repayableByContribution(trx, award.id, trancheId)
  const contributions = [...repayable.keys()].sort((a, b) => a - b)
  const weights = contributions.map((c) => repayable.get(c)!)
  let limit = weights.reduce((a, b) => a + b, 0)
  if (trancheId !== null) limit = Math.min(limit, (await repaymentTotals(trx, award.id)).repayablePence)
  if (input.amountPence > limit) {
    const what = trancheId !== null ? 'this payment' : 'this award'
    throw new RepaymentInputError('amount', limit === 0 ? `Nothing has been paid for ${what} that has not already come back` : `At most ${formatPence(limit)} can come back: that is what was paid for ${what}, less earlier repayments`)
  }
  await contributionBalances(trx, contributions, { lock: true })
  const row = await trx
    .insertInto('award_repayments')
    .values({ award_id: award.id, tranche_id: trancheId, kind: input.kind, amount_pence: input.amountPence, reason, received_on: input.receivedOn, recorded_by: actorUserId, idempotency_key: key })
    .returning('id')
    .executeTakeFirstOrThrow()
  const shares = allocateByWeights(input.amountPence, weights)
  const entries: PostEntryInput[] = contributions
    .map((c, i) => ({ c, pence: shares[i] }))
    .filter((x) => x.pence > 0)
    .map(({ c, pence }) => ({
      debit: contributionAccountCode(c, 'paid'),
      credit: contributionAccountCode(c, 'available'),
      amountPence: pence,
      reasonCode: input.kind === 'clawback' ? REASONS.clawedBack : REASONS.repaid,
      idempotencyKey: repaymentKey(row.id, c),
      ref: { type: 'award_repayment', id: row.id },
      actorUserId,
      memo: `Award ${award.reference}: ${reason}`.slice(0, 500),
    }))
  await postEntries(trx, entries, { ensureNonNegative: entries.map((e) => e.debit) })
  await refreshAwardFigures(trx, [award.id])
  const parts = entries.map((e) => ({ contributionId: Number(e.idempotencyKey.split(':')[2]), amountPence: e.amountPence }))
  await recordAudit(trx, {
    actorUserId,
    action: 'award.repayment_recorded',
    entityType: 'award',
    entityId: award.id,
    after: { repaymentId: row.id, kind: input.kind, amountPence: input.amountPence, reason, receivedOn: input.receivedOn, trancheId, parts },
  })
  return { repayment: (await listRepayments(trx, award.id)).find((r) => r.id === row.id)!, replayed: false }
}

/** The award's repayments and clawbacks, newest first, each with how it was shared across the contributions. */
export async function listRepayments(db: Db, awardId: number): Promise<Repayment[]> {
  const rows = await db
    .selectFrom('award_repayments')
    .innerJoin('users', 'users.id', 'award_repayments.recorded_by')
    .select([
      'award_repayments.id',
      'award_repayments.award_id',
      'award_repayments.tranche_id',
      'award_repayments.kind',
      'award_repayments.amount_pence',
      'award_repayments.reason',
      'award_repayments.received_on',
      'award_repayments.recorded_by',
      'users.name',
      'award_repayments.created_at',
    ])
    .where('award_repayments.award_id', '=', awardId)
    .orderBy('award_repayments.id', 'desc')
    .execute()
  const shares = await sharesOf(db, rows.map((r) => r.id))
  const contributionIds = [...new Set([...shares.values()].flatMap((parts) => parts.map((p) => p.contributionId)))]
  const funders = contributionIds.length
    ? await db.selectFrom('contributions').innerJoin('funders', 'funders.id', 'contributions.funder_id').select(['contributions.id', 'funders.name']).where('contributions.id', 'in', contributionIds).execute()
    : []
  const funderName = new Map(funders.map((f) => [f.id, f.name]))
  return rows.map((r) => ({
    id: r.id,
    awardId: r.award_id,
    trancheId: r.tranche_id,
    kind: r.kind,
    amountPence: r.amount_pence,
    reason: r.reason,
    receivedOn: r.received_on,
    recordedBy: { id: r.recorded_by, name: r.name },
    recordedAt: r.created_at,
    parts: (shares.get(r.id) ?? []).map((p) => ({ ...p, funderName: funderName.get(p.contributionId) ?? '' })),
  }))
}

/** The award's paid tranches, for choosing which payment the money is for. */
export async function paidTranches(db: Db, awardId: number): Promise<Array<{ id: number; sequence: number; amountPence: number; paidAt: string | null }>> {
  const rows = await db.selectFrom('tranches').select(['id', 'sequence', 'amount_pence', 'paid_at']).where('award_id', '=', awardId).where('status', '=', 'paid').orderBy('sequence').execute()
  return rows.map((r) => ({ id: r.id, sequence: r.sequence, amountPence: r.amount_pence, paidAt: r.paid_at }))
}

/** What was paid to the award, and what has come back, in total. */
export async function repaymentTotals(db: Db, awardId: number): Promise<{ paidPence: number; repaidPence: number; repayablePence: number }> {
  const [paid, repaid] = await Promise.all([paidParts(db, awardId), repaidParts(db, awardId)])
  const paidPence = [...paid.values()].reduce((a, b) => a + b, 0)
  const repaidPence = [...repaid.values()].reduce((a, b) => a + b, 0)
  return { paidPence, repaidPence, repayablePence: Math.max(0, paidPence - repaidPence) }
}
