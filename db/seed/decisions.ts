/**
 * The demo panel's meeting: the optimiser proposes the best set of bids, the chair accepts it with one change (the
 * highest-scoring bid it left on the reserve list is recommended instead, with a recorded reason), and the
 * attendees and meeting date are recorded. Decisions are not released, so a fund manager can do that in the demo.
 * Made through the panel's domain functions, like the rest of the demo. Idempotent: a round whose proposal has
 * already been accepted is left as it is.
 *
 * Wiring (db/seed/demo.ts, after the scoring seed):
 *   await seedPanelDecisions(trx, { roundId, chairUserId, managerUserId })
 */
import type { Transaction } from 'kysely'
import type { DB } from '../schema.ts'
import { acceptProposal, type ProposalOverride } from '../../app/domain/assessment/decisions.server.ts'
import { setAttendees } from '../../app/domain/assessment/minutes.server.ts'
import { runOptimiser } from '../../app/domain/assessment/optimiser-runs.server.ts'

export interface SeedPanelDecisionsContext {
  roundId: number
  chairUserId: number
  managerUserId: number
  /** The day the panel met (YYYY-MM-DD); defaults to today. */
  heldOn?: string
}

export const DEMO_OVERRIDE_REASON = 'The panel wanted at least one bid reaching people in the north of the area; this one does, and its plan is ready to start.'

export async function seedPanelDecisions(trx: Transaction<DB>, ctx: SeedPanelDecisionsContext): Promise<{ runId: number | null; decided: number; overridden: number }> {
  const accepted = await trx.selectFrom('optimiser_runs').select('id').where('round_id', '=', ctx.roundId).where('status', '=', 'accepted').executeTakeFirst()
  if (accepted) return { runId: accepted.id, decided: 0, overridden: 0 }

  const run = await runOptimiser(trx, ctx.chairUserId, ctx.roundId)
  let result = { decided: 0, overridden: 0 }
  if (run.status === 'proposed') {
    // The best-scoring bid the proposal left out (bids are listed in the input in id order; the score picks it).
    const left = run.inputs.bids.filter((b) => !run.selectedIds.includes(b.id)).sort((a, b) => b.scoreMilli - a.scoreMilli || a.id - b.id)
    const overrides: ProposalOverride[] = left.length ? [{ applicationId: left[0]!.id, status: 'recommended', reason: DEMO_OVERRIDE_REASON }] : []
    result = await acceptProposal(trx, ctx.chairUserId, { runId: run.id, overrides })
  }

  const people = await trx.selectFrom('users').select(['id', 'name']).where('id', 'in', [ctx.chairUserId, ctx.managerUserId]).execute()
  const nameOf = (id: number) => people.find((p) => p.id === id)?.name ?? 'Unknown'
  const members = await trx
    .selectFrom('round_assessors')
    .innerJoin('users', 'users.id', 'round_assessors.user_id')
    .select(['users.id', 'users.name'])
    .where('round_assessors.round_id', '=', ctx.roundId)
    .where('round_assessors.is_chair', '=', 0)
    .orderBy('users.name')
    .execute()
  const attendees = [
    { userId: ctx.chairUserId, name: nameOf(ctx.chairUserId), role: 'Chair' },
    { userId: ctx.managerUserId, name: nameOf(ctx.managerUserId), role: 'Fund manager (not voting)' },
    ...members.filter((m) => m.id !== ctx.managerUserId && m.id !== ctx.chairUserId).map((m) => ({ userId: m.id, name: m.name, role: 'Assessor' })),
  ]
  await setAttendees(trx, ctx.chairUserId, ctx.roundId, attendees, { panelHeldOn: ctx.heldOn ?? new Date().toISOString().slice(0, 10) })
  return { runId: run.id, ...result }
}
