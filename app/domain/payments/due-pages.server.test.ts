/**
 * Payments due a page at a time (dueTranchesPage: keyset on due date and id, with the count and total of all of them)
 * and the count of payments that can go in a run today (countPayableTranches), both against listDueTranches.
 */
import { sql, type Transaction } from 'kysely'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { openDataVersion } from '~/lib/kept-until-changed.server.ts'
import { createDatabase, type DatabaseHandle } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { countedTables, tablesNamedIn } from '../../../tests/factories/change-counts.ts'
import { createPaymentScenario, type PaymentScenario } from '../../../tests/factories/payments.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { freshDatabaseOptions } from '../../../tests/setup/test-database.ts'
import { countPayableTranches, dueTotalsStatement, dueTranchesPage, formatDueCursor, keptDueTotals, listDueTranches, markTranchePaid, markTranchesSent, parseDueCursor } from './tranches.server.ts'

let h: DatabaseHandle
let s: PaymentScenario
let financeId: number
const LATER = '2030-01-01'
const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => h.db.transaction().execute(fn)

beforeAll(async () => {
  h = createDatabase(await freshDatabaseOptions())
  s = await createPaymentScenario(h.db)
  const finance = await createUserWithRole(h.db, 'finance_officer')
  financeId = finance.id
  // Due now and payable; three yearly tranches (the later ones wait for returns); one held by an outstanding condition;
  // one without checked bank details (due, payable as far as the tranche goes); one already paid.
  await s.acceptedAward({ amountPence: 100_000 })
  await s.acceptedAward({ amountPence: 600_000, schedule: { kind: 'yearly', years: 3, amountPerYearPence: 200_000, startDate: '2026-11-01' } })
  await s.acceptedAward({ amountPence: 150_000, conditions: ['Send us your safeguarding policy'], conditionsOutstanding: true })
  await s.acceptedAward({ amountPence: 120_000, bank: 'unverified' })
  const paid = await s.acceptedAward({ amountPence: 90_000 })
  await s.run(finance.id, paid.trancheIds)
  await tx((trx) => markTranchesSent(trx, finance.id, { trancheIds: paid.trancheIds }))
  await tx((trx) => markTranchePaid(trx, null, { trancheId: paid.trancheIds[0]!, paidOn: '2026-11-21', source: 'bank_statement' }))
}, 120_000)
afterAll(async () => {
  await h.close()
})

describe('dueTranchesPage', () => {
  test('pages through every due payment in order, the next page starting after the last row, and back again', async () => {
    const all = await listDueTranches(h.db, { today: LATER })
    expect(all.length).toBe(6)
    const first = await dueTranchesPage(h.db, { today: LATER, limit: 4 })
    expect(first.tranches.map((t) => t.id)).toEqual(all.slice(0, 4).map((t) => t.id))
    expect(first.previous).toBeNull()
    expect(first.next).toEqual({ dueDate: all[3]!.dueDate, id: all[3]!.id })
    const second = await dueTranchesPage(h.db, { today: LATER, limit: 4, after: first.next })
    expect(second.tranches.map((t) => t.id)).toEqual(all.slice(4).map((t) => t.id))
    expect(second.next).toBeNull()
    const back = await dueTranchesPage(h.db, { today: LATER, limit: 4, before: second.previous })
    expect(back.tranches.map((t) => t.id)).toEqual(first.tranches.map((t) => t.id))
    expect(back.previous).toBeNull()
    expect(back.next).toEqual(first.next)
    expect(second.tranches.map((t) => t.reasons)).toEqual(all.slice(4).map((t) => t.reasons))
  })

  test('counts and totals every due payment, not just the page, the same on every page', async () => {
    for (const today of [LATER, '2026-11-21']) {
      const all = await listDueTranches(h.db, { today })
      const page = await dueTranchesPage(h.db, { today, limit: 1 })
      expect(page.count).toBe(all.length)
      expect(page.totalPence).toBe(all.reduce((sum, t) => sum + t.amountPence, 0))
      expect(page.tranches).toHaveLength(Math.min(1, all.length))
    }
  })

  test('one row a page, forwards then back, each page of the same shape reads from its own cursor', async () => {
    const all = await listDueTranches(h.db, { today: LATER })
    const forwards: number[] = []
    let page = await dueTranchesPage(h.db, { today: LATER, limit: 1 })
    forwards.push(...page.tranches.map((t) => t.id))
    while (page.next) {
      page = await dueTranchesPage(h.db, { today: LATER, limit: 1, after: page.next })
      forwards.push(...page.tranches.map((t) => t.id))
    }
    expect(forwards).toEqual(all.map((t) => t.id))
    const backwards: number[] = []
    while (page.previous) {
      page = await dueTranchesPage(h.db, { today: LATER, limit: 1, before: page.previous })
      backwards.unshift(...page.tranches.map((t) => t.id))
    }
    expect(backwards).toEqual(all.slice(0, -1).map((t) => t.id))
  })

  test('a cursor is written and read back; anything else is no cursor', () => {
    expect(parseDueCursor(formatDueCursor({ dueDate: '2026-11-01', id: 42 }))).toEqual({ dueDate: '2026-11-01', id: 42 })
    for (const bad of [null, '', '2026-11-01', '42', '2026-11-01.x', "2026-11-01.1' or 1=1"]) expect(parseDueCursor(bad)).toBeNull()
  })
})

