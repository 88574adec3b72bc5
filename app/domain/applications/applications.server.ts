/**
 * An organisation's bid to a round, while it is being written: starting it (after the eligibility check), reading it
 * (only members of the organisation may), saving a section, and keeping the money columns in step with the budget
 * table and the amount asked for.
 *
 * Statuses the applicant can edit in: 'draft' and 'changes_requested' (a fund manager reopened a submitted bid).
 * Everything else is read-only: saving is refused with a 409.
 */
import type { Transaction } from 'kysely'
import { prepared } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { assertRoundOpen, getRound, ROUND_COLUMNS, toRound, type Round, type RoundRow } from '~/domain/funds/rounds.server.ts'
import { listQuestions } from '~/domain/funds/questions.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import { storeUpload, type StoredUpload } from '~/lib/uploads.server.ts'
import {
  budgetLines,
  isDocumentRef,
  isVisible,
  parseAnswers,
  partnerRows,
  sectionsOf,
  sectionStatus,
  toQuestionDef,
  type Answers,
  type AnswerValue,
  type QuestionDef,
  type SectionDef,
  type SectionInput,
  type SectionStatus,
} from './answers.ts'
import { summariseBudget, type BudgetSummary } from './budget.ts'
import { checkEligibility, type EligibilityAnswers } from './eligibility.server.ts'

export const EDITABLE_STATUSES = ['draft', 'changes_requested'] as const

export class ApplicationNotFoundError extends NotFoundError {
  constructor() {
    super('application')
  }
}

export class ApplicationReadOnlyError extends ConflictError {
  constructor(message = 'This application has been submitted and can no longer be changed.') {
    super(message, 'application_read_only')
  }
}

export class NotEligibleError extends DomainError {
  readonly reasons: { message: string; action: string }[]
  constructor(reasons: { message: string; action: string }[]) {
    super(`Your organisation cannot apply to this round: ${reasons.map((r) => r.message).join(' ')}`, { code: 'not_eligible', status: 400 })
    this.reasons = reasons
  }
}

/** Who is doing it: the signed-in person (their memberships decide what they may see). */
export interface Actor {
  id: number
}

export interface ApplicationDetail {
  id: number
  reference: string
  title: string
  status: string
  stage: 'eoi' | 'full'
  version: number
  organisationId: number
  organisationName: string
  eoiApplicationId: number | null
  submittedAt: string | null
  /** Why a first-come-first-served submission was wait-listed or refused. */
  fcfsReason: string | null
  createdAt: string
  updatedAt: string
  amountRequestedPence: number
  projectCostPence: number
  matchCashPence: number
  matchInKindPence: number
  answers: Answers
  round: Round
  questions: QuestionDef[]
  sections: SectionDef[]
}

const APPLICATION_COLUMNS = [
  'applications.id',
  'applications.reference',
  'applications.title',
  'applications.status',
  'applications.stage',
  'applications.version',
  'applications.organisation_id',
  'applications.round_id',
  'applications.eoi_application_id',
  'applications.submitted_at',
  'applications.created_at',
  'applications.updated_at',
  'applications.amount_requested_pence',
  'applications.project_cost_pence',
  'applications.match_cash_pence',
  'applications.match_in_kind_pence',
  'applications.answers',
  'applications.fcfs_reason',
  'organisations.name as organisation_name',
] as const

/** The application's round, read in the same query (joined, each column as round__<column>). */
type JoinedRoundColumns<T extends readonly string[]> = { [K in keyof T]: `rounds.${T[K]} as round__${T[K]}` }
const JOINED_ROUND_COLUMNS = ROUND_COLUMNS.map((c) => `rounds.${c} as round__${c}`) as unknown as JoinedRoundColumns<typeof ROUND_COLUMNS>
type JoinedRound = { [C in (typeof ROUND_COLUMNS)[number] as `round__${C}`]: RoundRow[C] }

function joinedRound(row: JoinedRound): Round {
  return toRound(Object.fromEntries(ROUND_COLUMNS.map((c) => [c, row[`round__${c}`]])) as RoundRow)
}

/** The questions of a round's stage, as the applicant domain reads them. */
export async function questionsFor(db: Db, roundId: number, stage: 'eoi' | 'full'): Promise<QuestionDef[]> {
  const sections = await listQuestions(db, roundId, stage)
  return sections.flatMap((section) => section.questions.map((q) => toQuestionDef(q)))
}

