/**
 * The whole grant life-cycle's data model: identity, organisations, places, funders, funds and rounds, pots and
 * contributions, the ledger, applications, assessments, awards and tranches, returns, documents, audit and outbox.
 *
 * Frozen: never edit after it has landed; add a new migration instead. It imports nothing from the app.
 * Portable across SQLite and PostgreSQL: ids are integer identities, times are ISO-8601 UTC text
 * ("2026-11-21T06:15:00.000Z"), dates are "YYYY-MM-DD" text, money is bigint pence, flags are 0/1 integers,
 * and structured values are JSON text.
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

  // ---------- places (integrated care boards, effective-dated) ----------
  await created(
    table('places')
      .addColumn('kind', 'text', (c) => c.notNull().defaultTo('icb'))
      .addColumn('ods_code', 'text', (c) => c.notNull())
      .addColumn('gss_code', 'text')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('region_name', 'text', (c) => c.notNull())
      .addColumn('region_ods_code', 'text')
      .addColumn('region_gss_code', 'text')
      .addColumn('valid_from', 'text', (c) => c.notNull())
      .addColumn('valid_to', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addUniqueConstraint('places_ods_code_valid_from_unique', ['ods_code', 'valid_from']),
  ).execute()
  await created(
    table('place_links')
      .addColumn('predecessor_place_id', 'integer', (c) => c.notNull().references('places.id'))
      .addColumn('successor_place_id', 'integer', (c) => c.notNull().references('places.id'))
      .addColumn('transfer', 'text', (c) => c.notNull().check(sql`transfer in ('whole', 'part')`))
      .addColumn('effective_date', 'text', (c) => c.notNull())
      .addUniqueConstraint('place_links_pair_unique', ['predecessor_place_id', 'successor_place_id']),
  ).execute()

  // ---------- identity ----------
  await created(
    table('users')
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('totp_secret', 'text')
      .addColumn('totp_enabled_at', 'text')
      .addColumn('password_changed_at', 'text')
      .addColumn('anonymised_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now)),
  ).execute()
  await created(
    table('funders')
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('org_identifier', 'text')
      .addColumn('place_id', 'integer', (c) => c.references('places.id')),
  ).execute()
  await created(
    table('user_roles')
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('funder_id', 'integer', (c) => c.references('funders.id'))
      .addColumn('granted_by', 'integer', (c) => c.references('users.id')),
  ).execute()
  await db.schema.createIndex('user_roles_unique').on('user_roles').columns(['user_id', 'role', 'funder_id']).unique().execute()
  await created(
    table('sessions')
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addColumn('second_factor_at', 'text')
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('last_seen_at', 'text'),
  ).execute()
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute()
  await created(
    table('password_reset_tokens')
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text'),
  ).execute()
  await created(
    table('sign_in_attempts')
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('ip', 'text', (c) => c.notNull())
      .addColumn('succeeded', 'integer', (c) => c.notNull()),
  ).execute()
  await db.schema.createIndex('sign_in_attempts_email_idx').on('sign_in_attempts').columns(['email', 'created_at']).execute()
  await db.schema.createIndex('sign_in_attempts_ip_idx').on('sign_in_attempts').columns(['ip', 'created_at']).execute()

  // ---------- organisations ----------
  await created(
    table('organisations')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('legal_type', 'text', (c) => c.notNull())
      .addColumn('charity_number', 'text')
      .addColumn('company_number', 'text')
      .addColumn('address_line_1', 'text')
      .addColumn('address_line_2', 'text')
      .addColumn('town', 'text')
      .addColumn('postcode', 'text')
      .addColumn('place_id', 'integer', (c) => c.references('places.id'))
      .addColumn('main_contact_user_id', 'integer', (c) => c.references('users.id'))
      .addColumn('priority_community', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('stripe_account_id', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now)),
  ).execute()
  await db.schema.createIndex('organisations_place_idx').on('organisations').column('place_id').execute()
  await created(
    table('organisation_places')
      .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
      .addColumn('place_id', 'integer', (c) => c.notNull().references('places.id'))
      .addUniqueConstraint('organisation_places_unique', ['organisation_id', 'place_id']),
  ).execute()
  await created(
    table('memberships')
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
      .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('member', 'admin')`))
      .addUniqueConstraint('memberships_unique', ['user_id', 'organisation_id']),
  ).execute()
  await created(
    table('invitations')
      .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('invited_by', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('accepted_at', 'text'),
  ).execute()
  await created(
    table('bank_accounts')
      .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id'))
      .addColumn('account_name', 'text', (c) => c.notNull())
      .addColumn('sort_code', 'text', (c) => c.notNull())
      .addColumn('account_number', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('unverified', 'verified', 'rejected', 'superseded')`))
      .addColumn('name_mismatch', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('entered_by', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('verified_by', 'integer', (c) => c.references('users.id'))
      .addColumn('verified_at', 'text'),
  ).execute()

  // ---------- funds and rounds ----------
  await created(
    table('funds')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('slug', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('shape', 'text', (c) => c.notNull()),
  ).execute()
  await created(
    table('fund_funders')
      .addColumn('fund_id', 'integer', (c) => c.notNull().references('funds.id').onDelete('cascade'))
      .addColumn('funder_id', 'integer', (c) => c.notNull().references('funders.id'))
      .addUniqueConstraint('fund_funders_unique', ['fund_id', 'funder_id']),
  ).execute()
  await created(
    table('rounds')
      .addColumn('fund_id', 'integer', (c) => c.notNull().references('funds.id'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('slug', 'text', (c) => c.notNull().unique())
      .addColumn('summary', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('guidance', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft', 'published', 'closed', 'decided', 'archived')`))
      .addColumn('opens_at', 'text')
      .addColumn('closes_at', 'text')
      .addColumn('budget_pence', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('min_grant_pence', 'bigint')
      .addColumn('max_grant_pence', 'bigint')
      .addColumn('years', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('stages', 'text', (c) => c.notNull().defaultTo('single').check(sql`stages in ('single', 'two_stage')`))
      .addColumn('allocation_method', 'text', (c) => c.notNull().defaultTo('panel').check(sql`allocation_method in ('panel', 'fcfs')`))
      .addColumn('rules', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('copied_from_round_id', 'integer', (c) => c.references('rounds.id'))
      .addColumn('published_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now)),
  ).execute()
  await created(
    table('round_places')
      .addColumn('round_id', 'integer', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
      .addColumn('place_id', 'integer', (c) => c.notNull().references('places.id'))
      .addUniqueConstraint('round_places_unique', ['round_id', 'place_id']),
  ).execute()
  await created(
    table('questions')
      .addColumn('round_id', 'integer', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
      .addColumn('stage', 'text', (c) => c.notNull().defaultTo('full'))
      .addColumn('section', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('help_text', 'text')
      .addColumn('required', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('config', 'text', (c) => c.notNull().defaultTo('{}'))
      .addUniqueConstraint('questions_round_stage_key_unique', ['round_id', 'stage', 'key']),
  ).execute()
  await created(
    table('criteria')
      .addColumn('round_id', 'integer', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('guidance', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('weight', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('scale_min', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('scale_max', 'integer', (c) => c.notNull().defaultTo(5))
      .addColumn('descriptors', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('is_gateway', 'integer', (c) => c.notNull().defaultTo(0)),
  ).execute()

  // ---------- pots, contributions ----------
  await created(
    table('pots')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('place_id', 'integer', (c) => c.references('places.id'))
      .addColumn('host_funder_id', 'integer', (c) => c.notNull().references('funders.id'))
      .addColumn('pool_manager_user_id', 'integer', (c) => c.references('users.id'))
      .addColumn('financial_year', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft', 'open', 'closed')`))
      .addColumn('available_basis', 'text', (c) => c.notNull().defaultTo('received').check(sql`available_basis in ('received', 'pledged')`))
      .addColumn('year_end_policy', 'text', (c) => c.notNull().defaultTo('carry_forward').check(sql`year_end_policy in ('carry_forward', 'return')`))
      .addColumn('previous_pot_id', 'integer', (c) => c.references('pots.id')),
  ).execute()
  await created(
    table('round_pots')
      .addColumn('round_id', 'integer', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
      .addColumn('pot_id', 'integer', (c) => c.notNull().references('pots.id'))
      .addUniqueConstraint('round_pots_unique', ['round_id', 'pot_id']),
  ).execute()
  await created(
    table('contributions')
      .addColumn('pot_id', 'integer', (c) => c.notNull().references('pots.id'))
      .addColumn('funder_id', 'integer', (c) => c.notNull().references('funders.id'))
      .addColumn('pledged_pence', 'bigint', (c) => c.notNull().check(sql`pledged_pence >= 0`))
      .addColumn('conditions', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('spend_by', 'text')
      .addColumn('is_in_kind', 'integer', (c) => c.notNull().defaultTo(0)),
  ).execute()
  await created(
    table('contribution_instalments')
      .addColumn('contribution_id', 'integer', (c) => c.notNull().references('contributions.id').onDelete('cascade'))
      .addColumn('due_date', 'text', (c) => c.notNull())
      .addColumn('amount_pence', 'bigint', (c) => c.notNull().check(sql`amount_pence > 0`)),
  ).execute()

  // ---------- the ledger: double-entry, append-only ----------
  await created(
    table('ledger_accounts')
      .addColumn('code', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('normal_balance', 'text', (c) => c.notNull().check(sql`normal_balance in ('debit', 'credit')`))
      .addColumn('owner_type', 'text')
      .addColumn('owner_id', 'integer')
      .addColumn('currency', 'text', (c) => c.notNull().defaultTo('GBP'))
      .addColumn('debits_posted_pence', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('credits_posted_pence', 'bigint', (c) => c.notNull().defaultTo(0)),
  ).execute()
  await db.schema.createIndex('ledger_accounts_owner_idx').on('ledger_accounts').columns(['owner_type', 'owner_id']).execute()
  await created(
    table('ledger_entries')
      .addColumn('debit_account_id', 'integer', (c) => c.notNull().references('ledger_accounts.id'))
      .addColumn('credit_account_id', 'integer', (c) => c.notNull().references('ledger_accounts.id'))
      .addColumn('amount_pence', 'bigint', (c) => c.notNull().check(sql`amount_pence > 0`))
      .addColumn('reason_code', 'text', (c) => c.notNull())
      .addColumn('memo', 'text')
      .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
      .addColumn('reverses_entry_id', 'integer', (c) => c.unique().references('ledger_entries.id'))
      .addColumn('ref_type', 'text')
      .addColumn('ref_id', 'integer')
      .addColumn('actor_user_id', 'integer', (c) => c.references('users.id'))
      .addCheckConstraint('ledger_entries_distinct_accounts', sql`debit_account_id <> credit_account_id`),
  ).execute()
  await db.schema.createIndex('ledger_entries_debit_idx').on('ledger_entries').column('debit_account_id').execute()
  await db.schema.createIndex('ledger_entries_credit_idx').on('ledger_entries').column('credit_account_id').execute()
  await db.schema.createIndex('ledger_entries_ref_idx').on('ledger_entries').columns(['ref_type', 'ref_id']).execute()

  // ---------- applications and assessment ----------
  await created(
    table('applications')
      .addColumn('reference', 'text', (c) => c.notNull().unique())
      .addColumn('round_id', 'integer', (c) => c.notNull().references('rounds.id'))
      .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id'))
      .addColumn('stage', 'text', (c) => c.notNull().defaultTo('full').check(sql`stage in ('eoi', 'full')`))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('place_id', 'integer', (c) => c.references('places.id'))
      .addColumn('amount_requested_pence', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('project_cost_pence', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('match_cash_pence', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('match_in_kind_pence', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('answers', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('eoi_application_id', 'integer', (c) => c.references('applications.id'))
      .addColumn('created_by', 'integer', (c) => c.references('users.id'))
      .addColumn('submitted_at', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('decision_reason', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now)),
  ).execute()
  await db.schema.createIndex('applications_round_status_idx').on('applications').columns(['round_id', 'status', 'id']).execute()
  await db.schema.createIndex('applications_org_idx').on('applications').columns(['organisation_id', 'id']).execute()
  await created(
    table('application_versions')
      .addColumn('application_id', 'integer', (c) => c.notNull().references('applications.id').onDelete('cascade'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('answers', 'text', (c) => c.notNull())
      .addColumn('created_by', 'integer', (c) => c.references('users.id'))
      .addUniqueConstraint('application_versions_unique', ['application_id', 'version']),
  ).execute()
  await created(
    table('assessments')
      .addColumn('application_id', 'integer', (c) => c.notNull().references('applications.id'))
      .addColumn('assessor_user_id', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('assigned', 'conflict', 'draft', 'submitted')`))
      .addColumn('conflict_type', 'text')
      .addColumn('conflict_note', 'text')
      .addColumn('conflict_confirmed_at', 'text')
      .addColumn('weighted_score_milli', 'integer')
      .addColumn('submitted_at', 'text')
      .addUniqueConstraint('assessments_unique', ['application_id', 'assessor_user_id']),
  ).execute()
  await db.schema.createIndex('assessments_assessor_idx').on('assessments').columns(['assessor_user_id', 'status']).execute()
  await created(
    table('criterion_scores')
      .addColumn('assessment_id', 'integer', (c) => c.notNull().references('assessments.id').onDelete('cascade'))
      .addColumn('criterion_id', 'integer', (c) => c.notNull().references('criteria.id'))
      .addColumn('score', 'integer', (c) => c.notNull())
      .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('moderated_score', 'integer')
      .addColumn('moderation_rationale', 'text')
      .addUniqueConstraint('criterion_scores_unique', ['assessment_id', 'criterion_id']),
  ).execute()

  // ---------- awards, tranches, payments ----------
  await created(
    table('awards')
      .addColumn('reference', 'text', (c) => c.notNull().unique())
      .addColumn('application_id', 'integer', (c) => c.notNull().unique().references('applications.id'))
      .addColumn('round_id', 'integer', (c) => c.notNull().references('rounds.id'))
      .addColumn('organisation_id', 'integer', (c) => c.notNull().references('organisations.id'))
      .addColumn('amount_pence', 'bigint', (c) => c.notNull().check(sql`amount_pence > 0`))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('conditions', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('offer_document_id', 'integer')
      .addColumn('offer_sha256', 'text')
      .addColumn('accepted_at', 'text')
      .addColumn('accepted_name', 'text')
      .addColumn('accepted_role', 'text')
      .addColumn('declined_at', 'text')
      .addColumn('published_at', 'text')
      .addColumn('planned_start', 'text')
      .addColumn('planned_end', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now)),
  ).execute()
  await db.schema.createIndex('awards_round_idx').on('awards').columns(['round_id', 'status']).execute()
  await db.schema.createIndex('awards_org_idx').on('awards').column('organisation_id').execute()
  await created(
    table('award_commitments')
      .addColumn('award_id', 'integer', (c) => c.notNull().references('awards.id'))
      .addColumn('contribution_id', 'integer', (c) => c.notNull().references('contributions.id'))
      .addColumn('amount_pence', 'bigint', (c) => c.notNull().check(sql`amount_pence >= 0`))
      .addColumn('override_reason', 'text')
      .addUniqueConstraint('award_commitments_unique', ['award_id', 'contribution_id']),
  ).execute()
  await created(
    table('payment_runs')
      .addColumn('reference', 'text', (c) => c.notNull().unique())
      .addColumn('rail', 'text', (c) => c.notNull().check(sql`rail in ('bacs', 'stripe')`))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('total_pence', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('created_by', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('approved_by', 'integer', (c) => c.references('users.id'))
      .addColumn('approved_at', 'text')
      .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
      .addCheckConstraint('payment_runs_four_eyes', sql`approved_by is null or approved_by <> created_by`),
  ).execute()
  await created(
    table('tranches')
      .addColumn('award_id', 'integer', (c) => c.notNull().references('awards.id'))
      .addColumn('sequence', 'integer', (c) => c.notNull())
      .addColumn('amount_pence', 'bigint', (c) => c.notNull().check(sql`amount_pence > 0`))
      .addColumn('due_date', 'text', (c) => c.notNull())
      .addColumn('gate', 'text', (c) => c.notNull().check(sql`gate in ('acceptance', 'date', 'return', 'condition')`))
      .addColumn('gate_ref', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('payment_run_id', 'integer', (c) => c.references('payment_runs.id'))
      .addColumn('bank_account_id', 'integer', (c) => c.references('bank_accounts.id'))
      .addColumn('sent_at', 'text')
      .addColumn('paid_at', 'text')
      .addColumn('failure_reason', 'text')
      .addColumn('external_ref', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
      .addUniqueConstraint('tranches_award_sequence_unique', ['award_id', 'sequence']),
  ).execute()
  await db.schema.createIndex('tranches_status_due_idx').on('tranches').columns(['status', 'due_date']).execute()

  // ---------- impact returns ----------
  await created(
    table('returns')
      .addColumn('award_id', 'integer', (c) => c.notNull().references('awards.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('period_label', 'text', (c) => c.notNull())
      .addColumn('due_date', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('people_reached', 'integer')
      .addColumn('submitted_at', 'text')
      .addColumn('reviewed_by', 'integer', (c) => c.references('users.id'))
      .addColumn('reviewed_at', 'text')
      .addColumn('review_comments', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now)),
  ).execute()
  await db.schema.createIndex('returns_status_due_idx').on('returns').columns(['status', 'due_date']).execute()
  await db.schema.createIndex('returns_award_idx').on('returns').column('award_id').execute()

  // ---------- documents (uploads and generated letters) ----------
  await created(
    table('documents')
      .addColumn('organisation_id', 'integer', (c) => c.references('organisations.id'))
      .addColumn('owner_type', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'integer', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('filename', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('size_bytes', 'integer', (c) => c.notNull())
      .addColumn('storage_key', 'text', (c) => c.notNull().unique())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('uploaded_by', 'integer', (c) => c.references('users.id')),
  ).execute()
  await db.schema.createIndex('documents_owner_idx').on('documents').columns(['owner_type', 'owner_id']).execute()

  // ---------- audit trail (hash-chained, append-only) ----------
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('actor_user_id', 'integer')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text')
    .addColumn('before', 'text')
    .addColumn('after', 'text')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .execute()
  await db.schema.createIndex('audit_events_entity_idx').on('audit_events').columns(['entity_type', 'entity_id']).execute()
  // The chain head: one row, updated in the same transaction as each event, so concurrent writers serialise on it.
  await db.schema
    .createTable('audit_chain_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('last_event_id', 'integer')
    .addColumn('last_hash', 'text', (c) => c.notNull())
    .execute()
  await db.insertInto('audit_chain_head').values({ id: 1, last_event_id: null, last_hash: '0'.repeat(64) }).execute()

  // ---------- outbox (emails and other messages) ----------
  await created(
    table('outbox_messages')
      .addColumn('channel', 'text', (c) => c.notNull().defaultTo('email'))
      .addColumn('template', 'text', (c) => c.notNull())
      .addColumn('to_address', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('body_text', 'text', (c) => c.notNull())
      .addColumn('body_html', 'text')
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'sent', 'failed')`))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .addColumn('next_attempt_at', 'text')
      .addColumn('sent_at', 'text')
      .addColumn('idempotency_key', 'text', (c) => c.unique()),
  ).execute()
  await db.schema.createIndex('outbox_status_idx').on('outbox_messages').columns(['status', 'id']).execute()

  // ---------- request idempotency and external events ----------
  await created(
    table('idempotency_keys')
      .addColumn('key', 'text', (c) => c.notNull().unique())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('user_id', 'integer', (c) => c.references('users.id'))
      .addColumn('response_status', 'integer')
      .addColumn('response_body', 'text'),
  ).execute()
  await db.schema
    .createTable('webhook_events')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute()
  await db.schema
    .createTable('app_meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'app_meta', 'webhook_events', 'idempotency_keys', 'outbox_messages', 'audit_chain_head', 'audit_events', 'documents',
    'returns', 'tranches', 'payment_runs', 'award_commitments', 'awards', 'criterion_scores', 'assessments',
    'application_versions', 'applications', 'ledger_entries', 'ledger_accounts', 'contribution_instalments',
    'contributions', 'round_pots', 'pots', 'criteria', 'questions', 'round_places', 'rounds', 'fund_funders', 'funds',
    'bank_accounts', 'invitations', 'memberships', 'organisation_places', 'organisations', 'sign_in_attempts',
    'password_reset_tokens', 'sessions', 'user_roles', 'funders', 'users', 'place_links', 'places',
  ]) {
    await db.schema.dropTable(t).ifExists().execute()
  }
}
