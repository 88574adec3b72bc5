/**
 * The fund manager's returns list, a page at a time, and the counts on its tabs: pages follow each other without
 * gaps or repeats, and the counts equal a count of the returns themselves (only of awards accepted or completed), in
 * every fund, in one fund or in one round; the filter by fund, then by one of its rounds.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { createReturnScenario } from '../../../tests/factories/returns.ts'
import { db } from '~/lib/db.server.ts'
import { ukToday } from '../places/places.server.ts'
import { OPEN_RETURN_STATUSES, RETURN_LIST_VIEWS } from './return-schedule.ts'
import { countReturnsByView, listReturnsForReview, resolveReturnFilter, returnFilterFunds, RETURNS_PER_PAGE, roundsWithReturns } from './review.server.ts'
import { rebuildReturnReviewCounts } from './review-counts.server.ts'

const today = ukToday()
let roundId: number
let fundId: number
let otherRoundId: number
let otherFundId: number

async function addReturns(awardId: number, count: number, make: (i: number) => { status: string; due_date: string; submitted_at?: string | null }) {
  for (let i = 0; i < count; i++) {
    const r = make(i)
    await db.insertInto('returns').values({ award_id: awardId, kind: 'interim', period_label: `Extra ${i}`, due_date: r.due_date, status: r.status, submitted_at: r.submitted_at ?? null }).execute()
  }
}

beforeAll(async () => {
  const s = await createReturnScenario(db)
  roundId = s.roundId
  fundId = s.fundId
  const award = await s.awardWithReturns({ startDate: '2020-01-01' })
  // 70 sent for review (some at the same moment), 60 overdue, 5 due later, 3 accepted.
  await addReturns(award.awardId, 70, (i) => ({ status: 'submitted', due_date: '2021-01-01', submitted_at: `2021-02-${String(1 + (i % 20)).padStart(2, '0')}T10:00:00.000Z` }))
  await addReturns(award.awardId, 60, (i) => ({ status: OPEN_RETURN_STATUSES[i % 3]!, due_date: `2021-${String(1 + (i % 12)).padStart(2, '0')}-15` }))
  await addReturns(award.awardId, 5, (i) => ({ status: 'expected', due_date: `2099-0${1 + i}-01` }))
  await addReturns(award.awardId, 3, () => ({ status: 'accepted', due_date: '2020-06-01', submitted_at: '2020-06-01T10:00:00.000Z' }))
  // An award the group turned down keeps its returns in the table; they are never listed or counted.
  const s2 = await createReturnScenario(db)
  otherRoundId = s2.roundId
  otherFundId = s2.fundId
  const cancelled = await s2.awardWithReturns({ startDate: '2020-01-01' })
  await db.updateTable('awards').set({ status: 'cancelled' }).where('id', '=', cancelled.awardId).execute()
  await addReturns(cancelled.awardId, 4, (i) => ({ status: i % 2 ? 'submitted' : 'expected', due_date: i < 2 ? '2021-01-01' : '2099-01-01', submitted_at: i % 2 ? '2021-03-01T10:00:00.000Z' : null }))
  // The rows above were written directly, not by the domain functions that keep the tabs' counts: recount them.
  await rebuildReturnReviewCounts(db)
})

/** The counts worked out the slow way: every open or sent return of an accepted or completed award, read and sorted here. */
async function countedByHand(filter: { round?: number; fund?: number } = {}) {
  let query = db
    .selectFrom('returns')
    .innerJoin('awards', 'awards.id', 'returns.award_id')
    .innerJoin('rounds', 'rounds.id', 'awards.round_id')
    .select(['returns.status', 'returns.due_date'])
    .where('awards.status', 'in', ['accepted', 'completed'])
  if (filter.round) query = query.where('awards.round_id', '=', filter.round)
  if (filter.fund) query = query.where('rounds.fund_id', '=', filter.fund)
  const rows = await query.execute()
  const open = (s: string) => (OPEN_RETURN_STATUSES as readonly string[]).includes(s)
  return {
    awaiting_review: rows.filter((r) => r.status === 'submitted').length,
    overdue: rows.filter((r) => open(r.status) && r.due_date < today).length,
    due: rows.filter((r) => open(r.status) && r.due_date >= today).length,
  }
}

