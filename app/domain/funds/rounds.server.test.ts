import { describe, expect, test } from 'vitest'
import { placesValidOn } from '~/domain/places/places.server.ts'
import { verifyAuditChain } from '~/lib/audit.server.ts'
import { db } from '~/lib/db.server.ts'
import { addQuestion } from './questions.server.ts'
import { RoundRulesSchema } from './round-rules.ts'
import {
  assertRoundOpen,
  closeRound,
  createRound,
  getRound,
  getRoundBySlug,
  listPublishedRounds,
  publishRound,
  RoundClosedError,
  RoundInputError,
  RoundNotEditableError,
  RoundNotReadyError,
  updateRound,
} from './rounds.server.ts'
import { createOpenRound, createReadyDraft, createTestFund, readyDetails } from './test-support.server.ts'

const NOW = new Date('2026-11-20T10:00:00.000Z')
const DAY = 24 * 60 * 60 * 1000

describe('createRound', () => {
  test('creates a draft with a web address made from its title, unique among rounds, and audits it', async () => {
    const { fund } = await createTestFund(db)
    const [first, second] = await db.transaction().execute(async (trx) => [
      await createRound(trx, 7, { fundId: fund.id, title: 'Thriving Communities 2026/27' }),
      await createRound(trx, 7, { fundId: fund.id, title: 'Thriving Communities 2026/27' }),
    ])
    expect(first).toMatchObject({ status: 'draft', slug: 'thriving-communities-2026-27', opensAt: null, rules: RoundRulesSchema.parse({}) })
    expect(second.slug).toBe('thriving-communities-2026-27-2')
    const audit = await db.selectFrom('audit_events').select('action').where('entity_type', '=', 'round').where('entity_id', '=', String(first.id)).execute()
    expect(audit).toEqual([{ action: 'round.created' }])
  })

  test('refuses a blank title, naming the field', async () => {
    const { fund } = await createTestFund(db)
    await expect(db.transaction().execute((trx) => createRound(trx, null, { fundId: fund.id, title: '   ' }))).rejects.toMatchObject({ field: 'title', status: 400 })
  })
})

describe('updateRound', () => {
  test('a draft can change everything, including its rules and eligible places', async () => {
    const { fund } = await createTestFund(db)
    const draft = await db.transaction().execute((trx) => createRound(trx, null, { fundId: fund.id, title: 'Draft' }))
    const places = (await placesValidOn(db, '2026-11-20')).slice(0, 2)
    const rules = RoundRulesSchema.parse({ matchFunding: { percentOfProjectCost: 20, inKindCounts: true }, multiYear: { years: 3, amountsPerYearPence: [100000, 200000] } })
    const round = await db.transaction().execute((trx) => updateRound(trx, null, draft.id, readyDetails(NOW, { rules, placeIds: places.map((p) => p.id) })))
    expect(round.rules.matchFunding).toEqual({ percentOfProjectCost: 20, inKindCounts: true })
    expect(round.years).toBe(3)
    const view = await getRoundBySlug(db, round.slug)
    expect(view.places.map((p) => p.id).sort()).toEqual(places.map((p) => p.id).sort())
  })

  test('a closing date before the opening date is refused on the closing date field', async () => {
    const draft = await createReadyDraft(db, { now: NOW })
    const details = readyDetails(NOW, { opensAt: '2026-12-01T12:00:00.000Z', closesAt: '2026-11-30T12:00:00.000Z' })
    const error = await db.transaction().execute((trx) => updateRound(trx, null, draft.id, details)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RoundInputError)
    expect(error).toMatchObject({ field: 'closesDate', status: 400 })
  })

  test('places must be in force on the opening date: a board that closed in March 2026 is refused for a November round', async () => {
    const draft = await createReadyDraft(db, { now: NOW })
    const closed = await db.selectFrom('places').select('id').where('valid_to', '=', '2026-03-31').executeTakeFirstOrThrow()
    await expect(db.transaction().execute((trx) => updateRound(trx, null, draft.id, readyDetails(NOW, { placeIds: [closed.id] })))).rejects.toMatchObject({ field: 'placeIds' })
  })

  test('a published round may change its wording and extend its deadline, but not its amounts or bring the deadline forward', async () => {
    const round = await createOpenRound(db, { now: NOW })
    const details = readyDetails(NOW)
    const later = new Date(NOW.getTime() + 20 * DAY).toISOString()
    const updated = await db.transaction().execute((trx) => updateRound(trx, null, round.id, { ...details, title: 'A clearer title', closesAt: later }))
    expect(updated).toMatchObject({ title: 'A clearer title', closesAt: later, status: 'published' })

    await expect(db.transaction().execute((trx) => updateRound(trx, null, round.id, { ...details, closesAt: later, maxGrantPence: 900_000 }))).rejects.toBeInstanceOf(RoundNotEditableError)
    await expect(db.transaction().execute((trx) => updateRound(trx, null, round.id, { ...details, closesAt: details.closesAt }))).rejects.toMatchObject({ field: 'closesDate' })
    expect((await getRound(db, round.id)).maxGrantPence).toBe(500_000)
  })

  test('a closed round cannot change at all', async () => {
    const round = await createOpenRound(db, { now: NOW })
    await db.transaction().execute((trx) => closeRound(trx, null, round.id, NOW))
    await expect(db.transaction().execute((trx) => updateRound(trx, null, round.id, readyDetails(NOW)))).rejects.toMatchObject({ status: 409 })
  })
})

