/** The bench's arithmetic: nearest-rank percentiles, medians, the latency summary and ratios. */
import { describe, expect, test } from 'vitest'
import { median, percentile, ratio, summariseLatencies } from './stats.ts'

const hundred = Array.from({ length: 100 }, (_, i) => i + 1) // 1..100

describe('percentile (nearest rank)', () => {
  test('of 1..100 is the value itself', () => {
    expect(percentile(hundred, 50)).toBe(50)
    expect(percentile(hundred, 95)).toBe(95)
    expect(percentile(hundred, 99)).toBe(99)
    expect(percentile(hundred, 100)).toBe(100)
  })

  test('does not depend on the order the times arrived in', () => {
    const shuffled = [...hundred].reverse()
    expect(percentile(shuffled, 95)).toBe(95)
    expect(shuffled[0]).toBe(100) // the input is not sorted in place
  })

  test('never interpolates: p95 of ten values is the tenth, p50 the fifth', () => {
    const ten = [5, 1, 9, 3, 7, 2, 8, 4, 10, 6]
    expect(percentile(ten, 95)).toBe(10)
    expect(percentile(ten, 90)).toBe(9)
    expect(percentile(ten, 50)).toBe(5)
  })

  test('a single slow response shows in p99 of 100 only when it is in the top 1%', () => {
    const times = [...Array(99).fill(2), 500]
    expect(percentile(times, 99)).toBe(2)
    expect(percentile(times, 100)).toBe(500)
    const two = [...Array(98).fill(2), 400, 500]
    expect(percentile(two, 99)).toBe(400)
  })

  test('of one value is that value, of none is NaN, and p must be in (0, 100]', () => {
    expect(percentile([7.25], 99)).toBe(7.25)
    expect(percentile([], 50)).toBeNaN()
    expect(() => percentile(hundred, 0)).toThrow(RangeError)
    expect(() => percentile(hundred, 101)).toThrow(RangeError)
  })
})

describe('median', () => {
  test('odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
  })
})

describe('summariseLatencies', () => {
  test('percentiles, requests per second over the duration, and failures carried through', () => {
    const s = summariseLatencies(hundred.map((v) => v / 10), 2, 3)
    expect(s).toEqual({ p50: 5, p95: 9.5, p99: 9.9, rps: 50, requests: 100, failures: 3 })
  })

  test('rounds times to 2 places and rate to 1', () => {
    const s = summariseLatencies([1.23456, 1.23456, 1.23456], 7)
    expect(s.p95).toBe(1.23)
    expect(s.rps).toBe(0.4)
  })

  test('refuses a measurement of no time', () => {
    expect(() => summariseLatencies([1], 0)).toThrow(RangeError)
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
