/**
 * The funder dashboard ("what did our money do?") at national size: a funder viewer's contributions with their
 * figures, ring-fences and how many awards each funded; leverage per funder and the places their money reached, each
 * read from the maintained place figures (place-figures.server.ts, updated in the same transaction as the commitments,
 * payments and repayments they sum); and the awards funded from one contribution a page at a time (keyset on the
 * commitment id).
 *
 * The figures are the same as reports.server.ts's funderView (balances from the contributions' ledger account rows,
 * paid against a commitment = paid tranche parts from that contribution + older direct 'award.paid' entries on the
 * commitment − repayments taken back from that contribution), but no query returns a row per award except the page of
 * awards. Every query is scoped to the given funders' contributions. Read-only; nothing is cached outside the
 * transaction-maintained summary.
 */
import { sql, type Expression, type SqlBool } from 'kysely'
import type { Db } from '~/lib/db.server.ts'
import { penceFromDatabase } from '~/lib/money.ts'
import { CONTRIBUTION_BUCKETS } from '../budgets/accounts.ts'
import type { ContributionBalances } from '../budgets/contributions.server.ts'
import { conditionNames } from '../budgets/overview.server.ts'
import { placeFiguresOf } from '../budgets/place-figures.server.ts'
import { addFigures, figuresFor, funderContributionRows, leverageSentence, paidAgainstCommitment, ZERO_FIGURES, type LeverageFigures, type MoneyFigures, type PlaceRow } from '../budgets/reports.server.ts'
import { describeConditions, parseConditions } from '../budgets/ring-fence.ts'


export interface FunderDashboardContribution {
  contributionId: number
  funderId: number
  funderName: string
  isInKind: boolean
  figures: MoneyFigures
  ringFence: string[]
  potId: number
  potName: string
  financialYear: string
  placeName: string | null
  /** Awards this contribution has an active commitment to (they are listed by fundedAwardsPage). */
  awards: number
}

export interface FunderDashboard {
  funders: Array<{ funderId: number; funderName: string; totals: MoneyFigures; leverage: LeverageFigures }>
  contributions: FunderDashboardContribution[]
  /** Places the funders' money reached through awards, with only their share. */
  byPlace: PlaceRow[]
}

/** Active commitments from the contributions, with their awards and applications (for place and match funding). */
function activeCommitments(db: Db, contributionIds: number[]) {
  return db
    .selectFrom('award_commitments as ac')
    .innerJoin('awards', 'awards.id', 'ac.award_id')
    .innerJoin('applications', 'applications.id', 'awards.application_id')
    .where('ac.contribution_id', 'in', contributionIds)
    .where('ac.released_at', 'is', null)
}

/**
 * Every one of the funders' contributions' balances (its six ledger accounts' posted totals) and receipts, a row per
 * contribution summed by the database (a funder paying into every pot has a hundred or more contributions: 144 rows,
 * not 864 account rows and a list of every id).
 */
async function balancesAndReceipts(db: Db, funderIds: number[]): Promise<{ balances: Map<number, ContributionBalances>; received: Map<number, number> }> {
  const own = db.selectFrom('contributions').select('id').where('funder_id', 'in', funderIds)
  const balance = sql<number>`case when normal_balance = 'debit' then debits_posted_pence - credits_posted_pence else credits_posted_pence - debits_posted_pence end`
  const [accounts, receipts] = await Promise.all([
    db
      .selectFrom('ledger_accounts')
      .select((eb) => [
        'owner_id',
        ...CONTRIBUTION_BUCKETS.map((bucket) => eb.fn.sum<number>(sql`case when kind = ${`contribution_${bucket}`} then ${balance} else 0 end`).as(bucket)),
      ])
      .where('owner_type', '=', 'contribution')
      .where('owner_id', 'in', own)
      .groupBy('owner_id')
      .execute(),
    db
      .selectFrom('contribution_receipts')
      .select((eb) => ['contribution_id', eb.fn.sum<number>('amount_pence').as('total')])
      .where('contribution_id', 'in', own)
      .groupBy('contribution_id')
      .execute(),
  ])
  const balances = new Map<number, ContributionBalances>()
  for (const r of accounts) {
    const row = r as unknown as Record<string, unknown>
    balances.set(r.owner_id!, Object.fromEntries(CONTRIBUTION_BUCKETS.map((b) => [b, penceFromDatabase(row[b])])) as unknown as ContributionBalances)
  }
  return { balances, received: new Map(receipts.map((r) => [r.contribution_id, penceFromDatabase(r.total)])) }
}

