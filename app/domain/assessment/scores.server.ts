/**
 * An assessor's scores for a bid (docs/decisions/0009-assessment-and-panels.md): drafts saved as often as they like,
 * then one submission, after which the scores cannot change. Every score is a whole number on its criterion's scale;
 * comments are required at submission when the round says so; the weighted score is always computed here, on the
 * server, with weightedScoreMilli. A repeated submission of the same scores (a double click, a resent form) returns
 * the result already stored; different scores after submitting are refused (409).
 *
 * Only the assessor's own assessment, on a round whose panel they sit on, without a declared conflict (403 otherwise,
 * from loadOwnAssessment), and only once they have confirmed they have no conflict.
 */
import type { Transaction } from 'kysely'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError } from '~/lib/errors.ts'
import { loadOwnAssessment, type OwnAssessment } from './access.server.ts'
import { listCriteria, type Criterion } from './criteria.server.ts'
import { COMMENT_MAX, commentField, scoreField, scoreMessages, type ScoreInput } from './score-form.ts'
import { refreshBidScoreSummaries } from './score-summaries.server.ts'
import { failedGateways, weightedScoreMilli } from './scoring.ts'

export type { ScoreInput } from './score-form.ts'

/** A score or comment that breaks a rule; names the form field it belongs next to. */
export class ScoreInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'score_input', status: 400, field })
  }
}

export class AlreadySubmittedError extends ConflictError {
  constructor() {
    super('You have already submitted your scores for this bid', 'scores_already_submitted')
  }
}

export class ConflictCheckDueError extends ConflictError {
  constructor() {
    super('Confirm you have no conflict of interest before you score this bid', 'conflict_check_due')
  }
}

export interface SavedScore {
  criterionId: number
  score: number
  comment: string
}

async function savedScores(db: Db, assessmentId: number): Promise<SavedScore[]> {
  const rows = await db.selectFrom('criterion_scores').select(['criterion_id', 'score', 'comment']).where('assessment_id', '=', assessmentId).orderBy('criterion_id').execute()
  return rows.map((r) => ({ criterionId: r.criterion_id, score: r.score, comment: r.comment }))
}

/** The assessor's own saved scores (draft or submitted), by criterion. */
export async function scoresOf(db: Db, assessmentId: number): Promise<SavedScore[]> {
  return savedScores(db, assessmentId)
}

/** Checks each score against its criterion: one of the round's, a whole number on its scale, a comment not too long. */
function checkScores(criteria: readonly Criterion[], scores: readonly ScoreInput[]): ScoreInput[] {
  const byId = new Map(criteria.map((c) => [c.id, c]))
  const seen = new Set<number>()
  return scores.map((s) => {
    const c = byId.get(s.criterionId)
    if (!c) throw new ScoreInputError(scoreField(s.criterionId), 'Score only the criteria of this round')
    if (seen.has(c.id)) throw new ScoreInputError(scoreField(c.id), `Give one score for ${c.name}`)
    seen.add(c.id)
    if (!Number.isInteger(s.score) || s.score < c.scaleMin || s.score > c.scaleMax) throw new ScoreInputError(scoreField(c.id), scoreMessages.outOfScale(c))
    const comment = s.comment.trim()
    if (comment.length > COMMENT_MAX) throw new ScoreInputError(commentField(c.id), scoreMessages.commentTooLong(c))
    return { criterionId: c.id, score: s.score, comment }
  })
}

async function upsertScores(trx: Transaction<DB>, assessmentId: number, scores: readonly ScoreInput[]): Promise<void> {
  for (const s of scores) {
    await trx
      .insertInto('criterion_scores')
      .values({ assessment_id: assessmentId, criterion_id: s.criterionId, score: s.score, comment: s.comment })
      .onConflict((oc) => oc.columns(['assessment_id', 'criterion_id']).doUpdateSet({ score: s.score, comment: s.comment }))
      .execute()
  }
}

/**
 * Holds the assessment's row until the transaction ends (PostgreSQL; SQLite write transactions are serialised), so
 * two submissions at once are seen one after the other: the second finds the first's scores.
 */
async function lockAssessment(trx: Transaction<DB>, assessmentId: number): Promise<void> {
  if (engineOf(trx) === 'postgres') await trx.selectFrom('assessments').select('id').where('id', '=', assessmentId).forUpdate().execute()
}

function assertDraft(assessment: OwnAssessment): void {
  if (assessment.status === 'assigned') throw new ConflictCheckDueError()
  if (assessment.status === 'submitted') throw new AlreadySubmittedError()
}

/**
 * Saves some or all of an assessor's scores as a draft (criteria left out keep what was saved before). The assessment
 * must be in progress (`draft`). Audited.
 */
export async function saveDraftScores(trx: Transaction<DB>, assessorUserId: number, input: { assessmentId: number; scores: ScoreInput[] }): Promise<{ saved: number }> {
  await lockAssessment(trx, input.assessmentId)
  const assessment = await loadOwnAssessment(trx, assessorUserId, input.assessmentId)
  assertDraft(assessment)
  const scores = checkScores(await listCriteria(trx, assessment.roundId), input.scores)
  await upsertScores(trx, assessment.id, scores)
  await trx.updateTable('assessments').set({ updated_at: new Date().toISOString() }).where('id', '=', assessment.id).execute()
  await recordAudit(trx, { actorUserId: assessorUserId, action: 'assessment.draft_saved', entityType: 'assessment', entityId: assessment.id, after: { scores } })
  return { saved: scores.length }
}

