/**
 * What pooled money did: the pot dashboard, the funder view ("what did our money do?") and the contributor statement.
 * Read-only.
 *
 * Where the figures come from:
 * - Balances (outstanding, available, committed, paid, returned) are the contributions' ledger ACCOUNT rows (their
 *   posted totals, via contributionBalances), never sums of entries; "received" is the sum of the contribution's
 *   receipts (the business record each receipt entry belongs to). The dashboards read both from each contribution's
 *   maintained row (contribution-figures.server.ts, kept in step by the ledger's posting and the receipt writers);
 *   funderView, the older whole view the tests check the dashboards against, reads the accounts and receipts.
 * - "Pledged" is the pledge, or what was received when more arrived than was pledged (public donations are pledged
 *   and received at once, so their pledge is what was given).
 * - "Committed" counts every pound reserved for awards and not released, including what has since been paid;
 *   "committed, not yet paid" is the committed account's balance.
 * - Over-time series and statements are built from ledger entries (they need dates; the dashboard's months from their
 *   maintained monthly sums, month-figures.server.ts); by-place figures from the award commitments (as they were,
 *   from their maintained sums per place, place-figures.server.ts) (an award's place is its application's place). The dashboard can show places as they were or
 *   rolled up into the places in force on a date (places/rollup.ts, whose SPLIT_RULE the page states); rolled up, an
 *   award counts once in every place its money reaches.
 * - Each contribution's ring-fence is given in words (describeConditions), on the dashboard and in the funder view.
 * - Leverage: match funding and in-kind support declared on the funded applications, attributed to the pot (or the
 *   funder) in proportion to its share of each award, rounded down to the penny; integer arithmetic throughout.
 *
 * The funder view is scoped in its queries to the funders given: it never reads another funder's contributions.
 */
import { sql, type RawBuilder } from 'kysely'
import { prepared } from '../../../db/connect.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { formatPence, penceFromDatabase, scalePence } from '~/lib/money.ts'
import { KeptUntilChanged, keptOrRead } from '~/lib/kept-until-changed.server.ts'
import type { PdfData } from '~/lib/pdf.server.ts'
import { loadPlaceLinks } from '../places/places.server.ts'
import { rollUpToSuccessors, type PlaceLinkRow } from '../places/rollup.ts'
import { BUCKET_LABELS, CONTRIBUTION_BUCKETS, REASONS, type ContributionBucket } from './accounts.ts'
import type { ContributionFiguresTable } from '../../../db/schema.ts'
import { contributionBalances, receivedTotals, type ContributionBalances } from './contributions.server.ts'
import { conditionNames } from './overview.server.ts'
import { potMonthFigures } from './month-figures.server.ts'
import { placeFiguresOf } from './place-figures.server.ts'
import { PotNotFoundError, type Pot } from './pots.server.ts'
import { describeConditions, parseConditions } from './ring-fence.ts'

export interface MoneyFigures {
  pledgedPence: number
  receivedPence: number
  /** Pledged, not yet received. */
  outstandingPence: number
  /** Reserved for awards (including what has been paid since). */
  committedPence: number
  /** Committed, not yet paid. */
  committedUnpaidPence: number
  paidPence: number
  /** Received and not committed (the available account's balance). */
  receivedUncommittedPence: number
  /** What can be committed now: received and uncommitted, plus outstanding pledges on a pot whose basis is 'pledged'. */
  availablePence: number
  returnedPence: number
}

export interface LeverageFigures {
  /** The pot's (or funder's) money in the awards counted. */
  fundingPence: number
  matchCashPence: number
  matchInKindPence: number
  sentence: string
}

export interface FundedAward {
  awardId: number
  reference: string
  organisationName: string
  placeName: string | null
  status: string
  /** This contribution's active commitment to the award. */
  committedPence: number
  paidPence: number
}

/** A contribution's figures and ring-fence, without its awards (the pot dashboard lists awards once, a page at a time). */
export interface ContributionSummary {
  contributionId: number
  funderId: number
  funderName: string
  isInKind: boolean
  figures: MoneyFigures
  /** The ring-fence conditions in plain English, one sentence each. */
  ringFence: string[]
}

export interface ContributionReport extends ContributionSummary {
  awards: FundedAward[]
}

/** An award drawing on a pot: the pot's money in it, and which contributions that money comes from. */
export interface PotAward {
  awardId: number
  reference: string
  organisationName: string
  placeName: string | null
  status: string
  /** The pot's active commitments to the award, over all its contributions. */
  committedPence: number
  /** Paid against those commitments, net of repayments. */
  paidPence: number
  /** The contributions the award draws on, in contribution order (the dashboard names them from its contributions). */
  contributions: Array<{ contributionId: number; committedPence: number; paidPence: number }>
}

/** One page of the awards drawing on a pot, in award id order, with the cursors of the pages either side. */
export interface PotAwardsPage {
  awards: PotAward[]
  /** How many awards draw on the pot in all (counted by the database). */
  total: number
  /** Give as ?before= for the previous page; null on the first page. */
  previousBefore: number | null
  /** Give as ?after= for the next page; null on the last page. */
  nextAfter: number | null
}

export const POT_AWARDS_PAGE_SIZE = 25

export interface PlaceRow {
  placeId: number | null
  placeName: string
  committedPence: number
  paidPence: number
  awards: number
}

export interface MonthRow {
  /** "2026-11" */
  month: string
  /** Committed in the month, net of releases. */
  committedPence: number
  paidPence: number
  cumulativeCommittedPence: number
  cumulativePaidPence: number
}

/** How the dashboard shows places: as each award recorded them, or rolled up into the places in force on a date. */
export const PLACE_VIEWS = ['as_they_were', 'rolled_up'] as const
export type PlaceView = (typeof PLACE_VIEWS)[number]

export interface PotDashboardOptions {
  places?: PlaceView
  /** The day whose places the figures roll up into (YYYY-MM-DD); needed when places is 'rolled_up'. */
  date?: string
}

export interface PotDashboard {
  pot: Pot & { placeName: string | null; hostFunderName: string }
  totals: MoneyFigures
  contributions: ContributionSummary[]
  byPlace: PlaceRow[]
  /** Which view byPlace is in, and the day rolled up to (null as they were). */
  placeView: { view: PlaceView; date: string | null }
  overTime: MonthRow[]
  leverage: LeverageFigures
  /** How many awards draw on the pot (each counted once, whichever view of places). */
  awardCount: number
}

