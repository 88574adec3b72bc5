import { describe, expect, test } from 'vitest'
import { isCalendarDate, notAnImpossibleDate } from './calendar-date.ts'

describe('isCalendarDate', () => {
  test.each(['2024-02-29', '2026-02-28', '2026-12-31', '2027-04-30'])('%s is on the calendar', (value) => {
    expect(isCalendarDate(value)).toBe(true)
  })
  test.each(['2026-02-29', '2026-02-30', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '2026-1-5', '26-01-05', '2026-01-05T00:00:00Z', '', 'today'])('%s is not', (value) => {
    expect(isCalendarDate(value)).toBe(false)
  })
})

describe('notAnImpossibleDate', () => {
  test('is false only for a date-shaped value off the calendar, leaving malformed values to the shape check', () => {
    expect(notAnImpossibleDate('2026-02-29')).toBe(false)
    expect(notAnImpossibleDate('2026-04-31')).toBe(false)
    expect(notAnImpossibleDate('2024-02-29')).toBe(true)
    expect(notAnImpossibleDate('3 April')).toBe(true)
    expect(notAnImpossibleDate('')).toBe(true)
  })
})