describe('countReturnsByView', () => {
  test('equals a count of the returns themselves, across every round, in one fund and in one round, leaving out awards not accepted', async () => {
    const all = await countReturnsByView(db, { today })
    expect(all).toEqual(await countedByHand())
    expect(all.awaiting_review).toBe(70)
    expect(all.overdue).toBeGreaterThanOrEqual(60)
    expect(await countReturnsByView(db, { roundId, today })).toEqual(await countedByHand({ round: roundId }))
    expect(await countReturnsByView(db, { fundId, today })).toEqual(await countedByHand({ fund: fundId }))
    expect((await countReturnsByView(db, { fundId, today })).awaiting_review).toBe(70)
    expect(await countReturnsByView(db, { roundId: otherRoundId, today })).toEqual({ awaiting_review: 0, overdue: 0, due: 0 })
    expect(await countReturnsByView(db, { fundId: otherFundId, today })).toEqual({ awaiting_review: 0, overdue: 0, due: 0 })
  })
})

describe('the filter by fund, then round', () => {
  test('offers every fund, and the rounds of a fund with returns of accepted or completed awards, not a round whose only award was cancelled', async () => {
    const funds = (await returnFilterFunds(db)).map((f) => f.id)
    expect(funds).toEqual(expect.arrayContaining([fundId, otherFundId]))
    expect((await roundsWithReturns(db, fundId)).map((r) => r.id)).toEqual([roundId])
    expect(await roundsWithReturns(db, otherFundId)).toEqual([])
  })

  test('a round alone brings its fund; a round of another fund than the one chosen, or one that does not exist, is dropped', async () => {
    expect(await resolveReturnFilter(db, {})).toEqual({ fundId: null, roundId: null })
    expect(await resolveReturnFilter(db, { roundId })).toEqual({ fundId, roundId })
    expect(await resolveReturnFilter(db, { fundId, roundId })).toEqual({ fundId, roundId })
    expect(await resolveReturnFilter(db, { fundId: otherFundId, roundId })).toEqual({ fundId: otherFundId, roundId: null })
    expect(await resolveReturnFilter(db, { roundId: 999_999_999 })).toEqual({ fundId: null, roundId: null })
  })
})

