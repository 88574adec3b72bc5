import { beforeAll, describe, expect, test } from 'vitest'
import { createAward, createPotScenario, type PotScenario } from '../../../tests/factories/pot-reports.ts'
import { db } from '~/lib/db.server.ts'
import { commitAward, releaseCommitment } from './commitments.server.ts'
import { verifyLedger } from './ledger.server.ts'
import { contributorStatement, funderView, leverageSentence, pencePerPound, potAwardsPage, potDashboard, potLedgerEntries, StatementPeriodError } from './reports.server.ts'
import { penceToDecimalPounds } from '~/lib/money.ts'

let s: PotScenario
beforeAll(async () => {
  s = await createPotScenario(db)
})

describe('leverageSentence', () => {
  test('says how much match funding and in-kind support every pound brought, to the penny', () => {
    expect(leverageSentence({ from: 'the pot', fundingPence: 1_000_000, matchCashPence: 240_000, matchInKindPence: 100_000 })).toBe(
      'Every £1 from the pot brought £0.24 of match funding and £0.10 of in-kind support.',
    )
  })

  test('leaves out a kind of match that was not declared', () => {
    expect(leverageSentence({ from: 'the pot', fundingPence: 1_000_000, matchCashPence: 240_000, matchInKindPence: 0 })).toBe('Every £1 from the pot brought £0.24 of match funding.')
    expect(leverageSentence({ from: 'Merton Council', fundingPence: 500, matchCashPence: 0, matchInKindPence: 750 })).toBe('Every £1 from Merton Council brought £1.50 of in-kind support.')
  })

  test('says so when nothing is committed or nothing was declared', () => {
    expect(leverageSentence({ from: 'the pot', fundingPence: 0, matchCashPence: 0, matchInKindPence: 0 })).toBe('No money from the pot has been committed to awards yet.')
    expect(leverageSentence({ from: 'the pot', fundingPence: 100, matchCashPence: 0, matchInKindPence: 0 })).toBe('The awards funded by the pot declared no match funding or in-kind support.')
  })

  test('rounds half a penny up and never uses floating point', () => {
    expect(pencePerPound(125, 1000)).toBe(13)
    expect(pencePerPound(124, 1000)).toBe(12)
    expect(pencePerPound(1, 3)).toBe(33)
    expect(pencePerPound(999_999_999_999, 1_000_000_000_000)).toBe(100)
    expect(() => pencePerPound(1, 0)).toThrow(RangeError)
  })
})

describe('potDashboard', () => {
  test('reads pledged, received, committed, paid and available for the pot and each contributor', async () => {
    const dashboard = await potDashboard(db, s.potId)
    expect(dashboard.totals).toEqual({
      pledgedPence: 10_000_000,
      receivedPence: 8_000_000,
      outstandingPence: 2_000_000,
      committedPence: 1_000_000,
      committedUnpaidPence: 600_000,
      paidPence: 400_000,
      receivedUncommittedPence: 7_000_000,
      availablePence: 7_000_000,
      returnedPence: 0,
    })
    const byId = new Map(dashboard.contributions.map((c) => [c.contributionId, c.figures]))
    expect(byId.get(s.contributions.nhs)).toMatchObject({ pledgedPence: 6_000_000, receivedPence: 6_000_000, committedPence: 750_000, paidPence: 300_000, availablePence: 5_250_000 })
    expect(byId.get(s.contributions.lottery)).toMatchObject({ pledgedPence: 3_000_000, receivedPence: 2_000_000, outstandingPence: 1_000_000, committedPence: 250_000, paidPence: 100_000 })
    expect(byId.get(s.contributions.council)).toMatchObject({ pledgedPence: 1_000_000, receivedPence: 0, committedPence: 0, availablePence: 0 })
    expect((await verifyLedger(db)).ok).toBe(true)
  })

  test('gives the figures by place, over time, with the leverage sentence, and no award lists per contribution', async () => {
    const dashboard = await potDashboard(db, s.potId)
    expect(dashboard.contributions.every((c) => !('awards' in c))).toBe(true)
    expect(dashboard.byPlace).toEqual([{ placeId: s.placeId, placeName: 'NHS South West London Integrated Care Board', committedPence: 1_000_000, paidPence: 400_000, awards: 1 }])
    expect(dashboard.overTime).toEqual([
      { month: new Date().toISOString().slice(0, 7), committedPence: 1_000_000, paidPence: 400_000, cumulativeCommittedPence: 1_000_000, cumulativePaidPence: 400_000 },
    ])
    expect(dashboard.leverage).toEqual({
      fundingPence: 1_000_000,
      matchCashPence: 240_000,
      matchInKindPence: 100_000,
      sentence: 'Every £1 from the pot brought £0.24 of match funding and £0.10 of in-kind support.',
    })
  })
})

