/**
 * The funder dashboard's first page and a pot's dashboard (places as they were) are kept until the funding count of
 * changes moves (~/lib/kept-until-changed.server.ts). These tests check they are never out of date: every table they
 * read is counted, each kind of change is in the next view (compared with a fresh read, which a transaction always
 * makes), and nothing read in a transaction is kept.
 */
import { sql, type Transaction } from 'kysely'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createDatabase, type DatabaseHandle } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { dataVersion } from '~/lib/kept-until-changed.server.ts'
import { countedTables, statementRecorder } from '../../../tests/factories/change-counts.ts'
import { createPaymentScenario, type PaymentScenario } from '../../../tests/factories/payments.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { freshDatabaseOptions } from '../../../tests/setup/test-database.ts'
import { keptFirstPages, funderDashboardPage } from '../funders/dashboard.server.ts'
import { markTranchePaid, markTranchesSent } from '../payments/tranches.server.ts'
import { recordReceipt } from './contributions.server.ts'
import { keptPotDashboards, potDashboard } from './reports.server.ts'

let h: DatabaseHandle
let s: PaymentScenario
let financeId: number
let funderIds: number[]
const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => h.db.transaction().execute(fn)
const PAGE = { places: 10 }

beforeAll(async () => {
  h = createDatabase(await freshDatabaseOptions())
  s = await createPaymentScenario(h.db)
  financeId = (await createUserWithRole(h.db, 'finance_officer')).id
  await s.acceptedAward({ amountPence: 100_000 })
  funderIds = (await h.db.selectFrom('contributions').select('funder_id').where('pot_id', '=', s.potId).execute()).map((r) => r.funder_id)
}, 120_000)
afterAll(async () => {
  await h.close()
})

/** Both dashboards as kept (or read and kept), and as a fresh read in a transaction, which keeps and uses nothing. */
async function keptAndFresh() {
  return {
    kept: { funder: await funderDashboardPage(h.db, funderIds, PAGE), pot: await potDashboard(h.db, s.potId) },
    fresh: await tx(async (trx) => ({ funder: await funderDashboardPage(trx, funderIds, PAGE), pot: await potDashboard(trx, s.potId) })),
  }
}

describe('dashboards kept until the funding count moves', () => {
  test('they read only tables whose changes move the funding count', async () => {
    const recorder = await statementRecorder(h.db)
    // Several funders: the places' award counts are then read across them as well.
    await funderDashboardPage(recorder.db, funderIds, PAGE)
    await potDashboard(recorder.db, s.potId)
    const counted = await countedTables(h.db, 'funding')
    expect(recorder.tables.size).toBeGreaterThan(5)
    expect([...recorder.tables].filter((t) => t !== 'data_versions' && !counted.has(t))).toEqual([])
  })

  test('an application moved to another place moves the count; an answer saved does not', async () => {
    const application = await h.db.selectFrom('applications').select(['id', 'place_id']).orderBy('id').executeTakeFirstOrThrow()
    const other = await h.db.selectFrom('places').select('id').where('id', '!=', application.place_id ?? 0).orderBy('id').executeTakeFirstOrThrow()
    let before = await dataVersion(h.db, 'funding')
    await h.db.updateTable('applications').set({ title: 'Renamed project' }).where('id', '=', application.id).execute()
    expect(await dataVersion(h.db, 'funding')).toBe(before)
    await h.db.updateTable('applications').set({ place_id: other.id }).where('id', '=', application.id).execute()
    expect(await dataVersion(h.db, 'funding')).toBeGreaterThan(before)
    before = await dataVersion(h.db, 'funding')
    await h.db.updateTable('applications').set({ place_id: application.place_id }).where('id', '=', application.id).execute()
    expect(await dataVersion(h.db, 'funding')).toBeGreaterThan(before)
  })

  test('are kept and shown again while nothing they read changes', async () => {
    const first = await keptAndFresh()
    expect(first.kept).toEqual(first.fresh)
    const version = await dataVersion(h.db, 'funding')
    expect(await funderDashboardPage(h.db, funderIds, PAGE)).toBe(first.kept.funder)
    expect(await potDashboard(h.db, s.potId)).toBe(first.kept.pot)
    expect(keptPotDashboards.get(h.db, String(s.potId), version)).toBe(first.kept.pot)
    expect(keptPotDashboards.get(h.db, String(s.potId), version + 1)).toBeUndefined()
    // Frozen all the way down: no caller can change what the next one is given.
    expect(() => (first.kept.pot.byPlace as unknown[]).push(null)).toThrow(TypeError)
    expect(Object.isFrozen(first.kept.funder.contributions[0]!.figures)).toBe(true)
    // A later page of contributions is read each time.
    expect(keptFirstPages.get(h.db, `${[...funderIds].sort((a, b) => a - b).join(',')} 10 10`, version)).toBe(first.kept.funder)
  })

  test('are never out of date: money received, committed and paid, and names changed, are in the next view', async () => {
    const same = async (what: string) => {
      const { kept, fresh } = await keptAndFresh()
      expect(kept, what).toEqual(fresh)
      return kept
    }
    const start = await same('to begin with')
    // Money received against a pledge (the ledger and the contribution's maintained figures).
    await tx((trx) => recordReceipt(trx, s.managerUserId, { contributionId: s.contributions.lottery, amountPence: 12_345, receivedOn: '2026-11-20', reference: 'KEPT-1', idempotencyKey: `kept-${Date.now()}`, overPledgeReason: 'A second grant from the same programme' }))
    const received = await same('after a receipt')
    expect(received.pot.totals.receivedPence).toBe(start.pot.totals.receivedPence + 12_345)
    // A new award committed and scheduled, then paid.
    const award = await s.acceptedAward({ amountPence: 60_000 })
    const committed = await same('after an award')
    expect(committed.pot.totals.committedPence).toBe(received.pot.totals.committedPence + 60_000)
    await s.run(financeId, award.trancheIds)
    await tx((trx) => markTranchesSent(trx, financeId, { trancheIds: award.trancheIds }))
    for (const trancheId of award.trancheIds) await tx((trx) => markTranchePaid(trx, null, { trancheId, paidOn: '2026-11-21', source: 'bank_statement' }))
    const paid = await same('after a payment')
    expect(paid.pot.totals.paidPence).toBeGreaterThan(committed.pot.totals.paidPence)
    // Names typed into the database: a funder, a pot, a place.
    await sql`update funders set name = 'Renamed funder' where id = ${funderIds[0]}`.execute(h.db)
    expect((await same('after a funder renamed')).funder.funders.map((f) => f.funderName)).toContain('Renamed funder')
    await sql`update pots set name = 'Renamed pot' where id = ${s.potId}`.execute(h.db)
    expect((await same('after a pot renamed')).pot.pot.name).toBe('Renamed pot')
    await sql`update places set name = 'Renamed place' where id = ${s.placeId}`.execute(h.db)
    expect((await same('after a place renamed')).pot.byPlace.map((p) => p.placeName)).toContain('Renamed place')
  })

  test('nothing is kept or used in a transaction, whose writes may roll back', async () => {
    const before = await potDashboard(h.db, s.potId)
    await tx(async (trx) => {
      await trx.updateTable('pots').set({ name: 'Renamed, then rolled back' }).where('id', '=', s.potId).execute()
      expect((await potDashboard(trx, s.potId)).pot.name).toBe('Renamed, then rolled back')
      throw new Error('roll back')
    }).catch((e: unknown) => {
      if (!(e instanceof Error) || e.message !== 'roll back') throw e
    })
    expect(await potDashboard(h.db, s.potId)).toBe(before)
  })
})
