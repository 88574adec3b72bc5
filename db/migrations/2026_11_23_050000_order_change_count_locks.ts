/**
 * PostgreSQL only: the counts of changes (data_versions: 'open_data', 'statistics', 'funding', 'returns',
 * 'assessment') are each moved at commit by a deferred trigger, which locks that count's row. One transaction can move
 * several counts (an award changed moves four), and its deferred triggers fire in the order its writes came, so two
 * transactions committing at once could lock two rows in opposite orders and deadlock, and PostgreSQL would abort one
 * of them. From now on the first count a transaction moves locks every count's row, in name order, before it moves
 * its own: every transaction takes them in the same order, so they take turns instead.
 *
 * Each count's function is replaced by one that calls lock_data_versions() first. SQLite has one writer at a time and
 * nothing to change.
 *
 * Frozen: never edit after it has landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import { sql, type Kysely } from 'kysely'

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter.constructor.name === 'PostgresAdapter'
}

/** Each count, and the function (and its once-per-transaction setting) that moves it. */
const COUNTS = [
  { name: 'open_data', fn: 'count_open_data_change', setting: 'commonpot.open_data_counted', returnsTrigger: false },
  { name: 'statistics', fn: 'count_statistics_change', setting: 'commonpot.statistics_counted', returnsTrigger: true },
  { name: 'funding', fn: 'count_funding_change', setting: 'commonpot.funding_counted', returnsTrigger: true },
  { name: 'returns', fn: 'count_return_change', setting: 'commonpot.returns_counted', returnsTrigger: true },
  { name: 'assessment', fn: 'count_assessment_change', setting: 'commonpot.assessment_counted', returnsTrigger: true },
]

/** The function as it was: moves its count once per transaction (for `down`). */
function countFunction(c: (typeof COUNTS)[number], lockFirst: boolean) {
  const body = sql`
        if current_setting(${sql.lit(c.setting)}, true) is distinct from txid_current()::text then
          perform set_config(${sql.lit(c.setting)}, txid_current()::text, true);
          ${lockFirst ? sql`perform lock_data_versions();` : sql``}
          update data_versions set version = version + 1 where name = ${sql.lit(c.name)};
        end if;`
  // count_open_data_change is called by the open-data triggers' own functions; the others are trigger functions.
  return c.returnsTrigger
    ? sql`create or replace function ${sql.raw(c.fn)}() returns trigger language plpgsql as $$
      begin ${body}
        return null;
      end $$`
    : sql`create or replace function ${sql.raw(c.fn)}() returns void language plpgsql as $$
      begin ${body}
      end $$`
}

export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return
  await sql`
    create function lock_data_versions() returns void language plpgsql as $$
    begin
      if current_setting('commonpot.data_versions_locked', true) is distinct from txid_current()::text then
        perform set_config('commonpot.data_versions_locked', txid_current()::text, true);
        perform 1 from data_versions order by name for update;
      end if;
    end $$`.execute(db)
  for (const c of COUNTS) await countFunction(c, true).execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return
  for (const c of COUNTS) await countFunction(c, false).execute(db)
  await sql`drop function if exists lock_data_versions()`.execute(db)
}