export const ZERO_FIGURES: MoneyFigures = {
  pledgedPence: 0,
  receivedPence: 0,
  outstandingPence: 0,
  committedPence: 0,
  committedUnpaidPence: 0,
  paidPence: 0,
  receivedUncommittedPence: 0,
  availablePence: 0,
  returnedPence: 0,
}

/** A contribution's figures from its account balances, its receipts and its pledge. */
export function figuresFor(balances: ContributionBalances, receivedPence: number, pledgedPence: number, availableBasis: Pot['availableBasis']): MoneyFigures {
  return {
    pledgedPence: Math.max(pledgedPence, receivedPence),
    receivedPence,
    outstandingPence: balances.outstanding,
    committedPence: balances.committed + balances.scheduled + balances.paid,
    committedUnpaidPence: balances.committed + balances.scheduled,
    paidPence: balances.paid,
    receivedUncommittedPence: balances.available,
    availablePence: balances.available + (availableBasis === 'pledged' ? balances.outstanding : 0),
    returnedPence: balances.returned,
  }
}

export function addFigures(a: MoneyFigures, b: MoneyFigures): MoneyFigures {
  return Object.fromEntries(Object.keys(ZERO_FIGURES).map((k) => [k, a[k as keyof MoneyFigures] + b[k as keyof MoneyFigures]])) as unknown as MoneyFigures
}

/** Pence per pound of `part` to `whole`, rounded half up, in integer arithmetic: 24 for £240 on £1,000. */
export function pencePerPound(part: number, whole: number): number {
  if (whole <= 0) throw new RangeError('pencePerPound needs a positive whole')
  const twice = BigInt(part) * 200n + BigInt(whole)
  return Number(twice / (2n * BigInt(whole)))
}

/**
 * The leverage sentence: "Every £1 from the pot brought £0.24 of match funding and £0.10 of in-kind support."
 * `from` names whose money it is ("the pot", "NHS South West London ICB").
 */
export function leverageSentence(input: { from: string; fundingPence: number; matchCashPence: number; matchInKindPence: number }): string {
  const { from, fundingPence, matchCashPence, matchInKindPence } = input
  if (fundingPence <= 0) return `No money from ${from} has been committed to awards yet.`
  if (matchCashPence === 0 && matchInKindPence === 0) return `The awards funded by ${from} declared no match funding or in-kind support.`
  const cash = formatPence(pencePerPound(matchCashPence, fundingPence))
  const inKind = formatPence(pencePerPound(matchInKindPence, fundingPence))
  if (matchInKindPence === 0) return `Every £1 from ${from} brought ${cash} of match funding.`
  if (matchCashPence === 0) return `Every £1 from ${from} brought ${inKind} of in-kind support.`
  return `Every £1 from ${from} brought ${cash} of match funding and ${inKind} of in-kind support.`
}

interface CommitmentRow {
  commitmentId: number
  contributionId: number
  awardId: number
  reference: string
  awardAmountPence: number
  status: string
  organisationName: string
  placeId: number | null
  placeName: string | null
  committedPence: number
  matchCashPence: number
  matchInKindPence: number
}

/**
 * Active (not released) commitments from the contributions, with their awards, organisations and places (a query);
 * only those to `awardIds` when given.
 */
function activeCommitmentsQuery(db: Db, contributionIds: number[], awardIds?: number[]) {
  return db
    .selectFrom('award_commitments')
    .innerJoin('awards', 'awards.id', 'award_commitments.award_id')
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .innerJoin('applications', 'applications.id', 'awards.application_id')
    .leftJoin('places', 'places.id', 'applications.place_id')
    .select([
      'award_commitments.id as commitmentId',
      'award_commitments.contribution_id as contributionId',
      'award_commitments.amount_pence as committedPence',
      'awards.id as awardId',
      'awards.reference',
      'awards.amount_pence as awardAmountPence',
      'awards.status',
      'organisations.name as organisationName',
      'applications.place_id as placeId',
      'places.name as placeName',
      'applications.match_cash_pence as matchCashPence',
      'applications.match_in_kind_pence as matchInKindPence',
    ])
    .where('award_commitments.contribution_id', 'in', contributionIds)
    .where('award_commitments.released_at', 'is', null)
    .$if(awardIds !== undefined, (qb) => qb.where('award_commitments.award_id', 'in', awardIds!))
    .orderBy('awards.reference')
    .orderBy('award_commitments.id')
}

/** Active (not released) commitments from the contributions, with their awards, organisations and places. */
async function activeCommitments(db: Db, contributionIds: number[]): Promise<CommitmentRow[]> {
  if (contributionIds.length === 0) return []
  return activeCommitmentsQuery(db, contributionIds).execute()
}

/**
 * What has been paid against the active commitment `alias` (award_commitments, or an alias of it), net of money
 * repaid, as a correlated SQL expression (the rule paidByCommitment applies): the paid tranches' parts from its
 * contribution, older 'award.paid' entries pointing at the commitment itself, less repayments and clawbacks taken back
 * from the contribution for the award. Each part goes through an index (tranches by award, ledger entries by
 * reference, repayments by award), so the database does the sums per commitment in the same query.
 */
export function paidAgainstCommitment(alias: string): RawBuilder<number> {
  const col = (name: string) => sql.ref(`${alias}.${name}`)
  return sql<number>`(
    coalesce((select sum(tp.amount_pence) from tranches t inner join tranche_parts tp on tp.tranche_id = t.id
              where t.award_id = ${col('award_id')} and t.status = 'paid' and tp.contribution_id = ${col('contribution_id')}), 0)
    + coalesce((select sum(e.amount_pence) from ledger_entries e
              where e.ref_type = 'award_commitment' and e.ref_id = ${col('id')} and e.reason_code = ${REASONS.paid} and e.reverses_entry_id is null), 0)
    - coalesce((select sum(e.amount_pence) from award_repayments rp
              inner join ledger_entries e on e.ref_type = 'award_repayment' and e.ref_id = rp.id
              inner join ledger_accounts da on da.id = e.debit_account_id
              where rp.award_id = ${col('award_id')} and da.owner_id = ${col('contribution_id')}), 0))`
}

