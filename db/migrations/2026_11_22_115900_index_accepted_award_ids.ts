/**
 * The ids of accepted awards as a partial index of their own (issue 8, payments due): counting and totalling the
 * payments due on /finance checks each due tranche's award is accepted, and read from (status, id) each check searched
 * an index of every award's status text; this one holds only the accepted awards' ids (a quarter of its size nationally),
 * so the 1,400 checks a view makes stay in a few pages.
 *
 * Frozen once landed. Portable across SQLite and PostgreSQL (both support partial indexes); imports nothing from the app.
 */
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('awards_accepted_idx').on('awards').column('id').where(sql.ref('status'), '=', sql.lit('accepted')).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('awards_accepted_idx').ifExists().execute()
}
