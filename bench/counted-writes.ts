/**
 * What the counts of changes cost writers: committed transactions per second renaming places (a counted table: each
 * rename moves the open_data, statistics and funding counts, app/lib/kept-until-changed.server.ts) against the same
 * renames of an uncounted copy of the table, at 1 client and several at once. On PostgreSQL every transaction that
 * moves a count locks all the counts' rows at commit (migration 2026_11_23_050000), so such writers take turns for the
 * length of a commit; on SQLite writers take turns anyway, and the counts add their triggers' work.
 *
 * `npm run bench:writes` measures the database in DATABASE_URL (or DATABASE_PATH), for a few seconds per figure. It
 * renames some of its places and puts their names back; the counts move, so kept pages are read afresh once. Measure
 * a PostgreSQL server configured as production would be (fsync on): scripts/pg-local.sh runs with fsync off, which
 * makes every commit cheaper than a real one.
 */
import { fileURLToPath } from 'node:url'
import { sql, type Kysely } from 'kysely'
import type { DB } from '../db/schema.ts'
import { createDatabase, databaseOptionsFromEnv, engineOf } from '../db/connect.ts'
import { dataVersion } from '../app/lib/kept-until-changed.server.ts'

export interface CountedWritesResult {
  clients: number
  /** Committed renames a second of the uncounted copy. */
  uncounted: number
  /** Committed renames a second of places (each moving three counts). */
  counted: number
  /** How many renames of places committed, and how far they moved the funding count (one each: they are real). */
  countedCommitted: number
  fundingCountMoved: number
}

const COPY = 'bench_places_uncounted'

/** Each client renames its own row back and forth, reading it first in the same transaction, as a writer would. */
async function renames(db: Kysely<DB>, table: string, ids: number[], names: Map<number, string>, seconds: number): Promise<number> {
  const until = performance.now() + seconds * 1000
  let committed = 0
  await Promise.all(
    ids.map(async (id) => {
      for (let n = 0; performance.now() < until; n++) {
        await db.transaction().execute(async (trx) => {
          await sql`select name from ${sql.table(table)} where id = ${id}`.execute(trx)
          await sql`update ${sql.table(table)} set name = ${n % 2 === 0 ? `${names.get(id)} (renamed)` : names.get(id)} where id = ${id}`.execute(trx)
        })
        committed++
      }
    }),
  )
  return committed
}

/**
 * Renames a second, uncounted and counted, at each number of clients (at most as many as the database has places),
 * `seconds` each. Every place renamed has its name back at the end, and the copy is dropped.
 */
export async function measureCountedWrites(db: Kysely<DB>, options: { clients: number[]; seconds: number }): Promise<CountedWritesResult[]> {
  const most = Math.max(...options.clients)
  const places = await db.selectFrom('places').select(['id', 'name']).orderBy('id').limit(most).execute()
  if (places.length < most) throw new Error(`measuring ${most} writers at once needs ${most} places; the database has ${places.length}`)
  const names = new Map(places.map((p) => [p.id, p.name]))
  await sql`drop table if exists ${sql.table(COPY)}`.execute(db)
  await sql`create table ${sql.table(COPY)} as select id, name from places`.execute(db)
  await sql`create unique index ${sql.id(`${COPY}_id`)} on ${sql.table(COPY)} (id)`.execute(db)
  const results: CountedWritesResult[] = []
  try {
    for (const clients of options.clients) {
      const ids = places.slice(0, clients).map((p) => p.id)
      const uncounted = await renames(db, COPY, ids, names, options.seconds)
      const before = await dataVersion(db, 'funding')
      const counted = await renames(db, 'places', ids, names, options.seconds)
      const moved = (await dataVersion(db, 'funding')) - before
      results.push({ clients, uncounted: Math.round(uncounted / options.seconds), counted: Math.round(counted / options.seconds), countedCommitted: counted, fundingCountMoved: moved })
    }
  } finally {
    for (const [id, name] of names) await db.updateTable('places').set({ name }).where('id', '=', id).where('name', '!=', name).execute()
    await sql`drop table if exists ${sql.table(COPY)}`.execute(db)
  }
  return results
}

async function main(): Promise<void> {
  const handle = createDatabase(databaseOptionsFromEnv())
  try {
    const engine = engineOf(handle.db)
    const clients = engine === 'postgres' ? [1, 4, Number(process.env.DATABASE_POOL_MAX ?? 10)] : [1, 4]
    console.log(`counted writes on ${engine}: renames of places (each moves three counts) against an uncounted copy, 5 s each`)
    for (const r of await measureCountedWrites(handle.db, { clients, seconds: 5 })) {
      console.log(`${r.clients} client${r.clients === 1 ? '' : 's'}: uncounted ${r.uncounted} a second, counted ${r.counted} a second (${(r.counted / r.uncounted).toFixed(2)}×)`)
    }
  } finally {
    await handle.close()
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main()
