/**
 * A count of changes to what the funder dashboard and a pot's dashboard (places as they were) are read from (issue 8,
 * session 6), so each can be kept in memory and shown again until something on it could have changed, instead of
 * read again on every view.
 *
 * data_versions gets a row named 'funding' whose version goes up whenever a row the dashboards read is inserted,
 * changed or deleted: funders, funds, rounds, pots, contributions, their maintained figures (contribution_figures,
 * place_figures, contribution_months, kept by the writers of the ledger, commitments and payments in the same
 * transaction), award commitments, awards, places, and applications. An application counts only when it is added or
 * removed, or when the column the dashboards read changes (place_id): applicants saving their answers do not empty
 * the kept dashboards. The database does it (a trigger on each table), so no writer can forget: not the app's, not a
 * script's, not a correction typed into psql.
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

/**
 * Every table app/domain/funders/dashboard.server.ts and potDashboard (app/domain/budgets/reports.server.ts, places as
 * they were) read, except applications (below).
 */
const TABLES = ['funders', 'funds', 'rounds', 'pots', 'contributions', 'contribution_figures', 'place_figures', 'contribution_months', 'award_commitments', 'awards', 'places']
const OPERATIONS = ['insert', 'update', 'delete'] as const
/** The columns of applications the dashboards read (besides its id, which never changes). */
const APPLICATION_COLUMNS = ['place_id']

const BUMP = sql`update data_versions set version = version + 1 where name = 'funding'`

export async function up(db: Kysely<any>): Promise<void> {
  await db.insertInto('data_versions').values({ name: 'funding', version: 0 }).execute()

  if (isPostgres(db)) {
    // Once per transaction: the first of its deferred triggers to fire adds one and notes the transaction.
    await sql`
      create function count_funding_change() returns trigger language plpgsql as $$
      begin
        if current_setting('commonpot.funding_counted', true) is distinct from txid_current()::text then
          perform set_config('commonpot.funding_counted', txid_current()::text, true);
          update data_versions set version = version + 1 where name = 'funding';
        end if;
        return null;
      end $$`.execute(db)
    for (const table of TABLES) {
      await sql`
        create constraint trigger ${sql.id(`funding_${table}`)} after insert or update or delete on ${sql.table(table)}
        deferrable initially deferred for each row execute function count_funding_change()`.execute(db)
    }
    await sql`
      create constraint trigger funding_applications
      after insert or update of ${sql.join(APPLICATION_COLUMNS.map((c) => sql.id(c)))} or delete on applications
      deferrable initially deferred for each row execute function count_funding_change()`.execute(db)
    return
  }

  for (const table of TABLES) {
    for (const operation of OPERATIONS) {
      await sql`
        create trigger ${sql.id(`funding_${table}_${operation}`)} after ${sql.raw(operation)} on ${sql.table(table)}
        begin ${BUMP}; end`.execute(db)
    }
  }
  await sql`create trigger funding_applications_insert after insert on applications begin ${BUMP}; end`.execute(db)
  await sql`create trigger funding_applications_delete after delete on applications begin ${BUMP}; end`.execute(db)
  await sql`
    create trigger funding_applications_update after update of ${sql.join(APPLICATION_COLUMNS.map((c) => sql.id(c)))} on applications
    begin ${BUMP}; end`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    for (const table of [...TABLES, 'applications']) await sql`drop trigger if exists ${sql.id(`funding_${table}`)} on ${sql.table(table)}`.execute(db)
    await sql`drop function if exists count_funding_change()`.execute(db)
  } else {
    for (const table of TABLES) for (const operation of OPERATIONS) await sql`drop trigger if exists ${sql.id(`funding_${table}_${operation}`)}`.execute(db)
    for (const operation of OPERATIONS) await sql`drop trigger if exists ${sql.id(`funding_applications_${operation}`)}`.execute(db)
  }
  await db.deleteFrom('data_versions').where('name', '=', 'funding').execute()
}
