import { describe, expect, test } from 'vitest'
import { medianOfCounts, percentOf } from './median.ts'

describe('medianOfCounts', () => {
  test('the middle value of an odd count, the mean of the middle two of an even count', () => {
    expect(medianOfCounts([{ value: 3, count: 1 }, { value: 1, count: 1 }, { value: 10, count: 1 }])).toBe(3)
    expect(medianOfCounts([{ value: 14, count: 2 }, { value: 19, count: 2 }])).toBe(16.5)
    expect(medianOfCounts([{ value: 5, count: 3 }, { value: 100, count: 1 }])).toBe(5)
    expect(medianOfCounts([{ value: 0, count: 0 }])).toBeNull()
    expect(medianOfCounts([])).toBeNull()
  })
})

describe('percentOf', () => {
  test('a whole-number percentage, or null when there is nothing to divide by', () => {
    expect(percentOf(1, 3)).toBe(33)
    expect(percentOf(2, 3)).toBe(67)
    expect(percentOf(0, 0)).toBeNull()
  })
})