/** The active commitments and what has been paid against each, in one query (no second round trip with every id). */
async function activeCommitmentsWithPaid(db: Db, contributionIds: number[], awardIds?: number[]): Promise<{ commitments: CommitmentRow[]; paid: Map<number, number> }> {
  if (contributionIds.length === 0 || awardIds?.length === 0) return { commitments: [], paid: new Map() }
  const rows = await activeCommitmentsQuery(db, contributionIds, awardIds).select(paidAgainstCommitment('award_commitments').as('paidPence')).execute()
  const paid = new Map<number, number>()
  const commitments: CommitmentRow[] = rows.map(({ paidPence, ...commitment }) => {
    paid.set(commitment.commitmentId, Number(paidPence))
    return commitment
  })
  return { commitments, paid }
}

/**
 * What has been paid against each commitment (one contributor's money in one award), net of money repaid: the paid
 * tranches' parts from that contribution (issue 6's payment schedule), any older 'award.paid' entries that point at
 * the commitment itself, less repayments and clawbacks taken back from that contribution for the award.
 */
async function paidByCommitment(db: Db, commitmentIds: number[]): Promise<Map<number, number>> {
  if (commitmentIds.length === 0) return new Map()
  const commitments = await db.selectFrom('award_commitments').select(['id', 'award_id', 'contribution_id']).where('id', 'in', commitmentIds).execute()
  const key = (awardId: number, contributionId: number) => `${awardId}:${contributionId}`
  const byPair = new Map(commitments.map((c) => [key(c.award_id, c.contribution_id), c.id]))
  const awardIds = [...new Set(commitments.map((c) => c.award_id))]
  const [direct, tranches, repaid] = await Promise.all([
    db
      .selectFrom('ledger_entries')
      .select((eb) => ['ref_id', eb.fn.sum<number>('amount_pence').as('total')])
      .where('ref_type', '=', 'award_commitment')
      .where('ref_id', 'in', commitmentIds)
      .where('reason_code', '=', REASONS.paid)
      .where('reverses_entry_id', 'is', null)
      .groupBy('ref_id')
      .execute(),
    db
      .selectFrom('tranche_parts')
      .innerJoin('tranches', 'tranches.id', 'tranche_parts.tranche_id')
      .select((eb) => ['tranches.award_id', 'tranche_parts.contribution_id', eb.fn.sum<number>('tranche_parts.amount_pence').as('total')])
      .where('tranches.award_id', 'in', awardIds)
      .where('tranches.status', '=', 'paid')
      .groupBy(['tranches.award_id', 'tranche_parts.contribution_id'])
      .execute(),
    db
      .selectFrom('ledger_entries')
      .innerJoin('award_repayments', 'award_repayments.id', 'ledger_entries.ref_id')
      .innerJoin('ledger_accounts', 'ledger_accounts.id', 'ledger_entries.debit_account_id')
      .select((eb) => ['award_repayments.award_id', 'ledger_accounts.owner_id', eb.fn.sum<number>('ledger_entries.amount_pence').as('total')])
      .where('ledger_entries.ref_type', '=', 'award_repayment')
      .where('award_repayments.award_id', 'in', awardIds)
      .groupBy(['award_repayments.award_id', 'ledger_accounts.owner_id'])
      .execute(),
  ])
  const result = new Map<number, number>(direct.map((r) => [r.ref_id!, Number(r.total)]))
  const add = (commitmentId: number | undefined, pence: number) => {
    if (commitmentId !== undefined) result.set(commitmentId, (result.get(commitmentId) ?? 0) + pence)
  }
  for (const t of tranches) add(byPair.get(key(t.award_id, t.contribution_id)), Number(t.total))
  for (const r of repaid) add(byPair.get(key(r.award_id, r.owner_id!)), -Number(r.total))
  return result
}

function leverageOf(commitments: CommitmentRow[], from: string): LeverageFigures {
  let fundingPence = 0
  let matchCashPence = 0
  let matchInKindPence = 0
  for (const c of commitments) {
    fundingPence += c.committedPence
    matchCashPence += scalePence(c.matchCashPence, c.committedPence, c.awardAmountPence)
    matchInKindPence += scalePence(c.matchInKindPence, c.committedPence, c.awardAmountPence)
  }
  return { fundingPence, matchCashPence, matchInKindPence, sentence: leverageSentence({ from, fundingPence, matchCashPence, matchInKindPence }) }
}

function fundedAwards(commitments: CommitmentRow[], paid: Map<number, number>, contributionId: number): FundedAward[] {
  return commitments
    .filter((c) => c.contributionId === contributionId)
    .map((c) => ({
      awardId: c.awardId,
      reference: c.reference,
      organisationName: c.organisationName,
      placeName: c.placeName,
      status: c.status,
      committedPence: c.committedPence,
      paidPence: paid.get(c.commitmentId) ?? 0,
    }))
}

function byPlace(commitments: CommitmentRow[], paid: Map<number, number>): PlaceRow[] {
  const places = new Map<string, PlaceRow & { awardIds: Set<number> }>()
  for (const c of commitments) {
    const key = String(c.placeId ?? 'none')
    const row = places.get(key) ?? { placeId: c.placeId, placeName: c.placeName ?? 'No place recorded', committedPence: 0, paidPence: 0, awards: 0, awardIds: new Set<number>() }
    row.committedPence += c.committedPence
    row.paidPence += paid.get(c.commitmentId) ?? 0
    row.awardIds.add(c.awardId)
    places.set(key, row)
  }
  return [...places.values()]
    .map(({ awardIds, ...row }) => ({ ...row, awards: awardIds.size }))
    .sort((a, b) => b.committedPence - a.committedPence || a.placeName.localeCompare(b.placeName))
}

/**
 * The by-place rows rolled up into the places in force on `date` (rollUpToSuccessors, whose rule SPLIT_RULE states):
 * committed and paid are rolled up as totals per place; an award counts once in every place its money reaches.
 * Figures with no place stay under "No place recorded".
 */
