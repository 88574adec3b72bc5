/**
 * Committing awards to a pot: an award reserves money from the pot's contributions (available -> committed), split
 * by the documented rule in split.ts that respects every ring-fence (ring-fence.ts). A fund manager may override the
 * split with a reason; an override is held to the same rules. A declined or cancelled award releases what is still
 * committed (committed -> available); payments move committed -> paid (recordAwardPayment, called by payments).
 *
 * No contribution can be over-committed, even under concurrent requests: the pot's contribution accounts are locked
 * (PostgreSQL: FOR UPDATE in id order; SQLite: the BEGIN IMMEDIATE write lock) before balances are read, and every
 * posting checks ensureNonNegative on the accounts it draws from.
 */
import type { Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import { MAX_PENCE, allocateByWeights } from '~/lib/money.ts'
import type { DB } from '../../../db/schema.ts'
import { REASONS, contributionAccountCode } from './accounts.ts'
import { contributionBalances } from './contributions.server.ts'
import { postEntries, type PostEntryInput } from './ledger.server.ts'
import { getPot, PotStatusError } from './pots.server.ts'
import { checkConditions, maxContributionToAward, parseConditions, type AwardFacts, type ConditionNames } from './ring-fence.ts'
import { checkOverrideSplit, proportionalSplit, type SplitCandidate, type SplitPart } from './split.ts'
import { refreshAwardFigures } from './place-figures.server.ts'

/** No split of the pot's contributions can fund the award; the message names the binding condition. */
export class SplitRefusedError extends DomainError {
  constructor(message: string) {
    super(message, { code: 'split_refused', status: 409, field: 'split' })
  }
}

export class CommitmentInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'commitment_input', status: 400, field })
  }
}

export class AwardAlreadyCommittedError extends ConflictError {
  constructor() {
    super('This award already has money committed from this pot. Release it before committing again.', 'award_already_committed')
  }
}

export class AwardNotFoundError extends NotFoundError {
  constructor() {
    super('award')
  }
}

export interface CommitAwardInput {
  awardId: number
  potId: number
  amountPence: number
  /** What the ring-fence rules need to know about the award (its amount is amountPence). */
  award: Omit<AwardFacts, 'amountPence'>
  /** A fund manager's own split, by contribution id, in pence; needs overrideReason. */
  split?: Record<number, number> | null
  overrideReason?: string | null
  idempotencyKey: string
  /** Names for messages ("Only for projects in NHS South West London"). */
  names?: ConditionNames
}

export interface CommitmentPart extends SplitPart {
  commitmentId: number
  funderName: string
}

export interface CommitAwardResult {
  parts: CommitmentPart[]
  replayed: boolean
}

interface PotContribution {
  id: number
  funderName: string
  isInKind: boolean
  conditions: ReturnType<typeof parseConditions>
}

async function potContributions(db: Db, potId: number): Promise<PotContribution[]> {
  const rows = await db
    .selectFrom('contributions')
    .innerJoin('funders', 'funders.id', 'contributions.funder_id')
    .select(['contributions.id', 'contributions.conditions', 'contributions.is_in_kind', 'funders.name'])
    .where('contributions.pot_id', '=', potId)
    .orderBy('contributions.id')
    .execute()
  return rows.map((r) => ({ id: r.id, funderName: r.name, isInKind: r.is_in_kind === 1, conditions: parseConditions(r.conditions) }))
}

/**
 * What a pot's split candidates are made from: the pot, its contributions and their balances. Read it once and call
 * `candidatesFrom` for each award considered (the panel's ranked list tries hundreds of bids against the same pots).
 */
export interface PotSplitBasis {
  availableBasis: 'received' | 'pledged'
  contributions: PotContribution[]
  balances: Awaited<ReturnType<typeof contributionBalances>>
}

export async function potSplitBasis(db: Db, potId: number, options: { lock?: boolean } = {}): Promise<PotSplitBasis> {
  const pot = await getPot(db, potId)
  const contributions = await potContributions(db, potId)
  const balances = await contributionBalances(db, contributions.map((c) => c.id), { lock: options.lock })
  return { availableBasis: pot.availableBasis, contributions, balances }
}

/** The split candidates for one award from a pot's basis: no database work. */
export function candidatesFrom(basis: PotSplitBasis, award: AwardFacts, names?: ConditionNames): SplitCandidate[] {
  return basis.contributions.map((c) => {
    const b = basis.balances.get(c.id)!
    const reasons = c.isInKind ? ['in-kind contributions cannot fund cash awards'] : []
    const check = checkConditions(c.conditions, award, names)
    if (!check.ok) reasons.push(...check.reasons)
    return {
      contributionId: c.id,
      label: c.funderName,
      availablePence: b.available + (basis.availableBasis === 'pledged' ? b.outstanding : 0),
      shareCapPence: maxContributionToAward(c.conditions, award.amountPence),
      maxSharePercent: c.conditions.maxSharePercent,
      ineligibleReasons: reasons,
    }
  })
}

