/**
 * Demo awards: bids the panel recommended, awarded and committed to a pooled pot through the awards domain
 * (createAwardFromDecision), so the awards, commitments, ledger entries and audit trail are real. Each award is for
 * the panel's amount (else the amount requested), split by the pot's rule; the bids' rounds are linked to the pot
 * first (linkRoundToPot; linking twice is harmless). Idempotent per bid: the key is `seed:award:<application id>`.
 *
 * Wiring (db/seed/demo.ts, inside its transaction, after the pooled budgets and the panel decisions exist):
 *   await seedAwardCommitments(trx, {
 *     managerUserId: managerId,
 *     potId: pots.southWestLondon.id,
 *     applicationIds: [ ...ids of bids with a 'recommended' panel decision, placed in NHS South West London ],
 *   })
 */
import type { Transaction } from 'kysely'
import type { DB } from '../schema.ts'
import { awardableBid, createAwardFromDecision } from '../../app/domain/awards/awards.server.ts'
import { linkRoundToPot } from '../../app/domain/budgets/pots.server.ts'
import type { OutcomeArea } from '../../app/domain/budgets/ring-fence.ts'

export interface SeedAwardCommitmentsContext {
  /** The fund manager who makes the awards. */
  managerUserId: number
  potId: number
  /** Bids with a 'recommended' panel decision, awarded in this order. */
  applicationIds: readonly number[]
  /** What the bids deliver, for ring-fences such as "health and wellbeing outcomes only" (default: health and wellbeing). */
  outcomeAreas?: readonly OutcomeArea[]
  /** The day the money is committed (default: today in the UK). */
  date?: string
}

export interface SeededAward {
  applicationId: number
  awardId: number
  reference: string
  amountPence: number
}

export async function seedAwardCommitments(trx: Transaction<DB>, ctx: SeedAwardCommitmentsContext): Promise<SeededAward[]> {
  const seeded: SeededAward[] = []
  for (const applicationId of ctx.applicationIds) {
    const bid = await awardableBid(trx, applicationId)
    if (bid.decision?.status !== 'recommended') throw new Error(`Awards seed: ${bid.reference} has no recommended panel decision`)
    await linkRoundToPot(trx, ctx.managerUserId, { potId: ctx.potId, roundId: bid.roundId })
    const { award } = await createAwardFromDecision(trx, ctx.managerUserId, {
      applicationId,
      amountPence: bid.recommendedPence,
      potId: ctx.potId,
      outcomeAreas: ctx.outcomeAreas ?? ['health_and_wellbeing'],
      date: ctx.date,
      idempotencyKey: `seed:award:${applicationId}`,
    })
    seeded.push({ applicationId, awardId: award.id, reference: award.reference, amountPence: award.amountPence })
  }
  return seeded
}
