/**
 * The panel meeting's ranked list (ADR 0009): every bid in rank order (roundScoreboard) with its current decision and
 * a running total against the money available: the round budget and, where the round draws on pots, each pot's
 * balance and each ring-fenced contribution's balance.
 *
 * How the running total is counted: walking down the list, a bid counts when the panel may still fund it: its
 * decision is "recommended" (at the recommended amount), or it has no decision yet and passed every gateway (at the
 * amount requested). Reserve, declined and gateway-failed bids do not count. So before any decision the list reads as
 * "fund down the list", and each decision updates the money left below it.
 *
 * Pots: a counted bid draws on the round's pot for its own place if there is one, else on a national pot (no place),
 * split across that pot's contributions by the same rule an award commitment uses (splitCandidates and
 * proportionalSplit from the budgets area, so every ring-fence applies), against what is left after the bids above
 * it. A bid no pot can fund is marked with the reason (the binding ring-fence condition).
 *
 * Access: fund managers see every round's panel; a panel chair only the rounds whose panel they chair (is_chair).
 */
import { parseOutcomeAreas } from '~/domain/applications/outcome-areas.server.ts'
import type { ContributionBucket } from '~/domain/budgets/accounts.ts'
import { candidatesFrom, type PotSplitBasis } from '~/domain/budgets/commitments.server.ts'
import type { ContributionBalances } from '~/domain/budgets/contributions.server.ts'
import { balanceFromTotals } from '~/domain/budgets/ledger-accounts.ts'
import { conditionNames } from '~/domain/budgets/overview.server.ts'
import { describeConditions, maxContributionToAward, parseConditions, type AwardFacts, type Conditions } from '~/domain/budgets/ring-fence.ts'
import { proportionalSplit, type SplitCandidate } from '~/domain/budgets/split.ts'
import { ukToday } from '~/domain/places/places.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import type { Permission } from '~/lib/policy.ts'
import { chairsRound } from './moderation.server.ts'
import { penceFromDatabase } from '~/lib/money.ts'
import type { DecisionStatus } from './panel-labels.ts'
import { rankedBids, roundRankingEntries, type RankingEntry } from './scoreboard.server.ts'

export interface PanelViewer {
  id: number
  permissions: ReadonlySet<Permission>
}

/** Whether the user may see and act on the round's panel: fund managers always, chairs only on their own panels. */
export async function canSeePanel(db: Db, user: PanelViewer, roundId: number): Promise<boolean> {
  if (!user.permissions.has('decide:application:any')) return false
  if (user.permissions.has('manage:round:any')) return true
  return chairsRound(db, user.id, roundId)
}

export class PanelForbiddenError extends DomainError {
  constructor() {
    super('Only the round’s panel chair or a fund manager can see this panel.', { code: 'panel_forbidden', status: 403 })
  }
}

/** The round, when the user may see its panel: NotFoundError for no such round, PanelForbiddenError otherwise. */
export async function requirePanelAccess(db: Db, user: PanelViewer, roundId: number): Promise<PanelRoundFacts> {
  const round = await panelRound(db, roundId)
  if (!(await canSeePanel(db, user, roundId))) throw new PanelForbiddenError()
  return round
}

export interface PanelRoundSummary {
  id: number
  title: string
  fundName: string
  status: string
  budgetPence: number
  bids: number
  decided: number
  decisionsReleasedAt: string | null
}

/** The rounds whose panel the user may see (allocation by panel), newest first. */
export async function listPanelRounds(db: Db, user: PanelViewer): Promise<PanelRoundSummary[]> {
  if (!user.permissions.has('decide:application:any')) return []
  let query = db
    .selectFrom('rounds')
    .innerJoin('funds', 'funds.id', 'rounds.fund_id')
    .select((eb) => [
      'rounds.id',
      'rounds.title',
      'rounds.status',
      'rounds.budget_pence',
      'rounds.decisions_released_at',
      'funds.name as fund_name',
      eb
        .selectFrom('applications')
        .select((e) => e.fn.countAll<number | string>().as('n'))
        .whereRef('applications.round_id', '=', 'rounds.id')
        .where('applications.status', 'in', ['submitted', 'successful', 'reserve', 'unsuccessful'])
        .as('bids'),
      eb
        .selectFrom('panel_decisions')
        .select((e) => e.fn.countAll<number | string>().as('n'))
        .whereRef('panel_decisions.round_id', '=', 'rounds.id')
        .as('decided'),
    ])
    .where('rounds.allocation_method', '=', 'panel')
    .where('rounds.status', '!=', 'draft')
  if (!user.permissions.has('manage:round:any')) {
    query = query.where((eb) => eb.exists(eb.selectFrom('round_assessors').select('round_assessors.id').whereRef('round_assessors.round_id', '=', 'rounds.id').where('round_assessors.user_id', '=', user.id).where('round_assessors.is_chair', '=', 1)))
  }
  const rows = await query.orderBy('rounds.id', 'desc').execute()
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    fundName: r.fund_name,
    status: r.status,
    budgetPence: Number(r.budget_pence),
    bids: Number(r.bids ?? 0),
    decided: Number(r.decided ?? 0),
    decisionsReleasedAt: r.decisions_released_at,
  }))
}

