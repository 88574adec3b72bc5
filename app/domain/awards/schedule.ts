/**
 * An award's payment schedule, worked out before anything is written: the tranches (amount, due date, gate) for the
 * three shapes a fund manager chooses from, the payment reference each tranche carries to the bank, and whether a
 * tranche is due. Pure, so the award page, the offer letter and the tests share one set of rules.
 *
 *   single       one tranche of the whole award, paid once the offer is accepted (on or after the start date).
 *   instalments  the fund manager's own list; each tranche is gated on acceptance, a date, or one of the conditions.
 *   yearly       N years of the same amount (e.g. £2,000 a year for 3 years): year 1 is paid on acceptance, and
 *                year k is due k-1 years after the start, once the impact return for year k-1 has been accepted.
 *                One annual return is expected at the end of each year, including the last.
 */
import { addYears, format, isValid, parseISO } from 'date-fns'
import { DomainError } from '~/lib/errors.ts'
import { MAX_PENCE, formatPence } from '~/lib/money.ts'

export const GATES = ['acceptance', 'date', 'return', 'condition'] as const
export type Gate = (typeof GATES)[number]

export const SCHEDULE_KINDS = ['single', 'instalments', 'yearly'] as const
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number]

export const SCHEDULE_KIND_LABELS: Record<ScheduleKind, string> = {
  single: 'One payment',
  instalments: 'Instalments',
  yearly: 'The same amount each year',
}

export const MAX_YEARS = 5
export const MAX_TRANCHES = 24

export type ScheduleInput =
  | { kind: 'single'; startDate: string }
  | { kind: 'instalments'; tranches: Array<{ amountPence: number; dueDate: string; gate: 'acceptance' | 'date' | 'condition'; conditionIndex?: number | null }> }
  | { kind: 'yearly'; years: number; amountPerYearPence: number; startDate: string }

export interface TrancheDraft {
  sequence: number
  amountPence: number
  dueDate: string
  gate: Gate
  /** For a 'condition' gate: which of the award's conditions (0-based, in the order given). */
  conditionIndex: number | null
  /** For a 'return' gate: the year whose annual return must be accepted first. */
  returnYear: number | null
}

export interface ReturnDraft {
  year: number
  periodLabel: string
  dueDate: string
}

export interface ScheduleDraft {
  kind: ScheduleKind
  tranches: TrancheDraft[]
  returns: ReturnDraft[]
}

/** A schedule that cannot be paid as given; names the form field it belongs to. */
export class ScheduleError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'schedule_invalid', status: 400, field })
  }
}

function isDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && isValid(parseISO(value))
}

function yearsAfter(date: string, years: number): string {
  return format(addYears(parseISO(date), years), 'yyyy-MM-dd')
}

function checkDate(field: string, value: string, what: string): void {
  if (!isDate(value)) throw new ScheduleError(field, `Enter ${what} as a real date`)
}

/**
 * The tranches (and expected annual returns) for an award of `amountPence`. Throws ScheduleError when the tranches do
 * not add up to the award, a date is not real, or a condition gate points at no condition.
 */
