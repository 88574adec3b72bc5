/**
 * A round's assessment settings as the fund manager enters them (ADR 0009). Isomorphic: the settings page validates
 * the same form in the browser; settings.server.ts checks every update against it.
 */
import { z } from 'zod'

export interface AssessmentSettings {
  assessorsPerBid: number
  blindReview: boolean
  hidePeerScores: boolean
  commentsRequired: boolean
  /** Percentage points of the 0-100 weighted score. */
  disagreementThreshold: number
  /** The chair's switch (set with setNormalisation, not on this form). */
  normaliseScores: boolean
  declineReasons: string[]
}

export type AssessmentSettingsInput = Omit<AssessmentSettings, 'normaliseScores'>

export function reasonLines(text: string | undefined): string[] {
  return (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
}

export const AssessmentSettingsFormSchema = z.object({
  assessorsPerBid: z
    .number({ required_error: 'Enter how many assessors score each bid', invalid_type_error: 'Enter the number of assessors as a whole number' })
    .int('Enter the number of assessors as a whole number')
    .min(1, 'Each bid needs at least 1 assessor')
    .max(10, 'Enter 10 assessors or fewer'),
  blindReview: z.boolean().optional(),
  hidePeerScores: z.boolean().optional(),
  commentsRequired: z.boolean().optional(),
  disagreementThreshold: z
    .number({ required_error: 'Enter the disagreement threshold', invalid_type_error: 'Enter the threshold as a whole number of points' })
    .int('Enter the threshold as a whole number of points')
    .min(1, 'Enter a threshold of 1 point or more')
    .max(100, 'Enter a threshold of 100 points or less'),
  declineReasons: z
    .string({ required_error: 'Enter at least one reason for declining a bid' })
    .superRefine((text, ctx) => {
      const lines = reasonLines(text)
      if (lines.length === 0) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'Enter at least one reason for declining a bid' })
      else if (lines.length > 12) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'Enter 12 reasons or fewer' })
      const long = lines.findIndex((l) => l.length > 200)
      if (long >= 0) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `Reason ${long + 1} must be 200 characters or fewer` })
    }),
})

export type AssessmentSettingsForm = z.infer<typeof AssessmentSettingsFormSchema>

export function settingsFromForm(form: AssessmentSettingsForm): AssessmentSettingsInput {
  return {
    assessorsPerBid: form.assessorsPerBid,
    blindReview: !!form.blindReview,
    hidePeerScores: !!form.hidePeerScores,
    commentsRequired: !!form.commentsRequired,
    disagreementThreshold: form.disagreementThreshold,
    declineReasons: reasonLines(form.declineReasons),
  }
}
