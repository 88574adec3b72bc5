/**
 * A round's question set, per stage ('eoi' = expression of interest, 'full' = the application form). Sections are
 * the `section` names of the questions: a section's place is where its first question is, and questions keep a
 * `position` that runs 1, 2, 3 ... through the stage, section by section. Every change renumbers the stage so the
 * order is always exactly what the builder shows.
 *
 * Rules: questions change only while the round is a draft; a question's settings must suit its type (word limit,
 * options); a "show only if" must point at an EARLIER question of the same stage that has comparable answers (yes/no,
 * single choice) and at one of its values; a question others depend on cannot be removed or moved after them.
 */
import type { Selectable, Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { comparableValues, QuestionConfigSchema, questionConfigProblem, type QuestionConfig, type QuestionType } from './question-types.ts'
import { assertDraft, getRound, stagesOf, type QuestionStage } from './rounds.server.ts'

/** A question's settings do not make sense; names the builder's form field. */
export class QuestionInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'question_input', status: 400, field })
  }
}

/** The change would break another question (a "show only if" that depends on this one). */
export class QuestionDependencyError extends DomainError {
  constructor(message: string) {
    super(message, { code: 'question_dependency', status: 409 })
  }
}

export interface Question {
  id: number
  roundId: number
  stage: QuestionStage
  section: string
  position: number
  key: string
  type: QuestionType
  label: string
  helpText: string | null
  required: boolean
  config: QuestionConfig
}

export interface QuestionSection {
  name: string
  questions: Question[]
}

type QuestionRow = Selectable<DB['questions']>

function toQuestion(r: QuestionRow): Question {
  return {
    id: r.id,
    roundId: r.round_id,
    stage: r.stage as QuestionStage,
    section: r.section,
    position: r.position,
    key: r.key,
    type: r.type as QuestionType,
    label: r.label,
    helpText: r.help_text,
    required: r.required === 1,
    config: QuestionConfigSchema.parse(JSON.parse(r.config)),
  }
}

/** A stage's questions in order (section by section). */
export async function listQuestionsInOrder(db: Db, roundId: number, stage: QuestionStage): Promise<Question[]> {
  const rows = await db.selectFrom('questions').selectAll().where('round_id', '=', roundId).where('stage', '=', stage).orderBy('position').orderBy('id').execute()
  return rows.map(toQuestion)
}

/** Groups questions (already in order) into their sections, the sections in the order their first question comes. */
export function groupBySection(questions: readonly Question[]): QuestionSection[] {
  const sections: QuestionSection[] = []
  for (const q of questions) {
    const section = sections.find((s) => s.name === q.section)
    if (section) section.questions.push(q)
    else sections.push({ name: q.section, questions: [q] })
  }
  return sections
}

/** A stage's questions, grouped by section, sections and questions in order: what the form and the builder show. */
export async function listQuestions(db: Db, roundId: number, stage: QuestionStage): Promise<QuestionSection[]> {
  return groupBySection(await listQuestionsInOrder(db, roundId, stage))
}

async function getQuestion(db: Db, questionId: number): Promise<Question> {
  const row = await db.selectFrom('questions').selectAll().where('id', '=', questionId).executeTakeFirst()
  if (!row) throw new NotFoundError('question')
  return toQuestion(row)
}

/** Makes `ordered` (sections contiguous) the stage's order: position = 1, 2, 3 ... */
async function renumber(trx: Transaction<DB>, ordered: readonly Question[]): Promise<void> {
  for (const [index, q] of ordered.entries()) {
    if (q.position !== index + 1) await trx.updateTable('questions').set({ position: index + 1 }).where('id', '=', q.id).execute()
  }
}

/** Puts `question` at the end of its section (a new section goes at the end of the stage). */
function placeAtEndOfSection(others: readonly Question[], question: Question): Question[] {
  const sections = groupBySection(others)
  const section = sections.find((s) => s.name === question.section)
  if (section) section.questions.push(question)
  else sections.push({ name: question.section, questions: [question] })
  return sections.flatMap((s) => s.questions)
}

