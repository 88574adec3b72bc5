import fc from 'fast-check'
import { beforeAll, describe, expect, test } from 'vitest'
import { greedyFundDownTheList, optimise, warmUpOptimiser, type FundingSource, type OptimiserBid, type OptimiserInput, type OptimiserResult, type PlaceLimit } from './optimiser.server.ts'

// The first solve in a process compiles HiGHS's WebAssembly: do it once, outside the tests' own time.
beforeAll(async () => {
  await warmUpOptimiser()
}, 60_000)

const GM = { placeId: 1, placeName: 'Greater Manchester' }
const NE = { placeId: 2, placeName: 'North East and North Cumbria' }

function bid(id: number, points: number, pounds: number, place: { placeId: number; placeName: string } | null = null): OptimiserBid {
  return { id, label: `BID-${id}`, scoreMilli: Math.round(points * 1000), amountPence: pounds * 100, placeId: place?.placeId ?? null, placeName: place?.placeName ?? null }
}

function input(partial: Partial<OptimiserInput> & Pick<OptimiserInput, 'bids'>): OptimiserInput {
  return { budgetPence: null, sources: null, placeLimits: [], ...partial }
}

// ---------- an independent check of every rule, in integer pence ----------

/** Largest flow from the sources to the chosen bids (Edmonds-Karp on a small dense graph), in pence. */
function maxFlow(inp: OptimiserInput, chosen: OptimiserBid[]): number {
  const sources = inp.sources ?? []
  const n = 2 + sources.length + chosen.length
  const S = 0
  const T = n - 1
  const cap = Array.from({ length: n }, () => new Array<number>(n).fill(0))
  sources.forEach((s, j) => {
    cap[S][1 + j] = s.availablePence
    chosen.forEach((b, k) => {
      if (!s.eligibleBidIds.includes(b.id)) return
      cap[1 + j][1 + sources.length + k] = s.maxSharePercent === null ? b.amountPence : Math.floor((b.amountPence * s.maxSharePercent) / 100)
    })
  })
  chosen.forEach((b, k) => (cap[1 + sources.length + k][T] = b.amountPence))
  let total = 0
  for (;;) {
    const parent = new Array<number>(n).fill(-1)
    parent[S] = S
    const queue = [S]
    while (queue.length > 0 && parent[T] === -1) {
      const u = queue.shift()!
      for (let v = 0; v < n; v++) {
        if (parent[v] !== -1 || cap[u][v] <= 0) continue
        parent[v] = u
        queue.push(v)
      }
    }
    if (parent[T] === -1) return total
    let push = Infinity
    for (let v = T; v !== S; v = parent[v]) push = Math.min(push, cap[parent[v]][v])
    for (let v = T; v !== S; v = parent[v]) {
      cap[parent[v]][v] -= push
      cap[v][parent[v]] += push
    }
    total += push
  }
}

function feasible(inp: OptimiserInput, chosen: OptimiserBid[]): boolean {
  const spent = chosen.reduce((s, b) => s + b.amountPence, 0)
  if (inp.budgetPence !== null && spent > inp.budgetPence) return false
  for (const l of inp.placeLimits) {
    const inPlace = chosen.filter((b) => b.placeId === l.placeId).reduce((s, b) => s + b.amountPence, 0)
    if ((l.minPence !== null && inPlace < l.minPence) || (l.maxPence !== null && inPlace > l.maxPence)) return false
  }
  return inp.sources === null || maxFlow(inp, chosen) === spent
}

/** Every subset: the best total score and, among those, the fewest pence; null when nothing meets every rule. */
function bruteForce(inp: OptimiserInput): { score: number; pence: number } | null {
  let best: { score: number; pence: number } | null = null
  for (let mask = 0; mask < 1 << inp.bids.length; mask++) {
    const chosen = inp.bids.filter((_, k) => mask & (1 << k))
    const score = chosen.reduce((s, b) => s + b.scoreMilli, 0)
    const pence = chosen.reduce((s, b) => s + b.amountPence, 0)
    if (best && (score < best.score || (score === best.score && pence >= best.pence))) continue
    if (feasible(inp, chosen)) best = { score, pence }
  }
  return best
}

