import crypto from 'node:crypto'
import type { Transaction } from 'kysely'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createDatabase, type DatabaseHandle } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { createPaymentScenario, type PaymentScenario } from '../../../tests/factories/payments.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { freshDatabaseOptions } from '../../../tests/setup/test-database.ts'
import { contributionBalances } from '../budgets/contributions.server.ts'
import { verifyLedger } from '../budgets/ledger.server.ts'
import { ukToday } from '../places/places.server.ts'
import { listRepayments, recordRepayment, RepaymentForbiddenError, RepaymentInputError, repaymentTotals, type RecordRepaymentInput } from './repayments.server.ts'
import { markTranchePaid, markTranchesSent } from './tranches.server.ts'

let h: DatabaseHandle
let s: PaymentScenario
let finance: number
beforeEach(async () => {
  h = createDatabase(await freshDatabaseOptions())
  s = await createPaymentScenario(h.db)
  finance = (await createUserWithRole(h.db, 'finance_officer')).id
})
afterEach(async () => {
  await h.close()
})

const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => h.db.transaction().execute(fn)
const key = () => crypto.randomBytes(6).toString('hex')
const today = ukToday()

function record(input: Partial<RecordRepaymentInput> & { awardId: number }, actor = finance) {
  return tx((trx) => recordRepayment(trx, actor, { kind: 'repayment', amountPence: 10_000, reason: 'Underspend on venue hire', receivedOn: today, idempotencyKey: key(), ...input }))
}

async function pay(trancheId: number) {
  await s.run(finance, [trancheId])
  await tx((trx) => markTranchesSent(trx, finance, { trancheIds: [trancheId] }))
  await tx((trx) => markTranchePaid(trx, finance, { trancheId, paidOn: today, source: 'manual' }))
}

async function balances() {
  return contributionBalances(h.db, Object.values(s.contributions))
}

/** An award of £3,000 in two tranches, the first (£1,000) paid. */
async function paidAward() {
  const award = await s.acceptedAward({
    amountPence: 300_000,
    schedule: { kind: 'instalments', tranches: [{ amountPence: 100_000, dueDate: today, gate: 'acceptance' }, { amountPence: 200_000, dueDate: '2099-01-01', gate: 'date' }] },
  })
  await pay(award.trancheIds[0])
  return award
}

