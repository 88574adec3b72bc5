/**
 * An award's impact returns, from the schedule to acceptance:
 *
 *   expected (nothing entered) -> draft (saved, not sent) -> submitted -> changes_requested -> submitted -> accepted
 *
 * Returns are attached when the offer terms are set (attachReturns, called by setOfferTerms). A member of the
 * organisation saves and sends a return (saveReturnDraft, submitReturn); each sending is kept as a version
 * (return_versions) and its figures are written where the impact roll-up reads them: return_counts (referral routes
 * and demographics), return_outcomes (sufficient statistics per measure) and the summary columns on returns. A fund
 * manager accepts it or returns it for changes with comments (review.server.ts). Accepting releases any tranche gated
 * on the return (app/domain/payments/tranches.server.ts treats an accepted return as its gate met).
 */
import type { Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import type { StoredUpload } from '~/lib/uploads.server.ts'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { budgetLines, parseAnswers } from '../applications/answers.ts'
import { sumsFromCohort, sumsFromParticipants, type OutcomeSums } from '../impact/outcome-statistics.ts'
import { enqueueEmail } from '../messages/outbox.server.ts'
import { isMeasureCode, type MeasureCode } from './measures.ts'
import { withReturnReviewCounts } from './review-counts.server.ts'
import {
  INSTRUMENTS,
  MAX_PHOTOS,
  readReturnData,
  returnProblems,
  scoresForStatistics,
  spentOf,
  type BudgetLineRef,
  type ReturnContext,
  type ReturnData,
  type ReturnPhoto,
  type ReturnProblem,
  type StoredReturnData,
} from './return-form.ts'
import { OPEN_RETURN_STATUSES, isOverdue, planReturns, returnFormFor, roundReturnSchedule, type ReturnKind } from './return-schedule.ts'

export class ReturnNotFoundError extends NotFoundError {
  constructor() {
    super('return')
  }
}

/** One or more values of a return are wrong; `problems` says which field each belongs to. */
export class ReturnInputError extends DomainError {
  readonly problems: ReturnProblem[]
  constructor(problems: ReturnProblem[]) {
    super(problems[0]?.message ?? 'Check the return', { code: 'return_input', status: 400, field: problems[0]?.field })
    this.problems = problems
  }
}

export class ReturnStatusError extends ConflictError {
  constructor(message: string) {
    super(message, 'return_status')
  }
}

// ---------------------------------------------------------------- attaching the schedule

export interface AttachReturnsInput {
  awardId: number
  /** The award's annual returns when it is paid yearly (these are its schedule); null to use the round's schedule. */
  annual: Array<{ year: number; periodLabel: string; dueDate: string }> | null
  start: string
  end: string | null
}

/**
 * Adds the award's expected returns, each with its form (short or full by the award's size and the round's
 * threshold). For a yearly award these are the annual returns its later payments wait for (year -> return id is
 * returned); otherwise the round's schedule from the start date. Returns the last due date (the final return).
 */
export async function attachReturns(trx: Transaction<DB>, input: AttachReturnsInput): Promise<{ idsByYear: Map<number, number>; finalDueDate: string | null }> {
  const award = await trx
    .selectFrom('awards')
    .innerJoin('rounds', 'rounds.id', 'awards.round_id')
    .select(['awards.amount_pence', 'rounds.return_schedule', 'rounds.short_return_max_pence', 'rounds.years'])
    .where('awards.id', '=', input.awardId)
    .executeTakeFirstOrThrow()
  const form = returnFormFor(award.amount_pence, award.short_return_max_pence)
  const planned: Array<{ year: number | null; kind: ReturnKind; periodLabel: string; dueDate: string }> = input.annual
    ? input.annual.map((r) => ({ year: r.year, kind: 'annual' as const, periodLabel: r.periodLabel, dueDate: r.dueDate }))
    : planReturns(roundReturnSchedule(award.return_schedule, award.years), { start: input.start, end: input.end, years: award.years }).map((r) => ({ year: null, ...r }))
  const idsByYear = new Map<number, number>()
  for (const r of planned) {
    const row = await trx
      .insertInto('returns')
      .values({ award_id: input.awardId, kind: r.kind, period_label: r.periodLabel, due_date: r.dueDate, status: 'expected', form })
      .returning('id')
      .executeTakeFirstOrThrow()
    if (r.year !== null) idsByYear.set(r.year, row.id)
  }
  return { idsByYear, finalDueDate: planned.at(-1)?.dueDate ?? null }
}

// ---------------------------------------------------------------- reading

export interface ReturnRow {
  id: number
  awardId: number
  kind: string
  periodLabel: string
  dueDate: string
  status: string
  version: number
  form: 'short' | 'full'
  data: string
  reviewComments: string | null
  organisationId: number
  organisationName: string
  awardReference: string
  awardStatus: string
  awardAmountPence: number
  applicationId: number
  projectTitle: string
  roundId: number
  roundTitle: string
  swemwbsEnabled: boolean
}

export async function loadReturn(db: Db, returnId: number, options: { lock?: boolean } = {}): Promise<ReturnRow> {
  let query = db
    .selectFrom('returns')
    .innerJoin('awards', 'awards.id', 'returns.award_id')
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .innerJoin('applications', 'applications.id', 'awards.application_id')
    .innerJoin('rounds', 'rounds.id', 'awards.round_id')
    .select([
      'returns.id',
      'returns.award_id as awardId',
      'returns.kind',
      'returns.period_label as periodLabel',
      'returns.due_date as dueDate',
      'returns.status',
      'returns.version',
      'returns.form',
      'returns.data',
      'returns.review_comments as reviewComments',
      'awards.organisation_id as organisationId',
      'organisations.name as organisationName',
      'awards.reference as awardReference',
      'awards.status as awardStatus',
      'awards.amount_pence as awardAmountPence',
      'applications.id as applicationId',
      'applications.title as projectTitle',
      'rounds.id as roundId',
      'rounds.title as roundTitle',
      'rounds.swemwbs_enabled',
    ])
    .where('returns.id', '=', returnId)
  if (options.lock && engineOf(db) === 'postgres') query = query.forUpdate('returns')
  const row = await query.executeTakeFirst()
  if (!row) throw new ReturnNotFoundError()
  const { swemwbs_enabled, form, ...rest } = row
  return { ...rest, form: form === 'full' ? 'full' : 'short', swemwbsEnabled: swemwbs_enabled === 1 }
}

/** The approved budget's lines (from the application's budget table), numbered from 1. */
export async function approvedBudgetLines(db: Db, applicationId: number): Promise<BudgetLineRef[]> {
  const app = await db.selectFrom('applications').select(['round_id', 'stage', 'answers']).where('id', '=', applicationId).executeTakeFirst()
  if (!app) return []
  const question = await db
    .selectFrom('questions')
    .select('key')
    .where('round_id', '=', app.round_id)
    .where('stage', '=', app.stage)
    .where('type', '=', 'budget_table')
    .orderBy('position')
    .executeTakeFirst()
  if (!question) return []
  return budgetLines(parseAnswers(app.answers)[question.key]).map((l, i) => ({ line: i + 1, description: `${l.category}: ${l.description}`, amountPence: l.amountPence }))
}

async function contextOf(db: Db, row: ReturnRow): Promise<ReturnContext> {
  return { form: row.form, swemwbsEnabled: row.swemwbsEnabled, budgetLines: row.form === 'full' ? await approvedBudgetLines(db, row.applicationId) : [] }
}

export interface ReturnVersionSummary {
  version: number
  submittedAt: string
  submittedByName: string
  reviewOutcome: 'accepted' | 'changes_requested' | null
  reviewComments: string | null
  reviewedAt: string | null
  reviewedByName: string | null
}

export async function listReturnVersions(db: Db, returnId: number): Promise<ReturnVersionSummary[]> {
  const rows = await db
    .selectFrom('return_versions')
    .innerJoin('users as submitter', 'submitter.id', 'return_versions.submitted_by')
    .leftJoin('users as reviewer', 'reviewer.id', 'return_versions.reviewed_by')
    .select([
      'return_versions.version',
      'return_versions.submitted_at',
      'submitter.name as submittedByName',
      'return_versions.review_outcome',
      'return_versions.review_comments',
      'return_versions.reviewed_at',
      'reviewer.name as reviewedByName',
    ])
    .where('return_versions.return_id', '=', returnId)
    .orderBy('return_versions.version', 'desc')
    .execute()
  return rows.map((r) => ({
    version: r.version,
    submittedAt: r.submitted_at,
    submittedByName: r.submittedByName,
    reviewOutcome: r.review_outcome,
    reviewComments: r.review_comments,
    reviewedAt: r.reviewed_at,
    reviewedByName: r.reviewedByName,
  }))
}

/** One version exactly as it was sent; ReturnNotFoundError when there is no such version. */
export async function returnVersionData(db: Db, returnId: number, version: number): Promise<StoredReturnData> {
  const row = await db.selectFrom('return_versions').select('data').where('return_id', '=', returnId).where('version', '=', version).executeTakeFirst()
  if (!row) throw new ReturnNotFoundError()
  return readReturnData(row.data)
}

export interface ReturnView {
  id: number
  awardId: number
  awardReference: string
  awardStatus: string
  awardAmountPence: number
  organisationId: number
  organisationName: string
  projectTitle: string
  roundId: number
  roundTitle: string
  kind: string
  periodLabel: string
  dueDate: string
  status: string
  version: number
  form: 'short' | 'full'
  overdue: boolean
  /** The fund manager's comments when the return was sent back for changes. */
  reviewComments: string | null
  data: StoredReturnData
  context: ReturnContext
  versions: ReturnVersionSummary[]
  /** The group can change and send it: its award accepted (or completed) and the return still open. */
  editable: boolean
}

async function viewOf(db: Db, row: ReturnRow, today: string): Promise<ReturnView> {
  const { data, ...rest } = row
  return {
    ...rest,
    overdue: isOverdue(row, today),
    data: readReturnData(data),
    context: await contextOf(db, row),
    versions: await listReturnVersions(db, row.id),
    editable: ['accepted', 'completed'].includes(row.awardStatus) && (OPEN_RETURN_STATUSES as readonly string[]).includes(row.status),
  }
}

/** A return as a member of its organisation sees it; ReturnNotFoundError (404) for anyone else or the wrong award. */
export async function returnForOrganisation(db: Db, input: { awardId: number; returnId: number; organisationIds: readonly number[]; today: string }): Promise<ReturnView> {
  const row = await loadReturn(db, input.returnId)
  if (row.awardId !== input.awardId || !input.organisationIds.includes(row.organisationId)) throw new ReturnNotFoundError()
  return viewOf(db, row, input.today)
}

/** A return as a fund manager reviews it. */
export async function returnForReview(db: Db, returnId: number, today: string): Promise<ReturnView> {
  return viewOf(db, await loadReturn(db, returnId), today)
}

export interface AwardReturnItem {
  id: number
  kind: string
  periodLabel: string
  dueDate: string
  status: string
  version: number
  form: string | null
  overdue: boolean
}

/** An award's returns in the order they are due. */
export async function listAwardReturns(db: Db, awardId: number, today: string): Promise<AwardReturnItem[]> {
  const rows = await db
    .selectFrom('returns')
    .select(['id', 'kind', 'period_label', 'due_date', 'status', 'version', 'form'])
    .where('award_id', '=', awardId)
    .orderBy('due_date')
    .orderBy('id')
    .execute()
  return rows.map((r) => ({ id: r.id, kind: r.kind, periodLabel: r.period_label, dueDate: r.due_date, status: r.status, version: r.version, form: r.form, overdue: isOverdue({ status: r.status, dueDate: r.due_date }, today) }))
}

/** Awards (of those given) with at least one overdue return, for flagging on /awards. */
export async function awardsWithOverdueReturns(db: Db, awardIds: readonly number[], today: string): Promise<Set<number>> {
  if (awardIds.length === 0) return new Set()
  const rows = await db
    .selectFrom('returns')
    .innerJoin('awards', 'awards.id', 'returns.award_id')
    .select('returns.award_id')
    .where('returns.award_id', 'in', [...awardIds])
    .where('awards.status', 'in', ['accepted', 'completed'])
    .where('returns.status', 'in', [...OPEN_RETURN_STATUSES])
    .where('returns.due_date', '<', today)
    .execute()
  return new Set(rows.map((r) => r.award_id))
}

// ---------------------------------------------------------------- saving and sending

export interface NewReturnPhoto {
  upload: StoredUpload
  caption: string
  consent: boolean
  /** Its place in the form (photos[i]), for messages; defaults to its place in this list. */
  index?: number
}

export interface SaveReturnInput {
  returnId: number
  data: ReturnData
  newPhotos?: NewReturnPhoto[]
  /** Document ids of photos to take off the return. */
  removePhotoIds?: number[]
}

export interface SubmitReturnInput extends SaveReturnInput {
  /** The site's address for the link in the fund managers' email (a path alone without it). */
  baseUrl?: string
}

async function isMember(db: Db, userId: number, organisationId: number): Promise<boolean> {
  return !!(await db.selectFrom('memberships').select('id').where('user_id', '=', userId).where('organisation_id', '=', organisationId).executeTakeFirst())
}

/** Loads a return its organisation may change now, or throws (404 outside the organisation, 409 when not open). */
async function editableReturn(trx: Transaction<DB>, actorUserId: number, returnId: number): Promise<ReturnRow> {
  const row = await loadReturn(trx, returnId, { lock: true })
  if (!(await isMember(trx, actorUserId, row.organisationId))) throw new ReturnNotFoundError()
  if (!['accepted', 'completed'].includes(row.awardStatus)) throw new ReturnStatusError('Returns open once the offer has been accepted.')
  if (!(OPEN_RETURN_STATUSES as readonly string[]).includes(row.status)) {
    throw new ReturnStatusError(row.status === 'accepted' ? 'This return has been accepted, so it can no longer be changed.' : 'This return has been sent and is waiting for review, so it cannot be changed now.')
  }
  return row
}

/** The data with its photos: those kept, then the new ones stored as the organisation's documents. */
async function withPhotos(trx: Transaction<DB>, actorUserId: number, row: ReturnRow, input: SaveReturnInput): Promise<StoredReturnData> {
  const current = readReturnData(row.data)
  const remove = new Set(input.removePhotoIds ?? [])
  const photos: ReturnPhoto[] = current.photos.filter((p) => !remove.has(p.documentId))
  const newPhotos = input.newPhotos ?? []
  const problems: ReturnProblem[] = []
  for (const [i, p] of newPhotos.entries()) {
    const index = p.index ?? i
    if (!p.consent) problems.push({ field: `photos[${index}].consent`, message: `Confirm that everyone in photo ${index + 1} agreed to it being used` })
    if (!p.upload.contentType.startsWith('image/')) problems.push({ field: `photos[${index}].file`, message: `Photo ${index + 1} must be a JPEG or PNG image` })
  }
  if (photos.length + newPhotos.length > MAX_PHOTOS) problems.push({ field: 'photos[0].file', message: `A return can have at most ${MAX_PHOTOS} photos` })
  if (problems.length) throw new ReturnInputError(problems)
  for (const p of newPhotos) {
    const doc = await trx
      .insertInto('documents')
      .values({
        organisation_id: row.organisationId,
        owner_type: 'return',
        owner_id: row.id,
        purpose: 'return-photo',
        filename: p.upload.filename,
        content_type: p.upload.contentType,
        size_bytes: p.upload.sizeBytes,
        storage_key: p.upload.storageKey,
        sha256: p.upload.sha256,
        uploaded_by: actorUserId,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    photos.push({ documentId: doc.id, filename: p.upload.filename, caption: p.caption.trim(), consent: true })
  }
  return { ...cleanData(input.data, await contextOf(trx, row)), photos }
}

/** Leaves out what the return's form does not ask for (demographics and match funding on the short form). */
function cleanData(data: ReturnData, ctx: ReturnContext): ReturnData {
  return ctx.form === 'short' ? { ...data, demographics: {}, matchFundingPence: null } : data
}

function checkOrThrow(data: ReturnData, ctx: ReturnContext, mode: 'draft' | 'submit'): void {
  const problems = returnProblems(data, ctx, mode)
  if (problems.length) throw new ReturnInputError(problems)
}

/**
 * A member of the organisation saves the return without sending it. Values given must be right (an ONS4 of 11 is
 * refused, nothing saved); missing answers are fine. expected -> draft; a return back for changes stays so.
 */
export async function saveReturnDraft(trx: Transaction<DB>, actorUserId: number, input: SaveReturnInput): Promise<{ status: string }> {
  const row = await editableReturn(trx, actorUserId, input.returnId)
  checkOrThrow(input.data, await contextOf(trx, row), 'draft')
  const data = await withPhotos(trx, actorUserId, row, input)
  const status = row.status === 'changes_requested' ? 'changes_requested' : 'draft'
  await withReturnReviewCounts(trx, row.awardId, () =>
    trx.updateTable('returns').set({ data: JSON.stringify(data), status, updated_at: new Date().toISOString() }).where('id', '=', row.id).execute(),
  )
  await recordAudit(trx, { actorUserId, action: 'return.draft_saved', entityType: 'return', entityId: row.id, before: { status: row.status }, after: { status, photos: data.photos.length } })
  return { status }
}

/** The sufficient statistics of each measure the data reports. */
export function outcomeSumsOf(data: ReturnData): Array<{ measure: MeasureCode; basis: 'participants' | 'cohort'; sums: OutcomeSums }> {
  const result: Array<{ measure: MeasureCode; basis: 'participants' | 'cohort'; sums: OutcomeSums }> = []
  for (const instrument of INSTRUMENTS) {
    const entry = data.outcomes[instrument.code]
    if (!entry) continue
    for (const measure of instrument.measures) {
      if (entry.basis === 'participants') {
        const pairs = entry.participants?.[measure]
        if (pairs?.length) result.push({ measure, basis: 'participants', sums: sumsFromParticipants(scoresForStatistics(measure, pairs)) })
      } else {
        const c = entry.cohort?.[measure]
        if (c) result.push({ measure, basis: 'cohort', sums: sumsFromCohort(c) })
      }
    }
  }
  return result
}

/** Replaces the return's counts and outcome statistics with those of the data just sent. */
async function writeFigures(trx: Transaction<DB>, returnId: number, data: ReturnData): Promise<void> {
  await trx.deleteFrom('return_counts').where('return_id', '=', returnId).execute()
  await trx.deleteFrom('return_outcomes').where('return_id', '=', returnId).execute()
  const counts: Array<{ return_id: number; dimension: string; category: string; count: number }> = []
  for (const [category, count] of Object.entries(data.referrals)) if (count !== undefined) counts.push({ return_id: returnId, dimension: 'referral', category, count })
  for (const [dimension, byCategory] of Object.entries(data.demographics)) {
    for (const [category, count] of Object.entries(byCategory ?? {})) if (count !== undefined) counts.push({ return_id: returnId, dimension, category, count })
  }
  if (counts.length) await trx.insertInto('return_counts').values(counts).execute()
  const outcomes = outcomeSumsOf(data).filter((o) => isMeasureCode(o.measure))
  if (outcomes.length) {
    await trx
      .insertInto('return_outcomes')
      .values(
        outcomes.map((o) => ({
          return_id: returnId,
          measure: o.measure,
          basis: o.basis,
          n: o.sums.n,
          mean_before: o.sums.meanBefore,
          mean_after: o.sums.meanAfter,
          sum_change: o.sums.sumChange,
          sum_sq_change: o.sums.sumSqChange,
        })),
      )
      .execute()
  }
}

/**
 * A member of the organisation sends the return: every required answer checked (ReturnInputError lists each field's
 * problem and nothing is written), then a new version is kept, the figures written for the roll-up, and the fund
 * managers emailed. expected | draft | changes_requested -> submitted.
 */
export async function submitReturn(trx: Transaction<DB>, actorUserId: number, input: SubmitReturnInput): Promise<{ version: number }> {
  const row = await editableReturn(trx, actorUserId, input.returnId)
  const ctx = await contextOf(trx, row)
  checkOrThrow(input.data, ctx, 'submit')
  const data = await withPhotos(trx, actorUserId, row, input)
  const version = row.version + 1
  const now = new Date().toISOString()
  const json = JSON.stringify(data)
  const moved = await withReturnReviewCounts(trx, row.awardId, () =>
    trx
      .updateTable('returns')
      .set({
        status: 'submitted',
        version,
        data: json,
        people_reached: data.peopleReached,
        sessions_delivered: data.sessionsDelivered,
        spent_pence: spentOf(data),
        match_funding_pence: data.matchFundingPence,
        submitted_at: now,
        submitted_by: actorUserId,
        reviewed_by: null,
        reviewed_at: null,
        review_comments: null,
        updated_at: now,
      })
      .where('id', '=', row.id)
      .where('version', '=', row.version)
      .where('status', 'in', [...OPEN_RETURN_STATUSES])
      .executeTakeFirst(),
  )
  if (Number(moved.numUpdatedRows) !== 1) throw new ReturnStatusError('This return was sent a moment ago by someone else.')
  await trx.insertInto('return_versions').values({ return_id: row.id, version, data: json, submitted_by: actorUserId, submitted_at: now }).execute()
  await writeFigures(trx, row.id, data)
  await recordAudit(trx, { actorUserId, action: 'return.submitted', entityType: 'return', entityId: row.id, before: { status: row.status }, after: { status: 'submitted', version, peopleReached: data.peopleReached } })
  const managers = await trx
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select('users.email')
    .where('user_roles.role', '=', 'fund_manager')
    .where('users.anonymised_at', 'is', null)
    .orderBy('users.id')
    .execute()
  for (const m of [...new Set(managers.map((x) => x.email))]) {
    await enqueueEmail(trx, {
      template: 'return-submitted',
      to: m,
      idempotencyKey: `return-submitted:${row.id}:${version}:${m}`,
      data: { organisationName: row.organisationName, periodLabel: row.periodLabel, awardReference: row.awardReference, version, link: `${input.baseUrl ?? ''}/manage/returns/${row.id}` },
    })
  }
  return { version }
}

