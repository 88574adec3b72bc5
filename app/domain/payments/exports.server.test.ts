import crypto from 'node:crypto'
import type { Transaction } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import { createPaymentScenario, type PaymentScenario } from '../../../tests/factories/payments.ts'
import { createUserWithRole, type TestUser } from '../../../tests/factories/sessions.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import type { DB } from '../../../db/schema.ts'
import { bacsText } from './bacs-standard18.ts'
import { exportRun, RunNotExportableError, type ExportFormat } from './exports.server.ts'
import { cancelRun } from './payment-runs.server.ts'
import { paymentSettings } from './settings.server.ts'
import { markTrancheFailed, markTranchePaid, trancheForPayment } from './tranches.server.ts'

let s: PaymentScenario
let finance: TestUser

beforeAll(async () => {
  s = await createPaymentScenario(db)
  finance = await createUserWithRole(db, 'finance_officer')
})

const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => db.transaction().execute(fn)
const exportIt = (runId: number, format: ExportFormat = 'standard18') => tx((trx) => exportRun(trx, finance.id, { runId, format }))
const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex')

async function approvedRun(amounts: number[]) {
  const awards = []
  for (const amountPence of amounts) awards.push(await s.acceptedAward({ amountPence }))
  const trancheIds = awards.map((a) => a.trancheIds[0])
  const run = await s.run(finance.id, trancheIds)
  expect(run.status).toBe('approved')
  return { run, awards, trancheIds }
}

async function runRow(id: number) {
  return db.selectFrom('payment_runs').select(['status', 'exported_at', 'exported_by', 'file_sha256']).where('id', '=', id).executeTakeFirstOrThrow()
}

async function trancheStatuses(ids: number[]) {
  const rows = await db.selectFrom('tranches').select(['id', 'status', 'sent_at']).where('id', 'in', ids).orderBy('id').execute()
  return rows.map((r) => r.status)
}

async function auditCount(action: string, entityId: number | string) {
  const rows = await db.selectFrom('audit_events').select('id').where('action', '=', action).where('entity_id', '=', String(entityId)).execute()
  return rows.length
}

async function expectRefused(run: () => Promise<unknown>, message: RegExp) {
  const error = await run().then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(RunNotExportableError)
  expect((error as RunNotExportableError).status).toBe(409)
  expect((error as Error).message).toMatch(message)
}

describe('the first export of an approved BACS run', () => {
  test('gives a Standard 18 file of the payments to the bank accounts recorded on the run, and sends the run', async () => {
    const { run, awards, trancheIds } = await approvedRun([125_050, 50_000])
    const file = await exportIt(run.id)
    expect(file.filename).toBe(`${run.reference}-standard18.txt`)
    expect(file.contentType).toBe('text/plain; charset=us-ascii')

    const { originator } = await paymentSettings(db)
    const lines = file.body.split('\r\n')
    expect(lines.pop()).toBe('')
    expect(lines).toHaveLength(3)
    for (const line of lines) expect(line).toHaveLength(100)
    for (const [i, award] of awards.entries()) {
      const account = await db.selectFrom('bank_accounts').select(['sort_code', 'account_number', 'account_name']).where('organisation_id', '=', award.organisationId).executeTakeFirstOrThrow()
      const tranche = (await trancheForPayment(db, trancheIds[i]))!
      expect(lines[i]).toBe(
        account.sort_code +
          account.account_number +
          '099' +
          originator.sortCode +
          originator.accountNumber +
          '    ' +
          String(tranche.amountPence).padStart(11, '0') +
          bacsText(originator.name, 18) +
          bacsText(tranche.reference, 18) +
          bacsText(account.account_name, 18),
      )
    }
    expect(lines[2].slice(0, 17)).toBe(`${originator.sortCode}${originator.accountNumber}017`)
    expect(lines[2].slice(35, 46)).toBe('00000175050')

    const row = await runRow(run.id)
    expect(row).toMatchObject({ status: 'sent', exported_by: finance.id, file_sha256: sha256(file.body) })
    expect(row.exported_at).not.toBeNull()
    expect(await trancheStatuses(trancheIds)).toEqual(['sent', 'sent'])
    expect(await auditCount('payment_run.exported', run.id)).toBe(1)
  })

  test('the bulk-payment CSV may come first: the run is sent and the hash kept is of the Standard 18 file', async () => {
    const { run, trancheIds } = await approvedRun([20_000])
    const csv = await exportIt(run.id, 'csv')
    expect(csv.filename).toBe(`${run.reference}-bulk-payments.csv`)
    expect(csv.body.split('\r\n')[0]).toBe('Payee name,Sort code,Account number,Amount,Payment reference')
    expect(csv.body.split('\r\n')[1]).toMatch(/^[A-Z0-9 .&/-]+,309457,\d{8},200\.00,[A-Z0-9/-]+$/)
    expect(await trancheStatuses(trancheIds)).toEqual(['sent'])
    const standard18 = await exportIt(run.id, 'standard18')
    expect((await runRow(run.id)).file_sha256).toBe(sha256(standard18.body))
  })
})