describe('potDashboard sums in the database', () => {
  test('what each award was paid agrees with the funder view, and the months add up to the totals', async () => {
    const dashboard = await potDashboard(db, s.potId)
    const funderIds = [...new Set(dashboard.contributions.map((c) => c.funderId))]
    const view = await funderView(db, funderIds)
    const { awards } = await potAwardsPage(db, s.potId)
    const fromAwardList = awards.flatMap((a) => a.contributions.map((c) => [c.contributionId, a.awardId, c.committedPence, c.paidPence]))
    const fromFunderView = view.contributions.flatMap((c) => c.awards.map((a) => [c.contributionId, a.awardId, a.committedPence, a.paidPence]))
    expect(fromAwardList).toEqual(fromFunderView)
    const last = dashboard.overTime.at(-1)!
    expect(last.cumulativeCommittedPence).toBe(dashboard.totals.committedPence)
    expect(last.cumulativePaidPence).toBe(dashboard.totals.paidPence)
    expect(dashboard.overTime.reduce((sum, m) => sum + m.paidPence, 0)).toBe(dashboard.totals.paidPence)
  })
})

describe('potDashboard places and leverage summed in the database', () => {
  test('equal the same figures worked out award by award, with a released award left out and its month netted', async () => {
    const scenario = await createPotScenario(db)
    const commit = async (amountPence: number, matchCashPence: number, matchInKindPence: number) => {
      const award = await createAward(db, { placeId: scenario.placeId, amountPence, matchCashPence, matchInKindPence })
      await db.transaction().execute((trx) =>
        commitAward(trx, scenario.managerUserId, {
          awardId: award.awardId,
          potId: scenario.potId,
          amountPence,
          award: { placeId: scenario.placeId, categories: ['health_and_wellbeing'], fundId: award.fundId, roundId: award.roundId, date: '2026-06-01' },
          idempotencyKey: `award:${award.awardId}:commit`,
        }),
      )
      return award.awardId
    }
    await commit(333_333, 100_001, 7)
    const released = await commit(200_000, 50_000, 0)
    await db.transaction().execute((trx) => releaseCommitment(trx, scenario.managerUserId, { awardId: released, reason: 'Declined', idempotencyKey: `award:${released}:release` }))

    const dashboard = await potDashboard(db, scenario.potId)
    const { awards, total } = await potAwardsPage(db, scenario.potId)
    expect(total).toBe(awards.length)
    expect(awards.some((a) => a.awardId === released)).toBe(false)
    const byPlace = new Map<string, { committedPence: number; paidPence: number; awards: number }>()
    for (const a of awards) {
      const row = byPlace.get(a.placeName ?? 'No place recorded') ?? { committedPence: 0, paidPence: 0, awards: 0 }
      byPlace.set(a.placeName ?? 'No place recorded', { committedPence: row.committedPence + a.committedPence, paidPence: row.paidPence + a.paidPence, awards: row.awards + 1 })
    }
    expect(dashboard.byPlace.map(({ placeName, committedPence, paidPence, awards: n }) => [placeName, { committedPence, paidPence, awards: n }])).toEqual([...byPlace.entries()])
    // Leverage: each funder's share worked out commitment by commitment (funderView) adds up to the pot's.
    const view = await funderView(db, [...new Set(dashboard.contributions.map((c) => c.funderId))])
    const sum = (k: 'fundingPence' | 'matchCashPence' | 'matchInKindPence') => view.funders.reduce((t, f) => t + f.leverage[k], 0)
    expect(dashboard.leverage).toMatchObject({ fundingPence: sum('fundingPence'), matchCashPence: sum('matchCashPence'), matchInKindPence: sum('matchInKindPence') })
    expect(dashboard.leverage.fundingPence).toBe(1_333_333)
    // The rolled-up view (worked out award by award) agrees where no place has changed.
    expect((await potDashboard(db, scenario.potId, { places: 'rolled_up', date: '2026-03-31' })).byPlace).toEqual(dashboard.byPlace)
    // The release nets off in its month: the running total is what is still committed.
    expect(dashboard.overTime.at(-1)!.cumulativeCommittedPence).toBe(dashboard.totals.committedPence)
    expect(dashboard.totals.committedPence).toBe(1_333_333)
  })
})

