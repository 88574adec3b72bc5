/**
 * A content hash of every table (rows in primary-key order), to prove two databases of one engine hold the same data:
 * `const before = await tableDigests(db)` ... `expect(await tableDigests(restored)).toEqual(before)`.
 */
import crypto from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

async function tablesAndKeys(db: Kysely<DB>): Promise<{ table: string; key: string[] }[]> {
  if (engineOf(db) === 'postgres') {
    const { rows } = await sql<{ table: string; key: string[] | null }>`
      select t.tablename as table,
             (select array_agg(a.attname::text order by array_position(i.indkey, a.attnum))
                from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
               where i.indrelid = format('public.%I', t.tablename)::regclass and i.indisprimary) as key
        from pg_tables t where t.schemaname = 'public' order by t.tablename`.execute(db)
    return rows.map((r) => ({ table: r.table, key: r.key ?? [] }))
  }
  const { rows } = await sql<{ table: string }>`select name as "table" from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(db)
  const out: { table: string; key: string[] }[] = []
  for (const { table } of rows) {
    const cols = await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${table}) where pk > 0 order by pk`.execute(db)
    out.push({ table, key: cols.rows.map((c) => c.name) })
  }
  return out
}

/** table name -> "<rows>:<sha256 of its rows in key order>". */
export async function tableDigests(db: Kysely<DB>): Promise<Record<string, string>> {
  const digests: Record<string, string> = {}
  for (const { table, key } of await tablesAndKeys(db)) {
    // A table without a primary key is ordered by every column.
    const orderBy = key.length > 0 ? key.map(quote).join(', ') : '1'
    const { rows } = await sql.raw<Record<string, unknown>>(`select * from ${quote(table)} order by ${orderBy}`).execute(db)
    const hash = crypto.createHash('sha256')
    const ordered = key.length > 0 ? rows : rows.map((r) => JSON.stringify(r)).sort()
    for (const row of ordered) hash.update(typeof row === 'string' ? row : JSON.stringify(row)).update('\n')
    digests[table] = `${rows.length}:${hash.digest('hex')}`
  }
  return digests
}

/** The tables whose digests differ (or exist on one side only). */
export function differingTables(a: Record<string, string>, b: Record<string, string>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((t) => a[t] !== b[t]).sort()
}