const NO_BALANCES: ContributionBalances = { outstanding: 0, available: 0, committed: 0, scheduled: 0, paid: 0, returned: 0 }

/** Per contribution: how many awards it funds (the maintained place figures, summed over its few places). */
async function awardCounts(db: Db, contributionIds: number[]): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('place_figures')
    .select((eb) => ['scope_id', eb.fn.sum<number>('awards').as('n')])
    .where('scope', '=', 'contribution')
    .where('scope_id', 'in', contributionIds)
    .groupBy('scope_id')
    .execute()
  return new Map(rows.map((r) => [r.scope_id, Number(r.n)]))
}

/**
 * Per funder and place: committed, paid, awards and the share of match funding, from the maintained place figures
 * (place-figures.server.ts: kept in step with the commitments, payments and repayments in the same transaction).
 */
async function sumsByFunderAndPlace(db: Db, funderIds: number[]) {
  const rows = await placeFiguresOf(db, 'funder', funderIds)
  return rows.map((r) => ({
    funderId: r.scopeId,
    placeId: r.placeId,
    placeName: r.placeName,
    awards: r.awards,
    committed: r.committedPence,
    paid: r.paidPence,
    matchCash: r.matchCashPence,
    matchInKind: r.matchInKindPence,
  }))
}

/** Awards per place counted once across several funders (needed only when a viewer sees more than one funder). */
async function distinctAwardsByPlace(db: Db, contributionIds: number[]): Promise<Map<number | null, number>> {
  const rows = await activeCommitments(db, contributionIds)
    .select((eb) => ['applications.place_id as placeId', eb.fn.count<number>('ac.award_id').distinct().as('awards')])
    .groupBy('applications.place_id')
    .execute()
  return new Map(rows.map((r) => [r.placeId, Number(r.awards)]))
}

/**
 * A funder viewer's own contributions across pots: their figures, ring-fences and award counts, each funder's totals
 * and leverage, and the places their money reached (their share only). Only the given funders' money is read.
 */
export async function funderDashboard(db: Db, funderIds: number[]): Promise<FunderDashboard> {
  if (funderIds.length === 0) return { funders: [], contributions: [], byPlace: [] }
  const [rows, funderNames] = await Promise.all([
    funderContributionRows(db, funderIds),
    db.selectFrom('funders').select(['id', 'name']).where('id', 'in', funderIds).orderBy('name').execute(),
  ])
  const ids = rows.map((r) => r.id)
  const conditions = rows.map((r) => parseConditions(r.conditions))
  const [{ balances, received }, counts, sums, names, distinct] = ids.length
    ? await Promise.all([
        balancesAndReceipts(db, funderIds),
        awardCounts(db, ids),
        sumsByFunderAndPlace(db, funderIds),
        conditionNames(db, conditions),
        funderIds.length > 1 ? distinctAwardsByPlace(db, ids) : null,
      ])
    : [{ balances: new Map<number, ContributionBalances>(), received: new Map<number, number>() }, new Map<number, number>(), [], await conditionNames(db, []), null]
  const contributions: FunderDashboardContribution[] = rows.map((r, i) => ({
    contributionId: r.id,
    funderId: r.funderId,
    funderName: r.funderName,
    isInKind: r.isInKind === 1,
    figures: figuresFor(balances.get(r.id) ?? NO_BALANCES, received.get(r.id) ?? 0, r.pledgedPence, r.availableBasis),
    ringFence: describeConditions(conditions[i]!, names),
    potId: r.potId,
    potName: r.potName,
    financialYear: r.financialYear,
    placeName: r.placeName,
    awards: counts.get(r.id) ?? 0,
  }))
  const funders = funderNames.map((f) => {
    return {
      funderId: f.id,
      funderName: f.name,
      totals: contributions.filter((c) => c.funderId === f.id).reduce((t, c) => addFigures(t, c.figures), ZERO_FIGURES),
      leverage: leverageOf(f, sums),
    }
  })
  return { funders, contributions, byPlace: placeRows(sums, distinct) }
}

/** A funder's funding and the match funding its awards drew, from its place figures. */
function leverageOf(f: { id: number; name: string }, sums: Awaited<ReturnType<typeof sumsByFunderAndPlace>>): LeverageFigures {
  const own = sums.filter((s) => s.funderId === f.id)
  const fundingPence = own.reduce((t, s) => t + s.committed, 0)
  const matchCashPence = own.reduce((t, s) => t + s.matchCash, 0)
  const matchInKindPence = own.reduce((t, s) => t + s.matchInKind, 0)
  return { fundingPence, matchCashPence, matchInKindPence, sentence: leverageSentence({ from: f.name, fundingPence, matchCashPence, matchInKindPence }) }
}

