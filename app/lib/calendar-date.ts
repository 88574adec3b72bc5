/**
 * Whether a date typed as YYYY-MM-DD is on the calendar. A module of its own (date-fns' parser and nothing else), so
 * forms and schemas used in the browser can check dates without carrying the time-zone code of ./dates.ts.
 */
import { isValid, parseISO } from 'date-fns'

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/

/**
 * True for a date written YYYY-MM-DD that is on the calendar: 2024-02-29 is, 2026-02-29 and 2026-04-31 are not.
 * `Date.parse` is no test (it takes any day up to the 31st in every month and rolls it into the next).
 */
export function isCalendarDate(value: string): boolean {
  return CALENDAR_DATE.test(value) && isValid(parseISO(value))
}

/**
 * False only for a value shaped like YYYY-MM-DD that is not on the calendar (2026-02-29). For a form's refinement after
 * its shape check, so a malformed value gets that check's message alone and an impossible date gets its own.
 */
export function notAnImpossibleDate(value: string): boolean {
  return !CALENDAR_DATE.test(value) || isCalendarDate(value)
}
