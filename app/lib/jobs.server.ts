/**
 * Background jobs: work too long for one request (a round's offer letters, a large payment run), done by the server
 * process with a progress count a page can show ("12 of 40 letters made").
 *
 * A route enqueues a job in its own transaction (so the job exists only if the change that asked for it committed)
 * and redirects to /jobs/<id>. Each server process polls every 500 ms and runs queued jobs one at a time, through the
 * handler registered for the job's kind. A job is claimed with a conditional UPDATE (queued -> running, stamping
 * started_at), so two processes never both run it. Progress writes are a heartbeat: a job left 'running' without one
 * for two minutes (its process restarted or died) is put back in the queue and run again from the start, so handlers
 * must be idempotent per item (skip what is already done). A runner whose claim was taken over that way stops at its
 * next progress call.
 *
 * Handlers live in the domain and are registered by the entry point (this module imports nothing from above it):
 *   registerJobHandler('offers.issue', offerJobHandler(dataDir))
 * A handler gets the database (not a transaction: it opens one per item), the job, and `progress(done)`; what it
 * returns is stored as the job's result. A handler that throws marks the job 'failed' with the message.
 */
import type { Kysely, Selectable } from 'kysely'
import type { DB, JobsTable } from '../../db/schema.ts'
import type { Db } from './db.server.ts'
import { ConflictError } from './errors.ts'

export type JobStatus = 'queued' | 'running' | 'done' | 'failed'

/**
 * What a job's payload and result may carry for its progress page (the rest is the handler's own):
 * `title` ("Offer letters for Round 1"), `unit` ("letters made"), `returnTo` (a path to go on to) and `returnLabel`.
 */
export interface JobDisplay {
  title?: string
  unit?: string
  returnTo?: string
  returnLabel?: string
}

export interface Job {
  id: number
  kind: string
  status: JobStatus
  total: number
  done: number
  payload: Record<string, unknown>
  result: Record<string, unknown> | null
  error: string | null
  createdBy: number | null
  idempotencyKey: string | null
  startedAt: string | null
  finishedAt: string | null
  createdAt: string
}

export interface JobProgress {
  /** Records how many items are done (and that the runner is alive). Throws JobLostError if another runner took it. */
  progress(done: number): Promise<void>
}

export type JobHandler = (db: Kysely<DB>, job: Job, context: JobProgress) => Promise<Record<string, unknown> | void>

export class JobKeyReusedError extends ConflictError {
  constructor() {
    super('That key was already used for a different kind of job.', 'job_key_reused')
  }
}

/** The job was re-queued (its heartbeat stopped) and claimed again: this runner must stop. */
export class JobLostError extends Error {
  constructor(id: number) {
    super(`Job ${id} was claimed by another runner.`)
  }
}

export const JOB_POLL_MS = 500
/** A running job with no progress for this long is taken to have lost its runner. */
export const JOB_STALE_MS = 2 * 60_000

declare global {
  var __commonpotJobHandlers: Map<string, JobHandler> | undefined
  var __commonpotJobWorker: { timer: NodeJS.Timeout; running: boolean } | undefined
}

function handlers(): Map<string, JobHandler> {
  globalThis.__commonpotJobHandlers ??= new Map()
  return globalThis.__commonpotJobHandlers
}

/** Registers (or replaces) the handler for a kind of job. */
export function registerJobHandler(kind: string, handler: JobHandler): void {
  handlers().set(kind, handler)
}

const JOB_COLUMNS = ['id', 'kind', 'status', 'total', 'done', 'payload', 'result', 'error', 'created_by', 'idempotency_key', 'started_at', 'finished_at', 'created_at', 'updated_at'] as const

function parseObject(text: string | null): Record<string, unknown> | null {
  if (text === null) return null
  const value: unknown = JSON.parse(text)
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

type JobRow = Pick<Selectable<JobsTable>, (typeof JOB_COLUMNS)[number]>

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    total: row.total,
    done: row.done,
    payload: parseObject(row.payload) ?? {},
    result: parseObject(row.result),
    error: row.error,
    createdBy: row.created_by,
    idempotencyKey: row.idempotency_key,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    createdAt: row.created_at,
  }
}

/** One job, or null. */
export async function getJob(db: Db, id: number): Promise<Job | null> {
  const row = await db.selectFrom('jobs').select(JOB_COLUMNS).where('id', '=', id).executeTakeFirst()
  return row ? toJob(row) : null
}

export interface EnqueueJobInput {
  kind: string
  payload: Record<string, unknown>
  /** How many items the job will work through (the progress bar's maximum). */
  total: number
  createdBy: number | null
  /** The same key returns the job it already made (for the same kind), however often the form is posted. */
  idempotencyKey: string
}