/** The proposal keeps every rule to the penny, and its flows fund exactly the chosen bids from allowed sources. */
function expectExactlyFeasible(inp: OptimiserInput, result: OptimiserResult): void {
  const chosen = inp.bids.filter((b) => result.selectedIds.includes(b.id))
  expect(result.selectedIds).toHaveLength(chosen.length)
  expect(result.totalScoreMilli).toBe(chosen.reduce((s, b) => s + b.scoreMilli, 0))
  expect(result.totalPence).toBe(chosen.reduce((s, b) => s + b.amountPence, 0))
  expect(feasible(inp, chosen)).toBe(true)
  if (inp.sources === null) {
    expect(result.flows).toEqual([])
    return
  }
  const sources = new Map(inp.sources.map((s) => [s.id, s]))
  const byBid = new Map<number, number>()
  const bySource = new Map<number, number>()
  for (const f of result.flows) {
    const source = sources.get(f.sourceId)!
    const funded = chosen.find((b) => b.id === f.bidId)!
    expect(Number.isSafeInteger(f.pence) && f.pence > 0).toBe(true)
    expect(source.eligibleBidIds).toContain(f.bidId)
    if (source.maxSharePercent !== null) expect(f.pence).toBeLessThanOrEqual(Math.floor((funded.amountPence * source.maxSharePercent) / 100))
    byBid.set(f.bidId, (byBid.get(f.bidId) ?? 0) + f.pence)
    bySource.set(f.sourceId, (bySource.get(f.sourceId) ?? 0) + f.pence)
  }
  for (const b of chosen) expect(byBid.get(b.id) ?? 0).toBe(b.amountPence)
  for (const [id, used] of bySource) expect(used).toBeLessThanOrEqual(sources.get(id)!.availablePence)
}

// ---------- hand-made instances ----------

