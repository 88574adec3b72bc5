/**
 * Public round statistics from hand-made rounds whose answers we can count on our fingers: drafts and unreleased
 * decisions never show, a two-stage bid counts once, the median days and the success rate are exact.
 */
import crypto from 'node:crypto'
import { beforeAll, describe, expect, test } from 'vitest'
import { db } from '~/lib/db.server.ts'
import { dataVersion } from '~/lib/kept-until-changed.server.ts'
import { countedTables, tablesNamedIn } from '../../../tests/factories/change-counts.ts'
import { rebuildRoundStats } from './round-counts.server.ts'
import { firstPageQuery, keptFirstPages, publicRoundStats, ROUNDS_PER_PAGE, type RoundStats } from './round-stats.server.ts'

const tag = () => crypto.randomBytes(3).toString('hex')
let roundId: number
let draftRoundId: number
let places: { id: number; name: string; gss_code: string | null }[]
let managerId: number

async function application(options: { status: string; submitted?: boolean; decidedAt?: string | null; placeId?: number; eoiOf?: number }) {
  const org = await db.insertInto('organisations').values({ name: `Group ${tag()}`, legal_type: 'unincorporated_group', place_id: places[0]!.id }).returning('id').executeTakeFirstOrThrow()
  const app = await db
    .insertInto('applications')
    .values({
      reference: `S-${tag()}`,
      round_id: roundId,
      organisation_id: org.id,
      status: options.status,
      title: 'Walking group',
      place_id: options.placeId ?? places[0]!.id,
      submitted_at: options.submitted === false ? null : '2026-09-20T10:00:00.000Z',
      decided_at: options.decidedAt ?? null,
      eoi_application_id: options.eoiOf ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { applicationId: app.id, organisationId: org.id }
}

async function award(a: { applicationId: number; organisationId: number }, amountPence: number, status = 'accepted') {
  await db.insertInto('awards').values({ reference: `AW-${tag()}`, application_id: a.applicationId, round_id: roundId, organisation_id: a.organisationId, amount_pence: amountPence, status }).execute()
}

async function declined(applicationId: number, reason: string | null, released: boolean) {
  await db
    .insertInto('panel_decisions')
    .values({ application_id: applicationId, round_id: roundId, status: 'declined', decline_reason: reason, decided_by: managerId, decided_at: '2026-10-10T10:00:00.000Z', released_at: released ? '2026-10-20T09:00:00.000Z' : null })
    .execute()
}

beforeAll(async () => {
  places = await db.selectFrom('places').select(['id', 'name', 'gss_code']).where('gss_code', 'is not', null).orderBy('id').limit(2).execute()
  managerId = (await db.insertInto('users').values({ email: `m-${tag()}@example.org`, name: 'Mo Manager', updated_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow()).id
  const fund = await db.insertInto('funds').values({ name: `Stats Fund ${tag()}`, slug: `stats-${tag()}`, shape: 'other' }).returning('id').executeTakeFirstOrThrow()
  // Closes at noon London time (BST) on 1 October 2026.
  roundId = (await db.insertInto('rounds').values({ fund_id: fund.id, title: 'Autumn 2026', slug: `autumn-${tag()}`, status: 'decided', closes_at: '2026-10-01T11:00:00.000Z' }).returning('id').executeTakeFirstOrThrow()).id
  draftRoundId = (await db.insertInto('rounds').values({ fund_id: fund.id, title: 'Not yet open', slug: `draft-${tag()}`, status: 'draft' }).returning('id').executeTakeFirstOrThrow()).id

  await application({ status: 'draft', submitted: false })
  // Two funded, told 14 days after the close; two declined, told 19 days after.
  await award(await application({ status: 'successful', decidedAt: '2026-10-15T09:00:00.000Z', placeId: places[0]!.id }), 500_000)
  await award(await application({ status: 'successful', decidedAt: '2026-10-15T09:30:00.000Z', placeId: places[1]!.id }), 250_050)
  const d1 = await application({ status: 'unsuccessful', decidedAt: '2026-10-20T09:00:00.000Z' })
  const d2 = await application({ status: 'unsuccessful', decidedAt: '2026-10-20T09:00:00.000Z' })
  await declined(d1.applicationId, 'Outside the area', true)
  await declined(d2.applicationId, 'Not enough evidence of need', true)
  // Decided by the panel but not yet released: not public, and its award not counted.
  const pending = await application({ status: 'submitted' })
  await declined(pending.applicationId, 'Outside the area', false)
  const notTold = await application({ status: 'submitted' })
  await award(notTold, 999_900, 'committed')
  // A two-stage bid: its expression of interest (invited on) and its full application count once.
  const eoi = await application({ status: 'invited', decidedAt: '2026-09-25T09:00:00.000Z' })
  await application({ status: 'unsuccessful', decidedAt: '2026-10-20T09:00:00.000Z', eoiOf: eoi.applicationId })
  // A funded group that turned the offer down: a success for the panel, but no money went out.
  await award(await application({ status: 'successful', decidedAt: '2026-10-20T09:00:00.000Z' }), 100_000, 'declined')
  // Made here row by row, so the maintained counts are recounted as after a bulk load.
  await rebuildRoundStats(db)
})

async function autumn(): Promise<RoundStats> {
  const { rounds } = await publicRoundStats(db)
  expect(rounds.map((s) => s.roundId)).not.toContain(draftRoundId)
  return rounds.find((s) => s.roundId === roundId)!
}

describe('publicRoundStats', () => {
  test('counts submitted applications once per bid, never drafts', async () => {
    expect((await autumn()).received).toBe(8)
  })

  test('success rate: funded out of decided bids the groups have been told about', async () => {
    const s = await autumn()
    expect(s.decided).toBe(6)
    expect(s.successful).toBe(3)
    expect(s.successRatePercent).toBe(50)
  })

  test('median London days from the close to the decision', async () => {
    // 14, 14, 19, 19, 19, 19 -> 19
    expect((await autumn()).medianDaysToDecision).toBe(19)
  })

  test('decline reasons only from released decisions, most common first', async () => {
    expect((await autumn()).declineReasons).toEqual([
      { reason: 'Not enough evidence of need', count: 1 },
      { reason: 'Outside the area', count: 1 },
    ])
  })

  test('money awarded by place leaves out offers turned down and awards the group has not been told about', async () => {
    const s = await autumn()
    expect(s.awardedByPlace).toEqual([
      { placeName: places[0]!.name, gssCode: places[0]!.gss_code, awards: 1, amountPence: 500_000 },
      { placeName: places[1]!.name, gssCode: places[1]!.gss_code, awards: 1, amountPence: 250_050 },
    ])
    expect(s.awardedPence).toBe(750_050)
  })
})

describe('publicRoundStats pages', () => {
  // Rounds of their own fund: closing on consecutive days, two on the same day, one with no closing date (last).
  let pagedIds: number[]
  beforeAll(async () => {
    const fund = await db.insertInto('funds').values({ name: `Paged Fund ${tag()}`, slug: `paged-${tag()}`, shape: 'other' }).returning('id').executeTakeFirstOrThrow()
    const round = async (title: string, closesAt: string | null) =>
      (await db.insertInto('rounds').values({ fund_id: fund.id, title, slug: `r-${tag()}`, status: 'closed', closes_at: closesAt }).returning('id').executeTakeFirstOrThrow()).id
    const made: Array<{ id: number; closesAt: string | null }> = []
    for (let day = 1; day <= 2 * ROUNDS_PER_PAGE; day++) {
      const closesAt = `2027-01-${String(day).padStart(2, '0')}T12:00:00.000Z`
      made.push({ id: await round(`Paged ${day}`, closesAt), closesAt })
    }
    made.push({ id: await round('Paged twin', made[4]!.closesAt), closesAt: made[4]!.closesAt })
    made.push({ id: await round('Paged open-ended', null), closesAt: null })
    // The expected order of every public round: latest closing date first, ties newest first, no date last.
    const all = await db.selectFrom('rounds').select(['id', 'closes_at']).where('status', '<>', 'draft').execute()
    pagedIds = all
      .sort((a, b) => (a.closes_at === null ? 1 : 0) - (b.closes_at === null ? 1 : 0) || (b.closes_at ?? '').localeCompare(a.closes_at ?? '') || b.id - a.id)
      .map((r) => r.id)
  })

  test('ten rounds a page, latest first; Next page continues where the page ended and Previous page goes back', async () => {
    const first = await publicRoundStats(db)
    expect(first.totalRounds).toBe(pagedIds.length)
    expect(first.rounds.map((r) => r.roundId)).toEqual(pagedIds.slice(0, ROUNDS_PER_PAGE))
    expect(first.previousBefore).toBeNull()

    const seen: number[] = [...first.rounds.map((r) => r.roundId)]
    let page = first
    while (page.nextAfter !== null) {
      page = await publicRoundStats(db, { after: page.nextAfter })
      expect(page.previousBefore).toBe(page.rounds[0]!.roundId)
      seen.push(...page.rounds.map((r) => r.roundId))
    }
    // Every round exactly once, in order, the one with no closing date last.
    expect(seen).toEqual(pagedIds)

    const second = await publicRoundStats(db, { after: first.nextAfter! })
    const back = await publicRoundStats(db, { before: second.previousBefore! })
    expect(back.rounds.map((r) => r.roundId)).toEqual(pagedIds.slice(0, ROUNDS_PER_PAGE))
    expect(back.previousBefore).toBeNull()
    expect(back.nextAfter).toBe(first.nextAfter)

    const last = await publicRoundStats(db, { before: pagedIds.at(-1)! })
    expect(last.rounds.map((r) => r.roundId)).toEqual(pagedIds.slice(-1 - ROUNDS_PER_PAGE, -1))
  })

  test('an unknown or draft round as the cursor gives the first page', async () => {
    expect((await publicRoundStats(db, { after: draftRoundId })).rounds.map((r) => r.roundId)).toEqual(pagedIds.slice(0, ROUNDS_PER_PAGE))
    expect((await publicRoundStats(db, { before: 987_654 })).previousBefore).toBeNull()
  })
})

describe('publicRoundStats, first come first served', () => {
  test('an allocated bid is successful once whether or not its award is made yet; a refused one is decided, not successful', async () => {
    const fund = await db.insertInto('funds').values({ name: `FCFS Fund ${tag()}`, slug: `fcfs-${tag()}`, shape: 'other' }).returning('id').executeTakeFirstOrThrow()
    const saved = roundId
    roundId = (await db.insertInto('rounds').values({ fund_id: fund.id, title: 'Quick grants', slug: `quick-${tag()}`, status: 'published', closes_at: '2026-12-01T12:00:00.000Z' }).returning('id').executeTakeFirstOrThrow()).id
    try {
      await application({ status: 'allocated' })
      await award(await application({ status: 'allocated' }), 10_000)
      await application({ status: 'refused' })
      await application({ status: 'submitted' })
      await rebuildRoundStats(db)
      const s = (await publicRoundStats(db, { limit: 50 })).rounds.find((r) => r.roundId === roundId)!
      expect({ received: s.received, decided: s.decided, successful: s.successful }).toEqual({ received: 4, decided: 3, successful: 2 })
    } finally {
      roundId = saved
    }
  })
})

describe('the first page, kept until the statistics version moves', () => {
  const version = () => dataVersion(db, 'statistics')
  const firstPageNow = () => publicRoundStats(db)
  const ourRound = async () => (await firstPageNow()).rounds.find((r) => r.roundId === roundId)

  test('its statement reads only tables the statistics version counts, and reads the version in the same statement', async () => {
    const statement = firstPageQuery(db, ROUNDS_PER_PAGE)
    expect(statement.sql).toContain(`name = 'statistics'`)
    const tables = tablesNamedIn(statement.sql, await db.introspection.getTables())
    expect([...tables].sort()).toEqual(['applications', 'awards', 'data_versions', 'funds', 'organisations', 'panel_decisions', 'places', 'round_stats', 'rounds'])
    const counted = await countedTables(db, 'statistics')
    expect([...tables].filter((t) => t !== 'data_versions' && !counted.has(t))).toEqual([])
  })

  test('applications move the version when added, removed or changed in a column the statistics read, not when an answer is saved', async () => {
    const a = await application({ status: 'submitted' })
    for (const [column, value] of [['round_id', draftRoundId], ['status', 'unsuccessful'], ['decided_at', '2026-10-21T09:00:00.000Z'], ['place_id', places[1]!.id]] as const) {
      const before = await version()
      await db.updateTable('applications').set({ [column]: value }).where('id', '=', a.applicationId).execute()
      expect(await version(), column).toBeGreaterThan(before)
    }
    const before = await version()
    await db.updateTable('applications').set({ title: 'Walking group, renamed' }).where('id', '=', a.applicationId).execute()
    expect(await version()).toBe(before)
    await db.deleteFrom('applications').where('id', '=', a.applicationId).execute()
    expect(await version()).toBeGreaterThan(before)
  })

  test('is kept and shown again while nothing it reads changes', async () => {
    const first = await firstPageNow()
    expect(keptFirstPages.get(db, String(ROUNDS_PER_PAGE), await version())).toBe(first)
    expect(await firstPageNow()).toBe(first)
    expect(keptFirstPages.get(db, String(ROUNDS_PER_PAGE), (await version()) + 1)).toBeUndefined()
  })

  test('is never out of date: every kind of change the page shows is on the next view', async () => {
    const fund = await db.insertInto('funds').values({ name: `Kept Fund ${tag()}`, slug: `kept-${tag()}`, shape: 'other' }).returning('id').executeTakeFirstOrThrow()
    const saved = roundId
    roundId = (await db.insertInto('rounds').values({ fund_id: fund.id, title: 'Kept round', slug: `kept-${tag()}`, status: 'decided', closes_at: '2099-01-01T12:00:00.000Z' }).returning('id').executeTakeFirstOrThrow()).id
    try {
      expect((await ourRound())?.title).toBe('Kept round')
      // A round renamed, its fund renamed.
      await db.updateTable('rounds').set({ title: 'Kept round, renamed' }).where('id', '=', roundId).execute()
      expect((await ourRound())?.title).toBe('Kept round, renamed')
      await db.updateTable('funds').set({ name: 'Kept Fund, renamed' }).where('id', '=', fund.id).execute()
      expect((await ourRound())?.fundName).toBe('Kept Fund, renamed')
      // A bid received and counted (round_stats), then told it was funded, with money in a place.
      const bid = await application({ status: 'submitted' })
      await rebuildRoundStats(db)
      expect((await ourRound())?.received).toBe(1)
      await db.updateTable('applications').set({ status: 'successful', decided_at: '2099-01-05T09:00:00.000Z' }).where('id', '=', bid.applicationId).execute()
      await award(bid, 40_000)
      await rebuildRoundStats(db)
      expect((await ourRound())?.awardedByPlace).toEqual([{ placeName: places[0]!.name, gssCode: places[0]!.gss_code, awards: 1, amountPence: 40_000 }])
      // The award changed, the place renamed.
      await db.updateTable('awards').set({ amount_pence: 45_000 }).where('application_id', '=', bid.applicationId).execute()
      expect((await ourRound())?.awardedPence).toBe(45_000)
      await db.updateTable('places').set({ name: `${places[0]!.name} (renamed)` }).where('id', '=', places[0]!.id).execute()
      expect((await ourRound())?.awardedByPlace[0]?.placeName).toBe(`${places[0]!.name} (renamed)`)
      await db.updateTable('places').set({ name: places[0]!.name }).where('id', '=', places[0]!.id).execute()
      // The application names no place: the organisation's is used, and a move of the organisation shows.
      await db.updateTable('applications').set({ place_id: null }).where('id', '=', bid.applicationId).execute()
      await db.updateTable('organisations').set({ place_id: places[1]!.id }).where('id', '=', bid.organisationId).execute()
      expect((await ourRound())?.awardedByPlace.map((p) => p.placeName)).toEqual([places[1]!.name])
      // A released decline and its reason.
      const turnedDown = await application({ status: 'unsuccessful', decidedAt: '2099-01-06T09:00:00.000Z' })
      await declined(turnedDown.applicationId, 'Outside the area', true)
      expect((await ourRound())?.declineReasons).toEqual([{ reason: 'Outside the area', count: 1 }])
    } finally {
      roundId = saved
    }
  })

  test('nothing is kept or used in a transaction, whose writes may roll back', async () => {
    const before = await firstPageNow()
    const title = before.rounds[0]!.title
    await db
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable('rounds').set({ title: 'Renamed, then rolled back' }).where('id', '=', before.rounds[0]!.roundId).execute()
        const inside = await publicRoundStats(trx)
        expect(inside.rounds[0]!.title).toBe('Renamed, then rolled back')
        throw new Error('roll back')
      })
      .catch((e: unknown) => {
        if (!(e instanceof Error) || e.message !== 'roll back') throw e
      })
    const after = await firstPageNow()
    expect(after.rounds[0]!.title).toBe(title)
    expect(after).toBe(before)
  })
})
