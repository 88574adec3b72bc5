import type { Transaction } from 'kysely'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createDatabase, type DatabaseHandle } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { createPanelRound, type PanelRound } from '../../../tests/factories/assessment.ts'
import { createPlainUser, createPotWithContributions } from '../../../tests/factories/awards.ts'
import { freshDatabaseOptions } from '../../../tests/setup/test-database.ts'
import { placesValidOn, ukToday } from '../places/places.server.ts'
import { buildOptimiserInput, listPlaceLimits, PlaceLimitInputError, setPlaceLimit, type BidScore } from './optimiser-input.server.ts'
import { optimise } from './optimiser.server.ts'

let h: DatabaseHandle
beforeEach(async () => {
  h = createDatabase(await freshDatabaseOptions())
})
afterEach(async () => {
  await h.close()
})

const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => h.db.transaction().execute(fn)

async function twoPlaces(): Promise<[{ id: number; name: string }, { id: number; name: string }]> {
  const places = await placesValidOn(h.db, ukToday())
  return [
    { id: places[0].id, name: places[0].name },
    { id: places[1].id, name: places[1].name },
  ]
}

/** Four bids: two in place A (£20,000 and £30,000), two in place B (£25,000 and £40,000); round budget £100,000. */
async function panelWithBids() {
  const [a, b] = await twoPlaces()
  const panel = await createPanelRound(h.db, {
    budgetPence: 10_000_000,
    bids: [
      { placeId: a.id, amountPence: 2_000_000 },
      { placeId: a.id, amountPence: 3_000_000 },
      { placeId: b.id, amountPence: 2_500_000 },
      { placeId: b.id, amountPence: 4_000_000 },
    ],
  })
  return { panel, a, b }
}

function scoresFor(panel: PanelRound, overrides: Record<number, Partial<BidScore>> = {}): Map<number, BidScore> {
  const points = [80_000, 70_000, 65_000, 60_000]
  return new Map(panel.bids.map((bid, k) => [bid.applicationId, { scoreMilli: points[k], gatewayFailed: false, ...overrides[k] }]))
}

async function linkPot(roundId: number, potId: number) {
  await h.db.insertInto('round_pots').values({ round_id: roundId, pot_id: potId }).execute()
}

