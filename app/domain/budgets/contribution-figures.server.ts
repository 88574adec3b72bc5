/**
 * Each contribution's figures in one maintained row (issue 8): the balances of its six ledger buckets and the sum of
 * its receipts. The funder dashboard's totals are over every one of a funder's contributions (144 for a funder paying
 * into every place's pot): they read a row each here instead of six ledger account rows and the receipts.
 *
 * The rule is the ledger's own: a bucket's balance is its account's posted credits less debits (every contribution
 * bucket is credit-normal; balanceFromTotals), and "received" is the sum of the contribution's receipts. No row means
 * all zero.
 *
 * Kept up to date in the SAME transaction by every writer of what it copies: the ledger's posting (postEntries,
 * postEntry and reverseEntry in ledger.server.ts, the only writer of account totals, call recordContributionBalances
 * for the accounts they change, under those accounts' locks) and the two writers of receipts (recordReceipt in
 * contributions.server.ts, the year end's carry forward in year-end.server.ts), which call recordContributionReceipt
 * after inserting one. rebuildContributionFigures(db) recomputes every row from the ledger accounts and receipts (after
 * a bulk load; the migration 2026_11_22_081500 restates its SQL) and contributionFiguresDifferences(db) is the check.
 */
import { sql, type Kysely, type Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import type { Db } from '~/lib/db.server.ts'
import { penceFromDatabase } from '~/lib/money.ts'
import { CONTRIBUTION_BUCKETS, type ContributionBucket } from './accounts.ts'
import { balanceFromTotals, type NormalBalance } from './ledger-accounts.ts'

export interface ContributionFigures {
  contributionId: number
  /** Each bucket's balance. */
  balances: Record<ContributionBucket, number>
  receivedPence: number
}

type FigureColumn = `${ContributionBucket}_pence` | 'received_pence'

const COLUMNS: FigureColumn[] = [...CONTRIBUTION_BUCKETS.map((b) => `${b}_pence` as const), 'received_pence']

/** An account whose posted totals changed, and by how much (what the ledger's posting knows of it). */
export interface PostedAccountChange {
  account: { kind: string; normal_balance: NormalBalance; owner_type: string | null; owner_id: number | null }
  debits: number
  credits: number
}

/** Adds the changes to a row per contribution (inserted when it has none), in contribution order. */
async function addToFigures(trx: Transaction<DB>, changes: Map<number, Partial<Record<FigureColumn, number>>>): Promise<void> {
  for (const contributionId of [...changes.keys()].sort((a, b) => a - b)) {
    const change = changes.get(contributionId)!
    const columns = COLUMNS.filter((c) => change[c] !== undefined && change[c] !== 0)
    if (columns.length === 0) continue
    await trx
      .insertInto('contribution_figures')
      .values({ contribution_id: contributionId, ...Object.fromEntries(columns.map((c) => [c, change[c]!])) })
      .onConflict((oc) =>
        oc.column('contribution_id').doUpdateSet(Object.fromEntries(columns.map((c) => [c, sql`contribution_figures.${sql.ref(c)} + excluded.${sql.ref(c)}`]))),
      )
      .execute()
  }
}

/**
 * Applies what a posting did to contribution accounts' totals to their contributions' rows (called by the ledger only,
 * in the poster's transaction, with those accounts locked). Other accounts are ignored.
 */
export async function recordContributionBalances(trx: Transaction<DB>, posted: PostedAccountChange[]): Promise<void> {
  const changes = new Map<number, Partial<Record<FigureColumn, number>>>()
  for (const { account, debits, credits } of posted) {
    if (account.owner_type !== 'contribution' || account.owner_id === null || !account.kind.startsWith('contribution_')) continue
    const bucket = account.kind.slice('contribution_'.length) as ContributionBucket
    if (!CONTRIBUTION_BUCKETS.includes(bucket)) continue
    const change = changes.get(account.owner_id) ?? {}
    change[`${bucket}_pence`] = (change[`${bucket}_pence`] ?? 0) + balanceFromTotals(account.normal_balance, debits, credits)
    changes.set(account.owner_id, change)
  }
  await addToFigures(trx, changes)
}

/** Adds a receipt just inserted to its contribution's received total (called by the writers of receipts). */
export async function recordContributionReceipt(trx: Transaction<DB>, contributionId: number, amountPence: number): Promise<void> {
  await addToFigures(trx, new Map([[contributionId, { received_pence: amountPence }]]))
}

/** Every contribution's figures from the ledger accounts and receipts, as SQL (the migration's backfill restates it). */
function figuresFromBaseRows(db: Db) {
  const balance = sql<number>`case when a.normal_balance = 'debit' then a.debits_posted_pence - a.credits_posted_pence else a.credits_posted_pence - a.debits_posted_pence end`
  return db
    .selectFrom('contributions as c')
    .leftJoin('ledger_accounts as a', (join) => join.on('a.owner_type', '=', 'contribution').onRef('a.owner_id', '=', 'c.id'))
    .select([
      'c.id as contribution_id',
      ...CONTRIBUTION_BUCKETS.map((b) => sql<number>`coalesce(sum(case when a.kind = ${sql.lit(`contribution_${b}`)} then ${balance} else 0 end), 0)`.as(`${b}_pence`)),
      sql<number>`coalesce((select sum(r.amount_pence) from contribution_receipts r where r.contribution_id = c.id), 0)`.as('received_pence'),
    ])
    .groupBy('c.id')
}

/** Recomputes every contribution's row from the ledger accounts and receipts, replacing what was there. */
export async function rebuildContributionFigures(db: Kysely<DB> | Transaction<DB>): Promise<void> {
  await db.deleteFrom('contribution_figures').execute()
  await db
    .insertInto('contribution_figures')
    .columns(['contribution_id', ...COLUMNS])
    .expression(figuresFromBaseRows(db))
    .execute()
}

function toFigures(r: Record<string, unknown>): ContributionFigures {
  return {
    contributionId: Number(r.contribution_id),
    balances: Object.fromEntries(CONTRIBUTION_BUCKETS.map((b) => [b, penceFromDatabase(r[`${b}_pence`])])) as Record<ContributionBucket, number>,
    receivedPence: penceFromDatabase(r.received_pence),
  }
}

const nonZero = (f: ContributionFigures) => f.receivedPence !== 0 || CONTRIBUTION_BUCKETS.some((b) => f.balances[b] !== 0)

/** Every contribution's figures as they should be (recomputed from the base rows), leaving out all-zero ones, by id. */
export async function recomputedContributionFigures(db: Db): Promise<ContributionFigures[]> {
  return (await figuresFromBaseRows(db).execute()).map((r) => toFigures(r)).filter(nonZero).sort((a, b) => a.contributionId - b.contributionId)
}

/** The maintained rows, leaving out all-zero ones, by id. */
export async function maintainedContributionFigures(db: Db): Promise<ContributionFigures[]> {
  return (await db.selectFrom('contribution_figures').selectAll().execute()).map((r) => toFigures(r)).filter(nonZero).sort((a, b) => a.contributionId - b.contributionId)
}

/** Where the maintained rows differ from a recomputation (empty when in step): "contribution 12: {...} should be {...}". */
export async function contributionFiguresDifferences(db: Db): Promise<string[]> {
  const [maintained, recomputed] = await Promise.all([maintainedContributionFigures(db), recomputedContributionFigures(db)])
  const byId = new Map(maintained.map((f) => [f.contributionId, f]))
  const problems: string[] = []
  for (const want of recomputed) {
    const got = byId.get(want.contributionId)
    byId.delete(want.contributionId)
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`contribution ${want.contributionId}: ${JSON.stringify(got ?? null)} should be ${JSON.stringify(want)}`)
  }
  for (const extra of byId.values()) problems.push(`contribution ${extra.contributionId}: ${JSON.stringify(extra)} should be all zero`)
  return problems
}
