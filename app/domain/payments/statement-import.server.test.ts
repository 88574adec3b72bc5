import type { Transaction } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import { createPaymentScenario, type PaymentScenario } from '../../../tests/factories/payments.ts'
import { createUserWithRole, type TestUser } from '../../../tests/factories/sessions.ts'
import { formatLondon } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import type { DB } from '../../../db/schema.ts'
import { exportRun } from './exports.server.ts'
import { importBankStatement, referencesInStatement, StatementAlreadyImportedError, statementImport } from './statement-import.server.ts'
import { StatementColumnsError } from './statement.ts'
import { trancheForPayment } from './tranches.server.ts'

let s: PaymentScenario
let finance: TestUser

beforeAll(async () => {
  s = await createPaymentScenario(db)
  finance = await createUserWithRole(db, 'finance_officer')
})

const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => db.transaction().execute(fn)
const importIt = (text: string, filename = 'statement.csv') => tx((trx) => importBankStatement(trx, finance.id, { filename, text }))
const csv = (...lines: string[]) => ['Date,Description,Amount', ...lines].join('\r\n') + '\r\n'

/** A BACS run of the amounts, exported (so its tranches are sent), with each tranche's reference as the bank shows it. */
async function sentRun(amounts: number[]) {
  const trancheIds: number[] = []
  for (const amountPence of amounts) trancheIds.push((await s.acceptedAward({ amountPence })).trancheIds[0])
  const run = await s.run(finance.id, trancheIds)
  await tx((trx) => exportRun(trx, finance.id, { runId: run.id, format: 'standard18' }))
  const references = []
  for (const id of trancheIds) references.push((await trancheForPayment(db, id))!.reference.toUpperCase())
  return { runId: run.id, trancheIds, references }
}

async function tranche(id: number) {
  return db.selectFrom('tranches').select(['status', 'paid_at', 'external_ref']).where('id', '=', id).executeTakeFirstOrThrow()
}

