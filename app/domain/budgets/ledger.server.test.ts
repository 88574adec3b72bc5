import fc from 'fast-check'
import { sql, type Transaction } from 'kysely'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { DatabaseHandle } from '../../../db/connect.ts'
import type { DB, LedgerEntry } from '../../../db/schema.ts'
import { createTestDatabase } from '../../../tests/setup/test-database.ts'
import { balanceFromTotals } from './ledger-accounts.ts'
import {
  EntryAlreadyReversedError,
  IdempotencyKeyReusedError,
  InsufficientFundsError,
  InvalidLedgerEntryError,
  LedgerAccountConflictError,
  LedgerAccountNotFoundError,
  LedgerEntryNotFoundError,
  balanceOf,
  ensureAccount,
  getAccount,
  postEntries,
  postEntry,
  reverseEntry,
  verifyLedger,
  type PostEntryInput,
} from './ledger.server.ts'

let h: DatabaseHandle
beforeEach(async () => {
  h = await createTestDatabase()
})
afterEach(async () => {
  await h.close()
})

function inTransaction<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return h.db.transaction().execute(fn)
}

/**
 * A small chart of accounts: the pot's bank (an asset, debit-normal), a funder's contribution held in it (owed to the
 * funder, credit-normal) and grants paid out (spending, debit-normal).
 */
async function openBooks() {
  return inTransaction(async (trx) => ({
    bank: await ensureAccount(trx, { code: 'pot:1:bank', name: 'Pot 1 bank', kind: 'pot_bank', normalBalance: 'debit', ownerType: 'pot', ownerId: 1 }),
    contribution: await ensureAccount(trx, { code: 'contribution:1', name: 'NHS contribution', kind: 'contribution', normalBalance: 'credit' }),
    grants: await ensureAccount(trx, { code: 'grants:paid', name: 'Grants paid', kind: 'grants_paid', normalBalance: 'debit' }),
  }))
}

function fund(amountPence: number, idempotencyKey = `fund:${amountPence}`): PostEntryInput {
  return { debit: 'pot:1:bank', credit: 'contribution:1', amountPence, reasonCode: 'contribution.received', idempotencyKey }
}

function pay(amountPence: number, idempotencyKey: string): PostEntryInput {
  return { debit: 'grants:paid', credit: 'pot:1:bank', amountPence, reasonCode: 'tranche.paid', idempotencyKey, ref: { type: 'tranche', id: 7 } }
}

