/**
 * A count of changes to what an assessor's list of bids to assess (/assess) is read from (issue 8, session 6), so each
 * assessor's view of it can be kept in memory and shown again until something on it could have changed, instead of
 * read again on every view.
 *
 * data_versions gets a row named 'assessment' whose version goes up whenever a row the list reads is inserted,
 * changed or deleted: rounds, panel seats (round_assessors), organisations (a blind round's titles are redacted by
 * their names), and assessments and applications. An assessment or an application counts only when it is added or
 * removed, or when a column the list reads changes value (an assessment's bid, assessor, status and submitted score;
 * an application's reference, title, round and organisation): an assessor saving a draft score, or a group saving
 * answers that leave the title as it was, does not empty the kept lists. The database does it (a trigger on each
 * table), so no writer can forget: not the app's, not a script's, not a correction typed into psql.
 *
 * - SQLite: a trigger per table and operation, for each row (one writer at a time, so they never wait on each other).
 * - PostgreSQL: a constraint trigger per table, deferred to commit, that adds one per transaction however many rows it
 *   wrote (as the open-data count does, 2026_11_22_170000; the same reasoning about deadlocks holds).
 *
 * The version and the rows it counts are committed together, so a reader that reads the same version before and after
 * its statements has read exactly that version's rows.
 *
 * Frozen: never edit after it has landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import { sql, type Kysely } from 'kysely'

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter.constructor.name === 'PostgresAdapter'
}

/** Every table assessorQueuePage (app/domain/assessment/access.server.ts) reads whose every change counts. */
const TABLES = ['rounds', 'round_assessors', 'organisations']
const OPERATIONS = ['insert', 'update', 'delete'] as const
/** The tables counted only when added to, removed from, or changed in a column the list reads (besides their ids). */
const WATCHED: Record<string, string[]> = {
  assessments: ['application_id', 'assessor_user_id', 'status', 'weighted_score_milli'],
  applications: ['reference', 'title', 'round_id', 'organisation_id'],
}

/** True when an update changed the value of one of `columns`. */
function changed(columns: string[], sqlite: boolean) {
  return sql.join(
    columns.map((c) => (sqlite ? sql`old.${sql.id(c)} is not new.${sql.id(c)}` : sql`old.${sql.id(c)} is distinct from new.${sql.id(c)}`)),
    sql` or `,
  )
}

const BUMP = sql`update data_versions set version = version + 1 where name = 'assessment'`

export async function up(db: Kysely<any>): Promise<void> {
  await db.insertInto('data_versions').values({ name: 'assessment', version: 0 }).execute()

  if (isPostgres(db)) {
    // Once per transaction: the first of its deferred triggers to fire adds one and notes the transaction.
    await sql`
      create function count_assessment_change() returns trigger language plpgsql as $$
      begin
        if current_setting('commonpot.assessment_counted', true) is distinct from txid_current()::text then
          perform set_config('commonpot.assessment_counted', txid_current()::text, true);
          update data_versions set version = version + 1 where name = 'assessment';
        end if;
        return null;
      end $$`.execute(db)
    for (const table of TABLES) {
      await sql`
        create constraint trigger ${sql.id(`assessment_${table}`)} after insert or update or delete on ${sql.table(table)}
        deferrable initially deferred for each row execute function count_assessment_change()`.execute(db)
    }
    for (const [table, columns] of Object.entries(WATCHED)) {
      await sql`
        create constraint trigger ${sql.id(`assessment_${table}`)} after insert or delete on ${sql.table(table)}
        deferrable initially deferred for each row execute function count_assessment_change()`.execute(db)
      await sql`
        create constraint trigger ${sql.id(`assessment_${table}_update`)} after update of ${sql.join(columns.map((c) => sql.id(c)))} on ${sql.table(table)}
        deferrable initially deferred for each row when (${changed(columns, false)}) execute function count_assessment_change()`.execute(db)
    }
    return
  }

  for (const table of TABLES) {
    for (const operation of OPERATIONS) {
      await sql`
        create trigger ${sql.id(`assessment_${table}_${operation}`)} after ${sql.raw(operation)} on ${sql.table(table)}
        begin ${BUMP}; end`.execute(db)
    }
  }
  for (const [table, columns] of Object.entries(WATCHED)) {
    await sql`create trigger ${sql.id(`assessment_${table}_insert`)} after insert on ${sql.table(table)} begin ${BUMP}; end`.execute(db)
    await sql`create trigger ${sql.id(`assessment_${table}_delete`)} after delete on ${sql.table(table)} begin ${BUMP}; end`.execute(db)
    await sql`
      create trigger ${sql.id(`assessment_${table}_update`)} after update of ${sql.join(columns.map((c) => sql.id(c)))} on ${sql.table(table)}
      when ${changed(columns, true)}
      begin ${BUMP}; end`.execute(db)
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const watched = Object.keys(WATCHED)
  if (isPostgres(db)) {
    for (const table of [...TABLES, ...watched]) await sql`drop trigger if exists ${sql.id(`assessment_${table}`)} on ${sql.table(table)}`.execute(db)
    for (const table of watched) await sql`drop trigger if exists ${sql.id(`assessment_${table}_update`)} on ${sql.table(table)}`.execute(db)
    await sql`drop function if exists count_assessment_change()`.execute(db)
  } else {
    for (const table of [...TABLES, ...watched]) for (const operation of OPERATIONS) await sql`drop trigger if exists ${sql.id(`assessment_${table}_${operation}`)}`.execute(db)
  }
  await db.deleteFrom('data_versions').where('name', '=', 'assessment').execute()
}