describe('potAwardsPage', () => {
  test('lists each award drawing on the pot once, with the pot’s money in it and the contributions it draws on', async () => {
    const page = await potAwardsPage(db, s.potId)
    expect(page).toEqual({
      awards: [
        {
          awardId: s.awardId,
          reference: s.awardReference,
          organisationName: s.organisationName,
          placeName: 'NHS South West London Integrated Care Board',
          status: 'accepted',
          committedPence: 1_000_000,
          paidPence: 400_000,
          contributions: [
            { contributionId: s.contributions.nhs, committedPence: 750_000, paidPence: 300_000 },
            { contributionId: s.contributions.lottery, committedPence: 250_000, paidPence: 100_000 },
          ],
        },
      ],
      total: 1,
      previousBefore: null,
      nextAfter: null,
    })
  })

  test('pages through the awards in id order with after and before, counts them all, and leaves out released ones', async () => {
    const scenario = await createPotScenario(db)
    const more: number[] = []
    for (let i = 0; i < 5; i++) {
      const award = await createAward(db, { placeId: scenario.placeId, amountPence: 10_000 + i, matchCashPence: 0, matchInKindPence: 0 })
      await db.transaction().execute((trx) =>
        commitAward(trx, scenario.managerUserId, {
          awardId: award.awardId,
          potId: scenario.potId,
          amountPence: 10_000 + i,
          award: { placeId: scenario.placeId, categories: ['health_and_wellbeing'], fundId: award.fundId, roundId: award.roundId, date: '2026-11-21' },
          idempotencyKey: `award:${award.awardId}:commit`,
        }),
      )
      more.push(award.awardId)
    }
    // The last award is declined: its commitment is released and it no longer draws on the pot.
    await db.transaction().execute((trx) => releaseCommitment(trx, scenario.managerUserId, { awardId: more[4], reason: 'Declined', idempotencyKey: `award:${more[4]}:release` }))
    const listed = [scenario.awardId, ...more.slice(0, 4)]
    const ids = (page: { awards: { awardId: number }[] }) => page.awards.map((a) => a.awardId)

    const first = await potAwardsPage(db, scenario.potId, {}, 2)
    expect(ids(first)).toEqual(listed.slice(0, 2))
    expect(first).toMatchObject({ total: 5, previousBefore: null, nextAfter: listed[1] })
    const second = await potAwardsPage(db, scenario.potId, { after: first.nextAfter! }, 2)
    expect(ids(second)).toEqual(listed.slice(2, 4))
    expect(second).toMatchObject({ total: 5, previousBefore: listed[2], nextAfter: listed[3] })
    const third = await potAwardsPage(db, scenario.potId, { after: second.nextAfter! }, 2)
    expect(ids(third)).toEqual(listed.slice(4))
    expect(third).toMatchObject({ previousBefore: listed[4], nextAfter: null })
    expect(third.awards[0]).toMatchObject({ committedPence: 10_003, paidPence: 0 })

    expect(ids(await potAwardsPage(db, scenario.potId, { before: third.previousBefore! }, 2))).toEqual(ids(second))
    const back = await potAwardsPage(db, scenario.potId, { before: second.previousBefore! }, 2)
    expect(back).toEqual(first)

    const counted = await db
      .selectFrom('award_commitments')
      .innerJoin('contributions', 'contributions.id', 'award_commitments.contribution_id')
      .select((eb) => eb.fn.count<number>('award_commitments.award_id').distinct().as('n'))
      .where('contributions.pot_id', '=', scenario.potId)
      .where('award_commitments.released_at', 'is', null)
      .executeTakeFirstOrThrow()
    expect(first.total).toBe(Number(counted.n))
  })

  test('an empty page for a pot with no contributions', async () => {
    expect(await potAwardsPage(db, 999_999)).toEqual({ awards: [], total: 0, previousBefore: null, nextAfter: null })
  })
})