describe('downloading a sent run again', () => {
  test('gives the same bytes, audited as a download, and sends nothing again', async () => {
    const { run, trancheIds } = await approvedRun([30_000])
    const first = await exportIt(run.id)
    const sentAt = (await db.selectFrom('tranches').select('sent_at').where('id', '=', trancheIds[0]).executeTakeFirstOrThrow()).sent_at
    const again = await exportIt(run.id)
    expect(again.body).toBe(first.body)
    expect((await db.selectFrom('tranches').select('sent_at').where('id', '=', trancheIds[0]).executeTakeFirstOrThrow()).sent_at).toBe(sentAt)
    expect(await auditCount('payment_run.exported', run.id)).toBe(1)
    expect(await auditCount('payment_run.file_downloaded', run.id)).toBe(1)
    expect(await auditCount('tranche.sent', trancheIds[0])).toBe(1)
  })

  test('is refused once a payment in it has failed, because the file could no longer be the one sent', async () => {
    const { run, trancheIds } = await approvedRun([40_000, 41_000])
    await exportIt(run.id)
    await tx((trx) => markTrancheFailed(trx, finance.id, { trancheId: trancheIds[1], reason: 'Account closed' }))
    await expectRefused(() => exportIt(run.id), /can no longer be made exactly as it was sent/)
  })

  test('a run with some payments paid still gives the same file', async () => {
    const { run, trancheIds } = await approvedRun([42_000, 43_000])
    const first = await exportIt(run.id)
    await tx((trx) => markTranchePaid(trx, finance.id, { trancheId: trancheIds[0], paidOn: '2026-11-21', source: 'manual' }))
    expect((await exportIt(run.id, 'standard18')).body).toBe(first.body)
  })
})

describe('runs with no bank file', () => {
  test('a run awaiting approval, a cancelled run, a completed run and a Stripe run are refused with the reason', async () => {
    const big = await s.acceptedAward({ amountPence: 600_000 })
    const waiting = await s.run(finance.id, big.trancheIds)
    expect(waiting.status).toBe('awaiting_approval')
    await expectRefused(() => exportIt(waiting.id), /waiting for a second finance officer to approve it/)

    const { run: cancelled } = await approvedRun([10_000])
    await tx((trx) => cancelRun(trx, finance.id, { runId: cancelled.id, reason: 'Wrong payments' }))
    await expectRefused(() => exportIt(cancelled.id), /was cancelled/)

    const { run: done, trancheIds } = await approvedRun([11_000])
    await exportIt(done.id)
    await tx((trx) => markTranchePaid(trx, finance.id, { trancheId: trancheIds[0], paidOn: '2026-11-21', source: 'manual' }))
    expect((await runRow(done.id)).status).toBe('completed')
    await expectRefused(() => exportIt(done.id), /Every payment in this run has been paid/)

    const stripeAward = await s.acceptedAward({ amountPence: 12_000, stripeAccountId: 'acct_test_exports' })
    const stripeRun = await s.run(finance.id, stripeAward.trancheIds, 'stripe')
    await expectRefused(() => exportIt(stripeRun.id), /pays through Stripe/)

    for (const id of [waiting.id, cancelled.id, stripeRun.id]) expect((await runRow(id)).file_sha256).toBeNull()
    expect(await trancheStatuses([...big.trancheIds, ...stripeAward.trancheIds])).toEqual(['in_run', 'in_run'])
  })

  test('a run that does not exist is not found', async () => {
    await expect(exportIt(99_999_999)).rejects.toBeInstanceOf(NotFoundError)
  })

  test('a payee whose bank details were rejected after the run was prepared stops the export, and nothing is sent', async () => {
    const { run, awards, trancheIds } = await approvedRun([13_000])
    await db.updateTable('bank_accounts').set({ status: 'rejected', rejected_reason: 'Not theirs' }).where('organisation_id', '=', awards[0].organisationId).execute()
    await expectRefused(() => exportIt(run.id), /bank details are rejected now/)
    expect((await runRow(run.id)).status).toBe('approved')
    expect(await trancheStatuses(trancheIds)).toEqual(['in_run'])
  })
})

describe('concurrency', () => {
  test('200 exports of one approved run at once send it exactly once, and all get the same file', async () => {
    const { run, trancheIds } = await approvedRun([14_000, 15_000, 16_000])
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => exportIt(run.id, i % 2 === 0 ? 'standard18' : 'csv')))
    const rejected = results.filter((r) => r.status === 'rejected')
    expect(rejected.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([])
    const bodies = new Set(results.map((r, i) => (i % 2 === 0 ? (r as PromiseFulfilledResult<{ body: string }>).value.body : null)).filter(Boolean))
    expect(bodies.size).toBe(1)
    expect((await runRow(run.id)).file_sha256).toBe(sha256([...bodies][0]!))
    expect(await auditCount('payment_run.exported', run.id)).toBe(1)
    expect(await auditCount('payment_run.file_downloaded', run.id)).toBe(199)
    for (const id of trancheIds) expect(await auditCount('tranche.sent', id)).toBe(1)
    expect(await trancheStatuses(trancheIds)).toEqual(['sent', 'sent', 'sent'])
  }, 180_000)
})
