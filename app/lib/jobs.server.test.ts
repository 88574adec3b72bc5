import { afterEach, describe, expect, test } from 'vitest'
import { db } from './db.server.ts'
import { drainJobs, enqueueJob, getJob, JOB_STALE_MS, JobKeyReusedError, registerJobHandler, runNextJob, startJobWorker, stopJobWorker, type Job } from './jobs.server.ts'

const key = () => crypto.randomUUID()
const enqueue = (kind: string, total: number, payload: Record<string, unknown> = {}, idempotencyKey = key()) =>
  db.transaction().execute((trx) => enqueueJob(trx, { kind, payload, total, createdBy: null, idempotencyKey }))

/** Items a test handler has done, by job id: what a real handler would have written. */
const doneItems = new Map<number, Set<number>>()

afterEach(() => stopJobWorker())

describe('background jobs', () => {
  test('a job runs to the end through its handler, counting progress, and keeps the result', async () => {
    const seen: number[] = []
    registerJobHandler('test.count', async (_db, job, { progress }) => {
      for (let i = 1; i <= job.total; i++) {
        await progress(i)
        seen.push((await getJob(db, job.id))!.done)
      }
      return { counted: job.total, echo: job.payload.word }
    })
    const { job, replayed } = await enqueue('test.count', 3, { word: 'hello' })
    expect(replayed).toBe(false)
    expect(job).toMatchObject({ kind: 'test.count', status: 'queued', total: 3, done: 0, payload: { word: 'hello' }, result: null })
    const finished = await runNextJob(db)
    expect(finished).toMatchObject({ id: job.id, status: 'done', done: 3, result: { counted: 3, echo: 'hello' }, error: null })
    expect(finished!.startedAt).not.toBeNull()
    expect(finished!.finishedAt).not.toBeNull()
    expect(seen).toEqual([1, 2, 3])
    expect(await runNextJob(db)).toBeNull()
  })

  test('the same key returns the job already queued; the key used for another kind is refused', async () => {
    registerJobHandler('test.noop', async () => ({}))
    const k = key()
    const first = await enqueue('test.noop', 1, {}, k)
    const again = await enqueue('test.noop', 5, { other: true }, k)
    expect(again).toMatchObject({ replayed: true, job: { id: first.job.id, total: 1, payload: {} } })
    await expect(enqueue('test.other', 1, {}, k)).rejects.toBeInstanceOf(JobKeyReusedError)
    expect(await db.selectFrom('jobs').select('id').where('idempotency_key', '=', k).execute()).toHaveLength(1)
    await drainJobs(db)
  })

  test('a handler that throws leaves the job failed with its message; the next job still runs', async () => {
    registerJobHandler('test.fails', async (_db, _job, { progress }) => {
      await progress(1)
      throw new Error('The printer is on fire')
    })
    registerJobHandler('test.noop', async () => ({ ok: true }))
    const bad = await enqueue('test.fails', 2)
    const good = await enqueue('test.noop', 1)
    expect(await drainJobs(db)).toBe(2)
    expect(await getJob(db, bad.job.id)).toMatchObject({ status: 'failed', error: 'The printer is on fire', done: 1 })
    expect(await getJob(db, good.job.id)).toMatchObject({ status: 'done', result: { ok: true } })
  })

  test('a job left running by a process that stopped is queued again and finished, doing each item once', async () => {
    const handler = async (_db: unknown, job: Job, { progress }: { progress(n: number): Promise<void> }) => {
      const done = doneItems.get(job.id) ?? new Set<number>()
      doneItems.set(job.id, done)
      for (let i = 1; i <= job.total; i++) {
        if (!done.has(i)) done.add(i) // idempotent per item
        await progress(i)
      }
      return { items: done.size }
    }
    registerJobHandler('test.resume', handler)
    const { job } = await enqueue('test.resume', 4)
    // A process claimed it, did two items and died: running, with no progress for longer than the stale limit.
    doneItems.set(job.id, new Set([1, 2]))
    const old = new Date(Date.now() - JOB_STALE_MS - 1000).toISOString()
    await db.updateTable('jobs').set({ status: 'running', done: 2, started_at: old, updated_at: old }).where('id', '=', job.id).execute()
    const finished = await runNextJob(db)
    expect(finished).toMatchObject({ id: job.id, status: 'done', done: 4, result: { items: 4 } })

    // A job running with a recent heartbeat belongs to a live process and is left alone.
    const busy = await enqueue('test.resume', 1)
    const now = new Date().toISOString()
    await db.updateTable('jobs').set({ status: 'running', started_at: now, updated_at: now }).where('id', '=', busy.job.id).execute()
    expect(await runNextJob(db)).toBeNull()
    expect((await getJob(db, busy.job.id))!.status).toBe('running')
  })

  test('a runner whose job was taken over stops at its next progress report and does not overwrite the result', async () => {
    let release!: () => void
    const paused = new Promise<void>((resolve) => (release = resolve))
    let calls = 0
    registerJobHandler('test.takeover', async (_db, job, { progress }) => {
      calls += 1
      if (calls === 1) {
        await paused
        await progress(1) // the claim is no longer ours: this throws and the runner stops
        return { runner: 'first' }
      }
      await progress(job.total)
      return { runner: 'second' }
    })
    const { job } = await enqueue('test.takeover', 1)
    const first = runNextJob(db)
    // Wait for the first runner to be inside its handler, not just for the claim: the claim is written before the
    // runner reads the job back and calls the handler, and a second runner getting there first would take the pause.
    await expect.poll(() => calls, { timeout: 10_000 }).toBe(1)
    expect((await getJob(db, job.id))!.status).toBe('running')
    // Its heartbeat stops for long enough that the job is re-queued and a second runner takes it.
    const old = new Date(Date.now() - JOB_STALE_MS - 1000).toISOString()
    await db.updateTable('jobs').set({ updated_at: old }).where('id', '=', job.id).execute()
    expect(await runNextJob(db)).toMatchObject({ status: 'done', result: { runner: 'second' } })
    release()
    await first
    expect(await getJob(db, job.id)).toMatchObject({ status: 'done', result: { runner: 'second' } })
  })

  test('jobs of a kind with no handler in this process wait in the queue', async () => {
    const { job } = await enqueue('test.nobody-handles-this', 1)
    expect(await drainJobs(db)).toBe(0)
    expect((await getJob(db, job.id))!.status).toBe('queued')
    expect(await getJob(db, 999_999)).toBeNull()
  })

  test('the worker runs queued jobs in the background', async () => {
    registerJobHandler('test.background', async () => ({ ran: true }))
    const { job } = await enqueue('test.background', 1)
    startJobWorker(db)
    startJobWorker(db) // once per process
    await expect.poll(async () => (await getJob(db, job.id))!.status, { timeout: 5000 }).toBe('done')
  })
})