async function entryCount() {
  const { n } = await h.db.selectFrom('ledger_entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(n)
}

async function balances() {
  return {
    bank: await balanceOf(h.db, 'pot:1:bank'),
    contribution: await balanceOf(h.db, 'contribution:1'),
    grants: await balanceOf(h.db, 'grants:paid'),
  }
}

describe('accounts', () => {
  test('ensuring an account twice returns the same account', async () => {
    const { bank } = await openBooks()
    const again = await inTransaction((trx) =>
      ensureAccount(trx, { code: 'pot:1:bank', name: 'Renamed', kind: 'pot_bank', normalBalance: 'debit', ownerType: 'pot', ownerId: 1 }),
    )
    expect(again).toEqual(bank)
    expect(bank).toMatchObject({ normal_balance: 'debit', currency: 'GBP', debits_posted_pence: 0, credits_posted_pence: 0 })
  })

  test('a code that exists with a different normal balance or owner is refused', async () => {
    await openBooks()
    await expect(
      inTransaction((trx) => ensureAccount(trx, { code: 'pot:1:bank', name: 'Pot 1 bank', kind: 'pot_bank', normalBalance: 'credit', ownerType: 'pot', ownerId: 1 })),
    ).rejects.toBeInstanceOf(LedgerAccountConflictError)
    await expect(
      inTransaction((trx) => ensureAccount(trx, { code: 'pot:1:bank', name: 'Pot 1 bank', kind: 'pot_bank', normalBalance: 'debit', ownerType: 'pot', ownerId: 2 })),
    ).rejects.toMatchObject({ status: 409, code: 'ledger_account_conflict' })
  })

  test('ensuring the same account from many requests at once creates it once', async () => {
    const accounts = await Promise.all(
      Array.from({ length: 10 }, () => inTransaction((trx) => ensureAccount(trx, { code: 'shared', name: 'Shared', kind: 'pot_bank', normalBalance: 'debit' }))),
    )
    expect(new Set(accounts.map((a) => a.id)).size).toBe(1)
  })

  test('an unknown account is a 404', async () => {
    await expect(getAccount(h.db, 'nope')).rejects.toBeInstanceOf(LedgerAccountNotFoundError)
    await expect(balanceOf(h.db, 999)).rejects.toMatchObject({ status: 404 })
  })
})

describe('posting', () => {
  test('an entry moves money and updates both accounts in the same transaction', async () => {
    await openBooks()
    const { entry, replayed } = await inTransaction((trx) => postEntry(trx, { ...fund(125_050), memo: 'Q1 instalment', ref: { type: 'contribution', id: 1 } }))
    expect(replayed).toBe(false)
    expect(entry).toMatchObject({ amount_pence: 125_050, reason_code: 'contribution.received', memo: 'Q1 instalment', ref_type: 'contribution', ref_id: 1, reverses_entry_id: null })
    expect(await balances()).toEqual({ bank: 125_050, contribution: 125_050, grants: 0 })
    expect(await getAccount(h.db, 'pot:1:bank')).toMatchObject({ debits_posted_pence: 125_050, credits_posted_pence: 0 })
  })

  test('accounts can be named by id as well as by code', async () => {
    const { bank, contribution } = await openBooks()
    await inTransaction((trx) => postEntry(trx, { debit: bank.id, credit: contribution.id, amountPence: 10, reasonCode: 'test', idempotencyKey: 'k' }))
    expect(await balanceOf(h.db, bank.id)).toBe(10)
  })

  test('a repeated key with the same entry replays it and changes nothing', async () => {
    await openBooks()
    const first = await inTransaction((trx) => postEntry(trx, fund(5000)))
    const second = await inTransaction((trx) => postEntry(trx, { ...fund(5000), memo: 'typed differently the second time' }))
    expect(second).toEqual({ entry: first.entry, replayed: true })
    expect(await entryCount()).toBe(1)
    expect((await balances()).bank).toBe(5000)
  })

  test('a repeated key with a different amount is refused with 409', async () => {
    await openBooks()
    await inTransaction((trx) => postEntry(trx, fund(5000, 'same-key')))
    const attempt = inTransaction((trx) => postEntry(trx, fund(6000, 'same-key')))
    await expect(attempt).rejects.toBeInstanceOf(IdempotencyKeyReusedError)
    await expect(attempt).rejects.toMatchObject({ status: 409, code: 'idempotency_key_reused' })
    expect((await balances()).bank).toBe(5000)
  })

  test('a repeated key with different accounts, reason or ref is refused', async () => {
    await openBooks()
    await inTransaction((trx) => postEntry(trx, pay(1, 'k')))
    for (const change of [{ debit: 'contribution:1' }, { reasonCode: 'other' }, { ref: { type: 'tranche', id: 8 } }, { ref: null }]) {
      await expect(inTransaction((trx) => postEntry(trx, { ...pay(1, 'k'), ...change }))).rejects.toBeInstanceOf(IdempotencyKeyReusedError)
    }
  })

  test('an entry needs a positive whole amount, a key, a reason and two different existing accounts', async () => {
    await openBooks()
    for (const amountPence of [0, -1, 1.5, Number.NaN, 1e12 + 1]) {
      await expect(inTransaction((trx) => postEntry(trx, fund(amountPence, 'k')))).rejects.toBeInstanceOf(InvalidLedgerEntryError)
    }
    await expect(inTransaction((trx) => postEntry(trx, fund(1, '')))).rejects.toBeInstanceOf(InvalidLedgerEntryError)
    await expect(inTransaction((trx) => postEntry(trx, fund(1, 'x'.repeat(256))))).rejects.toBeInstanceOf(InvalidLedgerEntryError)
    await expect(inTransaction((trx) => postEntry(trx, { ...fund(1), reasonCode: ' ' }))).rejects.toBeInstanceOf(InvalidLedgerEntryError)
    await expect(inTransaction((trx) => postEntry(trx, { ...fund(1), credit: 'pot:1:bank' }))).rejects.toThrow('to itself')
    await expect(inTransaction((trx) => postEntry(trx, { ...fund(1), credit: 'missing' }))).rejects.toBeInstanceOf(LedgerAccountNotFoundError)
    await expect(inTransaction((trx) => postEntry(trx, fund(1), { ensureNonNegative: ['missing'] }))).rejects.toBeInstanceOf(LedgerAccountNotFoundError)
    expect(await entryCount()).toBe(0)
  })

  test('totals that would grow past what a number holds exactly are refused', async () => {
    await openBooks()
    await h.db.updateTable('ledger_accounts').set({ debits_posted_pence: Number.MAX_SAFE_INTEGER - 10 }).where('code', '=', 'pot:1:bank').execute()
    await expect(inTransaction((trx) => postEntry(trx, fund(100)))).rejects.toThrow('too large')
  })

  test('a posting that throws mid-transaction leaves no entry and no total change', async () => {
    await openBooks()
    await expect(
      inTransaction(async (trx) => {
        await postEntry(trx, fund(900))
        throw new Error('the offer letter failed to render')
      }),
    ).rejects.toThrow('offer letter')
    expect(await entryCount()).toBe(0)
    expect(await balances()).toEqual({ bank: 0, contribution: 0, grants: 0 })
  })
})

describe('balance limits', () => {
  test('spending more than an account holds is refused and writes nothing', async () => {
    await openBooks()
    await inTransaction((trx) => postEntry(trx, fund(1000)))
    const attempt = inTransaction((trx) => postEntry(trx, pay(1001, 'p1'), { ensureNonNegative: ['pot:1:bank'] }))
    await expect(attempt).rejects.toBeInstanceOf(InsufficientFundsError)
    await expect(attempt).rejects.toMatchObject({ status: 409, accountCode: 'pot:1:bank', availablePence: 1000, shortfallPence: 1 })
    await expect(attempt).rejects.toThrow('Pot 1 bank has £10.00 available, which is not enough: this would leave it at -£0.01.')
    expect(await entryCount()).toBe(1)
  })

  test('an account can be spent down to exactly zero', async () => {
    await openBooks()
    await inTransaction((trx) => postEntry(trx, fund(1000)))
    await inTransaction((trx) => postEntry(trx, pay(1000, 'p1'), { ensureNonNegative: ['pot:1:bank'] }))
    expect(await balances()).toEqual({ bank: 0, contribution: 1000, grants: 1000 })
  })

  test('a refused check inside a transaction the caller continues leaves the ledger untouched', async () => {
    await openBooks()
    await inTransaction(async (trx) => {
      await expect(postEntry(trx, pay(1, 'p1'), { ensureNonNegative: ['pot:1:bank'] })).rejects.toBeInstanceOf(InsufficientFundsError)
      await postEntry(trx, fund(50))
    })
    expect(await entryCount()).toBe(1)
    expect(await verifyLedger(h.db)).toMatchObject({ ok: true })
  })

  test('a linked set is checked on the balances it leaves, and is recorded whole or not at all', async () => {
    await openBooks()
    await inTransaction((trx) => postEntries(trx, [fund(500), pay(500, 'p1')], { ensureNonNegative: ['pot:1:bank'] }))
    expect(await balances()).toEqual({ bank: 0, contribution: 500, grants: 500 })
    await expect(
      inTransaction((trx) => postEntries(trx, [fund(100, 'f2'), pay(60, 'p2'), pay(60, 'p3')], { ensureNonNegative: ['pot:1:bank'] })),
    ).rejects.toBeInstanceOf(InsufficientFundsError)
    expect(await entryCount()).toBe(2)
    await expect(inTransaction((trx) => postEntries(trx, [fund(1, 'dup'), fund(2, 'dup')]))).rejects.toThrow('its own idempotency key')
    expect(await inTransaction((trx) => postEntries(trx, []))).toEqual([])
  })

  test('balanceOf reads the balance on the account’s normal side', async () => {
    await openBooks()
    await inTransaction((trx) => postEntries(trx, [fund(1000), pay(300, 'p1')]))
    expect(await balances()).toEqual({ bank: 700, contribution: 1000, grants: 300 })
    expect(await inTransaction((trx) => balanceOf(trx, 'pot:1:bank'))).toBe(700)
  })
})

describe('reversals', () => {
  test('a reversal puts both balances back and points at the original', async () => {
    await openBooks()
    const { entry } = await inTransaction((trx) => postEntries(trx, [fund(1000), pay(400, 'p1')])).then((r) => r[1])
    const reversal = await inTransaction((trx) => reverseEntry(trx, { entryId: entry.id, reasonCode: 'tranche.payment_failed', idempotencyKey: 'rev:p1' }))
    expect(reversal.entry).toMatchObject({
      debit_account_id: entry.credit_account_id,
      credit_account_id: entry.debit_account_id,
      amount_pence: 400,
      reverses_entry_id: entry.id,
      ref_type: 'tranche',
      ref_id: 7,
    })
    expect(await balances()).toEqual({ bank: 1000, contribution: 1000, grants: 0 })
  })

  test('an entry is reversed once; the same reversal again replays, a new one is refused', async () => {
    await openBooks()
    const { entry } = await inTransaction((trx) => postEntry(trx, fund(1000)))
    const reverse = (idempotencyKey: string) => inTransaction((trx) => reverseEntry(trx, { entryId: entry.id, reasonCode: 'mistake', idempotencyKey }))
    const first = await reverse('rev:1')
    expect(await reverse('rev:1')).toEqual({ entry: first.entry, replayed: true })
    await expect(reverse('rev:2')).rejects.toBeInstanceOf(EntryAlreadyReversedError)
    await expect(reverse('rev:2')).rejects.toMatchObject({ status: 409 })
    expect(await balances()).toEqual({ bank: 0, contribution: 0, grants: 0 })
  })

  test('a reversal may itself be reversed, restoring the original movement', async () => {
    await openBooks()
    const { entry } = await inTransaction((trx) => postEntry(trx, fund(1000)))
    const undo = await inTransaction((trx) => reverseEntry(trx, { entryId: entry.id, reasonCode: 'mistake', idempotencyKey: 'r1' }))
    await inTransaction((trx) => reverseEntry(trx, { entryId: undo.entry.id, reasonCode: 'mistake.undone', idempotencyKey: 'r2' }))
    expect(await balances()).toEqual({ bank: 1000, contribution: 1000, grants: 0 })
    expect(await entryCount()).toBe(3)
  })

  test('a reversal can be held to the same balance limits', async () => {
    await openBooks()
    const { entry } = await inTransaction((trx) => postEntry(trx, fund(1000)))
    await inTransaction((trx) => postEntry(trx, pay(600, 'p1')))
    await expect(
      inTransaction((trx) => reverseEntry(trx, { entryId: entry.id, reasonCode: 'contribution.withdrawn', idempotencyKey: 'r1' }, { ensureNonNegative: ['pot:1:bank'] })),
    ).rejects.toBeInstanceOf(InsufficientFundsError)
  })

  test('reversing an entry that does not exist is a 404', async () => {
    await expect(inTransaction((trx) => reverseEntry(trx, { entryId: 12345, reasonCode: 'x', idempotencyKey: 'r' }))).rejects.toBeInstanceOf(LedgerEntryNotFoundError)
  })
})

describe('verifyLedger', () => {
  test('an empty ledger and a busy one both verify', async () => {
    expect(await verifyLedger(h.db)).toMatchObject({ ok: true, entries: 0, accounts: 0, entriesTotalPence: 0, problems: [] })
    await openBooks()
    await inTransaction((trx) => postEntries(trx, [fund(1000), pay(300, 'p1'), pay(200, 'p2')]))
    expect(await verifyLedger(h.db, 2)).toEqual({
      ok: true,
      entries: 3,
      accounts: 3,
      entriesTotalPence: 1500,
      accountsDebitsPence: 1500,
      accountsCreditsPence: 1500,
      mismatchedAccounts: [],
      reversedMoreThanOnce: [],
      badReversals: [],
      problems: [],
    })
  })

  test('an account whose totals were edited by hand is reported', async () => {
    const { bank } = await openBooks()
    await inTransaction((trx) => postEntries(trx, [fund(1000), pay(300, 'p1')]))
    await h.db.updateTable('ledger_accounts').set({ credits_posted_pence: 0 }).where('id', '=', bank.id).execute()
    const report = await verifyLedger(h.db)
    expect(report.ok).toBe(false)
    expect(report.mismatchedAccounts).toEqual([
      { accountId: bank.id, code: 'pot:1:bank', recorded: { debitsPence: 1000, creditsPence: 0 }, fromEntries: { debitsPence: 1000, creditsPence: 300 } },
    ])
    expect(report.problems).toContain('accounts\' total debits (1300p) do not equal their total credits (1000p)')
  })

  test('an entry deleted by hand is reported against both its accounts', async () => {
    await openBooks()
    const [, paid] = await inTransaction((trx) => postEntries(trx, [fund(1000), pay(300, 'p1')]))
    await h.db.deleteFrom('ledger_entries').where('id', '=', paid.entry.id).execute()
    const report = await verifyLedger(h.db)
    expect(report.mismatchedAccounts.map((m) => m.code).sort()).toEqual(['grants:paid', 'pot:1:bank'])
    expect(report.problems.some((p) => p.includes("do not equal the entries' total (1000p)"))).toBe(true)
  })

  test('a reversal that does not mirror its original is reported', async () => {
    await openBooks()
    const { entry } = await inTransaction((trx) => postEntry(trx, fund(1000)))
    const undo = await inTransaction((trx) => reverseEntry(trx, { entryId: entry.id, reasonCode: 'mistake', idempotencyKey: 'r1' }))
    await h.db.updateTable('ledger_entries').set({ amount_pence: 999 }).where('id', '=', undo.entry.id).execute()
    const report = await verifyLedger(h.db)
    expect(report.badReversals).toEqual([undo.entry.id])
    expect(report.problems).toContain(`entry #${undo.entry.id} claims to reverse an entry it does not mirror`)
  })

  test('an entry reversed twice is reported once the UNIQUE constraint that prevents it is gone', async () => {
    await openBooks()
    const { entry } = await inTransaction((trx) => postEntry(trx, fund(1000)))
    const undo = await inTransaction((trx) => reverseEntry(trx, { entryId: entry.id, reasonCode: 'mistake', idempotencyKey: 'r1' }))
    // Rebuild the table without its constraints, as someone with direct database access could.
    await sql`create table ledger_entries_copy as select * from ledger_entries`.execute(h.db)
    await sql`drop table ledger_entries`.execute(h.db)
    await sql`alter table ledger_entries_copy rename to ledger_entries`.execute(h.db)
    const copy: Omit<LedgerEntry, 'created_at'> = { ...undo.entry, id: undo.entry.id + 1, idempotency_key: 'r2' }
    await h.db.insertInto('ledger_entries').values(copy).execute()
    const report = await verifyLedger(h.db)
    expect(report.reversedMoreThanOnce).toEqual([{ entryId: entry.id, reversals: 2 }])
    expect(report.problems).toContain(`entry #${entry.id} is reversed 2 times`)
  })
})

describe('invariants', () => {
  test('entries always balance, whatever sequence of postings and reversals is made', async () => {
    const accountCount = 5
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('post' as const), from: fc.nat(accountCount - 1), step: fc.integer({ min: 1, max: accountCount - 1 }), amount: fc.integer({ min: 1, max: 1e12 }) }),
      fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() }),
    )
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 20 }), fc.array(fc.constantFrom('debit' as const, 'credit' as const), { minLength: accountCount, maxLength: accountCount }), async (ops, sides) => {
        run++
        const model = new Map<string, number>()
        const codes = sides.map((_, i) => `run:${run}:account:${i}`)
        await inTransaction(async (trx) => {
          const posted: Array<{ entry: LedgerEntry; debit: string; credit: string; reversed: boolean }> = []
          const move = (debit: string, credit: string, amount: number) => {
            const side = (code: string) => sides[codes.indexOf(code)]
            model.set(debit, (model.get(debit) ?? 0) + (side(debit) === 'debit' ? amount : -amount))
            model.set(credit, (model.get(credit) ?? 0) + (side(credit) === 'credit' ? amount : -amount))
          }
          for (const [i, code] of codes.entries()) await ensureAccount(trx, { code, name: code, kind: 'test', normalBalance: sides[i] })
          for (const [n, op] of ops.entries()) {
            if (op.kind === 'post') {
              const debit = codes[op.from]
              const credit = codes[(op.from + op.step) % accountCount]
              const { entry } = await postEntry(trx, { debit, credit, amountPence: op.amount, reasonCode: 'test', idempotencyKey: `run:${run}:${n}` })
              posted.push({ entry, debit, credit, reversed: false })
              move(debit, credit, op.amount)
            } else if (posted.length > 0) {
              const target = posted[op.pick % posted.length]
              const reverse = () => reverseEntry(trx, { entryId: target.entry.id, reasonCode: 'test.reversed', idempotencyKey: `run:${run}:${n}` })
              if (target.reversed) {
                await expect(reverse()).rejects.toBeInstanceOf(EntryAlreadyReversedError)
                continue
              }
              const { entry } = await reverse()
              target.reversed = true
              posted.push({ entry, debit: target.credit, credit: target.debit, reversed: false })
              move(target.credit, target.debit, target.entry.amount_pence)
            }
          }
        })
        expect(await verifyLedger(h.db)).toMatchObject({ ok: true, problems: [] })
        const rows = await h.db.selectFrom('ledger_accounts').selectAll().where('code', 'in', codes).execute()
        let debitSideMinusCreditSide = 0
        for (const row of rows) {
          const balance = balanceFromTotals(row.normal_balance, row.debits_posted_pence, row.credits_posted_pence)
          expect(balance).toBe(model.get(row.code) ?? 0)
          debitSideMinusCreditSide += row.normal_balance === 'debit' ? balance : -balance
        }
        expect(debitSideMinusCreditSide).toBe(0)
      }),
      { numRuns: 25 },
    )
  })
})

