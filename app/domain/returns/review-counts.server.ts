/**
 * How many returns of accepted or completed awards there are by round, status and due date (return_review_counts),
 * for the counts on the fund manager's returns list. Kept in the same transaction by every writer of what it counts:
 * a return's status or due date, a return added or removed, an award accepted (its returns start to count). Each wraps
 * its change in withReturnReviewCounts(trx, awardId, change), which takes the award's returns out of the counts before
 * the change and puts them back after, so whatever the change did, the counts follow. rebuildReturnReviewCounts
 * recomputes them from the returns (the national generator after its bulk load, and the tests).
 *
 * Overdue or due is worked out from the due date against today when the counts are read, so they never go stale.
 */
import { sql, type Kysely, type Transaction } from 'kysely'
import type { Db } from '~/lib/db.server.ts'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'

/** Awards whose returns a fund manager follows (and the counts count). */
export const REPORTING_AWARD_STATUSES = ['accepted', 'completed'] as const

export interface ReturnReviewCount {
  roundId: number
  status: string
  dueDate: string
  returns: number
}

/** The counts recomputed from the returns themselves (of one award, or of all). */
export async function countReturnsFromRows(db: Db, awardId?: number): Promise<ReturnReviewCount[]> {
  let query = db
    .selectFrom('returns')
    .innerJoin('awards', 'awards.id', 'returns.award_id')
    .select(['awards.round_id as roundId', 'returns.status', 'returns.due_date as dueDate', (eb) => eb.fn.countAll<number>().as('returns')])
    .where('awards.status', 'in', [...REPORTING_AWARD_STATUSES])
    .groupBy(['awards.round_id', 'returns.status', 'returns.due_date'])
    .orderBy('awards.round_id')
    .orderBy('returns.status')
    .orderBy('returns.due_date')
  if (awardId !== undefined) query = query.where('returns.award_id', '=', awardId)
  return (await query.execute()).map((r) => ({ ...r, returns: Number(r.returns) }))
}

/** The maintained counts, in the same order as countReturnsFromRows (for the tests and the checks). */
export async function storedReturnReviewCounts(db: Db): Promise<ReturnReviewCount[]> {
  const rows = await db
    .selectFrom('return_review_counts')
    .select(['round_id as roundId', 'status', 'due_date as dueDate', 'return_count as returns'])
    .where('return_count', '<>', 0)
    .orderBy('round_id')
    .orderBy('status')
    .orderBy('due_date')
    .execute()
  return rows.map((r) => ({ ...r, returns: Number(r.returns) }))
}

/** Adds each count's `returns` (negative to take away) to the maintained count of its round, status and due date. */
async function addCounts(trx: Transaction<DB>, counts: ReturnReviewCount[]) {
  for (const c of counts) {
    await trx
      .insertInto('return_review_counts')
      .values({ round_id: c.roundId, status: c.status, due_date: c.dueDate, return_count: c.returns })
      .onConflict((oc) => oc.columns(['round_id', 'status', 'due_date']).doUpdateSet({ return_count: sql<number>`return_review_counts.return_count + excluded.return_count` }))
      .execute()
  }
}

/**
 * Runs `change` (which may add, remove or change the award's returns, or accept the award) and moves the counts by
 * what it changed: the award's returns counted before it and after it, in the caller's transaction. Only counts that
 * differ are written, so a change the counts do not see (a group saving its answers) writes none of them, and leaves
 * the returns list's count of changes (migration 2026_11_23_030000) where it was.
 */
export async function withReturnReviewCounts<T>(trx: Transaction<DB>, awardId: number, change: () => Promise<T>): Promise<T> {
  // Writers of the same award's returns take turns (on PostgreSQL; SQLite writes one at a time), so each one's
  // "before" already holds the other's committed change and nothing is counted twice.
  if (engineOf(trx) === 'postgres') await trx.selectFrom('awards').select('id').where('id', '=', awardId).forUpdate().execute()
  const before = await countReturnsFromRows(trx, awardId)
  const result = await change()
  const moved = countsMoved(before, await countReturnsFromRows(trx, awardId))
  if (moved.length > 0) {
    await addCounts(trx, moved)
    await trx.deleteFrom('return_review_counts').where('return_count', '=', 0).execute()
  }
  return result
}

/** By round, status and due date, how far each count moved from `before` to `after` (only those that moved). */
function countsMoved(before: ReturnReviewCount[], after: ReturnReviewCount[]): ReturnReviewCount[] {
  const moved = new Map<string, ReturnReviewCount>()
  const add = (c: ReturnReviewCount, sign: 1 | -1) => {
    const key = JSON.stringify([c.roundId, c.status, c.dueDate])
    const m = moved.get(key) ?? { roundId: c.roundId, status: c.status, dueDate: c.dueDate, returns: 0 }
    m.returns += sign * c.returns
    moved.set(key, m)
  }
  for (const c of before) add(c, -1)
  for (const c of after) add(c, 1)
  return [...moved.values()].filter((m) => m.returns !== 0)
}

/** Recomputes every count from the returns (after a bulk load; in tests). */
export async function rebuildReturnReviewCounts(db: Kysely<DB>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('return_review_counts').execute()
    await addCounts(trx, await countReturnsFromRows(trx))
  })
}
