/**
 * Pooled budgets (issue 5): receipts of contributions as business records, the link from a carried-forward
 * contribution to the one it came from, releases of award commitments, and when a pot's year was closed.
 *
 * Frozen: never edit after it has landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 * Balances are not stored here: they are derived from the ledger (docs/decisions/0008-pooled-budget-ledger.md).
 * contributions.carried_from_contribution_id names a contributions.id; it has no FOREIGN KEY so that `down` can drop
 * it on SQLite (which cannot drop a column that is part of a foreign key).
 */
import { sql, type Kysely, type CreateTableBuilder } from 'kysely'

type Table = CreateTableBuilder<string, never>

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter.constructor.name === 'PostgresAdapter'
}

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db)
  const now = pg ? sql`(to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))` : sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
  const table = (name: string): Table =>
    db.schema
      .createTable(name)
      .addColumn('id', 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement())) as Table
  const created = (t: Table): Table => t.addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))

  await created(
    table('contribution_receipts')
      .addColumn('contribution_id', 'integer', (c) => c.notNull().references('contributions.id'))
      .addColumn('amount_pence', 'bigint', (c) => c.notNull().check(sql`amount_pence > 0`))
      .addColumn('received_on', 'text', (c) => c.notNull())
      .addColumn('reference', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
      .addColumn('over_pledge_reason', 'text')
      .addColumn('source', 'text', (c) => c.notNull().defaultTo('manual'))
      .addColumn('recorded_by', 'integer', (c) => c.references('users.id')),
  ).execute()
  await db.schema.createIndex('contribution_receipts_contribution_idx').on('contribution_receipts').column('contribution_id').execute()

  await db.schema.alterTable('contributions').addColumn('carried_from_contribution_id', 'integer').execute()
  await db.schema.alterTable('award_commitments').addColumn('released_at', 'text').execute()
  await db.schema.alterTable('award_commitments').addColumn('release_reason', 'text').execute()
  await db.schema.alterTable('pots').addColumn('closed_at', 'text').execute()
  await db.schema.createIndex('contributions_pot_idx').on('contributions').column('pot_id').execute()
  await db.schema.createIndex('award_commitments_contribution_idx').on('award_commitments').column('contribution_id').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('award_commitments_contribution_idx').ifExists().execute()
  await db.schema.dropIndex('contributions_pot_idx').ifExists().execute()
  await db.schema.alterTable('pots').dropColumn('closed_at').execute()
  await db.schema.alterTable('award_commitments').dropColumn('release_reason').execute()
  await db.schema.alterTable('award_commitments').dropColumn('released_at').execute()
  await db.schema.alterTable('contributions').dropColumn('carried_from_contribution_id').execute()
  await db.schema.dropTable('contribution_receipts').ifExists().execute()
}
