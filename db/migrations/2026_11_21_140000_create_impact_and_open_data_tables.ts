/**
 * Impact returns, outcomes and open data (issue 7): each round's return schedule and form size, the optional
 * licensed SWEMWBS measure, every submitted version of a return, the counts and outcome statistics each return
 * reports (kept as sufficient statistics so a roll-up over any set of returns is one GROUP BY), the social return on
 * investment assumptions per fund, who published an award as open data, and when a declined application was
 * anonymised by the retention job.
 *
 * The design is in docs/decisions/0012-impact-returns-and-open-data.md.
 * Frozen: never edit after it has landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import { sql, type Kysely, type CreateTableBuilder } from 'kysely'

type Table = CreateTableBuilder<string, never>

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter.constructor.name === 'PostgresAdapter'
}

const ROUND_COLUMNS: [name: string, type: 'text' | 'integer' | 'bigint'][] = [
  // JSON: { kind: 'interim_and_final', interimMonths } | { kind: 'final' } | { kind: 'annual' }; null = the default.
  ['return_schedule', 'text'],
  // Awards of this much or less get the short return form; null = the default (£10,000).
  ['short_return_max_pence', 'bigint'],
  ['swemwbs_enabled', 'integer'],
  ['swemwbs_licence_confirmed_by', 'integer'],
  ['swemwbs_licence_confirmed_at', 'text'],
]

const RETURN_COLUMNS: [name: string, type: 'text' | 'integer' | 'bigint'][] = [
  ['form', 'text'],
  ['sessions_delivered', 'integer'],
  ['spent_pence', 'bigint'],
  ['match_funding_pence', 'bigint'],
  ['submitted_by', 'integer'],
  ['reminded_due_at', 'text'],
  ['reminded_overdue_at', 'text'],
]

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db)
  const float = pg ? 'double precision' : 'real'
  const now = pg ? sql`(to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))` : sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
  const table = (name: string): Table =>
    db.schema
      .createTable(name)
      .addColumn('id', 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement())) as Table
  const created = (t: Table): Table => t.addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))

  for (const [name, type] of ROUND_COLUMNS) {
    await db.schema
      .alterTable('rounds')
      .addColumn(name, type, (c) => (name === 'swemwbs_enabled' ? c.notNull().defaultTo(0) : c))
      .execute()
  }
  for (const [name, type] of RETURN_COLUMNS) await db.schema.alterTable('returns').addColumn(name, type).execute()
  await db.schema.alterTable('awards').addColumn('published_by', 'integer').execute()
  await db.schema.alterTable('applications').addColumn('anonymised_at', 'text').execute()
  await db.schema.createIndex('awards_published_idx').on('awards').columns(['published_at', 'id']).execute()

  // Every submission of a return, as submitted, with the review it got.
  await created(
    table('return_versions')
      .addColumn('return_id', 'integer', (c) => c.notNull().references('returns.id'))
      .addColumn('version', 'integer', (c) => c.notNull().check(sql`version > 0`))
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('submitted_by', 'integer', (c) => c.notNull())
      .addColumn('submitted_at', 'text', (c) => c.notNull())
      .addColumn('review_outcome', 'text', (c) => c.check(sql`review_outcome in ('accepted', 'changes_requested')`))
      .addColumn('review_comments', 'text')
      .addColumn('reviewed_by', 'integer')
      .addColumn('reviewed_at', 'text')
      .addUniqueConstraint('return_versions_unique', ['return_id', 'version']),
  ).execute()

  // Aggregated counts a return reports: referral routes and the optional demographics (never per person).
  await created(
    table('return_counts')
      .addColumn('return_id', 'integer', (c) => c.notNull().references('returns.id'))
      .addColumn('dimension', 'text', (c) => c.notNull())
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull().check(sql`count >= 0`))
      .addUniqueConstraint('return_counts_unique', ['return_id', 'dimension', 'category']),
  ).execute()

  // One row per outcome measure (or scale item) a return reports: n, the means before and after, and the sum and sum
  // of squares of the per-person change, from which any roll-up's mean change and confidence interval follow exactly.
  await created(
    table('return_outcomes')
      .addColumn('return_id', 'integer', (c) => c.notNull().references('returns.id'))
      .addColumn('measure', 'text', (c) => c.notNull())
      .addColumn('basis', 'text', (c) => c.notNull().check(sql`basis in ('participants', 'cohort')`))
      .addColumn('n', 'integer', (c) => c.notNull().check(sql`n > 0`))
      .addColumn('mean_before', float, (c) => c.notNull())
      .addColumn('mean_after', float, (c) => c.notNull())
      .addColumn('sum_change', float, (c) => c.notNull())
      .addColumn('sum_sq_change', float, (c) => c.notNull())
      .addUniqueConstraint('return_outcomes_unique', ['return_id', 'measure']),
  ).execute()
  await db.schema.createIndex('return_outcomes_measure_idx').on('return_outcomes').columns(['measure', 'return_id']).execute()

  // The social return on investment assumptions a fund manager has set for a fund (JSON), shown with every estimate.
  await created(
    table('sroi_models')
      .addColumn('fund_id', 'integer', (c) => c.notNull().unique().references('funds.id'))
      .addColumn('inputs', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull()),
  ).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['sroi_models', 'return_outcomes', 'return_counts', 'return_versions']) await db.schema.dropTable(name).ifExists().execute()
  await db.schema.dropIndex('awards_published_idx').ifExists().execute()
  await db.schema.alterTable('applications').dropColumn('anonymised_at').execute()
  await db.schema.alterTable('awards').dropColumn('published_by').execute()
  for (const [name] of RETURN_COLUMNS) await db.schema.alterTable('returns').dropColumn(name).execute()
  for (const [name] of ROUND_COLUMNS) await db.schema.alterTable('rounds').dropColumn(name).execute()
}
