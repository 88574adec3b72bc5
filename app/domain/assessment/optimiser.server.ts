/**
 * The panel's funding optimiser (ADR 0009): the set of bids with the highest total score that the money allows, solved
 * exactly as a mixed-integer programme with HiGHS (the `highs` package, WebAssembly), and explained against a greedy
 * "fund down the list". Pure: no database (optimiser-input.server.ts builds the input).
 *
 * The model (money in a power-of-ten unit of pence for the solver, flows grouped by the sources that may fund a bid):
 *   maximise Σ score_b·x_b   (x_b binary)
 *   Σ amount_b·x_b ≤ round budget;  min_p ≤ Σ_{b in p} amount_b·x_b ≤ max_p for each place with a limit;
 *   where pots exist, flows y_{b,c} ≥ 0 only for the contributions c whose ring-fence allows b:
 *   Σ_c y_{b,c} = amount_b·x_b,  Σ_b y_{b,c} ≤ available_c,  y_{b,c} ≤ ⌊maxShare_c·amount_b⌋·x_b.
 * Among choices with the same total score it prefers the one that spends fewer pence (the objective carries a
 * penalty of amount/(2·(Σ amounts + 1)) milli-points, which can never outweigh one milli-point of score). Bids and
 * sources go to the solver in id order and the solver runs single-threaded, so the same input gives the same proposal.
 *
 * The solver works in floating point; the proposal is then checked in integer pence: the chosen bids' flows are
 * recomputed by an integer max-flow (FundingState) and every constraint is checked exactly. A choice that fails the
 * check (only possible through solver tolerances) is cut off and the model solved again.
 */
import loadHighs from 'highs'
import { formatPence, percentOfPence } from '~/lib/money.ts'
import { formatPoints } from './scoring.ts'

// ---------- public types ----------

export interface OptimiserBid {
  id: number
  /** How the bid reads in sentences, e.g. its reference "CP-2026-0007". */
  label: string
  scoreMilli: number
  amountPence: number
  placeId: number | null
  placeName: string | null
}

export interface FundingSource {
  /** The contribution id. */
  id: number
  /** E.g. "NHS South West London ICB (ring-fenced: health and wellbeing outcomes only)". */
  label: string
  availablePence: number
  /** The bids this contribution's ring-fence allows. */
  eligibleBidIds: number[]
  /** At most this share of any one bid (rounded down to the penny); null for no cap. */
  maxSharePercent: number | null
}

export interface PlaceLimit {
  placeId: number
  placeName: string
  minPence: number | null
  maxPence: number | null
}

export interface OptimiserInput {
  /** The round budget; null when the round sets none. */
  budgetPence: number | null
  bids: OptimiserBid[]
  /** null = no pots: only the round budget and place limits apply. */
  sources: FundingSource[] | null
  placeLimits: PlaceLimit[]
}

export interface FundingFlow {
  bidId: number
  sourceId: number
  pence: number
}

export interface Selection {
  selectedIds: number[]
  totalScoreMilli: number
  totalPence: number
}

export interface OptimiserResult extends Selection {
  status: 'optimal' | 'infeasible'
  /** Where each chosen bid's money comes from (empty without pots); exact integer pence. */
  flows: FundingFlow[]
  greedy: Selection
  /** Plain-English sentences comparing the proposal with fund down the list. */
  explanation: string[]
  solveMs: number
  infeasibleReason?: string
}

export interface GreedyResult extends Selection {
  /** Each bid fund down the list passed over, with the sentence saying why. */
  skipped: { bidId: number; reason: string }[]
  /** Places whose minimum fund down the list does not meet (it cannot aim for minimums). */
  unmetMinimums: { placeId: number; placeName: string; minPence: number; givenPence: number }[]
}

export class OptimiserError extends Error {}

// ---------- the solver, loaded once ----------

type Highs = Awaited<ReturnType<typeof loadHighs>>
let highsPromise: Promise<Highs> | null = null

function getHighs(): Promise<Highs> {
  highsPromise ??= loadHighs().catch((error: unknown) => {
    highsPromise = null
    throw error
  })
  return highsPromise
}

/** Seconds the solver may take before the optimiser gives up rather than hold a request for ever. */
const TIME_LIMIT_SECONDS = 60
const MAX_RESOLVES = 20

/**
 * Loads HiGHS and solves a small made-up instance, so that V8 compiles the solver's WebAssembly before the first real
 * request. The first solve in a process otherwise spends 2-3 seconds of CPU compiling; later solves of a 2,000-bid
 * round take under a second. Solved once per process (later calls share it); call it without awaiting it.
 */
let warmUp: Promise<void> | null = null

export function warmUpOptimiser(): Promise<void> {
  warmUp ??= solveWarmUpInstance().catch((error: unknown) => {
    warmUp = null
    throw error
  })
  return warmUp
}

