import { describe, expect, test } from 'vitest'
import {
  describeDeadline,
  describeOpening,
  formatDeadline,
  isOpen,
  londonDateAndTime,
  londonDateTimeToUtc,
  parseLondonDateTime,
  roundPhase,
} from './dates.ts'

describe('London dates and times to UTC', () => {
  test('a round closing at 12:00 on 8 January 2021 (GMT) closes at 12:00Z', () => {
    expect(londonDateTimeToUtc('2021-01-08', '12:00')).toBe('2021-01-08T12:00:00.000Z')
  })

  test('a round closing at 12:00 on 1 July (British Summer Time) closes at 11:00Z', () => {
    expect(londonDateTimeToUtc('2021-07-01', '12:00')).toBe('2021-07-01T11:00:00.000Z')
  })

  test('the day the clocks go forward: 00:30 is GMT and 03:00 is BST', () => {
    expect(londonDateTimeToUtc('2026-03-29', '00:30')).toBe('2026-03-29T00:30:00.000Z')
    expect(londonDateTimeToUtc('2026-03-29', '03:00')).toBe('2026-03-29T02:00:00.000Z')
  })

  test('the day the clocks go back: 00:30 is BST and 02:30 is GMT', () => {
    expect(londonDateTimeToUtc('2026-10-25', '00:30')).toBe('2026-10-24T23:30:00.000Z')
    expect(londonDateTimeToUtc('2026-10-25', '02:30')).toBe('2026-10-25T02:30:00.000Z')
  })

  test('dates and times that do not exist are refused', () => {
    expect(parseLondonDateTime('2021-02-30', '12:00')).toBeNull()
    expect(parseLondonDateTime('2021-01-08', '25:00')).toBeNull()
    expect(parseLondonDateTime('8/1/2021', '12:00')).toBeNull()
    expect(parseLondonDateTime('2021-01-08', 'noon')).toBeNull()
    expect(() => londonDateTimeToUtc('2021-13-01', '12:00')).toThrow(RangeError)
  })

  test('an instant reads back as the London date and time it was entered as, in summer and winter', () => {
    expect(londonDateAndTime('2021-07-01T11:00:00.000Z')).toEqual({ date: '2021-07-01', time: '12:00' })
    expect(londonDateAndTime('2021-01-08T12:00:00.000Z')).toEqual({ date: '2021-01-08', time: '12:00' })
    expect(londonDateAndTime('2021-06-30T23:30:00.000Z')).toEqual({ date: '2021-07-01', time: '00:30' })
  })
})

describe('describeDeadline', () => {
  const closes = '2021-01-08T12:00:00.000Z'

  test('three days before: "closes in 3 days, at 12:00 on Friday 8 January"', () => {
    expect(describeDeadline(closes, new Date('2021-01-05T09:00:00.000Z'))).toBe('closes in 3 days, at 12:00 on Friday 8 January')
  })

  test('the same morning: "closes today at 12:00"', () => {
    expect(describeDeadline(closes, new Date('2021-01-08T08:15:00.000Z'))).toBe('closes today at 12:00')
  })

  test('the evening before: "closes tomorrow"', () => {
    expect(describeDeadline(closes, new Date('2021-01-07T22:00:00.000Z'))).toBe('closes tomorrow, at 12:00 on Friday 8 January')
  })

  test('at the deadline and after it: "closed at 12:00 on Friday 8 January 2021"', () => {
    expect(describeDeadline(closes, new Date(closes))).toBe('closed at 12:00 on Friday 8 January 2021')
    expect(describeDeadline(closes, new Date('2021-02-01T00:00:00.000Z'))).toBe('closed at 12:00 on Friday 8 January 2021')
  })

  test('days are counted on London calendars: 00:30 BST is already the next day', () => {
    // 23:30Z on 30 June is 00:30 on 1 July in London, the day a 12:00 BST deadline falls.
    expect(describeDeadline('2021-07-01T11:00:00.000Z', new Date('2021-06-30T23:30:00.000Z'))).toBe('closes today at 12:00')
  })

  test('a deadline in another year names the year', () => {
    expect(describeDeadline(closes, new Date('2020-12-20T12:00:00.000Z'))).toBe('closes in 19 days, at 12:00 on Friday 8 January 2021')
  })

  test('formatDeadline shows London time across the change to summer time', () => {
    expect(formatDeadline('2021-07-01T11:00:00.000Z')).toBe('12:00 on Thursday 1 July 2021')
  })
})

describe('describeOpening', () => {
  test('before, on the day, and after the opening', () => {
    const opens = '2020-11-23T09:00:00.000Z'
    expect(describeOpening(opens, new Date('2020-11-19T12:00:00.000Z'))).toBe('opens in 4 days, at 09:00 on Monday 23 November')
    expect(describeOpening(opens, new Date('2020-11-23T07:00:00.000Z'))).toBe('opens today at 09:00')
    expect(describeOpening(opens, new Date('2020-11-24T07:00:00.000Z'))).toBe('opened at 09:00 on Monday 23 November 2020')
  })
})

describe('isOpen and roundPhase', () => {
  const round = { status: 'published', opens_at: '2020-11-23T09:00:00.000Z', closes_at: '2021-01-08T12:00:00.000Z' }

  test('a published round is open from its opening instant up to, not including, its closing instant', () => {
    expect(isOpen(round, new Date('2020-11-23T08:59:59.999Z'))).toBe(false)
    expect(isOpen(round, new Date('2020-11-23T09:00:00.000Z'))).toBe(true)
    expect(isOpen(round, new Date('2021-01-08T11:59:59.999Z'))).toBe(true)
    expect(isOpen(round, new Date('2021-01-08T12:00:00.000Z'))).toBe(false)
  })

  test('phases: upcoming, open, closed; a draft is never open; a round closed early is closed', () => {
    expect(roundPhase(round, new Date('2020-11-01T00:00:00.000Z'))).toBe('upcoming')
    expect(roundPhase(round, new Date('2020-12-01T00:00:00.000Z'))).toBe('open')
    expect(roundPhase(round, new Date('2021-02-01T00:00:00.000Z'))).toBe('closed')
    expect(roundPhase({ ...round, status: 'draft' }, new Date('2020-12-01T00:00:00.000Z'))).toBe('draft')
    expect(roundPhase({ ...round, status: 'closed' }, new Date('2020-12-01T00:00:00.000Z'))).toBe('closed')
    expect(isOpen({ ...round, opens_at: null }, new Date('2020-12-01T00:00:00.000Z'))).toBe(false)
  })
})