describe('publishRound', () => {
  test('refuses an incomplete round with 409, listing everything missing', async () => {
    const { fund } = await createTestFund(db)
    const draft = await db.transaction().execute((trx) => createRound(trx, null, { fundId: fund.id, title: 'Not ready' }))
    const error = await db.transaction().execute((trx) => publishRound(trx, null, draft.id, NOW)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RoundNotReadyError)
    expect((error as RoundNotReadyError).status).toBe(409)
    expect((error as RoundNotReadyError).reasons).toEqual([
      'Write a summary of the round.',
      'Set the opening date and time.',
      'Set the closing date and time.',
      'Set the smallest and largest grant.',
      'Add at least one question to the application form.',
    ])
    expect((await getRound(db, draft.id)).status).toBe('draft')
  })

  test('a two-stage round needs questions in the expression of interest as well', async () => {
    const draft = await createReadyDraft(db, { now: NOW })
    await db.transaction().execute((trx) => updateRound(trx, null, draft.id, readyDetails(NOW, { stages: 'two_stage' })))
    await expect(db.transaction().execute((trx) => publishRound(trx, null, draft.id, NOW))).rejects.toMatchObject({
      reasons: ['Add at least one question to the expression of interest.'],
    })
    await db.transaction().execute((trx) =>
      addQuestion(trx, null, { roundId: draft.id, stage: 'eoi', section: 'Your idea', type: 'short_text', label: 'Your idea', helpText: null, required: true, config: {} }),
    )
    const published = await db.transaction().execute((trx) => publishRound(trx, 3, draft.id, NOW))
    expect(published).toMatchObject({ status: 'published', publishedAt: NOW.toISOString() })
    expect((await verifyAuditChain(db)).ok).toBe(true)
  })

  test('a round whose closing date has passed cannot be published', async () => {
    const draft = await createReadyDraft(db, { now: NOW })
    const later = new Date(NOW.getTime() + 30 * DAY)
    await expect(db.transaction().execute((trx) => publishRound(trx, null, draft.id, later))).rejects.toMatchObject({ reasons: ['Set a closing date in the future.'] })
  })

  test('a first come, first served round needs its grant count and amount rather than a grant range', async () => {
    const draft = await createReadyDraft(db, { now: NOW })
    const fcfs = RoundRulesSchema.parse({ fcfs: { grantCount: 100, grantAmountPence: 100000 } })
    await db.transaction().execute((trx) => updateRound(trx, null, draft.id, readyDetails(NOW, { allocationMethod: 'fcfs', minGrantPence: null, maxGrantPence: null, rules: fcfs })))
    expect((await db.transaction().execute((trx) => publishRound(trx, null, draft.id, NOW))).status).toBe('published')
  })
})

