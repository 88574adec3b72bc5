/**
 * How a bid's scores add up (docs/decisions/0009-assessment-and-panels.md). Pure and isomorphic: the server computes
 * every total, and pages may render the same functions' results.
 *
 * A weighted score is on a 0-100 scale whatever each criterion's own scale: each scored criterion contributes its
 * weight times how far up its scale the score sits, (score - min) / (max - min). Totals are kept as integer
 * thousandths of a point ("milli-points") so they compare and store exactly. Gateway criteria are pass/fail
 * (1 = pass, 0 = fail), carry no weight, and a fail stops the bid whatever its score.
 */

export interface CriterionForScoring {
  id: number
  name: string
  weight: number
  scaleMin: number
  scaleMax: number
  isGateway: boolean
}

/** Scores by criterion id. Missing entries are unscored. */
export type ScoreMap = ReadonlyMap<number, number>

export const MILLI = 1000

/** 0..100_000 milli-points; null when a weighted (non-gateway) criterion is unscored or there are none. */
export function weightedScoreMilli(criteria: readonly CriterionForScoring[], scores: ScoreMap): number | null {
  const weighted = criteria.filter((c) => !c.isGateway)
  const totalWeight = weighted.reduce((sum, c) => sum + c.weight, 0)
  if (weighted.length === 0 || totalWeight <= 0) return null
  let sum = 0
  for (const c of weighted) {
    const score = scores.get(c.id)
    if (score === undefined) return null
    sum += (c.weight * (score - c.scaleMin)) / (c.scaleMax - c.scaleMin)
  }
  return Math.round((sum / totalWeight) * 100 * MILLI)
}

/** The gateway criteria a set of scores fails (score 0 on a pass/fail criterion). */
export function failedGateways(criteria: readonly CriterionForScoring[], scores: ScoreMap): CriterionForScoring[] {
  return criteria.filter((c) => c.isGateway && scores.get(c.id) === 0)
}

/** "72.5" from 72_500 milli-points. */
export function formatPoints(milli: number | null, digits = 1): string {
  return milli === null ? '—' : (milli / MILLI).toFixed(digits)
}

/** A bid's per-criterion totals over its submitted assessments: what the moderated means and gateway fails need. */
export interface CriterionTally {
  /** Sum of the submitted raw scores. */
  sum: number
  /** How many submitted scores there are. */
  count: number
  /** The lowest submitted score (a gateway fails when it is 0). */
  lowest: number
}

/** One submitted assessment of a bid. `weightedMilli` is the stored total; when null it is computed from the scores. */
export interface AssessmentForSummary {
  assessorId: number
  scores: ScoreMap
  weightedMilli: number | null
}

export interface BidSummary {
  perAssessor: { assessorId: number; weightedMilli: number | null; failedGatewayNames: string[] }[]
  /** Mean of the submitted assessors' weighted scores (milli-points), null with none. */
  meanMilli: number | null
  /** Highest minus lowest weighted score, null with none. */
  spreadMilli: number | null
  /** The spread exceeds the round's disagreement threshold. */
  disagreement: boolean
  /** Per criterion: the chair's score where one exists, else the mean of the submitted raw scores (may be fractional). */
  moderatedByCriterion: Map<number, number>
  /** The weighted formula applied to `moderatedByCriterion`; null while a weighted criterion has no score at all. */
  moderatedTotalMilli: number | null
  gatewayFailed: boolean
  failedGatewayNames: string[]
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length
}

/** The per-criterion tallies of a bid's submitted assessments. */
export function tallyScores(assessments: readonly Pick<AssessmentForSummary, 'scores'>[]): Map<number, CriterionTally> {
  const tallies = new Map<number, CriterionTally>()
  for (const a of assessments) {
    for (const [criterionId, score] of a.scores) {
      const t = tallies.get(criterionId)
      if (t) {
        t.sum += score
        t.count += 1
        t.lowest = Math.min(t.lowest, score)
      } else tallies.set(criterionId, { sum: score, count: 1, lowest: score })
    }
  }
  return tallies
}

