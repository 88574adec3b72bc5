/**
 * The arithmetic of the bench: percentiles of response times, medians of timed calls, requests per second, ratios.
 * Pure (no clock, no I/O), so bench/stats.test.ts can check it.
 */

/**
 * The p-th percentile (0 < p <= 100) of a list of numbers, by the nearest-rank method: the smallest value with at least
 * p% of the values at or below it. Nearest-rank never invents a time nobody saw (no interpolation), and p100 is the
 * maximum. NaN for an empty list.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`a percentile must be above 0 and at most 100, not ${p}`)
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

/** The middle value (the mean of the two middle values for an even count). NaN for an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export interface LatencySummary {
  /** Milliseconds. */
  p50: number
  p95: number
  p99: number
  /** Requests answered per second over the measurement. */
  rps: number
  /** Responses counted (each has a time in the percentiles). */
  requests: number
  /** Responses that were not 2xx, plus connection errors and timeouts: any makes the measurement a failure. */
  failures: number
}

/** Summarises the response times (ms) seen in `seconds` of load. */
export function summariseLatencies(timesMs: readonly number[], seconds: number, failures = 0): LatencySummary {
  if (!(seconds > 0)) throw new RangeError('a measurement lasts a positive number of seconds')
  return {
    p50: round(percentile(timesMs, 50), 2),
    p95: round(percentile(timesMs, 95), 2),
    p99: round(percentile(timesMs, 99), 2),
    rps: round(timesMs.length / seconds, 1),
    requests: timesMs.length,
    failures,
  }
}

/** a / b, to 2 decimal places; null when either is missing or b is not positive (nothing to compare with). */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b <= 0) return null
  return round(a / b, 2)
}

export function round(value: number, places: number): number {
  if (!Number.isFinite(value)) return value
  const f = 10 ** places
  return Math.round(value * f) / f
}
