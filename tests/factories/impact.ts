/**
 * Awards with accepted impact returns, for the impact roll-up tests.
 *
 *   const s = await createImpactScenario(db)             // the pooled-pot payment scenario (payments.ts)
 *   const award = await s.paidAward({ amountPence: 300_000 })   // accepted, its one tranche paid
 *   await insertAcceptedReturn(db, { awardId: award.awardId, peopleReached: 40, referrals: { link_worker: 30, self: 10 },
 *     outcomes: [{ measure: 'ucla3', participants: [{ before: 7, after: 5 }, { before: 6, after: 5 }] }] })
 *
 * Awards and payments go through the domain (createPaymentScenario, prepareRun, markTranchesSent, markTranchePaid).
 * Returns, their counts and outcome sums are inserted directly (test-only): the returns domain that writes them on
 * submit and accept belongs to another area; the rows are what it writes (sufficient statistics from
 * outcome-statistics.ts).
 */
import type { Kysely } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { sumsFromCohort, sumsFromParticipants } from '../../app/domain/impact/outcome-statistics.ts'
import { markTranchePaid, markTranchesSent } from '../../app/domain/payments/tranches.server.ts'
import { ukToday } from '../../app/domain/places/places.server.ts'
import type { MeasureCode } from '../../app/domain/returns/measures.ts'
import { createPaymentScenario, type AcceptedAward, type PaymentScenario } from './payments.ts'
import { createUserWithRole } from './sessions.ts'

export type OutcomeInput =
  | { measure: MeasureCode; participants: Array<{ before: number; after: number }> }
  | { measure: MeasureCode; cohort: { n: number; meanBefore: number; meanAfter: number; sdChange: number } }

export interface ReturnInput {
  awardId: number
  peopleReached: number
  sessionsDelivered?: number
  /** Referral route code -> people. */
  referrals?: Record<string, number>
  outcomes?: OutcomeInput[]
  /** Default 'accepted'. */
  status?: string
  periodLabel?: string
}

/** Inserts a return with its counts and outcome sums (test-only; see the file comment). Returns its id. */
export async function insertAcceptedReturn(db: Kysely<DB>, input: ReturnInput): Promise<number> {
  const now = new Date().toISOString()
  const row = await db
    .insertInto('returns')
    .values({
      award_id: input.awardId,
      kind: 'final',
      period_label: input.periodLabel ?? 'Final return',
      due_date: ukToday(),
      status: input.status ?? 'accepted',
      people_reached: input.peopleReached,
      sessions_delivered: input.sessionsDelivered ?? null,
      form: 'full',
      submitted_at: now,
      reviewed_at: input.status && input.status !== 'accepted' ? null : now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const counts = Object.entries(input.referrals ?? {}).map(([category, count]) => ({ return_id: row.id, dimension: 'referral', category, count }))
  if (counts.length) await db.insertInto('return_counts').values(counts).execute()
  for (const o of input.outcomes ?? []) {
    const sums = 'participants' in o ? sumsFromParticipants(o.participants) : sumsFromCohort(o.cohort)
    await db
      .insertInto('return_outcomes')
      .values({
        return_id: row.id,
        measure: o.measure,
        basis: 'participants' in o ? 'participants' : 'cohort',
        n: sums.n,
        mean_before: sums.meanBefore,
        mean_after: sums.meanAfter,
        sum_change: sums.sumChange,
        sum_sq_change: sums.sumSqChange,
      })
      .execute()
  }
  return row.id
}

export interface ImpactScenario extends PaymentScenario {
  financeUserId: number
  /** An accepted award in one tranche, paid in full when `paid` is true (the default); optionally moved to another place. */
  paidAward(options?: { amountPence?: number; paid?: boolean; placeId?: number }): Promise<AcceptedAward>
}

export async function createImpactScenario(db: Kysely<DB>): Promise<ImpactScenario> {
  const s = await createPaymentScenario(db)
  const finance = await createUserWithRole(db, 'finance_officer')

  async function paidAward(options: { amountPence?: number; paid?: boolean; placeId?: number } = {}): Promise<AcceptedAward> {
    const award = await s.acceptedAward({ amountPence: options.amountPence ?? 300_000 })
    if (options.paid !== false) {
      const trancheId = award.trancheIds[0]
      await s.run(finance.id, [trancheId])
      await db.transaction().execute((trx) => markTranchesSent(trx, finance.id, { trancheIds: [trancheId] }))
      await db.transaction().execute((trx) => markTranchePaid(trx, finance.id, { trancheId, paidOn: ukToday(), source: 'manual' }))
    }
    if (options.placeId) await db.updateTable('applications').set({ place_id: options.placeId }).where('id', '=', award.applicationId).execute()
    return award
  }

  return { ...s, financeUserId: finance.id, paidAward }
}
