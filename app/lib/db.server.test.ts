/**
 * The app's database handles: `db` for everything, and `bulkReadDb` for reading a whole table once (the 360Giving
 * files). On SQLite the second is a connection of its own with a small (2 MB) page cache, so a pass over every
 * published award neither holds 64 MB nor pushes the pages' indexes out of their connection's cache.
 */
import { sql } from 'kysely'
import { expect, test } from 'vitest'
import { bulkReadDb, databaseEngine, db } from './db.server.ts'

test('bulk reads see what the app has committed', async () => {
  const name = `bulk-read-${Date.now()}`
  await db.insertInto('app_meta').values({ key: name, value: 'seen' }).execute()
  const row = await bulkReadDb.selectFrom('app_meta').select('value').where('key', '=', name).executeTakeFirst()
  expect(row?.value).toBe('seen')
})

test('on SQLite, bulk reads have a connection of their own with a small page cache; the pages keep their 64 MB', async () => {
  if (databaseEngine() !== 'sqlite') return
  const cacheOf = async (database: typeof db) => Number((await sql<{ cache_size: number }>`pragma cache_size`.execute(database)).rows[0]!.cache_size)
  expect(await cacheOf(db)).toBe(-65536)
  expect(await cacheOf(bulkReadDb)).toBe(-2048)
})