describe('buildOptimiserInput', () => {
  test('without pots: the scored bids that passed their gateways, the round budget and no funding sources', async () => {
    const { panel, a, b } = await panelWithBids()
    const scores = scoresFor(panel, { 1: { gatewayFailed: true }, 2: { amountPence: 2_000_000 } })
    scores.delete(panel.bids[3].applicationId)
    const input = await buildOptimiserInput(h.db, panel.roundId, scores)
    expect(input.budgetPence).toBe(10_000_000)
    expect(input.sources).toBeNull()
    expect(input.placeLimits).toEqual([])
    expect(input.bids).toEqual([
      { id: panel.bids[0].applicationId, label: panel.bids[0].reference, scoreMilli: 80_000, amountPence: 2_000_000, placeId: a.id, placeName: a.name },
      { id: panel.bids[2].applicationId, label: panel.bids[2].reference, scoreMilli: 65_000, amountPence: 2_000_000, placeId: b.id, placeName: b.name },
    ])

    await h.db.updateTable('rounds').set({ budget_pence: 0 }).where('id', '=', panel.roundId).execute()
    expect((await buildOptimiserInput(h.db, panel.roundId, scores)).budgetPence).toBeNull()
  })

  test("bids from another round are left out even when scored", async () => {
    const { panel } = await panelWithBids()
    const other = await createPanelRound(h.db, { bids: 1 })
    const scores = scoresFor(panel)
    scores.set(other.bids[0].applicationId, { scoreMilli: 99_000, gatewayFailed: false })
    const input = await buildOptimiserInput(h.db, panel.roundId, scores)
    expect(input.bids.map((b) => b.id)).toEqual(panel.bids.map((b) => b.applicationId))
  })

  test("with pots: each cash contribution's available money and the bids its ring-fence and pot allow", async () => {
    const { panel, a, b } = await panelWithBids()
    const [bidA1, bidA2, bidB1, bidB2] = panel.bids.map((x) => x.applicationId)
    const national = await createPotWithContributions(h.db, {
      contributions: [
        { funderName: 'Community Foundation', pledgedPence: 6_000_000, receivedPence: 5_000_000 },
        { funderName: 'NHS ICB', pledgedPence: 2_000_000, receivedPence: 2_000_000, conditions: { placeIds: [a.id], maxSharePercent: 50 } },
        { funderName: 'Sports club', pledgedPence: 1_000_000, receivedPence: 1_000_000, isInKind: true },
        { funderName: 'Health trust', pledgedPence: 1_500_000, receivedPence: 1_500_000, conditions: { outcomeAreas: ['health_and_wellbeing'] } },
      ],
    })
    const placeB = await createPotWithContributions(h.db, {
      placeId: b.id,
      availableBasis: 'pledged',
      contributions: [{ funderName: 'Borough council', pledgedPence: 3_000_000, receivedPence: 1_000_000 }],
    })
    const unlinked = await createPotWithContributions(h.db, { contributions: [{ pledgedPence: 9_000_000, receivedPence: 9_000_000 }] })
    await linkPot(panel.roundId, national.pot.id)
    await linkPot(panel.roundId, placeB.pot.id)

    const scores = scoresFor(panel, { 2: { categories: ['health_and_wellbeing'] } })
    const input = await buildOptimiserInput(h.db, panel.roundId, scores)
    const [foundation, nhs, health, council] = input.sources!
    expect(input.sources!.map((s) => s.id)).toEqual([national.contributions[0].id, national.contributions[1].id, national.contributions[3].id, placeB.contributions[0].id])
    expect(input.sources!.some((s) => s.id === unlinked.contributions[0].id)).toBe(false)

    expect(foundation).toMatchObject({ availablePence: 5_000_000, eligibleBidIds: [bidA1, bidA2, bidB1, bidB2], maxSharePercent: null })
    expect(foundation.label).toBe(`${national.contributions[0].funderName}, ${national.pot.name}`)
    expect(nhs).toMatchObject({ availablePence: 2_000_000, eligibleBidIds: [bidA1, bidA2], maxSharePercent: 50 })
    expect(nhs.label).toContain(`(ring-fenced: Only for projects in ${a.name.replace(/ Integrated Care Board$/, '')}; At most 50% of any one award)`)
    // Outcome ring-fences fund only bids known to deliver that outcome.
    expect(health).toMatchObject({ availablePence: 1_500_000, eligibleBidIds: [bidB1] })
    expect(health.label).toContain('(ring-fenced: Health and wellbeing outcomes only)')
    // Without categories from the caller, the outcome areas the fund manager recorded on each bid count.
    await h.db.updateTable('applications').set({ outcome_areas: JSON.stringify(['health_and_wellbeing']) }).where('id', '=', bidA2!).execute()
    const stored = await buildOptimiserInput(h.db, panel.roundId, scoresFor(panel, {}))
    expect(stored.sources!.find((s) => s.id === health.id)!.eligibleBidIds).toEqual([bidA2])
    await h.db.updateTable('applications').set({ outcome_areas: '[]' }).where('id', '=', bidA2!).execute()
    // A place pot funds only its place's bids; on a pledged basis its pledged-but-unpaid money counts.
    expect(council).toMatchObject({ availablePence: 3_000_000, eligibleBidIds: [bidB1, bidB2], maxSharePercent: null })

    // The proposal from this input keeps to every ring-fence.
    const result = await optimise(input)
    expect(result.status).toBe('optimal')
    for (const flow of result.flows) expect(input.sources!.find((s) => s.id === flow.sourceId)!.eligibleBidIds).toContain(flow.bidId)
    // All four (£115,000) exceed the £100,000 budget; leaving out the lowest-scoring £40,000 bid scores most.
    expect(result.selectedIds).toEqual([bidA1, bidA2, bidB1])
    expect(result.totalPence).toBe(7_500_000)
  })

  test('place limits come from the round', async () => {
    const { panel, a, b } = await panelWithBids()
    const actor = await createPlainUser(h.db)
    await tx((trx) => setPlaceLimit(trx, actor, { roundId: panel.roundId, placeId: b.id, minPence: 2_500_000, maxPence: null }))
    await tx((trx) => setPlaceLimit(trx, actor, { roundId: panel.roundId, placeId: a.id, minPence: null, maxPence: 3_000_000 }))
    const input = await buildOptimiserInput(h.db, panel.roundId, scoresFor(panel))
    expect(input.placeLimits).toEqual(
      [
        { placeId: a.id, placeName: a.name, minPence: null, maxPence: 3_000_000 },
        { placeId: b.id, placeName: b.name, minPence: 2_500_000, maxPence: null },
      ].sort((x, y) => x.placeName.localeCompare(y.placeName)),
    )
    const result = await optimise(input)
    // Place A may take only £30,000, so only one of its bids (the higher-scoring £20,000 one); place B gets both of its.
    expect(result.selectedIds).toEqual([panel.bids[0].applicationId, panel.bids[2].applicationId, panel.bids[3].applicationId])
    expect(result.explanation).toContain(
      `The optimiser and fund down the list agree: both fund the same 3 bids, scoring 205.0 points in total for £85,000.`,
    )
  })
})

