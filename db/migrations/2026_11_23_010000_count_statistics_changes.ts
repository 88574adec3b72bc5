/**
 * A count of changes to what the public round statistics (/stats) are read from (issue 8, session 6), so a page of
 * them can be kept in memory and shown again until something on it could have changed, instead of read again on
 * every view.
 *
 * data_versions gets a row named 'statistics' whose version goes up whenever a row the statistics read is inserted,
 * changed or deleted: rounds, funds, round_stats (received, decided and successful, kept by their writers), panel
 * decisions (decline reasons), awards, places and organisations (where the money went), and applications. An
 * application counts only when it is added or removed, or when one of the columns the statistics read changes
 * (round_id, status, decided_at, place_id): applicants saving their answers do not empty the kept page. The database
 * does it (a trigger on each table), so no writer can forget: not the app's, not a script's, not a correction typed
 * into psql.
 *
 * - SQLite: a trigger per table and operation, for each row (one writer at a time, so they never wait on each other).
 * - PostgreSQL: a constraint trigger per table, deferred to commit, that adds one per transaction however many rows it
 *   wrote (as the open-data count does, 2026_11_22_170000; the same reasoning about deadlocks holds).
 *
 * The version and the rows it counts are committed together, so a reader that reads the version in the same statement
 * as the figures has read exactly that version's figures.
 *
 * Frozen: never edit after it has landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import { sql, type Kysely } from 'kysely'

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter.constructor.name === 'PostgresAdapter'
}

/** Every table app/domain/stats/round-stats.server.ts reads, except applications (below), whose every change counts. */
const TABLES = ['rounds', 'funds', 'round_stats', 'panel_decisions', 'awards', 'places', 'organisations']
const OPERATIONS = ['insert', 'update', 'delete'] as const
/** The columns of applications the statistics read (besides its id, which never changes). */
const APPLICATION_COLUMNS = ['round_id', 'status', 'decided_at', 'place_id']

const BUMP = sql`update data_versions set version = version + 1 where name = 'statistics'`

export async function up(db: Kysely<any>): Promise<void> {
  await db.insertInto('data_versions').values({ name: 'statistics', version: 0 }).execute()

  if (isPostgres(db)) {
    // Once per transaction: the first of its deferred triggers to fire adds one and notes the transaction.
    await sql`
      create function count_statistics_change() returns trigger language plpgsql as $$
      begin
        if current_setting('commonpot.statistics_counted', true) is distinct from txid_current()::text then
          perform set_config('commonpot.statistics_counted', txid_current()::text, true);
          update data_versions set version = version + 1 where name = 'statistics';
        end if;
        return null;
      end $$`.execute(db)
    for (const table of TABLES) {
      await sql`
        create constraint trigger ${sql.id(`statistics_${table}`)} after insert or update or delete on ${sql.table(table)}
        deferrable initially deferred for each row execute function count_statistics_change()`.execute(db)
    }
    await sql`
      create constraint trigger statistics_applications
      after insert or update of ${sql.join(APPLICATION_COLUMNS.map((c) => sql.id(c)))} or delete on applications
      deferrable initially deferred for each row execute function count_statistics_change()`.execute(db)
    return
  }

  for (const table of TABLES) {
    for (const operation of OPERATIONS) {
      await sql`
        create trigger ${sql.id(`statistics_${table}_${operation}`)} after ${sql.raw(operation)} on ${sql.table(table)}
        begin ${BUMP}; end`.execute(db)
    }
  }
  await sql`create trigger statistics_applications_insert after insert on applications begin ${BUMP}; end`.execute(db)
  await sql`create trigger statistics_applications_delete after delete on applications begin ${BUMP}; end`.execute(db)
  await sql`
    create trigger statistics_applications_update after update of ${sql.join(APPLICATION_COLUMNS.map((c) => sql.id(c)))} on applications
    begin ${BUMP}; end`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    for (const table of [...TABLES, 'applications']) await sql`drop trigger if exists ${sql.id(`statistics_${table}`)} on ${sql.table(table)}`.execute(db)
    await sql`drop function if exists count_statistics_change()`.execute(db)
  } else {
    for (const table of TABLES) for (const operation of OPERATIONS) await sql`drop trigger if exists ${sql.id(`statistics_${table}_${operation}`)}`.execute(db)
    for (const operation of OPERATIONS) await sql`drop trigger if exists ${sql.id(`statistics_applications_${operation}`)}`.execute(db)
  }
  await db.deleteFrom('data_versions').where('name', '=', 'statistics').execute()
}