describe('recording money back', () => {
  test('a repayment goes from paid back to available, shared in proportion to what each contribution paid', async () => {
    const award = await paidAward()
    const paidParts = await h.db.selectFrom('tranche_parts').select(['contribution_id', 'amount_pence']).where('tranche_id', '=', award.trancheIds[0]).orderBy('contribution_id').execute()
    expect(paidParts).toHaveLength(3)
    expect(paidParts.reduce((a, p) => a + p.amount_pence, 0)).toBe(100_000)
    const before = await balances()
    const { repayment, replayed } = await record({ awardId: award.awardId, amountPence: 30_001 })
    expect(replayed).toBe(false)
    expect(repayment.parts.reduce((a, p) => a + p.amountPence, 0)).toBe(30_001)
    const after = await balances()
    const paidTotal = paidParts.reduce((a, p) => a + p.amount_pence, 0)
    for (const p of paidParts) {
      const share = repayment.parts.find((x) => x.contributionId === p.contribution_id)!.amountPence
      // Within a penny of its exact share.
      expect(Math.abs(share - (30_001 * p.amount_pence) / paidTotal)).toBeLessThan(1)
      expect(after.get(p.contribution_id)!.paid).toBe(before.get(p.contribution_id)!.paid - share)
      expect(after.get(p.contribution_id)!.available).toBe(before.get(p.contribution_id)!.available + share)
      expect(after.get(p.contribution_id)!.scheduled).toBe(before.get(p.contribution_id)!.scheduled)
    }
    const entries = await h.db.selectFrom('ledger_entries').select(['idempotency_key', 'reason_code']).where('ref_type', '=', 'award_repayment').execute()
    expect(entries.map((e) => e.idempotency_key).sort()).toEqual(repayment.parts.map((p) => `repayment:${repayment.id}:${p.contributionId}`).sort())
    expect(entries.every((e) => e.reason_code === 'award.repaid')).toBe(true)
    const audit = await h.db.selectFrom('audit_events').select('after').where('action', '=', 'award.repayment_recorded').executeTakeFirstOrThrow()
    expect(JSON.parse(audit.after!)).toMatchObject({ repaymentId: repayment.id, kind: 'repayment', amountPence: 30_001 })
    expect((await verifyLedger(h.db)).ok).toBe(true)
  })

  test('no more can come back than was paid, less earlier repayments', async () => {
    const award = await paidAward()
    const tooMuch = await record({ awardId: award.awardId, amountPence: 100_001 }).catch((e) => e)
    expect(tooMuch).toBeInstanceOf(RepaymentInputError)
    expect(tooMuch.field).toBe('amount')
    expect(tooMuch.message).toBe('At most £1,000.00 can come back: that is what was paid for this award, less earlier repayments')
    await record({ awardId: award.awardId, kind: 'clawback', amountPence: 60_000, reason: 'Project stopped in breach of the terms' })
    await expect(record({ awardId: award.awardId, amountPence: 40_001 })).rejects.toThrow('At most £400.00 can come back')
    await record({ awardId: award.awardId, amountPence: 40_000 })
    expect(await repaymentTotals(h.db, award.awardId)).toEqual({ paidPence: 100_000, repaidPence: 100_000, repayablePence: 0 })
    await expect(record({ awardId: award.awardId, amountPence: 1 })).rejects.toThrow('Nothing has been paid for this award that has not already come back')
    const b = await balances()
    expect([...b.values()].reduce((a, x) => a + x.paid, 0)).toBe(0)
    expect((await listRepayments(h.db, award.awardId)).map((r) => [r.kind, r.amountPence])).toEqual([
      ['repayment', 40_000],
      ['clawback', 60_000],
    ])
    const reasons = await h.db.selectFrom('ledger_entries').select('reason_code').where('ref_type', '=', 'award_repayment').execute()
    expect(new Set(reasons.map((r) => r.reason_code))).toEqual(new Set(['award.repaid', 'award.clawed_back']))
  })

  test('an award with nothing paid has nothing to repay, and a tranche not paid cannot be named', async () => {
    const award = await s.acceptedAward({ amountPence: 300_000 })
    await expect(record({ awardId: award.awardId })).rejects.toMatchObject({ field: 'amount', status: 400 })
    await expect(record({ awardId: award.awardId, trancheId: award.trancheIds[0] })).rejects.toMatchObject({ field: 'trancheId', status: 400 })
  })

  test('against one tranche, no more than that tranche can come back', async () => {
    const award = await paidAward()
    await expect(record({ awardId: award.awardId, trancheId: award.trancheIds[0], amountPence: 100_001 })).rejects.toThrow('At most £1,000.00 can come back: that is what was paid for this payment')
    const { repayment } = await record({ awardId: award.awardId, trancheId: award.trancheIds[0], amountPence: 100_000 })
    expect(repayment.trancheId).toBe(award.trancheIds[0])
  })

  test('a repeated form records the money once', async () => {
    const award = await paidAward()
    const input = { awardId: award.awardId, amountPence: 25_000, idempotencyKey: key() }
    const first = await record(input)
    const again = await record(input)
    expect(again.replayed).toBe(true)
    expect(again.repayment.id).toBe(first.repayment.id)
    expect(await h.db.selectFrom('award_repayments').select('id').execute()).toHaveLength(1)
    expect(await h.db.selectFrom('ledger_entries').select('id').where('ref_type', '=', 'award_repayment').execute()).toHaveLength(first.repayment.parts.length)
  })

  test('ten of the same form at once record the money once', async () => {
    const award = await paidAward()
    const input = { awardId: award.awardId, amountPence: 25_000, idempotencyKey: key() }
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => record(input)))
    const ok = results.filter((r) => r.status === 'fulfilled')
    expect(ok).toHaveLength(10)
    expect(await h.db.selectFrom('award_repayments').select('id').execute()).toHaveLength(1)
    expect((await repaymentTotals(h.db, award.awardId)).repaidPence).toBe(25_000)
  })

  test('bad input is refused with its field, and only finance may record', async () => {
    const award = await paidAward()
    await expect(record({ awardId: award.awardId, reason: ' ' })).rejects.toMatchObject({ field: 'reason' })
    await expect(record({ awardId: award.awardId, amountPence: 0 })).rejects.toMatchObject({ field: 'amount' })
    await expect(record({ awardId: award.awardId, receivedOn: '2026-02-30' })).rejects.toMatchObject({ field: 'receivedOn' })
    await expect(record({ awardId: award.awardId, receivedOn: '2999-01-01' })).rejects.toThrow('cannot be in the future')
    await expect(record({ awardId: award.awardId }, award.adminUserId)).rejects.toBeInstanceOf(RepaymentForbiddenError)
    expect(await h.db.selectFrom('award_repayments').select('id').execute()).toHaveLength(0)
  })
})
