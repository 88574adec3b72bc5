/**
 * What a fund manager enters for an assessment criterion, and the rules it must meet (ADR 0009). Isomorphic: the
 * criteria page validates the same flat form in the browser, and criteria.server.ts checks every input against it.
 *
 * A scored criterion has a weight (1-100), a scale (lowest 0 or 1, highest above it and at most 10) and optionally a
 * descriptor per score. A gateway criterion is pass/fail: no weight, scale 0-1, descriptors "Fail" and "Pass".
 */
import { z } from 'zod'

/** Every score a scale can have (0-10): the form offers a descriptor input for each. */
export const SCORE_POINTS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const
export const MAX_SCALE = 10
export const GATEWAY_DESCRIPTORS: Record<number, string> = { 0: 'Fail', 1: 'Pass' }

export const CRITERION_KINDS = ['scored', 'gateway'] as const
export type CriterionKind = (typeof CRITERION_KINDS)[number]

export interface CriterionInput {
  name: string
  guidance: string
  isGateway: boolean
  /** Ignored (0) for a gateway. */
  weight: number
  scaleMin: number
  scaleMax: number
  /** Score -> text; only scores within the scale are kept. */
  descriptors: Record<number, string>
}

const descriptorField = (n: number) =>
  z
    .string()
    .trim()
    .max(300, `The descriptor for a score of ${n} must be 300 characters or fewer`)
    .optional()

const descriptorFields = Object.fromEntries(SCORE_POINTS.map((n) => [`descriptor${n}`, descriptorField(n)])) as Record<`descriptor${(typeof SCORE_POINTS)[number]}`, ReturnType<typeof descriptorField>>

export const CriterionFormSchema = z
  .object({
    /** Which form button sent it (the criteria page's `add`); ignored here. */
    intent: z.string().optional(),
    name: z.string({ required_error: 'Enter the name of the criterion' }).trim().min(1, 'Enter the name of the criterion').max(120, 'The name must be 120 characters or fewer'),
    guidance: z.string().trim().max(2000, 'The guidance must be 2,000 characters or fewer').optional(),
    kind: z.enum(CRITERION_KINDS, { errorMap: () => ({ message: 'Choose whether the criterion is scored or pass/fail' }) }),
    weight: z
      .number({ invalid_type_error: 'Enter the weight as a whole number from 1 to 100' })
      .int('Enter the weight as a whole number from 1 to 100')
      .min(1, 'Enter a weight of 1 or more')
      .max(100, 'Enter a weight of 100 or less')
      .optional(),
    scaleMin: z.number({ invalid_type_error: 'The lowest score must be 0 or 1' }).int('The lowest score must be 0 or 1').optional(),
    scaleMax: z.number({ invalid_type_error: 'Enter the highest score as a whole number' }).int('Enter the highest score as a whole number').optional(),
    ...descriptorFields,
  })
  .superRefine((v, ctx) => {
    if (v.kind !== 'scored') return
    const issue = (path: string, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message })
    if (v.weight === undefined) issue('weight', 'Enter the weight as a whole number from 1 to 100')
    if (v.scaleMin === undefined || (v.scaleMin !== 0 && v.scaleMin !== 1)) issue('scaleMin', 'The lowest score must be 0 or 1')
    if (v.scaleMax === undefined) issue('scaleMax', 'Enter the highest score')
    else if (v.scaleMax > MAX_SCALE) issue('scaleMax', `The highest score must be ${MAX_SCALE} or less`)
    else if (v.scaleMin !== undefined && v.scaleMax <= v.scaleMin) issue('scaleMax', 'The highest score must be more than the lowest')
  })

export type CriterionForm = z.infer<typeof CriterionFormSchema>

/** The criterion the form describes: a gateway gets its fixed weight, scale and descriptors; blank descriptors go. */
export function criterionFromForm(form: CriterionForm): CriterionInput {
  const isGateway = form.kind === 'gateway'
  const scaleMin = isGateway ? 0 : form.scaleMin!
  const scaleMax = isGateway ? 1 : form.scaleMax!
  const descriptors: Record<number, string> = {}
  if (isGateway) Object.assign(descriptors, GATEWAY_DESCRIPTORS)
  else {
    for (const n of SCORE_POINTS) {
      const text = form[`descriptor${n}`]
      if (n >= scaleMin && n <= scaleMax && text) descriptors[n] = text
    }
  }
  return { name: form.name, guidance: form.guidance ?? '', isGateway, weight: isGateway ? 0 : form.weight!, scaleMin, scaleMax, descriptors }
}

/** The flat form for a criterion (to fill in the edit form, and to check an input with the same rules). */
export function criterionToForm(input: CriterionInput): Record<string, string> {
  return {
    name: input.name,
    guidance: input.guidance,
    kind: input.isGateway ? 'gateway' : 'scored',
    weight: input.isGateway ? '' : String(input.weight),
    scaleMin: String(input.scaleMin),
    scaleMax: String(input.scaleMax),
    ...Object.fromEntries(SCORE_POINTS.map((n) => [`descriptor${n}`, input.descriptors[n] ?? ''])),
  }
}
