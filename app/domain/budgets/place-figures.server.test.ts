import crypto from 'node:crypto'
import type { Transaction } from 'kysely'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createDatabase, type DatabaseHandle } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { createPaymentScenario, type PaymentScenario } from '../../../tests/factories/payments.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { freshDatabaseOptions } from '../../../tests/setup/test-database.ts'
import { createAwardFromDecision } from '../awards/awards.server.ts'
import { decideVariation, requestVariation } from '../awards/variations.server.ts'
import { funderDashboard } from '../funders/dashboard.server.ts'
import { recordRepayment } from '../payments/repayments.server.ts'
import { markTrancheFailed, markTranchePaid, markTranchesSent } from '../payments/tranches.server.ts'
import { ukToday } from '../places/places.server.ts'
import { recordAwardPayment, releaseCommitment } from './commitments.server.ts'
import { maintainedMonthFigures, rebuildMonthFigures, recomputedMonthFigures } from './month-figures.server.ts'
import { maintainedPlaceFigures, placeFiguresDifferences, rebuildDashboardSummaries, rebuildPlaceFigures, recomputedPlaceFigures } from './place-figures.server.ts'
import { potAwardsPage, potDashboard } from './reports.server.ts'

let h: DatabaseHandle
let s: PaymentScenario
let finance: number
let managers: number[]
beforeEach(async () => {
  h = createDatabase(await freshDatabaseOptions())
  s = await createPaymentScenario(h.db)
  finance = (await createUserWithRole(h.db, 'finance_officer')).id
  managers = [(await createUserWithRole(h.db, 'fund_manager')).id, (await createUserWithRole(h.db, 'fund_manager')).id]
})
afterEach(async () => {
  await h.close()
})

const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => h.db.transaction().execute(fn)
const key = () => crypto.randomBytes(6).toString('hex')
const today = ukToday()

/** The maintained summaries (place figures, month figures) equal a fresh recomputation from the base rows. */
async function expectInStep(): Promise<void> {
  expect(await placeFiguresDifferences(h.db)).toEqual([])
  expect(await maintainedMonthFigures(h.db)).toEqual(await recomputedMonthFigures(h.db))
}

/** The pot's month figures summed over its months: committed (net of releases) and paid. */
async function potMonths() {
  const ids = Object.values(s.contributions)
  const rows = (await maintainedMonthFigures(h.db)).filter((r) => ids.includes(r.contributionId))
  return { committedPence: rows.reduce((t, r) => t + r.committedPence, 0), paidPence: rows.reduce((t, r) => t + r.paidPence, 0) }
}

async function potFigures() {
  return (await maintainedPlaceFigures(h.db)).find((r) => r.scope === 'pot' && r.scopeId === s.potId) ?? null
}