async function detailOf(db: Db, row: ApplicationRow & JoinedRound): Promise<ApplicationDetail> {
  const round = joinedRound(row)
  const questions = await questionsFor(db, round.id, row.stage)
  return {
    id: row.id,
    reference: row.reference,
    title: row.title,
    status: row.status,
    stage: row.stage,
    version: row.version,
    organisationId: row.organisation_id,
    organisationName: row.organisation_name,
    eoiApplicationId: row.eoi_application_id,
    submittedAt: row.submitted_at,
    fcfsReason: row.fcfs_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    amountRequestedPence: Number(row.amount_requested_pence),
    projectCostPence: Number(row.project_cost_pence),
    matchCashPence: Number(row.match_cash_pence),
    matchInKindPence: Number(row.match_in_kind_pence),
    answers: parseAnswers(row.answers),
    round,
    questions,
    sections: sectionsOf(questions),
  }
}

interface ApplicationRow {
  id: number
  reference: string
  title: string
  status: string
  stage: 'eoi' | 'full'
  version: number
  organisation_id: number
  round_id: number
  eoi_application_id: number | null
  submitted_at: string | null
  fcfs_reason: string | null
  created_at: string
  updated_at: string
  amount_requested_pence: number
  project_cost_pence: number
  match_cash_pence: number
  match_in_kind_pence: number
  answers: string
  organisation_name: string
}

/**
 * An application as its organisation's members see it. Anyone else gets ApplicationNotFoundError (404): we do not
 * say that another organisation's application exists.
 */
export async function getApplicationForMember(db: Db, actor: Actor, applicationId: number): Promise<ApplicationDetail> {
  const query = db
    .selectFrom('applications')
    .innerJoin('organisations', 'organisations.id', 'applications.organisation_id')
    .innerJoin('memberships', (join) => join.onRef('memberships.organisation_id', '=', 'applications.organisation_id').on('memberships.user_id', '=', actor.id))
    .innerJoin('rounds', 'rounds.id', 'applications.round_id')
    .select(APPLICATION_COLUMNS)
    .select(JOINED_ROUND_COLUMNS)
    .where('applications.id', '=', applicationId)
  // Kept prepared on PostgreSQL (db/connect.ts): read by id on every applicant page, one plan for any id.
  const [row] = (await db.executeQuery(prepared(query))).rows
  if (!row) throw new ApplicationNotFoundError()
  return detailOf(db, row)
}

/** An application's task list as its organisation's members see it: its sections only while it can be edited. */
export interface ApplicationTaskList {
  id: number
  reference: string
  title: string
  status: string
  stage: 'eoi' | 'full'
  organisationName: string
  roundTitle: string
  roundClosesAt: string | null
  /** Each section and how far it is answered, while the application can be edited; null once it cannot. */
  sections: { number: number; title: string; status: SectionStatus }[] | null
}

/**
 * The application's page (its task list) for a member of its organisation; anyone else gets ApplicationNotFoundError
 * (404), as getApplicationForMember. One query reads what the page always shows (kept prepared on PostgreSQL, read by
 * id as on every applicant page); the round's questions are read, and the answers parsed, only while the application
 * can be edited, the only time its sections are listed.
 */
export async function getApplicationTaskList(db: Db, actor: Actor, applicationId: number): Promise<ApplicationTaskList> {
  const query = db
    .selectFrom('applications')
    .innerJoin('organisations', 'organisations.id', 'applications.organisation_id')
    .innerJoin('memberships', (join) => join.onRef('memberships.organisation_id', '=', 'applications.organisation_id').on('memberships.user_id', '=', actor.id))
    .innerJoin('rounds', 'rounds.id', 'applications.round_id')
    .select([
      'applications.id',
      'applications.reference',
      'applications.title',
      'applications.status',
      'applications.stage',
      'applications.round_id',
      'applications.answers',
      'organisations.name as organisation_name',
      'rounds.title as round_title',
      'rounds.closes_at as round_closes_at',
    ])
    .where('applications.id', '=', applicationId)
  const [row] = (await db.executeQuery(prepared(query))).rows
  if (!row) throw new ApplicationNotFoundError()
  const stage = row.stage as ApplicationDetail['stage']
  let sections: ApplicationTaskList['sections'] = null
  if (isEditable(row.status)) {
    const answers = parseAnswers(row.answers)
    sections = sectionsOf(await questionsFor(db, row.round_id, stage)).map((s) => ({ number: s.number, title: s.title, status: sectionStatus(s, answers) }))
  }
  return {
    id: row.id,
    reference: row.reference,
    title: row.title,
    status: row.status,
    stage,
    organisationName: row.organisation_name,
    roundTitle: row.round_title,
    roundClosesAt: row.round_closes_at,
    sections,
  }
}

