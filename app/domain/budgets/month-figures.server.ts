/**
 * The pot dashboard's "committed and paid over time", maintained (issue 8): per contribution and month (the first 7
 * characters of the entry's stored UTC time, '2026-11'), what was committed net of releases and what was paid, from
 * the ledger entries on the contribution's committed, scheduled and paid accounts. A pot with a few thousand awards
 * has tens of thousands of such entries; the dashboard reads a row per contribution and month instead.
 *
 * The rule (reports.server.ts's over-time series): committed means committed or scheduled (accepted). An entry into
 * one of those from outside committed/scheduled/paid counts as committed; out of one of them except to paid, as
 * released (negative). Into paid counts as paid, out of paid (a reversal, a repayment) as negative. Moving between
 * committed, scheduled and paid changes neither, but the month is still listed.
 *
 * Kept up to date by the ledger itself: postEntries/reverseEntry (ledger.server.ts, the only writer of ledger entries)
 * call recordMonthFigures for the entries they insert, in the same transaction and under the same account locks.
 * rebuildMonthFigures(db) recomputes it from the entries (after a bulk load; the migration 2026_11_22_050000 restates
 * its SQL) and recomputedMonthFigures(db) is the check.
 */
import { sql, type Kysely, type Transaction } from 'kysely'
import { prepared } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import type { Db } from '~/lib/db.server.ts'
import { penceFromDatabase } from '~/lib/money.ts'

const COMMITTED_KINDS = ['contribution_committed', 'contribution_scheduled']
const COMMITTED_OR_PAID = [...COMMITTED_KINDS, 'contribution_paid']

export interface MonthFigures {
  contributionId: number
  /** '2026-11' */
  month: string
  committedPence: number
  paidPence: number
}

interface PostedEntry {
  createdAt: string
  amountPence: number
  debit: { kind: string; owner_type: string | null; owner_id: number | null }
  credit: { kind: string; owner_type: string | null; owner_id: number | null }
}

/** What an entry does to the month figures of the contribution owning `account`, seen from that side (sign 1 credit, -1 debit). */
function effectOn(account: PostedEntry['debit'], other: PostedEntry['debit'], sign: 1 | -1, amountPence: number) {
  if (account.owner_type !== 'contribution' || account.owner_id === null || !COMMITTED_OR_PAID.includes(account.kind)) return null
  const committed = COMMITTED_KINDS.includes(account.kind) && !COMMITTED_OR_PAID.includes(other.kind) ? sign * amountPence : 0
  const paid = account.kind === 'contribution_paid' ? sign * amountPence : 0
  return { contributionId: account.owner_id, committed, paid }
}

/** Adds freshly posted entries to the month figures, in the poster's transaction (called by the ledger only). */
export async function recordMonthFigures(trx: Transaction<DB>, entries: PostedEntry[]): Promise<void> {
  const changes = new Map<string, MonthFigures>()
  for (const e of entries) {
    const month = e.createdAt.slice(0, 7)
    for (const effect of [effectOn(e.credit, e.debit, 1, e.amountPence), effectOn(e.debit, e.credit, -1, e.amountPence)]) {
      if (!effect) continue
      const key = `${effect.contributionId}:${month}`
      const row = changes.get(key) ?? { contributionId: effect.contributionId, month, committedPence: 0, paidPence: 0 }
      row.committedPence += effect.committed
      row.paidPence += effect.paid
      changes.set(key, row)
    }
  }
  for (const c of changes.values()) {
    await trx
      .insertInto('contribution_months')
      .values({ contribution_id: c.contributionId, month: c.month, committed_pence: c.committedPence, paid_pence: c.paidPence })
      .onConflict((oc) =>
        oc.columns(['contribution_id', 'month']).doUpdateSet({
          committed_pence: sql`contribution_months.committed_pence + excluded.committed_pence`,
          paid_pence: sql`contribution_months.paid_pence + excluded.paid_pence`,
        }),
      )
      .execute()
  }
}

