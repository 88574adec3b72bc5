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
 * Read-only; nothing is cached outside the transaction-maintained summaries (only the statements' text is kept, see
 * statement(), and the parsed form of a ring-fence's JSON text, see conditionsOf()).
 */
import { sql, type CompiledQuery, type Expression, type RawBuilder, type SqlBool } from 'kysely'
import type { Db } from '~/lib/db.server.ts'
import { compilableRaw, compiledOnce, type CompiledQueries, type SlotFor } from '~/lib/compiled-once.server.ts'
import { KeptUntilChanged, keptOrRead } from '~/lib/kept-until-changed.server.ts'
import { penceFromDatabase } from '~/lib/money.ts'
import { CONTRIBUTION_FIGURE_COLUMNS, figuresFromRow, leverageSentence, paidAgainstCommitment, type FigureColumns, type LeverageFigures, type MoneyFigures, type PlaceRow } from '../budgets/reports.server.ts'
import { describeConditions, parseConditions, type ConditionNames, type Conditions } from '../budgets/ring-fence.ts'

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
  /** Places the funders' money reached through awards, with only their share: most committed first. */
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

// ---------------------------------------------------------------- statements compiled once

/** The dashboard's statements by engine and shape (a few: the shapes differ in the number of funders and places). */
const statements: CompiledQueries<unknown> = new Map()

/**
 * The statement `build` writes, compiled once per engine and `shape` and run again with new `values`
 * (~/lib/compiled-once.server.ts). Kysely builds and compiles a query afresh on every call, and for the dashboard's
 * short reads that cost a large part of running them (with the builder's ring-fence names query, the dashboard's reads
 * took 0.62 ms against 0.45 ms for the same SQL run raw). Every value is a slot (anything else is refused, so no
 * viewer's value is kept for the next); kept prepared on PostgreSQL unless `keep` is false (an `in` list whose length
 * varies from call to call).
 */
function statement<R>(db: Db, shape: string, build: ($: SlotFor) => RawBuilder<R>, values: Record<string, unknown>, keep = true): CompiledQuery<R> {
  const cache = statements as CompiledQueries<R>
  return compiledOnce(cache, db, shape, ($) => compilableRaw(db, build($)), values, { prepared: keep, onlySlots: true })
}

/**
 * A `limit` written into the statement's text (so part of its shape): SQLite sorts for a literal limit keeping only
 * that many rows, and for a bound one sorts them all (the page of contributions 0.16 -> 0.11 ms). The limits are the
 * dashboard's own page sizes, never a visitor's input.
 */
function limitOf(n: number): RawBuilder<unknown> {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`a limit must be a whole number above 0, got ${n}`)
  return sql`limit ${sql.lit(n)}`
}

// ---------------------------------------------------------------- the funders' totals

/**
 * Each funder's name, its number of contributions, its totals over all of them (figuresFor's rules, summed by the
 * database from each contribution's maintained row) and the sums its leverage is worked out from (its committed money
 * and the match funding and in-kind support of the awards it funds, from its place figures): a row per funder, by name.
 */
async function fundersWithTotals(db: Db, funderIds: number[]) {
  const sum = (expression: RawBuilder<unknown>) => sql`coalesce(sum(${expression}), 0)`
  const fromPlaces = (column: string) => sql`(select coalesce(sum(pf.${sql.raw(column)}), 0) from place_figures pf where pf.scope = 'funder' and pf.scope_id = fu.id)`
  const query = statement<{ id: number; name: string; contributions: unknown } & Record<TotalColumn | LeverageColumn, unknown>>(
    db,
    `totals ${funderIds.length}`,
    ($) => sql`
      select fu.id, fu.name, count(c.id) as contributions,
        ${sum(sql`case when c.pledged_pence > coalesce(cf.received_pence, 0) then c.pledged_pence else cf.received_pence end`)} as pledged,
        ${sum(sql`cf.received_pence`)} as received,
        ${sum(sql`cf.outstanding_pence`)} as outstanding,
        ${sum(sql`cf.committed_pence + cf.scheduled_pence + cf.paid_pence`)} as committed,
        ${sum(sql`cf.committed_pence + cf.scheduled_pence`)} as committed_unpaid,
        ${sum(sql`cf.paid_pence`)} as paid,
        ${sum(sql`cf.available_pence`)} as received_uncommitted,
        ${sum(sql`cf.available_pence + case when p.available_basis = 'pledged' then cf.outstanding_pence else 0 end`)} as available,
        ${sum(sql`cf.returned_pence`)} as returned,
        ${fromPlaces('committed_pence')} as funding,
        ${fromPlaces('match_cash_pence')} as match_cash,
        ${fromPlaces('match_in_kind_pence')} as match_in_kind
      from funders fu
      left join contributions c on c.funder_id = fu.id
      left join pots p on p.id = c.pot_id
      left join contribution_figures cf on cf.contribution_id = c.id
      where fu.id in (${$.list('funderIds', funderIds.length)})
      group by fu.id, fu.name
      order by fu.name, fu.id`,
    { funderIds },
  )
  const { rows } = await db.executeQuery(query)
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
    leverage: leverageOf(r.name, penceFromDatabase(r.funding), penceFromDatabase(r.match_cash), penceFromDatabase(r.match_in_kind)),
  }))
}