export function buildSchedule(amountPence: number, input: ScheduleInput, conditionCount: number): ScheduleDraft {
  if (input.kind === 'single') {
    checkDate('startDate', input.startDate, 'the date the payment is due')
    return { kind: 'single', tranches: [{ sequence: 1, amountPence, dueDate: input.startDate, gate: 'acceptance', conditionIndex: null, returnYear: null }], returns: [] }
  }
  if (input.kind === 'yearly') {
    if (!Number.isSafeInteger(input.years) || input.years < 2 || input.years > MAX_YEARS) {
      throw new ScheduleError('years', `Enter a number of years from 2 to ${MAX_YEARS}`)
    }
    if (!Number.isSafeInteger(input.amountPerYearPence) || input.amountPerYearPence <= 0 || input.amountPerYearPence > MAX_PENCE) {
      throw new ScheduleError('amountPerYear', 'Enter the amount paid each year')
    }
    checkDate('startDate', input.startDate, 'the start date')
    const total = input.years * input.amountPerYearPence
    if (total !== amountPence) {
      throw new ScheduleError('amountPerYear', `${input.years} years of ${formatPence(input.amountPerYearPence)} is ${formatPence(total)}, but the award is ${formatPence(amountPence)}`)
    }
    const tranches: TrancheDraft[] = Array.from({ length: input.years }, (_, i) => ({
      sequence: i + 1,
      amountPence: input.amountPerYearPence,
      dueDate: yearsAfter(input.startDate, i),
      gate: i === 0 ? 'acceptance' : 'return',
      conditionIndex: null,
      returnYear: i === 0 ? null : i,
    }))
    const returns: ReturnDraft[] = Array.from({ length: input.years }, (_, i) => ({
      year: i + 1,
      periodLabel: `Year ${i + 1}`,
      dueDate: yearsAfter(input.startDate, i + 1),
    }))
    return { kind: 'yearly', tranches, returns }
  }
  const lines = input.tranches
  if (lines.length === 0) throw new ScheduleError('tranches', 'Add at least one instalment')
  if (lines.length > MAX_TRANCHES) throw new ScheduleError('tranches', `An award can have at most ${MAX_TRANCHES} instalments`)
  const tranches = lines.map((line, i): TrancheDraft => {
    if (!Number.isSafeInteger(line.amountPence) || line.amountPence <= 0) throw new ScheduleError(`tranches[${i}].amount`, `Enter the amount of instalment ${i + 1}`)
    checkDate(`tranches[${i}].dueDate`, line.dueDate, `the date instalment ${i + 1} is due`)
    if (line.gate === 'condition') {
      const index = line.conditionIndex ?? -1
      if (!Number.isSafeInteger(index) || index < 0 || index >= conditionCount) {
        throw new ScheduleError(`tranches[${i}].condition`, `Choose which condition instalment ${i + 1} waits for`)
      }
    }
    return { sequence: i + 1, amountPence: line.amountPence, dueDate: line.dueDate, gate: line.gate, conditionIndex: line.gate === 'condition' ? line.conditionIndex! : null, returnYear: null }
  })
  for (let i = 1; i < tranches.length; i++) {
    if (tranches[i].dueDate < tranches[i - 1].dueDate) throw new ScheduleError(`tranches[${i}].dueDate`, `Instalment ${i + 1} is due before instalment ${i}`)
  }
  const total = tranches.reduce((sum, t) => sum + t.amountPence, 0)
  if (total !== amountPence) throw new ScheduleError('tranches', `The instalments add up to ${formatPence(total)}, but the award is ${formatPence(amountPence)}`)
  return { kind: 'instalments', tranches, returns: [] }
}

/**
 * The reference a tranche's payment carries to the bank (and back on the statement): the application's reference
 * and the tranche number, e.g. "TCF-2026-00006/1". A BACS reference holds 18 characters; a longer one falls back to
 * "CP-T" and the tranche's id.
 */
export function trancheReference(applicationReference: string, sequence: number, trancheId: number): string {
  const reference = `${applicationReference}/${sequence}`
  return reference.length <= 18 ? reference : `CP-T${trancheId}`
}

export interface TrancheDueFacts {
  status: string
  dueDate: string
  awardStatus: string
  /** The tranche's own gate is met (acceptance: the offer is accepted; date: always; return/condition: accepted/met). */
  gateMet: boolean
  /** Every condition on the award is met or waived. */
  conditionsMet: boolean
}

/**
 * Why a tranche cannot be paid today, in plain words; empty when it is due. It must be scheduled (the offer
 * accepted, not already in a run, sent or paid), due on or before today, its gate met and every condition met.
 */
export function reasonsNotDue(facts: TrancheDueFacts, today: string): string[] {
  const reasons: string[] = []
  if (facts.awardStatus !== 'accepted') reasons.push('the offer has not been accepted')
  else if (facts.status === 'in_run') reasons.push('it is already in a payment run')
  else if (facts.status === 'sent') reasons.push('it has been sent and is waiting to be confirmed')
  else if (facts.status === 'paid') reasons.push('it has been paid')
  else if (facts.status === 'cancelled') reasons.push('it was cancelled')
  else if (facts.status !== 'scheduled') reasons.push(`it is ${facts.status}`)
  if (facts.dueDate > today) reasons.push(`it is not due until ${facts.dueDate}`)
  if (!facts.gateMet) reasons.push('what it waits for has not happened yet')
  if (!facts.conditionsMet) reasons.push('the conditions before payment are not all met')
  return reasons
}
