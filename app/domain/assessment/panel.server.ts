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
 * At national size the walk splits ~1,000 bids on every view. Each view reads everything the walk reads, as a few JSON
 * texts from one query (readWalkInputs), and reuses the round's last walk only when those texts, the round's fund and
 * budget and the day are all unchanged (walkOf): what it shows is always worked out from what is in the database now,
 * whatever wrote it, and nothing has to be told about a change.
 *
 * Access: fund managers see every round's panel; a panel chair only the rounds whose panel they chair (is_chair).
 */
import { sql, type Expression, type RawBuilder } from 'kysely'
import { engineOf, type Engine } from '../../../db/connect.ts'
import { parseOutcomeAreas } from '~/domain/applications/outcome-areas.server.ts'
import type { ContributionBucket } from '~/domain/budgets/accounts.ts'
import { candidatesFrom, type PotSplitBasis } from '~/domain/budgets/commitments.server.ts'
import type { ContributionBalances } from '~/domain/budgets/contributions.server.ts'
import { balanceFromTotals } from '~/domain/budgets/ledger-accounts.ts'
import { conditionNames } from '~/domain/budgets/overview.server.ts'
import { describeConditions, maxContributionToAward, parseConditions, type AwardFacts, type Conditions } from '~/domain/budgets/ring-fence.ts'
import { proportionalSplit, type SplitCandidate } from '~/domain/budgets/split.ts'
import { ukToday } from '~/domain/places/places.server.ts'
import { compilableRaw, compiledOnce, KEPT_LIST_LENGTH, type CompiledQueries } from '~/lib/compiled-once.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import type { Permission } from '~/lib/policy.ts'
import { chairsRound } from './moderation.server.ts'
import { penceFromDatabase } from '~/lib/money.ts'
import type { DecisionStatus } from './panel-labels.ts'
import { inFrontOfPanel, rankedBids, type RankingEntry } from './scoreboard.server.ts'
import { rankBids } from './scoring.ts'

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
  /** Percentage points of spread above which the assessors disagree. */
  disagreementThreshold: number
}

function panelRoundQuery(db: Db, roundId: number) {
  return db
    .selectFrom('rounds')
    .innerJoin('funds', 'funds.id', 'rounds.fund_id')
    .select(['rounds.id', 'rounds.title', 'rounds.fund_id', 'funds.name as fund_name', 'rounds.budget_pence', 'rounds.max_grant_pence', 'rounds.decline_reasons', 'rounds.decisions_released_at', 'rounds.panel_held_on', 'rounds.disagreement_threshold'])
    .where('rounds.id', '=', roundId)
}

/** panelRoundQuery compiled once (every panel page reads the round first; ~/lib/compiled-once.server.ts). */
const panelRoundQueries: CompiledQueries<Awaited<ReturnType<ReturnType<typeof panelRoundQuery>['executeTakeFirstOrThrow']>>> = new Map()

