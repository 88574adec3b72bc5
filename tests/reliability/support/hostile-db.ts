/**
 * A fingerprint of everything in this test file's database: each table's row count and a SHA-256 over its rows in a
 * fixed order, so "the database is unchanged" is one comparison. Rows are ordered by their canonical JSON (which for
 * tables with an `id` starts with it), the same order on SQLite and PostgreSQL whatever order the engine returns.
 *
 *   const before = await databaseFingerprint({ exclude: ['sessions'] })
 *   ...
 *   expect(changedTables(before, await databaseFingerprint({ exclude: ['sessions'] }))).toEqual([])
 */
import crypto from 'node:crypto'
import { sql } from 'kysely'
import { db } from '../../../app/lib/db.server.ts'

export interface Fingerprint {
  tables: Record<string, { count: number; sha256: string }>
}

/** Kysely's own bookkeeping, never touched by a request. */
const INTERNAL = new Set(['kysely_migration', 'kysely_migration_lock'])

let tableNames: string[] | null = null

async function tables(): Promise<string[]> {
  tableNames ??= (await db.introspection.getTables()).map((t) => t.name).filter((n) => !INTERNAL.has(n)).sort()
  return tableNames
}

function canonical(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  if (typeof value === 'bigint') return value.toString()
  return value
}

function rowKey(row: Record<string, unknown>): string {
  const keys = Object.keys(row).sort((a, b) => (a === 'id' ? -1 : b === 'id' ? 1 : a.localeCompare(b)))
  return JSON.stringify(keys.map((k) => [k, canonical(row[k])]))
}

export async function databaseFingerprint({ exclude = [] }: { exclude?: readonly string[] } = {}): Promise<Fingerprint> {
  const result: Fingerprint = { tables: {} }
  for (const name of await tables()) {
    if (exclude.includes(name)) continue
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)
    const keys = rows.map(rowKey).sort()
    const hash = crypto.createHash('sha256')
    for (const k of keys) hash.update(k).update('\n')
    result.tables[name] = { count: rows.length, sha256: hash.digest('hex') }
  }
  return result
}

/**
 * Every table's row count in one round trip: cheap enough to take around each request, where the full fingerprint is
 * taken around each property run.
 */
export async function rowCounts({ exclude = [] }: { exclude?: readonly string[] } = {}): Promise<Record<string, number>> {
  const names = (await tables()).filter((n) => !exclude.includes(n))
  const parts = names.map((n) => sql`select ${n} as name, count(*) as n from ${sql.table(n)}`)
  const { rows } = await sql<{ name: string; n: number | string }>`${sql.join(parts, sql` union all `)}`.execute(db)
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.n)]))
}

export function changedCounts(before: Record<string, number>, after: Record<string, number>): string[] {
  return Object.keys(before)
    .filter((n) => before[n] !== after[n])
    .map((n) => `${n} (${before[n]} rows -> ${after[n]})`)
}

/** The tables whose rows differ between two fingerprints, with their counts before and after. */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  const names = new Set([...Object.keys(before.tables), ...Object.keys(after.tables)])
  return [...names]
    .filter((n) => before.tables[n]?.sha256 !== after.tables[n]?.sha256)
    .map((n) => `${n} (${before.tables[n]?.count ?? 0} rows -> ${after.tables[n]?.count ?? 0})`)
}