export interface PanelRoundFacts {
  id: number
  title: string
  fundId: number
  fundName: string
  budgetPence: number
  maxGrantPence: number | null
  declineReasons: string[]
  decisionsReleasedAt: string | null
  panelHeldOn: string | null
}

/** The round as the panel pages need it, or NotFoundError. */
export async function panelRound(db: Db, roundId: number): Promise<PanelRoundFacts> {
  const row = await db
    .selectFrom('rounds')
    .innerJoin('funds', 'funds.id', 'rounds.fund_id')
    .select(['rounds.id', 'rounds.title', 'rounds.fund_id', 'funds.name as fund_name', 'rounds.budget_pence', 'rounds.max_grant_pence', 'rounds.decline_reasons', 'rounds.decisions_released_at', 'rounds.panel_held_on'])
    .where('rounds.id', '=', roundId)
    .executeTakeFirst()
  if (!row) throw new NotFoundError('round')
  return {
    id: row.id,
    title: row.title,
    fundId: row.fund_id,
    fundName: row.fund_name,
    budgetPence: Number(row.budget_pence),
    maxGrantPence: row.max_grant_pence === null ? null : Number(row.max_grant_pence),
    declineReasons: parseDeclineReasons(row.decline_reasons),
    decisionsReleasedAt: row.decisions_released_at,
    panelHeldOn: row.panel_held_on,
  }
}

/** rounds.decline_reasons (a JSON list of strings); anything else reads as no reasons. */
export function parseDeclineReasons(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json)
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : []
  } catch {
    return []
  }
}

export interface PanelDecision {
  status: DecisionStatus
  amountPence: number | null
  rationale: string
  declineReason: string | null
  feedback: string | null
  optimiserRunId: number | null
  proposedStatus: DecisionStatus | null
  overrideReason: string | null
  decidedByName: string
  decidedAt: string
  releasedAt: string | null
}

/** The round's decisions by application id (only those of the given bids, when given). */
export async function decisionsFor(db: Db, roundId: number, applicationIds?: readonly number[]): Promise<Map<number, PanelDecision>> {
  if (applicationIds?.length === 0) return new Map()
  let query = db
    .selectFrom('panel_decisions')
    .innerJoin('users', 'users.id', 'panel_decisions.decided_by')
    .select([
      'panel_decisions.application_id',
      'panel_decisions.status',
      'panel_decisions.amount_pence',
      'panel_decisions.rationale',
      'panel_decisions.decline_reason',
      'panel_decisions.feedback',
      'panel_decisions.optimiser_run_id',
      'panel_decisions.proposed_status',
      'panel_decisions.override_reason',
      'panel_decisions.decided_at',
      'panel_decisions.released_at',
      'users.name',
    ])
    .where('panel_decisions.round_id', '=', roundId)
  if (applicationIds) query = query.where('panel_decisions.application_id', 'in', applicationIds)
  const rows = await query.execute()
  return new Map(
    rows.map((r) => [
      r.application_id,
      {
        status: r.status,
        amountPence: r.amount_pence === null ? null : Number(r.amount_pence),
        rationale: r.rationale,
        declineReason: r.decline_reason,
        feedback: r.feedback,
        optimiserRunId: r.optimiser_run_id,
        proposedStatus: (r.proposed_status as DecisionStatus | null) ?? null,
        overrideReason: r.override_reason,
        decidedByName: r.name,
        decidedAt: r.decided_at,
        releasedAt: r.released_at,
      },
    ]),
  )
}

// ---------------------------------------------------------------- money available

