import { describe, expect, test } from 'vitest'
import { addSums, summarise, sumsFromCohort, sumsFromParticipants } from './outcome-statistics.ts'

describe('outcome statistics', () => {
  // Five people's life satisfaction before and after: changes 2, 1, 3, 0, 2.
  // Mean change 8/5 = 1.6; sample variance ((0.4² + 0.6² + 1.4² + 1.6² + 0.4²) / 4) = 5.2 / 4 = 1.3; sd = 1.140175;
  // t(0.975, 4) = 2.776445; half-width = 2.776445 × 1.140175 / √5 = 1.415715.
  const pairs = [
    { before: 5, after: 7 },
    { before: 6, after: 7 },
    { before: 4, after: 7 },
    { before: 8, after: 8 },
    { before: 6, after: 8 },
  ]

  test('a mean change, its standard deviation and 95% confidence interval match the hand-computed values', () => {
    const s = summarise(sumsFromParticipants(pairs))
    expect(s.n).toBe(5)
    expect(s.meanBefore).toBeCloseTo(5.8, 10)
    expect(s.meanAfter).toBeCloseTo(7.4, 10)
    expect(s.meanChange).toBeCloseTo(1.6, 10)
    expect(s.sdChange).toBeCloseTo(1.140175, 6)
    expect(s.ci95!.low).toBeCloseTo(1.6 - 1.415715, 5)
    expect(s.ci95!.high).toBeCloseTo(1.6 + 1.415715, 5)
  })

  test('a cohort summary gives the same result as the participants it summarises', () => {
    const fromCohort = summarise(sumsFromCohort({ n: 5, meanBefore: 5.8, meanAfter: 7.4, sdChange: Math.sqrt(1.3) }))
    const fromPeople = summarise(sumsFromParticipants(pairs))
    expect(fromCohort.meanChange).toBeCloseTo(fromPeople.meanChange, 10)
    expect(fromCohort.sdChange!).toBeCloseTo(fromPeople.sdChange!, 10)
    expect(fromCohort.ci95!.low).toBeCloseTo(fromPeople.ci95!.low, 10)
  })

  test('adding two returns gives exactly the statistics of everyone in both', () => {
    const a = pairs.slice(0, 2)
    const b = pairs.slice(2)
    const together = summarise(addSums([sumsFromParticipants(a), sumsFromParticipants(b)])!)
    const all = summarise(sumsFromParticipants(pairs))
    expect(together.n).toBe(5)
    expect(together.meanBefore).toBeCloseTo(all.meanBefore, 10)
    expect(together.meanChange).toBeCloseTo(all.meanChange, 10)
    expect(together.sdChange!).toBeCloseTo(all.sdChange!, 10)
    expect(together.ci95!.high).toBeCloseTo(all.ci95!.high, 10)
  })

  test('UCLA loneliness falling from 7 to 5 for everyone is a change of -2 with no spread', () => {
    const s = summarise(sumsFromParticipants([{ before: 7, after: 5 }, { before: 7, after: 5 }, { before: 7, after: 5 }]))
    expect(s.meanChange).toBe(-2)
    expect(s.sdChange).toBe(0)
    expect(s.ci95).toEqual({ low: -2, high: -2 })
  })

  test('one person has a change but no interval; nobody has no statistics', () => {
    expect(summarise(sumsFromParticipants([{ before: 3, after: 6 }]))).toMatchObject({ n: 1, meanChange: 3, sdChange: null, ci95: null })
    expect(addSums([])).toBeNull()
    expect(() => sumsFromParticipants([])).toThrow(RangeError)
    expect(() => sumsFromCohort({ n: 0, meanBefore: 1, meanAfter: 2, sdChange: 1 })).toThrow(RangeError)
  })
})
