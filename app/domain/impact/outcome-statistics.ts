/**
 * Outcome statistics from sufficient statistics. Each return stores, per measure, n, the means before and after and
 * the sum and sum of squares of each person's change (after - before) (table return_outcomes). Those add up across
 * any set of returns, so a roll-up's mean change, standard deviation and 95% confidence interval are exact, whether a
 * group reported per participant or as a cohort summary (n, means and the standard deviation of the change).
 *
 * The interval is the t interval for a mean paired difference: mean ± t(0.975, n-1) × sd / √n.
 */
import jstat from 'jstat'

export interface OutcomeSums {
  n: number
  meanBefore: number
  meanAfter: number
  sumChange: number
  sumSqChange: number
}

export interface OutcomeSummary {
  n: number
  meanBefore: number
  meanAfter: number
  meanChange: number
  /** Sample standard deviation of the change; null when n < 2. */
  sdChange: number | null
  /** 95% confidence interval of the mean change; null when n < 2. */
  ci95: { low: number; high: number } | null
}

/** Sufficient statistics from each participant's before and after values. */
export function sumsFromParticipants(pairs: ReadonlyArray<{ before: number; after: number }>): OutcomeSums {
  if (pairs.length === 0) throw new RangeError('At least one participant is needed')
  let before = 0
  let after = 0
  let sumChange = 0
  let sumSqChange = 0
  for (const p of pairs) {
    const change = p.after - p.before
    before += p.before
    after += p.after
    sumChange += change
    sumSqChange += change * change
  }
  return { n: pairs.length, meanBefore: before / pairs.length, meanAfter: after / pairs.length, sumChange, sumSqChange }
}

/** Sufficient statistics from a cohort summary: n, the two means and the standard deviation of the change. */
export function sumsFromCohort(summary: { n: number; meanBefore: number; meanAfter: number; sdChange: number }): OutcomeSums {
  const { n, meanBefore, meanAfter, sdChange } = summary
  if (!Number.isInteger(n) || n < 1) throw new RangeError('A cohort has at least one person')
  if (sdChange < 0) throw new RangeError('A standard deviation cannot be negative')
  const meanChange = meanAfter - meanBefore
  return { n, meanBefore, meanAfter, sumChange: n * meanChange, sumSqChange: (n - 1) * sdChange * sdChange + n * meanChange * meanChange }
}

/** Adds several returns' sums (e.g. every accepted return in a pot) into one. */
export function addSums(rows: ReadonlyArray<OutcomeSums>): OutcomeSums | null {
  const n = rows.reduce((s, r) => s + r.n, 0)
  if (n === 0) return null
  return {
    n,
    meanBefore: rows.reduce((s, r) => s + r.n * r.meanBefore, 0) / n,
    meanAfter: rows.reduce((s, r) => s + r.n * r.meanAfter, 0) / n,
    sumChange: rows.reduce((s, r) => s + r.sumChange, 0),
    sumSqChange: rows.reduce((s, r) => s + r.sumSqChange, 0),
  }
}

/** The mean change with its standard deviation and 95% confidence interval. */
export function summarise(sums: OutcomeSums): OutcomeSummary {
  const { n, meanBefore, meanAfter } = sums
  const meanChange = sums.sumChange / n
  if (n < 2) return { n, meanBefore, meanAfter, meanChange, sdChange: null, ci95: null }
  // Guard the tiny negative values floating-point subtraction can leave when every change is the same.
  const variance = Math.max(0, (sums.sumSqChange - n * meanChange * meanChange) / (n - 1))
  const sdChange = Math.sqrt(variance)
  const halfWidth = jstat.jStat.studentt.inv(0.975, n - 1) * (sdChange / Math.sqrt(n))
  return { n, meanBefore, meanAfter, meanChange, sdChange, ci95: { low: meanChange - halfWidth, high: meanChange + halfWidth } }
}
