/**
 * Panel rounds for assessment tests: a published panel round with weighted criteria (and a gateway), submitted bids
 * from organisations in chosen places, assessors and a chair on the round's panel, and a fund manager.
 * Criteria, panel membership, assignments and scores are written as rows here (the assessment area's own tests drive
 * its domain functions; other areas only need the rows to exist).
 *
 *   const panel = await createPanelRound(db, { bids: 3, assessors: 3 })
 *   await assignRaw(db, panel.bids[0].applicationId, panel.assessors[0].id)
 *   await submitScoresRaw(db, panel, { applicationId: panel.bids[0].applicationId, assessorId: panel.assessors[0].id, scores: [4, 3, 7, 1] })
 */
import type { Kysely } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { createApplicant, markSubmitted } from '../../app/domain/applications/fcfs-fixtures.server.ts'
import { createOpenRound } from '../../app/domain/funds/test-support.server.ts'
import { currentPlaceId } from './organisations.ts'
import { createUserWithRole, type TestUser } from './sessions.ts'
import { weightedScoreMilli, type CriterionForScoring } from '../../app/domain/assessment/scoring.ts'
import { refreshBidScoreSummaries } from '../../app/domain/assessment/score-summaries.server.ts'

export interface CriterionSpec {
  name: string
  weight: number
  scaleMin: number
  scaleMax: number
  isGateway?: boolean
  guidance?: string
  descriptors?: Record<string, string>
}

/** Need (×3, 1-5), Quality of plan (×2, 1-5), Value for money (×1, 0-10) and a safeguarding gateway (pass/fail). */
export const DEFAULT_CRITERIA: CriterionSpec[] = [
  { name: 'Need', weight: 3, scaleMin: 1, scaleMax: 5, guidance: 'How well the bid shows local need.', descriptors: { '1': 'No evidence', '3': 'Some evidence', '5': 'Strong local evidence' } },
  { name: 'Quality of plan', weight: 2, scaleMin: 1, scaleMax: 5 },
  { name: 'Value for money', weight: 1, scaleMin: 0, scaleMax: 10 },
  { name: 'Safeguarding policy in place', weight: 0, scaleMin: 0, scaleMax: 1, isGateway: true },
]

export interface BidSpec {
  placeId?: number
  amountPence?: number
}

export interface PanelBid {
  applicationId: number
  reference: string
  organisationId: number
  organisationName: string
  admin: TestUser
  placeId: number
  amountPence: number
}

export interface PanelRound {
  roundId: number
  fundId: number
  criteria: CriterionForScoring[]
  bids: PanelBid[]
  assessors: TestUser[]
  chair: TestUser
  manager: TestUser
}

export interface PanelRoundOptions {
  bids?: number | BidSpec[]
  assessors?: number
  criteria?: CriterionSpec[]
  budgetPence?: number
  /** Columns of `rounds` to set (assessors_per_bid, blind_review, hide_peer_scores, decline_reasons, ...). */
  settings?: Partial<Record<'assessors_per_bid' | 'blind_review' | 'hide_peer_scores' | 'comments_required' | 'disagreement_threshold' | 'normalise_scores', number>> & { decline_reasons?: string[] }
  now?: Date
}