async function solveWarmUpInstance(): Promise<void> {
  let seed = 12345
  const next = (n: number) => (seed = (seed * 48271) % 2147483647) % n
  const bids: OptimiserBid[] = Array.from({ length: 200 }, (_, k) => ({
    id: k + 1,
    label: `warm-up ${k + 1}`,
    scoreMilli: 20_000 + next(80_000),
    amountPence: (2_000 + next(50_000)) * 100,
    placeId: 1 + next(6),
    placeName: null,
  }))
  const sources: FundingSource[] = [1, 2, 3].map((id) => ({
    id,
    label: `warm-up source ${id}`,
    availablePence: 40_000_000,
    eligibleBidIds: bids.filter(() => next(3) === 0).map((b) => b.id),
    maxSharePercent: id === 2 ? 50 : null,
  }))
  await optimise({ budgetPence: 100_000_000, bids, sources, placeLimits: [{ placeId: 1, placeName: 'warm-up place', minPence: 5_000_000, maxPence: 20_000_000 }] })
}

// ---------- a prepared, validated instance ----------

interface Edge {
  source: number // index into Prepared.sources
  cap: number // pence: the share cap ⌊maxShare·amount⌋, or the amount
}

interface Prepared {
  budget: number | null
  bids: OptimiserBid[] // in id order
  index: Map<number, number> // bid id -> index
  sources: FundingSource[] | null // in id order
  edges: Edge[][] // per bid: the sources whose ring-fence allows it
  limits: Map<number, PlaceLimit>
}