/** The columns fundersWithTotals sums. */
type TotalColumn = 'pledged' | 'received' | 'outstanding' | 'committed' | 'committed_unpaid' | 'paid' | 'received_uncommitted' | 'available' | 'returned'
type LeverageColumn = 'funding' | 'match_cash' | 'match_in_kind'

/** A funder's funding and the match funding its awards drew, from its place figures. */
function leverageOf(from: string, fundingPence: number, matchCashPence: number, matchInKindPence: number): LeverageFigures {
  return { fundingPence, matchCashPence, matchInKindPence, sentence: leverageSentence({ from, fundingPence, matchCashPence, matchInKindPence }) }
}

// ---------------------------------------------------------------- a page of contributions

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
  const query = statement<OrderKey>(
    db,
    `order key ${funderIds.length}`,
    ($) => sql`
      select fu.name as "funderName", fu.id as "funderId", p.financial_year as year, p.name as "potName", c.id
      from contributions c
      inner join pots p on p.id = c.pot_id
      inner join funders fu on fu.id = c.funder_id
      where c.id = ${$('contributionId')} and c.funder_id in (${$.list('funderIds', funderIds.length)})`,
    { contributionId, funderIds },
  )
  const { rows } = await db.executeQuery(query)
  return rows[0] ?? null
}

interface ContributionPageRow extends FigureColumns {
  id: number
  funder_id: number
  pledged_pence: number
  is_in_kind: number
  conditions: string
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
 * awards each funds from the maintained place figures) for the page's rows only. Null limit: all of them.
 */
async function contributionPage(db: Db, funderIds: number[], from: { key: OrderKey | null; backwards: boolean }, limit: number | null) {
  const { key, backwards } = from
  // Going backwards the order is reversed throughout (and the rows put back in order after).
  const asc = sql.raw(backwards ? 'desc' : 'asc')
  const desc = sql.raw(backwards ? 'asc' : 'desc')
  const after = sql.raw(backwards ? '<' : '>')
  const before = sql.raw(backwards ? '>' : '<')
  const query = statement<ContributionPageRow>(
    db,
    `page ${funderIds.length} ${key ? (backwards ? 'before' : 'after') : 'first'} ${limit === null ? 'all' : limit}`,
    ($) => {
      // Strictly beyond the key in that order, each column compared in its own direction.
      const beyond = key
        ? sql`and (fu.name ${after} ${$('funderName')}
            or (fu.name = ${$('funderName')} and fu.id ${after} ${$('funderId')})
            or (fu.name = ${$('funderName')} and fu.id = ${$('funderId')}
              and (p.financial_year ${before} ${$('year')}
                or (p.financial_year = ${$('year')} and (p.name ${after} ${$('potName')} or (p.name = ${$('potName')} and c.id ${after} ${$('id')}))))))`
        : sql``
      return sql`
        select c.id, c.funder_id, c.pledged_pence, c.is_in_kind, c.conditions, p.id as "potId", p.name as "potName",
          p.financial_year, p.available_basis, pl.name as "placeName", ${CONTRIBUTION_FIGURE_COLUMNS},
          (select sum(pf.awards) from place_figures pf where pf.scope = 'contribution' and pf.scope_id = c.id) as awards
        from (
          select c.id, fu.name as funder_name, fu.id as funder_id, p.financial_year as year, p.name as pot_name
          from contributions c
          inner join pots p on p.id = c.pot_id
          inner join funders fu on fu.id = c.funder_id
          where c.funder_id in (${$.list('funderIds', funderIds.length)}) ${beyond}
          order by fu.name ${asc}, fu.id ${asc}, p.financial_year ${desc}, p.name ${asc}, c.id ${asc}
          ${limit === null ? sql`` : limitOf(limit + 1)}
        ) k
        inner join contributions c on c.id = k.id
        inner join pots p on p.id = c.pot_id
        left join places pl on pl.id = p.place_id
        left join contribution_figures cf on cf.contribution_id = c.id
        order by k.funder_name ${asc}, k.funder_id ${asc}, k.year ${desc}, k.pot_name ${asc}, k.id ${asc}`
    },
    { funderIds, ...key },
  )
  const { rows } = await db.executeQuery(query)
  const more = limit !== null && rows.length > limit
  const page = more ? rows.slice(0, limit!) : rows
  return { rows: backwards ? page.reverse() : page, more }
}

