import type { Transaction } from 'kysely'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createDatabase, type DatabaseHandle } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { createPaymentScenario, type PaymentScenario } from '../../../tests/factories/payments.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { freshDatabaseOptions } from '../../../tests/setup/test-database.ts'
import { contributionBalances } from '../budgets/contributions.server.ts'
import { verifyLedger } from '../budgets/ledger.server.ts'
import { approveRun, cancelRun, FourEyesError, prepareRun, RunInputError, RunStatusError, runSummary } from './payment-runs.server.ts'
import { updatePaymentSettings, DEFAULT_PAYMENT_SETTINGS } from './settings.server.ts'
import { listDueTranches, markTrancheFailed, markTranchePaid, markTranchesSent } from './tranches.server.ts'

let h: DatabaseHandle
let s: PaymentScenario
let finance: number[]
beforeEach(async () => {
  h = createDatabase(await freshDatabaseOptions())
  s = await createPaymentScenario(h.db)
  finance = [(await createUserWithRole(h.db, 'finance_officer')).id, (await createUserWithRole(h.db, 'finance_officer')).id]
})
afterEach(async () => {
  await h.close()
})

const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => h.db.transaction().execute(fn)

async function potBalances() {
  const ids = Object.values(s.contributions)
  const map = await contributionBalances(h.db, ids)
  const sum = (bucket: 'committed' | 'scheduled' | 'paid' | 'available') => ids.reduce((acc, id) => acc + map.get(id)![bucket], 0)
  return { committed: sum('committed'), scheduled: sum('scheduled'), paid: sum('paid'), available: sum('available') }
}

async function statusOf(trancheId: number) {
  return (await h.db.selectFrom('tranches').select(['status', 'attempt', 'failure_reason']).where('id', '=', trancheId).executeTakeFirstOrThrow())
}

describe('acceptance puts the money in the schedule', () => {
  test('an accepted award of three yearly tranches moves committed to scheduled, shared across every contributor', async () => {
    const award = await s.acceptedAward({ amountPence: 600_000, schedule: { kind: 'yearly', years: 3, amountPerYearPence: 200_000, startDate: '2026-11-01' } })
    expect(award.trancheIds).toHaveLength(3)
    const b = await potBalances()
    expect(b).toMatchObject({ committed: 0, scheduled: 600_000, paid: 0 })
    const parts = await h.db.selectFrom('tranche_parts').select(['tranche_id', 'amount_pence']).where('tranche_id', 'in', award.trancheIds).execute()
    for (const id of award.trancheIds) expect(parts.filter((p) => p.tranche_id === id).reduce((a, p) => a + p.amount_pence, 0)).toBe(200_000)
    const due = await listDueTranches(h.db, { today: '2026-11-21', awardId: award.awardId })
    expect(due.map((t) => t.reasons.length === 0)).toEqual([true, false, false])
    expect(due[1].reasons).toContain('what it waits for has not happened yet')
  })
})