/** An application by id for fund managers (the caller has checked the permission). */
export async function getApplication(db: Db, applicationId: number): Promise<ApplicationDetail> {
  const row = await db
    .selectFrom('applications')
    .innerJoin('organisations', 'organisations.id', 'applications.organisation_id')
    .innerJoin('rounds', 'rounds.id', 'applications.round_id')
    .select(APPLICATION_COLUMNS)
    .select(JOINED_ROUND_COLUMNS)
    .where('applications.id', '=', applicationId)
    .executeTakeFirst()
  if (!row) throw new ApplicationNotFoundError()
  return detailOf(db, row)
}

export function isEditable(status: string): boolean {
  return (EDITABLE_STATUSES as readonly string[]).includes(status)
}

/**
 * Whether the round's deadline applies to this application. It does to a single-stage bid and to an expression of
 * interest; an invited full application in a two-stage round is written after the EOI round closed, so it does not.
 */
export function deadlineApplies(application: Pick<ApplicationDetail, 'stage' | 'round' | 'eoiApplicationId'>): boolean {
  return !(application.round.stages === 'two_stage' && application.stage === 'full' && application.eoiApplicationId !== null)
}

// ---------------------------------------------------------------- references

const SMALL_WORDS = new Set(['the', 'of', 'and', 'for', 'a', 'an', 'to', 'in'])

/** "Thriving Communities Fund" -> "TCF"; "Power of Music" -> "PM". At most 4 letters; "APP" when nothing is left. */
export function referencePrefix(fundName: string): string {
  const letters = fundName
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w && !SMALL_WORDS.has(w.toLowerCase()))
    .map((w) => w[0]!.toUpperCase())
    .join('')
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, 4)
  return letters || 'APP'
}

/** The next reference for a fund and year, "TCF-2026-00042": one upsert on a counter row, so references never clash. */
export async function nextApplicationReference(trx: Transaction<DB>, fundName: string, year: number): Promise<string> {
  const prefix = `${referencePrefix(fundName)}-${year}`
  const row = await trx
    .insertInto('application_reference_counters')
    .values({ prefix, last_value: 1 })
    .onConflict((oc) => oc.column('prefix').doUpdateSet((eb) => ({ last_value: eb('application_reference_counters.last_value', '+', 1) })))
    .returning('last_value')
    .executeTakeFirstOrThrow()
  return `${prefix}-${String(row.last_value).padStart(5, '0')}`
}

// ---------------------------------------------------------------- starting

export interface StartApplicationInput {
  roundId: number
  organisationId: number
  eligibilityAnswers: EligibilityAnswers
  now: Date
}

/**
 * Runs the eligibility check and, if the organisation passes, creates a draft application (an expression of
 * interest in a two-stage round). Throws NotEligibleError with every reason otherwise, creating nothing.
 */
export async function startApplication(trx: Transaction<DB>, actor: Actor, input: StartApplicationInput): Promise<{ id: number; reference: string }> {
  const membership = await trx
    .selectFrom('memberships')
    .select('id')
    .where('user_id', '=', actor.id)
    .where('organisation_id', '=', input.organisationId)
    .executeTakeFirst()
  if (!membership) throw new NotFoundError('organisation')
  const round = await getRound(trx, input.roundId)
  const result = await checkEligibility(trx, { round, organisationId: input.organisationId, answers: input.eligibilityAnswers, now: input.now })
  if (!result.eligible) throw new NotEligibleError(result.reasons)
  const [fund, organisation] = await Promise.all([
    trx.selectFrom('funds').select('name').where('id', '=', round.fundId).executeTakeFirstOrThrow(),
    trx.selectFrom('organisations').select(['name', 'place_id']).where('id', '=', input.organisationId).executeTakeFirstOrThrow(),
  ])
  const reference = await nextApplicationReference(trx, fund.name, input.now.getUTCFullYear())
  const nowIso = input.now.toISOString()
  const application = await trx
    .insertInto('applications')
    .values({
      reference,
      round_id: round.id,
      organisation_id: input.organisationId,
      stage: round.stages === 'two_stage' ? 'eoi' : 'full',
      status: 'draft',
      title: `${organisation.name}: ${round.title}`,
      place_id: organisation.place_id,
      answers: '{}',
      created_by: actor.id,
      created_at: nowIso,
      updated_at: nowIso,
    })
    .returning(['id', 'reference'])
    .executeTakeFirstOrThrow()
  await recordAudit(trx, {
    actorUserId: actor.id,
    action: 'application.started',
    entityType: 'application',
    entityId: application.id,
    after: { reference, roundId: round.id, organisationId: input.organisationId, eligibilityAnswers: input.eligibilityAnswers },
  })
  return application
}

