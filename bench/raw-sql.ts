/**
 * The pot dashboard's and the funder dashboard's aggregates written as raw SQL, the yardstick their loaders are
 * measured against ("loader time ÷ raw SQL time", target ≤ 2). Same figures as app/domain/budgets/reports.server.ts
 * (potDashboard, funderView): each contribution's account balances and receipts, the active commitments with what has
 * been paid against each (paid tranche parts, older direct payments, less repayments), and for the pot the monthly
 * committed and paid. A few statements, each doing its sums in the database; run through better-sqlite3 prepared
 * statements or pg. The totals are checked against the loader's (agreesWith…) so the comparison is like for like.
 */
import type { FunderView, PotDashboard } from '../app/domain/budgets/reports.server.ts'
import type { SqlArg } from './sql.ts'

/** Runs one statement and returns its rows (the driver's prepared statement, reused). */
export type Query = (text: string, args: SqlArg[]) => Promise<Array<Record<string, unknown>>>

const BALANCE = `case when a.normal_balance = 'debit' then a.debits_posted_pence - a.credits_posted_pence else a.credits_posted_pence - a.debits_posted_pence end`

/** Which contributions: a pot's, or some funders'. */
interface Scope {
  where: string
  args: SqlArg[]
}

export interface RawFigures {
  contributions: number
  /** Sums over the contributions of each bucket's balance (outstanding, available, committed, scheduled, paid, returned). */
  buckets: Record<string, number>
  receivedPence: number
  commitments: number
  committedPence: number
  paidPence: number
  /** Month, committed, paid (the pot only). */
  months: Array<{ month: string; committed: number; paid: number }>
}

async function scoped(query: Query, scope: Scope, withMonths: boolean): Promise<RawFigures> {
  const inScope = `select c.id from contributions c where ${scope.where}`
  const [contributions, balances, received, commitments] = await Promise.all([
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
      `select ac.id, ac.contribution_id, ac.amount_pence as committed, a.id as award_id, a.reference, a.amount_pence as award_amount, a.status,
         o.name as organisation_name, ap.place_id, pl.name as place_name, ap.match_cash_pence, ap.match_in_kind_pence,
         coalesce((select sum(tp.amount_pence) from tranche_parts tp join tranches t on t.id = tp.tranche_id
                   where t.award_id = ac.award_id and tp.contribution_id = ac.contribution_id and t.status = 'paid'), 0)
         + coalesce((select sum(e.amount_pence) from ledger_entries e
                   where e.ref_type = 'award_commitment' and e.ref_id = ac.id and e.reason_code = 'award.paid' and e.reverses_entry_id is null), 0)
         - coalesce((select sum(e.amount_pence) from ledger_entries e join award_repayments rp on rp.id = e.ref_id join ledger_accounts da on da.id = e.debit_account_id
                   where e.ref_type = 'award_repayment' and rp.award_id = ac.award_id and da.owner_id = ac.contribution_id), 0) as paid
       from award_commitments ac
       join awards a on a.id = ac.award_id
       join organisations o on o.id = a.organisation_id
       join applications ap on ap.id = a.application_id
       left join places pl on pl.id = ap.place_id
       where ac.contribution_id in (${inScope}) and ac.released_at is null
       order by a.reference, ac.id`,
      scope.args,
    ),
  ])
  const months = withMonths ? await monthly(query, inScope, scope.args) : []
  const buckets: Record<string, number> = {}
  for (const b of balances) {
    const bucket = String(b.kind).replace(/^contribution_/, '')
    buckets[bucket] = (buckets[bucket] ?? 0) + Number(b.balance)
  }
  return {
    contributions: contributions.length,
    buckets,
    receivedPence: received.reduce((s, r) => s + Number(r.total), 0),
    commitments: commitments.length,
    committedPence: commitments.reduce((s, c) => s + Number(c.committed), 0),
    paidPence: commitments.reduce((s, c) => s + Number(c.paid), 0),
    months,
  }
}

const COMMITTED = `('contribution_committed', 'contribution_scheduled')`
const COMMITTED_OR_PAID = `('contribution_committed', 'contribution_scheduled', 'contribution_paid')`

/** Committed (net of releases) and paid per month, from the entries on the contributions' committed, scheduled and paid accounts. */
async function monthly(query: Query, inScope: string, args: SqlArg[]) {
  const accounts = `select a.id from ledger_accounts a where a.owner_type = 'contribution' and a.kind in ${COMMITTED_OR_PAID} and a.owner_id in (${inScope})`
  const rows = await query(
    `select substr(e.created_at, 1, 7) as month,
       sum(case when cr.kind in ${COMMITTED} and dr.kind not in ${COMMITTED_OR_PAID} then e.amount_pence else 0 end)
       - sum(case when dr.kind in ${COMMITTED} and cr.kind not in ${COMMITTED_OR_PAID} then e.amount_pence else 0 end) as committed,
       sum(case when cr.kind = 'contribution_paid' then e.amount_pence else 0 end)
       - sum(case when dr.kind = 'contribution_paid' then e.amount_pence else 0 end) as paid
     from ledger_entries e
     join ledger_accounts cr on cr.id = e.credit_account_id
     join ledger_accounts dr on dr.id = e.debit_account_id
     where e.id in (select x.id from ledger_entries x where x.credit_account_id in (${accounts})
                    union select y.id from ledger_entries y where y.debit_account_id in (${accounts}))
     group by substr(e.created_at, 1, 7)
     order by month`,
    [...args, ...args],
  )
  return rows.map((r) => ({ month: String(r.month), committed: Number(r.committed), paid: Number(r.paid) }))
}

export async function potDashboardRaw(query: Query, potId: number): Promise<RawFigures> {
  await query(
    `select p.id, p.name, p.financial_year, p.available_basis, p.status, pl.name as place_name, f.name as host_funder_name
     from pots p join funders f on f.id = p.host_funder_id left join places pl on pl.id = p.place_id where p.id = ?`,
    [potId],
  )
  return scoped(query, { where: 'c.pot_id = ?', args: [potId] }, true)
}

export async function funderDashboardRaw(query: Query, funderIds: number[]): Promise<RawFigures> {
  await query('select id, name from funders where id in (?) order by name', [funderIds])
  return scoped(query, { where: 'c.funder_id in (?)', args: [funderIds] }, false)
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
