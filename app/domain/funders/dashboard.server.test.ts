/**
 * The funder dashboard's sums in SQL (funderDashboard) give the same figures, leverage and places as the full
 * funderView, and the awards a contribution funded come a page at a time (fundedAwardsPage), scoped to the viewer's
 * funders.
 */
import type { Transaction } from 'kysely'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createDatabase, type DatabaseHandle } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { createPaymentScenario, type PaymentScenario } from '../../../tests/factories/payments.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { freshDatabaseOptions } from '../../../tests/setup/test-database.ts'
import { rebuildPlaceFigures } from '../budgets/place-figures.server.ts'
import { funderView } from '../budgets/reports.server.ts'
import { markTranchePaid, markTranchesSent } from '../payments/tranches.server.ts'
import { funderDashboard, funderDashboardPage, fundedAwardsPage } from './dashboard.server.ts'

let h: DatabaseHandle
let s: PaymentScenario
let funderIds: { nhs: number; lottery: number; council: number }
let otherPlaceId: number
const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => h.db.transaction().execute(fn)

beforeAll(async () => {
  h = createDatabase(await freshDatabaseOptions())
  s = await createPaymentScenario(h.db)
  const finance = await createUserWithRole(h.db, 'finance_officer')
  const awards = [await s.acceptedAward({ amountPence: 100_000 }), await s.acceptedAward({ amountPence: 240_000 }), await s.acceptedAward({ amountPence: 90_000 })]
  // Two of them paid, so "paid" per place and per award is more than zero.
  const paidTranches = [awards[0]!.trancheIds[0]!, awards[2]!.trancheIds[0]!]
  await s.run(finance.id, paidTranches)
  await tx((trx) => markTranchesSent(trx, finance.id, { trancheIds: paidTranches }))
  for (const trancheId of paidTranches) await tx((trx) => markTranchePaid(trx, null, { trancheId, paidOn: '2026-11-21', source: 'bank_statement' }))
  // The largest award's project works in another place (moved after its commitment, the place figures rebuilt), so
  // the money reaches two places.
  const award = await h.db.selectFrom('awards').select('application_id').where('id', '=', awards[1]!.awardId).executeTakeFirstOrThrow()
  const elsewhere = await h.db.selectFrom('places').select('id').where('id', '!=', s.placeId).orderBy('id').executeTakeFirstOrThrow()
  await h.db.updateTable('applications').set({ place_id: elsewhere.id }).where('id', '=', award.application_id).execute()
  await rebuildPlaceFigures(h.db)
  otherPlaceId = elsewhere.id
  const rows = await h.db.selectFrom('contributions').select(['id', 'funder_id']).where('pot_id', '=', s.potId).execute()
  const funderOf = (id: number) => rows.find((r) => r.id === id)!.funder_id
  funderIds = { nhs: funderOf(s.contributions.nhs), lottery: funderOf(s.contributions.lottery), council: funderOf(s.contributions.council) }
}, 120_000)
afterAll(async () => {
  await h.close()
})

/**
 * funderView's answer in funderDashboard's shape: each contribution's awards counted, not listed, and the
 * contributions grouped by funder in the funders' order (the dashboard lists each funder's under its name).
 */
async function expected(ids: number[]) {
  const view = await funderView(h.db, ids)
  const contributions = view.funders.flatMap((f) => view.contributions.filter((c) => c.funderId === f.funderId))
  return { ...view, contributions: contributions.map((c) => ({ ...c, awards: c.awards.length })) }
}

describe('funderDashboard', () => {
  test('gives one funder the same figures, leverage, award counts and places as funderView, with money paid', async () => {
    const dashboard = await funderDashboard(h.db, [funderIds.nhs])
    expect(dashboard).toEqual(await expected([funderIds.nhs]))
    expect(dashboard.byPlace.reduce((sum, p) => sum + p.paidPence, 0)).toBeGreaterThan(0)
    expect(dashboard.contributions[0]!.awards).toBe(3)
  })

  test('gives a viewer of several funders the same as funderView, each award counted once per place', async () => {
    const ids = [funderIds.nhs, funderIds.lottery, funderIds.council]
    const dashboard = await funderDashboard(h.db, ids)
    expect(dashboard).toEqual(await expected(ids))
    expect(dashboard.byPlace.reduce((sum, p) => sum + p.awards, 0)).toBe(3)
  })

  test('gives each viewer their own funder’s figures from statements compiled once for all of them', async () => {
    for (const id of [funderIds.lottery, funderIds.nhs, funderIds.council, funderIds.lottery]) expect(await funderDashboard(h.db, [id])).toEqual(await expected([id]))
  })

  test('shows nothing to a viewer with no funder', async () => {
    expect(await funderDashboard(h.db, [])).toEqual({ funders: [], contributions: [], byPlace: [] })
  })
})