describe('countPayableTranches', () => {
  test('counts what listDueTranches finds with nothing in its way, and their total', async () => {
    for (const today of [LATER, '2026-11-21', '2020-01-01']) {
      const payable = (await listDueTranches(h.db, { today })).filter((t) => t.reasons.length === 0)
      expect(await countPayableTranches(h.db, today)).toEqual({ count: payable.length, totalPence: payable.reduce((sum, t) => sum + t.amountPence, 0) })
    }
    const later = await countPayableTranches(h.db, LATER)
    // The payable-now award, the first yearly tranche and the unchecked-bank award (a payee problem, not the tranche's).
    expect(later).toEqual({ count: 3, totalPence: 100_000 + 200_000 + 120_000 })
  })
})

describe('the count and total of payments due, kept until the open-data version moves', () => {
  /** The page's count and total, and what listing every due payment gives. */
  async function totalsNow(db: DatabaseHandle['db'] | Transaction<DB>, today = LATER) {
    const page = await dueTranchesPage(db, { today, limit: 1 })
    const all = await listDueTranches(db, { today })
    return { page: { count: page.count, totalPence: page.totalPence }, listed: { count: all.length, totalPence: all.reduce((sum, t) => sum + t.amountPence, 0) } }
  }

  test('its query reads only tables whose every change moves the version, and reads the version in the same statement', async () => {
    const statement = dueTotalsStatement(h.db, LATER)
    const tables = tablesNamedIn(statement.sql, await h.db.introspection.getTables())
    expect([...tables].sort()).toEqual(['awards', 'data_versions', 'tranches'])
    const counted = await countedTables(h.db)
    expect([...tables].filter((t) => t !== 'data_versions' && !counted.has(t))).toEqual([])
  })

  test('is kept for the day and version it was read at, and is never out of date after a change to a tranche or an award', async () => {
    const before = await totalsNow(h.db)
    expect(before.page).toEqual(before.listed)
    expect(keptDueTotals.get(h.db, LATER, await openDataVersion(h.db))).toEqual(before.page)
    expect(keptDueTotals.get(h.db, LATER, (await openDataVersion(h.db)) + 1)).toBeUndefined()

    // A new award with a payment due: tranches and awards written.
    const award = await s.acceptedAward({ amountPence: 70_000 })
    const added = await totalsNow(h.db)
    expect(added.page).toEqual(added.listed)
    expect(added.page).toEqual({ count: before.page.count + 1, totalPence: before.page.totalPence + 70_000 })

    // A tranche put in a payment run is no longer due.
    await s.run(financeId, award.trancheIds)
    const inRun = await totalsNow(h.db)
    expect(inRun.page).toEqual(inRun.listed)
    expect(inRun.page).toEqual(before.page)

    // A change to an award alone (typed into the database, say): its payments are due only while it is accepted.
    const due = await listDueTranches(h.db, { today: LATER })
    const awardId = due[0]!.awardId
    await sql`update awards set status = 'declined' where id = ${awardId}`.execute(h.db)
    const declined = await totalsNow(h.db)
    expect(declined.page).toEqual(declined.listed)
    expect(declined.page.count).toBeLessThan(before.page.count)
    await sql`update awards set status = 'accepted' where id = ${awardId}`.execute(h.db)
    expect((await totalsNow(h.db)).page).toEqual(before.page)

    // Another day is counted for itself.
    const earlier = await totalsNow(h.db, '2020-01-01')
    expect(earlier.page).toEqual({ count: 0, totalPence: 0 })
  })

  test('a transaction sees its own changes, and nothing counted inside one is kept', async () => {
    const before = await totalsNow(h.db)
    const [first] = await listDueTranches(h.db, { today: LATER })
    const rolledBack = tx(async (trx) => {
      await trx.updateTable('tranches').set({ status: 'cancelled' }).where('id', '=', first!.id).execute()
      const inside = await totalsNow(trx)
      expect(inside.page).toEqual(inside.listed)
      expect(inside.page).toEqual({ count: before.page.count - 1, totalPence: before.page.totalPence - first!.amountPence })
      throw new Error('roll back')
    })
    await expect(rolledBack).rejects.toThrow('roll back')
    expect((await totalsNow(h.db)).page).toEqual(before.page)

    // Had the transaction's count been kept under the version it had moved to, this other change, which moves the
    // version to the same number once committed, would be shown that count.
    const [second] = (await listDueTranches(h.db, { today: LATER })).slice(-1)
    await tx((trx) => trx.updateTable('tranches').set({ status: 'cancelled' }).where('id', '=', second!.id).execute())
    const after = await totalsNow(h.db)
    expect(after.page).toEqual(after.listed)
    expect(after.page).toEqual({ count: before.page.count - 1, totalPence: before.page.totalPence - second!.amountPence })
  })
})
