/**
 * Indexes for the pot dashboard's "committed and paid over time" at national size (issue 8, session 2). The months are
 * summed from the ledger entries on a pot's contributions' committed, scheduled and paid accounts, read once from the
 * credit side and once from the debit side. With an index holding the account, the other side's account, the time and
 * the amount, each side is read from the index alone instead of from every entry's (wide) row; a pot with a few
 * thousand awards has ten thousand such entries.
 *
 * Frozen: never edit after it has landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import type { Kysely } from 'kysely'

const INDEXES: Array<[name: string, table: string, columns: string[]]> = [
  ['ledger_entries_credit_month_idx', 'ledger_entries', ['credit_account_id', 'debit_account_id', 'created_at', 'amount_pence']],
  ['ledger_entries_debit_month_idx', 'ledger_entries', ['debit_account_id', 'credit_account_id', 'created_at', 'amount_pence']],
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, table, columns] of INDEXES) await db.schema.createIndex(name).on(table).columns(columns).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name] of [...INDEXES].reverse()) await db.schema.dropIndex(name).ifExists().execute()
}