export interface PotBalance {
  potId: number
  name: string
  placeId: number | null
  placeName: string | null
  /** What the pot can commit now (its contributions' available money; plus outstanding pledges on a pledged basis). */
  startPence: number
  leftPence: number
}

export interface ContributionBalance {
  contributionId: number
  potId: number
  funderName: string
  /** The ring-fence conditions in words. */
  conditions: string[]
  startPence: number
  leftPence: number
}

export interface PanelRow {
  rank: number
  applicationId: number
  reference: string
  title: string
  organisationName: string
  placeId: number | null
  placeName: string | null
  amountRequestedPence: number
  /** The recommended amount when there is one, else the request. */
  amountPence: number
  moderatedTotalMilli: number | null
  meanMilli: number | null
  spreadMilli: number | null
  disagreement: boolean
  submittedCount: number
  gatewayFailed: boolean
  failedGatewayNames: string[]
  decision: PanelDecision | null
  /** Whether the bid counts towards the running total (see the module comment). */
  counted: boolean
  runningTotalPence: number
  /** Round budget less the running total (negative when over). */
  roundLeftPence: number
  /** The pot a counted bid draws on, and what it and the bid's ring-fenced contributions have left after it. */
  pot: { potId: number; name: string; leftPence: number } | null
  ringFenced: { contributionId: number; funderName: string; leftPence: number }[]
  /** Why no pot can fund the bid, when that is so. */
  shortfall: string | null
  /** The bid's award, when it has been made and committed to a pot (its money is no longer in the pots' balances). */
  award?: { reference: string; committedPence: number }
}

export interface PanelView {
  round: PanelRoundFacts
  rows: PanelRow[]
  /** Pots the round draws on (empty when it draws on none: only the round budget applies). */
  pots: PotBalance[]
  /** Ring-fenced contributions in those pots (those with conditions). */
  ringFenced: ContributionBalance[]
  totals: { countedPence: number; recommendedPence: number; roundLeftPence: number; decided: number; bids: number }
  latestRun: { id: number; status: string } | null
}

interface RoundPot {
  id: number
  name: string
  placeId: number | null
  placeName: string | null
  availableBasis: 'received' | 'pledged'
}

async function roundPots(db: Db, roundId: number): Promise<RoundPot[]> {
  const rows = await db
    .selectFrom('round_pots')
    .innerJoin('pots', 'pots.id', 'round_pots.pot_id')
    .leftJoin('places', 'places.id', 'pots.place_id')
    .select(['pots.id', 'pots.name', 'pots.place_id', 'pots.available_basis', 'places.name as place_name'])
    .where('round_pots.round_id', '=', roundId)
    .where('pots.status', '=', 'open')
    .orderBy('pots.id')
    .execute()
  return rows.map((r) => ({ id: r.id, name: r.name, placeId: r.place_id, placeName: r.place_name, availableBasis: r.available_basis }))
}

/** The pots a bid may draw on, in the order tried: its own place's pots, then national pots. */
function potsForBid(pots: RoundPot[], placeId: number | null): RoundPot[] {
  return [...pots.filter((p) => p.placeId !== null && p.placeId === placeId), ...pots.filter((p) => p.placeId === null)]
}

interface Allocation {
  pot: RoundPot
  parts: { contributionId: number; amountPence: number }[]
}

/**
 * A pot's contributions as a bid of one place and outcome areas sees them (candidatesFrom with a nominal amount): the
 * conditions that depend only on the bid's place and outcome areas (and the round, fund and day, the same for every bid)
 * are checked once per pot, place and outcome areas; the share cap, which depends on the amount, is applied per bid.
 */
interface PotCandidates {
  pot: RoundPot
  /** startPence: what the contribution has before any bid (candidatesFrom's availablePence). */
  candidates: (SplitCandidate & { conditions: Conditions; startPence: number })[]
}

/**
 * Tries each pot in turn against what is left; the first that can fund the whole amount wins (proportionalSplit, as a
 * commitment splits). The pots' contributions and starting balances are read once (`bases`); what is left after the
 * bids above comes from `left` (by contribution) and `potLeft` (by pot, the sum of its cash contributions' `left`).
 * The refusal names the last pot tried and its binding condition; it is worked out only when `explain` (the rows
 * shown), since a bid no pot can fund changes no balance.
 */
