/**
 * Answers to a round's questions: what each question type accepts, the messages a person sees when an answer breaks a
 * rule, word counts, "show only if" conditions and each section's progress. One zod schema per section is built from
 * the questions, so the same rules run on the server (always) and could run in the browser.
 *
 * Isomorphic: no Node APIs. Stored answers are JSON `{ questionKey: value }`:
 * text, date and choice answers are strings (multiple choice: string[]), numbers and money are numbers (money in
 * pence), files are `{ documentId, filename }`, a budget table is BudgetLine[] and a partners table PartnerRow[].
 */
import { z } from 'zod'
import { formatPence, parsePounds } from '~/lib/money.ts'

// The question types are defined once, with the question builder.
export { QUESTION_TYPES, type QuestionType } from '~/domain/funds/question-types.ts'
import { QUESTION_TYPES, type QuestionType } from '~/domain/funds/question-types.ts'

/** The largest upload we accept (10 MB). */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024
/** How many lines a budget table and a partners table offer (empty lines are ignored). */
export const BUDGET_ROWS = 8
export const PARTNER_ROWS = 6
export const DEFAULT_BUDGET_CATEGORIES = [
  'Staff and freelance fees',
  'Volunteer expenses',
  'Venue hire',
  'Materials and equipment',
  'Travel',
  'Evaluation',
  'Other',
]
const SHORT_TEXT_MAX = 300

const QuestionConfigSchema = z
  .object({
    wordLimit: z.number().int().positive().optional(),
    options: z.array(z.string()).optional(),
    categories: z.array(z.string()).optional(),
    rows: z.number().int().positive().max(30).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    showIf: z.object({ questionKey: z.string(), equals: z.string() }).nullable().optional(),
  })
  .passthrough()
export type QuestionConfig = z.infer<typeof QuestionConfigSchema>

export interface QuestionDef {
  key: string
  type: QuestionType
  label: string
  helpText: string | null
  required: boolean
  section: string
  position: number
  config: QuestionConfig
}

/** A question as stored (questions table row, or the rounds domain's shape of it) made into a QuestionDef. */
export function toQuestionDef(row: {
  key: string
  type: string
  label: string
  help_text?: string | null
  helpText?: string | null
  required: number | boolean
  section: string
  position: number
  config: string | Record<string, unknown> | null
}): QuestionDef {
  const rawConfig = typeof row.config === 'string' ? safeJson(row.config) : (row.config ?? {})
  const parsed = QuestionConfigSchema.safeParse(rawConfig)
  const type = (QUESTION_TYPES as readonly string[]).includes(row.type) ? (row.type as QuestionType) : 'short_text'
  return {
    key: row.key,
    type,
    label: row.label,
    helpText: row.helpText ?? row.help_text ?? null,
    required: row.required === true || row.required === 1,
    section: row.section,
    position: row.position,
    config: parsed.success ? parsed.data : {},
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return {}
  }
}

// ---------------------------------------------------------------- answer values

export interface DocumentRef {
  documentId: number
  filename: string
}
export type BudgetKind = 'cash' | 'in_kind'
export interface BudgetLine {
  category: string
  description: string
  amountPence: number
  kind: BudgetKind
}
export interface PartnerRow {
  name: string
  role: string
  letter: DocumentRef | null
}
export type AnswerValue = string | number | string[] | DocumentRef | BudgetLine[] | PartnerRow[]
export type Answers = Record<string, AnswerValue>

export function parseAnswers(json: string): Answers {
  const value = safeJson(json)
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Answers) : {}
}

export function isDocumentRef(value: unknown): value is DocumentRef {
  return !!value && typeof value === 'object' && typeof (value as DocumentRef).documentId === 'number'
}

export function budgetLines(value: AnswerValue | undefined): BudgetLine[] {
  return Array.isArray(value) ? (value as unknown[]).filter((l): l is BudgetLine => !!l && typeof l === 'object' && 'amountPence' in l) : []
}

export function partnerRows(value: AnswerValue | undefined): PartnerRow[] {
  return Array.isArray(value) ? (value as unknown[]).filter((r): r is PartnerRow => !!r && typeof r === 'object' && 'role' in r) : []
}

// ---------------------------------------------------------------- words

/** Words as a person counts them: runs of non-space characters. */
export function countWords(text: string): number {
  const trimmed = text.trim()
  return trimmed === '' ? 0 : trimmed.split(/\s+/u).length
}

