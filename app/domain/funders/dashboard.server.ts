/**
 * The funder dashboard ("what did our money do?") at national size: a funder viewer's contributions with their
 * figures, ring-fences and how many awards each funded; leverage per funder and the places their money reached, each
 * read from the maintained place figures (place-figures.server.ts, updated in the same transaction as the commitments,
 * payments and repayments they sum); and the awards funded from one contribution a page at a time (keyset on the
 * commitment id).
 *
 * The figures are the same as reports.server.ts's funderView (balances from the contributions' ledger account rows,
 * received from their receipts, paid against a commitment = paid tranche parts from that contribution + older direct
 * 'award.paid' entries on the commitment − repayments taken back from that contribution), but read from maintained
 * rows: each contribution's balances and receipts from its contribution_figures row (contribution-figures.server.ts,
 * kept in step by the ledger's posting and the receipt writers), summed per funder by the database, and no query
 * returns a row per award except the page of awards. Every query is scoped to the given funders' contributions.
 * Read-only; nothing is cached outside the transaction-maintained summaries.
 */
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely'
import type { Db } from '~/lib/db.server.ts'
import { prepared } from '../../../db/connect.ts'
import { penceFromDatabase } from '~/lib/money.ts'
import { conditionNames } from '../budgets/overview.server.ts'
import { placeFiguresOf } from '../budgets/place-figures.server.ts'
import { CONTRIBUTION_FIGURE_COLUMNS, figuresFromRow, leverageSentence, paidAgainstCommitment, type FigureColumns, type LeverageFigures, type MoneyFigures, type PlaceRow } from '../budgets/reports.server.ts'
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

/** The columns fundersWithTotals sums. */
type TotalColumn = 'pledged' | 'received' | 'outstanding' | 'committed' | 'committed_unpaid' | 'paid' | 'received_uncommitted' | 'available' | 'returned'

/**
 * Each funder's name, its number of contributions and its totals over all of them (figuresFor's rules, summed by the
 * database from each contribution's maintained row: a row per funder, by name).
 */
async function fundersWithTotals(db: Db, funderIds: number[]) {
  const sum = (expression: RawBuilder<unknown>) => sql`coalesce(sum(${expression}), 0)`
  const query = sql<{ id: number; name: string; contributions: unknown } & Record<TotalColumn, unknown>>`
    select fu.id, fu.name, count(c.id) as contributions,
      ${sum(sql`case when c.pledged_pence > coalesce(cf.received_pence, 0) then c.pledged_pence else cf.received_pence end`)} as pledged,
      ${sum(sql`cf.received_pence`)} as received,
      ${sum(sql`cf.outstanding_pence`)} as outstanding,
      ${sum(sql`cf.committed_pence + cf.scheduled_pence + cf.paid_pence`)} as committed,
      ${sum(sql`cf.committed_pence + cf.scheduled_pence`)} as committed_unpaid,
      ${sum(sql`cf.paid_pence`)} as paid,
      ${sum(sql`cf.available_pence`)} as received_uncommitted,
      ${sum(sql`cf.available_pence + case when p.available_basis = 'pledged' then cf.outstanding_pence else 0 end`)} as available,
      ${sum(sql`cf.returned_pence`)} as returned
    from funders fu
    left join contributions c on c.funder_id = fu.id
    left join pots p on p.id = c.pot_id
    left join contribution_figures cf on cf.contribution_id = c.id
    where fu.id in (${sql.join(funderIds)})
    group by fu.id, fu.name
    order by fu.name, fu.id`
  // Kept prepared on PostgreSQL: one shape for each number of funders (nearly always one), read by their keys.
  const { rows } = await db.executeQuery(prepared({ compile: () => query.compile(db) }))
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    contributions: Number(r.contributions),
    totals: {
      pledgedPence: penceFromDatabase(r.pledged),
      receivedPence: penceFromDatabase(r.received),
      outstandingPence: penceFromDatabase(r.outstanding),
      committedPence: penceFromDatabase(r.committed),
      committedUnpaidPence: penceFromDatabase(r.committed_unpaid),
      paidPence: penceFromDatabase(r.paid),
      receivedUncommittedPence: penceFromDatabase(r.received_uncommitted),
      availablePence: penceFromDatabase(r.available),
      returnedPence: penceFromDatabase(r.returned),
    } satisfies MoneyFigures,
  }))
}

/** Where a contribution sits in the dashboard's order (funder by name, then newest year, pot name, contribution). */
interface OrderKey {
  funderName: string
  funderId: number
  year: string
  potName: string
  id: number
}

