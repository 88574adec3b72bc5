/**
 * Indexes for pages that read a national programme's data (issue 8): the public round statistics (/stats) count a
 * page of rounds' applications, decisions and awards from covering indexes instead of reading each row; the returns
 * list (/manage/returns) reads 50 returns a page in its sort orders (sent for review, due date), and its tab counts
 * come from the (status, due date) index and each award's returns.
 *
 * Frozen once landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import type { Kysely } from 'kysely'

const INDEXES: Array<[name: string, table: string, columns: string[]]> = [
  ['applications_round_figures_idx', 'applications', ['round_id', 'decided_at', 'status', 'submitted_at', 'eoi_application_id', 'place_id', 'id']],
  ['panel_decisions_round_reasons_idx', 'panel_decisions', ['round_id', 'status', 'released_at', 'decline_reason']],
  ['awards_round_figures_idx', 'awards', ['round_id', 'status', 'application_id', 'amount_pence', 'organisation_id']],
  ['awards_status_idx', 'awards', ['status', 'id']],
  ['returns_status_submitted_idx', 'returns', ['status', 'submitted_at', 'id']],
  ['returns_due_idx', 'returns', ['due_date', 'id', 'status']],
  ['returns_award_status_idx', 'returns', ['award_id', 'status', 'due_date']],
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, table, columns] of INDEXES) await db.schema.createIndex(name).on(table).columns(columns).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name] of [...INDEXES].reverse()) await db.schema.dropIndex(name).execute()
}