function allocate(pots: PotCandidates[], amountPence: number, left: Map<number, number>, potLeft: Map<number, number>, explain: boolean): Allocation | { refusal: string | null } {
  let failed: PotCandidates | null = null
  for (let i = 0; i < pots.length; i++) {
    const tried = pots[i]!
    // A pot with nothing left cannot fund any amount, so skip it; only the last pot tried is named in the refusal,
    // so the last is always worked out (its message names the binding condition).
    if ((potLeft.get(tried.pot.id) ?? 0) <= 0 && i < pots.length - 1) continue
    // The pot's candidates are updated in place for this bid (what is left and the share cap of this amount): the
    // split keeps no reference to them, and each pot is tried once a bid.
    let capTotal = 0
    for (const c of tried.candidates) {
      c.shareCapPence = maxContributionToAward(c.conditions, amountPence)
      c.availablePence = left.get(c.contributionId) ?? c.startPence
      if (c.ineligibleReasons.length === 0) capTotal += Math.max(0, Math.min(c.availablePence, c.shareCapPence))
    }
    if (capTotal >= amountPence) {
      const split = proportionalSplit(amountPence, tried.candidates)
      if (split.ok) return { pot: tried.pot, parts: split.parts }
    }
    failed = tried
  }
  if (!explain) return { refusal: null }
  if (!failed) return { refusal: 'No pot in this round serves the bid’s place' }
  const split = proportionalSplit(amountPence, failed.candidates)
  return { refusal: split.ok ? null : `${failed.pot.name}: ${split.message}` }
}

interface StartingBalances {
  /** Each pot's contributions and balances, read once. */
  bases: Map<number, PotSplitBasis>
  /** Ring-fenced contributions (those with conditions). */
  ringFenced: ContributionBalance[]
  /** What each cash contribution can commit now, by contribution id. */
  left: Map<number, number>
  /** Each pot's total of those, by pot id. */
  potStart: Map<number, number>
}

/** What each pot's cash contributions can commit now, as the commit split sees it (splitCandidates). */
async function startingBalances(db: Db, pots: RoundPot[], facts: Omit<AwardFacts, 'placeId' | 'amountPence'>): Promise<StartingBalances> {
  const rows = await potContributionAccounts(db, pots.map((p) => p.id))
  const cash = new Set(rows.filter((r) => r.is_in_kind === 0).map((r) => r.id))
  const left = new Map<number, number>()
  const potStart = new Map<number, number>()
  const bases = potSplitBases(pots, rows)
  const potOf = new Map(rows.map((r) => [r.id, r.pot_id]))
  for (const pot of pots) {
    const candidates = candidatesFrom(bases.get(pot.id)!, { ...facts, placeId: pot.placeId, amountPence: 1 })
    let total = 0
    for (const c of candidates) {
      if (!cash.has(c.contributionId)) continue
      left.set(c.contributionId, Math.max(0, c.availablePence))
      total += Math.max(0, c.availablePence)
    }
    potStart.set(pot.id, total)
  }
  const parsed = [...bases.values()].flatMap((b) => b.contributions).filter((c) => cash.has(c.id)).sort((a, b) => a.id - b.id).map((c) => ({ r: { id: c.id, pot_id: potOf.get(c.id)!, name: c.funderName }, conditions: c.conditions }))
  const names = await conditionNames(db, parsed.map((p) => p.conditions))
  const ringFenced = parsed
    .filter(({ conditions }) => Object.values(conditions).some((v) => v !== null))
    .map(({ r, conditions }) => ({
      contributionId: r.id,
      potId: r.pot_id,
      funderName: r.name,
      conditions: describeConditions(conditions, names),
      startPence: left.get(r.id) ?? 0,
      leftPence: left.get(r.id) ?? 0,
    }))
  return { bases, ringFenced, left, potStart }
}

/**
 * Every contribution of the given pots with its funder and its ledger accounts' posted totals: one query for all the
 * pots (a row per contribution and account; a contribution with no accounts yet has one row of nulls), in contribution
 * then account order.
 */
async function potContributionAccounts(db: Db, potIds: number[]) {
  if (potIds.length === 0) return []
  return db
    .selectFrom('contributions')
    .innerJoin('funders', 'funders.id', 'contributions.funder_id')
    .leftJoin('ledger_accounts', (join) =>
      join.onRef('ledger_accounts.owner_id', '=', 'contributions.id').on('ledger_accounts.owner_type', '=', 'contribution'),
    )
    .select([
      'contributions.id',
      'contributions.pot_id',
      'contributions.conditions',
      'contributions.is_in_kind',
      'funders.name',
      'ledger_accounts.kind',
      'ledger_accounts.normal_balance',
      'ledger_accounts.debits_posted_pence',
      'ledger_accounts.credits_posted_pence',
    ])
    .where('contributions.pot_id', 'in', potIds)
    .orderBy('contributions.id')
    .orderBy('ledger_accounts.id')
    .execute()
}