async function byPlaceRolledUp(db: Db, commitments: CommitmentRow[], paid: Map<number, number>, date: string): Promise<PlaceRow[]> {
  const links: PlaceLinkRow[] = await loadPlaceLinks(db)
  const committed = new Map<number, number>()
  const paidByPlace = new Map<number, number>()
  const awardAmounts = new Map<number, { placeId: number; pence: number }>()
  const add = (map: Map<number, number>, key: number, value: number) => map.set(key, (map.get(key) ?? 0) + value)
  for (const c of commitments) {
    if (c.placeId === null) continue
    add(committed, c.placeId, c.committedPence)
    add(paidByPlace, c.placeId, paid.get(c.commitmentId) ?? 0)
    const award = awardAmounts.get(c.awardId) ?? { placeId: c.placeId, pence: 0 }
    award.pence += c.committedPence
    awardAmounts.set(c.awardId, award)
  }
  const rolledCommitted = rollUpToSuccessors(committed, date, links)
  const rolledPaid = rollUpToSuccessors(paidByPlace, date, links)
  const awardsByPlace = new Map<number, number>()
  for (const { placeId, pence } of awardAmounts.values()) {
    for (const [successorId, share] of rollUpToSuccessors(new Map([[placeId, pence]]), date, links)) if (share !== 0) add(awardsByPlace, successorId, 1)
  }
  const ids = [...new Set([...rolledCommitted.keys(), ...rolledPaid.keys()])].filter((id) => (rolledCommitted.get(id) ?? 0) !== 0 || (rolledPaid.get(id) ?? 0) !== 0 || awardsByPlace.has(id))
  const names = ids.length ? await db.selectFrom('places').select(['id', 'name']).where('id', 'in', ids).execute() : []
  const nameOf = new Map(names.map((p) => [p.id, p.name]))
  const rows: PlaceRow[] = ids.map((id) => ({ placeId: id, placeName: nameOf.get(id) ?? `Place ${id}`, committedPence: rolledCommitted.get(id) ?? 0, paidPence: rolledPaid.get(id) ?? 0, awards: awardsByPlace.get(id) ?? 0 }))
  const unplaced = byPlace(commitments.filter((c) => c.placeId === null), paid)
  return [...rows, ...unplaced].sort((a, b) => b.committedPence - a.committedPence || a.placeName.localeCompare(b.placeName))
}

/**
 * Monthly committed (net of releases) and paid over the pot's contributions, with running totals: read from the
 * maintained month figures (month-figures.server.ts, which states the rule and is kept in step by the ledger's
 * posting), a row per contribution and month summed per month by the database.
 */
async function overTime(db: Db, potId: number): Promise<MonthRow[]> {
  let cumulativeCommittedPence = 0
  let cumulativePaidPence = 0
  return (await potMonthFigures(db, potId)).map(({ month, committedPence, paidPence }) => {
    cumulativeCommittedPence += committedPence
    cumulativePaidPence += paidPence
    return { month, committedPence, paidPence, cumulativeCommittedPence, cumulativePaidPence }
  })
}

/** The columns of a contribution's maintained figures (contribution-figures.server.ts), from the alias `cf`. */
export const CONTRIBUTION_FIGURE_COLUMNS = sql`cf.outstanding_pence, cf.available_pence, cf.committed_pence, cf.scheduled_pence, cf.paid_pence, cf.returned_pence, cf.received_pence`

/** A contribution's maintained figures as read by CONTRIBUTION_FIGURE_COLUMNS (nulls when it has no row). */
export type FigureColumns = { [K in keyof Omit<ContributionFiguresTable, 'contribution_id'>]: unknown }

/**
 * A contribution's figures from its maintained row (all zero when it has none: a left join gives nulls), its pledge
 * and its pot's basis.
 */
export function figuresFromRow(row: FigureColumns, pledgedPence: number, availableBasis: Pot['availableBasis']): MoneyFigures {
  const balances: ContributionBalances = {
    outstanding: penceFromDatabase(row.outstanding_pence),
    available: penceFromDatabase(row.available_pence),
    committed: penceFromDatabase(row.committed_pence),
    scheduled: penceFromDatabase(row.scheduled_pence),
    paid: penceFromDatabase(row.paid_pence),
    returned: penceFromDatabase(row.returned_pence),
  }
  return figuresFor(balances, penceFromDatabase(row.received_pence), pledgedPence, availableBasis)
}

interface PotContributionRow extends FigureColumns {
  id: number
  name: string
  place_id: number | null
  host_funder_id: number
  pool_manager_user_id: number | null
  financial_year: string
  status: Pot['status']
  available_basis: Pot['availableBasis']
  year_end_policy: Pot['yearEndPolicy']
  previous_pot_id: number | null
  closed_at: string | null
  placeName: string | null
  hostFunderName: string
  contributionId: number | null
  funderId: number | null
  funderName: string | null
  pledged_pence: number | null
  conditions: string | null
  is_in_kind: number | null
}

/**
 * The pot (with its place and host) and its contributions with their figures (each contribution's maintained row) and
 * ring-fences in words. One query, a row per contribution with the pot's columns on each (one row with no
 * contribution when it has none), and another only for the names of places, funds or rounds a ring-fence mentions.
 * Written as SQL text rather than with the query builder: building and compiling this query took longer than running
 * it (about 60 µs against 5), on every view of the dashboard. Throws PotNotFoundError.
 */