/** Ring-fences already read, by their JSON text (parsing one with its schema costs ~7 µs; the texts are few). */
const conditionsByText = new Map<string, Conditions>()

/** A contribution's conditions from their JSON (parseConditions, kept by the text: the same text reads the same). */
function conditionsOf(json: string): Conditions {
  let conditions = conditionsByText.get(json)
  if (conditions === undefined) {
    conditions = parseConditions(json)
    // Bounded: a few thousand distinct texts at most are kept.
    if (conditionsByText.size >= 5000) conditionsByText.clear()
    conditionsByText.set(json, conditions)
  }
  return conditions
}

/** Names of the places, funds and rounds that ring-fences mention, for describeConditions (one statement). */
async function ringFenceNames(db: Db, conditions: Conditions[]): Promise<ConditionNames> {
  const ids = {
    places: [...new Set(conditions.flatMap((c) => c.placeIds ?? []))],
    funds: [...new Set(conditions.flatMap((c) => c.fundIds ?? []))],
    rounds: [...new Set(conditions.flatMap((c) => c.roundIds ?? []))],
  }
  const names: Required<ConditionNames> = { places: {}, funds: {}, rounds: {} }
  const tables = ([['places', 'places', 'name'], ['funds', 'funds', 'name'], ['rounds', 'rounds', 'title']] as const).filter(([kind]) => ids[kind].length > 0)
  if (tables.length === 0) return names
  const query = statement<{ kind: keyof typeof ids; id: number; name: string }>(
    db,
    `names ${tables.map(([kind]) => `${kind} ${ids[kind].length}`).join(' ')}`,
    ($) =>
      sql.join(
        tables.map(([kind, table, column]) => sql`select ${sql.lit(kind)} as kind, id, ${sql.ref(column)} as name from ${sql.table(table)} where id in (${$.list(kind, ids[kind].length)})`),
        sql` union all `,
      ),
    ids,
    false,
  )
  const { rows } = await db.executeQuery(query)
  for (const r of rows) names[r.kind][r.id] = r.name
  return names
}

