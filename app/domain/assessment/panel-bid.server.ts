/**
 * One bid as the chair and fund managers see it at the panel (ADR 0009): each submitted assessor's scores and comments
 * per criterion, weighted score, mean, spread, disagreement, conflicts declared, and the chair's moderations beside
 * the raw scores. Blind review does not apply here. Plain data, ready for a loader.
 */
import type { Db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { listCriteria } from './criteria.server.ts'
import { PANEL_BID_STATUSES } from './scoreboard.server.ts'
import { bidSummary, weightShares } from './scoring.ts'

export interface PanelBidCriterion {
  id: number
  name: string
  isGateway: boolean
  scaleMin: number
  scaleMax: number
  /** Whole-percent share of the weight; null for a gateway. */
  sharePercent: number | null
  descriptors: Record<number, string>
  raw: { assessorId: number; assessorName: string; score: number; comment: string }[]
  /** The mean of the raw scores, or the chair's score when moderated; null with neither. */
  moderatedScore: number | null
  moderation: { score: number; rationale: string; moderatedByName: string; updatedAt: string } | null
}

export interface PanelBidView {
  bid: { applicationId: number; roundId: number; reference: string; title: string; status: string; organisationName: string; placeName: string | null; amountRequestedPence: number }
  round: { title: string; disagreementThreshold: number; decisionsReleased: boolean }
  criteria: PanelBidCriterion[]
  assessors: { assessorId: number; name: string; status: string; weightedMilli: number | null; failedGatewayNames: string[] }[]
  conflicts: { assessorId: number; name: string; conflictType: string | null; note: string | null; recordedByName: string | null }[]
  meanMilli: number | null
  spreadMilli: number | null
  disagreement: boolean
  moderatedTotalMilli: number | null
  gatewayFailed: boolean
  failedGatewayNames: string[]
}

/** The bid's panel view; NotFoundError unless it is a bid in front of this round's panel. */
export async function panelBidView(db: Db, roundId: number, applicationId: number): Promise<PanelBidView> {
  const bid = await db
    .selectFrom('applications')
    .innerJoin('organisations', 'organisations.id', 'applications.organisation_id')
    .innerJoin('rounds', 'rounds.id', 'applications.round_id')
    .leftJoin('places', 'places.id', 'applications.place_id')
    .select([
      'applications.id',
      'applications.reference',
      'applications.title',
      'applications.status',
      'applications.amount_requested_pence',
      'organisations.name as organisation_name',
      'places.name as place_name',
      'rounds.title as round_title',
      'rounds.disagreement_threshold',
      'rounds.decisions_released_at',
    ])
    .where('applications.id', '=', applicationId)
    .where('applications.round_id', '=', roundId)
    .where('applications.status', 'in', PANEL_BID_STATUSES)
    .executeTakeFirst()
  if (!bid) throw new NotFoundError('bid')

  const [criteria, assessments, scores, moderations] = await Promise.all([
    listCriteria(db, roundId),
    db
      .selectFrom('assessments')
      .innerJoin('users', 'users.id', 'assessments.assessor_user_id')
      .leftJoin('users as recorder', 'recorder.id', 'assessments.conflict_recorded_by')
      .select([
        'assessments.id',
        'assessments.assessor_user_id',
        'assessments.status',
        'assessments.weighted_score_milli',
        'assessments.conflict_type',
        'assessments.conflict_note',
        'users.name',
        'recorder.name as recorder_name',
      ])
      .where('assessments.application_id', '=', applicationId)
      .orderBy('users.name')
      .orderBy('assessments.assessor_user_id')
      .execute(),
    db
      .selectFrom('criterion_scores')
      .innerJoin('assessments', 'assessments.id', 'criterion_scores.assessment_id')
      .select(['criterion_scores.assessment_id', 'criterion_scores.criterion_id', 'criterion_scores.score', 'criterion_scores.comment'])
      .where('assessments.application_id', '=', applicationId)
      .where('assessments.status', '=', 'submitted')
      .execute(),
    db
      .selectFrom('moderations')
      .innerJoin('users', 'users.id', 'moderations.moderated_by')
      .select(['moderations.criterion_id', 'moderations.score', 'moderations.rationale', 'moderations.updated_at', 'users.name'])
      .where('moderations.application_id', '=', applicationId)
      .execute(),
  ])

  const submitted = assessments.filter((a) => a.status === 'submitted')
  const scoresOf = (assessmentId: number) => new Map(scores.filter((s) => s.assessment_id === assessmentId).map((s) => [s.criterion_id, s.score]))
  const moderationBy = new Map(moderations.map((m) => [m.criterion_id, m]))
  const summary = bidSummary(
    criteria,
    submitted.map((a) => ({ assessorId: a.assessor_user_id, scores: scoresOf(a.id), weightedMilli: a.weighted_score_milli === null ? null : Number(a.weighted_score_milli) })),
    moderationBy,
    bid.disagreement_threshold,
  )
  const failedBy = new Map(summary.perAssessor.map((p) => [p.assessorId, p]))
  const shares = weightShares(criteria)
  const nameOf = new Map(assessments.map((a) => [a.id, { assessorId: a.assessor_user_id, name: a.name }]))

  return {
    bid: {
      applicationId: bid.id,
      roundId,
      reference: bid.reference,
      title: bid.title,
      status: bid.status,
      organisationName: bid.organisation_name,
      placeName: bid.place_name,
      amountRequestedPence: Number(bid.amount_requested_pence),
    },
    round: { title: bid.round_title, disagreementThreshold: bid.disagreement_threshold, decisionsReleased: !!bid.decisions_released_at },
    criteria: criteria.map((c) => {
      const m = moderationBy.get(c.id)
      return {
        id: c.id,
        name: c.name,
        isGateway: c.isGateway,
        scaleMin: c.scaleMin,
        scaleMax: c.scaleMax,
        sharePercent: c.isGateway ? null : (shares.get(c.id) ?? 0),
        descriptors: c.descriptors,
        raw: scores
          .filter((s) => s.criterion_id === c.id)
          .map((s) => ({ assessorId: nameOf.get(s.assessment_id)!.assessorId, assessorName: nameOf.get(s.assessment_id)!.name, score: s.score, comment: s.comment }))
          .sort((a, b) => a.assessorName.localeCompare(b.assessorName) || a.assessorId - b.assessorId),
        moderatedScore: summary.moderatedByCriterion.get(c.id) ?? null,
        moderation: m ? { score: m.score, rationale: m.rationale, moderatedByName: m.name, updatedAt: m.updated_at } : null,
      }
    }),
    assessors: assessments
      .filter((a) => a.status !== 'conflict')
      .map((a) => ({
        assessorId: a.assessor_user_id,
        name: a.name,
        status: a.status,
        weightedMilli: a.status === 'submitted' ? (failedBy.get(a.assessor_user_id)?.weightedMilli ?? null) : null,
        failedGatewayNames: failedBy.get(a.assessor_user_id)?.failedGatewayNames ?? [],
      })),
    conflicts: assessments
      .filter((a) => a.status === 'conflict')
      .map((a) => ({ assessorId: a.assessor_user_id, name: a.name, conflictType: a.conflict_type, note: a.conflict_note, recordedByName: a.recorder_name })),
    meanMilli: summary.meanMilli,
    spreadMilli: summary.spreadMilli,
    disagreement: summary.disagreement,
    moderatedTotalMilli: summary.moderatedTotalMilli,
    gatewayFailed: summary.gatewayFailed,
    failedGatewayNames: summary.failedGatewayNames,
  }
}