function placeRows(sums: Awaited<ReturnType<typeof sumsByFunderAndPlace>>, distinct: Map<number | null, number> | null): PlaceRow[] {
  const places = new Map<number | null, PlaceRow>()
  for (const s of sums) {
    const row = places.get(s.placeId) ?? { placeId: s.placeId, placeName: s.placeName ?? 'No place recorded', committedPence: 0, paidPence: 0, awards: 0 }
    row.committedPence += s.committed
    row.paidPence += s.paid
    row.awards += s.awards
    places.set(s.placeId, row)
  }
  if (distinct) for (const row of places.values()) row.awards = distinct.get(row.placeId) ?? row.awards
  return [...places.values()].sort((a, b) => b.committedPence - a.committedPence || a.placeName.localeCompare(b.placeName))
}

// ---------------------------------------------------------------- the awards one contribution funded

export const FUNDED_AWARDS_PAGE_SIZE = 50

export interface FundedAwardRow {
  commitmentId: number
  awardId: number
  reference: string
  organisationName: string
  placeName: string | null
  status: string
  /** This contribution's active commitment to the award. */
  committedPence: number
  paidPence: number
}

export interface FundedAwardsPage {
  contribution: { id: number; funderId: number; funderName: string; potName: string; financialYear: string }
  awards: FundedAwardRow[]
  /** All the awards the contribution funds, and its share of them (SQL aggregates, alike on every page). */
  count: number
  committedPence: number
  /** Commitment ids to start the next page after / the previous page before; null on the last / first page. */
  next: number | null
  previous: number | null
}

/**
 * One page of the awards a contribution funds (its active commitments, oldest first), keyset on the commitment id:
 * the rows after `after` or before `before`. Null when the contribution is not one of `funderIds`' (the caller's 404).
 */
export async function fundedAwardsPage(
  db: Db,
  input: { funderIds: number[]; contributionId: number; after?: number | null; before?: number | null; limit?: number },
): Promise<FundedAwardsPage | null> {
  const limit = input.limit ?? FUNDED_AWARDS_PAGE_SIZE
  if (input.funderIds.length === 0) return null
  const contribution = await db
    .selectFrom('contributions')
    .innerJoin('funders', 'funders.id', 'contributions.funder_id')
    .innerJoin('pots', 'pots.id', 'contributions.pot_id')
    .select(['contributions.id', 'contributions.funder_id as funderId', 'funders.name as funderName', 'pots.name as potName', 'pots.financial_year as financialYear'])
    .where('contributions.id', '=', input.contributionId)
    .where('contributions.funder_id', 'in', input.funderIds)
    .executeTakeFirst()
  if (!contribution) return null
  const backwards = !input.after && !!input.before
  const cursor = input.after ?? input.before ?? null
  let page = activeCommitments(db, [contribution.id])
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .leftJoin('places', 'places.id', 'applications.place_id')
    .select([
      'ac.id as commitmentId',
      'awards.id as awardId',
      'awards.reference',
      'organisations.name as organisationName',
      'places.name as placeName',
      'awards.status',
      'ac.amount_pence as committedPence',
      paidAgainstCommitment('ac').as('paidPence'),
    ])
    .orderBy('ac.id', backwards ? 'desc' : 'asc')
    .limit(limit + 1)
  if (cursor) page = page.where((eb): Expression<SqlBool> => eb('ac.id', backwards ? '<' : '>', cursor))
  const [rows, totals] = await Promise.all([
    page.execute(),
    db
      .selectFrom('award_commitments')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('amount_pence').as('pence')])
      .where('contribution_id', '=', contribution.id)
      .where('released_at', 'is', null)
      .executeTakeFirstOrThrow(),
  ])
  const more = rows.length > limit
  const shown = rows.slice(0, limit)
  if (backwards) shown.reverse()
  const awards = shown.map((r) => ({ ...r, committedPence: Number(r.committedPence), paidPence: Number(r.paidPence) }))
  return {
    contribution,
    awards,
    count: Number(totals.n),
    committedPence: Number(totals.pence ?? 0),
    next: (backwards ? !!cursor : more) && awards.length ? awards.at(-1)!.commitmentId : null,
    previous: (backwards ? more : !!cursor) && awards.length ? awards[0]!.commitmentId : null,
  }
}

