/**
 * The arithmetic of the bench: wrk's report as a summary (response times, requests per second, failures), medians of
 * timed calls, ratios. Pure (no clock, no I/O), so bench/stats.test.ts can check it.
 */

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

/** What bench/wrk-report.lua prints when wrk's load ends: counts, and microseconds. */
export interface WrkReport {
  requests: number
  durationUs: number
  connectErrors: number
  readErrors: number
  writeErrors: number
  /** Responses with a status of 400 or more (wrk's own count). */
  statusErrors: number
  timeouts: number
  p50Us: number
  p95Us: number
  p99Us: number
}

/**
 * wrk's report as the bench's summary: milliseconds to 2 places, requests per second over the time wrk measured, and
 * every error (a connection, read or write error, a timeout, a status of 400 or more) a failure. Throws on a report
 * that is not wrk's (a missing or non-numeric field), so a changed script or tool cannot pass for a measurement.
 */
export function summariseWrk(report: unknown): LatencySummary {
  const fields: (keyof WrkReport)[] = ['requests', 'durationUs', 'connectErrors', 'readErrors', 'writeErrors', 'statusErrors', 'timeouts', 'p50Us', 'p95Us', 'p99Us']
  const r = report as Record<string, unknown>
  const missing = fields.filter((f) => typeof r?.[f] !== 'number' || !Number.isFinite(r[f]) || (r[f] as number) < 0)
  if (missing.length > 0) throw new Error(`wrk's report lacks ${missing.join(', ')}: ${JSON.stringify(report)}`)
  const w = r as unknown as WrkReport
  if (!(w.durationUs > 0)) throw new RangeError('a measurement lasts a positive time')
  const answered = w.requests > 0
  return {
    p50: answered ? round(w.p50Us / 1000, 2) : Number.NaN,
    p95: answered ? round(w.p95Us / 1000, 2) : Number.NaN,
    p99: answered ? round(w.p99Us / 1000, 2) : Number.NaN,
    rps: round(w.requests / (w.durationUs / 1_000_000), 1),
    requests: w.requests,
    failures: w.connectErrors + w.readErrors + w.writeErrors + w.statusErrors + w.timeouts,
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
