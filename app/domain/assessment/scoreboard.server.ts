/**
 * A round's scoreboard for the panel (ADR 0009): every bid with its assessors' weighted scores, mean, spread,
 * disagreement flag, moderated total, gateway result and both rankings (by moderated total and by normalised
 * z-scores), plus each assessor's calibration offset.
 *
 * Bids are the round's submitted applications (and those already decided) that screening has not found ineligible.
 * Only submitted assessments count; a declared conflict is listed separately and never counts.
 *
 * Efficient at scale: six queries whatever the number of bids (the round, its criteria, the bids, the assessments,
 * per-bid-and-criterion score tallies aggregated in SQL, the moderations), then pure arithmetic from scoring.ts.
 */
import { sql, type ExpressionBuilder, type RawBuilder } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { compiledOnce, KEPT_LIST_LENGTH, type CompiledQueries } from '~/lib/compiled-once.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { listCriteria, type Criterion } from './criteria.server.ts'
import { penceFromDatabase } from '~/lib/money.ts'
import { calibrationOffsets, moderatedOutcome, normalisedScores, rankBids, spreadOf, spreadOfSummary, type CriterionTally, type WeightedRow } from './scoring.ts'

/** Application statuses that put a bid in front of the panel: submitted, and the outcomes a released decision sets. */
export const PANEL_BID_STATUSES = ['submitted', 'successful', 'reserve', 'unsuccessful'] as const

export interface ScoreboardAssessor {
  assessorId: number
  name: string
  status: 'assigned' | 'draft' | 'submitted'
  /** Only for a submitted assessment. */
  weightedMilli: number | null
}

export interface ScoreboardConflict {
  assessorId: number
  name: string
  conflictType: string | null
  note: string | null
  /** The fund manager who recorded it on the assessor's behalf, if one did. */
  recordedByUserId: number | null
}

export interface ScoreboardBid {
  applicationId: number
  reference: string
  title: string
  organisationName: string
  placeId: number | null
  placeName: string | null
  amountRequestedPence: number
  /** Assigned assessors without a conflict, in name order. */
  assessors: ScoreboardAssessor[]
  conflicts: ScoreboardConflict[]
  submittedCount: number
  meanMilli: number | null
  spreadMilli: number | null
  disagreement: boolean
  /** The weighted total of the moderated per-criterion scores; null until every weighted criterion has a score. */
  moderatedTotalMilli: number | null
  /** How many criteria the chair has moderated on this bid. */
  moderatedCriteria: number
  gatewayFailed: boolean
  failedGatewayNames: string[]
  /** 1 = best by moderated total; unscored bids after scored ones, gateway-failed bids last; equal totals share a rank. */
  rank: number
  /** Mean over the bid's submitted assessors of their z-scores; null with no submitted assessment. */
  normalisedZ: number | null
  normalisedRank: number
}

export interface AssessorCalibration {
  assessorId: number
  name: string
  /** Average of (own weighted score − mean of the other assessors' scores) over bids shared with a peer. */
  offsetMilli: number | null
  /** Bids compared with at least one peer. */
  bids: number
  /** Bids this assessor submitted scores for. */
  scored: number
  /** A z-score needs at least two bids from the assessor to mean anything. */
  enoughForNormalisation: boolean
}

export interface RoundScoreboard {
  roundId: number
  budgetPence: number
  /** Percentage points. */
  disagreementThreshold: number
  /** The round's switch (normalise_scores). */
  normaliseScores: boolean
  /** Whether `bids` are in normalised order (the option given, else the round's switch). */
  orderedBy: 'moderated' | 'normalised'
  criteria: Criterion[]
  bids: ScoreboardBid[]
  calibration: AssessorCalibration[]
}

