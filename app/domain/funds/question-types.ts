/**
 * The kinds of question a round's form can ask, and the settings (`questions.config` JSON) each takes. Isomorphic: the
 * question builder's form and the applicant's form read the same definitions.
 *
 * Answer values a "show only if" can compare with: yes/no questions answer 'yes' or 'no'; single choice questions
 * answer one of their options, exactly as written.
 */
import { z } from 'zod'

export const QUESTION_TYPES = [
  'short_text',
  'long_text',
  'number',
  'money',
  'date',
  'single_choice',
  'multiple_choice',
  'yes_no',
  'file_upload',
  'budget_table',
  'partners_table',
] as const
export type QuestionType = (typeof QUESTION_TYPES)[number]

export const QUESTION_TYPE_LABELS: Record<QuestionType, string> = {
  short_text: 'Short text',
  long_text: 'Long text (with a word limit)',
  number: 'Number',
  money: 'Amount of money',
  date: 'Date',
  single_choice: 'Single choice',
  multiple_choice: 'Multiple choice',
  yes_no: 'Yes or no',
  file_upload: 'File upload',
  budget_table: 'Budget table (category, description, amount; cash or in-kind)',
  partners_table: 'Partners table (organisation, role, letter of support)',
}

/** Question types whose answer a later question's "show only if" can test. */
export const SHOW_IF_SOURCE_TYPES: readonly QuestionType[] = ['yes_no', 'single_choice']

export const YES_NO_VALUES = ['yes', 'no'] as const

export const ShowIfSchema = z.object({ questionKey: z.string().min(1), equals: z.string().min(1) })
export type ShowIf = z.infer<typeof ShowIfSchema>

/** Every setting a question may carry; which apply depends on its type (checked by questionConfigProblem). */
export const QuestionConfigSchema = z.object({
  wordLimit: z.number().int().positive().optional(),
  options: z.array(z.string().min(1)).optional(),
  showIf: ShowIfSchema.optional(),
})
export type QuestionConfig = z.infer<typeof QuestionConfigSchema>

/** The values a question's answer can take, for a "show only if" to compare with (null = not comparable). */
export function comparableValues(type: string, config: QuestionConfig): readonly string[] | null {
  if (type === 'yes_no') return YES_NO_VALUES
  if (type === 'single_choice') return config.options ?? []
  return null
}

/**
 * What is wrong with a question's settings for its type, as { field, message }, or null when they are fine:
 * a long text needs a word limit above 0; choices need at least two distinct options.
 */
export function questionConfigProblem(type: QuestionType, config: QuestionConfig): { field: 'wordLimit' | 'options'; message: string } | null {
  if (type === 'long_text' && !(config.wordLimit && config.wordLimit > 0)) return { field: 'wordLimit', message: 'Enter a word limit of 1 or more for a long text question' }
  if (type === 'single_choice' || type === 'multiple_choice') {
    const options = config.options ?? []
    if (options.length < 2) return { field: 'options', message: 'Enter at least two options, one on each line' }
    if (new Set(options.map((o) => o.toLowerCase())).size !== options.length) return { field: 'options', message: 'Each option must be different' }
  }
  return null
}