describe('concurrency', () => {
  test('50 parallel payments against one funded pot never overdraw it', async () => {
    await openBooks()
    await inTransaction((trx) => postEntry(trx, fund(100_000)))
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => inTransaction((trx) => postEntry(trx, pay(3000, `pay:${i}`), { ensureNonNegative: ['pot:1:bank'] }))),
    )
    const paid = outcomes.filter((o) => o.status === 'fulfilled').length
    const refused = outcomes.filter((o) => o.status === 'rejected')
    expect(paid).toBe(33)
    expect(refused).toHaveLength(17)
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(InsufficientFundsError)
    expect(await balances()).toEqual({ bank: 1000, contribution: 100_000, grants: 99_000 })
    expect(await verifyLedger(h.db)).toMatchObject({ ok: true })
  })

  test('the same key posted by many requests at once records one entry', async () => {
    await openBooks()
    const results = await Promise.all(Array.from({ length: 10 }, () => inTransaction((trx) => postEntry(trx, fund(700, 'double-click')))))
    expect(results.filter((r) => !r.replayed)).toHaveLength(1)
    expect(new Set(results.map((r) => r.entry.id)).size).toBe(1)
    expect(await entryCount()).toBe(1)
    expect((await balances()).bank).toBe(700)
  })

  test('a key taken by a transaction still in flight is refused for a different entry once that one commits', async () => {
    const { grants } = await openBooks()
    await inTransaction((trx) => ensureAccount(trx, { code: 'other', name: 'Other', kind: 'test', normalBalance: 'credit' }))
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let posted!: () => void
    const firstPosted = new Promise<void>((resolve) => (posted = resolve))
    const first = inTransaction(async (trx) => {
      await postEntry(trx, fund(100, 'contested'))
      posted()
      await gate
    })
    await firstPosted
    // Different accounts, so no account lock orders the two: the second waits on the key itself (PostgreSQL) or on
    // the write lock (SQLite), then finds the key taken.
    const second = inTransaction((trx) => postEntry(trx, { debit: grants.id, credit: 'other', amountPence: 100, reasonCode: 'contribution.received', idempotencyKey: 'contested' }))
    await new Promise((resolve) => setTimeout(resolve, 100))
    release()
    await first
    await expect(second).rejects.toBeInstanceOf(IdempotencyKeyReusedError)
    expect(await entryCount()).toBe(1)
    expect(await verifyLedger(h.db)).toMatchObject({ ok: true })
  })

  test('two reversals of one entry at once: one is recorded, the other is refused', async () => {
    await openBooks()
    const { entry } = await inTransaction((trx) => postEntry(trx, fund(1000)))
    const outcomes = await Promise.allSettled(
      ['a', 'b'].map((k) => inTransaction((trx) => reverseEntry(trx, { entryId: entry.id, reasonCode: 'mistake', idempotencyKey: `rev:${k}` }))),
    )
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult
    expect(refused.reason).toBeInstanceOf(EntryAlreadyReversedError)
    expect(await balances()).toEqual({ bank: 0, contribution: 0, grants: 0 })
  })
})
