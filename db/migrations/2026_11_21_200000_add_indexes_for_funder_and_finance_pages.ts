/**
 * Indexes for the funder dashboard (/funder) at national size (issue 8). The dashboard sums, per place and per funder,
 * a funder's active award commitments with what has been paid against each (paid tranche parts from the
 * contribution, older direct payments on the commitment, less repayments); a national funder has tens of thousands.
 * These let every lookup in that pass read a narrow index instead of a wide table row:
 * - award_commitments by contribution, active ones, with the award and amount;
 * - awards' application and amount, and applications' place and declared match funding, by id;
 * - tranche parts by tranche and contribution with their amount;
 * - ledger entries by business record with reason, reversal and amount.
 * (Repayments by award: award_repayments_award_idx, made by 2026_11_21_200200.)
 *
 * Frozen: never edit after it has landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import type { Kysely } from 'kysely'

const INDEXES: Array<[name: string, table: string, columns: string[]]> = [
  ['award_commitments_contribution_active_idx', 'award_commitments', ['contribution_id', 'released_at', 'award_id', 'amount_pence']],
  ['awards_application_amount_idx', 'awards', ['id', 'application_id', 'amount_pence']],
  ['applications_place_match_idx', 'applications', ['id', 'place_id', 'match_cash_pence', 'match_in_kind_pence']],
  ['tranche_parts_tranche_contribution_amount_idx', 'tranche_parts', ['tranche_id', 'contribution_id', 'amount_pence']],
  ['ledger_entries_ref_reason_idx', 'ledger_entries', ['ref_type', 'ref_id', 'reason_code', 'reverses_entry_id', 'amount_pence']],
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, table, columns] of INDEXES) await db.schema.createIndex(name).on(table).columns(columns).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name] of [...INDEXES].reverse()) await db.schema.dropIndex(name).ifExists().execute()
}