/** Every bid of the round with its scores and rankings, in rank order. Throws NotFoundError for no such round. */
export async function roundScoreboard(db: Db, roundId: number, options: { normalise?: boolean } = {}): Promise<RoundScoreboard> {
  const round = await db
    .selectFrom('rounds')
    .select(['id', 'budget_pence', 'disagreement_threshold', 'normalise_scores'])
    .where('id', '=', roundId)
    .executeTakeFirst()
  if (!round) throw new NotFoundError('round')
  const [criteria, bidRows, assessmentRows, tallyRows, moderationRows] = await Promise.all([
    listCriteria(db, roundId),
    panelBids(db, roundId),
    roundAssessments(db, roundId),
    roundTallies(db, roundId),
    roundModerations(db, roundId),
  ])

  const bidIds = new Set(bidRows.map((b) => b.id))
  const tallies = talliesByBid(tallyRows)
  const moderations = moderationsByBid(moderationRows)
  const assessors = new Map<number, ScoreboardAssessor[]>()
  const conflicts = new Map<number, ScoreboardConflict[]>()
  const weightedRows: WeightedRow[] = []
  const names = new Map<number, string>()
  for (const a of assessmentRows) {
    if (!bidIds.has(a.application_id)) continue
    names.set(a.assessor_user_id, a.name)
    if (a.status === 'conflict') {
      const list = conflicts.get(a.application_id) ?? []
      const declared = a.conflict
      list.push({ assessorId: a.assessor_user_id, name: a.name, conflictType: declared?.conflict_type ?? null, note: declared?.conflict_note ?? null, recordedByUserId: declared?.conflict_recorded_by ?? null })
      conflicts.set(a.application_id, list)
      continue
    }
    const weightedMilli = a.status === 'submitted' && a.weighted_score_milli !== null ? Number(a.weighted_score_milli) : null
    const list = assessors.get(a.application_id) ?? []
    list.push({ assessorId: a.assessor_user_id, name: a.name, status: a.status, weightedMilli })
    assessors.set(a.application_id, list)
    if (weightedMilli !== null) weightedRows.push({ assessorId: a.assessor_user_id, applicationId: a.application_id, weightedMilli })
  }

  const normalised = normalisedScores(weightedRows)
  const bids = bidRows.map((b) => {
    const own = assessors.get(b.id) ?? []
    const totals = own.flatMap((a) => (a.weightedMilli === null ? [] : [a.weightedMilli]))
    const bidModerations = moderations.get(b.id) ?? new Map<number, { score: number }>()
    const outcome = moderatedOutcome(criteria, tallies.get(b.id) ?? new Map(), bidModerations)
    return {
      ...bidIdentity(b),
      assessors: own,
      conflicts: conflicts.get(b.id) ?? [],
      submittedCount: totals.length,
      ...spreadOf(totals, round.disagreement_threshold),
      moderatedTotalMilli: outcome.moderatedTotalMilli,
      moderatedCriteria: bidModerations.size,
      gatewayFailed: outcome.gatewayFailed,
      failedGatewayNames: outcome.failedGatewayNames,
      rank: 0,
      normalisedZ: normalised.get(b.id) ?? null,
      normalisedRank: 0,
    } satisfies ScoreboardBid
  })
  const ranks = rankBids(bids.map((b) => ({ applicationId: b.applicationId, score: b.moderatedTotalMilli, gatewayFailed: b.gatewayFailed })))
  const normalisedRanks = rankBids(bids.map((b) => ({ applicationId: b.applicationId, score: b.normalisedZ, gatewayFailed: b.gatewayFailed })))
  for (const b of bids) {
    b.rank = ranks.get(b.applicationId)!
    b.normalisedRank = normalisedRanks.get(b.applicationId)!
  }
  const normaliseScores = round.normalise_scores === 1
  const orderedBy = (options.normalise ?? normaliseScores) ? 'normalised' : 'moderated'
  const key = orderedBy === 'normalised' ? 'normalisedRank' : 'rank'
  bids.sort((a, b) => a[key] - b[key] || a.applicationId - b.applicationId)

  const offsets = calibrationOffsets(weightedRows)
  const calibration = [...offsets]
    .map(([assessorId, o]) => ({ assessorId, name: names.get(assessorId) ?? '', ...o, enoughForNormalisation: o.scored >= 2 }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.assessorId - b.assessorId)

  return {
    roundId,
    budgetPence: Number(round.budget_pence),
    disagreementThreshold: round.disagreement_threshold,
    normaliseScores,
    orderedBy,
    criteria,
    bids,
    calibration,
  }
}

/** A bid as the ranked list needs it: the scoreboard's bid without its assessors, conflicts and normalised ranking. */
export type RankedBid = Omit<ScoreboardBid, 'assessors' | 'conflicts' | 'normalisedZ' | 'normalisedRank'>

/** A bid's place in the ranked list and what the panel's running totals need, from its row of bid_score_summaries. */
export interface RankingEntry {
  applicationId: number
  rank: number
  placeId: number | null
  amountRequestedPence: number
  moderatedTotalMilli: number | null
  gatewayFailed: boolean
  /** The bid's outcome areas as stored (JSON), for ring-fences that fund only some outcomes. */
  outcomeAreas: string
}

/**
 * The round's bids in front of the panel in moderated rank order (the scoreboard's rank: rankBids over the moderated
 * totals and gateway results), one row a bid from the maintained score summaries (score-summaries.server.ts) joined to
 * the bids, with no score aggregated on the way.
 */
export async function roundRankingEntries(db: Db, roundId: number): Promise<RankingEntry[]> {
  const [rows, summaries] = await Promise.all([
    panelBidQuery(db, roundId).select(['applications.id', 'applications.place_id', 'applications.amount_requested_pence', 'applications.outcome_areas']).execute(),
    // The round's summaries by one range of their round index (joined by bid, PostgreSQL hashes every summary).
    db.selectFrom('bid_score_summaries').select(['application_id', 'moderated_total_milli', 'gateway_failed']).where('round_id', '=', roundId).execute(),
  ])
  const summaryOf = new Map(summaries.map((s) => [s.application_id, s]))
  const entries = rows.map((r) => {
    const s = summaryOf.get(r.id)
    return {
      applicationId: r.id,
      rank: 0,
      placeId: r.place_id,
      amountRequestedPence: penceFromDatabase(r.amount_requested_pence),
      moderatedTotalMilli: s && s.moderated_total_milli !== null ? Number(s.moderated_total_milli) : null,
      gatewayFailed: s?.gateway_failed === 1,
      outcomeAreas: r.outcome_areas,
    }
  })
  const ranks = rankBids(entries.map((e) => ({ applicationId: e.applicationId, score: e.moderatedTotalMilli, gatewayFailed: e.gatewayFailed })))
  for (const e of entries) e.rank = ranks.get(e.applicationId)!
  return entries.sort((a, b) => a.rank - b.rank || a.applicationId - b.applicationId)
}

/**
 * Everything the ranked list shows about some of the round's ranked bids (a page of them, or all), in the order given:
 * the bid itself, and from its score summary the mean, spread and disagreement (spreadOfSummary), the moderated total
 * and the gateway result; the names of the gateways failed are worked out for the failing bids only. The round's
 * disagreement threshold is read unless the caller has it.
 */
export async function rankedBids(db: Db, roundId: number, entries: readonly RankingEntry[], round?: { disagreementThreshold: number }): Promise<RankedBid[]> {
  if (entries.length === 0) return []
  const ids = entries.map((e) => e.applicationId)
  const failing = entries.filter((e) => e.gatewayFailed).map((e) => e.applicationId)
  const [threshold, rows, gatewayNames] = await Promise.all([
    round?.disagreementThreshold ?? db.selectFrom('rounds').select('disagreement_threshold').where('id', '=', roundId).executeTakeFirstOrThrow().then((r) => r.disagreement_threshold),
    // Each bid with its score summary (none until it has a submitted score or a moderation), in one query.
    db
      .executeQuery(
        compiledOnce(summarisedBidsQueries, db, `${ids.length}`, (slot) => summarisedBidsQuery(db, slot.list('ids', ids.length)), { ids }, {
          prepared: ids.length <= KEPT_LIST_LENGTH,
          onlySlots: true,
        }),
      )
      .then((r) => r.rows),
    failedGatewayNames(db, roundId, failing),
  ])
  const rowOf = new Map(rows.map((b) => [b.id, b]))
  return entries.map((e) => {
    const s = rowOf.get(e.applicationId)!
    const count = s.submitted_count === null ? 0 : Number(s.submitted_count)
    const weights = count > 0 ? { count, total: Number(s.weighted_total_milli), lowest: Number(s.weighted_lowest_milli), highest: Number(s.weighted_highest_milli) } : null
    return {
      ...bidIdentity(s),
      submittedCount: count,
      ...spreadOfSummary(weights, threshold),
      moderatedTotalMilli: e.moderatedTotalMilli,
      moderatedCriteria: s.moderated_criteria === null ? 0 : Number(s.moderated_criteria),
      gatewayFailed: e.gatewayFailed,
      failedGatewayNames: gatewayNames.get(e.applicationId) ?? [],
      rank: e.rank,
    } satisfies RankedBid
  })
}

/** Bids with their score summaries (rankedBids), by id. */
function summarisedBidsQuery(db: Db, ids: RawBuilder<unknown>) {
  return bidIdentityQuery(db)
    .leftJoin('bid_score_summaries', 'bid_score_summaries.application_id', 'applications.id')
    .select(['bid_score_summaries.submitted_count', 'bid_score_summaries.weighted_total_milli', 'bid_score_summaries.weighted_lowest_milli', 'bid_score_summaries.weighted_highest_milli', 'bid_score_summaries.moderated_criteria'])
    .where(sql<boolean>`applications.id in (${ids})`)
}

/**
 * summarisedBidsQuery compiled once for each length of list (the panel's pages ask for the same few lengths;
 * ~/lib/compiled-once.server.ts), kept prepared on PostgreSQL up to KEPT_LIST_LENGTH bids: a whole round's list is
 * asked for rarely (the pack, the optimiser) and its length changes with every bid.
 */
const summarisedBidsQueries: CompiledQueries<Awaited<ReturnType<ReturnType<typeof summarisedBidsQuery>['execute']>>[number]> = new Map()

/** The gateways each of some bids fails (moderatedOutcome over the round's gateway criteria), by application id. */
async function failedGatewayNames(db: Db, roundId: number, applicationIds: number[]): Promise<Map<number, string[]>> {
  if (applicationIds.length === 0) return new Map()
  const gateways = (await listCriteria(db, roundId)).filter((c) => c.isGateway)
  if (gateways.length === 0) return new Map()
  const gatewayIds = gateways.map((c) => c.id)
  const [tallyRows, moderationRows] = await Promise.all([
    tallyQuery(db).where('assessments.application_id', 'in', applicationIds).where('criterion_scores.criterion_id', 'in', gatewayIds).execute(),
    db.selectFrom('moderations').select(['application_id', 'criterion_id', 'score']).where('application_id', 'in', applicationIds).where('criterion_id', 'in', gatewayIds).execute(),
  ])
  const tallies = talliesByBid(tallyRows)
  const moderations = moderationsByBid(moderationRows)
  return new Map(applicationIds.map((id) => [id, moderatedOutcome(gateways, tallies.get(id) ?? new Map(), moderations.get(id) ?? new Map()).failedGatewayNames]))
}

/**
 * The round's bids in moderated rank order with exactly the scoreboard's rank, scores, spread and gateway result
 * (roundScoreboard with normalise: false), for the panel's ranked list, read from the maintained score summaries.
 * Throws NotFoundError for no such round.
 */
export async function roundRanking(db: Db, roundId: number): Promise<RankedBid[]> {
  const round = await db.selectFrom('rounds').select('id').where('id', '=', roundId).executeTakeFirst()
  if (!round) throw new NotFoundError('round')
  return rankedBids(db, roundId, await roundRankingEntries(db, roundId))
}

/** Per bid and criterion: the sum, count and lowest of the submitted raw scores (aggregated in SQL). */
function roundTallies(db: Db, roundId: number) {
  return tallyQuery(db).innerJoin('applications', 'applications.id', 'assessments.application_id').where('applications.round_id', '=', roundId).execute()
}

function tallyQuery(db: Db) {
  return db
    .selectFrom('criterion_scores')
    .innerJoin('assessments', 'assessments.id', 'criterion_scores.assessment_id')
    .select((eb) => [
      'assessments.application_id',
      'criterion_scores.criterion_id',
      eb.fn.sum<number | string>('criterion_scores.score').as('total'),
      eb.fn.countAll<number | string>().as('count'),
      eb.fn.min<number | string>('criterion_scores.score').as('lowest'),
    ])
    .where('assessments.status', '=', 'submitted')
    .groupBy(['assessments.application_id', 'criterion_scores.criterion_id'])
}

function roundModerations(db: Db, roundId: number) {
  return db
    .selectFrom('moderations')
    .innerJoin('applications', 'applications.id', 'moderations.application_id')
    .select(['moderations.application_id', 'moderations.criterion_id', 'moderations.score'])
    .where('applications.round_id', '=', roundId)
    .execute()
}

function talliesByBid(rows: Awaited<ReturnType<typeof roundTallies>>): Map<number, Map<number, CriterionTally>> {
  const tallies = new Map<number, Map<number, CriterionTally>>()
  for (const t of rows) {
    const byCriterion = tallies.get(t.application_id) ?? new Map<number, CriterionTally>()
    byCriterion.set(t.criterion_id, { sum: Number(t.total), count: Number(t.count), lowest: Number(t.lowest) })
    tallies.set(t.application_id, byCriterion)
  }
  return tallies
}

function moderationsByBid(rows: Awaited<ReturnType<typeof roundModerations>>): Map<number, Map<number, { score: number }>> {
  const moderations = new Map<number, Map<number, { score: number }>>()
  for (const m of rows) {
    const byCriterion = moderations.get(m.application_id) ?? new Map<number, { score: number }>()
    byCriterion.set(m.criterion_id, { score: m.score })
    moderations.set(m.application_id, byCriterion)
  }
  return moderations
}

/**
 * Every assessment of the round's bids with its assessor's name, in name order. The scores come from the covering
 * (application, status, assessor, weighted score, id) index alone; the few declared conflicts' details are read after,
 * by id (reading them in the same query makes PostgreSQL scan every assessment in the programme).
 */
async function roundAssessments(db: Db, roundId: number) {
  const rows = await db
    .selectFrom('assessments')
    .innerJoin('applications', 'applications.id', 'assessments.application_id')
    .innerJoin('users', 'users.id', 'assessments.assessor_user_id')
    .select(['assessments.id', 'assessments.application_id', 'assessments.assessor_user_id', 'assessments.status', 'assessments.weighted_score_milli', 'users.name'])
    .where('applications.round_id', '=', roundId)
    .orderBy('users.name')
    .orderBy('assessments.assessor_user_id')
    .execute()
  const conflictIds = rows.filter((r) => r.status === 'conflict').map((r) => r.id)
  const declared = conflictIds.length
    ? await db.selectFrom('assessments').select(['id', 'conflict_type', 'conflict_note', 'conflict_recorded_by']).where('id', 'in', conflictIds).execute()
    : []
  const byId = new Map(declared.map((d) => [d.id, d]))
  return rows.map((r) => ({ ...r, conflict: byId.get(r.id) ?? null }))
}

/** What a scoreboard row says about the bid itself, from a panelBids row. */
function bidIdentity(b: Awaited<ReturnType<typeof panelBids>>[number]) {
  return {
    applicationId: b.id,
    reference: b.reference,
    title: b.title,
    organisationName: b.organisation_name,
    placeId: b.place_id,
    placeName: b.place_name,
    amountRequestedPence: penceFromDatabase(b.amount_requested_pence),
  }
}

/** The round's bids in front of the panel (see PANEL_BID_STATUSES; not screened ineligible), by application id. */
function panelBids(db: Db, roundId: number) {
  return bidIdentityQuery(db)
    .where('applications.round_id', '=', roundId)
    .where(inFrontOfPanel)
    .orderBy('applications.id')
    .execute()
}

/** A bid as a scoreboard row names it (see bidIdentity). */
function bidIdentityQuery(db: Db) {
  return db
    .selectFrom('applications')
    .leftJoin('places', 'places.id', 'applications.place_id')
    .select((eb) => [
      'applications.id',
      'applications.reference',
      'applications.title',
      'applications.place_id',
      'applications.amount_requested_pence',
      // A lookup per bid by primary key: as a join, PostgreSQL hashes all 50,000 organisations for a round's 1,000 bids.
      eb.selectFrom('organisations').select('organisations.name').whereRef('organisations.id', '=', 'applications.organisation_id').$asScalar().$notNull().as('organisation_name'),
      'places.name as place_name',
    ])
}

/** The round's bids in front of the panel, in application id order, for a caller to choose columns. */
function panelBidQuery(db: Db, roundId: number) {
  return db.selectFrom('applications').where('applications.round_id', '=', roundId).where(inFrontOfPanel).orderBy('applications.id')
}

/** A bid in front of the panel (see PANEL_BID_STATUSES; not screened ineligible), as a condition on its applications row. */
export function inFrontOfPanel(eb: ExpressionBuilder<DB, 'applications'>) {
  return eb.and([
    eb('applications.status', 'in', PANEL_BID_STATUSES),
    eb.or([
      eb('applications.screening_override', '=', 'eligible'),
      eb.and([eb('applications.screening_override', 'is', null), eb.or([eb('applications.screening_result', 'is', null), eb('applications.screening_result', '!=', 'ineligible')])]),
    ]),
  ])
}
