/**
 * A separate process for the first-come-first-served concurrency test: it opens its OWN database handle (its own
 * SQLite connection to the same file, or its own PostgreSQL pool), waits for the test's "go", then submits its share of
 * the applications all at once, each in its own transaction, and reports the outcomes and how long it took.
 * Run by allocation.concurrency.server.test.ts with `node --import tsx`; not part of the app.
 */
import { createDatabase } from '../../../db/connect.ts'
import { submitInOwnTransaction, type Submission } from './fcfs-fixtures.server.ts'

interface Job {
  database: { url?: string; path?: string }
  submissions: Submission[]
}

function send(message: unknown): void {
  process.send!(message)
}

process.once('message', (job: Job) => {
  const handle = createDatabase(job.database)
  send({ type: 'ready' })
  process.once('message', async () => {
    const started = performance.now()
    try {
      const outcomes = await Promise.all(job.submissions.map((submission) => submitInOwnTransaction(handle.db, submission)))
      send({ type: 'done', outcomes, ms: performance.now() - started })
    } catch (error) {
      send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) })
    } finally {
      await handle.close()
      process.disconnect()
    }
  })
})
