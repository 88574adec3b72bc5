import crypto from 'node:crypto'
import type { Transaction } from 'kysely'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createDatabase, type DatabaseHandle } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { createAward, createPotWithContributions, createRound } from '../../../tests/factories/awards.ts'
import { createPaymentScenario, type PaymentScenario } from '../../../tests/factories/payments.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { freshDatabaseOptions } from '../../../tests/setup/test-database.ts'
import { createAwardFromDecision } from '../awards/awards.server.ts'
import { decideVariation, requestVariation } from '../awards/variations.server.ts'
import { recordRepayment } from '../payments/repayments.server.ts'
import { markTrancheFailed, markTranchePaid, markTranchesSent } from '../payments/tranches.server.ts'
import { ukToday } from '../places/places.server.ts'
import { commitAward, recordAwardPayment, releaseCommitment } from './commitments.server.ts'
import { contributionFiguresDifferences, maintainedContributionFigures, rebuildContributionFigures, recomputedContributionFigures } from './contribution-figures.server.ts'
import { contributionBalances, receivedTotals, recordReceipt } from './contributions.server.ts'
import { createPot } from './pots.server.ts'
import { closeYear } from './year-end.server.ts'

let h: DatabaseHandle
beforeEach(async () => {
  h = createDatabase(await freshDatabaseOptions())
})
afterEach(async () => {
  await h.close()
})

const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => h.db.transaction().execute(fn)
const key = () => crypto.randomBytes(6).toString('hex')
const today = ukToday()

/** The maintained rows equal a recount from the ledger accounts and the receipts, and contributionBalances agrees. */
async function expectInStep(): Promise<void> {
  expect(await contributionFiguresDifferences(h.db)).toEqual([])
  const maintained = await maintainedContributionFigures(h.db)
  const ids = maintained.map((f) => f.contributionId)
  const [balances, received] = await Promise.all([contributionBalances(h.db, ids), receivedTotals(h.db, ids)])
  for (const f of maintained) {
    expect(f.balances).toEqual(balances.get(f.contributionId))
    expect(f.receivedPence).toBe(received.get(f.contributionId))
  }
}

