/**
 * What fund managers and first-come-first-served rounds record on an application.
 *
 * Screening: the automatic eligibility result computed from the round's rules (`screening_result`), a fund manager's
 * override of it (`screening_override`) with the reason they must give (`screening_reason`), who screened and when.
 *
 * First come, first served: the arrival number in its round (`fcfs_position`, unique per round: two submissions can
 * never share a place in the queue), the region and priority-community flag the quotas counted at that moment
 * (`fcfs_region`, `fcfs_priority`, kept so a later change to the organisation does not rewrite history), and the
 * reason given for a wait-listing or refusal (`fcfs_reason`). At most one allocated grant per organisation per round.
 *
 * Frozen once landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import { sql, type Kysely } from 'kysely'

const COLUMNS: [name: string, type: 'text' | 'integer'][] = [
  ['screening_result', 'text'],
  ['screening_override', 'text'],
  ['screening_reason', 'text'],
  ['screened_at', 'text'],
  ['fcfs_position', 'integer'],
  ['fcfs_region', 'text'],
  ['fcfs_priority', 'integer'],
  ['fcfs_reason', 'text'],
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, type] of COLUMNS) {
    await db.schema.alterTable('applications').addColumn(name, type).execute()
  }
  await db.schema.alterTable('applications').addColumn('screened_by', 'integer', (c) => c.references('users.id')).execute()
  await db.schema.createIndex('applications_fcfs_position_unique').on('applications').columns(['round_id', 'fcfs_position']).unique().execute()
  await db.schema
    .createIndex('applications_fcfs_one_allocation_per_organisation')
    .on('applications')
    .columns(['round_id', 'organisation_id'])
    .unique()
    .where(sql.ref('status'), '=', 'allocated')
    .execute()
  await db.schema.createIndex('applications_round_id_idx').on('applications').columns(['round_id', 'id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('applications_round_id_idx').execute()
  await db.schema.dropIndex('applications_fcfs_one_allocation_per_organisation').execute()
  await db.schema.dropIndex('applications_fcfs_position_unique').execute()
  for (const name of ['screened_by', ...COLUMNS.map(([n]) => n)]) {
    await db.schema.alterTable('applications').dropColumn(name).execute()
  }
}