const inList = (kinds: string[]) => sql.join(kinds.map((k) => sql.lit(k)))

/** Every contribution's month figures from the ledger entries (the two sides summed separately), as SQL. */
function monthFiguresFromEntries() {
  const side = (own: 'credit' | 'debit', sign: 1 | -1) => {
    const other = own === 'credit' ? 'debit' : 'credit'
    return sql`
      select a.owner_id as contribution_id, substr(e.created_at, 1, 7) as month,
        ${sql.lit(sign)} * case when a.kind in (${inList(COMMITTED_KINDS)}) and o.kind not in (${inList(COMMITTED_OR_PAID)}) then e.amount_pence else 0 end as committed,
        ${sql.lit(sign)} * case when a.kind = 'contribution_paid' then e.amount_pence else 0 end as paid
      from ledger_entries e
      inner join ledger_accounts a on a.id = e.${sql.raw(own)}_account_id
      inner join ledger_accounts o on o.id = e.${sql.raw(other)}_account_id
      where a.owner_type = 'contribution' and a.kind in (${inList(COMMITTED_OR_PAID)})`
  }
  return sql`select x.contribution_id, x.month, sum(x.committed) as committed_pence, sum(x.paid) as paid_pence
    from (${side('credit', 1)} union all ${side('debit', -1)}) x
    group by x.contribution_id, x.month`
}

/** Recomputes every contribution's month figures from the ledger entries, replacing what was there. */
export async function rebuildMonthFigures(db: Kysely<DB> | Transaction<DB>): Promise<void> {
  await db.deleteFrom('contribution_months').execute()
  await sql`insert into contribution_months (contribution_id, month, committed_pence, paid_pence) ${monthFiguresFromEntries()}`.execute(db)
}

const byKey = (a: MonthFigures, b: MonthFigures) => a.contributionId - b.contributionId || a.month.localeCompare(b.month)

/** The month figures as they should be, from the ledger entries (not the maintained table), sorted: the check. */
export async function recomputedMonthFigures(db: Db): Promise<MonthFigures[]> {
  const { rows } = await monthFiguresFromEntries().execute(db)
  return (rows as Array<Record<string, unknown>>)
    .map((r) => ({ contributionId: Number(r.contribution_id), month: String(r.month), committedPence: penceFromDatabase(r.committed_pence), paidPence: penceFromDatabase(r.paid_pence) }))
    .sort(byKey)
}

/** The maintained month figures, sorted as recomputedMonthFigures sorts them. */
export async function maintainedMonthFigures(db: Db): Promise<MonthFigures[]> {
  const rows = await db.selectFrom('contribution_months').selectAll().execute()
  return rows.map((r) => ({ contributionId: r.contribution_id, month: r.month, committedPence: penceFromDatabase(r.committed_pence), paidPence: penceFromDatabase(r.paid_pence) })).sort(byKey)
}

/**
 * Committed and paid per month over a pot's contributions (a row per month they have entries in), oldest first. SQL
 * text rather than the query builder: the pot dashboard reads it on every view, and building the query cost more than
 * running it.
 */
export async function potMonthFigures(db: Db, potId: number): Promise<Array<{ month: string; committedPence: number; paidPence: number }>> {
  const query = sql<{ month: string; committed: unknown; paid: unknown }>`
    select m.month, sum(m.committed_pence) as committed, sum(m.paid_pence) as paid
    from contribution_months m
    where m.contribution_id in (select c.id from contributions c where c.pot_id = ${potId})
    group by m.month
    order by m.month`
  // Kept prepared on PostgreSQL: one shape, read by the pot's key.
  const { rows } = await db.executeQuery(prepared({ compile: () => query.compile(db) }))
  return rows.map((r) => ({ month: r.month, committedPence: penceFromDatabase(r.committed), paidPence: penceFromDatabase(r.paid) }))
}