/** The contributions of a page with their figures and ring-fences in words (their names read in one query). */
async function contributionDetails(db: Db, rows: ContributionPageRow[], funderNames: Map<number, string>): Promise<FunderDashboardContribution[]> {
  const conditions = rows.map((r) => conditionsOf(r.conditions))
  const names = await ringFenceNames(db, conditions)
  return rows.map((r, i) => ({
    contributionId: r.id,
    funderId: r.funder_id,
    funderName: funderNames.get(r.funder_id)!,
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

// ---------------------------------------------------------------- the places the money reached

/**
 * The places the funders' money reached, with their share (committed, paid and awards summed over the funders by the
 * database from the maintained place figures, place-figures.server.ts): most committed first (then by name), the
 * first `limit` of them (null: all), and how many there are in all.
 */
async function placesReached(db: Db, funderIds: number[], limit: number | null): Promise<{ rows: PlaceRow[]; count: number }> {
  const query = statement<{ place_key: number; name: string | null; awards: unknown; committed: unknown; paid: unknown; places: unknown }>(
    db,
    `places ${funderIds.length} ${limit === null ? 'all' : limit}`,
    ($) => sql`
      select f.place_key, pl.name, sum(f.awards) as awards, sum(f.committed_pence) as committed, sum(f.paid_pence) as paid,
        count(*) over () as places
      from place_figures f
      left join places pl on pl.id = f.place_key
      where f.scope = 'funder' and f.scope_id in (${$.list('funderIds', funderIds.length)})
      group by f.place_key, pl.name
      order by sum(f.committed_pence) desc, coalesce(pl.name, 'No place recorded'), f.place_key
      ${limit === null ? sql`` : limitOf(limit)}`,
    { funderIds },
  )
  const { rows } = await db.executeQuery(query)
  const places = rows.map((r) => ({
    placeId: Number(r.place_key) === 0 ? null : Number(r.place_key),
    placeName: r.name ?? 'No place recorded',
    committedPence: penceFromDatabase(r.committed),
    paidPence: penceFromDatabase(r.paid),
    awards: Number(r.awards),
  }))
  return { rows: places, count: rows.length > 0 ? Number(rows[0]!.places) : 0 }
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

// ---------------------------------------------------------------- the dashboard

/**
 * The dashboard with a page of the contributions (contributionPage; null limit: all of them) after or before a
 * contribution, and the first `places` places (null: all): each funder's totals and leverage and the number of places
 * stay whole. Three queries at once (four for a viewer of several funders), then one for the names a ring-fence
 * mentions; a page after or before another first looks up where that one sits. A page after or before a contribution
 * that is not one of theirs is the first page.
 */
async function dashboardShowing(db: Db, funderIds: number[], page: { after: number | null; before: number | null; limit: number | null; places: number | null }) {
  const afterKey = page.after ? await orderKeyOf(db, funderIds, page.after) : null
  const beforeKey = !afterKey && page.before ? await orderKeyOf(db, funderIds, page.before) : null
  const from = { key: afterKey ?? beforeKey, backwards: beforeKey !== null }
  const [funders, { rows, more }, places, distinct] = await Promise.all([
    fundersWithTotals(db, funderIds),
    contributionPage(db, funderIds, from, page.limit),
    placesReached(db, funderIds, page.places),
    funderIds.length > 1 ? distinctAwardsByPlace(db, funderIds) : null,
  ])
  const contributions = await contributionDetails(db, rows, new Map(funders.map((f) => [f.id, f.name])))
  if (distinct) for (const row of places.rows) row.awards = distinct.get(row.placeId) ?? row.awards
  const any = contributions.length > 0
  return {
    funders: funders.map((f) => ({ funderId: f.id, funderName: f.name, totals: f.totals, leverage: f.leverage })),
    contributions,
    byPlace: places.rows,
    placeCount: places.count,
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
  const { funders, contributions, byPlace } = await dashboardShowing(db, funderIds, { after: null, before: null, limit: null, places: null })
  return { funders, contributions, byPlace }
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
  /** How many places the money reached (byPlace lists the first `places` of them). */
  placeCount: number
  /** Contribution ids to start the next page after / the previous page before; null on the last / first page. */
  next: number | null
  previous: number | null
}

/**
 * The funder dashboard with its contributions a page at a time, in the dashboard's order (funder by name, then newest
 * year, pot name, contribution): the rows after the contribution `after` or before `before` (keyset on the position
 * of that contribution; an id that is not one of theirs starts from the first page). Each funder's totals, leverage
 * and places stay whole; only the page's contributions are read in full, and only the first `places` places (most
 * committed first; all of them when not given).
 */
export async function funderDashboardPage(
  db: Db,
  funderIds: number[],
  page: { after?: number | null; before?: number | null; limit?: number; places?: number | null } = {},
): Promise<FunderDashboardPage> {
  const limit = page.limit ?? FUNDER_CONTRIBUTIONS_PAGE_SIZE
  if (funderIds.length === 0) return { funders: [], contributions: [], byPlace: [], placeCount: 0, contributionCounts: {}, next: null, previous: null }
  const asked = { after: page.after ?? null, before: page.before ?? null, limit, places: page.places ?? null }
  const read = async (): Promise<FunderDashboardPage> => {
    const view = await dashboardShowing(db, funderIds, asked)
    return {
      funders: view.funders,
      contributions: view.contributions,
      byPlace: view.byPlace,
      placeCount: view.placeCount,
      contributionCounts: Object.fromEntries(view.counts),
      next: view.next,
      previous: view.previous,
    }
  }
  // The first page is kept until the funding count moves; a later page starts from its cursor contribution, read
  // each time.
  if (asked.after !== null || asked.before !== null) return read()
  return keptOrRead(keptFirstPages, db, 'funding', `${[...funderIds].sort((a, b) => a - b).join(',')} ${limit} ${asked.places ?? 'all'}`, read)
}

/**
 * Each set of funders' first page of the dashboard (by its size and how many places), kept until the funding count of
 * changes moves (~/lib/kept-until-changed.server.ts): every table the dashboard reads is counted.
 */
export const keptFirstPages = new KeptUntilChanged<FunderDashboardPage>(64)