/** The round as the panel pages need it, or NotFoundError. */
export async function panelRound(db: Db, roundId: number): Promise<PanelRoundFacts> {
  const query = compiledOnce(panelRoundQueries, db, 'round', (slot) => panelRoundQuery(db, slot<number>('roundId')), { roundId }, { onlySlots: true })
  const [row] = (await db.executeQuery(query)).rows
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
    disagreementThreshold: row.disagreement_threshold,
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

/**
 * The decisions queries compiled once, by how many bids they are for (or all the round's), kept prepared on
 * PostgreSQL for lists up to KEPT_LIST_LENGTH bids.
 */
const decisionsQueries: CompiledQueries<Awaited<ReturnType<ReturnType<typeof decisionsQuery>['execute']>>[number]> = new Map()

/** The round's decisions by application id (only those of the given bids, when given). */
export async function decisionsFor(db: Db, roundId: number, applicationIds?: readonly number[]): Promise<Map<number, PanelDecision>> {
  if (applicationIds?.length === 0) return new Map()
  const count = applicationIds?.length
  const query = compiledOnce(decisionsQueries, db, count === undefined ? 'all' : `${count}`, (slot) => decisionsQuery(db, slot<number>('roundId'), count === undefined ? undefined : slot.list('ids', count)), { roundId, ids: applicationIds }, {
    prepared: count !== undefined && count <= KEPT_LIST_LENGTH,
    onlySlots: true,
  })
  const { rows } = await db.executeQuery(query)
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

/** The round's decisions, with who made them (of the bids in `ids` only, when given). */
function decisionsQuery(db: Db, roundId: number, ids?: RawBuilder<unknown>) {
  const query = db
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
  return ids ? query.where(sql<boolean>`panel_decisions.application_id in (${ids})`) : query
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
 * The refusal names the last pot tried and its binding condition.
 */
function allocate(pots: PotCandidates[], amountPence: number, left: Map<number, number>, potLeft: Map<number, number>): Allocation | { refusal: string | null } {
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
  if (!failed) return { refusal: 'No pot in this round serves the bid’s place' }
  const split = proportionalSplit(amountPence, failed.candidates)
  return { refusal: split.ok ? null : `${failed.pot.name}: ${split.message}` }
}

/** A ring-fenced contribution as the walk leaves it: its conditions are put in words for each view (describeRingFenced). */
type WalkedContribution = Omit<ContributionBalance, 'conditions'> & { conditions: Conditions }

interface StartingBalances {
  /** Each pot's contributions and balances, read once. */
  bases: Map<number, PotSplitBasis>
  /** Ring-fenced contributions (those with conditions). */
  ringFenced: WalkedContribution[]
  /** What each cash contribution can commit now, by contribution id. */
  left: Map<number, number>
  /** Each pot's total of those, by pot id. */
  potStart: Map<number, number>
}

/** What each pot's cash contributions can commit now, as the commit split sees it (splitCandidates). */
function startingBalances(pots: RoundPot[], contributions: readonly PotContribution[], accounts: readonly ContributionAccount[], facts: Omit<AwardFacts, 'placeId' | 'amountPence'>): StartingBalances {
  const cash = new Set(contributions.filter((c) => !c.isInKind).map((c) => c.id))
  const left = new Map<number, number>()
  const potStart = new Map<number, number>()
  const bases = potSplitBases(pots, contributions, accounts)
  const potOf = new Map(contributions.map((c) => [c.id, c.potId]))
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
  const ringFenced = [...bases.values()]
    .flatMap((b) => b.contributions)
    .filter((c) => cash.has(c.id) && Object.values(c.conditions).some((v) => v !== null))
    .sort((a, b) => a.id - b.id)
    .map((c) => ({ contributionId: c.id, potId: potOf.get(c.id)!, funderName: c.funderName, conditions: c.conditions, startPence: left.get(c.id) ?? 0, leftPence: left.get(c.id) ?? 0 }))
  return { bases, ringFenced, left, potStart }
}

/** A contribution of one of the pots, as the walk's `contributions` input lists it. */
interface PotContribution {
  id: number
  potId: number
  /** As stored (JSON text). */
  conditions: string
  isInKind: boolean
  funderName: string
}

/** One of a contribution's ledger accounts, as the walk's `accounts` input lists it. */
interface ContributionAccount {
  contributionId: number
  kind: string
  normalBalance: 'debit' | 'credit'
  debitsPostedPence: number
  creditsPostedPence: number
}

/**
 * Each pot's split basis (what potSplitBasis reads with three queries a pot) from its contributions and their ledger
 * accounts: the same contributions in id order and the same balance in every bucket.
 */
function potSplitBases(pots: readonly RoundPot[], contributions: readonly PotContribution[], accounts: readonly ContributionAccount[]): Map<number, PotSplitBasis> {
  const bases = new Map<number, PotSplitBasis>(pots.map((p) => [p.id, { availableBasis: p.availableBasis, contributions: [], balances: new Map() }]))
  for (const c of [...contributions].sort((a, b) => a.id - b.id)) {
    const basis = bases.get(c.potId)
    if (!basis || basis.balances.has(c.id)) continue
    basis.contributions.push({ id: c.id, funderName: c.funderName, isInKind: c.isInKind, conditions: parseConditions(c.conditions) })
    basis.balances.set(c.id, { outstanding: 0, available: 0, committed: 0, scheduled: 0, paid: 0, returned: 0 } satisfies ContributionBalances)
  }
  const balances = new Map(contributions.map((c) => [c.id, bases.get(c.potId)?.balances.get(c.id)]))
  for (const a of accounts) {
    const balance = balances.get(a.contributionId)
    if (balance) balance[a.kind.replace(/^contribution_/, '') as ContributionBucket] = balanceFromTotals(a.normalBalance, a.debitsPostedPence, a.creditsPostedPence)
  }
  return bases
}

/**
 * The pots' split bases read in one query, through the same lists and the same reading of them as the walk's
 * `contributions` and `accounts` inputs; exported so a test can hold it to potSplitBasis.
 */
export async function readPotSplitBases(db: Db, potIds: number[]): Promise<Map<number, PotSplitBasis>> {
  if (potIds.length === 0) return new Map()
  const engine = engineOf(db)
  const ids = sql.join(potIds)
  const { rows } = await sql<{ pots: string; contributions: string; accounts: string }>`select
    ${jsonList(engine, sql`select id, name, place_id, available_basis, null as place_name from pots where id in (${ids}) order by id`, POT_COLUMNS)} as pots,
    ${jsonList(engine, contributionsOf(ids), CONTRIBUTION_COLUMNS)} as contributions,
    ${jsonList(engine, accountsOf(ids), ACCOUNT_COLUMNS, ACCOUNT_ORDER)} as accounts`.execute(db)
  const row = rows[0]!
  return potSplitBases(roundPotsFrom(row.pots), contributionsFrom(row.contributions), accountsFrom(row.accounts))
}

// ---------------------------------------------------------------- what the walk reads

/**
 * Everything the walk down the list reads from the database, each source as one JSON list of lists the database
 * builds (jsonList), all in one query. The walk is worked out from these texts alone, with the round's id, fund and
 * budget and today's date (ring-fences can end), so equal texts give an equal walk: that is what lets a view reuse the
 * round's last walk (walkOf) without anything having to tell it what changed.
 */
export interface WalkInputs {
  /** The bids in front of the panel: id, place id, amount requested, outcome areas (JSON text); by id. */
  bids: string
  /** The round's score summaries: application id, moderated total, gateway failed (0/1); by application id. */
  scores: string
  /** The round's decisions: application id, status, amount; by application id. */
  decisions: string
  /** Bids whose award is committed: application id, award reference, pence committed and not released; by id. */
  awards: string
  /** The round's open pots (POT_COLUMNS), by id. */
  pots: string
  /** Their contributions (CONTRIBUTION_COLUMNS), by id. */
  contributions: string
  /** The contributions' ledger accounts (ACCOUNT_COLUMNS), by contribution and account. */
  accounts: string
}

const POT_COLUMNS = ['id', 'name', 'place_id', 'available_basis', 'place_name']
const CONTRIBUTION_COLUMNS = ['id', 'pot_id', 'conditions', 'is_in_kind', 'funder_name']
const ACCOUNT_COLUMNS = ['owner_id', 'id', 'kind', 'normal_balance', 'debits_posted_pence', 'credits_posted_pence']
const ACCOUNT_ORDER = ['owner_id', 'id']

/**
 * Some columns of a query's rows as one JSON text, a list of lists in the query's order (its `order by`, which is
 * `orderBy`, by default the first of `columns`): `[]` when there are none. Built by the database, so a page reads one
 * text instead of a thousand rows; equal rows give an equal text. PostgreSQL's json_agg is given the order; SQLite's
 * json_group_array takes the rows as the ordered subquery yields them (along its index, with no sort), which SQLite
 * does not promise: the walk never depends on the order (walkFrom sorts what it needs), so another order would only
 * mean the walk is worked out again. Unlike app/lib/json-list.server.ts this gives the text itself on both engines
 * (node-postgres would parse a json value), since the text is what a kept walk is compared by.
 */
function jsonList(engine: Engine, rows: RawBuilder<unknown> | Expression<unknown>, columns: readonly string[], orderBy: readonly string[] = columns.slice(0, 1)): RawBuilder<string> {
  const values = sql.join(columns.map((c) => sql.ref(`t.${c}`)))
  if (engine === 'postgres') return sql<string>`(select coalesce(json_agg(json_build_array(${values}) order by ${sql.join(orderBy.map((c) => sql.ref(`t.${c}`)))})::text, '[]') from (${rows}) t)`
  return sql<string>`(select json_group_array(json_array(${values})) from (${rows}) t)`
}

function contributionsOf(potIds: RawBuilder<unknown>) {
  return sql`select contributions.id, contributions.pot_id, contributions.conditions, contributions.is_in_kind, funders.name as funder_name from contributions
    inner join funders on funders.id = contributions.funder_id where contributions.pot_id in (${potIds}) order by contributions.id`
}

function accountsOf(potIds: RawBuilder<unknown>) {
  return sql`select owner_id, id, kind, normal_balance, debits_posted_pence, credits_posted_pence from ledger_accounts
    where owner_type = 'contribution' and owner_id in (select id from contributions where pot_id in (${potIds})) order by owner_id, id`
}

type WalkInputsRow = WalkInputs & { latest_run_id: number | null; latest_run_status: string | null; stamp: string }

/**
 * What tells one read of the database from a later one in which nothing at all has been committed since: on SQLite,
 * PRAGMA data_version (changed by a commit from any other connection) with total_changes() (every row this connection
 * has changed); on PostgreSQL the statement's snapshot (pg_current_snapshot: the transactions it sees as finished, so
 * an equal snapshot sees exactly the same committed rows). Any write anywhere changes it, which only means the inputs
 * are read again; it never stays the same across a commit. Read in the same statement as what it vouches for.
 */
function changeStamp(engine: Engine): RawBuilder<string> {
  return engine === 'postgres' ? sql<string>`pg_current_snapshot()::text` : sql<string>`(select data_version from pragma_data_version) || ':' || total_changes()`
}

/**
 * The walk's inputs (WalkInputs) and the round's latest optimiser run, in one query. Written as SQL text, apart from
 * which bids are in front of the panel (inFrontOfPanel), and built for `roundId` (a parameter wherever it appears).
 */
function walkInputsQuery(db: Db, roundId: number): RawBuilder<WalkInputsRow> {
  const engine = engineOf(db)
  const bids = db
    .selectFrom('applications')
    .select(['applications.id', 'applications.place_id', 'applications.amount_requested_pence', 'applications.outcome_areas'])
    .where('applications.round_id', '=', roundId)
    .where(inFrontOfPanel)
    .orderBy('applications.id')
  const roundPotIds = sql`select round_pots.pot_id from round_pots inner join pots on pots.id = round_pots.pot_id where round_pots.round_id = ${roundId} and pots.status = 'open'`
  return sql<WalkInputsRow>`select
    ${jsonList(engine, bids, ['id', 'place_id', 'amount_requested_pence', 'outcome_areas'])} as bids,
    ${jsonList(engine, sql`select application_id, moderated_total_milli, gateway_failed from bid_score_summaries where round_id = ${roundId} order by application_id`, ['application_id', 'moderated_total_milli', 'gateway_failed'])} as scores,
    ${jsonList(engine, sql`select application_id, status, amount_pence from panel_decisions where round_id = ${roundId} order by application_id`, ['application_id', 'status', 'amount_pence'])} as decisions,
    ${jsonList(
      engine,
      sql`select awards.application_id, awards.reference, sum(award_commitments.amount_pence) as committed from awards
        inner join award_commitments on award_commitments.award_id = awards.id
        where awards.round_id = ${roundId} and award_commitments.released_at is null
        group by awards.application_id, awards.reference order by awards.application_id`,
      ['application_id', 'reference', 'committed'],
    )} as awards,
    ${jsonList(
      engine,
      sql`select pots.id, pots.name, pots.place_id, pots.available_basis, places.name as place_name from round_pots
        inner join pots on pots.id = round_pots.pot_id left join places on places.id = pots.place_id
        where round_pots.round_id = ${roundId} and pots.status = 'open' order by pots.id`,
      POT_COLUMNS,
    )} as pots,
    ${jsonList(engine, contributionsOf(roundPotIds), CONTRIBUTION_COLUMNS)} as contributions,
    ${jsonList(engine, accountsOf(roundPotIds), ACCOUNT_COLUMNS, ACCOUNT_ORDER)} as accounts,
    (select id from optimiser_runs where round_id = ${roundId} order by id desc limit 1) as latest_run_id,
    (select status from optimiser_runs where round_id = ${roundId} order by id desc limit 1) as latest_run_status,
    ${changeStamp(engine)} as stamp`
}

/**
 * walkInputsQuery and changeStamp's own query, compiled once for each engine (~/lib/compiled-once.server.ts; building
 * and compiling the inputs query cost more than running most of it), the round's id in a slot. Kept prepared on
 * PostgreSQL: planning cost more than running, and the plan (index ranges on the round) is the same for every round.
 */
const walkInputsQueries: CompiledQueries<WalkInputsRow> = new Map()
const stampQueries: CompiledQueries<{ stamp: string }> = new Map()

/** The walk's inputs (WalkInputs) and the round's latest optimiser run, in one query. */
export async function readWalkInputs(db: Db, roundId: number): Promise<{ inputs: WalkInputs; latestRun: { id: number; status: string } | null; stamp: string }> {
  const query = compiledOnce(walkInputsQueries, db, 'walk inputs', (slot) => compilableRaw(db, walkInputsQuery(db, slot<number>('roundId'))), { roundId })
  const { rows } = await db.executeQuery(query)
  const row = rows[0]!
  return {
    inputs: { bids: row.bids, scores: row.scores, decisions: row.decisions, awards: row.awards, pots: row.pots, contributions: row.contributions, accounts: row.accounts },
    latestRun: row.latest_run_id === null ? null : { id: Number(row.latest_run_id), status: row.latest_run_status! },
    stamp: String(row.stamp),
  }
}

async function readChangeStamp(db: Db): Promise<string> {
  const query = compiledOnce(stampQueries, db, 'stamp', () => compilableRaw(db, sql<{ stamp: string }>`select ${changeStamp(engineOf(db))} as stamp`), {})
  const { rows } = await db.executeQuery(query)
  return String(rows[0]!.stamp)
}

function roundPotsFrom(list: string): RoundPot[] {
  const pots = (JSON.parse(list) as [number, string, number | null, 'received' | 'pledged', string | null][]).map(([id, name, placeId, availableBasis, placeName]) => ({ id, name, placeId, placeName, availableBasis }))
  return pots.sort((a, b) => a.id - b.id)
}

function contributionsFrom(list: string): PotContribution[] {
  return (JSON.parse(list) as [number, number, string, unknown, string][]).map(([id, potId, conditions, isInKind, funderName]) => ({ id, potId, conditions, isInKind: Number(isInKind) === 1, funderName }))
}

function accountsFrom(list: string): ContributionAccount[] {
  return (JSON.parse(list) as [number, number, string, 'debit' | 'credit', unknown, unknown][]).map(([contributionId, , kind, normalBalance, debits, credits]) => ({
    contributionId,
    kind,
    normalBalance,
    debitsPostedPence: penceFromDatabase(debits),
    creditsPostedPence: penceFromDatabase(credits),
  }))
}

/** The bids in rank order (the scoreboard's rank: rankBids over the moderated totals and gateway results). */
function rankingEntries(inputs: WalkInputs): RankingEntry[] {
  const scores = new Map((JSON.parse(inputs.scores) as [number, number | null, number][]).map(([id, total, failed]) => [id, { total, failed }]))
  const entries = (JSON.parse(inputs.bids) as [number, number | null, unknown, string][]).map(([id, placeId, amount, outcomeAreas]) => {
    const s = scores.get(id)
    return {
      applicationId: id,
      rank: 0,
      placeId,
      amountRequestedPence: penceFromDatabase(amount),
      moderatedTotalMilli: s && s.total !== null ? Number(s.total) : null,
      gatewayFailed: Number(s?.failed ?? 0) === 1,
      outcomeAreas,
    }
  })
  const ranks = rankBids(entries.map((e) => ({ applicationId: e.applicationId, score: e.moderatedTotalMilli, gatewayFailed: e.gatewayFailed })))
  for (const e of entries) e.rank = ranks.get(e.applicationId)!
  return entries.sort((a, b) => a.rank - b.rank || a.applicationId - b.applicationId)
}

// ---------------------------------------------------------------- the walk

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

/** The whole list walked (see the module comment): each bid's money, the pots' and ring-fences' balances, the totals. */
interface PanelWalk {
  entries: readonly { entry: RankingEntry; money: WalkedMoney }[]
  pots: PotBalance[]
  ringFenced: WalkedContribution[]
  totals: PanelView['totals']
}

/** The round's facts the walk reads besides its inputs. */
type WalkRound = Pick<PanelRoundFacts, 'id' | 'fundId' | 'budgetPence'>

/** The walk down the whole list from its inputs alone (no database work): the same inputs always give the same walk. */
export function walkFrom(inputs: WalkInputs, round: WalkRound, today: string): PanelWalk {
  const board = rankingEntries(inputs)
  const decisions = new Map((JSON.parse(inputs.decisions) as [number, DecisionStatus, unknown][]).map(([id, status, amount]) => [id, { status, amountPence: amount === null ? null : penceFromDatabase(amount) }]))
  // Bids whose award is already committed to a pot: their money has left the pots' available balances already.
  const committedAwards = new Map((JSON.parse(inputs.awards) as [number, string, unknown][]).map(([id, reference, committed]) => [id, { reference, committedPence: penceFromDatabase(committed) }]))
  const pots = roundPotsFrom(inputs.pots)
  const facts = { categories: [], fundId: round.fundId, roundId: round.id, date: today }
  const { bases, ringFenced, left, potStart } = startingBalances(pots, contributionsFrom(inputs.contributions), accountsFrom(inputs.accounts), facts)
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
      const facts: AwardFacts = { placeId, categories: parseOutcomeAreas(outcomeAreas), fundId: round.fundId, roundId: round.id, date: today, amountPence: 1 }
      list = potsForBid(pots, placeId).map((pot) => {
        const basis = bases.get(pot.id)!
        const candidates = candidatesFrom(basis, facts)
        return { pot, candidates: candidates.map((c, i) => ({ ...c, conditions: basis.contributions[i]!.conditions, startPence: c.availablePence })) }
      })
      byAreas.set(outcomeAreas, list)
    }
    return list
  }

  let running = 0
  let recommended = 0
  const entries: PanelWalk['entries'][number][] = new Array(board.length)
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
        const result = allocate(potsFor(bid.placeId, bid.outcomeAreas), amount, left, potLeft)
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
    entries,
    pots: pots.map((p) => ({ potId: p.id, name: p.name, placeId: p.placeId, placeName: p.placeName, startPence: potStart.get(p.id) ?? 0, leftPence: potLeft.get(p.id) ?? 0 })),
    ringFenced,
    totals: { countedPence: running, recommendedPence: recommended, roundLeftPence: round.budgetPence - running, decided: decisions.size, bids: entries.length },
  }
}