describe('listReturnsForReview pages', () => {
  async function everyPage(view: 'awaiting_review' | 'overdue' | 'all', round?: number) {
    const ids: number[] = []
    let page = await listReturnsForReview(db, { view, roundId: round ?? null, today })
    expect(page.previousBefore).toBeNull()
    ids.push(...page.rows.map((r) => r.id))
    while (page.nextAfter !== null) {
      expect(page.rows).toHaveLength(RETURNS_PER_PAGE)
      page = await listReturnsForReview(db, { view, roundId: round ?? null, today, after: page.nextAfter })
      expect(page.previousBefore).toBe(page.rows[0]!.id)
      ids.push(...page.rows.map((r) => r.id))
    }
    return ids
  }

  test('waiting for review: 25 a page, oldest sent first; Next page continues without gaps and Previous page goes back', async () => {
    const first = await listReturnsForReview(db, { view: 'awaiting_review', today })
    expect(first.rows).toHaveLength(RETURNS_PER_PAGE)
    const ids = await everyPage('awaiting_review')
    const expected = await db
      .selectFrom('returns')
      .innerJoin('awards', 'awards.id', 'returns.award_id')
      .select(['returns.id'])
      .where('awards.status', 'in', ['accepted', 'completed'])
      .where('returns.status', '=', 'submitted')
      .orderBy('returns.submitted_at')
      .orderBy('returns.id')
      .execute()
    expect(ids).toEqual(expected.map((r) => r.id))
    expect(ids).toHaveLength((await countReturnsByView(db, { today })).awaiting_review)

    const second = await listReturnsForReview(db, { view: 'awaiting_review', today, after: first.nextAfter! })
    expect(second.rows[0]!.id).toBe(ids[RETURNS_PER_PAGE])
    const back = await listReturnsForReview(db, { view: 'awaiting_review', today, before: second.previousBefore! })
    expect(back.rows.map((r) => r.id)).toEqual(first.rows.map((r) => r.id))
    expect(back.previousBefore).toBeNull()
    expect(back.nextAfter).toBe(first.nextAfter)
  })

  test('overdue and all: every return once, by due date, in one round or across rounds', async () => {
    const overdue = await everyPage('overdue', roundId)
    expect(overdue).toHaveLength((await countReturnsByView(db, { roundId, today })).overdue)
    expect(new Set(overdue).size).toBe(overdue.length)
    const all = await everyPage('all')
    const expected = await db
      .selectFrom('returns')
      .innerJoin('awards', 'awards.id', 'returns.award_id')
      .select(['returns.id'])
      .where('awards.status', 'in', ['accepted', 'completed'])
      .orderBy('returns.due_date')
      .orderBy('returns.id')
      .execute()
    expect(all).toEqual(expected.map((r) => r.id))
  })

  test('every view, across rounds, in one fund and in one round: the returns a reading by hand finds, in order, forwards and back', async () => {
    const rows = await db
      .selectFrom('returns')
      .innerJoin('awards', 'awards.id', 'returns.award_id')
      .innerJoin('rounds', 'rounds.id', 'awards.round_id')
      .select(['returns.id', 'returns.status', 'returns.due_date', 'returns.submitted_at', 'awards.round_id', 'rounds.fund_id'])
      .where('awards.status', 'in', ['accepted', 'completed'])
      .execute()
    const open = (s: string) => (OPEN_RETURN_STATUSES as readonly string[]).includes(s)
    const inView: Record<(typeof RETURN_LIST_VIEWS)[number], (r: (typeof rows)[number]) => boolean> = {
      awaiting_review: (r) => r.status === 'submitted',
      overdue: (r) => open(r.status) && r.due_date < today,
      due: (r) => open(r.status) && r.due_date >= today,
      changes_requested: (r) => r.status === 'changes_requested',
      accepted: (r) => r.status === 'accepted',
      all: () => true,
    }
    const key = (view: string, r: (typeof rows)[number]) => (view === 'awaiting_review' ? r.submitted_at! : r.due_date)
    for (const view of RETURN_LIST_VIEWS) {
      for (const filter of [{}, { fundId }, { roundId }, { fundId: otherFundId }]) {
        const expected = rows
          .filter((r) => inView[view](r) && (!('fundId' in filter) || r.fund_id === filter.fundId) && (!('roundId' in filter) || r.round_id === filter.roundId))
          .sort((a, b) => (key(view, a) < key(view, b) ? -1 : key(view, a) > key(view, b) ? 1 : a.id - b.id))
          .map((r) => r.id)
        const pages = [await listReturnsForReview(db, { view, ...filter, today, limit: 7 })]
        while (pages.at(-1)!.nextAfter !== null) pages.push(await listReturnsForReview(db, { view, ...filter, today, limit: 7, after: pages.at(-1)!.nextAfter! }))
        expect(pages.flatMap((p) => p.rows.map((r) => r.id)), `${view} ${JSON.stringify(filter)}`).toEqual(expected)
        const back = [pages.at(-1)!]
        while (back.at(-1)!.previousBefore !== null) back.push(await listReturnsForReview(db, { view, ...filter, today, limit: 7, before: back.at(-1)!.previousBefore! }))
        expect(back.length, `${view} ${JSON.stringify(filter)} back`).toBe(pages.length)
        expect(back.reverse().flatMap((p) => p.rows.map((r) => r.id))).toEqual(expected)
      }
    }
  })

  test('in one fund: only its returns, every one once', async () => {
    const ids: number[] = []
    let page = await listReturnsForReview(db, { view: 'awaiting_review', fundId, today })
    ids.push(...page.rows.map((r) => r.id))
    while (page.nextAfter !== null) {
      page = await listReturnsForReview(db, { view: 'awaiting_review', fundId, today, after: page.nextAfter })
      ids.push(...page.rows.map((r) => r.id))
    }
    expect(ids).toHaveLength(70)
    expect(new Set(ids).size).toBe(70)
    expect((await listReturnsForReview(db, { view: 'awaiting_review', fundId: otherFundId, today })).rows).toEqual([])
  })
})
