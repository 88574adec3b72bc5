/**
 * The scoring form an assessor fills in for a bid: per criterion a score (a whole number on the criterion's scale) and
 * a comment, saved as a draft (anything may be missing) or submitted (every criterion scored, comments required when
 * the round says so, and a confirmation). Isomorphic: the page builds the same schema in the browser as the server.
 * scores.server.ts checks the same rules again.
 */
import { z } from 'zod'

export const COMMENT_MAX = 5000
export const SCORE_INTENTS = ['save', 'submit'] as const
export type ScoreIntent = (typeof SCORE_INTENTS)[number]

export interface CriterionForForm {
  id: number
  name: string
  scaleMin: number
  scaleMax: number
  isGateway: boolean
}

export const scoreField = (criterionId: number) => `score_${criterionId}`
export const commentField = (criterionId: number) => `comment_${criterionId}`

export const CONFIRM_MESSAGE = 'Confirm you have scored every criterion and understand you cannot change your scores after submitting'

export const scoreMessages = {
  missing: (c: Pick<CriterionForForm, 'name' | 'isGateway'>) => (c.isGateway ? `Choose pass or fail for ${c.name}` : `Choose a score for ${c.name}`),
  outOfScale: (c: Pick<CriterionForForm, 'name' | 'scaleMin' | 'scaleMax'>) => `The score for ${c.name} must be a whole number from ${c.scaleMin} to ${c.scaleMax}`,
  comment: (c: Pick<CriterionForForm, 'name'>) => `Enter a comment on ${c.name}`,
  commentTooLong: (c: Pick<CriterionForForm, 'name'>) => `The comment on ${c.name} must be ${COMMENT_MAX.toLocaleString('en-GB')} characters or fewer`,
  commentWithoutScore: (c: Pick<CriterionForForm, 'name'>) => `Choose a score for ${c.name} to save your comment`,
}

/** The schema for a save (intent 'save') or a submission (intent 'submit') of the scoring form. */
export function scoreFormSchema(criteria: readonly CriterionForForm[], options: { intent: ScoreIntent; commentsRequired: boolean }) {
  const submit = options.intent === 'submit'
  const shape: Record<string, z.ZodTypeAny> = {
    intent: z.enum(SCORE_INTENTS),
    confirm: submit ? z.boolean({ required_error: CONFIRM_MESSAGE }).refine((v) => v, CONFIRM_MESSAGE) : z.boolean().optional(),
  }
  for (const c of criteria) {
    const score = z
      .number({ required_error: scoreMessages.missing(c), invalid_type_error: scoreMessages.outOfScale(c) })
      .int(scoreMessages.outOfScale(c))
      .min(c.scaleMin, scoreMessages.outOfScale(c))
      .max(c.scaleMax, scoreMessages.outOfScale(c))
    shape[scoreField(c.id)] = submit ? score : score.optional()
    const comment = z.string({ required_error: scoreMessages.comment(c) }).trim().max(COMMENT_MAX, scoreMessages.commentTooLong(c))
    shape[commentField(c.id)] = submit && options.commentsRequired ? comment.min(1, scoreMessages.comment(c)) : comment.optional()
  }
  return z.object(shape).superRefine((value, ctx) => {
    if (submit) return
    for (const c of criteria) {
      if (value[commentField(c.id)] && value[scoreField(c.id)] === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [scoreField(c.id)], message: scoreMessages.commentWithoutScore(c) })
      }
    }
  })
}

export interface ScoreInput {
  criterionId: number
  score: number
  comment: string
}

/** The parsed form as the domain's input: one entry per criterion that has a score. */
export function scoresFromForm(criteria: readonly CriterionForForm[], value: Record<string, unknown>): ScoreInput[] {
  return criteria.flatMap((c) => {
    const score = value[scoreField(c.id)]
    if (typeof score !== 'number') return []
    const comment = value[commentField(c.id)]
    return [{ criterionId: c.id, score, comment: typeof comment === 'string' ? comment : '' }]
  })
}
