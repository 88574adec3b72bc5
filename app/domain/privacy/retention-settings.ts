/**
 * How long declined applications keep their answers (isomorphic: the admin page shows the limits and statuses).
 * An application that ended without a grant keeps its answers and documents for this many months after the decision;
 * then the retention job (`npm run privacy:retention`) blanks them, keeping the figures for statistics.
 */
import { z } from 'zod'

export const RETENTION_MONTHS_MIN = 6
export const RETENTION_MONTHS_MAX = 120
export const DEFAULT_RETENTION_MONTHS = 24

/** Application statuses that end without a grant (app/domain/applications/status-labels.ts). */
export const ENDED_WITHOUT_GRANT = ['eoi_declined', 'unsuccessful', 'withdrawn', 'refused'] as const

export interface RetentionSettings {
  declinedApplicationMonths: number
}

export const DeclinedApplicationMonths = z
  .number({ required_error: 'Enter the number of months', invalid_type_error: 'Enter the number of months as a whole number, like 24' })
  .int('Enter the number of months as a whole number, like 24')
  .min(RETENTION_MONTHS_MIN, `Keep applications for at least ${RETENTION_MONTHS_MIN} months`)
  .max(RETENTION_MONTHS_MAX, `Keep applications for at most ${RETENTION_MONTHS_MAX} months (10 years)`)

export const RetentionSettingsSchema = z.object({ declinedApplicationMonths: DeclinedApplicationMonths })