async function potContributions(db: Db, potId: number) {
  const query = sql<PotContributionRow>`
    select p.id, p.name, p.place_id, p.host_funder_id, p.pool_manager_user_id, p.financial_year, p.status, p.available_basis,
      p.year_end_policy, p.previous_pot_id, p.closed_at, pl.name as "placeName", host.name as "hostFunderName",
      c.id as "contributionId", c.funder_id as "funderId", f.name as "funderName", c.pledged_pence, c.conditions, c.is_in_kind,
      ${CONTRIBUTION_FIGURE_COLUMNS}
    from pots p
    inner join funders host on host.id = p.host_funder_id
    left join places pl on pl.id = p.place_id
    left join contributions c on c.pot_id = p.id
    left join funders f on f.id = c.funder_id
    left join contribution_figures cf on cf.contribution_id = c.id
    where p.id = ${potId}
    order by c.id`
  // Kept prepared on PostgreSQL: one shape, read by the pot's key.
  const { rows } = await db.executeQuery(prepared({ compile: () => query.compile(db) }))
  const row = rows[0]
  if (!row) throw new PotNotFoundError()
  const pot: PotDashboard['pot'] = {
    id: row.id,
    name: row.name,
    placeId: row.place_id,
    hostFunderId: row.host_funder_id,
    poolManagerUserId: row.pool_manager_user_id,
    financialYear: row.financial_year,
    status: row.status,
    availableBasis: row.available_basis,
    yearEndPolicy: row.year_end_policy,
    previousPotId: row.previous_pot_id,
    closedAt: row.closed_at,
    placeName: row.placeName,
    hostFunderName: row.hostFunderName,
  }
  const own = rows.filter((r) => r.contributionId !== null)
  const conditions = own.map((r) => parseConditions(r.conditions!))
  const names = await conditionNames(db, conditions)
  const contributions: ContributionSummary[] = own.map((r, i) => ({
    contributionId: r.contributionId!,
    funderId: r.funderId!,
    funderName: r.funderName!,
    isInKind: r.is_in_kind === 1,
    figures: figuresFromRow(r, r.pledged_pence!, pot.availableBasis),
    ringFence: describeConditions(conditions[i], names),
  }))
  return { pot, contributions }
}

/** The funders' contributions across pots, with their pots' names, places and years. */
export async function funderContributionRows(db: Db, funderIds: number[]) {
  return db
    .selectFrom('contributions')
    .innerJoin('funders', 'funders.id', 'contributions.funder_id')
    .innerJoin('pots', 'pots.id', 'contributions.pot_id')
    .leftJoin('places', 'places.id', 'pots.place_id')
    .select([
      'contributions.id',
      'contributions.pot_id as potId',
      'contributions.funder_id as funderId',
      'contributions.pledged_pence as pledgedPence',
      'contributions.is_in_kind as isInKind',
      'contributions.conditions',
      'funders.name as funderName',
      'pots.name as potName',
      'pots.financial_year as financialYear',
      'pots.available_basis as availableBasis',
      'places.name as placeName',
    ])
    .where('contributions.funder_id', 'in', funderIds.length ? funderIds : [0])
    .orderBy('pots.financial_year', 'desc')
    .orderBy('pots.name')
    .orderBy('contributions.id')
    .execute()
}

/**
 * Everything the pot dashboard shows but its awards (potAwardsPage): the pot's facts, its contributions' figures
 * (balances and receipts, from each contribution's maintained row) and ring-fences, places, months and leverage.
 * Three queries at once, each reading by the pot's id: the pot with its contributions and their maintained figures;
 * its place figures (which give the places and the leverage); its months. By place, the figures are as each award
 * recorded its place unless `places` is 'rolled_up' (then the active commitments with what has been paid against each
 * are read and rolled up into the places in force on `date`). Throws PotNotFoundError.
 *
 * With places as they were, the dashboard is kept per pot until the funding count of changes moves
 * (keptPotDashboards): every table it reads is counted. Rolled up, it reads the ledger and payments, and is read each
 * time.
 */
export async function potDashboard(db: Db, potId: number, options: PotDashboardOptions = {}): Promise<PotDashboard> {
  const view = options.places ?? 'as_they_were'
  if (view === 'as_they_were') return keptOrRead(keptPotDashboards, db, 'funding', String(potId), () => readPotDashboard(db, potId, options))
  return readPotDashboard(db, potId, options)
}

/** Pots' dashboards with places as they were, kept until the funding count moves (~/lib/kept-until-changed.server.ts). */
export const keptPotDashboards = new KeptUntilChanged<PotDashboard>(128)

async function readPotDashboard(db: Db, potId: number, options: PotDashboardOptions): Promise<PotDashboard> {
  const view = options.places ?? 'as_they_were'
  if (view === 'rolled_up' && !options.date) throw new RangeError('potDashboard needs a date to roll places up to')
  // The pot's contributions, its places and its months are each read by the pot's id, at once.
  const [{ pot, contributions: reports }, places, months] = await Promise.all([
    potContributions(db, potId),
    view === 'as_they_were' ? placeSums(db, potId) : [],
    overTime(db, potId),
  ])
  const common = { pot, totals: reports.reduce((sum, c) => addFigures(sum, c.figures), ZERO_FIGURES), contributions: reports, overTime: months }
  if (view === 'rolled_up') {
    const { commitments, paid } = await activeCommitmentsWithPaid(
      db,
      reports.map((c) => c.contributionId),
    )
    return {
      ...common,
      byPlace: await byPlaceRolledUp(db, commitments, paid, options.date!),
      placeView: { view, date: options.date! },
      leverage: leverageOf(commitments, 'the pot'),
      awardCount: new Set(commitments.map((c) => c.awardId)).size,
    }
  }
  const fundingPence = places.reduce((t, p) => t + p.committedPence, 0)
  const matchCashPence = places.reduce((t, p) => t + p.matchCashPence, 0)
  const matchInKindPence = places.reduce((t, p) => t + p.matchInKindPence, 0)
  return {
    ...common,
    byPlace: places
      .map(({ matchCashPence: _cash, matchInKindPence: _inKind, ...row }) => row)
      .sort((a, b) => b.committedPence - a.committedPence || a.placeName.localeCompare(b.placeName)),
    placeView: { view, date: null },
    leverage: { fundingPence, matchCashPence, matchInKindPence, sentence: leverageSentence({ from: 'the pot', fundingPence, matchCashPence, matchInKindPence }) },
    // Each award has one place as it was, so the places' counts add up to the pot's.
    awardCount: places.reduce((t, p) => t + p.awards, 0),
  }
}

/**
 * Per place (as each award's application recorded it): the awards drawing on the pot (each counted once), its active
 * commitments, what has been paid against those (paidAgainstCommitment) and its share of the awards' declared match
 * funding (match × committed ÷ award, rounded down per commitment, as leverageOf does). Read from the maintained place
 * figures (place-figures.server.ts, kept in step by every writer in the same transaction): a row per place.
 */