/** "You have 250 words remaining", "You have 1 word remaining", "You have 3 words too many". */
export function wordsRemainingMessage(text: string, limit: number): string {
  const left = limit - countWords(text)
  if (left >= 0) return `You have ${left} ${left === 1 ? 'word' : 'words'} remaining`
  return `You have ${-left} ${left === -1 ? 'word' : 'words'} too many`
}

// ---------------------------------------------------------------- visibility and progress

/** Whether a question is shown, given the answers so far ("show only if question X is Y"). */
export function isVisible(question: QuestionDef, answers: Answers): boolean {
  const condition = question.config.showIf
  if (!condition) return true
  const answer = answers[condition.questionKey]
  if (Array.isArray(answer)) return (answer as unknown[]).includes(condition.equals)
  return answer !== undefined && String(answer).toLowerCase() === condition.equals.toLowerCase()
}

export function hasAnswer(question: QuestionDef, value: AnswerValue | undefined): boolean {
  if (value === undefined || value === null) return false
  if (question.type === 'budget_table') return budgetLines(value).length > 0
  if (question.type === 'partners_table') return partnerRows(value).length > 0
  if (Array.isArray(value)) return value.length > 0
  if (typeof value === 'string') return value.trim() !== ''
  return true
}

export interface SectionDef {
  number: number
  title: string
  questions: QuestionDef[]
}

/** Questions grouped into their sections, in order (section 1 is the first question's section). */
export function sectionsOf(questions: QuestionDef[]): SectionDef[] {
  const ordered = [...questions].sort((a, b) => a.position - b.position)
  const sections: SectionDef[] = []
  for (const q of ordered) {
    let section = sections.find((s) => s.title === q.section)
    if (!section) {
      section = { number: sections.length + 1, title: q.section, questions: [] }
      sections.push(section)
    }
    section.questions.push(q)
  }
  return sections
}

export type SectionStatus = 'not_started' | 'in_progress' | 'completed'
export const SECTION_STATUS_LABELS: Record<SectionStatus, string> = {
  not_started: 'Not started',
  in_progress: 'In progress',
  completed: 'Completed',
}

/** Completed when every shown required question has an answer that breaks no rule; in progress once anything is answered. */
export function sectionStatus(section: SectionDef, answers: Answers): SectionStatus {
  const shown = section.questions.filter((q) => isVisible(q, answers))
  const answered = shown.filter((q) => hasAnswer(q, answers[q.key]))
  if (answered.length === 0) return shown.some((q) => q.required) || shown.length > 0 ? 'not_started' : 'completed'
  const complete = shown.every((q) => (!q.required || hasAnswer(q, answers[q.key])) && answerProblem(q, answers[q.key]) === null)
  return complete ? 'completed' : 'in_progress'
}

/** A rule a stored answer breaks (word limit, options), or null. Used by the task list and the check-answers page. */
export function answerProblem(question: QuestionDef, value: AnswerValue | undefined): string | null {
  if (value === undefined) return null
  if (question.type === 'long_text' && typeof value === 'string' && question.config.wordLimit && countWords(value) > question.config.wordLimit) {
    return `${question.label} must be ${question.config.wordLimit} words or fewer`
  }
  return null
}

/** The message for a required question left unanswered, worded for its type. */
export function missingAnswerMessage(question: QuestionDef): string {
  switch (question.type) {
    case 'single_choice':
    case 'multiple_choice':
    case 'yes_no':
      return `Select an answer for “${question.label}”`
    case 'file_upload':
      return `Upload a file for “${question.label}”`
    case 'budget_table':
      return 'Add at least one line to your budget'
    case 'partners_table':
      return 'Add at least one partner'
    default:
      return `Enter an answer for “${question.label}”`
  }
}

// ---------------------------------------------------------------- the section form

/** What a section form submits once parsed: answers by key, files to store and files to remove. */
export interface SectionInput {
  answers: Record<string, AnswerValue | undefined>
  /** Uploaded files, by form field name (`key`, or `key[2].letter` for a partner's letter). */
  files: Record<string, File>
  /** File questions whose stored file should be removed. */
  removals: string[]
}

const isFile = (v: unknown): v is File => typeof File !== 'undefined' && v instanceof File && v.size > 0

