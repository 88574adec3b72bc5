/**
 * A count of changes to what the 360Giving files are made from (issue 8, session 4), so the files can be made once
 * and served again until something in them could have changed, instead of read from 40,000 awards on every download.
 *
 * data_versions holds one row, name 'open_data', whose version goes up whenever a row of a table the files read is
 * inserted, changed or deleted. The database does it (a trigger on each table), so no writer can forget: not the
 * app's, not a script's, not a correction typed into psql. An application counts only once it has an award (before
 * that it is not in the files), so applicants saving their drafts do not make the files again.
 *
 * - SQLite: a trigger per table and operation, for each row (one writer at a time, so they never wait on each other).
 * - PostgreSQL: a constraint trigger per table, deferred to commit, that adds one per transaction however many rows it
 *   wrote. At commit every other lock the transaction wanted is already held, so waiting for the row here cannot
 *   make a deadlock (transactions write the audit chain's head in whatever order their steps come).
 *
 * The version and the rows it counts are committed together, so a reader that sees the same version before and after
 * reading the rows has read exactly that version's rows.
 *
 * Frozen: never edit after it has landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import { sql, type Kysely } from 'kysely'

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter.constructor.name === 'PostgresAdapter'
}

/** Every table app/domain/open-data/grants.server.ts reads, except applications (below). */
const TABLES = ['awards', 'organisations', 'rounds', 'places', 'award_commitments', 'contributions', 'funders', 'fund_funders', 'round_pots', 'pots', 'tranches', 'award_repayments']
const OPERATIONS = ['insert', 'update', 'delete'] as const

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('data_versions')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('version', 'integer', (col) => col.notNull().defaultTo(0))
    .execute()
  await db.insertInto('data_versions').values({ name: 'open_data', version: 0 }).execute()

  if (isPostgres(db)) {
    // Once per transaction: the first of its deferred triggers to fire adds one and notes the transaction.
    await sql`
      create function count_open_data_change() returns void language plpgsql as $$
      begin
        if current_setting('commonpot.open_data_counted', true) is distinct from txid_current()::text then
          perform set_config('commonpot.open_data_counted', txid_current()::text, true);
          update data_versions set version = version + 1 where name = 'open_data';
        end if;
      end $$`.execute(db)
    await sql`
      create function open_data_changed() returns trigger language plpgsql as $$
      begin
        perform count_open_data_change();
        return null;
      end $$`.execute(db)
    await sql`
      create function open_data_application_changed() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from awards where application_id = new.id) then
          perform count_open_data_change();
        end if;
        return null;
      end $$`.execute(db)
    for (const table of TABLES) {
      await sql`
        create constraint trigger ${sql.id(`open_data_${table}`)} after insert or update or delete on ${sql.table(table)}
        deferrable initially deferred for each row execute function open_data_changed()`.execute(db)
    }
    await sql`
      create constraint trigger open_data_applications after update on applications
      deferrable initially deferred for each row execute function open_data_application_changed()`.execute(db)
    return
  }

  for (const table of TABLES) {
    for (const operation of OPERATIONS) {
      await sql`
        create trigger ${sql.id(`open_data_${table}_${operation}`)} after ${sql.raw(operation)} on ${sql.table(table)}
        begin update data_versions set version = version + 1 where name = 'open_data'; end`.execute(db)
    }
  }
  await sql`
    create trigger open_data_applications_update after update on applications
    when exists (select 1 from awards where awards.application_id = new.id)
    begin update data_versions set version = version + 1 where name = 'open_data'; end`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    for (const table of [...TABLES, 'applications']) await sql`drop trigger if exists ${sql.id(`open_data_${table}`)} on ${sql.table(table)}`.execute(db)
    await sql`drop function if exists open_data_application_changed()`.execute(db)
    await sql`drop function if exists open_data_changed()`.execute(db)
    await sql`drop function if exists count_open_data_change()`.execute(db)
  } else {
    for (const table of TABLES) for (const operation of OPERATIONS) await sql`drop trigger if exists ${sql.id(`open_data_${table}_${operation}`)}`.execute(db)
    await sql`drop trigger if exists open_data_applications_update`.execute(db)
  }
  await db.schema.dropTable('data_versions').ifExists().execute()
}