/** A walk kept for reuse, with everything it was worked out from. */
interface KeptWalk {
  inputs: WalkInputs
  round: WalkRound
  today: string
  walk: PanelWalk
  /** The database the inputs were read from (its query executor) and changeStamp at that read; null in a transaction. */
  database: object | null
  stamp: string
  latestRun: { id: number; status: string } | null
}

/** The last walk of each of the most recently viewed rounds (the oldest let go first). */
const keptWalks = new Map<number, KeptWalk>()
const KEPT_WALKS = 16

function sameInputs(a: WalkInputs, b: WalkInputs): boolean {
  return a.bids === b.bids && a.scores === b.scores && a.decisions === b.decisions && a.awards === b.awards && a.pots === b.pots && a.contributions === b.contributions && a.accounts === b.accounts
}

/**
 * The walk of these inputs: the round's last walk when it was worked out from exactly the same inputs, round facts and
 * day (so it is the walk walkFrom would give now: never a stale one), else a fresh walk, which is then kept. The
 * inputs are read on every view; what is saved is the walk itself (the splits down ~1,000 bids at national size).
 * A kept walk is frozen, so no caller can change what the next view is given.
 */
function walkOf(read: Awaited<ReturnType<typeof readWalkInputs>>, round: WalkRound, today: string, database: object | null): PanelWalk {
  const { inputs } = read
  const kept = keptWalks.get(round.id)
  const same = kept && sameFacts(kept, round, today) && sameInputs(kept.inputs, inputs)
  const walk = same ? kept.walk : deepFreeze(walkFrom(inputs, round, today))
  keptWalks.delete(round.id)
  if (keptWalks.size >= KEPT_WALKS) keptWalks.delete(keptWalks.keys().next().value!)
  keptWalks.set(round.id, { inputs, round: { id: round.id, fundId: round.fundId, budgetPence: round.budgetPence }, today, walk, database, stamp: read.stamp, latestRun: read.latestRun })
  return walk
}

