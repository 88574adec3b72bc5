/** The bench's arithmetic: wrk's report as the latency summary, medians and ratios. */
import { describe, expect, test } from 'vitest'
import { median, ratio, summariseWrk } from './stats.ts'

describe('median', () => {
  test('odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
  })
})

describe('summariseWrk', () => {
  const report = { requests: 2_000, durationUs: 4_000_000, connectErrors: 0, readErrors: 0, writeErrors: 0, statusErrors: 0, timeouts: 0, p50Us: 7_046, p95Us: 14_132, p99Us: 79_067 }

  test('milliseconds to 2 places, requests per second over the time wrk measured', () => {
    expect(summariseWrk(report)).toEqual({ p50: 7.05, p95: 14.13, p99: 79.07, rps: 500, requests: 2_000, failures: 0 })
    expect(summariseWrk({ ...report, durationUs: 3_000_000 }).rps).toBe(666.7)
  })

  test('every kind of error is a failure', () => {
    expect(summariseWrk({ ...report, connectErrors: 1, readErrors: 2, writeErrors: 3, statusErrors: 4, timeouts: 5 }).failures).toBe(15)
  })

  test('no response answered: no times, no rate', () => {
    const s = summariseWrk({ ...report, requests: 0, timeouts: 16 })
    expect(s.p95).toBeNaN()
    expect(s.rps).toBe(0)
    expect(s.failures).toBe(16)
  })

  test('refuses what is not a report of a measurement', () => {
    expect(() => summariseWrk({ ...report, p95Us: undefined })).toThrow(/lacks p95Us/)
    expect(() => summariseWrk({ ...report, requests: '2000' })).toThrow(/lacks requests/)
    expect(() => summariseWrk(null)).toThrow(/lacks requests/)
    expect(() => summariseWrk({ ...report, durationUs: 0 })).toThrow(RangeError)
  })
})

describe('ratio', () => {
  test('to two places, or null when there is nothing to divide by', () => {
    expect(ratio(1200, 2400)).toBe(0.5)
    expect(ratio(1, 3)).toBe(0.33)
    expect(ratio(5, 0)).toBeNull()
    expect(ratio(null, 3)).toBeNull()
    expect(ratio(Number.NaN, 3)).toBeNull()
  })
})