export async function createPanelRound(db: Kysely<DB>, options: PanelRoundOptions = {}): Promise<PanelRound> {
  const now = options.now ?? new Date()
  const round = await createOpenRound(db, { now, details: { budgetPence: options.budgetPence ?? 10_000_000, minGrantPence: 100_000, maxGrantPence: 5_000_000 } })
  const { decline_reasons, ...numeric } = options.settings ?? {}
  await db
    .updateTable('rounds')
    .set({ ...numeric, decline_reasons: JSON.stringify(decline_reasons ?? ['Did not show enough local need', 'Outside the round’s priorities', 'Higher-scoring bids used the budget']) })
    .where('id', '=', round.id)
    .execute()

  const criteria: CriterionForScoring[] = []
  for (const [position, spec] of (options.criteria ?? DEFAULT_CRITERIA).entries()) {
    const row = await db
      .insertInto('criteria')
      .values({
        round_id: round.id,
        position: position + 1,
        name: spec.name,
        guidance: spec.guidance ?? '',
        weight: spec.weight,
        scale_min: spec.scaleMin,
        scale_max: spec.scaleMax,
        descriptors: JSON.stringify(spec.descriptors ?? {}),
        is_gateway: spec.isGateway ? 1 : 0,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    criteria.push({ id: row.id, name: spec.name, weight: spec.weight, scaleMin: spec.scaleMin, scaleMax: spec.scaleMax, isGateway: !!spec.isGateway })
  }

  const defaultPlace = await currentPlaceId(db)
  const specs: BidSpec[] = typeof options.bids === 'number' || options.bids === undefined ? Array.from({ length: options.bids ?? 3 }, () => ({})) : options.bids
  const bids: PanelBid[] = []
  for (const spec of specs) {
    const placeId = spec.placeId ?? defaultPlace
    const amountPence = spec.amountPence ?? 2_500_000
    const applicant = await createApplicant(db, { roundId: round.id, placeId, amountPence })
    await db.updateTable('applications').set({ place_id: placeId }).where('id', '=', applicant.applicationId).execute()
    await markSubmitted(db, applicant.applicationId, now)
    bids.push({
      applicationId: applicant.applicationId,
      reference: applicant.reference,
      organisationId: applicant.organisation.id,
      organisationName: applicant.organisation.name,
      admin: applicant.admin,
      placeId,
      amountPence,
    })
  }

  const assessors: TestUser[] = []
  for (let i = 0; i < (options.assessors ?? 3); i++) assessors.push(await createUserWithRole(db, 'assessor', { name: `Assessor ${i + 1}` }))
  const chair = await createUserWithRole(db, 'panel_chair', { name: 'Chair Person' })
  const manager = await createUserWithRole(db, 'fund_manager', { name: 'Fund Manager' })
  for (const user of assessors) await db.insertInto('round_assessors').values({ round_id: round.id, user_id: user.id, is_chair: 0 }).execute()
  await db.insertInto('round_assessors').values({ round_id: round.id, user_id: chair.id, is_chair: 1 }).execute()
  return { roundId: round.id, fundId: round.fundId, criteria, bids, assessors, chair, manager }
}

/** An assignment row (status `assigned`, or as given). */
export async function assignRaw(db: Kysely<DB>, applicationId: number, assessorId: number, status: 'assigned' | 'draft' | 'conflict' = 'assigned'): Promise<number> {
  const row = await db
    .insertInto('assessments')
    .values({ application_id: applicationId, assessor_user_id: assessorId, status, conflict_confirmed_at: status === 'assigned' ? null : new Date().toISOString() })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/**
 * A submitted assessment with the given scores (in the order of panel.criteria), assigning the assessor first if
 * needed. The weighted score is computed with the real scoring module, and the bid's score summary kept in step as
 * submitScores keeps it.
 */
export async function submitScoresRaw(
  db: Kysely<DB>,
  panel: Pick<PanelRound, 'criteria'>,
  input: { applicationId: number; assessorId: number; scores: number[]; comment?: string },
): Promise<number> {
  const existing = await db.selectFrom('assessments').select('id').where('application_id', '=', input.applicationId).where('assessor_user_id', '=', input.assessorId).executeTakeFirst()
  const assessmentId = existing?.id ?? (await assignRaw(db, input.applicationId, input.assessorId, 'draft'))
  const map = new Map(panel.criteria.map((c, i) => [c.id, input.scores[i]!]))
  for (const [criterionId, score] of map) {
    await db.insertInto('criterion_scores').values({ assessment_id: assessmentId, criterion_id: criterionId, score, comment: input.comment ?? 'Scored in a test' }).execute()
  }
  const now = new Date().toISOString()
  await db
    .updateTable('assessments')
    .set({ status: 'submitted', weighted_score_milli: weightedScoreMilli(panel.criteria, map), submitted_at: now, conflict_confirmed_at: now, updated_at: now })
    .where('id', '=', assessmentId)
    .execute()
  await refreshBidScoreSummaries(db, [input.applicationId])
  return assessmentId
}