function sameFacts(kept: KeptWalk, round: WalkRound, today: string): boolean {
  return kept.today === today && kept.round.fundId === round.fundId && kept.round.budgetPence === round.budgetPence
}

/**
 * The round's kept walk without reading its inputs, when nothing at all has been committed to the same database since
 * they were read (changeStamp is unchanged) and the round's facts and the day are the same; else null, and the inputs
 * are read and compared (walkOf). Outside a transaction only: a transaction's own uncommitted writes are not a commit.
 */
async function unchangedWalk(db: Db, roundId: number, round: Promise<PanelRoundFacts>, today: string): Promise<KeptWalk | null> {
  const kept = keptWalks.get(roundId)
  if (!kept || db.isTransaction || kept.database !== db.getExecutor() || kept.today !== today) return null
  const [facts, stamp] = await Promise.all([round, readChangeStamp(db)])
  return stamp === kept.stamp && sameFacts(kept, facts, today) ? kept : null
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

/** A kept walk's ring-fenced contributions in words, with the place, fund and round names they were put in words with. */
const describedWalks = new WeakMap<PanelWalk, { names: string; ringFenced: ContributionBalance[] }>()

/**
 * The walk's ring-fenced contributions with their conditions in words: the names of the places, funds and rounds they
 * name are read for each view, and the words worked out again only when those names differ from the walk's last view.
 */
async function describeRingFenced(db: Db, walk: PanelWalk, unchanged = false): Promise<ContributionBalance[]> {
  if (walk.ringFenced.length === 0) return []
  // With nothing committed since the walk was last described, the names it was described with are still the names.
  if (unchanged) {
    const described = describedWalks.get(walk)
    if (described) return described.ringFenced
  }
  const names = await conditionNames(db, walk.ringFenced.map((c) => c.conditions))
  const key = JSON.stringify(names)
  const described = describedWalks.get(walk)
  if (described?.names === key) return described.ringFenced
  const ringFenced = deepFreeze(walk.ringFenced.map((c) => ({ ...c, conditions: describeConditions(c.conditions, names) })))
  describedWalks.set(walk, { names: key, ringFenced })
  return ringFenced
}

/** The round's walk (walkOf), the round, the totals and the latest optimiser run; `unchanged` when the kept walk was reused without reading its inputs. */
async function panelWalk(db: Db, roundId: number, known?: PanelRoundFacts): Promise<{ walk: PanelWalk; unchanged: boolean; view: Pick<PanelView, 'round' | 'totals' | 'latestRun'> }> {
  const today = ukToday()
  const roundRead = known ? Promise.resolve(known) : panelRound(db, roundId)
  // Awaited below on every path; this only keeps a not-found round from counting as unhandled before then.
  roundRead.catch(() => {})
  const unchanged = await unchangedWalk(db, roundId, roundRead, today)
  let walk: PanelWalk
  let latestRun: KeptWalk['latestRun']
  if (unchanged) {
    walk = unchanged.walk
    latestRun = unchanged.latestRun
  } else {
    const [round, read] = await Promise.all([roundRead, readWalkInputs(db, roundId)])
    walk = walkOf(read, round, today, db.isTransaction ? null : db.getExecutor())
    latestRun = read.latestRun
  }
  return { walk, unchanged: unchanged !== null, view: { round: await roundRead, totals: { ...walk.totals }, latestRun: latestRun && { ...latestRun } } }
}

/** The walk's pots and ring-fenced contributions (their conditions in words) with what each has now and has left after the list. */
async function walkBalances(db: Db, walk: PanelWalk, unchanged: boolean): Promise<Pick<PanelView, 'pots' | 'ringFenced'>> {
  return { pots: walk.pots.map((p) => ({ ...p })), ringFenced: await describeRingFenced(db, walk, unchanged) }
}

/** The rows shown for some walked entries: each bid's own fields and scores, its decision and the walk's money. */
async function panelRows(db: Db, round: PanelRoundFacts, walked: PanelWalk['entries'], all: boolean): Promise<PanelRow[]> {
  const [bids, decisions] = await Promise.all([
    rankedBids(db, round.id, walked.map((w) => w.entry), round),
    decisionsFor(db, round.id, all ? undefined : walked.map((w) => w.entry.applicationId)),
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

/**
 * The money at the foot of the ranked list, without its rows: the round budget and totals, and what each pot the round
 * draws on and each ring-fenced contribution has now and will have left if every bid counted is funded (the panel's
 * money page). The same walk as the ranked list, so the two always agree.
 */
export async function panelMoney(db: Db, roundId: number, round?: PanelRoundFacts): Promise<Omit<PanelView, 'rows'>> {
  const { walk, unchanged, view } = await panelWalk(db, roundId, round)
  return { ...view, ...(await walkBalances(db, walk, unchanged)) }
}

/** The ranked list with decisions and the running totals (see the module comment). */
export async function panelView(db: Db, roundId: number): Promise<PanelView> {
  const { walk, unchanged, view } = await panelWalk(db, roundId)
  const [balances, rows] = await Promise.all([walkBalances(db, walk, unchanged), panelRows(db, view.round, walk.entries, true)])
  return { ...view, ...balances, rows }
}

/**
 * One page of the ranked list (PANEL_PAGE_SIZE) with the round, totals and latest optimiser run: the money is walked
 * down the whole list (so a page shows the same money left as the full list), and the bids' own fields, scores and
 * decisions are read for the page's rows only. The pots' and ring-fences' balances at the foot of the list are
 * panelMoney's (the panel's money page).
 */
export async function panelRankingPage(
  db: Db,
  roundId: number,
  cursor: { after?: number; before?: number },
  size = PANEL_PAGE_SIZE,
  /** The round as requirePanelAccess read it, so it is not read again. */
  round?: PanelRoundFacts,
): Promise<Pick<PanelView, 'round' | 'totals' | 'latestRun'> & { page: PanelPage }> {
  const { walk, view } = await panelWalk(db, roundId, round)
  const { rows: shown, ...page } = panelPage(walk.entries, cursor, size)
  return { ...view, page: { ...page, rows: await panelRows(db, view.round, shown, false) } }
}

export const PANEL_PAGE_SIZE = 25

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
export function panelPage<Row>(rows: readonly Row[], cursor: { after?: number; before?: number }, size = PANEL_PAGE_SIZE): PanelPage<Row> {
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