describe('the dashboards’ maintained place figures', () => {
  test('stay equal to a recomputation through every kind of change, made by the domain functions', async () => {
    await expectInStep()
    expect(await potFigures()).toBeNull()

    // Committed (the award is made and its money committed across the pot's three contributions).
    const award = await s.acceptedAward({
      amountPence: 300_000,
      schedule: { kind: 'instalments', tranches: [{ amountPence: 100_000, dueDate: today, gate: 'acceptance' }, { amountPence: 200_000, dueDate: '2099-01-01', gate: 'date' }] },
    })
    await expectInStep()
    expect(await potFigures()).toMatchObject({ awards: 1, committedPence: 300_000, paidPence: 0 })

    // A tranche paid.
    await s.run(finance, [award.trancheIds[0]])
    await tx((trx) => markTranchesSent(trx, finance, { trancheIds: [award.trancheIds[0]] }))
    await tx((trx) => markTranchePaid(trx, finance, { trancheId: award.trancheIds[0], paidOn: today, source: 'manual' }))
    await expectInStep()
    expect(await potFigures()).toMatchObject({ awards: 1, committedPence: 300_000, paidPence: 100_000 })
    expect(await potMonths()).toEqual({ committedPence: 300_000, paidPence: 100_000 })

    // The payment reversed (a BACS return), then paid again.
    await tx((trx) => markTrancheFailed(trx, finance, { trancheId: award.trancheIds[0], reason: 'Returned by the bank', reversed: true }))
    await expectInStep()
    expect(await potFigures()).toMatchObject({ paidPence: 0 })
    expect(await potMonths()).toEqual({ committedPence: 300_000, paidPence: 0 })
    await s.run(finance, [award.trancheIds[0]])
    await tx((trx) => markTranchesSent(trx, finance, { trancheIds: [award.trancheIds[0]] }))
    await tx((trx) => markTranchePaid(trx, finance, { trancheId: award.trancheIds[0], paidOn: today, source: 'manual' }))
    await expectInStep()

    // A repayment taken back.
    await tx((trx) => recordRepayment(trx, finance, { awardId: award.awardId, kind: 'repayment', amountPence: 10_000, reason: 'Underspend on venue hire', receivedOn: today, idempotencyKey: key() }))
    await expectInStep()
    expect(await potFigures()).toMatchObject({ committedPence: 300_000, paidPence: 90_000 })
    expect(await potMonths()).toEqual({ committedPence: 300_000, paidPence: 90_000 })

    // A variation: the award raised to £3,600, its unpaid part rescheduled.
    const asked = await tx((trx) =>
      requestVariation(trx, award.adminUserId, {
        awardId: award.awardId,
        amountPence: 360_000,
        schedule: { kind: 'instalments', tranches: [{ amountPence: 260_000, dueDate: '2099-01-01', gate: 'date' }] },
        reason: 'The venue costs more than we planned',
        idempotencyKey: key(),
      }),
    )
    await tx((trx) => decideVariation(trx, managers[0], { variationId: asked.variation.id, decision: 'approved', note: '' }))
    await expectInStep()
    expect(await potFigures()).toMatchObject({ awards: 1, committedPence: 360_000 })
    expect(await potMonths()).toMatchObject({ committedPence: 360_000 })

    // A second award, committed and paid directly (older 'award.paid' entries on the commitment), then released.
    const bid = await s.bid({ decisionAmountPence: 50_000 })
    const second = await tx((trx) =>
      createAwardFromDecision(trx, s.managerUserId, { applicationId: bid.applicationId, amountPence: 50_000, potId: s.potId, outcomeAreas: ['health_and_wellbeing'], idempotencyKey: key() }),
    )
    await expectInStep()
    expect(await potFigures()).toMatchObject({ awards: 2, committedPence: 410_000 })
    await tx((trx) => recordAwardPayment(trx, finance, { awardId: second.award.id, amountPence: 20_000, idempotencyKey: key() }))
    await expectInStep()
    await tx((trx) => releaseCommitment(trx, s.managerUserId, { awardId: second.award.id, reason: 'Declined by the organisation', idempotencyKey: key() }))
    await expectInStep()
    expect(await potFigures()).toMatchObject({ awards: 1, committedPence: 360_000 })

    // Contribution and funder rows agree with the pot's, and a rebuild gives the same rows.
    const maintained = await maintainedPlaceFigures(h.db)
    const sum = (scope: string) => maintained.filter((r) => r.scope === scope).reduce((t, r) => t + r.committedPence, 0)
    expect(sum('contribution')).toBe(360_000)
    expect(sum('funder')).toBe(360_000)
    const months = await maintainedMonthFigures(h.db)
    await rebuildPlaceFigures(h.db)
    expect(await maintainedPlaceFigures(h.db)).toEqual(maintained)
    expect(await recomputedPlaceFigures(h.db)).toEqual(maintained)
    await h.db.transaction().execute((trx) => rebuildMonthFigures(trx))
    expect(await maintainedMonthFigures(h.db)).toEqual(months)
    await h.db.deleteFrom('place_figures').execute()
    await h.db.deleteFrom('contribution_months').execute()
    await rebuildDashboardSummaries(h.db)
    expect(await maintainedPlaceFigures(h.db)).toEqual(maintained)
    expect(await maintainedMonthFigures(h.db)).toEqual(months)
  })

  test('the dashboards show the figures summed from the commitments themselves', async () => {
    const award = await s.acceptedAward({ amountPence: 300_000 })
    await s.run(finance, [award.trancheIds[0]])
    await tx((trx) => markTranchesSent(trx, finance, { trancheIds: [award.trancheIds[0]] }))
    await tx((trx) => markTranchePaid(trx, finance, { trancheId: award.trancheIds[0], paidOn: today, source: 'manual' }))
    const commitments = await h.db.selectFrom('award_commitments').select(['contribution_id', 'amount_pence']).where('award_id', '=', award.awardId).where('released_at', 'is', null).execute()
    const pot = await potDashboard(h.db, s.potId)
    expect(pot.byPlace).toEqual([{ placeId: s.placeId, placeName: expect.any(String), committedPence: 300_000, paidPence: 300_000, awards: 1 }])
    expect(pot.leverage.fundingPence).toBe(300_000)
    expect((await potAwardsPage(h.db, s.potId)).total).toBe(1)
    const funderId = (await h.db.selectFrom('contributions').select('funder_id').where('id', '=', commitments[0].contribution_id).executeTakeFirstOrThrow()).funder_id
    const funder = await funderDashboard(h.db, [funderId])
    const own = funder.contributions.filter((c) => c.awards > 0)
    expect(own.map((c) => c.contributionId)).toEqual([commitments[0].contribution_id])
    expect(funder.byPlace).toEqual([{ placeId: s.placeId, placeName: expect.any(String), committedPence: commitments[0].amount_pence, paidPence: expect.any(Number), awards: 1 }])
    expect(funder.funders[0].leverage.fundingPence).toBe(commitments[0].amount_pence)
  })
})