// ---------------------------------------------------------------- money columns

/** The question whose answer is the amount asked for: the money question keyed "amount_requested", else the first money question. */
export function amountQuestion(questions: QuestionDef[]): QuestionDef | undefined {
  const money = questions.filter((q) => q.type === 'money')
  return money.find((q) => q.key === 'amount_requested') ?? money[0]
}

/**
 * The amount asked for in total. In a multi-year round the amount question is the amount a year (one of the round's
 * amounts), so the total is that times the number of years.
 */
export function totalRequestedPence(round: Round, questions: QuestionDef[], answers: Answers): number {
  const q = amountQuestion(questions)
  const value = q ? answers[q.key] : undefined
  const amount = typeof value === 'number' ? value : 0
  return round.rules.multiYear ? amount * round.rules.multiYear.years : amount
}

export function budgetOf(round: Round, questions: QuestionDef[], answers: Answers): BudgetSummary | null {
  const budget = questions.find((q) => q.type === 'budget_table')
  if (!budget) return null
  return summariseBudget(budgetLines(answers[budget.key]), totalRequestedPence(round, questions, answers), round.rules.matchFunding)
}

function moneyColumns(round: Round, questions: QuestionDef[], answers: Answers) {
  const requested = totalRequestedPence(round, questions, answers)
  const budget = budgetOf(round, questions, answers)
  return {
    amount_requested_pence: requested,
    project_cost_pence: budget ? budget.projectCostPence : requested,
    match_cash_pence: budget ? budget.matchCashPence : 0,
    match_in_kind_pence: budget ? budget.matchInKindPence : 0,
  }
}

function titleFrom(answers: Answers, fallback: string): string {
  const title = answers.project_title
  return typeof title === 'string' && title.trim() !== '' ? title.trim().slice(0, 200) : fallback
}

// ---------------------------------------------------------------- saving a section

export interface SaveSectionInput {
  applicationId: number
  sectionNumber: number
  input: SectionInput
  /** Where uploads are stored (the route passes env().DATA_DIR). */
  dataDir: string
  now: Date
}

export interface SaveSectionResult {
  application: ApplicationDetail
  /** Files no longer referenced: the route deletes them once the transaction has committed. */
  unusedStorageKeys: string[]
}

async function recordDocument(trx: Transaction<DB>, actor: Actor, application: ApplicationDetail, purpose: string, stored: StoredUpload) {
  return trx
    .insertInto('documents')
    .values({
      organisation_id: application.organisationId,
      owner_type: 'application',
      owner_id: application.id,
      purpose,
      filename: stored.filename,
      content_type: stored.contentType,
      size_bytes: stored.sizeBytes,
      storage_key: stored.storageKey,
      sha256: stored.sha256,
      uploaded_by: actor.id,
    })
    .returning(['id', 'filename'])
    .executeTakeFirstOrThrow()
}

async function dropDocument(trx: Transaction<DB>, applicationId: number, documentId: number): Promise<string | null> {
  const doc = await trx
    .deleteFrom('documents')
    .where('id', '=', documentId)
    .where('owner_type', '=', 'application')
    .where('owner_id', '=', applicationId)
    .returning('storage_key')
    .executeTakeFirst()
  return doc?.storage_key ?? null
}

/** Refuses a change unless the application is editable and, where the deadline applies, the round is open. */
export function assertCanChange(application: ApplicationDetail, now: Date): void {
  if (!isEditable(application.status)) throw new ApplicationReadOnlyError()
  if (deadlineApplies(application)) assertRoundOpen(application.round, now)
}

/**
 * Saves one section's answers (whichever button was pressed: the form has already checked the rules that apply).
 * Stores uploads (checked by content), replaces or removes files per field, drops answers to questions the
 * "show only if" conditions now hide, and keeps the money columns and title in step. Audited.
 */