/**
 * The split candidates for an award: every contribution in the pot with what it can commit now, its cap and whether
 * its conditions allow the award. Pass `lock` inside a write transaction. Exported for the commit form's preview.
 */
export async function splitCandidates(db: Db, potId: number, award: AwardFacts, options: { lock?: boolean; names?: ConditionNames } = {}): Promise<SplitCandidate[]> {
  return candidatesFrom(await potSplitBasis(db, potId, { lock: options.lock }), award, options.names)
}

function commitKey(idempotencyKey: string, contributionId: number, from: 'available' | 'outstanding'): string {
  return from === 'available' ? `${idempotencyKey}:${contributionId}` : `${idempotencyKey}:${contributionId}:pledged`
}

async function replayIfSameKey(trx: Transaction<DB>, input: CommitAwardInput, active: Array<{ id: number; contribution_id: number; amount_pence: number }>, names: Map<number, string>): Promise<CommitAwardResult> {
  const keys = active.flatMap((a) => [commitKey(input.idempotencyKey, a.contribution_id, 'available'), commitKey(input.idempotencyKey, a.contribution_id, 'outstanding')])
  const found = await trx.selectFrom('ledger_entries').select('id').where('idempotency_key', 'in', keys).executeTakeFirst()
  if (!found) throw new AwardAlreadyCommittedError()
  return {
    replayed: true,
    parts: active.map((a) => ({ commitmentId: a.id, contributionId: a.contribution_id, amountPence: a.amount_pence, funderName: names.get(a.contribution_id) ?? '' })),
  }
}

/**
 * Commits an award to a pot. The default split is proportional to each eligible contribution's available balance
 * within its caps (split.ts); an override split must satisfy every rule. Idempotent by key: a repeat returns the
 * commitment already made. Records award_commitments rows, ledger entries and an 'award.committed' audit event.
 */
export async function commitAward(trx: Transaction<DB>, actorUserId: number | null, input: CommitAwardInput): Promise<CommitAwardResult> {
  if (!Number.isSafeInteger(input.amountPence) || input.amountPence <= 0 || input.amountPence > MAX_PENCE) {
    throw new CommitmentInputError('amount', 'Enter an amount to commit of more than £0')
  }
  if (input.split && !input.overrideReason?.trim()) throw new CommitmentInputError('overrideReason', 'Give a reason for choosing your own split')
  const pot = await getPot(trx, input.potId)
  const award = await trx.selectFrom('awards').select(['id', 'reference']).where('id', '=', input.awardId).executeTakeFirst()
  if (!award) throw new AwardNotFoundError()
  const facts: AwardFacts = { ...input.award, amountPence: input.amountPence }
  // Locks the pot's contribution accounts before anything is read, so concurrent commitments queue here.
  const candidates = await splitCandidates(trx, pot.id, facts, { lock: true, names: input.names })
  const labels = new Map(candidates.map((c) => [c.contributionId, c.label]))
  const existing = await trx
    .selectFrom('award_commitments')
    .select(['id', 'contribution_id', 'amount_pence', 'released_at'])
    .where('award_id', '=', award.id)
    .where('contribution_id', 'in', candidates.length ? candidates.map((c) => c.contributionId) : [0])
    .execute()
  const active = existing.filter((e) => e.released_at === null)
  if (active.length > 0) return replayIfSameKey(trx, input, active, labels)
  if (pot.status !== 'open') throw new PotStatusError(`${pot.name} is ${pot.status === 'draft' ? 'not open yet' : 'closed for the year'}: awards cannot be committed to it.`)

  const split = input.split ? checkOverrideSplit(input.amountPence, candidates, input.split) : proportionalSplit(input.amountPence, candidates)
  if (!split.ok) throw new SplitRefusedError(split.message)
  const balances = await contributionBalances(trx, split.parts.map((p) => p.contributionId))
  const overrideReason = input.split ? input.overrideReason!.trim() : null
  const entries: PostEntryInput[] = []
  const parts: CommitmentPart[] = []
  for (const part of split.parts) {
    const commitmentId = await upsertCommitment(trx, award.id, part, overrideReason, existing)
    parts.push({ ...part, commitmentId, funderName: labels.get(part.contributionId)! })
    const fromAvailable = Math.min(part.amountPence, balances.get(part.contributionId)!.available)
    const fromOutstanding = part.amountPence - fromAvailable
    const base = { ref: { type: 'award_commitment', id: commitmentId }, actorUserId, reasonCode: REASONS.committed, memo: `Award ${award.reference}` }
    const committed = contributionAccountCode(part.contributionId, 'committed')
    if (fromAvailable > 0) {
      entries.push({ ...base, debit: contributionAccountCode(part.contributionId, 'available'), credit: committed, amountPence: fromAvailable, idempotencyKey: commitKey(input.idempotencyKey, part.contributionId, 'available') })
    }
    if (fromOutstanding > 0) {
      entries.push({ ...base, debit: contributionAccountCode(part.contributionId, 'outstanding'), credit: committed, amountPence: fromOutstanding, idempotencyKey: commitKey(input.idempotencyKey, part.contributionId, 'outstanding') })
    }
  }
  await postEntries(trx, entries, {
    ensureNonNegative: split.parts.flatMap((p) => [contributionAccountCode(p.contributionId, 'available'), contributionAccountCode(p.contributionId, 'outstanding')]),
  })
  await recordAudit(trx, {
    actorUserId,
    action: 'award.committed',
    entityType: 'award',
    entityId: award.id,
    after: { potId: pot.id, amountPence: input.amountPence, parts: split.parts, overrideReason },
  })
  await refreshAwardFigures(trx, [award.id])
  return { parts, replayed: false }
}