async function placeSums(db: Db, potId: number): Promise<Array<PlaceRow & { matchCashPence: number; matchInKindPence: number }>> {
  const rows = await placeFiguresOf(db, 'pot', [potId])
  return rows.map((r) => ({
    placeId: r.placeId,
    placeName: r.placeName ?? 'No place recorded',
    committedPence: r.committedPence,
    paidPence: r.paidPence,
    awards: r.awards,
    matchCashPence: r.matchCashPence,
    matchInKindPence: r.matchInKindPence,
  }))
}

/**
 * One page of the awards drawing on the pot (an active commitment from any of its contributions), in award id order:
 * the first page, the page after award `after`, or the page before award `before`. Each award carries the pot's
 * committed and paid money in it and which contributions that comes from. The total is the pot's maintained count of
 * awards (place_figures). One query: the page's awards (one more than a page, to know whether there are more) from the
 * maintained award figures' (pot, award) index, with their details and the total; a page after or before another also
 * asks whether any award lies beyond its far end. Pages hold `limit` awards (POT_AWARDS_PAGE_SIZE).
 */
export async function potAwardsPage(db: Db, potId: number, cursor: { after?: number; before?: number } = {}, limit = POT_AWARDS_PAGE_SIZE): Promise<PotAwardsPage> {
  // The awards with an active commitment from the pot: the maintained award figures hold one row per award and
  // contribution, with the pot, read in award order from their (pot, award) index.
  const awardsOfPot = () => db.selectFrom('award_figures').where('pot_id', '=', potId)
  const backwards = cursor.before !== undefined
  const pageIds = awardsOfPot()
    .select('award_id')
    .distinct()
    .$if(backwards, (qb) => qb.where('award_id', '<', cursor.before!).orderBy('award_id', 'desc'))
    .$if(!backwards && cursor.after !== undefined, (qb) => qb.where('award_id', '>', cursor.after!))
    .$if(!backwards, (qb) => qb.orderBy('award_id'))
    .limit(limit + 1)
  const total = () => db.selectFrom('place_figures').select((eb) => eb.fn.sum<number>('awards').as('total')).where('scope', '=', 'pot').where('scope_id', '=', potId)
  const rows = await db
    .selectFrom('award_figures as af')
    .innerJoin('awards', 'awards.id', 'af.award_id')
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .innerJoin('applications', 'applications.id', 'awards.application_id')
    .leftJoin('places', 'places.id', 'applications.place_id')
    .select([
      'af.award_id as awardId',
      'af.contribution_id as contributionId',
      'af.committed_pence as committedPence',
      'af.paid_pence as paidPence',
      'awards.reference',
      'awards.status',
      'organisations.name as organisationName',
      'places.name as placeName',
      total().as('total'),
    ])
    .where('af.pot_id', '=', potId)
    .where('af.award_id', 'in', pageIds)
    .execute()
  const byAward = new Map<number, PotAward>()
  for (const c of rows) {
    const award = byAward.get(c.awardId) ?? {
      awardId: c.awardId,
      reference: c.reference,
      organisationName: c.organisationName,
      placeName: c.placeName,
      status: c.status,
      committedPence: 0,
      paidPence: 0,
      contributions: [],
    }
    const committedPence = penceFromDatabase(c.committedPence)
    const paidPence = penceFromDatabase(c.paidPence)
    award.committedPence += committedPence
    award.paidPence += paidPence
    award.contributions.push({ contributionId: c.contributionId, committedPence, paidPence })
    byAward.set(c.awardId, award)
  }
  for (const award of byAward.values()) award.contributions.sort((a, b) => a.contributionId - b.contributionId)
  // The page's ids in award order; the one beyond a full page (the last going forwards, the first going backwards)
  // only says there are more.
  const ids = [...byAward.keys()].sort((a, b) => a - b)
  const more = ids.length > limit
  if (more) ids.splice(backwards ? 0 : ids.length - 1, 1)
  const first = ids[0]
  const last = ids.at(-1)
  const anyBeyond = async (op: '<' | '>', id: number | undefined) =>
    id !== undefined && (await awardsOfPot().select('award_id').where('award_id', op, id).limit(1).executeTakeFirst()) !== undefined
  const [earlier, later, counted] = await Promise.all([
    backwards ? more : cursor.after !== undefined && anyBeyond('<', first),
    backwards ? anyBeyond('>', last) : more,
    rows.length ? rows[0].total : cursor.after !== undefined || backwards ? total().executeTakeFirst().then((r) => r?.total) : 0,
  ])
  return {
    awards: ids.map((id) => byAward.get(id)!),
    total: Number(counted ?? 0),
    previousBefore: earlier ? first! : null,
    nextAfter: later ? last! : null,
  }
}

/** A pot's awards page: the pot's name, its contributors' names (to say whose money each award draws on) and the page. */
export interface PotAwardsList {
  pot: { id: number; name: string }
  contributors: Array<{ contributionId: number; funderName: string }>
  page: PotAwardsPage
}

/** The pot's awards a page at a time (potAwardsPage) with what the page names them by. Throws PotNotFoundError. */
export async function potAwardsList(db: Db, potId: number, cursor: { after?: number; before?: number } = {}): Promise<PotAwardsList> {
  const [rows, page] = await Promise.all([
    db
      .selectFrom('pots')
      .leftJoin('contributions as c', 'c.pot_id', 'pots.id')
      .leftJoin('funders as f', 'f.id', 'c.funder_id')
      .select(['pots.id', 'pots.name', 'c.id as contributionId', 'f.name as funderName'])
      .where('pots.id', '=', potId)
      .orderBy('c.id')
      .execute(),
    potAwardsPage(db, potId, cursor),
  ])
  if (rows.length === 0) throw new PotNotFoundError()
  return {
    pot: { id: rows[0].id, name: rows[0].name },
    contributors: rows.filter((r) => r.contributionId !== null).map((r) => ({ contributionId: r.contributionId!, funderName: r.funderName! })),
    page,
  }
}

export interface FunderContributionReport extends ContributionReport {
  potId: number
  potName: string
  financialYear: string
  placeName: string | null
}

export interface FunderView {
  funders: Array<{ funderId: number; funderName: string; totals: MoneyFigures; leverage: LeverageFigures }>
  contributions: FunderContributionReport[]
  /** Places the funders' money reached through awards, with only their share. */
  byPlace: PlaceRow[]
}