describe('the optimiser on hand-made rounds', () => {
  test('round budget only: two smaller bids beat the top bid, and the explanation names the round budget', async () => {
    const inp = input({ budgetPence: 10_000_000, bids: [bid(1, 80, 60_000), bid(2, 70, 50_000), bid(3, 65, 50_000)] })
    const result = await optimise(inp)
    expect(result.status).toBe('optimal')
    expect(result.selectedIds).toEqual([2, 3])
    expect(result.totalScoreMilli).toBe(135_000)
    expect(result.totalPence).toBe(10_000_000)
    expect(result.greedy).toEqual({ selectedIds: [1], totalScoreMilli: 80_000, totalPence: 6_000_000 })
    expect(result.explanation[0]).toBe(
      "Fund down the list would fund BID-1 (score 80.0, £60,000) but not BID-2 (score 70.0, £50,000) and BID-3 (score 65.0, £50,000); the optimiser's choice scores 55.0 points more in total for £40,000 more.",
    )
    expect(result.explanation).toContain('When fund down the list reaches BID-2, it does not fit: the round budget has £40,000 left after higher-ranked bids.')
    expect(result.explanation).toContain("The optimiser leaves out BID-1 for a higher-scoring combination: the round budget has £0 left in the optimiser's choice.")
    expectExactlyFeasible(inp, result)
  })

  test('when both choose the same bids the explanation says they agree', async () => {
    const result = await optimise(input({ budgetPence: 20_000_000, bids: [bid(1, 80, 60_000), bid(2, 70, 50_000)] }))
    expect(result.selectedIds).toEqual([1, 2])
    expect(result.greedy.selectedIds).toEqual([1, 2])
    expect(result.explanation).toEqual(['The optimiser and fund down the list agree: both fund the same 2 bids, scoring 150.0 points in total for £110,000.'])
  })

  test("a place's maximum: the optimiser funds two smaller bids there, and names the maximum that stops fund down the list", async () => {
    const inp = input({
      bids: [bid(1, 90, 30_000, GM), bid(2, 85, 25_000, GM), bid(3, 80, 25_000, GM), bid(4, 50, 10_000, NE)],
      placeLimits: [{ ...GM, minPence: null, maxPence: 5_000_000 }],
    })
    const result = await optimise(inp)
    expect(result.selectedIds).toEqual([2, 3, 4])
    expect(result.greedy.selectedIds).toEqual([1, 4])
    expect(result.explanation).toContain(
      "When fund down the list reaches BID-2, it does not fit: Greater Manchester's maximum of £50,000 would be passed (£30,000 already goes there after higher-ranked bids).",
    )
    expect(result.explanation).toContain(
      "The optimiser leaves out BID-1 for a higher-scoring combination: Greater Manchester's maximum of £50,000 would be passed (£50,000 already goes there in the optimiser's choice).",
    )
    expectExactlyFeasible(inp, result)
    expect(greedyFundDownTheList(inp).skipped.map((s) => s.bidId)).toEqual([2, 3])
  })

  test("a place's minimum: the optimiser funds a lower-ranked bid to meet it and says the minimum needs it", async () => {
    const inp = input({
      budgetPence: 10_000_000,
      bids: [bid(1, 90, 50_000, GM), bid(2, 80, 50_000, GM), bid(9, 40, 20_000, NE)],
      placeLimits: [{ ...NE, minPence: 2_000_000, maxPence: null }],
    })
    const result = await optimise(inp)
    expect(result.status).toBe('optimal')
    expect(result.selectedIds).toEqual([1, 9])
    expect(result.greedy.selectedIds).toEqual([1, 2])
    expect(result.explanation).toContain('The minimum of £20,000 for North East and North Cumbria needs BID-9.')
    expect(result.explanation).toContain('Fund down the list cannot aim for minimums: it gives North East and North Cumbria £0, short of its minimum of £20,000.')
    expectExactlyFeasible(inp, result)
    expect(greedyFundDownTheList(inp).unmetMinimums).toEqual([{ ...NE, minPence: 2_000_000, givenPence: 0 }])
  })

  test("ring-fenced money funds only the bids its conditions allow, and the explanation says which money cannot fund a bid", async () => {
    const nhs: FundingSource = { id: 10, label: 'NHS South West London ICB (ring-fenced: health and wellbeing outcomes only)', availablePence: 5_000_000, eligibleBidIds: [2, 3], maxSharePercent: null }
    const pot: FundingSource = { id: 11, label: 'Greater Manchester place pot', availablePence: 4_000_000, eligibleBidIds: [1, 2, 3], maxSharePercent: null }
    const inp = input({ bids: [bid(1, 90, 50_000), bid(2, 80, 40_000), bid(3, 70, 50_000)], sources: [nhs, pot] })
    const result = await optimise(inp)
    // Bid 1 can only use the place pot (£40,000 < £50,000), so it cannot be funded at all.
    expect(result.selectedIds).toEqual([2, 3])
    expect(result.greedy.selectedIds).toEqual([2, 3])
    expectExactlyFeasible(inp, result)
    const greedy = greedyFundDownTheList(inp)
    expect(greedy.skipped[0]).toEqual({
      bidId: 1,
      reason: 'BID-1 (£50,000) does not fit: not enough money in the pots may fund it (NHS South West London ICB (ring-fenced: health and wellbeing outcomes only) cannot fund it)',
    })

    // With bid 1 fundable, fund down the list spends the pot on it and leaves bid 3 short.
    const richer = input({ ...inp, sources: [nhs, { ...pot, availablePence: 5_000_000 }], bids: [bid(1, 90, 50_000), bid(2, 80, 40_000), bid(3, 85, 60_000)] })
    const second = await optimise(richer)
    expectExactlyFeasible(richer, second)
    expect(second.totalScoreMilli).toBe(bruteForce(richer)!.score)
  })

  test("a contribution's maximum share of any one bid caps its flow", async () => {
    const half: FundingSource = { id: 20, label: 'Sport England (at most 50% of any one bid)', availablePence: 10_000_000, eligibleBidIds: [1, 2], maxSharePercent: 50 }
    const pot: FundingSource = { id: 21, label: 'Place pot', availablePence: 3_000_001, eligibleBidIds: [1, 2], maxSharePercent: null }
    const inp = input({ bids: [{ ...bid(1, 90, 0), amountPence: 5_000_101 }, bid(2, 80, 10_000)], sources: [half, pot] })
    const result = await optimise(inp)
    // Sport England may give bid 1 at most ⌊50% of 5,000,101p⌋ = 2,500,050p, so it needs 2,500,051p from the pot; bid 2
    // needs 500,000p from the pot too: 3,000,051p is more than the pot's 3,000,001p, so only the higher score is funded.
    expect(result.selectedIds).toEqual([1])
    expect(result.flows).toEqual([
      { bidId: 1, sourceId: 20, pence: 2_500_050 },
      { bidId: 1, sourceId: 21, pence: 2_500_051 },
    ])
    expectExactlyFeasible(inp, result)
  })

  test('minimums that cannot be met make the proposal infeasible, naming the place and why', async () => {
    const inp = input({
      budgetPence: 10_000_000,
      bids: [bid(1, 90, 50_000, GM), bid(2, 40, 20_000, NE)],
      placeLimits: [{ ...NE, minPence: 3_000_000, maxPence: null }],
    })
    const result = await optimise(inp)
    expect(result.status).toBe('infeasible')
    expect(result.selectedIds).toEqual([])
    expect(result.infeasibleReason).toBe(
      'No choice of bids meets every rule: the bids in North East and North Cumbria that can be funded add up to £20,000, less than its minimum of £30,000.',
    )

    const together = input({
      budgetPence: 6_000_000,
      bids: [bid(1, 90, 40_000, GM), bid(2, 40, 40_000, NE)],
      placeLimits: [
        { ...GM, minPence: 3_000_000, maxPence: null },
        { ...NE, minPence: 3_000_000, maxPence: null },
      ],
    })
    const second = await optimise(together)
    expect(second.status).toBe('infeasible')
    expect(second.infeasibleReason).toBe(
      'No choice of bids meets every rule: the minimums for Greater Manchester (£30,000) and North East and North Cumbria (£30,000) cannot all be met at once within the round budget.',
    )
  })

  test('equal scores: the cheaper choice wins, and the same input always gives the same proposal', async () => {
    const inp = input({ budgetPence: 5_000_000, bids: [bid(1, 70, 50_000), bid(2, 70, 30_000), bid(3, 10, 25_000)] })
    const first = await optimise(inp)
    expect(first.selectedIds).toEqual([2])
    const again = await optimise({ ...inp, bids: [...inp.bids].reverse() })
    expect(again.selectedIds).toEqual(first.selectedIds)
    expect(again.explanation).toEqual(first.explanation)
  })

  test('no bids, or bids that nothing can fund, give an empty proposal', async () => {
    expect((await optimise(input({ bids: [] }))).selectedIds).toEqual([])
    const result = await optimise(input({ budgetPence: 100, bids: [bid(1, 90, 50)] }))
    expect(result.status).toBe('optimal')
    expect(result.selectedIds).toEqual([])
  })

  test('refuses amounts that are not whole pence', async () => {
    await expect(optimise(input({ bids: [{ ...bid(1, 90, 50), amountPence: 10.5 }] }))).rejects.toThrow(RangeError)
  })
})

