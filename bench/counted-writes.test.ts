import { sql } from 'kysely'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createDatabase, type DatabaseHandle } from '../db/connect.ts'
import { freshDatabaseOptions } from '../tests/setup/test-database.ts'
import { measureCountedWrites } from './counted-writes.ts'

let h: DatabaseHandle

beforeAll(async () => {
  h = createDatabase(await freshDatabaseOptions())
}, 60_000)
afterAll(async () => {
  await h.close()
})

test('measures renames of places against an uncounted copy, each counted one moving the funding count, and leaves the places as they were', async () => {
  const before = await h.db.selectFrom('places').select(['id', 'name']).orderBy('id').execute()
  const results = await measureCountedWrites(h.db, { clients: [1, 2], seconds: 0.2 })
  expect(results.map((r) => r.clients)).toEqual([1, 2])
  for (const r of results) {
    expect(r.uncounted).toBeGreaterThan(0)
    expect(r.counted).toBeGreaterThan(0)
    expect(r.countedCommitted).toBeGreaterThan(0)
    // Every counted rename committed and moved the count: the figure is of real writes, not refused ones.
    expect(r.fundingCountMoved).toBe(r.countedCommitted)
  }
  expect(await h.db.selectFrom('places').select(['id', 'name']).orderBy('id').execute()).toEqual(before)
  const copy = await sql<{ n: number }>`select count(*) as n from places where name like '%(renamed)'`.execute(h.db)
  expect(Number(copy.rows[0]!.n)).toBe(0)
  await expect(sql`select count(*) from bench_places_uncounted`.execute(h.db)).rejects.toThrow()
})

test('refuses more writers at once than there are places to give them', async () => {
  await expect(measureCountedWrites(h.db, { clients: [10_000], seconds: 0.1 })).rejects.toThrow(/needs 10000 places/)
})