/** Queues a job in the caller's transaction. A repeated key returns the job already queued, with replayed true. */
export async function enqueueJob(trx: Db, input: EnqueueJobInput): Promise<{ job: Job; replayed: boolean }> {
  const now = new Date().toISOString()
  const inserted = await trx
    .insertInto('jobs')
    .values({
      kind: input.kind,
      status: 'queued',
      total: input.total,
      done: 0,
      payload: JSON.stringify(input.payload),
      created_by: input.createdBy,
      idempotency_key: input.idempotencyKey,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst()
  const id =
    inserted?.id ?? (await trx.selectFrom('jobs').select('id').where('idempotency_key', '=', input.idempotencyKey).executeTakeFirstOrThrow()).id
  const job = (await getJob(trx, id))!
  if (job.kind !== input.kind) throw new JobKeyReusedError()
  return { job, replayed: !inserted }
}

/** Puts jobs whose runner stopped sending progress (a restart, a crash) back in the queue. Returns how many. */
export async function requeueStaleJobs(db: Db, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - JOB_STALE_MS).toISOString()
  const result = await db
    .updateTable('jobs')
    .set({ status: 'queued', updated_at: now.toISOString() })
    .where('status', '=', 'running')
    .where('updated_at', '<', cutoff)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/** Claims the oldest queued job of a kind this process can run: queued -> running, or null when another took it. */
async function claimNextJob(db: Kysely<DB>): Promise<Job | null> {
  const kinds = [...handlers().keys()]
  if (kinds.length === 0) return null
  const next = await db.selectFrom('jobs').select('id').where('status', '=', 'queued').where('kind', 'in', kinds).orderBy('id').limit(1).executeTakeFirst()
  if (!next) return null
  const now = new Date().toISOString()
  const claimed = await db
    .updateTable('jobs')
    .set({ status: 'running', started_at: now, updated_at: now, error: null })
    .where('id', '=', next.id)
    .where('status', '=', 'queued')
    .executeTakeFirst()
  if (claimed.numUpdatedRows !== 1n) return null
  return getJob(db, next.id)
}

/**
 * Runs the oldest queued job this process has a handler for, to the end. Returns the job as it finished ('done' or
 * 'failed'), or null when there was nothing to run (or another runner claimed it first).
 */
export async function runNextJob(db: Kysely<DB>): Promise<Job | null> {
  await requeueStaleJobs(db)
  const job = await claimNextJob(db)
  if (!job) return null
  const handler = handlers().get(job.kind)!
  // The claim's started_at is this runner's token: once the job is re-queued and claimed again, our writes match nothing.
  const mine = (q: ReturnType<typeof db.updateTable<'jobs'>>) => q.where('id', '=', job.id).where('status', '=', 'running').where('started_at', '=', job.startedAt)
  const progress = async (done: number) => {
    const updated = await mine(db.updateTable('jobs')).set({ done: Math.max(0, Math.min(done, job.total)), updated_at: new Date().toISOString() }).executeTakeFirst()
    if (updated.numUpdatedRows !== 1n) throw new JobLostError(job.id)
  }
  try {
    const result = await handler(db, job, { progress })
    const now = new Date().toISOString()
    await mine(db.updateTable('jobs')).set({ status: 'done', done: job.total, result: JSON.stringify(result ?? {}), finished_at: now, updated_at: now }).execute()
  } catch (error) {
    if (error instanceof JobLostError) return getJob(db, job.id)
    const message = error instanceof Error ? error.message : String(error)
    const now = new Date().toISOString()
    await mine(db.updateTable('jobs')).set({ status: 'failed', error: message.slice(0, 2000), finished_at: now, updated_at: now }).execute()
  }
  return getJob(db, job.id)
}

/** Runs queued jobs until none is left (tests, the seed, scripts). Returns how many ran. */
export async function drainJobs(db: Kysely<DB>, options: { max?: number } = {}): Promise<number> {
  let count = 0
  while (count < (options.max ?? 1000) && (await runNextJob(db))) count += 1
  return count
}

/**
 * Starts this process's job worker (once per process, however often it is called): every 500 ms it runs queued jobs
 * until none is left, one at a time. The timer never keeps the process alive on its own.
 */
export function startJobWorker(db: Kysely<DB>): void {
  if (globalThis.__commonpotJobWorker) return
  const worker = { running: false, timer: setInterval(() => void tick(), JOB_POLL_MS) }
  async function tick() {
    if (worker.running) return
    worker.running = true
    try {
      await drainJobs(db)
    } catch (error) {
      // A database hiccup must not stop the worker; the next poll tries again.
      console.error('Background job worker failed:', error)
    } finally {
      worker.running = false
    }
  }
  worker.timer.unref()
  globalThis.__commonpotJobWorker = worker
}

/** Stops this process's worker (tests and shutdown). */
export function stopJobWorker(): void {
  const worker = globalThis.__commonpotJobWorker
  if (!worker) return
  clearInterval(worker.timer)
  globalThis.__commonpotJobWorker = undefined
}
