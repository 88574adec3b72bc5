/**
 * Awards, offers and disbursements (issue 6): an award's conditions and tranches (each tranche's share of every
 * contribution), the offer and its acceptance, variations, repayments and clawbacks, bank details checks, payment
 * runs with four eyes, bank statement imports, Stripe transfers (one row per attempt, keyed for idempotency) and
 * background jobs with progress (bulk offer letters, large payment runs).
 *
 * The life-cycle is in docs/decisions/0010-awards-offers-and-payments.md.
 * Frozen: never edit after it has landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import { sql, type Kysely, type CreateTableBuilder } from 'kysely'

type Table = CreateTableBuilder<string, never>

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter.constructor.name === 'PostgresAdapter'
}

const AWARD_COLUMNS: [name: string, type: 'text' | 'integer'][] = [
  ['offered_at', 'text'],
  ['offered_by', 'integer'],
  ['offer_terms', 'text'],
  ['accepted_by', 'integer'],
  ['accepted_declaration', 'text'],
  ['acceptance_document_id', 'integer'],
  ['acceptance_sha256', 'text'],
  ['declined_by', 'integer'],
  ['declined_reason', 'text'],
  ['schedule_kind', 'text'],
  // JSON array: the outcome areas the fund manager confirmed when making the award (ring-fences check them again on
  // a variation that commits more money).
  ['outcome_areas', 'text'],
]

const TRANCHE_COLUMNS: [name: string, type: 'text' | 'integer'][] = [
  ['attempt', 'integer'],
  ['failed_at', 'text'],
  ['cancelled_at', 'text'],
  ['remittance_document_id', 'integer'],
]

const BANK_ACCOUNT_COLUMNS: [name: string, type: 'text' | 'integer'][] = [
  ['is_change', 'integer'],
  ['verification_note', 'text'],
  ['rejected_reason', 'text'],
  ['superseded_at', 'text'],
]

const RUN_COLUMNS: [name: string, type: 'text' | 'integer' | 'bigint'][] = [
  ['needs_approval', 'integer'],
  ['threshold_pence', 'bigint'],
  ['submitted_at', 'text'],
  ['exported_at', 'text'],
  ['exported_by', 'integer'],
  ['file_sha256', 'text'],
  ['cancelled_at', 'text'],
  ['cancelled_by', 'integer'],
]

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db)
  const now = pg ? sql`(to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))` : sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
  const table = (name: string): Table =>
    db.schema
      .createTable(name)
      .addColumn('id', 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement())) as Table
  const created = (t: Table): Table => t.addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))

  // Plain integer user ids, without FOREIGN KEY, so that `down` can drop them on SQLite.
  for (const [name, type] of AWARD_COLUMNS) await db.schema.alterTable('awards').addColumn(name, type).execute()
  for (const [name, type] of TRANCHE_COLUMNS) {
    await db.schema
      .alterTable('tranches')
      .addColumn(name, type, (c) => (name === 'attempt' ? c.notNull().defaultTo(0) : c))
      .execute()
  }
  for (const [name, type] of BANK_ACCOUNT_COLUMNS) {
    await db.schema
      .alterTable('bank_accounts')
      .addColumn(name, type, (c) => (name === 'is_change' ? c.notNull().defaultTo(0) : c))
      .execute()
  }
  for (const [name, type] of RUN_COLUMNS) {
    await db.schema
      .alterTable('payment_runs')
      .addColumn(name, type, (c) => (name === 'needs_approval' ? c.notNull().defaultTo(0) : c))
      .execute()
  }
  await db.schema.createIndex('tranches_award_idx').on('tranches').columns(['award_id', 'status']).execute()
  await db.schema.createIndex('tranches_run_idx').on('tranches').column('payment_run_id').execute()
  await db.schema.createIndex('bank_accounts_org_idx').on('bank_accounts').columns(['organisation_id', 'status']).execute()

  await created(
    table('award_conditions')
      .addColumn('award_id', 'integer', (c) => c.notNull().references('awards.id'))
      .addColumn('sequence', 'integer', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('outstanding', 'met', 'waived')`))
      .addColumn('evidence_document_id', 'integer')
      .addColumn('note', 'text')
      .addColumn('met_at', 'text')
      .addColumn('met_by', 'integer')
      .addUniqueConstraint('award_conditions_unique', ['award_id', 'sequence']),
  ).execute()

  // Each tranche's share of each contribution the award is committed to: the award's schedule in the ledger.
  await created(
    table('tranche_parts')
      .addColumn('tranche_id', 'integer', (c) => c.notNull().references('tranches.id'))
      .addColumn('contribution_id', 'integer', (c) => c.notNull().references('contributions.id'))
      .addColumn('amount_pence', 'bigint', (c) => c.notNull().check(sql`amount_pence >= 0`))
      .addUniqueConstraint('tranche_parts_unique', ['tranche_id', 'contribution_id']),
  ).execute()

  await created(
    table('award_variations')
      .addColumn('award_id', 'integer', (c) => c.notNull().references('awards.id'))
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('current', 'text', (c) => c.notNull())
      .addColumn('proposed', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'approved', 'rejected')`))
      .addColumn('requested_by', 'integer', (c) => c.notNull())
      .addColumn('decided_by', 'integer')
      .addColumn('decided_at', 'text')
      .addColumn('decision_note', 'text')
      .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
      .addCheckConstraint('award_variations_four_eyes', sql`decided_by is null or decided_by <> requested_by`),
  ).execute()
  await db.schema.createIndex('award_variations_award_idx').on('award_variations').columns(['award_id', 'status']).execute()

  await created(
    table('award_repayments')
      .addColumn('award_id', 'integer', (c) => c.notNull().references('awards.id'))
      .addColumn('tranche_id', 'integer')
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('repayment', 'clawback')`))
      .addColumn('amount_pence', 'bigint', (c) => c.notNull().check(sql`amount_pence > 0`))
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('received_on', 'text', (c) => c.notNull())
      .addColumn('recorded_by', 'integer', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull().unique()),
  ).execute()

  // One row per attempt to pay a tranche through Stripe; the key is sent as Stripe's Idempotency-Key.
  await created(
    table('stripe_transfers')
      .addColumn('tranche_id', 'integer', (c) => c.notNull().references('tranches.id'))
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
      .addColumn('destination_account', 'text', (c) => c.notNull())
      .addColumn('amount_pence', 'bigint', (c) => c.notNull().check(sql`amount_pence > 0`))
      .addColumn('transfer_id', 'text', (c) => c.unique())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('requested', 'created', 'paid', 'failed', 'reversed')`))
      .addColumn('last_error', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
      .addUniqueConstraint('stripe_transfers_attempt_unique', ['tranche_id', 'attempt']),
  ).execute()

  await created(
    table('bank_statement_imports')
      .addColumn('filename', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull().unique())
      .addColumn('imported_by', 'integer', (c) => c.notNull())
      .addColumn('line_count', 'integer', (c) => c.notNull())
      .addColumn('matched_count', 'integer', (c) => c.notNull()),
  ).execute()
  await created(
    table('bank_statement_lines')
      .addColumn('import_id', 'integer', (c) => c.notNull().references('bank_statement_imports.id'))
      .addColumn('line_number', 'integer', (c) => c.notNull())
      .addColumn('posted_on', 'text')
      .addColumn('amount_pence', 'bigint')
      .addColumn('reference', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('matched', 'unmatched', 'already_paid', 'invalid')`))
      .addColumn('tranche_id', 'integer')
      .addColumn('note', 'text')
      .addUniqueConstraint('bank_statement_lines_unique', ['import_id', 'line_number']),
  ).execute()

  await created(
    table('jobs')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('queued', 'running', 'done', 'failed')`))
      .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('done', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('payload', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('result', 'text')
      .addColumn('error', 'text')
      .addColumn('created_by', 'integer')
      .addColumn('idempotency_key', 'text', (c) => c.unique())
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now)),
  ).execute()
  await db.schema.createIndex('jobs_status_idx').on('jobs').columns(['status', 'id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['jobs', 'bank_statement_lines', 'bank_statement_imports', 'stripe_transfers', 'award_repayments', 'award_variations', 'tranche_parts', 'award_conditions']) {
    await db.schema.dropTable(name).ifExists().execute()
  }
  await db.schema.dropIndex('bank_accounts_org_idx').ifExists().execute()
  await db.schema.dropIndex('tranches_run_idx').ifExists().execute()
  await db.schema.dropIndex('tranches_award_idx').ifExists().execute()
  for (const [name] of RUN_COLUMNS) await db.schema.alterTable('payment_runs').dropColumn(name).execute()
  for (const [name] of BANK_ACCOUNT_COLUMNS) await db.schema.alterTable('bank_accounts').dropColumn(name).execute()
  for (const [name] of TRANCHE_COLUMNS) await db.schema.alterTable('tranches').dropColumn(name).execute()
  for (const [name] of AWARD_COLUMNS) await db.schema.alterTable('awards').dropColumn(name).execute()
}