/** Throws unless every "show only if" in `ordered` refers to an earlier question with that value. */
function assertShowIfsValid(ordered: readonly Question[], changed: Question | null): void {
  for (const [index, q] of ordered.entries()) {
    const showIf = q.config.showIf
    if (!showIf) continue
    const sourceIndex = ordered.findIndex((o) => o.key === showIf.questionKey)
    const source = ordered[sourceIndex]
    if (q === changed) {
      if (!source || sourceIndex >= index) throw new QuestionInputError('showIfQuestion', 'Choose a question that comes before this one')
      const values = comparableValues(source.type, source.config)
      if (!values) throw new QuestionInputError('showIfQuestion', 'Choose a yes or no, or single choice, question')
      if (!values.includes(showIf.equals)) throw new QuestionInputError('showIfValue', `Choose one of the answers to “${source.label}”: ${values.join(', ')}`)
    } else if (!source || sourceIndex >= index) {
      throw new QuestionDependencyError(`“${q.label}” is shown only depending on the answer to an earlier question, which must stay before it.`)
    } else {
      const values = comparableValues(source.type, source.config)
      if (!values || !values.includes(showIf.equals)) {
        throw new QuestionDependencyError(`“${q.label}” is shown only if “${source.label}” is “${showIf.equals}”: keep that answer possible, or change “${q.label}” first.`)
      }
    }
  }
}

function checkConfig(type: QuestionType, config: QuestionConfig): QuestionConfig {
  const problem = questionConfigProblem(type, config)
  if (problem) throw new QuestionInputError(problem.field, problem.message)
  // Keep only the settings the type uses, so a choice list typed and then abandoned is not stored.
  return {
    ...(type === 'long_text' ? { wordLimit: config.wordLimit } : {}),
    ...(type === 'single_choice' || type === 'multiple_choice' ? { options: config.options } : {}),
    ...(config.showIf ? { showIf: config.showIf } : {}),
  }
}

/** "How many people will take part?" -> "how_many_people_will_take_part", unique in the stage. */
function keyFor(label: string, taken: ReadonlySet<string>): string {
  const base =
    label
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 40)
      .replace(/_+$/, '') || 'question'
  if (!taken.has(base)) return base
  for (let n = 2; ; n++) if (!taken.has(`${base}_${n}`)) return `${base}_${n}`
}

export interface QuestionInput {
  section: string
  type: QuestionType
  label: string
  helpText: string | null
  required: boolean
  config: QuestionConfig
}

function checkWords(input: QuestionInput): void {
  if (!input.section.trim()) throw new QuestionInputError('section', 'Enter the name of the section')
  if (!input.label.trim()) throw new QuestionInputError('label', 'Enter the question')
}

