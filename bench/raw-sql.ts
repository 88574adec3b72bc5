/**
 * The pot dashboard's and the funder dashboard's aggregates written as raw SQL, the yardstick their loaders are
 * measured against ("loader time ÷ raw SQL time", target ≤ 2). Same figures as app/domain/budgets/reports.server.ts
 * (potDashboard, funderDashboard): each contribution's account balances and receipts; the committed, paid (paid tranche
 * parts, older direct payments, less repayments), match funding and awards per place, read as the loaders read them
 * from the maintained place figures (place_figures, kept in step with the commitments by every writer in the same
 * transaction; the per-commitment sums that fill it are app/domain/budgets/place-figures.server.ts's, checked against
 * it by its tests); for the funder each contribution's award count; and for the pot the monthly committed and paid
 * (from the maintained contribution_months, which the ledger keeps in step with its entries).
 * A few statements, each doing its sums in the database; run through better-sqlite3 prepared statements or pg. The
 * totals are checked against the loader's (differencesFrom…) so the comparison is like for like.
 */
import type { FunderView, PotDashboard } from '../app/domain/budgets/reports.server.ts'
import { penceFromDatabase } from '../app/lib/money.ts'
import type { SqlArg } from './sql.ts'

/** Runs one statement and returns its rows (the driver's prepared statement, reused). */
export type Query = (text: string, args: SqlArg[]) => Promise<Array<Record<string, unknown>>>

const BALANCE = `case when a.normal_balance = 'debit' then a.debits_posted_pence - a.credits_posted_pence else a.credits_posted_pence - a.debits_posted_pence end`

/** Which contributions: a pot's, or some funders'. */
interface Scope {
  where: string
  args: SqlArg[]
  /** Whose maintained place figures: the pot's or the funders'. */
  summary: 'pot' | 'funder'
  summaryIds: number[]
}

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

async function scoped(query: Query, scope: Scope, withMonths: boolean): Promise<RawFigures> {
  const inScope = `select c.id from contributions c where ${scope.where}`
  const [contributions, balances, received, places] = await Promise.all([
    query(
      `select c.id, c.funder_id, f.name as funder_name, c.pledged_pence, c.conditions, c.is_in_kind, p.name as pot_name, p.financial_year, pl.name as place_name
       from contributions c join funders f on f.id = c.funder_id join pots p on p.id = c.pot_id left join places pl on pl.id = p.place_id
       where ${scope.where} order by c.id`,
      scope.args,
    ),
    query(
      `select a.owner_id, a.kind, ${BALANCE} as balance from ledger_accounts a
       where a.owner_type = 'contribution' and a.owner_id in (${inScope})`,
      scope.args,
    ),
    query(`select r.contribution_id, sum(r.amount_pence) as total from contribution_receipts r where r.contribution_id in (${inScope}) group by r.contribution_id`, scope.args),
    query(
      `select f.place_key, pl.name as place_name, f.awards, f.committed_pence, f.paid_pence, f.match_cash_pence, f.match_in_kind_pence
       from place_figures f left join places pl on pl.id = f.place_key
       where f.scope = ? and f.scope_id in (?)`,
      [scope.summary, scope.summaryIds],
    ),
    scope.summary === 'funder'
      ? query(`select f.scope_id, sum(f.awards) as awards from place_figures f where f.scope = 'contribution' and f.scope_id in (${inScope}) group by f.scope_id`, scope.args)
      : Promise.resolve([]),
  ])
  const months = withMonths ? await monthly(query, inScope, scope.args) : []
  const buckets: Record<string, number> = {}
  for (const b of balances) {
    const bucket = String(b.kind).replace(/^contribution_/, '')
    buckets[bucket] = (buckets[bucket] ?? 0) + penceFromDatabase(b.balance)
  }
  return {
    contributions: contributions.length,
    buckets,
    receivedPence: received.reduce((s, r) => s + penceFromDatabase(r.total), 0),
    awards: places.reduce((s, p) => s + Number(p.awards), 0),
    committedPence: places.reduce((s, p) => s + penceFromDatabase(p.committed_pence), 0),
    paidPence: places.reduce((s, p) => s + penceFromDatabase(p.paid_pence), 0),
    months,
  }
}

/** Committed (net of releases) and paid per month, from the contributions' maintained month figures (contribution_months). */
async function monthly(query: Query, inScope: string, args: SqlArg[]) {
  const rows = await query(
    `select m.month, sum(m.committed_pence) as committed, sum(m.paid_pence) as paid
     from contribution_months m where m.contribution_id in (${inScope})
     group by m.month order by m.month`,
    args,
  )
  return rows.map((r) => ({ month: String(r.month), committed: penceFromDatabase(r.committed), paid: penceFromDatabase(r.paid) }))
}

export async function potDashboardRaw(query: Query, potId: number): Promise<RawFigures> {
  await query(
    `select p.id, p.name, p.financial_year, p.available_basis, p.status, pl.name as place_name, f.name as host_funder_name
     from pots p join funders f on f.id = p.host_funder_id left join places pl on pl.id = p.place_id where p.id = ?`,
    [potId],
  )
  return scoped(query, { where: 'c.pot_id = ?', args: [potId], summary: 'pot', summaryIds: [potId] }, true)
}

export async function funderDashboardRaw(query: Query, funderIds: number[]): Promise<RawFigures> {
  await query('select id, name from funders where id in (?) order by name', [funderIds])
  return scoped(query, { where: 'c.funder_id in (?)', args: [funderIds], summary: 'funder', summaryIds: funderIds }, false)
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

/** The funder dashboard's loader (funderDashboard) or the older funderView: both carry per-contribution figures and places. */
export function differencesFromFunderView(raw: RawFigures, loader: Pick<FunderView, 'byPlace'> & { contributions: Array<Pick<FunderView['contributions'][number], 'figures'>> }): string[] {
  const totals = loader.contributions.reduce(
    (t, c) => ({ committedPence: t.committedPence + c.figures.committedPence, paidPence: t.paidPence + c.figures.paidPence, receivedPence: t.receivedPence + c.figures.receivedPence, receivedUncommittedPence: t.receivedUncommittedPence + c.figures.receivedUncommittedPence }),
    { committedPence: 0, paidPence: 0, receivedPence: 0, receivedUncommittedPence: 0 },
  )
  return commonDifferences(raw, totals, loader.contributions.length, loader.byPlace)
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