describe('place limits', () => {
  test('set, change and remove a limit, each audited', async () => {
    const { panel, a } = await panelWithBids()
    const actor = await createPlainUser(h.db)
    const set = await tx((trx) => setPlaceLimit(trx, actor, { roundId: panel.roundId, placeId: a.id, minPence: 100_000, maxPence: 500_000 }))
    expect(set).toEqual({ placeId: a.id, placeName: a.name, minPence: 100_000, maxPence: 500_000 })
    await tx((trx) => setPlaceLimit(trx, actor, { roundId: panel.roundId, placeId: a.id, minPence: null, maxPence: 700_000 }))
    expect(await listPlaceLimits(h.db, panel.roundId)).toEqual([{ placeId: a.id, placeName: a.name, minPence: null, maxPence: 700_000 }])
    expect(await tx((trx) => setPlaceLimit(trx, actor, { roundId: panel.roundId, placeId: a.id, minPence: null, maxPence: null }))).toBeNull()
    expect(await listPlaceLimits(h.db, panel.roundId)).toEqual([])

    const audit = await h.db.selectFrom('audit_events').select(['action', 'entity_id', 'before', 'after']).where('action', '=', 'round.place_limit_set').orderBy('id').execute()
    expect(audit.map((e) => [e.before && JSON.parse(e.before), e.after && JSON.parse(e.after)])).toEqual([
      [null, { placeId: a.id, minPence: 100_000, maxPence: 500_000 }],
      [{ placeId: a.id, minPence: 100_000, maxPence: 500_000 }, { placeId: a.id, minPence: null, maxPence: 700_000 }],
      [{ placeId: a.id, minPence: null, maxPence: 700_000 }, null],
    ])
    expect(audit.every((e) => String(e.entity_id) === String(panel.roundId))).toBe(true)
  })

  test('a minimum above the maximum, or a negative amount, is refused and nothing is written', async () => {
    const { panel, a } = await panelWithBids()
    const actor = await createPlainUser(h.db)
    const tooHigh = tx((trx) => setPlaceLimit(trx, actor, { roundId: panel.roundId, placeId: a.id, minPence: 600_000, maxPence: 500_000 }))
    await expect(tooHigh).rejects.toMatchObject({ status: 400, field: 'maxPence', message: 'The maximum must be at least the minimum of £6,000' })
    await expect(tooHigh).rejects.toBeInstanceOf(PlaceLimitInputError)
    await expect(tx((trx) => setPlaceLimit(trx, actor, { roundId: panel.roundId, placeId: a.id, minPence: -1, maxPence: null }))).rejects.toMatchObject({ field: 'minPence' })
    await expect(tx((trx) => setPlaceLimit(trx, actor, { roundId: panel.roundId, placeId: a.id, minPence: null, maxPence: 1.5 }))).rejects.toMatchObject({ field: 'maxPence' })
    await expect(tx((trx) => setPlaceLimit(trx, actor, { roundId: 999_999, placeId: a.id, minPence: 1, maxPence: null }))).rejects.toMatchObject({ status: 404 })
    expect(await listPlaceLimits(h.db, panel.roundId)).toEqual([])
    expect(await h.db.selectFrom('audit_events').select('id').where('action', '=', 'round.place_limit_set').execute()).toEqual([])
  })
})
