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