/** The place in the reference data with this ODS code (the latest, if it has more than one row). */
async function placeId(ods: string): Promise<number> {
  const row = await db.selectFrom('places').select('id').where('ods_code', '=', ods).orderBy('valid_from', 'desc').executeTakeFirstOrThrow()
  return row.id
}

describe('potDashboard by place, as they were or rolled up', () => {
  test("rolls an award in an old place that was split into today's places, shared equally to the penny", async () => {
    const scenario = await createPotScenario(db)
    // NHS Hertfordshire and West Essex (QM7, to 2026-03-31) was split between two of the 36 places of April 2026.
    const [hertsWestEssex, centralEast, essex] = await Promise.all([placeId('QM7'), placeId('S1Y5D'), placeId('D7T5G')])
    const award = await createAward(db, { placeId: hertsWestEssex, amountPence: 500_001, matchCashPence: 0, matchInKindPence: 0 })
    await db.transaction().execute((trx) =>
      commitAward(trx, scenario.managerUserId, {
        awardId: award.awardId,
        potId: scenario.potId,
        amountPence: 500_001,
        award: { placeId: hertsWestEssex, categories: ['health_and_wellbeing'], fundId: award.fundId, roundId: award.roundId, date: '2026-03-20' },
        idempotencyKey: `award:${award.awardId}:commit`,
      }),
    )
    const swl = { placeId: scenario.placeId, placeName: 'NHS South West London Integrated Care Board', committedPence: 1_000_000, paidPence: 400_000, awards: 1 }

    const asTheyWere = await potDashboard(db, scenario.potId)
    expect(asTheyWere.placeView).toEqual({ view: 'as_they_were', date: null })
    expect(asTheyWere.byPlace).toEqual([swl, expect.objectContaining({ placeId: hertsWestEssex, committedPence: 500_001, paidPence: 0, awards: 1 })])

    const rolled = await potDashboard(db, scenario.potId, { places: 'rolled_up', date: '2026-11-21' })
    expect(rolled.placeView).toEqual({ view: 'rolled_up', date: '2026-11-21' })
    // The first successor by id takes the odd penny; the award counts once in each place its money reaches.
    const [first, second] = [centralEast, essex].sort((a, b) => a - b)
    const rows = new Map(rolled.byPlace.map((r) => [r.placeId, r]))
    expect(rolled.byPlace).toHaveLength(3)
    expect(rows.get(scenario.placeId)).toEqual(swl)
    expect(rows.get(first)).toMatchObject({ committedPence: 250_001, paidPence: 0, awards: 1 })
    expect(rows.get(second)).toMatchObject({ committedPence: 250_000, paidPence: 0, awards: 1 })
    expect(rows.has(hertsWestEssex)).toBe(false)
    expect(rolled.byPlace.reduce((sum, r) => sum + r.committedPence, 0)).toBe(1_500_001)
    expect(rolled.totals).toEqual(asTheyWere.totals)

    // Before the change took effect nothing moves.
    const before = await potDashboard(db, scenario.potId, { places: 'rolled_up', date: '2026-03-31' })
    expect(before.byPlace).toEqual(asTheyWere.byPlace)
  })

  test('gives each contribution’s ring-fence in words', async () => {
    const dashboard = await potDashboard(db, s.potId)
    const ringFence = new Map(dashboard.contributions.map((c) => [c.contributionId, c.ringFence]))
    expect(ringFence.get(s.contributions.nhs)).toEqual(['Health and wellbeing outcomes only'])
    expect(ringFence.get(s.contributions.lottery)).toEqual(['No conditions: this money may fund any award from the pot'])
  })
})

