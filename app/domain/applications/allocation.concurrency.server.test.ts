/**
 * The Power of Music pilot under load: 200 groups submit at the same moment to a round of 100 grants with quotas (at
 * most 40% to one region, at least 20% kept for priority-community groups). Exactly 100 are funded, every quota holds,
 * the rest are wait-listed, and the outcomes are exactly what one-at-a-time allocation in arrival order would give.
 *
 * Twice: through the app's own handle (one SQLite connection, or a PostgreSQL pool of 10), and through several separate
 * handles in separate processes (so on SQLite it is the database's write lock, not the in-process mutex, that keeps
 * them apart).
 */
import { fork } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createDatabase, databaseOptionsFromEnv, engineOf } from '../../../db/connect.ts'
import { db } from '~/lib/db.server.ts'
import { allocateInOrder, fcfsLimits, fcfsState } from './allocation.server.ts'
import { createApplicant, createFcfsRound, placesByRegion, POWER_OF_MUSIC_QUOTAS, submitInOwnTransaction, type Submission } from './fcfs-fixtures.server.ts'

const SUBMISSIONS = 200
const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fcfs-concurrency-child.ts')

/**
 * 200 complete drafts ready to submit: half from London (a fifth of them priority-community groups), half spread over the other
 * regions (a quarter priority). London alone could take every grant, so the region cap can bite; other groups alone
 * could take every grant, so the priority reserve can bite. Whatever the arrival order, exactly 100 are fundable: the
 * 25 priority groups outside London are never stopped by a quota, and the reserve only stops others once 80 are funded.
 */
async function roundWithDrafts(): Promise<{ roundId: number; submissions: Submission[] }> {
  const { roundId } = await createFcfsRound(db, POWER_OF_MUSIC_QUOTAS)
  const regions = await placesByRegion(db)
  const london = regions.get('London')!
  const elsewhere = [...regions.entries()].filter(([region]) => region !== 'London').map(([, ids]) => ids)
  const submissions: Submission[] = []
  for (let i = 0; i < SUBMISSIONS; i++) {
    const inLondon = i % 2 === 0
    const n = Math.floor(i / 2)
    const group = elsewhere[n % elsewhere.length]!
    const placeId = inLondon ? london[n % london.length]! : group[Math.floor(n / elsewhere.length) % group.length]!
    const priority = inLondon ? n % 5 === 0 : n % 4 === 0
    const { applicationId, admin } = await createApplicant(db, { roundId, placeId, priority })
    submissions.push({ applicationId, submitter: admin })
  }
  return { roundId, submissions }
}

async function expectFairAllocation(roundId: number): Promise<void> {
  const rows = await db
    .selectFrom('applications')
    .select(['status', 'fcfs_position', 'fcfs_region', 'fcfs_priority'])
    .where('round_id', '=', roundId)
    .orderBy('fcfs_position')
    .execute()
  const allocated = rows.filter((r) => r.status === 'allocated')
  expect(allocated).toHaveLength(100)
  expect(rows.filter((r) => r.status === 'waitlisted')).toHaveLength(100)
  expect(rows.map((r) => r.fcfs_position)).toEqual(Array.from({ length: SUBMISSIONS }, (_, i) => i + 1))
  const byRegion = new Map<string, number>()
  for (const r of allocated) byRegion.set(r.fcfs_region!, (byRegion.get(r.fcfs_region!) ?? 0) + 1)
  for (const n of byRegion.values()) expect(n).toBeLessThanOrEqual(40)
  expect(allocated.filter((r) => r.fcfs_priority === 0).length).toBeLessThanOrEqual(80)
  // Serialised: the stored outcomes are exactly a one-at-a-time replay in arrival order.
  const replay = allocateInOrder(
    fcfsLimits(POWER_OF_MUSIC_QUOTAS),
    rows.map((r) => ({ region: r.fcfs_region!, priority: r.fcfs_priority === 1 })),
  )
  expect(rows.map((r) => r.status)).toEqual(replay.map((d) => d.outcome))
  expect(await fcfsState(db, roundId)).toMatchObject({ allocated: 100, remaining: 0, waitlisted: 100, exhausted: true })
}

interface ChildReport {
  outcomes: { applicationId: number; outcome: string }[]
  ms: number
}

/** Starts a process with its own database handle; resolves `ready` once it is connected, then `run()` fires its share. */
function startChild(submissions: Submission[]) {
  const child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const messages: ((m: { type: string }) => void)[] = []
  child.on('message', (m: { type: string }) => messages.shift()?.(m))
  const next = () =>
    new Promise<{ type: string; outcomes?: ChildReport['outcomes']; ms?: number; message?: string }>((resolve, reject) => {
      messages.push(resolve)
      child.once('exit', (code) => reject(new Error(`the child process exited with ${code}`)))
    })
  const ready = next()
  child.send({ database: databaseOptionsFromEnv(), submissions })
  return {
    ready,
    async run(): Promise<ChildReport> {
      const done = next()
      child.send({ type: 'go' })
      const report = await done
      if (report.type !== 'done') throw new Error(report.message)
      return { outcomes: report.outcomes!, ms: report.ms! }
    },
  }
}

describe('200 simultaneous submissions to a 100-grant first-come-first-served round with quotas', () => {
  let single: Awaited<ReturnType<typeof roundWithDrafts>>
  let several: Awaited<ReturnType<typeof roundWithDrafts>>
  beforeAll(async () => {
    single = await roundWithDrafts()
    several = await roundWithDrafts()
  }, 180_000)

  test('through the app\'s database handle, fund exactly 100, respect every quota and wait-list the rest', async () => {
    const started = performance.now()
    const outcomes = await Promise.all(single.submissions.map((s) => submitInOwnTransaction(db, s)))
    console.info(`fcfs concurrency (${engineOf(db)}, one handle): ${SUBMISSIONS} submissions in ${Math.round(performance.now() - started)} ms`)
    expect(outcomes.filter((o) => o.outcome === 'allocated')).toHaveLength(100)
    await expectFairAllocation(single.roundId)
  }, 240_000)

  describe('through several separate database handles in separate processes', () => {
    const own = createDatabase(databaseOptionsFromEnv())
    afterAll(() => own.close())

    test('fund exactly 100, respect every quota and wait-list the rest', async () => {
      const shares = [0, 1, 2, 3].map((k) => several.submissions.filter((_, i) => i % 4 === k))
      const children = shares.slice(1).map(startChild)
      await Promise.all(children.map((c) => c.ready))
      const started = performance.now()
      const [mine, ...theirs] = await Promise.all([
        Promise.all(shares[0]!.map((s) => submitInOwnTransaction(own.db, s))),
        ...children.map((c) => c.run()),
      ])
      const elapsed = Math.round(performance.now() - started)
      console.info(`fcfs concurrency (${engineOf(own.db)}, 4 handles in 4 processes): ${SUBMISSIONS} submissions in ${elapsed} ms`)
      const all = [...mine, ...theirs.flatMap((t) => t.outcomes)]
      expect(all).toHaveLength(SUBMISSIONS)
      expect(all.filter((o) => o.outcome === 'allocated')).toHaveLength(100)
      await expectFairAllocation(several.roundId)
    }, 240_000)
  })
})
