/**
 * When an award's impact returns are due, and which form each uses. Isomorphic (no Node APIs): the round settings page,
 * the return pages and the domain share these rules.
 *
 * A round's `return_schedule` (JSON) is one of
 *   { kind: 'interim_and_final', interimMonths: 6 }  an interim return N months after the start and a final one at the end
 *   { kind: 'final' }                                 one return at the end
 *   { kind: 'annual' }                                one return at the end of each year
 * and null means the default: interim (6 months) and final for one-year rounds, annual for multi-year rounds.
 * An award paid 'the same amount each year' always has annual returns: its later payments wait for them
 * (app/domain/awards/schedule.ts), so for it the annual returns are the schedule.
 *
 * Overdue is worked out, never stored: due before today (Europe/London) and not yet sent (expected, draft, or back
 * with the group for changes).
 */
import { addMonths, addYears, format, isValid, parseISO, subDays } from 'date-fns'
import { z } from 'zod'

export const RETURN_SCHEDULE_KINDS = ['interim_and_final', 'final', 'annual'] as const
export type ReturnScheduleKind = (typeof RETURN_SCHEDULE_KINDS)[number]

export type ReturnSchedule = { kind: 'interim_and_final'; interimMonths: number } | { kind: 'final' } | { kind: 'annual' }

export const RETURN_SCHEDULE_LABELS: Record<ReturnScheduleKind, string> = {
  interim_and_final: 'An interim return part-way through, and a final return at the end',
  final: 'One final return at the end',
  annual: 'A return at the end of each year',
}

export const DEFAULT_INTERIM_MONTHS = 6
export const MAX_INTERIM_MONTHS = 36
/** Awards of this much or less get the short form unless the round says otherwise (£10,000). */
export const DEFAULT_SHORT_RETURN_MAX_PENCE = 1_000_000
/** Reminders go this many days before a return is due. */
export const REMINDER_DAYS_BEFORE = 14

export const ReturnScheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('interim_and_final'), interimMonths: z.number().int().min(1).max(MAX_INTERIM_MONTHS) }),
  z.object({ kind: z.literal('final') }),
  z.object({ kind: z.literal('annual') }),
])

/** The round's default when it has not chosen one. */
export function defaultReturnSchedule(roundYears: number): ReturnSchedule {
  return roundYears > 1 ? { kind: 'annual' } : { kind: 'interim_and_final', interimMonths: DEFAULT_INTERIM_MONTHS }
}

/** The round's schedule from its stored JSON (null or unreadable: the default). */
export function roundReturnSchedule(json: string | null, roundYears: number): ReturnSchedule {
  if (json) {
    try {
      const parsed = ReturnScheduleSchema.safeParse(JSON.parse(json))
      if (parsed.success) return parsed.data
    } catch {
      // fall through to the default
    }
  }
  return defaultReturnSchedule(roundYears)
}

export type ReturnForm = 'short' | 'full'

export function returnFormFor(amountPence: number, shortReturnMaxPence: number | null): ReturnForm {
  return amountPence <= (shortReturnMaxPence ?? DEFAULT_SHORT_RETURN_MAX_PENCE) ? 'short' : 'full'
}

export type ReturnKind = 'interim' | 'final' | 'annual'

export interface PlannedReturn {
  kind: ReturnKind
  periodLabel: string
  dueDate: string
}

const ymd = (d: Date) => format(d, 'yyyy-MM-dd')

/**
 * The returns an award (not paid yearly) owes, from its start date: the final one on `end` when given, otherwise
 * `years` after the start. An interim return that would fall on or after the end is left out.
 */
export function planReturns(schedule: ReturnSchedule, input: { start: string; end?: string | null; years: number }): PlannedReturn[] {
  const start = parseISO(input.start)
  if (!isValid(start)) throw new RangeError(`Not a date: ${input.start}`)
  const years = Math.max(1, input.years)
  const end = input.end && isValid(parseISO(input.end)) ? input.end : ymd(addYears(start, years))
  if (schedule.kind === 'final') return [{ kind: 'final', periodLabel: 'Final', dueDate: end }]
  if (schedule.kind === 'annual') {
    return Array.from({ length: years }, (_, i) => ({ kind: 'annual' as const, periodLabel: `Year ${i + 1}`, dueDate: i === years - 1 ? end : ymd(addYears(start, i + 1)) }))
  }
  const interim = ymd(addMonths(start, schedule.interimMonths))
  const plan: PlannedReturn[] = []
  if (interim < end) plan.push({ kind: 'interim', periodLabel: `Interim (first ${schedule.interimMonths} months)`, dueDate: interim })
  plan.push({ kind: 'final', periodLabel: 'Final', dueDate: end })
  return plan
}

// ---------------------------------------------------------------- status

export const RETURN_STATUSES = ['expected', 'draft', 'submitted', 'changes_requested', 'accepted'] as const
export type ReturnStatus = (typeof RETURN_STATUSES)[number]

export const RETURN_STATUS_LABELS: Record<ReturnStatus, string> = {
  expected: 'Not started',
  draft: 'Draft saved',
  submitted: 'Sent, waiting for review',
  changes_requested: 'Changes asked for',
  accepted: 'Accepted',
}

export function returnStatusLabel(status: string): string {
  return RETURN_STATUS_LABELS[status as ReturnStatus] ?? status
}

/** Statuses in which the group still owes the return (and can edit it). */
export const OPEN_RETURN_STATUSES: readonly ReturnStatus[] = ['expected', 'draft', 'changes_requested']

export function isOverdue(r: { status: string; dueDate: string }, today: string): boolean {
  return r.dueDate < today && (OPEN_RETURN_STATUSES as readonly string[]).includes(r.status)
}

/** The first day a "due soon" reminder may go for a return due on `dueDate`. */
export function reminderFrom(dueDate: string): string {
  return ymd(subDays(parseISO(dueDate), REMINDER_DAYS_BEFORE))
}

// ---------------------------------------------------------------- review

/** The fund manager's views of the returns list. */
export const RETURN_LIST_VIEWS = ['awaiting_review', 'overdue', 'due', 'changes_requested', 'accepted', 'all'] as const
export type ReturnListView = (typeof RETURN_LIST_VIEWS)[number]

export const MAX_REVIEW_COMMENTS = 5000