describe('assertRoundOpen', () => {
  const round = { status: 'published' as const, opensAt: '2020-11-23T09:00:00.000Z', closesAt: '2021-01-08T12:00:00.000Z' }

  test('passes while the round is open', () => {
    expect(() => assertRoundOpen(round, new Date('2021-01-08T11:59:00.000Z'))).not.toThrow()
  })

  test('after the deadline, refuses with 409 naming the deadline in London time', () => {
    const error = (() => {
      try {
        assertRoundOpen(round, new Date('2021-01-08T12:00:00.000Z'))
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(RoundClosedError)
    expect(error).toMatchObject({ status: 409, message: 'This round closed at 12:00 on Friday 8 January 2021.' })
  })

  test('a summer deadline is named in British Summer Time', () => {
    expect(() => assertRoundOpen({ ...round, closesAt: '2021-07-01T11:00:00.000Z' }, new Date('2021-07-02T00:00:00.000Z'))).toThrow('This round closed at 12:00 on Thursday 1 July 2021.')
  })

  test('before the opening, and for drafts, refuses with what is true', () => {
    expect(() => assertRoundOpen(round, new Date('2020-11-01T00:00:00.000Z'))).toThrow('This round opens at 09:00 on Monday 23 November 2020.')
    expect(() => assertRoundOpen({ ...round, status: 'draft' }, new Date('2020-12-01T00:00:00.000Z'))).toThrow('This round is not open for applications.')
  })
})

describe('closeRound', () => {
  test('closes a published round now, bringing its deadline forward, so it no longer takes applications', async () => {
    const round = await createOpenRound(db, { now: NOW })
    const closed = await db.transaction().execute((trx) => closeRound(trx, null, round.id, NOW))
    expect(closed).toMatchObject({ status: 'closed', closesAt: NOW.toISOString() })
    expect(() => assertRoundOpen(closed, new Date(NOW.getTime() + 1000))).toThrow(RoundClosedError)
  })

  test('a draft cannot be closed', async () => {
    const draft = await createReadyDraft(db, { now: NOW })
    await expect(db.transaction().execute((trx) => closeRound(trx, null, draft.id, NOW))).rejects.toMatchObject({ status: 409 })
  })
})

describe('listPublishedRounds', () => {
  test('lists open rounds first (soonest deadline first), then upcoming, then recently closed; never drafts or long-closed rounds', async () => {
    const when = new Date('2031-06-01T10:00:00.000Z')
    const at = (days: number) => new Date(when.getTime() + days * DAY).toISOString()
    const { fund } = await createTestFund(db)
    const make = async (title: string, opensAt: string, closesAt: string, publishAt: Date) => {
      const draft = await createReadyDraft(db, { now: when, fundId: fund.id, details: { title, opensAt, closesAt } })
      return db.transaction().execute((trx) => publishRound(trx, null, draft.id, publishAt))
    }
    await make('Open later deadline', at(-1), at(20), when)
    await make('Open soon deadline', at(-1), at(3), when)
    await make('Upcoming', at(5), at(30), when)
    await make('Closed recently', at(-40), at(-10), new Date(when.getTime() - 41 * DAY))
    await make('Closed long ago', at(-400), at(-200), new Date(when.getTime() - 401 * DAY))
    await createReadyDraft(db, { now: when, fundId: fund.id, details: { title: 'Still a draft' } })

    const list = (await listPublishedRounds(db, when)).filter((r) => r.fundName === fund.name)
    expect(list.map((r) => [r.title, r.phase])).toEqual([
      ['Open soon deadline', 'open'],
      ['Open later deadline', 'open'],
      ['Upcoming', 'upcoming'],
      ['Closed recently', 'closed'],
    ])
    expect(list[0]).toMatchObject({ when: 'closes in 3 days, at 11:00 on Wednesday 4 June', amounts: '£1,000 to £5,000', funders: [expect.stringMatching(/^Test Funder/)] })
    expect(list[0].whoCanApply[0]).toBe('Any type of not-for-profit organisation or constituted group may apply.')
  })
})