function assertWhole(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a whole number of 0 or more, got ${n}`)
}

function prepare(input: OptimiserInput): Prepared {
  if (input.budgetPence !== null) assertWhole(input.budgetPence, 'budgetPence')
  const bids = [...input.bids].sort((a, b) => a.id - b.id)
  const index = new Map<number, number>()
  bids.forEach((b, i) => {
    assertWhole(b.scoreMilli, `score of ${b.label}`)
    assertWhole(b.amountPence, `amount of ${b.label}`)
    if (index.has(b.id)) throw new RangeError(`bid ${b.id} appears twice`)
    index.set(b.id, i)
  })
  const limits = new Map<number, PlaceLimit>()
  for (const l of input.placeLimits) {
    if (l.minPence !== null) assertWhole(l.minPence, `minimum for ${l.placeName}`)
    if (l.maxPence !== null) assertWhole(l.maxPence, `maximum for ${l.placeName}`)
    if (l.minPence === null && l.maxPence === null) continue
    limits.set(l.placeId, l)
  }
  const sources = input.sources === null ? null : [...input.sources].sort((a, b) => a.id - b.id)
  const edges: Edge[][] = bids.map(() => [])
  sources?.forEach((s, j) => {
    assertWhole(s.availablePence, `money available from ${s.label}`)
    for (const bidId of [...new Set(s.eligibleBidIds)].sort((a, b) => a - b)) {
      const i = index.get(bidId)
      if (i === undefined) continue
      const cap = shareCap(bids[i].amountPence, s.maxSharePercent)
      if (cap > 0 || bids[i].amountPence === 0) edges[i].push({ source: j, cap })
    }
  })
  return { budget: input.budgetPence, bids, index, sources, edges, limits }
}

/** The most a source with this share cap may give a bid (rounded down to the penny, as ring-fence.ts does). */
function shareCap(amountPence: number, maxSharePercent: number | null): number {
  return maxSharePercent === null ? amountPence : percentOfPence(amountPence, maxSharePercent)
}

// ---------- what a set of bids spends, checked exactly in pence ----------

type Refusal =
  | { kind: 'budget'; leftPence: number }
  | { kind: 'placeMax'; placeName: string; maxPence: number; usedPence: number }
  | { kind: 'noEligibleMoney'; ineligible: string[]; capped: string[] }
  | { kind: 'funding'; reachablePence: number; eligible: string[]; ineligible: string[] }

/**
 * A growing set of funded bids with its spending so far: round budget, place totals and an integer flow of money
 * from each source to each bid. Adding a bid augments the flow (Ford-Fulkerson with breadth-first paths, sources and
 * bids visited in id order, so it is deterministic); if the bid cannot be fully funded the flow is put back.
 */
class FundingState {
  readonly selected = new Set<number>() // bid indices
  spent = 0
  score = 0
  readonly placeTotals = new Map<number, number>()
  private readonly used: number[]
  private readonly flow: number[][] // per bid, per edge
  private readonly bySource: { bid: number; edge: number }[][]

  constructor(private readonly p: Prepared) {
    this.used = (p.sources ?? []).map(() => 0)
    this.flow = p.edges.map((es) => es.map(() => 0))
    this.bySource = (p.sources ?? []).map(() => [])
    p.edges.forEach((es, i) => es.forEach((e, k) => this.bySource[e.source].push({ bid: i, edge: k })))
  }

  /** Why bid i cannot join the set, or null when it fits (then it has joined). */
  tryAdd(i: number): Refusal | null {
    const refusal = this.checkLimits(i)
    if (refusal) return refusal
    if (this.p.sources !== null) {
      const funding = this.fund(i)
      if (funding) return funding
    }
    const bid = this.p.bids[i]
    this.selected.add(i)
    this.spent += bid.amountPence
    this.score += bid.scoreMilli
    if (bid.placeId !== null) this.placeTotals.set(bid.placeId, (this.placeTotals.get(bid.placeId) ?? 0) + bid.amountPence)
    return null
  }

  /** Why bid i would not fit, without adding it. */
  whyNot(i: number): Refusal | null {
    const refusal = this.checkLimits(i)
    if (refusal || this.p.sources === null) return refusal
    const funding = this.fund(i)
    if (!funding) this.unfund(i)
    return funding
  }

  /** Pence bid i gets through its k-th edge. */
  flowOf(i: number, k: number): number {
    return this.flow[i][k]
  }

  flows(): FundingFlow[] {
    const out: FundingFlow[] = []
    for (const i of [...this.selected].sort((a, b) => a - b)) {
      this.p.edges[i].forEach((e, k) => {
        if (this.flow[i][k] > 0) out.push({ bidId: this.p.bids[i].id, sourceId: this.p.sources![e.source].id, pence: this.flow[i][k] })
      })
    }
    return out
  }

  private checkLimits(i: number): Refusal | null {
    const bid = this.p.bids[i]
    if (this.p.budget !== null && this.spent + bid.amountPence > this.p.budget) return { kind: 'budget', leftPence: this.p.budget - this.spent }
    const limit = bid.placeId === null ? undefined : this.p.limits.get(bid.placeId)
    if (limit && limit.maxPence !== null) {
      const usedPence = this.placeTotals.get(limit.placeId) ?? 0
      if (usedPence + bid.amountPence > limit.maxPence) return { kind: 'placeMax', placeName: limit.placeName, maxPence: limit.maxPence, usedPence }
    }
    return null
  }

  private unfund(i: number): void {
    this.p.edges[i].forEach((e, k) => {
      this.used[e.source] -= this.flow[i][k]
      this.flow[i][k] = 0
    })
    // Money other bids rerouted to make room stays rerouted: still a valid flow for them.
  }

  /** Pushes bid i's amount through the residual network; on failure restores every change and says why. */
  private fund(i: number): Refusal | null {
    const sources = this.p.sources!
    const need = this.p.bids[i].amountPence
    const log: { bid: number; edge: number; delta: number }[] = []
    let pushed = 0
    // Straight from sources with money left first; a breadth-first search for reroutes only for what remains.
    this.p.edges[i].forEach((e, k) => {
      const delta = Math.min(need - pushed, e.cap - this.flow[i][k], sources[e.source].availablePence - this.used[e.source])
      if (delta <= 0) return
      this.flow[i][k] += delta
      this.used[e.source] += delta
      log.push({ bid: i, edge: k, delta })
      pushed += delta
    })
    while (pushed < need) {
      const path = this.augmentingPath(i)
      if (!path) break
      let delta = need - pushed
      const head = path[0]
      delta = Math.min(delta, sources[head.source].availablePence - this.used[head.source])
      for (const step of path) {
        const f = this.flow[step.bid][step.edge]
        delta = Math.min(delta, step.forward ? this.p.edges[step.bid][step.edge].cap - f : f)
      }
      this.used[head.source] += delta
      for (const step of path) {
        const d = step.forward ? delta : -delta
        this.flow[step.bid][step.edge] += d
        log.push({ bid: step.bid, edge: step.edge, delta: d })
      }
      pushed += delta
    }
    if (pushed === need) return null
    for (const change of log.reverse()) this.flow[change.bid][change.edge] -= change.delta
    // Only the first source of each path changes its total; recompute them all from the restored flow.
    this.used.fill(0)
    this.p.edges.forEach((es, b) => es.forEach((e, k) => (this.used[e.source] += this.flow[b][k])))
    return this.fundingRefusal(i, pushed)
  }

  /**
   * A shortest path S → source → bid ← source → … → bid i in the residual network: forward steps give a bid more
   * from a source, backward steps take money a funded bid gets from a source and give it to the next bid.
   */
  private augmentingPath(target: number): { bid: number; edge: number; forward: boolean; source: number }[] | null {
    const sources = this.p.sources!
    const inSet = (b: number) => b === target || this.selected.has(b)
    // parent of a source node: the backward step that reached it (null for a source reached straight from S).
    const sourceParent = new Map<number, { bid: number; edge: number } | null>()
    // parent of a bid node: the forward step (source, edge) that reached it.
    const bidParent = new Map<number, { source: number; edge: number }>()
    const queue: number[] = []
    sources.forEach((s, j) => {
      if (this.used[j] < s.availablePence) {
        sourceParent.set(j, null)
        queue.push(j)
      }
    })
    for (let q = 0; q < queue.length; q++) {
      const j = queue[q]
      for (const { bid, edge } of this.bySource[j]) {
        if (!inSet(bid) || bidParent.has(bid)) continue
        if (this.flow[bid][edge] >= this.p.edges[bid][edge].cap) continue
        bidParent.set(bid, { source: j, edge })
        if (bid === target) return this.tracePath(target, sourceParent, bidParent)
        this.p.edges[bid].forEach((e, k) => {
          if (this.flow[bid][k] > 0 && !sourceParent.has(e.source)) {
            sourceParent.set(e.source, { bid, edge: k })
            queue.push(e.source)
          }
        })
      }
    }
    return null
  }

  private tracePath(
    target: number,
    sourceParent: Map<number, { bid: number; edge: number } | null>,
    bidParent: Map<number, { source: number; edge: number }>,
  ): { bid: number; edge: number; forward: boolean; source: number }[] {
    const steps: { bid: number; edge: number; forward: boolean; source: number }[] = []
    let bid = target
    for (;;) {
      const forward = bidParent.get(bid)!
      steps.push({ bid, edge: forward.edge, forward: true, source: forward.source })
      const back = sourceParent.get(forward.source)!
      if (back === null) break
      steps.push({ bid: back.bid, edge: back.edge, forward: false, source: forward.source })
      bid = back.bid
    }
    return steps.reverse()
  }

  private fundingRefusal(i: number, reachablePence: number): Refusal {
    const sources = this.p.sources!
    const eligibleIdx = new Set(this.p.edges[i].map((e) => e.source))
    const ineligible = sources.filter((s, j) => !eligibleIdx.has(j) && s.availablePence - this.used[j] > 0).map((s) => s.label)
    const bid = this.p.bids[i]
    const alone = this.p.edges[i].reduce((sum, e) => sum + Math.min(e.cap, sources[e.source].availablePence), 0)
    if (alone < bid.amountPence) {
      const capped = this.p.edges[i].filter((e) => e.cap < bid.amountPence).map((e) => sources[e.source].label)
      return { kind: 'noEligibleMoney', ineligible: sources.filter((_, j) => !eligibleIdx.has(j)).map((s) => s.label), capped }
    }
    return { kind: 'funding', reachablePence, eligible: this.p.edges[i].map((e) => sources[e.source].label), ineligible }
  }
}

// ---------- fund down the list ----------

function rankOrder(p: Prepared): number[] {
  return p.bids.map((_, i) => i).sort((a, b) => p.bids[b].scoreMilli - p.bids[a].scoreMilli || p.bids[a].id - p.bids[b].id)
}

function selectionOf(p: Prepared, state: FundingState): Selection {
  return { selectedIds: [...state.selected].map((i) => p.bids[i].id).sort((a, b) => a - b), totalScoreMilli: state.score, totalPence: state.spent }
}

function unmetMinimums(p: Prepared, state: FundingState): GreedyResult['unmetMinimums'] {
  return [...p.limits.values()]
    .filter((l) => l.minPence !== null && (state.placeTotals.get(l.placeId) ?? 0) < l.minPence)
    .map((l) => ({ placeId: l.placeId, placeName: l.placeName, minPence: l.minPence!, givenPence: state.placeTotals.get(l.placeId) ?? 0 }))
}

function runGreedy(p: Prepared): { state: FundingState; refusals: Map<number, Refusal> } {
  const state = new FundingState(p)
  const refusals = new Map<number, Refusal>()
  for (const i of rankOrder(p)) {
    const refusal = state.tryAdd(i)
    if (refusal) refusals.set(i, refusal)
  }
  return { state, refusals }
}

/**
 * "Fund down the list": bids in rank order (score, highest first; then id), each taken if it still fits the round
 * budget, its place's maximum and the pots' money (its ring-fences and share caps), otherwise passed over. It cannot
 * aim for a place's minimum, so it reports the minimums it leaves unmet.
 */
export function greedyFundDownTheList(input: OptimiserInput): GreedyResult {
  const p = prepare(input)
  const { state, refusals } = runGreedy(p)
  return {
    ...selectionOf(p, state),
    skipped: [...refusals].map(([i, r]) => ({ bidId: p.bids[i].id, reason: describeRefusal(p.bids[i], r, 'greedy') })),
    unmetMinimums: unmetMinimums(p, state),
  }
}

// ---------- the mixed-integer programme ----------

interface Model {
  candidates: number[] // bid indices that can be funded at all, in id order
  numCols: number
  colCost: number[]
  colUpper: number[]
  integrality: number[]
  rows: { lower: number; upper: number; indices: number[]; values: number[] }[]
  /** For each flow column: the bids it funds and which of their edges (the same source for all of them). */
  flowCols: { members: number[]; edge: number }[]
  unit: number
}

/** Bids that could be funded on their own: within the budget, their place's maximum and the money that may fund them. */
function fundableAlone(p: Prepared, i: number): boolean {
  const bid = p.bids[i]
  if (p.budget !== null && bid.amountPence > p.budget) return false
  const limit = bid.placeId === null ? undefined : p.limits.get(bid.placeId)
  if (limit?.maxPence != null && bid.amountPence > limit.maxPence) return false
  if (p.sources === null) return true
  return p.edges[i].reduce((sum, e) => sum + Math.min(e.cap, p.sources![e.source].availablePence), 0) >= bid.amountPence
}

/**
 * Money goes to the solver in units of a power of ten pence chosen so that bid amounts are tens rather than millions,
 * which keeps HiGHS's tolerances far below a penny without the large bounds it warns about.
 */
function moneyUnit(p: Prepared): number {
  const largest = Math.max(1, ...p.bids.map((b) => b.amountPence))
  return 10 ** Math.max(0, Math.floor(Math.log10(largest)) - 1)
}

/**
 * Flows are aggregated over bids that the same sources may fund: one flow z_{K,c} per group K and source c, with
 * Σ_c z_{K,c} = Σ_{b in K} amount_b·x_b and z_{K,c} ≤ Σ_{b in K} cap_{b,c}·x_b. Sharing each source's flow among the
 * group's bids in proportion to their amounts funds every bid exactly within its share caps, so this is the same
 * problem as per-bid flows, with a fraction of the variables and rows. (Caps are rounded down to the penny per bid;
 * the only gap is a few pence, which the exact check after solving catches: then `perBid` flows are used.)
 */
function buildModel(p: Prepared, options: { dropMinimums?: ReadonlySet<number>; perBid?: boolean } = {}): Model {
  const unit = moneyUnit(p)
  const units = (pence: number) => pence / unit
  const candidates = p.bids.map((_, i) => i).filter((i) => fundableAlone(p, i))
  const totalPence = candidates.reduce((sum, i) => sum + p.bids[i].amountPence, 0)
  const col = new Map<number, number>(candidates.map((i, c) => [i, c]))
  const colCost = candidates.map((i) => p.bids[i].scoreMilli - p.bids[i].amountPence / (2 * (totalPence + 1)))
  const colUpper = candidates.map(() => 1)
  const integrality = candidates.map(() => 1)
  const rows: Model['rows'] = []
  const amountRow = (members: number[], lower: number, upper: number) =>
    rows.push({ lower, upper, indices: members.map((i) => col.get(i)!), values: members.map((i) => units(p.bids[i].amountPence)) })

  if (p.budget !== null) amountRow(candidates, -Infinity, units(p.budget))
  for (const limit of p.limits.values()) {
    const min = options.dropMinimums?.has(limit.placeId) ? null : limit.minPence
    if (min === null && limit.maxPence === null) continue
    const members = candidates.filter((i) => p.bids[i].placeId === limit.placeId)
    amountRow(members, min === null ? -Infinity : units(min), limit.maxPence === null ? Infinity : units(limit.maxPence))
  }
  const flowCols: Model['flowCols'] = []
  if (p.sources === null) return { candidates, numCols: colCost.length, colCost, colUpper, integrality, rows, flowCols, unit }

  const groups = new Map<string, number[]>()
  for (const i of candidates) {
    const key = options.perBid ? `bid ${i}` : p.edges[i].map((e) => e.source).join(',')
    groups.set(key, [...(groups.get(key) ?? []), i])
  }
  const sourceRows: { indices: number[]; values: number[] }[] = p.sources.map(() => ({ indices: [], values: [] }))
  for (const members of groups.values()) {
    const balance = { lower: 0, upper: 0, indices: members.map((i) => col.get(i)!), values: members.map((i) => -units(p.bids[i].amountPence)) }
    p.edges[members[0]].forEach((e, k) => {
      const capTotal = members.reduce((sum, i) => sum + p.edges[i][k].cap, 0)
      const z = colCost.length
      flowCols.push({ members, edge: k })
      colCost.push(0)
      colUpper.push(units(Math.min(capTotal, p.sources![e.source].availablePence)))
      integrality.push(0)
      balance.indices.push(z)
      balance.values.push(1)
      sourceRows[e.source].indices.push(z)
      sourceRows[e.source].values.push(1)
      const capped = members.filter((i) => p.edges[i][k].cap < p.bids[i].amountPence)
      if (capped.length > 0) {
        rows.push({
          lower: -Infinity,
          upper: 0,
          indices: [z, ...members.map((i) => col.get(i)!)],
          values: [1, ...members.map((i) => -units(p.edges[i][k].cap))],
        })
      }
    })
    rows.push(balance)
  }
  p.sources.forEach((s, j) => {
    if (sourceRows[j].indices.length > 0) rows.push({ lower: -Infinity, upper: units(s.availablePence), ...sourceRows[j] })
  })
  return { candidates, numCols: colCost.length, colCost, colUpper, integrality, rows, flowCols, unit }
}

/**
 * A good feasible choice to start the solver from, so that it spends its time proving rather than searching: first
 * each place's minimum from its best-value bids, then every bid by score per pound (then id) while it fits. Null when
 * it misses a minimum.
 */
function startingSolution(p: Prepared, model: Model): number[] | null {
  const state = new FundingState(p)
  const value = (i: number) => p.bids[i].scoreMilli / Math.max(1, p.bids[i].amountPence)
  const byValue = [...model.candidates].sort((a, b) => value(b) - value(a) || p.bids[a].id - p.bids[b].id)
  for (const limit of p.limits.values()) {
    if (limit.minPence === null) continue
    for (const i of byValue) {
      if ((state.placeTotals.get(limit.placeId) ?? 0) >= limit.minPence) break
      if (p.bids[i].placeId === limit.placeId && !state.selected.has(i)) state.tryAdd(i)
    }
  }
  for (const i of byValue) if (!state.selected.has(i)) state.tryAdd(i)
  if (unmetMinimums(p, state).length > 0) return null
  const colValue: number[] = model.candidates.map((i) => (state.selected.has(i) ? 1 : 0))
  for (const { members, edge } of model.flowCols) {
    colValue.push(members.reduce((sum, i) => sum + state.flowOf(i, edge), 0) / model.unit)
  }
  return colValue
}

type SolveOutcome = { status: 'optimal'; chosen: number[] } | { status: 'infeasible' }

async function solveModel(model: Model, cuts: number[][], start: number[] | null = null): Promise<SolveOutcome> {
  if (model.candidates.length === 0) {
    const impossible = model.rows.some((r) => r.lower > 0)
    return impossible ? { status: 'infeasible' } : { status: 'optimal', chosen: [] }
  }
  const highs = await getHighs()
  const rows = [
    ...model.rows,
    ...cuts.map((chosen) => ({ lower: -Infinity, upper: chosen.length - 1, indices: chosen, values: chosen.map(() => 1) })),
  ]
  const starts = [0]
  const indices: number[] = []
  const values: number[] = []
  for (const r of rows) {
    indices.push(...r.indices)
    values.push(...r.values)
    starts.push(indices.length)
  }
  const inf = highs.infinity
  const clamp = (v: number) => (v === Infinity ? inf : v === -Infinity ? -inf : v)
  return highs.withModel(
    {
      numCols: model.numCols,
      numRows: rows.length,
      sense: highs.constants.objectiveSense.maximize,
      colCost: model.colCost,
      colLower: model.colCost.map(() => 0),
      colUpper: model.colUpper,
      rowLower: rows.map((r) => clamp(r.lower)),
      rowUpper: rows.map((r) => clamp(r.upper)),
      matrix: { format: 'csr', numRows: rows.length, numCols: model.numCols, starts, indices, values },
      integrality: model.integrality as (0 | 1)[],
    },
    (m) => {
      m.options.set({
        output_flag: false,
        mip_rel_gap: 0,
        mip_abs_gap: 0,
        mip_feasibility_tolerance: 1e-9,
        primal_feasibility_tolerance: 1e-9,
        time_limit: TIME_LIMIT_SECONDS,
      })
      if (start) m.setSolution({ colValue: start })
      m.run()
      const status = m.getModelStatus()
      const codes = highs.constants.modelStatus
      if (status === codes.infeasible) return { status: 'infeasible' as const }
      if (status !== codes.optimal) throw new OptimiserError(`The solver stopped without a proven best choice (HiGHS model status ${status})`)
      const x = m.getSolution().colValue
      return { status: 'optimal' as const, chosen: model.candidates.filter((_, c) => x[c] > 0.5) }
    },
  )
}

/** The solver's choice as a FundingState, or null when it breaks a rule in exact pence. */
function checkExactly(p: Prepared, chosen: number[]): FundingState | null {
  const state = new FundingState(p)
  for (const i of chosen) if (state.tryAdd(i)) return null
  for (const l of p.limits.values()) if (l.minPence !== null && (state.placeTotals.get(l.placeId) ?? 0) < l.minPence) return null
  return state
}

// ---------- the optimiser ----------

/** The proposal: the highest-scoring set of bids the money allows, with its flows and an explanation. */
export async function optimise(input: OptimiserInput): Promise<OptimiserResult> {
  const started = performance.now()
  const p = prepare(input)
  const greedy = runGreedy(p)
  let model = buildModel(p)
  let perBid = false
  const cuts: number[][] = []
  for (let attempt = 0; attempt <= MAX_RESOLVES; attempt++) {
    const outcome = await solveModel(model, cuts, startingSolution(p, model))
    if (outcome.status === 'infeasible') {
      const reason = await diagnoseInfeasible(p)
      return {
        status: 'infeasible',
        selectedIds: [],
        totalScoreMilli: 0,
        totalPence: 0,
        flows: [],
        greedy: selectionOf(p, greedy.state),
        explanation: [reason, ...greedyMinimumSentences(p, greedy.state)],
        solveMs: Math.round(performance.now() - started),
        infeasibleReason: reason,
      }
    }
    const state = checkExactly(p, outcome.chosen)
    if (state) {
      return {
        status: 'optimal',
        ...selectionOf(p, state),
        flows: state.flows(),
        greedy: selectionOf(p, greedy.state),
        explanation: explain(p, state, greedy.state, greedy.refusals),
        solveMs: Math.round(performance.now() - started),
      }
    }
    if (!perBid) {
      // Rounding share caps to the penny per bid can leave the grouped flows a few pence short: solve per bid.
      perBid = true
      model = buildModel(p, { perBid })
      continue
    }
    const col = new Map(model.candidates.map((i, c) => [i, c]))
    cuts.push(outcome.chosen.map((i) => col.get(i)!))
  }
  throw new OptimiserError('The solver kept proposing choices that do not add up to the penny')
}

// ---------- explanations ----------

const money = (pence: number) => formatPence(pence, { pence: 'auto' })

function listOf(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`
}