describe('funderDashboardPage', () => {
  test('pages through the contributions (funder by name, then the dashboard order) with whole totals, leverage and places', async () => {
    const ids = [funderIds.nhs, funderIds.lottery, funderIds.council]
    const whole = await funderDashboard(h.db, ids)
    const inOrder = whole.funders.flatMap((f) => whole.contributions.filter((c) => c.funderId === f.funderId))
    const seen = []
    let page = await funderDashboardPage(h.db, ids, { limit: 1 })
    expect(page.previous).toBeNull()
    for (;;) {
      expect(page.funders).toEqual(whole.funders)
      expect(page.byPlace).toEqual(whole.byPlace)
      expect(page.contributionCounts).toEqual({ [funderIds.nhs]: 1, [funderIds.lottery]: 1, [funderIds.council]: 1 })
      expect(page.contributions).toHaveLength(1)
      seen.push(...page.contributions)
      if (!page.next) break
      page = await funderDashboardPage(h.db, ids, { limit: 1, after: page.next })
    }
    expect(seen).toEqual(inOrder)
    const back = await funderDashboardPage(h.db, ids, { limit: 1, before: page.previous })
    expect(back.contributions).toEqual([inOrder[1]])
    expect([back.previous, back.next]).toEqual([inOrder[1]!.contributionId, inOrder[1]!.contributionId])
    // An id that is not one of theirs starts from the first page.
    expect((await funderDashboardPage(h.db, [funderIds.nhs], { after: s.contributions.lottery })).contributions.map((c) => c.contributionId)).toEqual([s.contributions.nhs])
    expect(await funderDashboardPage(h.db, [])).toEqual({ funders: [], contributions: [], byPlace: [], placeCount: 0, contributionCounts: {}, next: null, previous: null })
  })

  test('lists the places most committed first, the first `places` of them, with how many there are in all', async () => {
    for (const ids of [[funderIds.nhs], [funderIds.nhs, funderIds.lottery, funderIds.council]]) {
      const whole = await funderDashboard(h.db, ids)
      expect(whole.byPlace.map((p) => p.placeId)).toEqual([otherPlaceId, s.placeId])
      const page = await funderDashboardPage(h.db, ids, { places: 1 })
      expect(page.byPlace).toEqual(whole.byPlace.slice(0, 1))
      expect(page.placeCount).toBe(2)
      expect((await funderDashboardPage(h.db, ids)).placeCount).toBe(2)
    }
    // The page sizes are written into the statements' text, so only whole numbers are taken.
    await expect(funderDashboardPage(h.db, [funderIds.nhs], { places: 2.5 })).rejects.toThrow(RangeError)
  })
})

describe('fundedAwardsPage', () => {
  test('lists the awards a contribution funds a page at a time, next and previous, with the count and total of all', async () => {
    const all = (await funderView(h.db, [funderIds.nhs])).contributions[0]!.awards
    const first = await fundedAwardsPage(h.db, { funderIds: [funderIds.nhs], contributionId: s.contributions.nhs, limit: 2 })
    expect(first).not.toBeNull()
    expect(first!.count).toBe(3)
    expect(first!.committedPence).toBe(all.reduce((sum, a) => sum + a.committedPence, 0))
    expect(first!.awards).toHaveLength(2)
    expect(first!.previous).toBeNull()
    const second = await fundedAwardsPage(h.db, { funderIds: [funderIds.nhs], contributionId: s.contributions.nhs, limit: 2, after: first!.next })
    expect(second!.awards).toHaveLength(1)
    expect(second!.next).toBeNull()
    const listed = [...first!.awards, ...second!.awards].map(({ commitmentId: _c, ...a }) => a)
    expect(listed.sort((a, b) => a.awardId - b.awardId)).toEqual([...all].sort((a, b) => a.awardId - b.awardId))
    expect(listed.some((a) => a.paidPence > 0)).toBe(true)
    const back = await fundedAwardsPage(h.db, { funderIds: [funderIds.nhs], contributionId: s.contributions.nhs, limit: 2, before: second!.previous })
    expect(back!.awards).toEqual(first!.awards)
    expect(back!.next).toBe(first!.next)
  })

  test("is null for another funder's contribution", async () => {
    expect(await fundedAwardsPage(h.db, { funderIds: [funderIds.nhs], contributionId: s.contributions.lottery })).toBeNull()
    expect(await fundedAwardsPage(h.db, { funderIds: [], contributionId: s.contributions.nhs })).toBeNull()
  })
})
