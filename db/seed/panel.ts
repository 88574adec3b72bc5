/**
 * The demo panel at work: assessors and a chair on the round's panel, bids given out automatically (preferring local
 * knowledge), one assessor declaring a conflict of interest on a bid (which is then given to someone else), and every
 * other assessor confirming no conflict and submitting varied, realistic scores with comments. All through the
 * assessment domain's functions, so the audit trail shows it as it would have happened.
 *
 * Wiring (db/seed/demo.ts, inside its transaction, after the round's criteria exist):
 *   await seedPanel(trx, { roundId, managerUserId, assessorUserIds, chairUserId, conflictedAssessorUserId })
 */
import type { Transaction } from 'kysely'
import type { DB } from '../schema.ts'
import { autoAssign } from '../../app/domain/assessment/assignment.server.ts'
import { confirmNoConflict, declareConflict } from '../../app/domain/assessment/conflicts.server.ts'
import { listCriteria, type Criterion } from '../../app/domain/assessment/criteria.server.ts'
import { addAssessorToRound, setAssessorPlaces } from '../../app/domain/assessment/panel-members.server.ts'
import { submitScores } from '../../app/domain/assessment/scores.server.ts'

export interface SeedPanelContext {
  roundId: number
  managerUserId: number
  assessorUserIds: number[]
  chairUserId: number
  /** An assessor (on the panel, or added to it) who declares a conflict on the first bid they are given. */
  conflictedAssessorUserId: number
  /** How many of the first assessor's bids to leave unscored, so the demo assessor has work to try. Default 0. */
  leaveUnscored?: number
}

export interface SeededPanel {
  assigned: number
  submitted: number
  conflicts: { applicationId: number; assessorUserId: number }[]
}

/** How good each bid is (0-1), from its position in the round: a spread from strong to weak. */
function quality(index: number, count: number): number {
  return count <= 1 ? 0.7 : 0.9 - (0.7 * index) / (count - 1)
}

/** A whole-number score on the criterion's scale: the bid's quality, the assessor's leniency, a little noise. */
function scoreFor(c: Criterion, q: number, leniency: number, noise: number, failsGateway: boolean): number {
  if (c.isGateway) return failsGateway ? 0 : 1
  const raw = c.scaleMin + q * (c.scaleMax - c.scaleMin) + leniency * ((c.scaleMax - c.scaleMin) / 4) + noise
  return Math.min(c.scaleMax, Math.max(c.scaleMin, Math.round(raw)))
}

function commentFor(c: Criterion, score: number): string {
  if (c.isGateway) return score === 1 ? 'A safeguarding policy is in place and was reviewed this year.' : 'No safeguarding policy was provided, and the bid does not say who is responsible.'
  const share = (score - c.scaleMin) / (c.scaleMax - c.scaleMin)
  const name = c.name.toLowerCase()
  if (share >= 0.75) return `Strong on ${name}: clear evidence from link workers and people who take part, and named partners.`
  if (share >= 0.45) return `Adequate on ${name}, though some detail is missing, for example how referrals will be followed up.`
  return `Weak on ${name}: little evidence is given and the plan relies on partners who have not confirmed.`
}

async function joinPanel(trx: Transaction<DB>, actor: { id: number }, roundId: number, userId: number, isChair: boolean): Promise<void> {
  const existing = await trx.selectFrom('round_assessors').select('is_chair').where('round_id', '=', roundId).where('user_id', '=', userId).executeTakeFirst()
  if (existing && existing.is_chair === (isChair ? 1 : 0)) return
  await addAssessorToRound(trx, actor, { roundId, userId, isChair })
}

export async function seedPanel(trx: Transaction<DB>, ctx: SeedPanelContext): Promise<SeededPanel> {
  const manager = { id: ctx.managerUserId }
  const criteria = await listCriteria(trx, ctx.roundId)
  if (criteria.length === 0) throw new Error('Panel seed: the round has no criteria yet')
  const assessors = [...new Set([...ctx.assessorUserIds, ctx.conflictedAssessorUserId])]
  for (const userId of assessors) await joinPanel(trx, manager, ctx.roundId, userId, false)
  await joinPanel(trx, manager, ctx.roundId, ctx.chairUserId, true)

  // The first assessor knows the place of the round's first bid, so "prefer local knowledge" has something to prefer.
  const bids = await trx.selectFrom('applications').select(['id', 'place_id']).where('round_id', '=', ctx.roundId).where('status', '=', 'submitted').orderBy('id').execute()
  const firstPlace = bids.find((b) => b.place_id !== null)?.place_id
  if (firstPlace && assessors[0] !== undefined) await setAssessorPlaces(trx, manager, { userId: assessors[0], placeIds: [firstPlace] })

  const first = await autoAssign(trx, manager, { roundId: ctx.roundId, preferPlaceKnowledge: true })
  const conflicted = first.created.find((c) => c.assessorUserId === ctx.conflictedAssessorUserId)
  const conflicts: SeededPanel['conflicts'] = []
  if (conflicted) {
    await declareConflict(trx, ctx.conflictedAssessorUserId, {
      assessmentId: conflicted.assessmentId,
      type: 'personal_relationship',
      note: 'A close friend is a trustee of the organisation.',
      onBehalf: false,
    })
    conflicts.push({ applicationId: conflicted.applicationId, assessorUserId: ctx.conflictedAssessorUserId })
  }
  // The bid that lost an assessor is given to someone else.
  const second = await autoAssign(trx, manager, { roundId: ctx.roundId, preferPlaceKnowledge: true })
  const assignments = [...first.created, ...second.created].filter((c) => c !== conflicted)

  const bidIndex = new Map(bids.map((b, i) => [b.id, i]))
  const leniency = new Map(assessors.concat(ctx.chairUserId).map((id, i) => [id, [0, 0.6, -0.6, 0.3][i % 4]!]))
  const leave = ctx.leaveUnscored ?? 0
  const firstAssessorsBids = assignments.filter((a) => a.assessorUserId === assessors[0])
  const leaveOpen = new Set(leave > 0 ? firstAssessorsBids.slice(-leave).map((a) => a.assessmentId) : [])
  let submitted = 0
  for (const a of assignments) {
    if (leaveOpen.has(a.assessmentId)) continue
    await confirmNoConflict(trx, a.assessorUserId, a.assessmentId)
    const index = bidIndex.get(a.applicationId) ?? 0
    const q = quality(index, bids.length)
    // The weakest bid fails the gateway with one assessor; noise varies by bid and assessor so no two score alike.
    const failsGateway = index === bids.length - 1 && a.assessorUserId === assignments.find((x) => x.applicationId === a.applicationId)?.assessorUserId
    const scores = criteria.map((c, k) => {
      const noise = (((a.applicationId * 7 + a.assessorUserId * 13 + k * 5) % 5) - 2) * 0.3
      const score = scoreFor(c, q, leniency.get(a.assessorUserId) ?? 0, noise, failsGateway)
      return { criterionId: c.id, score, comment: commentFor(c, score) }
    })
    await submitScores(trx, a.assessorUserId, { assessmentId: a.assessmentId, scores })
    submitted++
  }
  return { assigned: assignments.length, submitted, conflicts }
}