/** Mean, spread and the disagreement flag of the submitted assessors' weighted scores. */
export function spreadOf(weightedMillis: readonly number[], thresholdPoints: number): Pick<BidSummary, 'meanMilli' | 'spreadMilli' | 'disagreement'> {
  if (weightedMillis.length === 0) return spreadOfSummary(null, thresholdPoints)
  const total = weightedMillis.reduce((t, m) => t + m, 0)
  return spreadOfSummary({ count: weightedMillis.length, total, lowest: Math.min(...weightedMillis), highest: Math.max(...weightedMillis) }, thresholdPoints)
}

/** spreadOf from a bid's weighted scores already counted, summed and ranged (by SQL); null when it has none. */
export function spreadOfSummary(
  summary: { count: number; total: number; lowest: number; highest: number } | null,
  thresholdPoints: number,
): Pick<BidSummary, 'meanMilli' | 'spreadMilli' | 'disagreement'> {
  if (!summary || summary.count === 0) return { meanMilli: null, spreadMilli: null, disagreement: false }
  const spreadMilli = summary.highest - summary.lowest
  return { meanMilli: Math.round(summary.total / summary.count), spreadMilli, disagreement: spreadMilli > thresholdPoints * MILLI }
}

/**
 * The moderated side of a bid from its per-criterion tallies and the chair's moderations: the moderated score per
 * criterion, the moderated total, and the gateways it fails. A gateway fails when any submitted assessor failed it,
 * unless the chair moderated it to a pass; a chair's fail fails it.
 */
export function moderatedOutcome(
  criteria: readonly CriterionForScoring[],
  tallies: ReadonlyMap<number, CriterionTally>,
  moderations: ReadonlyMap<number, { score: number }>,
): Pick<BidSummary, 'moderatedByCriterion' | 'moderatedTotalMilli' | 'gatewayFailed' | 'failedGatewayNames'> {
  const moderatedByCriterion = new Map<number, number>()
  const failedGatewayNames: string[] = []
  for (const c of criteria) {
    const chair = moderations.get(c.id)
    const tally = tallies.get(c.id)
    if (chair) moderatedByCriterion.set(c.id, chair.score)
    else if (tally && tally.count > 0) moderatedByCriterion.set(c.id, tally.sum / tally.count)
    if (c.isGateway && (chair ? chair.score === 0 : !!tally && tally.count > 0 && tally.lowest === 0)) failedGatewayNames.push(c.name)
  }
  return {
    moderatedByCriterion,
    moderatedTotalMilli: weightedScoreMilli(criteria, moderatedByCriterion),
    gatewayFailed: failedGatewayNames.length > 0,
    failedGatewayNames,
  }
}

/**
 * Everything the panel sees about one bid from its submitted assessments (conflicted and unsubmitted ones must not be
 * passed in) and the chair's moderations by criterion id.
 */
export function bidSummary(
  criteria: readonly CriterionForScoring[],
  assessments: readonly AssessmentForSummary[],
  moderations: ReadonlyMap<number, { score: number }>,
  thresholdPoints: number,
): BidSummary {
  const perAssessor = assessments.map((a) => ({
    assessorId: a.assessorId,
    weightedMilli: a.weightedMilli ?? weightedScoreMilli(criteria, a.scores),
    failedGatewayNames: failedGateways(criteria, a.scores).map((c) => c.name),
  }))
  const totals = perAssessor.map((a) => a.weightedMilli).filter((w): w is number => w !== null)
  return { perAssessor, ...spreadOf(totals, thresholdPoints), ...moderatedOutcome(criteria, tallyScores(assessments), moderations) }
}

/** One submitted assessment's weighted total, as calibration and normalisation read them. */
export interface WeightedRow {
  assessorId: number
  applicationId: number
  weightedMilli: number
}

export interface CalibrationOffset {
  /** Mean over compared bids of (this assessor's score − mean of the other assessors' scores); null with none. */
  offsetMilli: number | null
  /** Bids compared (scored by this assessor and at least one other). */
  bids: number
  /** Bids this assessor scored in all. */
  scored: number
}

