/**
 * Running the optimiser for a round's panel (ADR 0009): the scored bids' moderated totals go to buildOptimiserInput
 * (the round budget, place limits, pots and ring-fences) and optimise; the run is stored in optimiser_runs with its
 * exact input, the input's sha256 (of its canonical JSON), the proposal, fund down the list's choice, the explanation
 * and totals. A newer run supersedes earlier open proposals. Accepting a run is acceptProposal (decisions.server.ts).
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError } from '~/lib/errors.ts'
import { assertNotReleased, getOptimiserRun, inputsFingerprint, type OptimiserRun } from './decisions.server.ts'
import { buildOptimiserInput } from './optimiser-input.server.ts'
import { optimise, type OptimiserInput, type OptimiserResult } from './optimiser.server.ts'
import { panelRound } from './panel.server.ts'
import { roundScoreboard, type ScoreboardBid } from './scoreboard.server.ts'

/** The scores the optimiser weighs: each scored bid's moderated total, its gateway result and its request. */
function optimiserScores(bids: ScoreboardBid[]): Map<number, { scoreMilli: number; gatewayFailed: boolean; amountPence: number }> {
  const scores = new Map<number, { scoreMilli: number; gatewayFailed: boolean; amountPence: number }>()
  for (const b of bids) {
    if (b.moderatedTotalMilli === null) continue
    scores.set(b.applicationId, { scoreMilli: b.moderatedTotalMilli, gatewayFailed: b.gatewayFailed, amountPence: b.amountRequestedPence })
  }
  return scores
}

/** The optimiser's input for the round as it stands: its scored bids, budget, limits, pots and ring-fences. */
async function currentInput(db: Db, roundId: number): Promise<OptimiserInput> {
  const board = await roundScoreboard(db, roundId, { normalise: false })
  return buildOptimiserInput(db, roundId, optimiserScores(board.bids))
}

export interface PlannedRun {
  roundId: number
  input: OptimiserInput
  result: OptimiserResult
}

/**
 * Solves the round's optimiser model WITHOUT holding a write transaction (a solve takes about a second, and SQLite has
 * one writer): read the input, solve. Store the result with storeOptimiserRun, which refuses it if the scores or the
 * money changed meanwhile.
 */
export async function planOptimiserRun(db: Db, roundId: number): Promise<PlannedRun> {
  assertNotReleased(await panelRound(db, roundId))
  const input = await currentInput(db, roundId)
  return { roundId, input, result: await optimise(input) }
}

/**
 * Stores a planned run with its exact input (and its sha256), the proposal, fund down the list's choice, the
 * explanation and totals; earlier open proposals are superseded. Refused (409) if the input is no longer the round's
 * (a score, a limit or a pot's balance changed while it was solved): run it again.
 */
export async function storeOptimiserRun(trx: Transaction<DB>, actorUserId: number, planned: PlannedRun): Promise<OptimiserRun> {
  const { roundId, input, result } = planned
  assertNotReleased(await panelRound(trx, roundId))
  const { json, sha256 } = inputsFingerprint(input)
  if (inputsFingerprint(await currentInput(trx, roundId)).sha256 !== sha256) {
    throw new ConflictError('The scores or the money changed while the optimiser was working. Run it again.', 'optimiser_inputs_changed')
  }
  await trx.updateTable('optimiser_runs').set({ status: 'superseded' }).where('round_id', '=', roundId).where('status', '=', 'proposed').execute()
  const row = await trx
    .insertInto('optimiser_runs')
    .values({
      round_id: roundId,
      status: result.status === 'optimal' ? 'proposed' : 'infeasible',
      inputs: json,
      inputs_sha256: sha256,
      selected: JSON.stringify(result.selectedIds),
      greedy_selected: JSON.stringify(result.greedy.selectedIds),
      explanation: JSON.stringify(result.explanation),
      total_score_milli: result.totalScoreMilli,
      total_pence: result.totalPence,
      solve_ms: Math.round(result.solveMs),
      created_by: actorUserId,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(trx, {
    actorUserId,
    action: 'panel.optimiser_run',
    entityType: 'round',
    entityId: roundId,
    after: { runId: row.id, status: result.status, inputsSha256: sha256, selected: result.selectedIds, totalPence: result.totalPence, totalScoreMilli: result.totalScoreMilli },
  })
  return getOptimiserRun(trx, row.id)
}

/** Plans and stores a run in one transaction (the demo seed and tests; pages plan first, then store). */
export async function runOptimiser(trx: Transaction<DB>, actorUserId: number, roundId: number): Promise<OptimiserRun> {
  return storeOptimiserRun(trx, actorUserId, await planOptimiserRun(trx, roundId))
}