function bidWithFigures(bid: OptimiserBid): string {
  return `${bid.label} (score ${formatPoints(bid.scoreMilli)}, ${money(bid.amountPence)})`
}

/** Why a bid does not fit, as a clause: after higher-ranked bids (greedy) or in the optimiser's choice. */
function refusalClause(r: Refusal, context: 'greedy' | 'optimiser'): string {
  const after = context === 'greedy' ? 'after higher-ranked bids' : "in the optimiser's choice"
  switch (r.kind) {
    case 'budget':
      return `the round budget has ${money(r.leftPence)} left ${after}`
    case 'placeMax':
      return `${r.placeName}'s maximum of ${money(r.maxPence)} would be passed (${money(r.usedPence)} already goes there ${after})`
    case 'noEligibleMoney': {
      const why = [
        ...(r.ineligible.length > 0 ? [`${listOf(r.ineligible)} cannot fund it`] : []),
        ...(r.capped.length > 0 ? [`${listOf(r.capped)} may pay only part of any one bid`] : []),
      ]
      return `not enough money in the pots may fund it${why.length > 0 ? ` (${why.join('; ')})` : ''}`
    }
    case 'funding': {
      const start = `only ${money(r.reachablePence)} of the money left ${after} may fund it (from ${orList(r.eligible)})`
      return r.ineligible.length > 0 ? `${start}; ${listOf(r.ineligible)} cannot fund it` : start
    }
  }
}

