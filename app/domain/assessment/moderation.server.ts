/**
 * Moderation (ADR 0009): the panel chair sets a moderated score for one criterion of one bid, with a rationale. The
 * assessors' raw scores (criterion_scores) never change; the bid's moderated total uses the chair's score for that
 * criterion instead of the mean of the raw scores. A chair who declared a conflict on a bid cannot moderate it, and
 * nothing changes once the round's decisions have been released.
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import { getCriterion } from './criteria.server.ts'
import { refreshBidScoreSummaries } from './score-summaries.server.ts'

export { setNormalisation } from './settings.server.ts'

/** A moderation breaks a rule; names the form field. */
export class ModerationInputError extends DomainError {
  constructor(field: 'score' | 'rationale', message: string) {
    super(message, { code: 'moderation_input', status: 400, field })
  }
}

/** The person declared a conflict of interest on the bid: they may not see or change its scores. */
export class ConflictOnBidError extends DomainError {
  constructor() {
    super('You declared a conflict of interest on this bid, so you cannot see or moderate its scores.', { code: 'conflict_on_bid', status: 403 })
  }
}

export interface ModerationInput {
  applicationId: number
  criterionId: number
  score: number
  rationale: string
}

/** True when the user's assessment of this bid records a declared conflict. */
export async function hasConflictOnBid(db: Db, userId: number, applicationId: number): Promise<boolean> {
  const row = await db
    .selectFrom('assessments')
    .select('id')
    .where('application_id', '=', applicationId)
    .where('assessor_user_id', '=', userId)
    .where('status', '=', 'conflict')
    .executeTakeFirst()
  return !!row
}

/** True when the user chairs the round's panel. */
export async function chairsRound(db: Db, userId: number, roundId: number): Promise<boolean> {
  const row = await db.selectFrom('round_assessors').select('id').where('round_id', '=', roundId).where('user_id', '=', userId).where('is_chair', '=', 1).executeTakeFirst()
  return !!row
}

async function bidForModeration(trx: Transaction<DB>, actorUserId: number, applicationId: number) {
  const bid = await trx
    .selectFrom('applications')
    .innerJoin('rounds', 'rounds.id', 'applications.round_id')
    .select(['applications.id', 'applications.round_id', 'rounds.decisions_released_at'])
    .where('applications.id', '=', applicationId)
    .executeTakeFirst()
  if (!bid) throw new NotFoundError('bid')
  if (await hasConflictOnBid(trx, actorUserId, applicationId)) throw new ConflictOnBidError()
  if (bid.decisions_released_at) throw new ConflictError('The panel’s decisions for this round have been released, so its scores can no longer be moderated.', 'decisions_released')
  return bid
}

/** Sets (or changes) the chair's moderated score for one criterion of a bid. */
export async function moderate(trx: Transaction<DB>, actorUserId: number, input: ModerationInput): Promise<void> {
  const bid = await bidForModeration(trx, actorUserId, input.applicationId)
  const criterion = await getCriterion(trx, bid.round_id, input.criterionId)
  if (!Number.isInteger(input.score) || input.score < criterion.scaleMin || input.score > criterion.scaleMax) {
    throw new ModerationInputError('score', `Choose a score from ${criterion.scaleMin} to ${criterion.scaleMax} for ${criterion.name}`)
  }
  const rationale = input.rationale.trim()
  if (!rationale) throw new ModerationInputError('rationale', 'Explain why you are moderating this score')
  if (rationale.length > 2000) throw new ModerationInputError('rationale', 'The rationale must be 2,000 characters or fewer')

  const existing = await trx
    .selectFrom('moderations')
    .select(['id', 'score', 'rationale', 'moderated_by'])
    .where('application_id', '=', input.applicationId)
    .where('criterion_id', '=', criterion.id)
    .executeTakeFirst()
  const now = new Date().toISOString()
  if (existing) {
    await trx.updateTable('moderations').set({ score: input.score, rationale, moderated_by: actorUserId, updated_at: now }).where('id', '=', existing.id).execute()
  } else {
    await trx.insertInto('moderations').values({ application_id: input.applicationId, criterion_id: criterion.id, score: input.score, rationale, moderated_by: actorUserId, updated_at: now }).execute()
  }
  await refreshBidScoreSummaries(trx, [input.applicationId])
  await recordAudit(trx, {
    actorUserId,
    action: 'moderation.set',
    entityType: 'application',
    entityId: input.applicationId,
    before: existing ? { criterionId: criterion.id, score: existing.score, rationale: existing.rationale, moderatedBy: existing.moderated_by } : null,
    after: { criterionId: criterion.id, criterion: criterion.name, score: input.score, rationale, moderatedBy: actorUserId },
  })
}

/** Removes the chair's moderated score, so the criterion goes back to the mean of the raw scores. */
export async function clearModeration(trx: Transaction<DB>, actorUserId: number, input: { applicationId: number; criterionId: number }): Promise<boolean> {
  await bidForModeration(trx, actorUserId, input.applicationId)
  const existing = await trx
    .selectFrom('moderations')
    .select(['id', 'score', 'rationale', 'moderated_by'])
    .where('application_id', '=', input.applicationId)
    .where('criterion_id', '=', input.criterionId)
    .executeTakeFirst()
  if (!existing) return false
  await trx.deleteFrom('moderations').where('id', '=', existing.id).execute()
  await refreshBidScoreSummaries(trx, [input.applicationId])
  await recordAudit(trx, {
    actorUserId,
    action: 'moderation.cleared',
    entityType: 'application',
    entityId: input.applicationId,
    before: { criterionId: input.criterionId, score: existing.score, rationale: existing.rationale, moderatedBy: existing.moderated_by },
  })
  return true
}
