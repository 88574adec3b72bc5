/**
 * Repayments by award: the 360Giving export reads each batch's repayments by award id, and the pot dashboard sums
 * what was repaid from each commitment's award. Without this index both read every repayment entry for every award.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('award_repayments_award_idx').on('award_repayments').columns(['award_id', 'id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('award_repayments_award_idx').execute()
}
