/**
 * The fund manager's filters for a round's applications, as a GET form sends them: one zod schema for the browser
 * (when JavaScript is on) and the server (always), shared by the list page and its CSV download.
 */
import { z } from 'zod'
import { moneyField } from '~/lib/money.ts'
import { idField } from '~/lib/ids.ts'

export const ApplicationFilterSchema = z
  .object({
    status: z.string().trim().max(50).optional(),
    place: idField({ invalid_type_error: 'Select a place from the list' }).optional(),
    type: z.string().trim().max(50).optional(),
    min: moneyField({ label: 'smallest amount', required: false }),
    max: moneyField({ label: 'largest amount', required: false }),
    screening: z.enum(['eligible', 'ineligible', 'not_screened'], { errorMap: () => ({ message: 'Select a screening result from the list' }) }).optional(),
    after: idField().optional(),
    before: idField().optional(),
  })
  .refine((v) => v.min === undefined || v.max === undefined || v.min <= v.max, { path: ['max'], message: 'The largest amount must be at least the smallest amount' })

export type ApplicationFilterValues = z.infer<typeof ApplicationFilterSchema>

/** The domain's filters from the form's values. */
export function toApplicationFilters(v: ApplicationFilterValues) {
  return { status: v.status, placeId: v.place, legalType: v.type, minAmountPence: v.min, maxAmountPence: v.max, screening: v.screening }
}
