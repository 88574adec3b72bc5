/**
 * Running the optimiser for a round's panel (ADR 0009): the scored bids' moderated totals go to buildOptimiserInput
 * (the round budget, place limits, pots and ring-fences) and optimise; the run is stored in optimiser_runs with its
 * exact input, the input's sha256 (of its canonical JSON), the proposal, fund down the list's choice, the explanation
 * and totals. A newer run supersedes earlier open proposals. Accepting a run is acceptProposal (decisions.server.ts).
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import { assertNotReleased, getOptimiserRun, inputsFingerprint, type OptimiserRun } from './decisions.server.ts'
import { buildOptimiserInput } from './optimiser-input.server.ts'
import { optimise } from './optimiser.server.ts'
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

/**
 * Runs the optimiser on the round's scored bids and stores the run with its exact input (and its sha256), the
 * proposal, fund down the list's choice, the explanation and totals. Earlier open proposals are superseded.
 */
export async function runOptimiser(trx: Transaction<DB>, actorUserId: number, roundId: number): Promise<OptimiserRun> {
  const round = await panelRound(trx, roundId)
  assertNotReleased(round)
  const board = await roundScoreboard(trx, roundId, { normalise: false })
  const input = await buildOptimiserInput(trx, roundId, optimiserScores(board.bids))
  const result = await optimise(input)
  const { json, sha256 } = inputsFingerprint(input)
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
