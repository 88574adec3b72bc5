import { describe, expect, test } from 'vitest'
import { rollUpToSuccessors, type PlaceLinkRow } from './rollup.ts'

const links: PlaceLinkRow[] = [
  { predecessorId: 1, successorId: 10, transfer: 'whole', effectiveDate: '2026-04-01' },
  { predecessorId: 2, successorId: 10, transfer: 'part', effectiveDate: '2026-04-01' },
  { predecessorId: 2, successorId: 11, transfer: 'part', effectiveDate: '2026-04-01' },
  { predecessorId: 2, successorId: 12, transfer: 'part', effectiveDate: '2026-04-01' },
  { predecessorId: 10, successorId: 20, transfer: 'whole', effectiveDate: '2027-04-01' },
]

describe('rolling figures up to successor places', () => {
  test('a whole transfer moves everything; a split shares equally, to the penny', () => {
    const result = rollUpToSuccessors(new Map([[1, 500], [2, 100], [5, 7]]), '2026-06-01', links)
    expect(Object.fromEntries(result)).toEqual({ 10: 534, 11: 33, 12: 33, 5: 7 })
  })
  test('links not yet in force on the date leave figures where they are', () => {
    expect(Object.fromEntries(rollUpToSuccessors(new Map([[1, 500]]), '2026-03-31', links))).toEqual({ 1: 500 })
  })
  test('a chain of changes ends at the place in force, and the total never changes', () => {
    const result = rollUpToSuccessors(new Map([[1, 500], [2, 101]]), '2027-04-01', links)
    expect(Object.fromEntries(result)).toEqual({ 20: 534, 11: 34, 12: 33 })
    expect([...result.values()].reduce((a, b) => a + b, 0)).toBe(601)
  })
})