/**
 * A funder viewer's own contributions across pots: the same figures, the awards and places their money funded, and
 * the leverage of their share. Only the given funders' contributions are read; the awards list shows their share.
 */
export async function funderView(db: Db, funderIds: number[]): Promise<FunderView> {
  const rows = await funderContributionRows(db, funderIds)
  const ids = rows.map((r) => r.id)
  const [balances, received, commitments] = await Promise.all([contributionBalances(db, ids), receivedTotals(db, ids), activeCommitments(db, ids)])
  const paid = await paidByCommitment(db, commitments.map((c) => c.commitmentId))
  const conditions = rows.map((r) => parseConditions(r.conditions))
  const names = await conditionNames(db, conditions)
  const contributions: FunderContributionReport[] = rows.map((r, i) => ({
    contributionId: r.id,
    funderId: r.funderId,
    funderName: r.funderName,
    isInKind: r.isInKind === 1,
    figures: figuresFor(balances.get(r.id)!, received.get(r.id) ?? 0, r.pledgedPence, r.availableBasis),
    ringFence: describeConditions(conditions[i], names),
    awards: fundedAwards(commitments, paid, r.id),
    potId: r.potId,
    potName: r.potName,
    financialYear: r.financialYear,
    placeName: r.placeName,
  }))
  const funderNames = await db.selectFrom('funders').select(['id', 'name']).where('id', 'in', funderIds.length ? funderIds : [0]).orderBy('name').execute()
  const funders = funderNames.map((f) => {
    const own = contributions.filter((c) => c.funderId === f.id)
    const ownIds = new Set(own.map((c) => c.contributionId))
    return {
      funderId: f.id,
      funderName: f.name,
      totals: own.reduce((sum, c) => addFigures(sum, c.figures), ZERO_FIGURES),
      leverage: leverageOf(commitments.filter((c) => ownIds.has(c.contributionId)), f.name),
    }
  })
  return { funders, contributions, byPlace: byPlace(commitments, paid) }
}

// ---------- contributor statement ----------

export interface StatementPeriod {
  /** YYYY-MM-DD, inclusive (UTC). */
  from: string
  /** YYYY-MM-DD, inclusive (UTC). */
  to: string
}

export interface StatementMovement {
  entryId: number
  /** ISO time the entry was recorded. */
  at: string
  reasonCode: string
  description: string
  fromAccount: string
  toAccount: string
  amountPence: number
  /** The change this entry made to each of the contribution's buckets. */
  effect: Partial<Record<ContributionBucket, number>>
}

export interface StatementBucketRow {
  bucket: ContributionBucket
  label: string
  openingPence: number
  inPence: number
  outPence: number
  closingPence: number
}

export interface ContributorStatement {
  contributionId: number
  funderId: number
  funderName: string
  potId: number
  potName: string
  financialYear: string
  placeName: string | null
  pledgedPence: number
  period: StatementPeriod
  buckets: StatementBucketRow[]
  movements: StatementMovement[]
}

export class StatementPeriodError extends DomainError {
  constructor() {
    super('Give the statement period as two dates, YYYY-MM-DD, the start on or before the end.', { code: 'statement_period', status: 400 })
  }
}

const REASON_LABELS: Record<string, string> = {
  [REASONS.pledged]: 'Pledge',
  [REASONS.received]: 'Money received',
  [REASONS.receivedOverPledge]: 'Money received beyond the pledge',
  [REASONS.committed]: 'Committed to an award',
  [REASONS.released]: 'Commitment released',
  [REASONS.paid]: 'Paid to a grantee',
  [REASONS.returned]: 'Returned at year end',
  [REASONS.carriedForward]: 'Carried forward at year end',
}

const DATE = /^\d{4}-\d{2}-\d{2}$/

/**
 * One contribution's statement for a period: opening balance per bucket (every entry before the period), the
 * movements in the period, and closing balances. Built from ledger entries. Throws ContributionNotFoundError-style
 * NotFoundError for an unknown contribution and StatementPeriodError for a bad period.
 */
export async function contributorStatement(db: Db, contributionId: number, period: StatementPeriod): Promise<ContributorStatement> {
  if (!DATE.test(period.from) || !DATE.test(period.to) || period.from > period.to) throw new StatementPeriodError()
  const contribution = await db
    .selectFrom('contributions')
    .innerJoin('funders', 'funders.id', 'contributions.funder_id')
    .innerJoin('pots', 'pots.id', 'contributions.pot_id')
    .leftJoin('places', 'places.id', 'pots.place_id')
    .select([
      'contributions.id',
      'contributions.funder_id as funderId',
      'contributions.pledged_pence as pledgedPence',
      'funders.name as funderName',
      'pots.id as potId',
      'pots.name as potName',
      'pots.financial_year as financialYear',
      'places.name as placeName',
    ])
    .where('contributions.id', '=', contributionId)
    .executeTakeFirst()
  if (!contribution) throw new NotFoundError('contribution')
  const accounts = await db
    .selectFrom('ledger_accounts')
    .select(['id', 'kind'])
    .where('owner_type', '=', 'contribution')
    .where('owner_id', '=', contributionId)
    .execute()
  const bucketOf = new Map(accounts.map((a) => [a.id, a.kind.replace(/^contribution_/, '') as ContributionBucket]))
  const ids = accounts.map((a) => a.id)
  const start = `${period.from}T00:00:00.000Z`
  const end = `${period.to}T23:59:59.999Z`
  const entries = ids.length
    ? await db
        .selectFrom('ledger_entries')
        .innerJoin('ledger_accounts as debit', 'debit.id', 'ledger_entries.debit_account_id')
        .innerJoin('ledger_accounts as credit', 'credit.id', 'ledger_entries.credit_account_id')
        .select([
          'ledger_entries.id',
          'ledger_entries.created_at',
          'ledger_entries.reason_code',
          'ledger_entries.amount_pence',
          'ledger_entries.debit_account_id',
          'ledger_entries.credit_account_id',
          'debit.name as debitName',
          'credit.name as creditName',
        ])
        .where((eb) => eb.or([eb('ledger_entries.debit_account_id', 'in', ids), eb('ledger_entries.credit_account_id', 'in', ids)]))
        .where('ledger_entries.created_at', '<=', end)
        .orderBy('ledger_entries.id')
        .execute()
    : []
  const rows = new Map(CONTRIBUTION_BUCKETS.map((b) => [b, { bucket: b, label: BUCKET_LABELS[b], openingPence: 0, inPence: 0, outPence: 0, closingPence: 0 }]))
  const movements: StatementMovement[] = []
  for (const e of entries) {
    // Every bucket is credit-normal: a credit raises its balance, a debit lowers it.
    const effect: Partial<Record<ContributionBucket, number>> = {}
    const credited = bucketOf.get(e.credit_account_id)
    const debited = bucketOf.get(e.debit_account_id)
    if (credited) effect[credited] = (effect[credited] ?? 0) + e.amount_pence
    if (debited) effect[debited] = (effect[debited] ?? 0) - e.amount_pence
    const inPeriod = e.created_at >= start
    for (const [bucket, change] of Object.entries(effect) as Array<[ContributionBucket, number]>) {
      const row = rows.get(bucket)!
      if (!inPeriod) row.openingPence += change
      else if (change > 0) row.inPence += change
      else row.outPence -= change
    }
    if (!inPeriod) continue
    movements.push({
      entryId: e.id,
      at: e.created_at,
      reasonCode: e.reason_code,
      description: REASON_LABELS[e.reason_code] ?? e.reason_code,
      fromAccount: debited ? BUCKET_LABELS[debited] : e.debitName,
      toAccount: credited ? BUCKET_LABELS[credited] : e.creditName,
      amountPence: e.amount_pence,
      effect,
    })
  }
  const buckets = [...rows.values()].map((r) => ({ ...r, closingPence: r.openingPence + r.inPence - r.outPence }))
  return { ...contribution, contributionId: contribution.id, period, buckets, movements }
}

