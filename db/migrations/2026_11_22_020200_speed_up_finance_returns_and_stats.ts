/**
 * Indexes for payments due (/finance) at national size (issue 8, second pass):
 * - tranches waiting to be paid (scheduled or offered) in due-date order, with their award and amount: the page's 50
 *   rows are read in order and stop, and the count and total of those due read only the due ones' index entries.
 *   PostgreSQL cannot know that scheduled tranches are mostly due in the future, so with only (status, due date) it
 *   sorted a third of the table in parallel workers for every page;
 * - bank details by status, for the count of details still to check (it read every bank account).
 *
 * Frozen once landed. Portable across SQLite and PostgreSQL (both support partial indexes); imports nothing from the app.
 */
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('tranches_due_payments_idx')
    .on('tranches')
    .columns(['due_date', 'id', 'award_id', 'amount_pence'])
    .where(sql.ref('status'), 'in', [sql.lit('scheduled'), sql.lit('offered')])
    .execute()
  await db.schema.createIndex('bank_accounts_status_idx').on('bank_accounts').columns(['status', 'organisation_id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('bank_accounts_status_idx').ifExists().execute()
  await db.schema.dropIndex('tranches_due_payments_idx').ifExists().execute()
}
