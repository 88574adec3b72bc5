/**
 * The app's one database handle (SQLite by default, PostgreSQL when DATABASE_URL is a postgres:// URL).
 * Routes own transactions: `db.transaction().execute((trx) => domainFunction(trx, ...))`.
 */
import type { Kysely, Transaction } from 'kysely'
import { createDatabase, databaseOptionsFromEnv, type DatabaseHandle } from '../../db/connect.ts'
import type { DB } from '../../db/schema.ts'

export type Database = Kysely<DB>
/** What domain functions take first: the database or a transaction the route opened. */
export type Db = Kysely<DB> | Transaction<DB>

declare global {
  var __commonpotDb: DatabaseHandle | undefined
}

function handle(): DatabaseHandle {
  // Kept on globalThis so the dev server's rebuilds reuse one connection pool.
  globalThis.__commonpotDb ??= createDatabase(databaseOptionsFromEnv())
  return globalThis.__commonpotDb
}

export const db: Database = new Proxy({} as Database, {
  get(_target, prop) {
    const real = handle().db as unknown as Record<string | symbol, unknown>
    const value = real[prop]
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(real) : value
  },
})

export function databaseEngine(): DatabaseHandle['engine'] {
  return handle().engine
}

export async function closeDatabase(): Promise<void> {
  const h = globalThis.__commonpotDb
  globalThis.__commonpotDb = undefined
  await h?.close()
}