async function upsertCommitment(trx: Transaction<DB>, awardId: number, part: SplitPart, overrideReason: string | null, existing: Array<{ id: number; contribution_id: number }>): Promise<number> {
  const released = existing.find((e) => e.contribution_id === part.contributionId)
  if (released) {
    await trx
      .updateTable('award_commitments')
      .set({ amount_pence: part.amountPence, override_reason: overrideReason, released_at: null, release_reason: null })
      .where('id', '=', released.id)
      .execute()
    return released.id
  }
  const row = await trx
    .insertInto('award_commitments')
    .values({ award_id: awardId, contribution_id: part.contributionId, amount_pence: part.amountPence, override_reason: overrideReason })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/** How much of each commitment has been paid (entries committed -> paid referring to it). */
async function paidByCommitment(db: Db, commitmentIds: number[]): Promise<Map<number, number>> {
  const result = new Map<number, number>(commitmentIds.map((id) => [id, 0]))
  if (commitmentIds.length === 0) return result
  const rows = await db
    .selectFrom('ledger_entries')
    .select((eb) => ['ref_id', eb.fn.sum<number>('amount_pence').as('total')])
    .where('ref_type', '=', 'award_commitment')
    .where('reason_code', '=', REASONS.paid)
    .where('ref_id', 'in', commitmentIds)
    .groupBy('ref_id')
    .execute()
  for (const r of rows) result.set(r.ref_id!, Number(r.total))
  return result
}

export interface ReleaseCommitmentInput {
  awardId: number
  /** Only this pot's commitments; all the award's when left out. */
  potId?: number | null
  reason: string
  idempotencyKey: string
}

/**
 * Voids what is still committed to an award (declined or cancelled): committed -> available for each commitment,
 * less anything already paid. Idempotent by key; releasing an award with nothing committed is refused (409).
 */
export async function releaseCommitment(trx: Transaction<DB>, actorUserId: number | null, input: ReleaseCommitmentInput): Promise<{ releasedPence: number; replayed: boolean }> {
  if (input.reason.trim() === '') throw new CommitmentInputError('reason', 'Give a reason for releasing the commitment')
  let query = trx
    .selectFrom('award_commitments')
    .innerJoin('contributions', 'contributions.id', 'award_commitments.contribution_id')
    .select(['award_commitments.id', 'award_commitments.contribution_id', 'award_commitments.amount_pence', 'award_commitments.released_at'])
    .where('award_commitments.award_id', '=', input.awardId)
    .orderBy('award_commitments.id')
  if (input.potId) query = query.where('contributions.pot_id', '=', input.potId)
  const rows = await query.execute()
  await contributionBalances(trx, [...new Set(rows.map((r) => r.contribution_id))], { lock: true })
  const active = rows.filter((r) => r.released_at === null)
  if (active.length === 0) {
    const keys = rows.map((r) => `${input.idempotencyKey}:${r.id}`)
    const replay = keys.length ? await trx.selectFrom('ledger_entries').select('id').where('idempotency_key', 'in', keys).executeTakeFirst() : undefined
    if (replay) return { releasedPence: 0, replayed: true }
    throw new ConflictError('This award has nothing committed to release.', 'nothing_committed')
  }
  const paid = await paidByCommitment(trx, active.map((r) => r.id))
  const entries: PostEntryInput[] = active
    .map((r) => ({ row: r, remaining: r.amount_pence - paid.get(r.id)! }))
    .filter((x) => x.remaining > 0)
    .map(({ row, remaining }) => ({
      debit: contributionAccountCode(row.contribution_id, 'committed'),
      credit: contributionAccountCode(row.contribution_id, 'available'),
      amountPence: remaining,
      reasonCode: REASONS.released,
      idempotencyKey: `${input.idempotencyKey}:${row.id}`,
      ref: { type: 'award_commitment', id: row.id },
      actorUserId,
      memo: input.reason.trim(),
    }))
  await postEntries(trx, entries, { ensureNonNegative: entries.map((e) => e.debit) })
  const now = new Date().toISOString()
  await trx.updateTable('award_commitments').set({ released_at: now, release_reason: input.reason.trim() }).where('id', 'in', active.map((r) => r.id)).execute()
  const releasedPence = entries.reduce((sum, e) => sum + e.amountPence, 0)
  await recordAudit(trx, { actorUserId, action: 'award.commitment_released', entityType: 'award', entityId: input.awardId, after: { releasedPence, reason: input.reason.trim() } })
  await refreshAwardFigures(trx, [input.awardId])
  return { releasedPence, replayed: false }
}

export interface RecordAwardPaymentInput {
  awardId: number
  amountPence: number
  idempotencyKey: string
  memo?: string | null
}

/**
 * Moves a payment to an award from committed to paid, shared across the award's live commitments in proportion to
 * what each still has committed (largest remainder). Refused if it would pay more than is committed. Idempotent by
 * key (a repeat returns the entries already posted). For the payments area (issue 6), which audits the payment itself.
 */
export async function recordAwardPayment(trx: Transaction<DB>, actorUserId: number | null, input: RecordAwardPaymentInput): Promise<{ parts: SplitPart[]; replayed: boolean }> {
  const rows = await trx
    .selectFrom('award_commitments')
    .select(['id', 'contribution_id', 'amount_pence'])
    .where('award_id', '=', input.awardId)
    .where('released_at', 'is', null)
    .orderBy('id')
    .execute()
  await contributionBalances(trx, rows.map((r) => r.contribution_id), { lock: true })
  const keyFor = (commitmentId: number) => `${input.idempotencyKey}:${commitmentId}`
  const contributionOf = new Map(rows.map((r) => [r.id, r.contribution_id]))
  const prior = rows.length
    ? await trx.selectFrom('ledger_entries').select(['ref_id', 'amount_pence']).where('reason_code', '=', REASONS.paid).where('idempotency_key', 'in', rows.map((r) => keyFor(r.id))).execute()
    : []
  if (prior.length > 0) return { replayed: true, parts: prior.map((p) => ({ contributionId: contributionOf.get(p.ref_id!)!, amountPence: p.amount_pence })) }
  const paid = await paidByCommitment(trx, rows.map((r) => r.id))
  const remaining = rows.map((r) => r.amount_pence - paid.get(r.id)!)
  const total = remaining.reduce((a, b) => a + b, 0)
  if (!Number.isSafeInteger(input.amountPence) || input.amountPence <= 0) throw new CommitmentInputError('amount', 'Enter a payment of more than £0')
  if (input.amountPence > total) throw new ConflictError('This payment is more than the award has committed.', 'payment_exceeds_commitment')
  const shares = allocateByWeights(input.amountPence, remaining)
  const entries: PostEntryInput[] = rows
    .map((r, i) => ({ r, pence: shares[i] }))
    .filter((x) => x.pence > 0)
    .map(({ r, pence }) => ({
      debit: contributionAccountCode(r.contribution_id, 'committed'),
      credit: contributionAccountCode(r.contribution_id, 'paid'),
      amountPence: pence,
      reasonCode: REASONS.paid,
      idempotencyKey: keyFor(r.id),
      ref: { type: 'award_commitment', id: r.id },
      actorUserId,
      memo: input.memo ?? null,
    }))
  await postEntries(trx, entries, { ensureNonNegative: entries.map((e) => e.debit) })
  await refreshAwardFigures(trx, [input.awardId])
  return { replayed: false, parts: entries.map((e) => ({ contributionId: contributionOf.get(e.ref!.id)!, amountPence: e.amountPence })) }
}

/** An award's commitments with the contributor behind each. */
export async function listAwardCommitments(db: Db, awardId: number) {
  return db
    .selectFrom('award_commitments')
    .innerJoin('contributions', 'contributions.id', 'award_commitments.contribution_id')
    .innerJoin('funders', 'funders.id', 'contributions.funder_id')
    .select([
      'award_commitments.id',
      'award_commitments.contribution_id as contributionId',
      'contributions.pot_id as potId',
      'funders.name as funderName',
      'award_commitments.amount_pence as amountPence',
      'award_commitments.override_reason as overrideReason',
      'award_commitments.released_at as releasedAt',
    ])
    .where('award_commitments.award_id', '=', awardId)
    .orderBy('award_commitments.id')
    .execute()
}
