/**
 * Each contribution's figures in one maintained row (issue 8, the funder dashboard): the balances of its six ledger
 * buckets (outstanding, available, committed, scheduled, paid, returned: each account's posted credits less debits,
 * every bucket being credit-normal) and the sum of its receipts. A funder paying into every place's pot has 144
 * contributions: its dashboard's totals read 144 of these rows instead of 864 ledger account rows and 288 receipts.
 * Kept up to date in the same transaction by the ledger's posting (for the contribution accounts it changes) and by
 * the two writers of receipts (app/domain/budgets/contribution-figures.server.ts); rebuilt from the base rows here.
 * Also indexes contributions by funder (the funder dashboard's scope).
 *
 * Frozen: never edit after it has landed. Portable across SQLite and PostgreSQL; imports nothing from the app.
 */
import { sql, type Kysely } from 'kysely'

const BUCKETS = ['outstanding', 'available', 'committed', 'scheduled', 'paid', 'returned'] as const

export async function up(db: Kysely<any>): Promise<void> {
  let table = db.schema.createTable('contribution_figures').addColumn('contribution_id', 'integer', (c) => c.primaryKey().references('contributions.id'))
  for (const column of [...BUCKETS.map((b) => `${b}_pence`), 'received_pence']) table = table.addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0))
  await table.execute()
  await db.schema.createIndex('contributions_funder_idx').on('contributions').column('funder_id').execute()

  const balance = sql`case when a.normal_balance = 'debit' then a.debits_posted_pence - a.credits_posted_pence else a.credits_posted_pence - a.debits_posted_pence end`
  await sql`
    insert into contribution_figures (contribution_id, ${sql.join(BUCKETS.map((b) => sql.ref(`${b}_pence`)))}, received_pence)
    select c.id,
      ${sql.join(BUCKETS.map((b) => sql`coalesce(sum(case when a.kind = ${sql.lit(`contribution_${b}`)} then ${balance} else 0 end), 0)`))},
      coalesce((select sum(r.amount_pence) from contribution_receipts r where r.contribution_id = c.id), 0)
    from contributions c
    left join ledger_accounts a on a.owner_type = 'contribution' and a.owner_id = c.id
    group by c.id
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('contributions_funder_idx').ifExists().execute()
  await db.schema.dropTable('contribution_figures').ifExists().execute()
}