function groupBy<K, T>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>()
  for (const row of rows) {
    const k = key(row)
    const group = groups.get(k)
    if (group) group.push(row)
    else groups.set(k, [row])
  }
  return groups
}

/** Each assessor's average offset from their peers on the same bids; bids with no peer are skipped. */
export function calibrationOffsets(rows: readonly WeightedRow[]): Map<number, CalibrationOffset> {
  const diffs = new Map<number, { sum: number; bids: number; scored: number }>()
  for (const bidRows of groupBy(rows, (r) => r.applicationId).values()) {
    const total = bidRows.reduce((sum, r) => sum + r.weightedMilli, 0)
    for (const r of bidRows) {
      const d = diffs.get(r.assessorId) ?? { sum: 0, bids: 0, scored: 0 }
      d.scored += 1
      if (bidRows.length > 1) {
        d.sum += r.weightedMilli - (total - r.weightedMilli) / (bidRows.length - 1)
        d.bids += 1
      }
      diffs.set(r.assessorId, d)
    }
  }
  return new Map([...diffs].map(([assessorId, d]) => [assessorId, { offsetMilli: d.bids > 0 ? Math.round(d.sum / d.bids) : null, bids: d.bids, scored: d.scored }]))
}

/** Each row's z-score among its assessor's scores in the round (population σ; σ = 0 gives 0). */
export function assessorZScores(rows: readonly WeightedRow[]): Map<WeightedRow, number> {
  const z = new Map<WeightedRow, number>()
  for (const own of groupBy(rows, (r) => r.assessorId).values()) {
    const mu = mean(own.map((r) => r.weightedMilli))
    const sigma = Math.sqrt(mean(own.map((r) => (r.weightedMilli - mu) ** 2)))
    for (const r of own) z.set(r, sigma === 0 ? 0 : (r.weightedMilli - mu) / sigma)
  }
  return z
}

/** Each bid's mean z-score over its assessors (normalisation, the chair's switch). */
export function normalisedScores(rows: readonly WeightedRow[]): Map<number, number> {
  const z = assessorZScores(rows)
  return new Map([...groupBy(rows, (r) => r.applicationId)].map(([applicationId, bidRows]) => [applicationId, mean(bidRows.map((r) => z.get(r)!))]))
}

export interface Rankable {
  applicationId: number
  /** Higher is better; null when the bid has no score yet. */
  score: number | null
  gatewayFailed: boolean
}

/**
 * Ranks bids: scored bids by score, highest first (equal scores share a rank: 1, 2, 2, 4), then unscored bids, then
 * bids that failed a gateway. Returns the rank by application id; ties within a group are listed by application id.
 */
export function rankBids(items: readonly Rankable[]): Map<number, number> {
  const group = (b: Rankable) => (b.gatewayFailed ? 2 : b.score === null ? 1 : 0)
  const ordered = [...items].sort((a, b) => group(a) - group(b) || (b.score ?? 0) - (a.score ?? 0) || a.applicationId - b.applicationId)
  const ranks = new Map<number, number>()
  ordered.forEach((b, i) => {
    const prev = ordered[i - 1]
    const tied = prev && group(prev) === group(b) && prev.score === b.score
    ranks.set(b.applicationId, tied ? ranks.get(prev.applicationId)! : i + 1)
  })
  return ranks
}

/** Whole-percent shares of the total weight of the scored criteria, by largest remainder so they add up to 100. */
export function weightShares(criteria: readonly CriterionForScoring[]): Map<number, number> {
  const scored = criteria.filter((c) => !c.isGateway && c.weight > 0)
  const total = scored.reduce((sum, c) => sum + c.weight, 0)
  const shares = new Map<number, number>()
  if (total === 0) return shares
  const exact = scored.map((c) => ({ id: c.id, floor: Math.floor((c.weight * 100) / total), rest: (c.weight * 100) % total }))
  let left = 100 - exact.reduce((sum, e) => sum + e.floor, 0)
  for (const e of [...exact].sort((a, b) => b.rest - a.rest || a.id - b.id)) {
    shares.set(e.id, e.floor + (left > 0 ? 1 : 0))
    left -= 1
  }
  return shares
}
