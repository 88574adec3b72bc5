/**
 * Counts kept up to date by the domain (issue 8, session 3) where counting thousands of rows on every view was the
 * page's cost at national size:
 * - payment_runs.tranche_count: how many payments are in each run (/finance lists twenty runs of a few thousand
 *   payments each and counted them all). Changed by the three functions that put a payment in a run or take it out
 *   (prepareRun, cancelRun, markTrancheFailed), in their transaction.
 * - return_review_counts: returns of accepted or completed awards by round, status and due date (/manage/returns
 *   shows how many are waiting for review, overdue and due, across 120,000 returns). A few hundred rows: the tabs' counts
 *   are sums over them; overdue or due is decided by the due date against today, so the rows never go stale with time.
 *   Changed by every writer of a return's status or of an award's acceptance, in its transaction
 *   (app/domain/returns/review-counts.server.ts).
 * Both are filled here from the rows they count; rebuildRunTrancheCounts and rebuildReturnReviewCounts restate it.
 *
 * Frozen: never edit after it has landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('payment_runs').addColumn('tranche_count', 'integer', (col) => col.notNull().defaultTo(0)).execute()
  await sql`update payment_runs set tranche_count = (select count(*) from tranches where tranches.payment_run_id = payment_runs.id)`.execute(db)

  await db.schema
    .createTable('return_review_counts')
    .addColumn('round_id', 'integer', (col) => col.notNull().references('rounds.id'))
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('due_date', 'text', (col) => col.notNull())
    .addColumn('return_count', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('return_review_counts_pk', ['round_id', 'status', 'due_date'])
    .execute()
  await db.schema.createIndex('return_review_counts_status_idx').on('return_review_counts').columns(['status', 'due_date', 'return_count']).execute()
  await sql`
    insert into return_review_counts (round_id, status, due_date, return_count)
    select awards.round_id, returns.status, returns.due_date, count(*)
    from returns inner join awards on awards.id = returns.award_id
    where awards.status in ('accepted', 'completed')
    group by awards.round_id, returns.status, returns.due_date`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('return_review_counts').ifExists().execute()
  await db.schema.alterTable('payment_runs').dropColumn('tranche_count').execute()
}