/** "BID-7 (£40,000) does not fit: the round budget has £12,000 left after higher-ranked bids" */
function describeRefusal(bid: OptimiserBid, r: Refusal, context: 'greedy' | 'optimiser'): string {
  return `${bid.label} (${money(bid.amountPence)}) does not fit: ${refusalClause(r, context)}`
}

function greedyMinimumSentences(p: Prepared, greedy: FundingState): string[] {
  return unmetMinimums(p, greedy).map(
    (u) =>
      `Fund down the list cannot aim for minimums: it gives ${u.placeName} ${money(u.givenPence)}, short of its minimum of ${money(u.minPence)}.`,
  )
}

/** Which place's minimum needs this bid: removing it from the proposal would leave the place short. */
function minimumNeeding(p: Prepared, chosen: FundingState, i: number): PlaceLimit | null {
  const bid = p.bids[i]
  const limit = bid.placeId === null ? undefined : p.limits.get(bid.placeId)
  if (!limit || limit.minPence === null) return null
  return (chosen.placeTotals.get(limit.placeId) ?? 0) - bid.amountPence < limit.minPence ? limit : null
}

function explain(p: Prepared, chosen: FundingState, greedy: FundingState, refusals: Map<number, Refusal>): string[] {
  const onlyGreedy = [...greedy.selected].filter((i) => !chosen.selected.has(i)).sort((a, b) => a - b)
  const onlyChosen = [...chosen.selected].filter((i) => !greedy.selected.has(i)).sort((a, b) => a - b)
  const count = (n: number) => `${n} bid${n === 1 ? '' : 's'}`
  if (onlyGreedy.length === 0 && onlyChosen.length === 0) {
    return [
      `The optimiser and fund down the list agree: both fund the same ${count(chosen.selected.size)}, scoring ${formatPoints(chosen.score)} points in total for ${money(chosen.spent)}.`,
    ]
  }
  const sentences: string[] = []
  const scoreGain = chosen.score - greedy.score
  const penceDiff = chosen.spent - greedy.spent
  const scorePart = scoreGain === 0 ? 'scores the same in total' : `scores ${formatPoints(Math.abs(scoreGain))} points ${scoreGain > 0 ? 'more' : 'less'} in total`
  const moneyPart = penceDiff === 0 ? 'for the same money' : `for ${money(Math.abs(penceDiff))} ${penceDiff < 0 ? 'less' : 'more'}`
  const gFunds = onlyGreedy.length > 0 ? `would fund ${listOf(onlyGreedy.map((i) => bidWithFigures(p.bids[i])))}` : 'would fund nothing the optimiser leaves out'
  const gNot = onlyChosen.length > 0 ? ` but not ${listOf(onlyChosen.map((i) => bidWithFigures(p.bids[i])))}` : ''
  sentences.push(`Fund down the list ${gFunds}${gNot}; the optimiser's choice ${scorePart} ${moneyPart}.`)
  for (const i of onlyChosen) {
    const limit = minimumNeeding(p, chosen, i)
    if (limit) {
      sentences.push(`The minimum of ${money(limit.minPence!)} for ${limit.placeName} needs ${p.bids[i].label}.`)
      continue
    }
    const refusal = refusals.get(i)
    if (refusal) sentences.push(`When fund down the list reaches ${p.bids[i].label}, it does not fit: ${refusalClause(refusal, 'greedy')}.`)
  }
  for (const i of onlyGreedy) {
    const refusal = chosen.whyNot(i)
    if (refusal) sentences.push(`The optimiser leaves out ${p.bids[i].label} for a higher-scoring combination: ${refusalClause(refusal, 'optimiser')}.`)
    else sentences.push(`The optimiser leaves out ${p.bids[i].label}: it adds no score for its cost.`)
  }
  sentences.push(...greedyMinimumSentences(p, greedy))
  return sentences
}

