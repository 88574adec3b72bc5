/**
 * Test support for commitments.server.test.ts: commits awards to a pot through its OWN database handle in its own
 * thread (run with tsx), so the race test proves that two connections, not just one connection's queue, can never
 * over-commit a pot. better-sqlite3 waits for a lock synchronously, so a second SQLite handle must live in another
 * thread to wait without blocking the first.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { createDatabase } from '../../../db/connect.ts'
import { commitAward, SplitRefusedError } from './commitments.server.ts'
import type { AwardFacts } from './ring-fence.ts'

interface RaceJob {
  options: { url?: string; path?: string }
  potId: number
  actorId: number
  amountPence: number
  awardIds: number[]
  facts: Omit<AwardFacts, 'amountPence'>
}

const job = workerData as RaceJob
const handle = createDatabase(job.options)
const outcomes = await Promise.allSettled(
  job.awardIds.map((awardId) =>
    handle.db.transaction().execute((trx) =>
      commitAward(trx, job.actorId, { awardId, potId: job.potId, amountPence: job.amountPence, award: job.facts, idempotencyKey: `race-${awardId}` }),
    ),
  ),
)
await handle.close()
parentPort!.postMessage({
  won: outcomes.filter((o) => o.status === 'fulfilled').length,
  refused: outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof SplitRefusedError).length,
  unexpected: outcomes.flatMap((o) => (o.status === 'rejected' && !(o.reason instanceof SplitRefusedError) ? [String(o.reason)] : [])),
})
