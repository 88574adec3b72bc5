/**
 * The counts kept for /finance and /manage/returns equal a fresh count of the rows they count after every kind of change,
 * each made through the domain function that makes it: offer terms set and set again (returns attached and replaced),
 * an offer accepted (its returns start to count), a return saved, sent, sent back for changes, sent again and accepted;
 * a payment run prepared, cancelled and prepared again, its payment sent, paid (the award completed), reversed (the
 * award accepted again), put in another run and failed there. And a rebuild puts right counts that were wrong.
 */
import crypto from 'node:crypto'
import type { Transaction } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import type { DB } from '../../../db/schema.ts'
import { createOfferReadyAward } from '../../../tests/factories/offers.ts'
import { createPaymentScenario, type PaymentScenario } from '../../../tests/factories/payments.ts'
import { shortReturnData } from '../../../tests/factories/returns.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { acceptOffer, issueOffer } from '../awards/offers.server.ts'
import { setOfferTerms } from '../awards/terms.server.ts'
import { cancelRun, listRuns } from '../payments/payment-runs.server.ts'
import { runTrancheCountsFromRows } from '../payments/run-counts.server.ts'
import { markTrancheFailed, markTranchePaid, markTranchesSent } from '../payments/tranches.server.ts'
import { ukToday } from '../places/places.server.ts'
import { emptyReturnData } from '../returns/return-form.ts'
import { countReturnsFromRows, storedReturnReviewCounts } from '../returns/review-counts.server.ts'
import { acceptReturn, countReturnsByView, requestReturnChanges } from '../returns/review.server.ts'
import { saveReturnDraft, submitReturn } from '../returns/returns.server.ts'
import { rebuildFinanceAndReturnCounts } from './maintained-counts.server.ts'
import { db } from '~/lib/db.server.ts'

const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => db.transaction().execute(fn)
const today = ukToday()

let s: PaymentScenario
let finance: number
beforeAll(async () => {
  s = await createPaymentScenario(db)
  finance = (await createUserWithRole(db, 'finance_officer')).id
})

/** Every maintained count equals the count of the rows themselves. */
async function expectCountsKept() {
  expect(await storedReturnReviewCounts(db)).toEqual(await countReturnsFromRows(db))
  const runs = await runTrancheCountsFromRows(db)
  expect(runs.filter((r) => r.stored !== r.counted)).toEqual([])
}

async function returnsOf(awardId: number) {
  return db.selectFrom('returns').select(['id', 'status']).where('award_id', '=', awardId).orderBy('due_date').orderBy('id').execute()
}

describe('return counts by round, status and due date', () => {
  test('follow offer terms, acceptance and every step of a return', async () => {
    const offer = await createOfferReadyAward(db, s)
    await expectCountsKept()
    expect(await returnsOf(offer.awardId)).not.toHaveLength(0)
    const before = await countReturnsByView(db, { roundId: s.roundId, today })

    // Terms set again: the expected returns are replaced (the award is not yet accepted, so none count).
    await tx((trx) => setOfferTerms(trx, s.managerUserId, { awardId: offer.awardId, conditions: [], schedule: { kind: 'single', startDate: '2020-01-06' } }))
    await expectCountsKept()
    expect(await countReturnsByView(db, { roundId: s.roundId, today })).toEqual(before)

    await tx((trx) => issueOffer(trx, s.managerUserId, { awardId: offer.awardId, dataDir: process.env.DATA_DIR!, appOrigin: 'http://localhost' }))
    await expectCountsKept()
    await tx((trx) =>
      acceptOffer(trx, offer.memberUserId, { awardId: offer.awardId, name: 'Ada Okafor', role: 'Treasurer', declaration: true, idempotencyKey: crypto.randomUUID(), dataDir: process.env.DATA_DIR! }),
    )
    await expectCountsKept()
    const returns = await returnsOf(offer.awardId)
    // Started in 2020: both returns are overdue now, and count as such once the award is accepted.
    expect(await countReturnsByView(db, { roundId: s.roundId, today })).toEqual({ ...before, overdue: before.overdue + returns.length })

    const [first] = returns
    await tx((trx) => saveReturnDraft(trx, offer.memberUserId, { returnId: first!.id, data: { ...emptyReturnData(), peopleReached: 12 } }))
    await expectCountsKept()
    await tx((trx) => submitReturn(trx, offer.memberUserId, { returnId: first!.id, data: shortReturnData() }))
    await expectCountsKept()
    expect(await countReturnsByView(db, { roundId: s.roundId, today })).toEqual({ ...before, overdue: before.overdue + returns.length - 1, awaiting_review: before.awaiting_review + 1 })
    await tx((trx) => requestReturnChanges(trx, s.managerUserId, { returnId: first!.id, comments: 'Please say how many sessions there were.' }))
    await expectCountsKept()
    await tx((trx) => submitReturn(trx, offer.memberUserId, { returnId: first!.id, data: shortReturnData() }))
    await expectCountsKept()
    await tx((trx) => acceptReturn(trx, s.managerUserId, { returnId: first!.id }))
    await expectCountsKept()
    expect(await countReturnsByView(db, { roundId: s.roundId, today })).toEqual({ ...before, overdue: before.overdue + returns.length - 1 })
  })
})

describe('payments in each payment run', () => {
  test('follow a run prepared, cancelled, prepared again, sent, paid, reversed, and a payment failing in a later run', async () => {
    const award = await s.acceptedAward()
    await expectCountsKept()
    const [trancheId] = award.trancheIds
    const first = await s.run(finance, [trancheId!])
    await expectCountsKept()
    expect((await listRuns(db)).find((r) => r.id === first.id)?.trancheCount).toBe(1)

    await tx((trx) => cancelRun(trx, finance, { runId: first.id, reason: 'Wrong bank file' }))
    await expectCountsKept()
    expect((await listRuns(db)).find((r) => r.id === first.id)?.trancheCount).toBe(0)

    const second = await s.run(finance, [trancheId!])
    await tx((trx) => markTranchesSent(trx, finance, { trancheIds: [trancheId!] }))
    await expectCountsKept()
    await tx((trx) => markTranchePaid(trx, finance, { trancheId: trancheId!, paidOn: today, source: 'manual' }))
    await expectCountsKept()
    expect((await listRuns(db)).find((r) => r.id === second.id)?.trancheCount).toBe(1)

    // Returned by the bank after it was paid: back in the schedule, out of its run (and the award no longer completed).
    await tx((trx) => markTrancheFailed(trx, finance, { trancheId: trancheId!, reason: 'Account closed', reversed: true }))
    await expectCountsKept()
    expect((await listRuns(db)).find((r) => r.id === second.id)?.trancheCount).toBe(0)

    const third = await s.run(finance, [trancheId!])
    await tx((trx) => markTrancheFailed(trx, finance, { trancheId: trancheId!, reason: 'Bank refused the file' }))
    await expectCountsKept()
    expect((await listRuns(db)).find((r) => r.id === third.id)?.trancheCount).toBe(0)
  })
})

describe('rebuilding', () => {
  test('puts counts that went wrong back to the counts of the rows', async () => {
    await db.updateTable('payment_runs').set({ tranche_count: 99 }).execute()
    await db.updateTable('return_review_counts').set({ return_count: 7 }).execute()
    await db.insertInto('return_review_counts').values({ round_id: s.roundId, status: 'submitted', due_date: '1999-01-01', return_count: 3 }).execute()
    await rebuildFinanceAndReturnCounts(db)
    await expectCountsKept()
    expect(await storedReturnReviewCounts(db)).not.toHaveLength(0)
  })
})