/**
 * Each pot's split basis (what potSplitBasis reads with three queries a pot) from potContributionAccounts' rows: the
 * same contributions in id order and the same balance in every bucket.
 */
function potSplitBases(pots: RoundPot[], rows: Awaited<ReturnType<typeof potContributionAccounts>>): Map<number, PotSplitBasis> {
  const bases = new Map<number, PotSplitBasis>(pots.map((p) => [p.id, { availableBasis: p.availableBasis, contributions: [], balances: new Map() }]))
  for (const r of rows) {
    const basis = bases.get(r.pot_id)
    if (!basis) continue
    let balance = basis.balances.get(r.id)
    if (!balance) {
      basis.contributions.push({ id: r.id, funderName: r.name, isInKind: r.is_in_kind === 1, conditions: parseConditions(r.conditions) })
      balance = { outstanding: 0, available: 0, committed: 0, scheduled: 0, paid: 0, returned: 0 } satisfies ContributionBalances
      basis.balances.set(r.id, balance)
    }
    if (r.kind !== null) balance[r.kind.replace(/^contribution_/, '') as ContributionBucket] = balanceFromTotals(r.normal_balance!, penceFromDatabase(r.debits_posted_pence), penceFromDatabase(r.credits_posted_pence))
  }
  return bases
}

/** The pots' split bases read in one query (see potSplitBases); exported so a test can hold it to potSplitBasis. */
export async function readPotSplitBases(db: Db, potIds: number[]): Promise<Map<number, PotSplitBasis>> {
  if (potIds.length === 0) return new Map()
  const pots = await db.selectFrom('pots').select(['id', 'name', 'place_id', 'available_basis']).where('id', 'in', potIds).execute()
  return potSplitBases(
    pots.map((p) => ({ id: p.id, name: p.name, placeId: p.place_id, placeName: null, availableBasis: p.available_basis })),
    await potContributionAccounts(db, potIds),
  )
}

/** A decision as the running totals read it. */
interface DecidedAmount {
  status: DecisionStatus
  amountPence: number | null
}

function countedAmount(bid: Pick<RankingEntry, 'gatewayFailed' | 'amountRequestedPence'>, decision: DecidedAmount | undefined): number | null {
  if (decision) return decision.status === 'recommended' ? (decision.amountPence ?? bid.amountRequestedPence) : null
  return bid.gatewayFailed ? null : bid.amountRequestedPence
}

const NONE: WalkedMoney['ringFenced'] = []

/** What the walk down the list works out for each bid: PanelRow's money fields. */
type WalkedMoney = Pick<PanelRow, 'counted' | 'runningTotalPence' | 'roundLeftPence' | 'pot' | 'ringFenced' | 'shortfall' | 'award'>

interface PanelWalk extends Omit<PanelView, 'rows'> {
  entries: { entry: RankingEntry; money: WalkedMoney }[]
}

/**
 * The whole list walked once for the running totals (see the module comment), from one row a bid (the maintained score
 * summaries) and each decision's status and amount; what the rows show besides is read only for the rows shown.
 */
