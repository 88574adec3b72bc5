/**
 * Moving an accepted award's money into its payment schedule (ADR 0010): when the organisation accepts the offer,
 * each contribution's commitment moves committed -> scheduled, and every tranche is given its share of every
 * contribution (tranche_parts), so a payment knows exactly whose money it spends and a funder's report can say which
 * tranches its money paid.
 *
 * The shares: each tranche in turn takes from the contributions in proportion to what each still has to give
 * (largest remainder), and the last takes exactly what is left, so every contribution's parts add up to its
 * commitment and every tranche's parts add up to the tranche.
 */
import type { Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import { ConflictError } from '~/lib/errors.ts'
import { allocateByWeights } from '~/lib/money.ts'
import type { DB } from '../../../db/schema.ts'
import { REASONS, contributionAccountCode } from './accounts.ts'
import { contributionBalances } from './contributions.server.ts'
import { ensureAccount, postEntries, type PostEntryInput } from './ledger.server.ts'

export class ScheduleMismatchError extends ConflictError {
  constructor(message: string) {
    super(message, 'schedule_mismatch')
  }
}

/** Opens a contribution's 'scheduled' account (contributions made before payments existed have none yet). */
export async function ensureScheduledAccount(trx: Transaction<DB>, contributionId: number): Promise<void> {
  await ensureAccount(trx, {
    code: contributionAccountCode(contributionId, 'scheduled'),
    name: `Contribution #${contributionId}: scheduled`,
    kind: 'contribution_scheduled',
    normalBalance: 'credit',
    ownerType: 'contribution',
    ownerId: contributionId,
  })
}

/**
 * Each tranche's share of each contribution. `tranches` in payment order; `available` per contribution. Throws
 * ScheduleMismatchError unless the tranches add up to what the contributions give.
 */
export function shareTranches(tranches: Array<{ id: number; amountPence: number }>, available: Array<{ contributionId: number; amountPence: number }>) {
  const total = available.reduce((s, a) => s + a.amountPence, 0)
  const scheduled = tranches.reduce((s, t) => s + t.amountPence, 0)
  if (total !== scheduled) throw new ScheduleMismatchError(`The tranches add up to ${scheduled}p but ${total}p is committed to the award.`)
  const remaining = available.map((a) => a.amountPence)
  const parts: Array<{ trancheId: number; contributionId: number; amountPence: number }> = []
  tranches.forEach((t, i) => {
    const shares = i === tranches.length - 1 ? [...remaining] : allocateByWeights(t.amountPence, remaining)
    shares.forEach((pence, j) => {
      remaining[j] -= pence
      if (pence > 0) parts.push({ trancheId: t.id, contributionId: available[j].contributionId, amountPence: pence })
    })
  })
  return parts
}

/**
 * On acceptance: shares the award's 'offered' tranches across its live commitments, posts committed -> scheduled for
 * each contribution, and moves the tranches to 'scheduled'. Idempotent: an award already scheduled is a replay.
 */
export async function scheduleAward(trx: Transaction<DB>, actorUserId: number | null, input: { awardId: number }): Promise<{ replayed: boolean }> {
  const tranches = await trx
    .selectFrom('tranches')
    .select(['id', 'amount_pence', 'status'])
    .where('award_id', '=', input.awardId)
    .where('status', '!=', 'cancelled')
    .orderBy('sequence')
    .execute()
  const offered = tranches.filter((t) => t.status === 'offered')
  if (offered.length === 0) {
    if (tranches.length > 0) return { replayed: true }
    throw new ScheduleMismatchError('This award has no payment schedule.')
  }
  const commitments = await trx
    .selectFrom('award_commitments')
    .select(['id', 'contribution_id', 'amount_pence'])
    .where('award_id', '=', input.awardId)
    .where('released_at', 'is', null)
    .orderBy('id')
    .execute()
  await contributionBalances(trx, commitments.map((c) => c.contribution_id), { lock: true })
  const parts = shareTranches(
    offered.map((t) => ({ id: t.id, amountPence: t.amount_pence })),
    commitments.map((c) => ({ contributionId: c.contribution_id, amountPence: c.amount_pence })),
  )
  if (parts.length) await trx.insertInto('tranche_parts').values(parts.map((p) => ({ tranche_id: p.trancheId, contribution_id: p.contributionId, amount_pence: p.amountPence }))).execute()
  const entries: PostEntryInput[] = []
  for (const c of commitments) {
    await ensureScheduledAccount(trx, c.contribution_id)
    entries.push({
      debit: contributionAccountCode(c.contribution_id, 'committed'),
      credit: contributionAccountCode(c.contribution_id, 'scheduled'),
      amountPence: c.amount_pence,
      reasonCode: REASONS.scheduled,
      idempotencyKey: `award:${input.awardId}:scheduled:${c.id}`,
      ref: { type: 'award_commitment', id: c.id },
      actorUserId,
      memo: 'Offer accepted: into the payment schedule',
    })
  }
  await postEntries(trx, entries, { ensureNonNegative: entries.map((e) => e.debit) })
  await trx.updateTable('tranches').set({ status: 'scheduled', updated_at: new Date().toISOString() }).where('id', 'in', offered.map((t) => t.id)).execute()
  await recordAudit(trx, { actorUserId, action: 'award.scheduled', entityType: 'award', entityId: input.awardId, after: { parts } })
  return { replayed: false }
}
