/**
 * How many payments each payment run holds (payment_runs.tranche_count), for the list of runs on /finance: counting
 * a few thousand tranches for each of twenty runs on every view was most of that list's cost at national size.
 */
import { sql, type Transaction } from 'kysely'
import type { Db } from '~/lib/db.server.ts'
import type { DB } from '../../../db/schema.ts'

/**
 * payment_runs.tranche_count: how many tranches point at the run (tranches.payment_run_id), kept by the only writers
 * of that column, in their transaction: prepareRun (in), cancelRun (all out) and markTrancheFailed (one out).
 */
export async function changeRunTrancheCount(trx: Transaction<DB>, runId: number, delta: number): Promise<void> {
  if (delta === 0) return
  await trx.updateTable('payment_runs').set({ tranche_count: sql<number>`tranche_count + ${delta}` }).where('id', '=', runId).execute()
}

/** Each run's count of payments as the tranches say (for the checks and tests). */
export async function runTrancheCountsFromRows(db: Db): Promise<Array<{ id: number; stored: number; counted: number }>> {
  const rows = await db
    .selectFrom('payment_runs')
    .select((eb) => ['payment_runs.id', 'payment_runs.tranche_count', eb.selectFrom('tranches').select(eb.fn.countAll<number>().as('n')).whereRef('tranches.payment_run_id', '=', 'payment_runs.id').as('counted')])
    .orderBy('payment_runs.id')
    .execute()
  return rows.map((r) => ({ id: r.id, stored: Number(r.tranche_count), counted: Number(r.counted ?? 0) }))
}

/** Recomputes every run's tranche_count from the tranches (after a bulk load; in tests). */
export async function rebuildRunTrancheCounts(db: Db): Promise<void> {
  await db
    .updateTable('payment_runs')
    .set((eb) => ({ tranche_count: eb.selectFrom('tranches').select(eb.fn.countAll<number>().as('n')).whereRef('tranches.payment_run_id', '=', 'payment_runs.id') }))
    .execute()
}
