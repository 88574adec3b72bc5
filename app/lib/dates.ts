/**
 * Dates and times for rounds and deadlines. We store instants as ISO-8601 UTC text and take them in and show them in
 * Europe/London, so "12:00 on 8 January" is 12:00Z and "12:00 on 1 July" is 11:00Z (British Summer Time). All the
 * calendar and time-zone arithmetic is date-fns with @date-fns/tz: nothing here counts hours or offsets by hand.
 *
 * Isomorphic (no Node APIs): pages use it in the browser as well as on the server.
 */
import { tz, TZDate } from '@date-fns/tz'
import { differenceInCalendarDays, format, isAfter, isBefore, isValid, parse } from 'date-fns'

export const LONDON = 'Europe/London'
const inLondon = tz(LONDON)

const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}$/
const TIME_SHAPE = /^\d{2}:\d{2}$/

/**
 * The UTC instant (ISO-8601) of a date and a 24-hour time as a clock in London shows them, or null when either is not
 * a real date or time ("2021-02-30", "25:00"). A time skipped when the clocks go forward (01:30 on the last Sunday of
 * March) is read as the hour after; a time that happens twice when they go back is read as the first of the two.
 */
export function parseLondonDateTime(date: string, time: string): string | null {
  if (!DATE_SHAPE.test(date) || !TIME_SHAPE.test(time)) return null
  const parsed = parse(`${date} ${time}`, 'yyyy-MM-dd HH:mm', new TZDate(0, LONDON))
  return isValid(parsed) ? new Date(parsed.getTime()).toISOString() : null
}

/** Like parseLondonDateTime, for values already validated: throws a RangeError on anything that is not a real date and time. */
export function londonDateTimeToUtc(date: string, time: string): string {
  const iso = parseLondonDateTime(date, time)
  if (iso === null) throw new RangeError(`Not a date and time: "${date}" "${time}"`)
  return iso
}

// Formatting in a time zone asks Intl for London's offset many times over (about 0.1 ms an instant), and a page often
// shows the same few dates in every row (a due date, a deadline): so what each ISO text gave is kept, up to a bound.
const FORMATTED_LIMIT = 5000
const formatted = new Map<string, string>()

/** Formats an instant as London shows it, with a date-fns pattern, e.g. formatLondon(iso, "EEEE d MMMM yyyy"). */
export function formatLondon(iso: string | Date, pattern: string): string {
  if (typeof iso !== 'string') return format(iso, pattern, { in: inLondon })
  const key = `${pattern}\u0000${iso}`
  const known = formatted.get(key)
  if (known !== undefined) return known
  const text = format(iso, pattern, { in: inLondon })
  if (formatted.size >= FORMATTED_LIMIT) formatted.clear()
  formatted.set(key, text)
  return text
}

/** The London calendar date ('YYYY-MM-DD') and time ('HH:mm') of an instant: what a date and a time input show. */
export function londonDateAndTime(iso: string): { date: string; time: string } {
  return { date: formatLondon(iso, 'yyyy-MM-dd'), time: formatLondon(iso, 'HH:mm') }
}

/** "12:00 on Friday 8 January 2021". */
export function formatDeadline(iso: string): string {
  return formatLondon(iso, "HH:mm 'on' EEEE d MMMM yyyy")
}

/** "Friday 8 January 2021". */
export function formatLondonDate(iso: string): string {
  return formatLondon(iso, 'EEEE d MMMM yyyy')
}

function sameLondonYear(a: string | Date, b: string | Date): boolean {
  return formatLondon(a, 'yyyy') === formatLondon(b, 'yyyy')
}

/** "12:00 on Friday 8 January", with the year only when it is not this year (in London). */
function atTimeOnDay(iso: string, now: Date): string {
  return formatLondon(iso, sameLondonYear(iso, now) ? "HH:mm 'on' EEEE d MMMM" : "HH:mm 'on' EEEE d MMMM yyyy")
}

/** Whole London calendar days from `now` to `iso` (0 = later today, 1 = tomorrow). */
export function londonDaysUntil(iso: string, now: Date): number {
  return differenceInCalendarDays(iso, now, { in: inLondon })
}

/**
 * How a deadline reads to an applicant: "closes today at 12:00", "closes tomorrow, at 12:00 on Saturday 9 January",
 * "closes in 3 days, at 12:00 on Friday 8 January", and once it has passed "closed at 12:00 on Friday 8 January 2021".
 */
export function describeDeadline(closesAtIso: string, now: Date): string {
  if (!isBefore(now, closesAtIso)) return `closed at ${formatDeadline(closesAtIso)}`
  const days = londonDaysUntil(closesAtIso, now)
  if (days === 0) return `closes today at ${formatLondon(closesAtIso, 'HH:mm')}`
  if (days === 1) return `closes tomorrow, at ${atTimeOnDay(closesAtIso, now)}`
  return `closes in ${days} days, at ${atTimeOnDay(closesAtIso, now)}`
}

/** How an opening reads: "opens today at 09:00", "opens in 4 days, at 09:00 on Monday 23 November", or "opened ...". */
export function describeOpening(opensAtIso: string, now: Date): string {
  if (!isBefore(now, opensAtIso)) return `opened at ${formatDeadline(opensAtIso)}`
  const days = londonDaysUntil(opensAtIso, now)
  if (days === 0) return `opens today at ${formatLondon(opensAtIso, 'HH:mm')}`
  if (days === 1) return `opens tomorrow, at ${atTimeOnDay(opensAtIso, now)}`
  return `opens in ${days} days, at ${atTimeOnDay(opensAtIso, now)}`
}

export interface RoundWindow {
  status: string
  opens_at: string | null
  closes_at: string | null
}

export type RoundPhase = 'draft' | 'upcoming' | 'open' | 'closed'

/**
 * Where a round is in its life at `now`: a round not yet published is 'draft'; a published round is 'upcoming' before
 * it opens, 'open' from its opening instant until (not including) its closing instant, then 'closed'. A round a
 * manager closed early (or that has been decided or archived) is 'closed' whatever its dates say.
 */
export function roundPhase(round: RoundWindow, now: Date): RoundPhase {
  if (round.status === 'draft') return 'draft'
  if (round.status !== 'published' || !round.opens_at || !round.closes_at) return 'closed'
  if (isBefore(now, round.opens_at)) return 'upcoming'
  if (isAfter(round.closes_at, now)) return 'open'
  return 'closed'
}

/** Whether a round takes applications at `now` (published, opened, not yet closed). */
export function isOpen(round: RoundWindow, now: Date): boolean {
  return roundPhase(round, now) === 'open'
}