async function runStatus(id: number) {
  return (await db.selectFrom('payment_runs').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status
}

async function paidEntries(trancheId: number) {
  return db.selectFrom('ledger_entries').select('id').where('ref_type', '=', 'tranche').where('ref_id', '=', trancheId).where('reason_code', '=', 'award.paid').execute()
}

describe('importing a bank statement', () => {
  test('a line with a sent payment’s reference and amount marks it paid on the statement date, and a fully paid run is completed', async () => {
    const { runId, trancheIds, references } = await sentRun([125_050, 50_000])
    const result = await importIt(
      csv(`21/11/2026,BACS ${references[0]} ,"-1,250.50"`, `22/11/2026,${references[1].toLowerCase()},-500.00`, '22/11/2026,CARD PAYMENT STATIONERY,-12.99', 'yesterday,X,-1.00'),
    )
    expect(result.counts).toEqual({ matched: 2, already_paid: 0, unmatched: 1, invalid: 1 })
    expect(result.lineCount).toBe(4)
    expect(await tranche(trancheIds[0])).toEqual({ status: 'paid', paid_at: '2026-11-21', external_ref: `statement:${result.importId}:2` })
    expect(await tranche(trancheIds[1])).toMatchObject({ status: 'paid', paid_at: '2026-11-22', external_ref: `statement:${result.importId}:3` })
    expect(await paidEntries(trancheIds[0])).not.toHaveLength(0)
    expect(await runStatus(runId)).toBe('completed')

    const stored = await statementImport(db, result.importId)
    expect(stored).toMatchObject({ filename: 'statement.csv', lineCount: 4, matchedCount: 2 })
    expect(stored.lines.map((l) => [l.lineNumber, l.status, l.payment?.trancheId ?? null])).toEqual([
      [2, 'matched', trancheIds[0]],
      [3, 'matched', trancheIds[1]],
      [4, 'unmatched', null],
      [5, 'invalid', null],
    ])
    expect(stored.lines[2].note).toBe('No payment with this reference.')
    expect(stored.lines[3].note).toMatch(/The date "yesterday" is not a date/)
    expect(stored.lines[0].payment).toMatchObject({ paymentRunId: runId })

    const audit = await db.selectFrom('audit_events').select('after').where('action', '=', 'bank_statement.imported').where('entity_id', '=', String(result.importId)).executeTakeFirstOrThrow()
    expect(JSON.parse(audit.after!)).toMatchObject({ matched: 2, unmatched: 1, invalid: 1, paidTrancheIds: trancheIds })
  })

  test('the same file again is refused with the date it was imported, and nothing is written', async () => {
    const { trancheIds, references } = await sentRun([60_000])
    const text = csv(`2026-11-23,${references[0]},-600.00`)
    const first = await importIt(text)
    const imports = (await db.selectFrom('bank_statement_imports').select('id').execute()).length
    const entries = (await paidEntries(trancheIds[0])).length
    expect(entries).toBeGreaterThan(0)
    const error = await importIt(text, 'renamed.csv').then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(StatementAlreadyImportedError)
    expect((error as StatementAlreadyImportedError).status).toBe(409)
    const { importedAt } = await statementImport(db, first.importId)
    expect((error as Error).message).toBe(`This statement was already imported on ${formatLondon(importedAt, 'd MMMM yyyy')}.`)
    expect((await db.selectFrom('bank_statement_imports').select('id').execute()).length).toBe(imports)
    expect(await paidEntries(trancheIds[0])).toHaveLength(entries)
    expect((await db.selectFrom('bank_statement_lines').select('id').where('import_id', '=', first.importId).execute()).length).toBe(1)
  })

  test('a different file with a payment already reconciled reports it already paid and pays nothing twice', async () => {
    const { trancheIds, references } = await sentRun([70_000])
    await importIt(csv(`2026-11-23,${references[0]},-700.00`))
    const entries = (await paidEntries(trancheIds[0])).length
    const second = await importIt(csv(`2026-11-23,${references[0]},-700.00`, '2026-11-24,INTEREST,0.10'))
    expect(second.counts).toEqual({ matched: 0, already_paid: 1, unmatched: 1, invalid: 0 })
    expect(await paidEntries(trancheIds[0])).toHaveLength(entries)
    const stored = await statementImport(db, second.importId)
    expect(stored.lines[0]).toMatchObject({ status: 'already_paid', payment: { trancheId: trancheIds[0] } })
  })

  test('a line with the right reference but another amount is unmatched with the amount expected; the payment stays sent', async () => {
    const { runId, trancheIds, references } = await sentRun([80_000, 81_000])
    const result = await importIt(csv(`2026-11-23,${references[0]},-799.99`, `2026-11-23,${references[1]},-810.00`))
    expect(result.counts).toMatchObject({ matched: 1, unmatched: 1 })
    const stored = await statementImport(db, result.importId)
    expect(stored.lines[0]).toMatchObject({ status: 'unmatched', note: `The amount differs: expected £800.00 for ${(await trancheForPayment(db, trancheIds[0]))!.reference}.` })
    expect((await tranche(trancheIds[0])).status).toBe('sent')
    expect((await tranche(trancheIds[1])).status).toBe('paid')
    expect(await runStatus(runId)).toBe('sent')

    await importIt(csv(`2026-11-25,${references[0]},-800.00`))
    expect(await runStatus(runId)).toBe('completed')
  })

  test('one payment on two lines of a file is paid once; the second line says where it was matched', async () => {
    const { trancheIds, references } = await sentRun([90_000])
    const result = await importIt(csv(`2026-11-23,${references[0]},-900.00`, `2026-11-23,${references[0]},-900.00`))
    expect(result.counts).toMatchObject({ matched: 1, unmatched: 1 })
    expect((await statementImport(db, result.importId)).lines[1].note).toMatch(/was already matched on line 2 of this statement/)
    expect((await tranche(trancheIds[0])).status).toBe('paid')
  })

  test('a payment not yet sent is not a candidate: the line is unmatched', async () => {
    const award = await s.acceptedAward({ amountPence: 95_000 })
    const run = await s.run(finance.id, award.trancheIds)
    const reference = (await trancheForPayment(db, award.trancheIds[0]))!.reference
    const result = await importIt(csv(`2026-11-23,${reference},-950.00`))
    expect(result.counts.unmatched).toBe(1)
    expect((await tranche(award.trancheIds[0])).status).toBe('in_run')
    expect(await runStatus(run.id)).toBe('approved')
  })

  test('a file without an amount column is refused naming it, and nothing is written', async () => {
    const before = (await db.selectFrom('bank_statement_imports').select('id').execute()).length
    await expect(importIt('Date,Reference,Balance\r\n2026-11-23,X,1.00\r\n')).rejects.toBeInstanceOf(StatementColumnsError)
    await expect(importIt('Date,Reference,Balance\r\n2026-11-23,X,1.00\r\n')).rejects.toThrow(/no amount \(Amount, Paid out or Debit\) column/)
    expect((await db.selectFrom('bank_statement_imports').select('id').execute()).length).toBe(before)
  })
})

describe('referencesInStatement', () => {
  test('finds application references before "/n", with any hyphenated prefix the bank added, and CP-T ids', () => {
    const line = { lineNumber: 2, status: 'ok' as const, postedOn: '2026-11-23', amountPence: 1, note: null, reference: 'BGC-tcf-2026-00006/1 and CP-T42', description: 'ref x/y' }
    const found = referencesInStatement([line])
    expect(found.trancheIds).toEqual([42])
    expect(found.applicationReferences).toEqual(expect.arrayContaining(['BGC-TCF-2026-00006', 'TCF-2026-00006']))
    expect(found.applicationReferences).not.toContain('X')
  })
})
