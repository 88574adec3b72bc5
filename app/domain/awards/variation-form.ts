/**
 * The form for asking to change an award (the fund manager's and the organisation's pages share it), and the words
 * the pages use about variations. Isomorphic: no server code, so the same zod schema checks the form in the browser
 * and on the server.
 */
import { z } from 'zod'
import { notAnImpossibleDate } from '~/lib/calendar-date.ts'
import { moneyField } from '~/lib/money.ts'
import type { ScheduleInput } from './schedule.ts'

/** Payment rows on the form: a fixed number, so the page works without JavaScript; blank rows are ignored. */
export const VARIATION_ROWS = 6
const DATE = /^\d{4}-\d{2}-\d{2}$/

export const VARIATION_GATES = ['date', 'acceptance'] as const
export const VARIATION_GATE_LABELS: Record<(typeof VARIATION_GATES)[number], string> = {
  date: 'On its due date',
  acceptance: 'On its due date (the offer is accepted)',
}

export const VARIATION_STATUS_LABELS: Record<string, string> = {
  pending: 'Waiting for a decision',
  approved: 'Approved',
  rejected: 'Not approved',
}

export const VariationSchema = z
  .object({
    amount: moneyField({ label: 'new amount of the grant', min: 1 }),
    reason: z.string({ required_error: 'Say why the grant should change' }).trim().min(1, 'Say why the grant should change').max(2000, 'The reason must be 2,000 characters or fewer'),
    tranches: z
      .array(
        z.object({
          amount: moneyField({ label: 'payment amount', required: false, min: 1 }),
          dueDate: z.string().trim().regex(DATE, 'Enter the date as YYYY-MM-DD, like 2027-04-01').refine(notAnImpossibleDate, 'Enter a real date, like 2027-04-01').optional(),
          gate: z.enum(VARIATION_GATES).default('date'),
        }),
      )
      .max(VARIATION_ROWS)
      .default([]),
    idempotencyKey: z.string({ required_error: 'The form is missing its key: reload the page and try again' }).min(1),
  })
  .superRefine((value, ctx) => {
    value.tranches.forEach((row, i) => {
      if (row.dueDate && row.amount === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['tranches', i, 'amount'], message: `Enter the amount of payment ${i + 1}` })
      if (!row.dueDate && row.amount !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['tranches', i, 'dueDate'], message: `Enter the date payment ${i + 1} is due` })
    })
  })

export type VariationFormValue = z.infer<typeof VariationSchema>

/**
 * The schedule the domain checks, from the filled-in rows, and which form row each came from (so an error the
 * domain gives for its n-th payment lands next to the right row).
 */
export function scheduleFromForm(value: VariationFormValue): { schedule: ScheduleInput; rows: number[] } {
  const rows: number[] = []
  const tranches: Array<{ amountPence: number; dueDate: string; gate: 'acceptance' | 'date' }> = []
  value.tranches.forEach((row, i) => {
    if (row.dueDate && row.amount !== undefined) {
      rows.push(i)
      tranches.push({ amountPence: row.amount, dueDate: row.dueDate, gate: row.gate })
    }
  })
  return { schedule: { kind: 'instalments', tranches }, rows }
}

/** A domain error's field ("tranches[1].dueDate") as the form's field, with the row number put right. */
export function formFieldOf(field: string | undefined, rows: number[]): string {
  if (!field) return ''
  const match = /^tranches\[(\d+)\]\.(\w+)$/.exec(field)
  if (!match) return field === 'kind' ? 'tranches' : field
  const row = rows[Number(match[1])] ?? Number(match[1])
  return `tranches[${row}].${match[2] === 'condition' ? 'gate' : match[2]}`
}

export const VARIATION_FIELD_LABELS: Record<string, string> = {
  amount: 'New amount',
  tranches: 'Payments',
  reason: 'Reason',
}

/** What the page needs to know about a variation to show it (plain data from the loader). */
export interface VariationSummary {
  id: number
  status: string
  reason: string
  requestedById: number
  requestedByName: string
  requestedAt: string
  decidedByName: string | null
  decidedAt: string | null
  decisionNote: string | null
  currentAmountPence: number
  proposedAmountPence: number
  replaced: Array<{ amountPence: number; dueDate: string }>
  proposed: Array<{ amountPence: number; dueDate: string }>
}