describe('each contribution’s maintained figures', () => {
  test('stay equal to a recount through pledges, receipts, commitments, payments, reversals, repayments, variations and releases', async () => {
    const s: PaymentScenario = await createPaymentScenario(h.db)
    const finance = (await createUserWithRole(h.db, 'finance_officer')).id
    const manager = (await createUserWithRole(h.db, 'fund_manager')).id
    // The scenario's pledges and receipts.
    await expectInStep()
    expect((await maintainedContributionFigures(h.db)).length).toBeGreaterThan(0)

    // More money received, some of it beyond the pledge.
    const contributionId = Object.values(s.contributions)[0]
    const [figures] = (await maintainedContributionFigures(h.db)).filter((f) => f.contributionId === contributionId)
    await tx((trx) =>
      recordReceipt(trx, finance, {
        contributionId,
        amountPence: figures.balances.outstanding + 5_000,
        receivedOn: today,
        reference: 'BACS 2',
        idempotencyKey: key(),
        overPledgeReason: 'A donation on top',
      }),
    )
    await expectInStep()

    // Committed and accepted (scheduled), a tranche paid, reversed, paid again.
    const award = await s.acceptedAward({
      amountPence: 300_000,
      schedule: { kind: 'instalments', tranches: [{ amountPence: 100_000, dueDate: today, gate: 'acceptance' }, { amountPence: 200_000, dueDate: '2099-01-01', gate: 'date' }] },
    })
    await expectInStep()
    await s.run(finance, [award.trancheIds[0]])
    await tx((trx) => markTranchesSent(trx, finance, { trancheIds: [award.trancheIds[0]] }))
    await tx((trx) => markTranchePaid(trx, finance, { trancheId: award.trancheIds[0], paidOn: today, source: 'manual' }))
    await expectInStep()
    await tx((trx) => markTrancheFailed(trx, finance, { trancheId: award.trancheIds[0], reason: 'Returned by the bank', reversed: true }))
    await expectInStep()
    await s.run(finance, [award.trancheIds[0]])
    await tx((trx) => markTranchesSent(trx, finance, { trancheIds: [award.trancheIds[0]] }))
    await tx((trx) => markTranchePaid(trx, finance, { trancheId: award.trancheIds[0], paidOn: today, source: 'manual' }))
    await expectInStep()

    // A repayment and a clawback.
    await tx((trx) => recordRepayment(trx, finance, { awardId: award.awardId, kind: 'repayment', amountPence: 10_000, reason: 'Underspend', receivedOn: today, idempotencyKey: key() }))
    await expectInStep()
    await tx((trx) => recordRepayment(trx, finance, { awardId: award.awardId, kind: 'clawback', amountPence: 5_000, reason: 'Not spent as agreed', receivedOn: today, idempotencyKey: key() }))
    await expectInStep()

    // A variation raising the award.
    const asked = await tx((trx) =>
      requestVariation(trx, award.adminUserId, {
        awardId: award.awardId,
        amountPence: 360_000,
        schedule: { kind: 'instalments', tranches: [{ amountPence: 260_000, dueDate: '2099-01-01', gate: 'date' }] },
        reason: 'The venue costs more',
        idempotencyKey: key(),
      }),
    )
    await tx((trx) => decideVariation(trx, manager, { variationId: asked.variation.id, decision: 'approved', note: '' }))
    await expectInStep()

    // A second award committed, paid directly, then released.
    const bid = await s.bid({ decisionAmountPence: 50_000 })
    const second = await tx((trx) =>
      createAwardFromDecision(trx, s.managerUserId, { applicationId: bid.applicationId, amountPence: 50_000, potId: s.potId, outcomeAreas: ['health_and_wellbeing'], idempotencyKey: key() }),
    )
    await expectInStep()
    await tx((trx) => recordAwardPayment(trx, finance, { awardId: second.award.id, amountPence: 20_000, idempotencyKey: key() }))
    await expectInStep()
    await tx((trx) => releaseCommitment(trx, s.managerUserId, { awardId: second.award.id, reason: 'Declined', idempotencyKey: key() }))
    await expectInStep()

    // A rebuild gives the same rows.
    const maintained = await maintainedContributionFigures(h.db)
    await h.db.deleteFrom('contribution_figures').execute()
    await tx((trx) => rebuildContributionFigures(trx))
    expect(await maintainedContributionFigures(h.db)).toEqual(maintained)
    expect(await recomputedContributionFigures(h.db)).toEqual(maintained)
  }, 60_000)

  test('stay equal to a recount through a pledged-basis commitment and both kinds of year end', async () => {
    const pledged = await createPotWithContributions(h.db, {
      availableBasis: 'pledged',
      yearEndPolicy: 'return',
      contributions: [
        { funderName: 'NHS', pledgedPence: 200_000, receivedPence: 50_000 },
        { funderName: 'Lottery', pledgedPence: 100_000, receivedPence: 100_000 },
      ],
    })
    await expectInStep()
    const { fundId, roundId } = await createRound(h.db)
    const award = await createAward(h.db, { roundId, amountPence: 120_000 })
    await tx((trx) =>
      commitAward(trx, pledged.actorId, {
        awardId: award.id,
        potId: pledged.pot.id,
        amountPence: 120_000,
        award: { placeId: null, categories: [], fundId, roundId, date: '2026-06-01' },
        split: { [pledged.contributions[0].id]: 120_000 },
        overrideReason: 'NHS funds this one, partly from its pledge',
        idempotencyKey: key(),
      }),
    )
    await expectInStep()
    // Returned at year end.
    await tx((trx) => closeYear(trx, pledged.actorId, { potId: pledged.pot.id }))
    await expectInStep()

    // Carried forward into next year's pot (a new contribution with a receipt).
    const carried = await createPotWithContributions(h.db, {
      yearEndPolicy: 'carry_forward',
      contributions: [{ funderName: 'Council', pledgedPence: 80_000, receivedPence: 60_000 }],
    })
    const next = await tx((trx) =>
      createPot(trx, carried.actorId, { name: 'Next year', placeId: null, hostFunderId: carried.hostFunderId, poolManagerUserId: carried.actorId, financialYear: '2027-28', availableBasis: 'received', yearEndPolicy: 'carry_forward' }),
    )
    await tx((trx) => closeYear(trx, carried.actorId, { potId: carried.pot.id, nextPotId: next.id, closedOn: '2027-03-31' }))
    await expectInStep()
    const newId = (await h.db.selectFrom('contributions').select('id').where('pot_id', '=', next.id).executeTakeFirstOrThrow()).id
    expect((await maintainedContributionFigures(h.db)).find((f) => f.contributionId === newId)).toMatchObject({ receivedPence: 60_000, balances: { available: 60_000 } })
  }, 60_000)
})