/** Adds a question at the end of its section (a new section goes at the end of the stage). */
export async function addQuestion(
  trx: Transaction<DB>,
  actorUserId: number | null,
  input: QuestionInput & { roundId: number; stage: QuestionStage; key?: string },
): Promise<Question> {
  const round = await getRound(trx, input.roundId)
  assertDraft(round)
  if (!stagesOf(round).includes(input.stage)) throw new QuestionInputError('stage', 'This round has no expression of interest stage')
  checkWords(input)
  const config = checkConfig(input.type, input.config)
  const existing = await listQuestionsInOrder(trx, round.id, input.stage)
  const key = input.key ?? keyFor(input.label, new Set(existing.map((q) => q.key)))
  if (existing.some((q) => q.key === key)) throw new QuestionInputError('key', 'Another question in this stage already uses that key')
  const draft: Question = { id: 0, roundId: round.id, stage: input.stage, section: input.section.trim(), position: 0, key, type: input.type, label: input.label.trim(), helpText: input.helpText?.trim() || null, required: input.required, config }
  const ordered = placeAtEndOfSection(existing, draft)
  assertShowIfsValid(ordered, draft)
  const row = await trx
    .insertInto('questions')
    .values({
      round_id: round.id,
      stage: input.stage,
      section: draft.section,
      position: ordered.indexOf(draft) + 1,
      key,
      type: input.type,
      label: draft.label,
      help_text: draft.helpText,
      required: input.required ? 1 : 0,
      config: JSON.stringify(config),
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  const question = toQuestion(row)
  await renumber(trx, ordered.map((q) => (q === draft ? question : q)))
  await recordAudit(trx, { actorUserId, action: 'question.added', entityType: 'question', entityId: question.id, after: question })
  return getQuestion(trx, question.id)
}

/** Changes a question's wording, type or settings; a change of section moves it to the end of that section. */
export async function updateQuestion(trx: Transaction<DB>, actorUserId: number | null, questionId: number, input: QuestionInput): Promise<Question> {
  const before = await getQuestion(trx, questionId)
  assertDraft(await getRound(trx, before.roundId))
  checkWords(input)
  const config = checkConfig(input.type, input.config)
  const stageQuestions = await listQuestionsInOrder(trx, before.roundId, before.stage)
  const changed: Question = { ...before, section: input.section.trim(), type: input.type, label: input.label.trim(), helpText: input.helpText?.trim() || null, required: input.required, config }
  const ordered =
    changed.section === before.section
      ? stageQuestions.map((q) => (q.id === questionId ? changed : q))
      : placeAtEndOfSection(stageQuestions.filter((q) => q.id !== questionId), changed)
  assertShowIfsValid(ordered, changed)
  await trx
    .updateTable('questions')
    .set({ section: changed.section, type: changed.type, label: changed.label, help_text: changed.helpText, required: changed.required ? 1 : 0, config: JSON.stringify(config) })
    .where('id', '=', questionId)
    .execute()
  await renumber(trx, ordered)
  const after = await getQuestion(trx, questionId)
  await recordAudit(trx, { actorUserId, action: 'question.updated', entityType: 'question', entityId: questionId, before, after })
  return after
}

/** Removes a question, unless a later question is shown only depending on its answer. */
export async function removeQuestion(trx: Transaction<DB>, actorUserId: number | null, questionId: number): Promise<void> {
  const question = await getQuestion(trx, questionId)
  assertDraft(await getRound(trx, question.roundId))
  const rest = (await listQuestionsInOrder(trx, question.roundId, question.stage)).filter((q) => q.id !== questionId)
  const dependent = rest.find((q) => q.config.showIf?.questionKey === question.key)
  if (dependent) throw new QuestionDependencyError(`“${dependent.label}” is shown only depending on the answer to this question. Change or remove it first.`)
  await trx.deleteFrom('questions').where('id', '=', questionId).execute()
  await renumber(trx, rest)
  await recordAudit(trx, { actorUserId, action: 'question.removed', entityType: 'question', entityId: questionId, before: question })
}

/** Moves a question one place up or down within its section (at the edge of its section it stays where it is). */
export async function moveQuestion(trx: Transaction<DB>, actorUserId: number | null, questionId: number, direction: 'up' | 'down'): Promise<void> {
  const question = await getQuestion(trx, questionId)
  assertDraft(await getRound(trx, question.roundId))
  const sections = groupBySection(await listQuestionsInOrder(trx, question.roundId, question.stage))
  const section = sections.find((s) => s.name === question.section)!
  const index = section.questions.findIndex((q) => q.id === questionId)
  const target = direction === 'up' ? index - 1 : index + 1
  if (target < 0 || target >= section.questions.length) return
  ;[section.questions[index], section.questions[target]] = [section.questions[target], section.questions[index]]
  const ordered = sections.flatMap((s) => s.questions)
  assertShowIfsValid(ordered, null)
  await renumber(trx, ordered)
  await recordAudit(trx, { actorUserId, action: 'question.moved', entityType: 'question', entityId: questionId, after: { direction, section: question.section } })
}

/** Moves a whole section one place up or down in its stage. */
export async function moveSection(
  trx: Transaction<DB>,
  actorUserId: number | null,
  input: { roundId: number; stage: QuestionStage; section: string; direction: 'up' | 'down' },
): Promise<void> {
  assertDraft(await getRound(trx, input.roundId))
  const sections = groupBySection(await listQuestionsInOrder(trx, input.roundId, input.stage))
  const index = sections.findIndex((s) => s.name === input.section)
  if (index === -1) throw new NotFoundError('section')
  const target = input.direction === 'up' ? index - 1 : index + 1
  if (target < 0 || target >= sections.length) return
  ;[sections[index], sections[target]] = [sections[target], sections[index]]
  const ordered = sections.flatMap((s) => s.questions)
  assertShowIfsValid(ordered, null)
  await renumber(trx, ordered)
  await recordAudit(trx, { actorUserId, action: 'question_section.moved', entityType: 'round', entityId: input.roundId, after: { stage: input.stage, section: input.section, direction: input.direction } })
}

/** The question with this id in this round (404 if it belongs to another round), for the builder's routes. */
export async function getQuestionOfRound(db: Db, roundId: number, questionId: number): Promise<Question> {
  const question = await getQuestion(db, questionId)
  if (question.roundId !== roundId) throw new NotFoundError('question')
  return question
}
