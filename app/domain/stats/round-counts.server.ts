/**
 * Each round's public counts for /stats (round_stats: applications received, decided, successful; what they count is
 * in round-stats.server.ts), kept so the page reads one row per round instead of counting every application of the
 * ten rounds it shows on each view. Every writer of what they count (an application submitted, reopened, withdrawn,
 * allocated, invited on, declined at expression of interest, decisions released, an award made) calls
 * refreshRoundStats(trx, roundId) in its transaction: it recounts that one round from its rows (a few indexed counts
 * over one round, the round's row locked first), so the row cannot drift whatever the change was. rebuildRoundStats
 * recounts every round (the national generator after its bulk load, and the tests).
 */
import { sql, type Kysely } from 'kysely'
import type { Db } from '~/lib/db.server.ts'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'

export interface RoundCounts {
  roundId: number
  received: number
  decided: number
  successful: number
}

/** Told the applicant: decisions released (not an expression of interest invited on), or allocated or refused FCFS. */
const DECIDED = sql<boolean>`((applications.decided_at is not null and applications.status <> 'invited') or applications.status in ('allocated', 'refused'))`

/** The counts recomputed from the applications and awards (of one round, or of every round with applications). */
export async function countRoundsFromRows(db: Db, roundId?: number): Promise<RoundCounts[]> {
  let query = db
    .selectFrom('applications')
    .select([
      'applications.round_id as roundId',
      sql<number>`sum(case when applications.submitted_at is not null and applications.eoi_application_id is null then 1 else 0 end)`.as('received'),
      sql<number>`sum(case when ${DECIDED} then 1 else 0 end)`.as('decided'),
      sql<number>`sum(case when ${DECIDED} and (applications.status = 'allocated' or exists (select 1 from awards where awards.application_id = applications.id)) then 1 else 0 end)`.as('successful'),
    ])
    .groupBy('applications.round_id')
    .orderBy('applications.round_id')
  if (roundId !== undefined) query = query.where('applications.round_id', '=', roundId)
  const rows = await query.execute()
  return rows.map((r) => ({ roundId: r.roundId, received: Number(r.received ?? 0), decided: Number(r.decided ?? 0), successful: Number(r.successful ?? 0) }))
}

/** The maintained counts, in the same order and shape as countRoundsFromRows (for the tests and checks). */
export async function storedRoundStats(db: Db): Promise<RoundCounts[]> {
  const rows = await db.selectFrom('round_stats').select(['round_id as roundId', 'received', 'decided', 'successful']).orderBy('round_id').execute()
  return rows.map((r) => ({ roundId: r.roundId, received: Number(r.received), decided: Number(r.decided), successful: Number(r.successful) }))
}

async function store(db: Db, c: RoundCounts): Promise<void> {
  await db
    .insertInto('round_stats')
    .values({ round_id: c.roundId, received: c.received, decided: c.decided, successful: c.successful })
    .onConflict((oc) => oc.column('round_id').doUpdateSet({ received: c.received, decided: c.decided, successful: c.successful }))
    .execute()
}

/**
 * Recounts one round's row from its applications and awards, in the caller's transaction (after its change). On
 * PostgreSQL the row is locked first, so two writers in the same round take turns and the second counts after the
 * first has committed (its count sees both changes); SQLite's write transactions are already one at a time.
 */
export async function refreshRoundStats(trx: Db, roundId: number): Promise<void> {
  if (engineOf(trx) === 'postgres') {
    await trx.insertInto('round_stats').values({ round_id: roundId, received: 0, decided: 0, successful: 0 }).onConflict((oc) => oc.column('round_id').doNothing()).execute()
    await trx.selectFrom('round_stats').select('round_id').where('round_id', '=', roundId).forUpdate().execute()
  }
  const [counts] = await countRoundsFromRows(trx, roundId)
  if (counts) await store(trx, counts)
  else await trx.deleteFrom('round_stats').where('round_id', '=', roundId).execute()
}

/** Recounts every round (after a bulk load; in tests). */
export async function rebuildRoundStats(db: Kysely<DB>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('round_stats').execute()
    for (const c of await countRoundsFromRows(trx)) await store(trx, c)
  })
}
