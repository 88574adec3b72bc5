/**
 * Calendar helpers for the national dataset. Days are "YYYY-MM-DD"; each is handled as midday UTC so date-fns's
 * local-time arithmetic lands on the same calendar day in any time zone the generator runs in.
 */
import { addDays, addMonths, addYears, differenceInCalendarDays, format } from 'date-fns'

const noon = (date: string): Date => new Date(`${date}T12:00:00Z`)

export const ymd = (d: Date): string => d.toISOString().slice(0, 10)

// The dataset asks the same few thousand questions hundreds of thousands of times: each answer is kept.
const cache = new Map<string, string>()
function cached(key: string, work: () => string): string {
  let value = cache.get(key)
  if (value === undefined) {
    value = work()
    cache.set(key, value)
  }
  return value
}

export function plusDays(date: string, days: number): string {
  return cached(`${date}d${days}`, () => ymd(addDays(noon(date), days)))
}

export function plusMonths(date: string, months: number): string {
  return cached(`${date}m${months}`, () => ymd(addMonths(noon(date), months)))
}

export function plusYears(date: string, years: number): string {
  return cached(`${date}y${years}`, () => ymd(addYears(noon(date), years)))
}

/** An instant on that day, e.g. "2025-06-01T10:00:00.000Z". */
export function at(date: string, time = '10:00'): string {
  return cached(`${date}@${time}`, () => `${date}T${time}:00.000Z`)
}

/** "1 June 2025", as the offer letter writes dates. */
export function longDate(date: string): string {
  return cached(`${date}L`, () => format(noon(date), 'd MMMM yyyy'))
}

/** The UK financial year a day falls in: "2025-26" for 2025-04-01 to 2026-03-31. */
export function financialYearOf(date: string): string {
  const year = Number(date.slice(0, 4))
  const start = Number(date.slice(5, 7)) >= 4 ? year : year - 1
  return `${start}-${String((start + 1) % 100).padStart(2, '0')}`
}

/** The last day of a financial year ("2025-26" -> "2026-03-31"). */
export function financialYearEnd(financialYear: string): string {
  return `${Number(financialYear.slice(0, 4)) + 1}-03-31`
}

/** Whole days from a to b (b - a). */
export function daysBetween(a: string, b: string): number {
  return differenceInCalendarDays(noon(b), noon(a))
}
