/**
 * The counts of changes (data_versions) that kept figures rely on, as the database keeps them: several counts moved by
 * transactions committing at the same time, in opposite orders, are all moved and neither transaction fails (on
 * PostgreSQL each count's row is locked at commit; migration 2026_11_23_050000 has every transaction lock them in the
 * same order).
 */
import { sql, type Kysely } from 'kysely'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createDatabase, engineOf, type DatabaseHandle } from '../../db/connect.ts'
import type { DB } from '../../db/schema.ts'
import { freshDatabaseOptions } from '../../tests/setup/test-database.ts'
import { dataVersion } from './kept-until-changed.server.ts'

let h: DatabaseHandle
const rounds: number[] = []

beforeAll(async () => {
  h = createDatabase(await freshDatabaseOptions())
  const fund = await h.db.insertInto('funds').values({ name: 'Counts Fund', slug: 'counts-fund', shape: 'other' }).returning('id').executeTakeFirstOrThrow()
  for (const slug of ['counts-one', 'counts-two']) {
    const round = await h.db.insertInto('rounds').values({ fund_id: fund.id, title: slug, slug, status: 'closed' }).returning('id').executeTakeFirstOrThrow()
    await h.db.insertInto('round_stats').values({ round_id: round.id, received: 0, decided: 0, successful: 0 }).execute()
    rounds.push(round.id)
  }
}, 60_000)
afterAll(async () => {
  await h.close()
})

/**
 * Resolves once `parties` callers have arrived, or after `ms` (a caller may be waiting on a lock the other holds until
 * it has passed). On SQLite, whose one connection runs one transaction at a time, at once.
 */
function barrier(db: Kysely<DB>, parties: number, ms: number): () => Promise<void> {
  if (engineOf(db) !== 'postgres') return async () => {}
  let arrived = 0
  let release!: () => void
  const all = new Promise<void>((resolve) => (release = resolve))
  setTimeout(() => release(), ms).unref()
  return () => {
    if (++arrived === parties) release()
    return all
  }
}

/**
 * On PostgreSQL, runs the transaction's deferred triggers now (as its commit would), so the count's row is locked
 * from here to the end: two transactions can then be made to hold their first counts' rows at the same time, as two
 * commits racing do for an instant.
 */
async function countNow(trx: Kysely<DB>): Promise<void> {
  if (engineOf(trx) === 'postgres') await sql`set constraints all immediate`.execute(trx)
}

const placeFigures = (scopeId: number) =>
  sql`insert into place_figures (scope, scope_id, place_key, awards, committed_pence, paid_pence, match_cash_pence, match_in_kind_pence) values ('pot', ${scopeId}, 0, 0, 0, 0, 0, 0)`

test('counts moved in opposite orders by transactions committing at once are all moved, and both commit', async () => {
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = { statistics: await dataVersion(h.db, 'statistics'), funding: await dataVersion(h.db, 'funding') }
    const bothCounted = barrier(h.db, 2, 1_000)
    // The statistics count's table first, then the funding count's; and the other way round. Each holds its first
    // count's row when it reaches the second.
    const statisticsFirst = h.db.transaction().execute(async (trx) => {
      await trx.updateTable('round_stats').set({ received: attempt + 1 }).where('round_id', '=', rounds[0]!).execute()
      await countNow(trx)
      await bothCounted()
      await placeFigures(1000 + attempt).execute(trx)
    })
    const fundingFirst = h.db.transaction().execute(async (trx) => {
      await placeFigures(2000 + attempt).execute(trx)
      await countNow(trx)
      await bothCounted()
      await trx.updateTable('round_stats').set({ received: attempt + 1 }).where('round_id', '=', rounds[1]!).execute()
    })
    const outcomes = await Promise.allSettled([statisticsFirst, fundingFirst])
    expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'committed'))).toEqual(['committed', 'committed'])
    // Each transaction moved each count (once per transaction on PostgreSQL, once per row on SQLite).
    expect((await dataVersion(h.db, 'statistics')) - before.statistics).toBe(2)
    expect((await dataVersion(h.db, 'funding')) - before.funding).toBe(2)
  }
}, 30_000)