/** The contribution's place in the dashboard's order, or null when it is not one of the funders'. */
async function orderKeyOf(db: Db, funderIds: number[], contributionId: number): Promise<OrderKey | null> {
  const row = await db
    .selectFrom('contributions as c')
    .innerJoin('pots as p', 'p.id', 'c.pot_id')
    .innerJoin('funders as fu', 'fu.id', 'c.funder_id')
    .select(['fu.name as funderName', 'fu.id as funderId', 'p.financial_year as year', 'p.name as potName', 'c.id'])
    .where('c.id', '=', contributionId)
    .where('c.funder_id', 'in', funderIds)
    .executeTakeFirst()
  return row ?? null
}

interface ContributionPageRow extends FigureColumns {
  id: number
  funder_id: number
  pledged_pence: number
  is_in_kind: number
  conditions: string
  funderName: string
  potId: number
  potName: string
  financial_year: string
  available_basis: 'received' | 'pledged'
  placeName: string | null
  awards: unknown
}

/**
 * A page of the funders' contributions in the dashboard's order (funder by name, then newest year, pot name,
 * contribution), keyset on that order so that only the rows shown come back: the `limit` after `from.key` (or before
 * it, `from.backwards`), or the first `limit`; one more is read to know whether there are more. The database sorts the
 * funders' contributions by their keys alone and reads the rest (pot, place, figures from the maintained row, how many
 * awards each funds from the maintained place figures) for the page's rows only. Null limit: all of them. SQL text
 * rather than the query builder, which took longer to build and compile this query than the database took to run it.
 */
async function contributionPage(db: Db, funderIds: number[], from: { key: OrderKey | null; backwards: boolean }, limit: number | null) {
  const { key, backwards } = from
  // Going backwards the order is reversed throughout (and the rows put back in order after).
  const asc = sql.raw(backwards ? 'desc' : 'asc')
  const desc = sql.raw(backwards ? 'asc' : 'desc')
  const after = sql.raw(backwards ? '<' : '>')
  const before = sql.raw(backwards ? '>' : '<')
  // Strictly beyond the key in that order, each column compared in its own direction.
  const beyond = key
    ? sql`and (fu.name ${after} ${key.funderName}
        or (fu.name = ${key.funderName} and fu.id ${after} ${key.funderId})
        or (fu.name = ${key.funderName} and fu.id = ${key.funderId}
          and (p.financial_year ${before} ${key.year}
            or (p.financial_year = ${key.year} and (p.name ${after} ${key.potName} or (p.name = ${key.potName} and c.id ${after} ${key.id}))))))`
    : sql``
  const query = sql<ContributionPageRow>`
    select c.id, c.funder_id, c.pledged_pence, c.is_in_kind, c.conditions, k.funder_name as "funderName", p.id as "potId",
      p.name as "potName", p.financial_year, p.available_basis, pl.name as "placeName", ${CONTRIBUTION_FIGURE_COLUMNS},
      (select sum(pf.awards) from place_figures pf where pf.scope = 'contribution' and pf.scope_id = c.id) as awards
    from (
      select c.id, fu.name as funder_name, fu.id as funder_id, p.financial_year as year, p.name as pot_name
      from contributions c
      inner join pots p on p.id = c.pot_id
      inner join funders fu on fu.id = c.funder_id
      where c.funder_id in (${sql.join(funderIds)}) ${beyond}
      order by fu.name ${asc}, fu.id ${asc}, p.financial_year ${desc}, p.name ${asc}, c.id ${asc}
      ${limit === null ? sql`` : sql`limit ${limit + 1}`}
    ) k
    inner join contributions c on c.id = k.id
    inner join pots p on p.id = c.pot_id
    left join places pl on pl.id = p.place_id
    left join contribution_figures cf on cf.contribution_id = c.id
    order by k.funder_name ${asc}, k.funder_id ${asc}, k.year ${desc}, k.pot_name ${asc}, k.id ${asc}`
  // Kept prepared on PostgreSQL: a few shapes (first page, after, before; the number of funders), read by their keys.
  const { rows } = await db.executeQuery(prepared({ compile: () => query.compile(db) }))
  const more = limit !== null && rows.length > limit
  const page = more ? rows.slice(0, limit!) : rows
  return { rows: backwards ? page.reverse() : page, more }
}