export interface SubmittedResult {
  assessmentId: number
  weightedScoreMilli: number | null
  submittedAt: string
  /** Names of the gateway criteria this assessor failed. */
  failedGateways: string[]
  /** True when these exact scores had already been submitted (nothing changed). */
  repeated: boolean
}

function sameScores(a: readonly { criterionId: number; score: number; comment: string }[], b: readonly { criterionId: number; score: number; comment: string }[]): boolean {
  const key = (s: { criterionId: number; score: number; comment: string }) => `${s.criterionId}:${s.score}:${s.comment.trim()}`
  const left = a.map(key).sort()
  const right = b.map(key).sort()
  return left.length === right.length && left.every((k, i) => k === right[i])
}

/**
 * Submits the assessor's scores, once: every criterion scored on its scale, a comment on each when the round requires
 * comments. Stores the scores, the weighted score (computed here) and the time; the assessment becomes `submitted`.
 * The same scores submitted again return the stored result (repeated: true); different ones are refused (409). Audited.
 */
export async function submitScores(trx: Transaction<DB>, assessorUserId: number, input: { assessmentId: number; scores: ScoreInput[] }): Promise<SubmittedResult> {
  await lockAssessment(trx, input.assessmentId)
  const assessment = await loadOwnAssessment(trx, assessorUserId, input.assessmentId)
  const criteria = await listCriteria(trx, assessment.roundId)
  const scores = checkScores(criteria, input.scores)
  const map = new Map(scores.map((s) => [s.criterionId, s.score]))
  const result = (submittedAt: string, weighted: number | null, repeated: boolean): SubmittedResult => ({
    assessmentId: assessment.id,
    weightedScoreMilli: weighted,
    submittedAt,
    failedGateways: failedGateways(criteria, map).map((c) => c.name),
    repeated,
  })
  if (assessment.status === 'submitted') {
    if (!sameScores(await savedScores(trx, assessment.id), scores)) throw new AlreadySubmittedError()
    return result(assessment.submittedAt!, assessment.weightedScoreMilli, true)
  }
  assertDraft(assessment)
  const settings = await trx.selectFrom('rounds').select('comments_required').where('id', '=', assessment.roundId).executeTakeFirstOrThrow()
  for (const c of criteria) {
    const given = scores.find((s) => s.criterionId === c.id)
    if (!given) throw new ScoreInputError(scoreField(c.id), scoreMessages.missing(c))
    if (settings.comments_required === 1 && given.comment === '') throw new ScoreInputError(commentField(c.id), scoreMessages.comment(c))
  }
  const weighted = weightedScoreMilli(criteria, map)
  const now = new Date().toISOString()
  await upsertScores(trx, assessment.id, scores)
  const updated = await trx
    .updateTable('assessments')
    .set({ status: 'submitted', weighted_score_milli: weighted, submitted_at: now, updated_at: now })
    .where('id', '=', assessment.id)
    .where('status', '=', 'draft')
    .executeTakeFirst()
  if (Number(updated.numUpdatedRows) !== 1) throw new AlreadySubmittedError()
  await refreshBidScoreSummaries(trx, [assessment.applicationId])
  await recordAudit(trx, {
    actorUserId: assessorUserId,
    action: 'assessment.submitted',
    entityType: 'assessment',
    entityId: assessment.id,
    after: { applicationId: assessment.applicationId, scores, weightedScoreMilli: weighted },
  })
  return result(now, weighted, false)
}

export interface PeerScores {
  /** False while the round hides peers' scores and this assessor has not submitted. */
  visible: boolean
  peers: { assessorName: string; weightedScoreMilli: number | null; submittedAt: string | null; scores: SavedScore[] }[]
}

/**
 * Other assessors' submitted scores on the same bid (never a conflicted or unsubmitted assessment). When the round
 * hides peer scores, they are shown only after this assessor has submitted their own. The caller has checked access.
 */
export async function peerScores(db: Db, assessmentId: number): Promise<PeerScores> {
  const own = await db
    .selectFrom('assessments')
    .innerJoin('applications', 'applications.id', 'assessments.application_id')
    .innerJoin('rounds', 'rounds.id', 'applications.round_id')
    .select(['assessments.id', 'assessments.application_id', 'assessments.status', 'rounds.hide_peer_scores'])
    .where('assessments.id', '=', assessmentId)
    .executeTakeFirstOrThrow()
  if (own.status === 'conflict' || (own.hide_peer_scores === 1 && own.status !== 'submitted')) return { visible: false, peers: [] }
  const others = await db
    .selectFrom('assessments')
    .innerJoin('users', 'users.id', 'assessments.assessor_user_id')
    .select(['assessments.id', 'users.name', 'assessments.weighted_score_milli', 'assessments.submitted_at'])
    .where('assessments.application_id', '=', own.application_id)
    .where('assessments.id', '!=', own.id)
    .where('assessments.status', '=', 'submitted')
    .orderBy('assessments.submitted_at')
    .orderBy('assessments.id')
    .execute()
  const peers = []
  for (const o of others) {
    peers.push({
      assessorName: o.name,
      weightedScoreMilli: o.weighted_score_milli === null ? null : Number(o.weighted_score_milli),
      submittedAt: o.submitted_at,
      scores: await savedScores(db, o.id),
    })
  }
  return { visible: true, peers }
}