describe('preparing a run', () => {
  test('a tranche whose conditions are not met, or whose bank details are not checked, is refused with the reason', async () => {
    const waiting = await s.acceptedAward({ conditions: ['Send us your safeguarding policy'], conditionsOutstanding: true })
    const unchecked = await s.acceptedAward({ bank: 'unverified' })
    await expect(s.run(finance[0], [waiting.trancheIds[0]])).rejects.toThrow('the conditions before payment are not all met')
    await expect(s.run(finance[0], [unchecked.trancheIds[0]])).rejects.toThrow("bank details have not been checked by finance")
    await expect(s.run(finance[0], [unchecked.trancheIds[0]], 'stripe')).rejects.toThrow('has no connected Stripe account')
    expect(await h.db.selectFrom('payment_runs').select('id').execute()).toHaveLength(0)
    expect((await statusOf(waiting.trancheIds[0])).status).toBe('scheduled')
  })

  test('a tranche not yet due is refused', async () => {
    const later = await s.acceptedAward({ schedule: { kind: 'single', startDate: '2099-01-01' } })
    await expect(s.run(finance[0], [later.trancheIds[0]])).rejects.toBeInstanceOf(RunInputError)
    await expect(s.run(finance[0], [later.trancheIds[0]])).rejects.toThrow('not due until 2099-01-01')
  })

  test('a run within the threshold is approved as it is submitted; above it, it waits for a second officer', async () => {
    const small = await s.acceptedAward({ amountPence: 300_000 })
    const big = await s.acceptedAward({ amountPence: 800_000 })
    const run1 = await s.run(finance[0], [small.trancheIds[0]])
    expect(run1.status).toBe('approved')
    const run2 = await s.run(finance[0], [big.trancheIds[0]])
    expect(run2.status).toBe('awaiting_approval')
    const summary = await runSummary(h.db, run2.id)
    expect(summary.byPot[0].amountPence).toBe(800_000)
    expect(summary.byContributor.reduce((a, c) => a + c.amountPence, 0)).toBe(800_000)
  })

  test('the officer who prepared a run cannot approve it; a second officer can, once', async () => {
    const big = await s.acceptedAward({ amountPence: 800_000 })
    const run = await s.run(finance[0], [big.trancheIds[0]])
    await expect(tx((trx) => approveRun(trx, finance[0], { runId: run.id }))).rejects.toBeInstanceOf(FourEyesError)
    await tx((trx) => approveRun(trx, finance[1], { runId: run.id }))
    await expect(tx((trx) => approveRun(trx, finance[1], { runId: run.id }))).rejects.toBeInstanceOf(RunStatusError)
    const row = await h.db.selectFrom('payment_runs').select(['status', 'approved_by']).where('id', '=', run.id).executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'approved', approved_by: finance[1] })
  })

  test('200 concurrent approvals of the same run approve it once; the ledger pays its tranche once', async () => {
    const big = await s.acceptedAward({ amountPence: 800_000 })
    const run = await s.run(finance[0], [big.trancheIds[0]])
    const approvers = [finance[1], (await createUserWithRole(h.db, 'finance_officer')).id]
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => tx((trx) => approveRun(trx, approvers[i % 2], { runId: run.id }))))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    for (const r of results.filter((r) => r.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RunStatusError)
    const events = await h.db.selectFrom('audit_events').select('id').where('action', '=', 'payment_run.approved').where('entity_id', '=', String(run.id)).execute()
    expect(events).toHaveLength(1)
    await tx((trx) => markTranchesSent(trx, finance[0], { trancheIds: big.trancheIds }))
    await Promise.allSettled(Array.from({ length: 20 }, () => tx((trx) => markTranchePaid(trx, null, { trancheId: big.trancheIds[0], paidOn: '2026-11-21', source: 'bank_statement' }))))
    expect(await potBalances()).toMatchObject({ scheduled: 0, paid: 800_000 })
  }, 120_000)

  test('the database itself refuses a run approved by its creator', async () => {
    const big = await s.acceptedAward({ amountPence: 800_000 })
    const run = await s.run(finance[0], [big.trancheIds[0]])
    await expect(h.db.updateTable('payment_runs').set({ approved_by: finance[0] }).where('id', '=', run.id).execute()).rejects.toThrow()
  })

  test('the threshold is a setting', async () => {
    await tx((trx) => updatePaymentSettings(trx, finance[0], { ...DEFAULT_PAYMENT_SETTINGS, approvalThresholdPence: 100_000 }))
    const award = await s.acceptedAward({ amountPence: 300_000 })
    expect((await s.run(finance[0], [award.trancheIds[0]])).status).toBe('awaiting_approval')
  })

  test('cancelling a run puts its tranches back in the schedule', async () => {
    const award = await s.acceptedAward()
    const run = await s.run(finance[0], [award.trancheIds[0]])
    await tx((trx) => cancelRun(trx, finance[0], { runId: run.id, reason: 'Wrong date' }))
    expect((await statusOf(award.trancheIds[0])).status).toBe('scheduled')
    expect((await s.run(finance[1], [award.trancheIds[0]])).status).toBe('approved')
  })

  test('200 concurrent runs for the same tranche: exactly one takes it', async () => {
    const award = await s.acceptedAward()
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => tx((trx) => prepareRun(trx, finance[i % 2], { rail: 'bacs', trancheIds: award.trancheIds, idempotencyKey: `race-${i}` }))))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const runs = await h.db.selectFrom('payment_runs').select('id').execute()
    expect(runs).toHaveLength(1)
  }, 120_000)
})

