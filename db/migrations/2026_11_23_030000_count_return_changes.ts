/**
 * A count of changes to what the fund managers' list of impact returns (/manage/returns) is read from (issue 8,
 * session 6), so each view of it can be kept in memory and shown again until something on it could have changed,
 * instead of read again on every view.
 *
 * data_versions gets a row named 'returns' whose version goes up whenever a row the list reads is inserted, changed
 * or deleted: awards, organisations, rounds, funds, the maintained counts by round, status and due date
 * (return_review_counts, kept by the returns' writers in the same transaction), and returns. A return counts only when
 * it is added or removed, or when a column the list reads changes value (award_id, period_label, due_date, status,
 * submitted_at): a group saving its answers does not empty the kept lists, though each save writes its status again. The database does it (a trigger on each
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

/** Every table app/domain/returns/review-list.server.ts reads, except returns (below). */
const TABLES = ['awards', 'organisations', 'rounds', 'funds', 'return_review_counts']
const OPERATIONS = ['insert', 'update', 'delete'] as const
/** The columns of returns the list reads (besides its id, which never changes). */
const RETURN_COLUMNS = ['award_id', 'period_label', 'due_date', 'status', 'submitted_at']

/** True when an update changed the value of a column the list reads (a save writes the same status again). */
const RETURN_CHANGED = sql.join(
  RETURN_COLUMNS.map((c) => sql`old.${sql.id(c)} is distinct from new.${sql.id(c)}`),
  sql` or `,
)
/** The same, in SQLite's words (`is not` compares nulls as values, as `is distinct from` does). */
const RETURN_CHANGED_SQLITE = sql.join(
  RETURN_COLUMNS.map((c) => sql`old.${sql.id(c)} is not new.${sql.id(c)}`),
  sql` or `,
)

const BUMP = sql`update data_versions set version = version + 1 where name = 'returns'`

export async function up(db: Kysely<any>): Promise<void> {
  await db.insertInto('data_versions').values({ name: 'returns', version: 0 }).execute()

  if (isPostgres(db)) {
    // Once per transaction: the first of its deferred triggers to fire adds one and notes the transaction.
    await sql`
      create function count_return_change() returns trigger language plpgsql as $$
      begin
        if current_setting('commonpot.returns_counted', true) is distinct from txid_current()::text then
          perform set_config('commonpot.returns_counted', txid_current()::text, true);
          update data_versions set version = version + 1 where name = 'returns';
        end if;
        return null;
      end $$`.execute(db)
    for (const table of TABLES) {
      await sql`
        create constraint trigger ${sql.id(`returns_${table}`)} after insert or update or delete on ${sql.table(table)}
        deferrable initially deferred for each row execute function count_return_change()`.execute(db)
    }
    await sql`
      create constraint trigger returns_returns after insert or delete on returns
      deferrable initially deferred for each row execute function count_return_change()`.execute(db)
    await sql`
      create constraint trigger returns_returns_update after update of ${sql.join(RETURN_COLUMNS.map((c) => sql.id(c)))} on returns
      deferrable initially deferred for each row when (${RETURN_CHANGED}) execute function count_return_change()`.execute(db)
    return
  }

  for (const table of TABLES) {
    for (const operation of OPERATIONS) {
      await sql`
        create trigger ${sql.id(`returns_${table}_${operation}`)} after ${sql.raw(operation)} on ${sql.table(table)}
        begin ${BUMP}; end`.execute(db)
    }
  }
  await sql`create trigger returns_returns_insert after insert on returns begin ${BUMP}; end`.execute(db)
  await sql`create trigger returns_returns_delete after delete on returns begin ${BUMP}; end`.execute(db)
  await sql`
    create trigger returns_returns_update after update of ${sql.join(RETURN_COLUMNS.map((c) => sql.id(c)))} on returns
    when ${RETURN_CHANGED_SQLITE}
    begin ${BUMP}; end`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    for (const table of [...TABLES, 'returns']) await sql`drop trigger if exists ${sql.id(`returns_${table}`)} on ${sql.table(table)}`.execute(db)
    await sql`drop trigger if exists returns_returns_update on returns`.execute(db)
    await sql`drop function if exists count_return_change()`.execute(db)
  } else {
    for (const table of TABLES) for (const operation of OPERATIONS) await sql`drop trigger if exists ${sql.id(`returns_${table}_${operation}`)}`.execute(db)
    for (const operation of OPERATIONS) await sql`drop trigger if exists ${sql.id(`returns_returns_${operation}`)}`.execute(db)
  }
  await db.deleteFrom('data_versions').where('name', '=', 'returns').execute()
}