/** Names the minimum(s) that cannot be met, in words. */
async function diagnoseInfeasible(p: Prepared): Promise<string> {
  const withMin = [...p.limits.values()].filter((l) => l.minPence !== null && l.minPence > 0)
  const alone: string[] = []
  for (const limit of withMin) {
    const others = new Set(withMin.filter((l) => l !== limit).map((l) => l.placeId))
    const outcome = await solveModel(buildModel(p, { dropMinimums: others }), [])
    if (outcome.status === 'optimal') continue
    const fundable = p.bids
      .map((b, i) => ({ b, i }))
      .filter(({ b, i }) => b.placeId === limit.placeId && fundableAlone(p, i))
      .reduce((sum, { b }) => sum + b.amountPence, 0)
    alone.push(
      fundable < limit.minPence!
        ? `the bids in ${limit.placeName} that can be funded add up to ${money(fundable)}, less than its minimum of ${money(limit.minPence!)}`
        : `${limit.placeName}'s minimum of ${money(limit.minPence!)} cannot be met within ${limitsInWords(p, limit)}`,
    )
  }
  if (alone.length > 0) return `No choice of bids meets every rule: ${alone.join('; ')}.`
  const names = listOf(withMin.map((l) => `${l.placeName} (${money(l.minPence!)})`))
  const sumMin = withMin.reduce((sum, l) => sum + l.minPence!, 0)
  const budget = p.budget !== null && sumMin > p.budget ? `: together they come to ${money(sumMin)}, more than the round budget of ${money(p.budget)}` : ` within the round budget${p.sources ? " and the pots' money" : ''}`
  return `No choice of bids meets every rule: the minimums for ${names} cannot all be met at once${budget}.`
}

function limitsInWords(p: Prepared, limit: PlaceLimit): string {
  const parts: string[] = []
  if (p.budget !== null) parts.push(`the round budget of ${money(p.budget)}`)
  if (limit.maxPence !== null) parts.push(`its maximum of ${money(limit.maxPence)}`)
  if (p.sources !== null) parts.push('the money that may fund its bids')
  return parts.length > 0 ? listOf(parts) : 'the bids it has'
}
