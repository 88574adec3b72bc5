import crypto from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { createPanelRound, submitScoresRaw } from '../../../tests/factories/assessment.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { acceptProposal } from './decisions.server.ts'
import { planOptimiserRun, runOptimiser, storeOptimiserRun } from './optimiser-runs.server.ts'
import { releaseDecisions } from './release.server.ts'

describe('running the optimiser for a panel', () => {
  test('stores the exact input with its sha256, the proposal, fund down the list and the explanation; a new run supersedes the open one', async () => {
    // Budget £60,000: bids of £40,000 (best), £30,000 and £30,000. Down the list funds only the first; the best set is the two £30,000 bids.
    const panel = await createPanelRound(db, { bids: [{ amountPence: 4_000_000 }, { amountPence: 3_000_000 }, { amountPence: 3_000_000 }, {}], assessors: 1, budgetPence: 6_000_000 })
    const scores = [
      [5, 5, 10, 1],
      [4, 4, 8, 1],
      [4, 4, 7, 1],
      [5, 5, 10, 0],
    ]
    for (const [i, bid] of panel.bids.entries()) await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: panel.assessors[0]!.id, scores: scores[i]! })
    const [a, b, c] = panel.bids.map((x) => x.applicationId) as [number, number, number]

    const first = await db.transaction().execute((trx) => runOptimiser(trx, panel.chair.id, panel.roundId))
    expect(first.status).toBe('proposed')
    expect(first.selectedIds).toEqual([b, c])
    expect(first.greedySelectedIds).toEqual([a])
    expect(first.totalPence).toBe(6_000_000)
    expect(first.explanation.length).toBeGreaterThan(0)
    // The gateway-failed bid is not in the input.
    expect(first.inputs.bids.map((x) => x.id)).toEqual([a, b, c])
    const stored = await db.selectFrom('optimiser_runs').select(['inputs', 'inputs_sha256']).where('id', '=', first.id).executeTakeFirstOrThrow()
    expect(crypto.createHash('sha256').update(stored.inputs).digest('hex')).toBe(stored.inputs_sha256)

    const second = await db.transaction().execute((trx) => runOptimiser(trx, panel.chair.id, panel.roundId))
    expect(second.inputsSha256).toBe(first.inputsSha256)
    const statuses = await db.selectFrom('optimiser_runs').select(['id', 'status']).where('round_id', '=', panel.roundId).orderBy('id').execute()
    expect(statuses).toEqual([
      { id: first.id, status: 'superseded' },
      { id: second.id, status: 'proposed' },
    ])

    await db.transaction().execute((trx) => acceptProposal(trx, panel.chair.id, { runId: second.id, overrides: [] }))
    await db.transaction().execute((trx) => releaseDecisions(trx, panel.manager.id, { roundId: panel.roundId, now: new Date() }))
    const after = await db
      .transaction()
      .execute((trx) => runOptimiser(trx, panel.chair.id, panel.roundId))
      .catch((e: unknown) => e)
    expect(after).toBeInstanceOf(DomainError)
    expect((after as DomainError).status).toBe(409)
  })

  test('a page solves outside the write transaction, and a plan whose scores changed meanwhile is refused (409), storing nothing', async () => {
    const panel = await createPanelRound(db, { bids: 2, assessors: 2 })
    for (const bid of panel.bids) await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: panel.assessors[0]!.id, scores: [4, 4, 8, 1] })
    const planned = await planOptimiserRun(db, panel.roundId)
    // Another assessor submits while the solver works.
    await submitScoresRaw(db, panel, { applicationId: panel.bids[0]!.applicationId, assessorId: panel.assessors[1]!.id, scores: [1, 1, 0, 1] })
    const stale = await db
      .transaction()
      .execute((trx) => storeOptimiserRun(trx, panel.chair.id, planned))
      .catch((e: unknown) => e)
    expect(stale).toMatchObject({ status: 409, code: 'optimiser_inputs_changed' })
    expect(await db.selectFrom('optimiser_runs').select('id').where('round_id', '=', panel.roundId).execute()).toEqual([])
    const fresh = await planOptimiserRun(db, panel.roundId)
    const run = await db.transaction().execute((trx) => storeOptimiserRun(trx, panel.chair.id, fresh))
    expect(run.status).toBe('proposed')
  })
})
