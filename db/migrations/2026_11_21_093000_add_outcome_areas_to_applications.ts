/**
 * The outcome areas a bid works towards (JSON list of codes such as "health_and_wellbeing"), confirmed by a fund
 * manager when screening. Ring-fences that fund only some outcomes ("NHS money: health and wellbeing outcomes only")
 * are checked against it by the optimiser and when an award is committed to a pot.
 *
 * Frozen once landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications').addColumn('outcome_areas', 'text', (c) => c.notNull().defaultTo('[]')).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('applications').dropColumn('outcome_areas').execute()
}
