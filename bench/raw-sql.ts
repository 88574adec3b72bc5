/**
 * The pot dashboard's and the funder dashboard's aggregates written as raw SQL, the yardstick their loaders are
 * measured against ("loader time ÷ raw SQL time", target ≤ 2). The same statements as the loaders'
 * (app/domain/budgets/reports.server.ts potDashboard, app/domain/funders/dashboard.server.ts funderDashboardPage),
 * reading the same maintained rows: each contribution's balances and receipts from its contribution_figures row (kept
 * in step by the ledger's posting and the receipt writers; app/domain/budgets/contribution-figures.server.ts checks it
 * against the ledger accounts and receipts); the committed, paid (paid tranche parts, older direct payments, less
 * repayments), match funding and awards per place from place_figures (kept in step with the commitments by every
 * writer in the same transaction; app/domain/budgets/place-figures.server.ts checks it); for the pot the monthly
 * committed and paid from contribution_months (which the ledger keeps in step with its entries); for the funder each
 * funder's totals over all its contributions, and the first page of its contributions with their figures and award
 * counts. Run through better-sqlite3 prepared statements or pg. The totals are checked against the loader's
 * (differencesFrom…) so the comparison is like for like.
 */
import type { PotDashboard } from '../app/domain/budgets/reports.server.ts'
import type { FunderDashboardPage } from '../app/domain/funders/dashboard.server.ts'
import { FUNDER_CONTRIBUTIONS_PAGE_SIZE } from '../app/domain/funders/dashboard.server.ts'
import { penceFromDatabase } from '../app/lib/money.ts'
import type { SqlArg } from './sql.ts'

/** Runs one statement and returns its rows (the driver's prepared statement, reused). */
export type Query = (text: string, args: SqlArg[]) => Promise<Array<Record<string, unknown>>>

const BUCKETS = ['outstanding', 'available', 'committed', 'scheduled', 'paid', 'returned'] as const
const FIGURES = `cf.outstanding_pence, cf.available_pence, cf.committed_pence, cf.scheduled_pence, cf.paid_pence, cf.returned_pence, cf.received_pence`

export interface RawFigures {
  contributions: number
  /** Sums over the contributions of each bucket's balance (outstanding, available, committed, scheduled, paid, returned). */
  buckets: Record<string, number>
  receivedPence: number
  /** Awards with an active commitment, summed over the places (each counted once per pot or funder). */
  awards: number
  committedPence: number
  paidPence: number
  /** Month, committed, paid (the pot only). */
  months: Array<{ month: string; committed: number; paid: number }>
}

function placeTotals(places: Array<Record<string, unknown>>) {
  return {
    awards: places.reduce((s, p) => s + Number(p.awards), 0),
    committedPence: places.reduce((s, p) => s + penceFromDatabase(p.committed_pence), 0),
    paidPence: places.reduce((s, p) => s + penceFromDatabase(p.paid_pence), 0),
  }
}

const placesOf = (query: Query, scope: 'pot' | 'funder', ids: number[]) =>
  query(
    `select f.scope_id, f.place_key, pl.name, f.awards, f.committed_pence, f.paid_pence, f.match_cash_pence, f.match_in_kind_pence
     from place_figures f left join places pl on pl.id = f.place_key
     where f.scope = ? and f.scope_id in (?)`,
    [scope, ids],
  )

export async function potDashboardRaw(query: Query, potId: number): Promise<RawFigures> {
  const [rows, places, months] = await Promise.all([
    query(
      `select p.id, p.name, p.place_id, p.host_funder_id, p.pool_manager_user_id, p.financial_year, p.status, p.available_basis,
         p.year_end_policy, p.previous_pot_id, p.closed_at, pl.name as place_name, host.name as host_funder_name,
         c.id as contribution_id, c.funder_id, f.name as funder_name, c.pledged_pence, c.conditions, c.is_in_kind, ${FIGURES}
       from pots p
       inner join funders host on host.id = p.host_funder_id
       left join places pl on pl.id = p.place_id
       left join contributions c on c.pot_id = p.id
       left join funders f on f.id = c.funder_id
       left join contribution_figures cf on cf.contribution_id = c.id
       where p.id = ? order by c.id`,
      [potId],
    ),
    placesOf(query, 'pot', [potId]),
    query(
      `select m.month, sum(m.committed_pence) as committed, sum(m.paid_pence) as paid
       from contribution_months m where m.contribution_id in (select c.id from contributions c where c.pot_id = ?)
       group by m.month order by m.month`,
      [potId],
    ),
  ])
  const contributions = rows.filter((r) => r.contribution_id !== null)
  const buckets: Record<string, number> = {}
  for (const b of BUCKETS) buckets[b] = contributions.reduce((s, r) => s + penceFromDatabase(r[`${b}_pence`]), 0)
  return {
    contributions: contributions.length,
    buckets,
    receivedPence: contributions.reduce((s, r) => s + penceFromDatabase(r.received_pence), 0),
    ...placeTotals(places),
    months: months.map((r) => ({ month: String(r.month), committed: penceFromDatabase(r.committed), paid: penceFromDatabase(r.paid) })),
  }
}