/** Which funder a contribution belongs to, for the statement route's access check; null when there is none. */
export async function contributionFunderId(db: Db, potId: number, contributionId: number): Promise<number | null> {
  const row = await db.selectFrom('contributions').select('funder_id').where('id', '=', contributionId).where('pot_id', '=', potId).executeTakeFirst()
  return row?.funder_id ?? null
}

// ---------- ledger export ----------

export interface PotLedgerEntry {
  id: number
  createdAt: string
  reasonCode: string
  fromAccount: string
  toAccount: string
  amountPence: number
  idempotencyKey: string
  /** The business record the entry belongs to, e.g. "award_commitment 12". */
  reference: string | null
}

/**
 * Every ledger entry that touches one of the pot's contribution accounts, oldest first, read a batch at a time (keyset
 * pagination on the entry id) so an export never holds the whole ledger. Nothing is read until iteration starts, so
 * check the pot exists first (getPot) to answer 404 before a download begins.
 */
export async function* potLedgerEntries(db: Db, potId: number, batchSize = 500): AsyncGenerator<PotLedgerEntry> {
  const accounts = await db
    .selectFrom('ledger_accounts')
    .innerJoin('contributions', 'contributions.id', 'ledger_accounts.owner_id')
    .select('ledger_accounts.id')
    .where('ledger_accounts.owner_type', '=', 'contribution')
    .where('contributions.pot_id', '=', potId)
    .execute()
  const ids = accounts.map((a) => a.id)
  if (ids.length === 0) return
  for (let lastId = 0; ; ) {
    const batch = await db
      .selectFrom('ledger_entries')
      .innerJoin('ledger_accounts as debit', 'debit.id', 'ledger_entries.debit_account_id')
      .innerJoin('ledger_accounts as credit', 'credit.id', 'ledger_entries.credit_account_id')
      .select([
        'ledger_entries.id',
        'ledger_entries.created_at',
        'ledger_entries.reason_code',
        'ledger_entries.amount_pence',
        'ledger_entries.idempotency_key',
        'ledger_entries.ref_type',
        'ledger_entries.ref_id',
        'debit.code as debitCode',
        'credit.code as creditCode',
      ])
      .where('ledger_entries.id', '>', lastId)
      .where((eb) => eb.or([eb('ledger_entries.debit_account_id', 'in', ids), eb('ledger_entries.credit_account_id', 'in', ids)]))
      .orderBy('ledger_entries.id')
      .limit(batchSize)
      .execute()
    for (const e of batch) {
      yield {
        id: e.id,
        createdAt: e.created_at,
        reasonCode: e.reason_code,
        fromAccount: e.debitCode,
        toAccount: e.creditCode,
        amountPence: e.amount_pence,
        idempotencyKey: e.idempotency_key,
        reference: e.ref_type !== null && e.ref_id !== null ? `${e.ref_type} ${e.ref_id}` : null,
      }
    }
    if (batch.length < batchSize) return
    lastId = batch[batch.length - 1].id
  }
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

/** "21 November 2026" from "2026-11-21" (or an ISO time). */
function longDate(isoDate: string): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${isoDate.slice(0, 10)}T00:00:00Z`))
}

/**
 * The values and rows the statement layout (templates/pdf/contribution-statement.ts) is filled from: amounts as
 * "£1,250.00", dates in words.
 */
export function statementDocumentData(statement: ContributorStatement, generatedAt: Date): PdfData {
  return {
    values: {
      funderName: statement.funderName,
      potName: statement.potName,
      placeName: statement.placeName ?? 'national',
      financialYear: statement.financialYear,
      contributionId: String(statement.contributionId),
      pledged: formatPence(statement.pledgedPence),
      periodFrom: longDate(statement.period.from),
      periodTo: longDate(statement.period.to),
      generatedOn: longDate(generatedAt.toISOString()),
    },
    tables: {
      balances: statement.buckets.map((b) => ({
        label: capitalise(b.label),
        opening: formatPence(b.openingPence),
        in: formatPence(b.inPence),
        out: formatPence(b.outPence),
        closing: formatPence(b.closingPence),
      })),
      movements: statement.movements.map((m) => ({
        date: m.at.slice(0, 10),
        description: m.description,
        from: capitalise(m.fromAccount),
        to: capitalise(m.toAccount),
        amount: formatPence(m.amountPence),
      })),
    },
  }
}
