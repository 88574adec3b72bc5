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
  var __commonpotBulkReadDb: DatabaseHandle | undefined
}

function handle(): DatabaseHandle {
  // Kept on globalThis so the dev server's rebuilds reuse one connection pool.
  globalThis.__commonpotDb ??= createDatabase(databaseOptionsFromEnv())
  return globalThis.__commonpotDb
}

/**
 * For reading a whole table once (the 360Giving files read every published award): on SQLite a connection of its own
 * with a small page cache, opened when first wanted, so the pass neither holds 64 MB nor pushes the pages' hot indexes
 * out of their connection's cache (see ConnectionUse in db/connect.ts); on PostgreSQL the app's pool. It sees what
 * has been committed, so read it outside a transaction.
 */
function bulkReadHandle(): DatabaseHandle {
  const main = handle()
  // The same file as the app's connection (its location); an in-memory database has no second connection to it.
  if (main.engine !== 'sqlite' || main.location === ':memory:') return main
  globalThis.__commonpotBulkReadDb ??= createDatabase({ path: main.location, use: 'bulk-read' })
  return globalThis.__commonpotBulkReadDb
}

/** A Kysely that opens its handle when first used (so importing this module opens nothing). */
function lazily(open: () => DatabaseHandle): Database {
  return new Proxy({} as Database, {
    get(_target, prop) {
      const real = open().db as unknown as Record<string | symbol, unknown>
      const value = real[prop]
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(real) : value
    },
  })
}

export const db: Database = lazily(handle)
export const bulkReadDb: Database = lazily(bulkReadHandle)

export function databaseEngine(): DatabaseHandle['engine'] {
  return handle().engine
}

export async function closeDatabase(): Promise<void> {
  const handles = [globalThis.__commonpotBulkReadDb, globalThis.__commonpotDb]
  globalThis.__commonpotBulkReadDb = undefined
  globalThis.__commonpotDb = undefined
  for (const h of handles) await h?.close()
}