function fileSchema(label: string) {
  return z
    .any()
    .optional()
    .superRefine((v, ctx) => {
      if (isFile(v) && v.size > MAX_UPLOAD_BYTES) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${label} must be smaller than 10 MB` })
    })
}

function moneySchema(label: string) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined
      const parsed = parsePounds(v, { label: label.toLowerCase() })
      if (!parsed.ok) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.message })
        return z.NEVER
      }
      return parsed.pence
    })
}

const optionalText = z.string().trim().optional()

function fieldSchema(q: QuestionDef): z.ZodTypeAny {
  switch (q.type) {
    case 'short_text':
      return optionalText.pipe(z.string().max(SHORT_TEXT_MAX, `${q.label} must be ${SHORT_TEXT_MAX} characters or fewer`).optional())
    case 'long_text': {
      const limit = q.config.wordLimit
      return optionalText.superRefine((v, ctx) => {
        if (v && limit && countWords(v) > limit) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${q.label} must be ${limit} words or fewer (you have ${countWords(v)})` })
        }
      })
    }
    case 'number':
      return optionalText.transform((v, ctx) => {
        if (!v) return undefined
        if (!/^-?\d+$/.test(v.replaceAll(',', ''))) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `Enter a whole number for “${q.label}”, like 12` })
          return z.NEVER
        }
        const n = Number(v.replaceAll(',', ''))
        if (q.config.min !== undefined && n < q.config.min) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${q.label} must be ${q.config.min} or more` })
        if (q.config.max !== undefined && n > q.config.max) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${q.label} must be ${q.config.max} or fewer` })
        return n
      })
    case 'money':
      return moneySchema(q.label)
    case 'date':
      return optionalText.superRefine((v, ctx) => {
        if (v && !isRealDate(v)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${q.label} must be a real date, like 2027-03-15` })
      })
    case 'single_choice':
      return optionalText.superRefine((v, ctx) => {
        if (v && !(q.config.options ?? []).includes(v)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `Select one of the options for “${q.label}”` })
      })
    case 'multiple_choice':
      return z
        .union([z.string(), z.array(z.string())])
        .optional()
        .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]))
        .superRefine((v, ctx) => {
          if (v?.some((o) => !(q.config.options ?? []).includes(o))) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `Select from the options for “${q.label}”` })
        })
    case 'yes_no':
      return optionalText.superRefine((v, ctx) => {
        if (v && v !== 'yes' && v !== 'no') ctx.addIssue({ code: z.ZodIssueCode.custom, message: `Select yes or no for “${q.label}”` })
      })
    case 'file_upload':
      return fileSchema(q.label)
    case 'budget_table':
      return z.array(budgetRowSchema(q)).optional()
    case 'partners_table':
      return z.array(partnerRowSchema()).optional()
  }
}

function budgetRowSchema(q: QuestionDef) {
  const categories = q.config.categories ?? DEFAULT_BUDGET_CATEGORIES
  return z
    .object({
      category: optionalText,
      description: optionalText,
      amount: z.string().optional(),
      kind: optionalText,
    })
    .optional()
    .transform((row, ctx) => {
      if (!row || (!row.category && !row.description && !row.amount?.trim())) return undefined
      if (!row.category || !categories.includes(row.category)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['category'], message: 'Select a category for this budget line' })
      if (!row.description) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['description'], message: 'Describe what this budget line pays for' })
      else if (row.description.length > 200) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['description'], message: 'The description must be 200 characters or fewer' })
      const amount = parsePounds(row.amount ?? '', { label: 'amount' })
      if (!amount.ok) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['amount'], message: amount.message })
      if (row.kind !== 'cash' && row.kind !== 'in_kind') ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['kind'], message: 'Select cash or in-kind for this budget line' })
      if (!amount.ok || !row.category || !row.description) return z.NEVER
      return { category: row.category, description: row.description, amountPence: amount.pence, kind: row.kind as BudgetKind }
    })
}

function partnerRowSchema() {
  return z
    .object({
      name: optionalText,
      role: optionalText,
      letter: fileSchema('The letter of support'),
      letterId: optionalText,
      letterRemove: z.string().optional(),
    })
    .optional()
    .transform((row, ctx) => {
      if (!row || (!row.name && !row.role && !isFile(row.letter))) return undefined
      if (!row.name) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['name'], message: 'Enter the partner organisation’s name' })
      else if (row.name.length > 200) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['name'], message: 'The name must be 200 characters or fewer' })
      if (!row.role) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['role'], message: 'Describe the partner’s role in the project' })
      else if (row.role.length > 300) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['role'], message: 'The role must be 300 characters or fewer' })
      if (!row.name || !row.role) return z.NEVER
      const keptId = row.letterRemove === 'on' || !row.letterId || !/^\d+$/.test(row.letterId) ? null : Number(row.letterId)
      return { name: row.name, role: row.role, letter: isFile(row.letter) ? row.letter : null, keptLetterId: keptId }
    })
}

export function isRealDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
  const d = new Date(`${value}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value
}

export type SaveMode = 'continue' | 'later'

/**
 * The zod schema for one section's form. Format rules (word limits, money, dates, options, file size, table lines)
 * apply whichever button was pressed; required answers are enforced only for "Save and continue", so "Save and come
 * back later" keeps a half-finished section. `stored` answers decide "show only if" conditions on other sections.
 */
export function sectionSchema(section: SectionDef, stored: Answers, mode: SaveMode, storedFiles: Set<string> = new Set()) {
  const shape: Record<string, z.ZodTypeAny> = {}
  for (const q of section.questions) {
    shape[q.key] = fieldSchema(q)
    if (q.type === 'file_upload') shape[`${q.key}__remove`] = z.string().optional()
  }
  return z.object(shape).superRefine((values, ctx) => {
    const merged: Answers = { ...stored }
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete merged[key]
      else merged[key] = value as AnswerValue
    }
    if (mode !== 'continue') return
    for (const q of section.questions) {
      if (!q.required || !isVisible(q, merged)) continue
      const value = values[q.key]
      const present =
        q.type === 'file_upload'
          ? isFile(value) || (storedFiles.has(q.key) && values[`${q.key}__remove`] !== 'on')
          : q.type === 'budget_table' || q.type === 'partners_table'
            ? Array.isArray(value) && value.some((row) => row !== undefined)
            : hasAnswer(q, value as AnswerValue | undefined)
      if (!present) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [q.key], message: missingAnswerMessage(q) })
    }
  })
}

