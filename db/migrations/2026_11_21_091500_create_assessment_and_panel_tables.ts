/**
 * Assessment and panels (issue 4): who sits on a round's panel, what places each assessor knows, how the round is
 * assessed (assessors per bid, blind review, hidden peer scores, the disagreement threshold, normalisation, decline
 * reasons), conflicts recorded on an assessor's behalf, the chair's moderated score per bid and criterion, per-place
 * limits for the optimiser, the optimiser's proposals, panel decisions and who attended the meeting.
 *
 * The meaning of each score is in docs/decisions/0009-assessment-and-panels.md.
 * Frozen: never edit after it has landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import { sql, type Kysely, type CreateTableBuilder } from 'kysely'

type Table = CreateTableBuilder<string, never>

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter.constructor.name === 'PostgresAdapter'
}

const ROUND_COLUMNS: [name: string, type: 'text' | 'integer', defaultValue: string | number | null][] = [
  ['assessors_per_bid', 'integer', 2],
  ['blind_review', 'integer', 0],
  ['hide_peer_scores', 'integer', 1],
  ['comments_required', 'integer', 1],
  ['disagreement_threshold', 'integer', 20],
  ['normalise_scores', 'integer', 0],
  ['decline_reasons', 'text', '[]'],
  ['decisions_released_at', 'text', null],
  ['panel_held_on', 'text', null],
]

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db)
  const now = pg ? sql`(to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))` : sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
  const table = (name: string): Table =>
    db.schema
      .createTable(name)
      .addColumn('id', 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement())) as Table
  const created = (t: Table): Table => t.addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))

  for (const [name, type, defaultValue] of ROUND_COLUMNS) {
    await db.schema
      .alterTable('rounds')
      .addColumn(name, type, (c) => (defaultValue === null ? c : c.notNull().defaultTo(defaultValue)))
      .execute()
  }

  // users.id, without FOREIGN KEY so that `down` can drop them on SQLite (which cannot drop a foreign-key column).
  await db.schema.alterTable('assessments').addColumn('assigned_by', 'integer').execute()
  await db.schema.alterTable('assessments').addColumn('conflict_recorded_by', 'integer').execute()
  await db.schema.alterTable('assessments').addColumn('updated_at', 'text').execute()
  await db.schema.createIndex('assessments_application_idx').on('assessments').columns(['application_id', 'status']).execute()
  await db.schema.createIndex('criterion_scores_criterion_idx').on('criterion_scores').column('criterion_id').execute()
  await db.schema.createIndex('criteria_round_idx').on('criteria').columns(['round_id', 'position']).execute()

  await created(
    table('round_assessors')
      .addColumn('round_id', 'integer', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('is_chair', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('added_by', 'integer', (c) => c.references('users.id'))
      .addUniqueConstraint('round_assessors_unique', ['round_id', 'user_id']),
  ).execute()
  await db.schema.createIndex('round_assessors_user_idx').on('round_assessors').column('user_id').execute()

  await created(
    table('assessor_places')
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('place_id', 'integer', (c) => c.notNull().references('places.id'))
      .addUniqueConstraint('assessor_places_unique', ['user_id', 'place_id']),
  ).execute()

  await created(
    table('moderations')
      .addColumn('application_id', 'integer', (c) => c.notNull().references('applications.id'))
      .addColumn('criterion_id', 'integer', (c) => c.notNull().references('criteria.id'))
      .addColumn('score', 'integer', (c) => c.notNull())
      .addColumn('rationale', 'text', (c) => c.notNull())
      .addColumn('moderated_by', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
      .addUniqueConstraint('moderations_unique', ['application_id', 'criterion_id']),
  ).execute()

  await created(
    table('round_place_limits')
      .addColumn('round_id', 'integer', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
      .addColumn('place_id', 'integer', (c) => c.notNull().references('places.id'))
      .addColumn('min_pence', 'bigint', (c) => c.check(sql`min_pence >= 0`))
      .addColumn('max_pence', 'bigint', (c) => c.check(sql`max_pence >= 0`))
      .addUniqueConstraint('round_place_limits_unique', ['round_id', 'place_id']),
  ).execute()

  await created(
    table('optimiser_runs')
      .addColumn('round_id', 'integer', (c) => c.notNull().references('rounds.id'))
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('proposed', 'accepted', 'superseded', 'infeasible')`))
      .addColumn('inputs', 'text', (c) => c.notNull())
      .addColumn('inputs_sha256', 'text', (c) => c.notNull())
      .addColumn('selected', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('greedy_selected', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('explanation', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('total_score_milli', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('total_pence', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('solve_ms', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_by', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('accepted_by', 'integer', (c) => c.references('users.id'))
      .addColumn('accepted_at', 'text'),
  ).execute()
  await db.schema.createIndex('optimiser_runs_round_idx').on('optimiser_runs').columns(['round_id', 'id']).execute()

  await created(
    table('panel_decisions')
      .addColumn('application_id', 'integer', (c) => c.notNull().unique().references('applications.id'))
      .addColumn('round_id', 'integer', (c) => c.notNull().references('rounds.id'))
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('recommended', 'reserve', 'declined')`))
      .addColumn('amount_pence', 'bigint', (c) => c.check(sql`amount_pence >= 0`))
      .addColumn('rationale', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('decline_reason', 'text')
      .addColumn('feedback', 'text')
      .addColumn('optimiser_run_id', 'integer', (c) => c.references('optimiser_runs.id'))
      .addColumn('proposed_status', 'text')
      .addColumn('override_reason', 'text')
      .addColumn('decided_by', 'integer', (c) => c.notNull().references('users.id'))
      .addColumn('decided_at', 'text', (c) => c.notNull())
      .addColumn('released_at', 'text'),
  ).execute()
  await db.schema.createIndex('panel_decisions_round_idx').on('panel_decisions').columns(['round_id', 'status']).execute()

  await created(
    table('panel_attendees')
      .addColumn('round_id', 'integer', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
      .addColumn('user_id', 'integer', (c) => c.references('users.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addUniqueConstraint('panel_attendees_unique', ['round_id', 'name']),
  ).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['panel_attendees', 'panel_decisions', 'optimiser_runs', 'round_place_limits', 'moderations', 'assessor_places', 'round_assessors']) {
    await db.schema.dropTable(name).ifExists().execute()
  }
  await db.schema.dropIndex('criteria_round_idx').ifExists().execute()
  await db.schema.dropIndex('criterion_scores_criterion_idx').ifExists().execute()
  await db.schema.dropIndex('assessments_application_idx').ifExists().execute()
  for (const name of ['updated_at', 'conflict_recorded_by', 'assigned_by']) {
    await db.schema.alterTable('assessments').dropColumn(name).execute()
  }
  for (const [name] of [...ROUND_COLUMNS].reverse()) {
    await db.schema.alterTable('rounds').dropColumn(name).execute()
  }
}