// ---------------------------------------------------------------- the dashboard a page of contributions at a time

export const FUNDER_CONTRIBUTIONS_PAGE_SIZE = 25

export interface FunderDashboardPage extends FunderDashboard {
  /** How many contributions each funder has in all (the totals and places are over all of them). */
  contributionCounts: Record<number, number>
  /** Contribution ids to start the next page after / the previous page before; null on the last / first page. */
  next: number | null
  previous: number | null
}

/**
 * The funder dashboard with its contributions a page at a time, in the dashboard's order (funder by name, then newest
 * year, pot name, contribution): the rows after the contribution `after` or before `before` (keyset on the position
 * of that contribution; an id that is not one of theirs starts from the first page). Each funder's totals, leverage
 * and places stay whole.
 */
export async function funderDashboardPage(
  db: Db,
  funderIds: number[],
  page: { after?: number | null; before?: number | null; limit?: number } = {},
): Promise<FunderDashboardPage> {
  const limit = page.limit ?? FUNDER_CONTRIBUTIONS_PAGE_SIZE
  if (funderIds.length === 0) return { funders: [], contributions: [], byPlace: [], contributionCounts: {}, next: null, previous: null }
  const [rows, funderNames] = await Promise.all([
    funderContributionRows(db, funderIds),
    db.selectFrom('funders').select(['id', 'name']).where('id', 'in', funderIds).orderBy('name').execute(),
  ])
  const order = new Map(funderNames.map((f, i) => [f.id, i]))
  const all = rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => order.get(a.r.funderId)! - order.get(b.r.funderId)! || a.i - b.i)
    .map(({ r }) => r)
  const contributionCounts: Record<number, number> = {}
  for (const r of all) contributionCounts[r.funderId] = (contributionCounts[r.funderId] ?? 0) + 1
  const at = (id: number | null | undefined) => (id ? all.findIndex((r) => r.id === id) : -1)
  const after = at(page.after)
  const before = after < 0 ? at(page.before) : -1
  const start = after >= 0 ? after + 1 : before >= 0 ? Math.max(0, before - limit) : 0
  const end = before >= 0 ? before : Math.min(all.length, start + limit)
  const shown = all.slice(start, end)
  // Every contribution's balances and receipts (the funders' totals are over all of them); award counts and the
  // ring-fences' names for the page's rows only.
  const conditions = shown.map((r) => parseConditions(r.conditions))
  const [{ balances, received }, counts, sums, names, distinct] = all.length
    ? await Promise.all([
        balancesAndReceipts(db, funderIds),
        shown.length ? awardCounts(db, shown.map((r) => r.id)) : new Map<number, number>(),
        sumsByFunderAndPlace(db, funderIds),
        conditionNames(db, conditions),
        funderIds.length > 1 ? distinctAwardsByPlace(db, all.map((r) => r.id)) : null,
      ])
    : [{ balances: new Map<number, ContributionBalances>(), received: new Map<number, number>() }, new Map<number, number>(), [], await conditionNames(db, []), null]
  const figuresOf = (r: (typeof all)[number]) => figuresFor(balances.get(r.id) ?? NO_BALANCES, received.get(r.id) ?? 0, r.pledgedPence, r.availableBasis)
  const totals = new Map<number, MoneyFigures>()
  for (const r of all) totals.set(r.funderId, addFigures(totals.get(r.funderId) ?? ZERO_FIGURES, figuresOf(r)))
  const contributions: FunderDashboardContribution[] = shown.map((r, i) => ({
    contributionId: r.id,
    funderId: r.funderId,
    funderName: r.funderName,
    isInKind: r.isInKind === 1,
    figures: figuresOf(r),
    ringFence: describeConditions(conditions[i]!, names),
    potId: r.potId,
    potName: r.potName,
    financialYear: r.financialYear,
    placeName: r.placeName,
    awards: counts.get(r.id) ?? 0,
  }))
  return {
    funders: funderNames.map((f) => ({ funderId: f.id, funderName: f.name, totals: totals.get(f.id) ?? ZERO_FIGURES, leverage: leverageOf(f, sums) })),
    contributions,
    byPlace: placeRows(sums, distinct),
    contributionCounts,
    next: end < all.length && contributions.length ? contributions.at(-1)!.contributionId : null,
    previous: start > 0 && contributions.length ? contributions[0]!.contributionId : null,
  }
}