// ---------- against brute force ----------

const placeArb = fc.constantFrom<{ placeId: number; placeName: string } | null>(null, { placeId: 1, placeName: 'Place 1' }, { placeId: 2, placeName: 'Place 2' }, { placeId: 3, placeName: 'Place 3' })

const instanceArb: fc.Arbitrary<OptimiserInput> = fc
  .record({
    bids: fc.array(fc.record({ score: fc.integer({ min: 0, max: 100_000 }), amount: fc.integer({ min: 0, max: 5_000 }), place: placeArb }), { minLength: 0, maxLength: 10 }),
    budget: fc.option(fc.integer({ min: 0, max: 25_000 }), { nil: null }),
    sources: fc.option(
      fc.array(
        fc.record({
          available: fc.integer({ min: 0, max: 15_000 }),
          eligible: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
          share: fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      { nil: null, freq: 3 },
    ),
    limits: fc.array(
      fc.record({ place: fc.integer({ min: 1, max: 3 }), min: fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 6_000 }), weight: 1 }), max: fc.option(fc.integer({ min: 0, max: 12_000 }), { nil: null }) }),
      { maxLength: 3 },
    ),
  })
  .map(({ bids, budget, sources, limits }) => {
    const made = bids.map((b, k) => ({ id: k + 1, label: `B${k + 1}`, scoreMilli: b.score, amountPence: b.amount, placeId: b.place?.placeId ?? null, placeName: b.place?.placeName ?? null }))
    const placeLimits: PlaceLimit[] = []
    for (const l of limits) {
      if (placeLimits.some((p) => p.placeId === l.place)) continue
      const min = l.min !== null && l.max !== null && l.min > l.max ? l.max : l.min
      placeLimits.push({ placeId: l.place, placeName: `Place ${l.place}`, minPence: min, maxPence: l.max })
    }
    return {
      budgetPence: budget,
      bids: made,
      sources: sources && sources.map((s, j) => ({ id: j + 1, label: `Source ${j + 1}`, availablePence: s.available, eligibleBidIds: made.filter((_, k) => s.eligible[k]).map((b) => b.id), maxSharePercent: s.share })),
      placeLimits,
    }
  })

describe('the optimiser against brute force', () => {
  test('on small random rounds it finds the best total score (and the fewest pence for it), exactly feasible in pence', async () => {
    await fc.assert(
      fc.asyncProperty(instanceArb, async (inp) => {
        const best = bruteForce(inp)
        const result = await optimise(inp)
        if (best === null) {
          expect(result.status).toBe('infeasible')
          expect(result.infeasibleReason).toMatch(/^No choice of bids meets every rule: /)
          return
        }
        expect(result.status).toBe('optimal')
        expect(result.totalScoreMilli).toBe(best.score)
        expect(result.totalPence).toBe(best.pence)
        expectExactlyFeasible(inp, result)
        // Fund down the list keeps every rule but the minimums; without minimums it never beats the optimiser.
        if (inp.placeLimits.every((l) => l.minPence === null)) expect(result.greedy.totalScoreMilli).toBeLessThanOrEqual(result.totalScoreMilli)
        expect(feasible({ ...inp, placeLimits: inp.placeLimits.map((l) => ({ ...l, minPence: null })) }, inp.bids.filter((b) => result.greedy.selectedIds.includes(b.id)))).toBe(true)
      }),
      { numRuns: 150, seed: 20261121 },
    )
  }, 120_000)
})