describe('funderView', () => {
  test("shows a funder its own contributions, awards and leverage and never another funder's figures", async () => {
    const view = await funderView(db, [s.funders.nhs])
    expect(view.contributions.map((c) => c.contributionId)).toEqual([s.contributions.nhs])
    expect(view.funders).toHaveLength(1)
    expect(view.funders[0]).toMatchObject({ funderId: s.funders.nhs, totals: { pledgedPence: 6_000_000, committedPence: 750_000, paidPence: 300_000 } })
    expect(view.funders[0].leverage.sentence).toMatch(/^Every £1 from NHS South West London ICB \w+ brought £0.24 of match funding and £0.10 of in-kind support.$/)
    expect(view.contributions[0].awards).toEqual([expect.objectContaining({ awardId: s.awardId, committedPence: 750_000, paidPence: 300_000 })])
    expect(view.contributions[0].ringFence).toEqual(['Health and wellbeing outcomes only'])
    expect(view.byPlace).toEqual([expect.objectContaining({ placeId: s.placeId, committedPence: 750_000, paidPence: 300_000 })])
    const text = JSON.stringify(view)
    expect(text).not.toMatch(/Lottery|Merton/)
    expect(text).not.toContain('1000000')
    expect(text).not.toContain('3000000')
  })

  test('a viewer with no funder sees nothing', async () => {
    expect(await funderView(db, [])).toEqual({ funders: [], contributions: [], byPlace: [] })
  })
})

describe('contributorStatement', () => {
  test('gives opening balances, the movements in the period and closing balances per bucket', async () => {
    const statement = await contributorStatement(db, s.contributions.nhs, { from: '2026-04-01', to: '2027-03-31' })
    expect(statement).toMatchObject({ funderId: s.funders.nhs, potId: s.potId, pledgedPence: 6_000_000, financialYear: '2026-27' })
    expect(statement.movements.map((m) => [m.description, m.amountPence])).toEqual([
      ['Pledge', 6_000_000],
      ['Money received', 6_000_000],
      ['Committed to an award', 750_000],
      ['Paid to a grantee', 300_000],
    ])
    const closing = Object.fromEntries(statement.buckets.map((b) => [b.bucket, [b.openingPence, b.inPence, b.outPence, b.closingPence]]))
    expect(closing).toEqual({
      outstanding: [0, 6_000_000, 6_000_000, 0],
      available: [0, 6_000_000, 750_000, 5_250_000],
      committed: [0, 750_000, 300_000, 450_000],
      scheduled: [0, 0, 0, 0],
      paid: [0, 300_000, 0, 300_000],
      returned: [0, 0, 0, 0],
    })
  })

  test('carries everything before the period into the opening balance', async () => {
    const today = new Date().toISOString().slice(0, 10)
    const later = `${Number(today.slice(0, 4)) + 1}${today.slice(4)}`
    const statement = await contributorStatement(db, s.contributions.nhs, { from: later, to: later })
    expect(statement.movements).toEqual([])
    expect(statement.buckets.find((b) => b.bucket === 'available')).toMatchObject({ openingPence: 5_250_000, closingPence: 5_250_000, inPence: 0, outPence: 0 })
  })

  test('refuses a period that ends before it starts, and an unknown contribution', async () => {
    await expect(contributorStatement(db, s.contributions.nhs, { from: '2027-01-01', to: '2026-01-01' })).rejects.toBeInstanceOf(StatementPeriodError)
    await expect(contributorStatement(db, 999_999, { from: '2026-04-01', to: '2027-03-31' })).rejects.toMatchObject({ status: 404 })
  })
})

describe('potLedgerEntries', () => {
  test('reads every entry on the pot in id order, a batch at a time', async () => {
    const all = []
    for await (const entry of potLedgerEntries(db, s.potId, 2)) all.push(entry)
    expect(all).toHaveLength(9)
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => a - b))
    expect(all[0]).toMatchObject({ reasonCode: 'contribution.pledged', toAccount: `contribution:${s.contributions.nhs}:outstanding`, amountPence: 6_000_000, reference: `contribution ${s.contributions.nhs}` })
  })

  test('writes pence as pounds with two decimal places', () => {
    expect([125050, 5, 100, 0, -250].map(penceToDecimalPounds)).toEqual(['1250.50', '0.05', '1.00', '0.00', '-2.50'])
  })
})