interface ParsedPartnerRow {
  name: string
  role: string
  letter: File | null
  keptLetterId: number | null
}

/** The answers of a parsed section form, with the files to store and to remove picked out. */
export function toSectionInput(section: SectionDef, values: Record<string, unknown>): SectionInput {
  const input: SectionInput = { answers: {}, files: {}, removals: [] }
  for (const q of section.questions) {
    const value = values[q.key]
    if (q.type === 'file_upload') {
      if (isFile(value)) input.files[q.key] = value
      else if (values[`${q.key}__remove`] === 'on') input.removals.push(q.key)
      continue
    }
    if (q.type === 'partners_table') {
      const rows = (Array.isArray(value) ? value : []) as (ParsedPartnerRow | undefined)[]
      const kept = rows.filter((row): row is ParsedPartnerRow => row !== undefined)
      input.answers[q.key] = kept.map((row, index) => {
        if (row.letter) input.files[`${q.key}[${index}].letter`] = row.letter
        return { name: row.name, role: row.role, letter: row.keptLetterId === null ? null : { documentId: row.keptLetterId, filename: '' } }
      })
      continue
    }
    if (q.type === 'budget_table') {
      input.answers[q.key] = (Array.isArray(value) ? value : []).filter((row): row is BudgetLine => row !== undefined)
      continue
    }
    input.answers[q.key] = value as AnswerValue | undefined
  }
  return input
}

/** One line of an answer as people read it; a document keeps its id so the page can link to it. */
export interface AnswerLine {
  text: string
  documentId: number | null
}

/** An answer as lines of text (documents keep their id so the page can link to them). */
export function answerLines(q: QuestionDef, value: AnswerValue | undefined): AnswerLine[] {
  const line = (text: string, documentId: number | null = null) => ({ text, documentId })
  if (value === undefined || value === '') return [line('Not answered')]
  if (q.type === 'money' && typeof value === 'number') return [line(formatPence(value))]
  if (q.type === 'yes_no') return [line(value === 'yes' ? 'Yes' : 'No')]
  if (isDocumentRef(value)) return [line(value.filename, value.documentId)]
  if (q.type === 'budget_table') return budgetLines(value).map((l) => line(`${l.category}: ${l.description}, ${formatPence(l.amountPence)} (${l.kind === 'cash' ? 'cash' : 'in-kind'})`))
  if (q.type === 'partners_table') {
    return partnerRows(value).flatMap((r) => [line(`${r.name}: ${r.role}`), ...(r.letter ? [line(`Letter of support from ${r.name}: ${r.letter.filename}`, r.letter.documentId)] : [])])
  }
  if (Array.isArray(value)) return [line((value as string[]).join(', '))]
  return [line(String(value))]
}