describe('paying', () => {
  async function sentTranche(amountPence = 300_000) {
    const award = await s.acceptedAward({ amountPence })
    const run = await s.run(finance[0], award.trancheIds)
    await tx((trx) => markTranchesSent(trx, finance[0], { trancheIds: award.trancheIds }))
    await h.db.updateTable('payment_runs').set({ status: 'sent' }).where('id', '=', run.id).execute()
    return { award, run, trancheId: award.trancheIds[0] }
  }

  test('a confirmed payment moves scheduled to paid, completes the award and the run, and emails remittance advice', async () => {
    const { award, run, trancheId } = await sentTranche()
    expect((await tx((trx) => markTranchePaid(trx, finance[0], { trancheId, paidOn: '2026-11-21', source: 'bank_statement' }))).replayed).toBe(false)
    expect(await potBalances()).toMatchObject({ scheduled: 0, paid: 300_000 })
    expect((await h.db.selectFrom('awards').select('status').where('id', '=', award.awardId).executeTakeFirstOrThrow()).status).toBe('completed')
    expect((await h.db.selectFrom('payment_runs').select('status').where('id', '=', run.id).executeTakeFirstOrThrow()).status).toBe('completed')
    const mail = await h.db.selectFrom('outbox_messages').select(['template', 'body_text']).where('template', '=', 'remittance-advice').execute()
    expect(mail).toHaveLength(1)
    expect(mail[0].body_text).toContain('£3,000.00')
    expect((await verifyLedger(h.db)).ok).toBe(true)
  })

  test('the pot dashboard shows the payment against each contributor’s award and place, and by month', async () => {
    const { potAwardsPage, potDashboard } = await import('../budgets/reports.server.ts')
    const { award, trancheId } = await sentTranche(300_000)
    await tx((trx) => markTranchePaid(trx, null, { trancheId, paidOn: '2026-11-21', source: 'bank_statement' }))
    const dashboard = await potDashboard(h.db, s.potId)
    expect(dashboard.totals.paidPence).toBe(300_000)
    const funded = (await potAwardsPage(h.db, s.potId)).awards.filter((a) => a.awardId === award.awardId).flatMap((a) => a.contributions)
    expect(funded.reduce((sum, a) => sum + a.paidPence, 0)).toBe(300_000)
    expect(funded.every((a) => a.paidPence === a.committedPence)).toBe(true)
    expect(dashboard.byPlace.reduce((sum, p) => sum + p.paidPence, 0)).toBe(300_000)
    expect(dashboard.overTime.at(-1)?.cumulativePaidPence).toBe(300_000)
    expect(dashboard.overTime.at(-1)?.cumulativeCommittedPence).toBe(300_000)
  })

  test('200 concurrent confirmations of the same tranche pay it once', async () => {
    const { trancheId } = await sentTranche()
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => tx((trx) => markTranchePaid(trx, null, { trancheId, paidOn: '2026-11-21', source: 'bank_statement' }))))
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true)
    expect(results.filter((r) => r.status === 'fulfilled' && !r.value.replayed)).toHaveLength(1)
    expect(await potBalances()).toMatchObject({ scheduled: 0, paid: 300_000 })
    const paidEntries = await h.db.selectFrom('ledger_entries').select('id').where('ref_type', '=', 'tranche').where('ref_id', '=', trancheId).execute()
    expect(paidEntries.length).toBeGreaterThan(0)
    expect(new Set(paidEntries.map((e) => e.id)).size).toBe(paidEntries.length)
  }, 120_000)

  test('a tranche not yet sent cannot be marked paid from a bank statement', async () => {
    const award = await s.acceptedAward()
    await expect(tx((trx) => markTranchePaid(trx, null, { trancheId: award.trancheIds[0], paidOn: '2026-11-21', source: 'bank_statement' }))).rejects.toThrow('cannot be marked paid')
  })

  test('a payment returned after it was paid is reversed in the ledger and goes back to due with its reason', async () => {
    const { trancheId } = await sentTranche()
    await tx((trx) => markTranchePaid(trx, null, { trancheId, paidOn: '2026-11-21', source: 'bank_statement' }))
    expect((await tx((trx) => markTrancheFailed(trx, null, { trancheId, reason: 'Account closed', reversed: true }))).changed).toBe(true)
    expect(await potBalances()).toMatchObject({ scheduled: 300_000, paid: 0 })
    expect(await statusOf(trancheId)).toEqual({ status: 'scheduled', attempt: 1, failure_reason: 'Account closed' })
    const due = await listDueTranches(h.db)
    expect(due.find((t) => t.id === trancheId)?.reasons).toEqual([])
    const mail = await h.db.selectFrom('outbox_messages').select('to_address').where('template', '=', 'payment-failed').execute()
    expect(mail.length).toBe(2)
    // The second attempt pays again, under its own keys.
    const run = await s.run(finance[1], [trancheId])
    await tx((trx) => markTranchesSent(trx, finance[1], { trancheIds: [trancheId] }))
    await tx((trx) => markTranchePaid(trx, null, { trancheId, paidOn: '2026-11-22', source: 'bank_statement' }))
    expect(await potBalances()).toMatchObject({ scheduled: 0, paid: 300_000 })
    expect(run.status).toBe('approved')
    expect((await verifyLedger(h.db)).ok).toBe(true)
  })
})