export async function funderDashboardRaw(query: Query, funderIds: number[]): Promise<RawFigures> {
  const [totals, , places] = await Promise.all([
    query(
      `select fu.id, fu.name, count(c.id) as contributions,
         ${BUCKETS.map((b) => `coalesce(sum(cf.${b}_pence), 0) as ${b}`).join(', ')},
         coalesce(sum(cf.received_pence), 0) as received,
         coalesce(sum(case when c.pledged_pence > coalesce(cf.received_pence, 0) then c.pledged_pence else cf.received_pence end), 0) as pledged,
         coalesce(sum(cf.available_pence + case when p.available_basis = 'pledged' then cf.outstanding_pence else 0 end), 0) as available_now
       from funders fu
       left join contributions c on c.funder_id = fu.id
       left join pots p on p.id = c.pot_id
       left join contribution_figures cf on cf.contribution_id = c.id
       where fu.id in (?)
       group by fu.id, fu.name order by fu.name, fu.id`,
      [funderIds],
    ),
    // The first page of contributions, as the loader reads it: sorted by their keys alone, the rest read for the page.
    query(
      `select c.id, c.funder_id, c.pledged_pence, c.is_in_kind, c.conditions, k.funder_name, p.id as pot_id, p.name as pot_name,
         p.financial_year, p.available_basis, pl.name as place_name, ${FIGURES},
         (select sum(pf.awards) from place_figures pf where pf.scope = 'contribution' and pf.scope_id = c.id) as awards
       from (
         select c.id, fu.name as funder_name, fu.id as funder_id, p.financial_year as year, p.name as pot_name
         from contributions c inner join pots p on p.id = c.pot_id inner join funders fu on fu.id = c.funder_id
         where c.funder_id in (?)
         order by fu.name, fu.id, p.financial_year desc, p.name, c.id limit ?
       ) k
       inner join contributions c on c.id = k.id
       inner join pots p on p.id = c.pot_id
       left join places pl on pl.id = p.place_id
       left join contribution_figures cf on cf.contribution_id = c.id
       order by k.funder_name, k.funder_id, k.year desc, k.pot_name, k.id`,
      [funderIds, FUNDER_CONTRIBUTIONS_PAGE_SIZE + 1],
    ),
    placesOf(query, 'funder', funderIds),
  ])
  const buckets: Record<string, number> = {}
  for (const b of BUCKETS) buckets[b] = totals.reduce((s, r) => s + penceFromDatabase(r[b]), 0)
  return {
    contributions: totals.reduce((s, r) => s + Number(r.contributions), 0),
    buckets,
    receivedPence: totals.reduce((s, r) => s + penceFromDatabase(r.received), 0),
    ...placeTotals(places),
    months: [],
  }
}

/** Where the raw figures and the loader's differ (empty when they agree). */
export function differencesFromPotDashboard(raw: RawFigures, loader: PotDashboard): string[] {
  const problems = commonDifferences(raw, loader.totals, loader.contributions.length, loader.byPlace)
  const last = loader.overTime.at(-1)
  const rawCommitted = raw.months.reduce((s, m) => s + m.committed, 0)
  const rawPaid = raw.months.reduce((s, m) => s + m.paid, 0)
  if (raw.months.length !== loader.overTime.length) problems.push(`months ${raw.months.length} vs ${loader.overTime.length}`)
  if (last && (rawCommitted !== last.cumulativeCommittedPence || rawPaid !== last.cumulativePaidPence)) problems.push('monthly totals differ')
  return problems
}

/** The funder dashboard's loader (funderDashboardPage): its funders' totals over all their contributions, and places. */
export function differencesFromFunderDashboard(raw: RawFigures, loader: Pick<FunderDashboardPage, 'funders' | 'byPlace' | 'contributionCounts'>): string[] {
  const totals = loader.funders.reduce(
    (t, f) => ({
      committedPence: t.committedPence + f.totals.committedPence,
      paidPence: t.paidPence + f.totals.paidPence,
      receivedPence: t.receivedPence + f.totals.receivedPence,
      receivedUncommittedPence: t.receivedUncommittedPence + f.totals.receivedUncommittedPence,
    }),
    { committedPence: 0, paidPence: 0, receivedPence: 0, receivedUncommittedPence: 0 },
  )
  const contributions = Object.values(loader.contributionCounts).reduce((s, n) => s + n, 0)
  return commonDifferences(raw, totals, contributions, loader.byPlace)
}

function commonDifferences(
  raw: RawFigures,
  totals: { committedPence: number; paidPence: number; receivedPence: number; receivedUncommittedPence: number },
  contributions: number,
  byPlace: Array<{ committedPence: number; paidPence: number }>,
): string[] {
  const problems: string[] = []
  const b = (k: string) => raw.buckets[k] ?? 0
  if (raw.contributions !== contributions) problems.push(`contributions ${raw.contributions} vs ${contributions}`)
  if (b('committed') + b('scheduled') + b('paid') !== totals.committedPence) problems.push('committed differs')
  if (b('paid') !== totals.paidPence) problems.push('paid differs')
  if (b('available') !== totals.receivedUncommittedPence) problems.push('available differs')
  if (raw.receivedPence !== totals.receivedPence) problems.push('received differs')
  const placeCommitted = byPlace.reduce((s, p) => s + p.committedPence, 0)
  const placePaid = byPlace.reduce((s, p) => s + p.paidPence, 0)
  if (raw.committedPence !== placeCommitted) problems.push(`commitments ${raw.committedPence} vs ${placeCommitted}`)
  if (raw.paidPence !== placePaid) problems.push(`paid against commitments ${raw.paidPence} vs ${placePaid}`)
  return problems
}