export async function saveSection(trx: Transaction<DB>, actor: Actor, input: SaveSectionInput): Promise<SaveSectionResult> {
  const application = await getApplicationForMember(trx, actor, input.applicationId)
  assertCanChange(application, input.now)
  const section = application.sections.find((s) => s.number === input.sectionNumber)
  if (!section) throw new NotFoundError('section')
  const answers: Answers = { ...application.answers }
  const unused: string[] = []
  const previousDocs = new Map<number, string>()

  for (const q of section.questions) {
    const before = application.answers[q.key]
    if (q.type === 'file_upload') {
      const file = input.input.files[q.key]
      if (file || input.input.removals.includes(q.key)) {
        if (isDocumentRef(before)) {
          const key = await dropDocument(trx, application.id, before.documentId)
          if (key) unused.push(key)
        }
        delete answers[q.key]
      }
      if (file) {
        const doc = await recordDocument(trx, actor, application, `answer:${q.key}`, await storeUpload(input.dataDir, file, q.key))
        answers[q.key] = { documentId: doc.id, filename: doc.filename }
      }
      continue
    }
    if (q.type === 'partners_table') {
      for (const row of partnerRows(before)) if (row.letter) previousDocs.set(row.letter.documentId, row.letter.filename)
      const rows = partnerRows(input.input.answers[q.key])
      const saved = []
      for (const [index, row] of rows.entries()) {
        const file = input.input.files[`${q.key}[${index}].letter`]
        let letter = row.letter && previousDocs.has(row.letter.documentId) ? { documentId: row.letter.documentId, filename: previousDocs.get(row.letter.documentId)! } : null
        if (file) {
          const doc = await recordDocument(trx, actor, application, `partner_letter:${q.key}`, await storeUpload(input.dataDir, file, `${q.key}[${index}].letter`))
          letter = { documentId: doc.id, filename: doc.filename }
        }
        saved.push({ name: row.name, role: row.role, letter })
      }
      const keptIds = new Set(saved.flatMap((r) => (r.letter ? [r.letter.documentId] : [])))
      for (const id of previousDocs.keys()) {
        if (keptIds.has(id)) continue
        const key = await dropDocument(trx, application.id, id)
        if (key) unused.push(key)
      }
      if (saved.length > 0) answers[q.key] = saved
      else delete answers[q.key]
      continue
    }
    const value = input.input.answers[q.key]
    if (value === undefined || (Array.isArray(value) && value.length === 0)) delete answers[q.key]
    else answers[q.key] = value as AnswerValue
  }
  // Answers to questions now hidden by a "show only if" condition are dropped (files included).
  for (const q of application.questions) {
    if (answers[q.key] === undefined || isVisible(q, answers)) continue
    const value = answers[q.key]
    if (isDocumentRef(value)) {
      const key = await dropDocument(trx, application.id, value.documentId)
      if (key) unused.push(key)
    }
    delete answers[q.key]
  }

  const nowIso = input.now.toISOString()
  await trx
    .updateTable('applications')
    .set({
      answers: JSON.stringify(answers),
      title: titleFrom(answers, application.title),
      ...moneyColumns(application.round, application.questions, answers),
      updated_at: nowIso,
    })
    .where('id', '=', application.id)
    .execute()
  await recordAudit(trx, {
    actorUserId: actor.id,
    action: 'application.saved',
    entityType: 'application',
    entityId: application.id,
    after: { section: section.number, sectionTitle: section.title, questions: section.questions.map((q) => q.key) },
  })
  return { application: await getApplicationForMember(trx, actor, application.id), unusedStorageKeys: unused }
}

export interface ApplicationSummary {
  id: number
  reference: string
  title: string
  status: string
  stage: 'eoi' | 'full'
  roundTitle: string
  organisationName: string
  updatedAt: string
}

/** Every application of the organisations the person belongs to, newest first. */
export async function listApplicationsForMember(db: Db, actor: Actor): Promise<ApplicationSummary[]> {
  const rows = await db
    .selectFrom('applications')
    .innerJoin('memberships', (join) => join.onRef('memberships.organisation_id', '=', 'applications.organisation_id').on('memberships.user_id', '=', actor.id))
    .innerJoin('organisations', 'organisations.id', 'applications.organisation_id')
    .innerJoin('rounds', 'rounds.id', 'applications.round_id')
    .select([
      'applications.id',
      'applications.reference',
      'applications.title',
      'applications.status',
      'applications.stage',
      'applications.updated_at',
      'rounds.title as round_title',
      'organisations.name as organisation_name',
    ])
    .orderBy('applications.id', 'desc')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    reference: r.reference,
    title: r.title,
    status: r.status,
    stage: r.stage,
    roundTitle: r.round_title,
    organisationName: r.organisation_name,
    updatedAt: r.updated_at,
  }))
}
