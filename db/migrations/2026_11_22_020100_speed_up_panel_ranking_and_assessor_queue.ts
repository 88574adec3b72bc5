/**
 * Indexes for the panel's ranked list (/panel/<roundId>) and the assessor's queue (/assess) at national scale
 * (issue 8). The ranked list reads every bid's submitted assessments and their criterion scores: with these covering
 * indexes both come from the index alone, and PostgreSQL walks round -> bid -> assessment -> scores by index instead of
 * hashing all 200,000 assessments. The queue reads one assessor's assessments a page at a time in round and bid order.
 *
 * Frozen once landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import type { Kysely } from 'kysely'

const INDEXES: Array<[name: string, table: string, columns: string[]]> = [
  ['assessments_application_scores_idx', 'assessments', ['application_id', 'status', 'assessor_user_id', 'weighted_score_milli', 'id']],
  ['criterion_scores_assessment_scores_idx', 'criterion_scores', ['assessment_id', 'criterion_id', 'score']],
  ['assessments_assessor_queue_idx', 'assessments', ['assessor_user_id', 'application_id', 'status', 'weighted_score_milli', 'id']],
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, table, columns] of INDEXES) await db.schema.createIndex(name).on(table).columns(columns).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name] of [...INDEXES].reverse()) await db.schema.dropIndex(name).execute()
}