async function panelWalk(db: Db, roundId: number, page?: { cursor: { after?: number; before?: number }; size: number }, known?: PanelRoundFacts): Promise<PanelWalk> {
  const round = known ?? (await panelRound(db, roundId))
  const [board, decisionRows, pots, latestRun, awardRows] = await Promise.all([
    roundRankingEntries(db, roundId),
    db.selectFrom('panel_decisions').select(['application_id', 'status', 'amount_pence']).where('round_id', '=', roundId).execute(),
    roundPots(db, roundId),
    db.selectFrom('optimiser_runs').select(['id', 'status']).where('round_id', '=', roundId).orderBy('id', 'desc').executeTakeFirst(),
    db
      .selectFrom('awards')
      .innerJoin('award_commitments', 'award_commitments.award_id', 'awards.id')
      .select(['awards.application_id', 'awards.reference', (eb) => eb.fn.sum<number>('award_commitments.amount_pence').as('committed')])
      .where('awards.round_id', '=', roundId)
      .where('award_commitments.released_at', 'is', null)
      .groupBy(['awards.application_id', 'awards.reference'])
      .execute(),
  ])
  const decisions = new Map(decisionRows.map((d) => [d.application_id, { status: d.status, amountPence: d.amount_pence === null ? null : penceFromDatabase(d.amount_pence) }]))
  // Bids whose award is already committed to a pot: their money has left the pots' available balances already.
  const committedAwards = new Map(awardRows.map((r) => [r.application_id, { reference: r.reference, committedPence: penceFromDatabase(r.committed) }]))
  const today = ukToday()
  const { bases, ringFenced, left, potStart } = await startingBalances(db, pots, { categories: [], fundId: round.fundId, roundId, date: today })
  const potLeft = new Map(potStart)
  const ringFencedLeft = new Map(ringFenced.map((c) => [c.contributionId, c]))
  // Each pot's contributions as the bids of a place and outcome areas see them, worked out once for each such pair.
  const potsByBidKind = new Map<number | null, Map<string | null, PotCandidates[]>>()
  const potsFor = (placeId: number | null, outcomeAreas: string | null) => {
    let byAreas = potsByBidKind.get(placeId)
    if (!byAreas) potsByBidKind.set(placeId, (byAreas = new Map()))
    let list = byAreas.get(outcomeAreas)
    if (!list) {
      // The outcome areas the fund manager recorded on the bid, for ring-fences that fund only some outcomes.
      const facts: AwardFacts = { placeId, categories: parseOutcomeAreas(outcomeAreas), fundId: round.fundId, roundId, date: today, amountPence: 1 }
      list = potsForBid(pots, placeId).map((pot) => {
        const basis = bases.get(pot.id)!
        const candidates = candidatesFrom(basis, facts)
        return { pot, candidates: candidates.map((c, i) => ({ ...c, conditions: basis.contributions[i]!.conditions, startPence: c.availablePence })) }
      })
      byAreas.set(outcomeAreas, list)
    }
    return list
  }
  // The rows shown (panelRankingPage) are the only ones whose refusal is put in words.
  const shown = page ? pageRange(board.length, page.cursor, page.size) : null
  const explained = (index: number) => !shown || (index >= shown.start && index < shown.end)

  let running = 0
  let recommended = 0
  const entries: PanelWalk['entries'] = new Array(board.length)
  for (let index = 0; index < board.length; index++) {
    const bid = board[index]!
    const decision = decisions.get(bid.applicationId)
    const amount = countedAmount(bid, decision)
    let pot: WalkedMoney['pot'] = null
    let fencedLeft: WalkedMoney['ringFenced'] = NONE
    let shortfall: string | null = null
    let award: WalkedMoney['award']
    if (amount !== null) {
      running += amount
      if (decision?.status === 'recommended') recommended += amount
      award = committedAwards.get(bid.applicationId)
      if (!award && pots.length > 0 && amount > 0) {
        const result = allocate(potsFor(bid.placeId, bid.outcomeAreas), amount, left, potLeft, explained(index))
        if ('refusal' in result) shortfall = result.refusal
        else {
          let potTotal = potLeft.get(result.pot.id) ?? 0
          for (const part of result.parts) {
            left.set(part.contributionId, (left.get(part.contributionId) ?? 0) - part.amountPence)
            potTotal -= part.amountPence
            const fenced = ringFencedLeft.get(part.contributionId)
            if (fenced) {
              fenced.leftPence -= part.amountPence
              if (fencedLeft === NONE) fencedLeft = []
              fencedLeft.push({ contributionId: fenced.contributionId, funderName: fenced.funderName, leftPence: fenced.leftPence })
            }
          }
          potLeft.set(result.pot.id, potTotal)
          pot = { potId: result.pot.id, name: result.pot.name, leftPence: potTotal }
        }
      }
    }
    const money: WalkedMoney = { counted: amount !== null, runningTotalPence: running, roundLeftPence: round.budgetPence - running, pot, ringFenced: fencedLeft === NONE ? [] : fencedLeft, shortfall }
    if (award) money.award = award
    entries[index] = { entry: bid, money }
  }

  return {
    round,
    entries,
    pots: pots.map((p) => ({ potId: p.id, name: p.name, placeId: p.placeId, placeName: p.placeName, startPence: potStart.get(p.id) ?? 0, leftPence: potLeft.get(p.id) ?? 0 })),
    ringFenced,
    totals: { countedPence: running, recommendedPence: recommended, roundLeftPence: round.budgetPence - running, decided: decisions.size, bids: entries.length },
    latestRun: latestRun ?? null,
  }
}

