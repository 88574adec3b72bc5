/**
 * Indexes for the 360Giving files' version (ETag and Last-Modified, worked out on every request to
 * /data/360giving.json and .csv, including those answered 304) at national size (issue 8, second pass):
 * - published awards with what the version reads of them (count, id sum, newest change and publication) and the ids
 *   its joins follow, so the awards are read from the index alone; through awards_status_idx every award's row was
 *   read three times over, about 300 ms of the version's 1 s on SQLite;
 * - each award's tranches with their last change, so the newest tranche change is read from the index alone (it read
 *   all 160,000 tranche rows).
 *
 * Frozen once landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('awards_open_data_version_idx')
    .on('awards')
    .columns(['status', 'published_at', 'id', 'updated_at', 'organisation_id', 'application_id', 'round_id'])
    .execute()
  await db.schema.createIndex('tranches_award_updated_idx').on('tranches').columns(['award_id', 'updated_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tranches_award_updated_idx').ifExists().execute()
  await db.schema.dropIndex('awards_open_data_version_idx').ifExists().execute()
}