/** The contributions of a page with their figures and ring-fences in words (their names read in one query). */
async function contributionDetails(db: Db, rows: Awaited<ReturnType<typeof contributionPage>>['rows']): Promise<FunderDashboardContribution[]> {
  const conditions = rows.map((r) => parseConditions(r.conditions))
  const names = await conditionNames(db, conditions)
  return rows.map((r, i) => ({
    contributionId: r.id,
    funderId: r.funder_id,
    funderName: r.funderName,
    isInKind: r.is_in_kind === 1,
    figures: figuresFromRow(r, r.pledged_pence, r.available_basis),
    ringFence: describeConditions(conditions[i]!, names),
    potId: r.potId,
    potName: r.potName,
    financialYear: r.financial_year,
    placeName: r.placeName,
    awards: Number(r.awards ?? 0),
  }))
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
async function distinctAwardsByPlace(db: Db, funderIds: number[]): Promise<Map<number | null, number>> {
  const rows = await db
    .selectFrom('award_commitments as ac')
    .innerJoin('awards', 'awards.id', 'ac.award_id')
    .innerJoin('applications', 'applications.id', 'awards.application_id')
    .select((eb) => ['applications.place_id as placeId', eb.fn.count<number>('ac.award_id').distinct().as('awards')])
    .where('ac.contribution_id', 'in', (eb) => eb.selectFrom('contributions').select('id').where('funder_id', 'in', funderIds))
    .where('ac.released_at', 'is', null)
    .groupBy('applications.place_id')
    .execute()
  return new Map(rows.map((r) => [r.placeId, Number(r.awards)]))
}

/**
 * The dashboard with a page of the contributions (contributionPage; null limit: all of them) after or before a
 * contribution: each funder's totals and leverage and the places stay whole. Three queries at once (four for a viewer
 * of several funders), then one for the names a ring-fence mentions; a page after or before another first looks up
 * where that one sits. A page after or before a contribution that is not one of theirs is the first page.
 */
async function dashboardShowing(db: Db, funderIds: number[], page: { after: number | null; before: number | null; limit: number | null }) {
  const afterKey = page.after ? await orderKeyOf(db, funderIds, page.after) : null
  const beforeKey = !afterKey && page.before ? await orderKeyOf(db, funderIds, page.before) : null
  const from = { key: afterKey ?? beforeKey, backwards: beforeKey !== null }
  const [funders, { rows, more }, sums, distinct] = await Promise.all([
    fundersWithTotals(db, funderIds),
    contributionPage(db, funderIds, from, page.limit),
    sumsByFunderAndPlace(db, funderIds),
    funderIds.length > 1 ? distinctAwardsByPlace(db, funderIds) : null,
  ])
  const contributions = await contributionDetails(db, rows)
  const any = contributions.length > 0
  return {
    funders: funders.map((f) => ({ funderId: f.id, funderName: f.name, totals: f.totals, leverage: leverageOf(f, sums) })),
    contributions,
    byPlace: placeRows(sums, distinct),
    counts: new Map(funders.map((f) => [f.id, f.contributions])),
    // Going forwards there are earlier ones when the page starts after one, later ones when more were read; backwards
    // the other way round.
    previous: any && (from.backwards ? more : from.key !== null) ? contributions[0]!.contributionId : null,
    next: any && (from.backwards ? true : more) ? contributions.at(-1)!.contributionId : null,
  }
}

/**
 * A funder viewer's own contributions across pots: their figures, ring-fences and award counts, each funder's totals
 * and leverage, and the places their money reached (their share only). Only the given funders' money is read.
 */
export async function funderDashboard(db: Db, funderIds: number[]): Promise<FunderDashboard> {
  if (funderIds.length === 0) return { funders: [], contributions: [], byPlace: [] }
  const { funders, contributions, byPlace } = await dashboardShowing(db, funderIds, { after: null, before: null, limit: null })
  return { funders, contributions, byPlace }
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
  const awards = shown.map((r) => ({ ...r, committedPence: penceFromDatabase(r.committedPence), paidPence: penceFromDatabase(r.paidPence) }))
  return {
    contribution,
    awards,
    count: Number(totals.n),
    committedPence: penceFromDatabase(totals.pence ?? 0),
    next: (backwards ? !!cursor : more) && awards.length ? awards.at(-1)!.commitmentId : null,
    previous: (backwards ? more : !!cursor) && awards.length ? awards[0]!.commitmentId : null,
  }
}

// ---------------------------------------------------------------- the dashboard a page of contributions at a time

export const FUNDER_CONTRIBUTIONS_PAGE_SIZE = 10

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
 * and places stay whole; only the page's contributions are read in full.
 */
export async function funderDashboardPage(
  db: Db,
  funderIds: number[],
  page: { after?: number | null; before?: number | null; limit?: number } = {},
): Promise<FunderDashboardPage> {
  const limit = page.limit ?? FUNDER_CONTRIBUTIONS_PAGE_SIZE
  if (funderIds.length === 0) return { funders: [], contributions: [], byPlace: [], contributionCounts: {}, next: null, previous: null }
  const view = await dashboardShowing(db, funderIds, { after: page.after ?? null, before: page.before ?? null, limit })
  const { contributions } = view
  return {
    funders: view.funders,
    contributions,
    byPlace: view.byPlace,
    contributionCounts: Object.fromEntries(view.counts),
    next: view.next,
    previous: view.previous,
  }
}