/** The rows shown for some walked entries: each bid's own fields and scores, its decision and the walk's money. */
async function panelRows(db: Db, roundId: number, walked: PanelWalk['entries'], all: boolean): Promise<PanelRow[]> {
  const [bids, decisions] = await Promise.all([
    rankedBids(db, roundId, walked.map((w) => w.entry)),
    decisionsFor(db, roundId, all ? undefined : walked.map((w) => w.entry.applicationId)),
  ])
  return bids.map((bid, i) => {
    const decision = decisions.get(bid.applicationId) ?? null
    return {
      rank: bid.rank,
      applicationId: bid.applicationId,
      reference: bid.reference,
      title: bid.title,
      organisationName: bid.organisationName,
      placeId: bid.placeId,
      placeName: bid.placeName,
      amountRequestedPence: bid.amountRequestedPence,
      amountPence: decision?.status === 'recommended' && decision.amountPence !== null ? decision.amountPence : bid.amountRequestedPence,
      moderatedTotalMilli: bid.moderatedTotalMilli,
      meanMilli: bid.meanMilli,
      spreadMilli: bid.spreadMilli,
      disagreement: bid.disagreement,
      submittedCount: bid.submittedCount,
      gatewayFailed: bid.gatewayFailed,
      failedGatewayNames: bid.failedGatewayNames,
      decision,
      ...walked[i]!.money,
    }
  })
}

/** The ranked list with decisions and the running totals (see the module comment). */
export async function panelView(db: Db, roundId: number): Promise<PanelView> {
  const { entries, ...view } = await panelWalk(db, roundId)
  return { ...view, rows: await panelRows(db, roundId, entries, true) }
}

/**
 * One page of the ranked list (PANEL_PAGE_SIZE) with everything else panelView gives: the money is walked down the
 * whole list from one summary row a bid (so a page shows the same money left as the full list), and the bids' own
 * fields, scores and decisions are read for the page's rows only.
 */
export async function panelRankingPage(
  db: Db,
  roundId: number,
  cursor: { after?: number; before?: number },
  size = PANEL_PAGE_SIZE,
  /** The round as requirePanelAccess read it, so it is not read again. */
  round?: PanelRoundFacts,
): Promise<Omit<PanelView, 'rows'> & { page: PanelPage }> {
  const { entries, ...view } = await panelWalk(db, roundId, { cursor, size }, round)
  const { rows: shown, ...page } = panelPage(entries, cursor, size)
  return { ...view, page: { ...page, rows: await panelRows(db, roundId, shown, false) } }
}

export const PANEL_PAGE_SIZE = 50

export interface PanelPage<Row = PanelRow> {
  rows: Row[]
  /** Positions (1-based) of the first and last row shown, and of the whole list. */
  first: number
  last: number
  total: number
  /** Cursors for the links: the previous page is the rows before `previousBefore`, the next those after `nextAfter`. */
  previousBefore: number | null
  nextAfter: number | null
}

/**
 * One page of the ranked list. The running totals are worked out down the whole list first (panelView), so a page
 * shows the same money left as the full list would; only the rows sent to the browser are cut. Cursors are positions
 * in the list: `after` shows the rows after that position, `before` those before it.
 */
export function panelPage<Row>(rows: Row[], cursor: { after?: number; before?: number }, size = PANEL_PAGE_SIZE): PanelPage<Row> {
  const total = rows.length
  const { start, end } = pageRange(total, cursor, size)
  return {
    rows: rows.slice(start, end),
    first: total === 0 ? 0 : start + 1,
    last: end,
    total,
    previousBefore: start > 0 ? start + 1 : null,
    nextAfter: end < total ? end : null,
  }
}

/** The positions (0-based, end excluded) of one page of a list of `total` rows (see panelPage). */
function pageRange(total: number, cursor: { after?: number; before?: number }, size: number): { start: number; end: number } {
  let start = 0
  if (cursor.before !== undefined) start = Math.max(0, Math.min(cursor.before, total + 1) - 1 - size)
  else if (cursor.after !== undefined) start = Math.min(cursor.after, Math.max(0, total - 1))
  return { start, end: Math.min(total, start + size) }
}
