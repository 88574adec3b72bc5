/**
 * Conflicts of interest (docs/decisions/0009-assessment-and-panels.md). Before seeing a bid an assessor confirms they
 * have no conflict (the assessment becomes a `draft` they can score) or declares one (status `conflict`, with its type
 * and a note). A fund manager can record a conflict on an assessor's behalf (`conflict_recorded_by`), even for a bid
 * the assessor was not given, so it is never assigned to them.
 *
 * A declared conflict removes the assessor's access to the bid (403 in access.server.ts), their scores from every total
 * (totals count only `submitted` assessments, so a submitted assessment later declared a conflict stops counting;
 * unsubmitted draft scores are deleted, as they never count) and them from decisions on it. It stays on record and
 * is listed in the panel minutes (listConflicts).
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import { CONFLICT_TYPES, conflictNeedsNote, conflictTypeLabel, type ConflictType } from './assessment-labels.ts'
import { loadOwnAssessment } from './access.server.ts'
import { refreshBidScoreSummaries } from './score-summaries.server.ts'

export class ConflictInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'conflict_input', status: 400, field })
  }
}

export const CONFLICT_NOTE_MAX = 2000

/** The assessor confirms they have no conflict of interest: the bid opens for scoring (status draft). Audited. */
export async function confirmNoConflict(trx: Transaction<DB>, assessorUserId: number, assessmentId: number): Promise<void> {
  const assessment = await loadOwnAssessment(trx, assessorUserId, assessmentId)
  if (assessment.status !== 'assigned') return // already confirmed (a repeated form post changes nothing)
  const now = new Date().toISOString()
  await trx.updateTable('assessments').set({ status: 'draft', conflict_confirmed_at: now, updated_at: now }).where('id', '=', assessment.id).where('status', '=', 'assigned').execute()
  await recordAudit(trx, { actorUserId: assessorUserId, action: 'assessment.no_conflict_confirmed', entityType: 'assessment', entityId: assessment.id, after: { applicationId: assessment.applicationId } })
}

function checkConflictInput(type: string, note: string): { type: ConflictType; note: string } {
  if (!(CONFLICT_TYPES as readonly string[]).includes(type)) throw new ConflictInputError('type', 'Select the kind of conflict of interest')
  const trimmed = note.trim()
  if (conflictNeedsNote(type as ConflictType) && trimmed === '') throw new ConflictInputError('note', 'Describe the conflict of interest')
  if (trimmed.length > CONFLICT_NOTE_MAX) throw new ConflictInputError('note', 'The note must be 2,000 characters or fewer')
  return { type: type as ConflictType, note: trimmed }
}

async function markConflict(
  trx: Transaction<DB>,
  actorUserId: number,
  assessment: { id: number; applicationId: number; assessorUserId: number; status: string },
  input: { type: ConflictType; note: string; recordedBy: number | null },
): Promise<void> {
  if (assessment.status === 'conflict') throw new ConflictError('A conflict of interest has already been declared for this bid', 'conflict_already_declared')
  const now = new Date().toISOString()
  if (assessment.status !== 'submitted') await trx.deleteFrom('criterion_scores').where('assessment_id', '=', assessment.id).execute()
  await trx
    .updateTable('assessments')
    .set({ status: 'conflict', conflict_type: input.type, conflict_note: input.note || null, conflict_recorded_by: input.recordedBy, updated_at: now })
    .where('id', '=', assessment.id)
    .execute()
  // A submitted assessment stops counting towards the bid's scores.
  await refreshBidScoreSummaries(trx, [assessment.applicationId])
  await recordAudit(trx, {
    actorUserId,
    action: 'assessment.conflict_declared',
    entityType: 'assessment',
    entityId: assessment.id,
    before: { status: assessment.status },
    after: { applicationId: assessment.applicationId, assessorUserId: assessment.assessorUserId, type: input.type, note: input.note, recordedBy: input.recordedBy },
  })
}

/**
 * Declares a conflict of interest on an assessment: by its assessor (onBehalf false: it must be theirs), or by a fund
 * manager recording it for them (onBehalf true: the route has checked the permission). The type must be one of
 * CONFLICT_TYPES; a note is required for 'other'. A second declaration is refused (409). Audited.
 */
export async function declareConflict(
  trx: Transaction<DB>,
  actorUserId: number,
  input: { assessmentId: number; type: string; note: string; onBehalf: boolean },
): Promise<void> {
  const checked = checkConflictInput(input.type, input.note)
  const assessment = input.onBehalf ? await loadAnyAssessment(trx, input.assessmentId) : await loadOwnAssessment(trx, actorUserId, input.assessmentId, { allowConflict: true })
  await markConflict(trx, actorUserId, assessment, { ...checked, recordedBy: input.onBehalf ? actorUserId : null })
}

async function loadAnyAssessment(db: Db, assessmentId: number) {
  const row = await db.selectFrom('assessments').select(['id', 'application_id', 'assessor_user_id', 'status']).where('id', '=', assessmentId).executeTakeFirst()
  if (!row) throw new NotFoundError('assessment')
  return { id: row.id, applicationId: row.application_id, assessorUserId: row.assessor_user_id, status: row.status }
}

/**
 * A fund manager records a conflict for a panel member on a bid of the round, whether or not the bid was given to
 * them (a new assessment row in status `conflict` keeps it from ever being assigned). Audited.
 */
export async function recordConflictOnBehalf(
  trx: Transaction<DB>,
  actorUserId: number,
  input: { applicationId: number; assessorUserId: number; type: string; note: string; roundId?: number },
): Promise<{ assessmentId: number }> {
  const checked = checkConflictInput(input.type, input.note)
  const bid = await trx.selectFrom('applications').select(['id', 'round_id']).where('id', '=', input.applicationId).executeTakeFirst()
  if (!bid || (input.roundId !== undefined && bid.round_id !== input.roundId)) throw new ConflictInputError('applicationId', 'Choose a bid from the list')
  const onPanel = await trx.selectFrom('round_assessors').select('id').where('round_id', '=', bid.round_id).where('user_id', '=', input.assessorUserId).executeTakeFirst()
  if (!onPanel) throw new ConflictInputError('assessorUserId', 'Choose an assessor on this round’s panel')
  const existing = await trx.selectFrom('assessments').select('id').where('application_id', '=', bid.id).where('assessor_user_id', '=', input.assessorUserId).executeTakeFirst()
  let assessmentId = existing?.id
  if (assessmentId === undefined) {
    const row = await trx
      .insertInto('assessments')
      .values({ application_id: bid.id, assessor_user_id: input.assessorUserId, status: 'assigned', assigned_by: actorUserId, updated_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow()
    assessmentId = row.id
  }
  await markConflict(trx, actorUserId, await loadAnyAssessment(trx, assessmentId), { ...checked, recordedBy: actorUserId })
  return { assessmentId }
}

/**
 * Whether the person declared (or a fund manager recorded for them) a conflict of interest on this bid. A conflict
 * removes access to the bid through every route, including the ones their other roles would open.
 */
export async function hasDeclaredConflict(db: Db, userId: number, applicationId: number): Promise<boolean> {
  const row = await db
    .selectFrom('assessments')
    .select('id')
    .where('assessor_user_id', '=', userId)
    .where('application_id', '=', applicationId)
    .where('status', '=', 'conflict')
    .executeTakeFirst()
  return !!row
}

export interface DeclaredConflict {
  assessmentId: number
  applicationId: number
  reference: string
  assessorUserId: number
  assessorName: string
  type: string | null
  typeLabel: string
  note: string | null
  /** The fund manager who recorded it on the assessor's behalf, if one did. */
  recordedByName: string | null
  declaredAt: string | null
}

/** Every conflict of interest declared in the round, by bid and assessor: for the panel minutes and pack. */
export async function listConflicts(db: Db, roundId: number): Promise<DeclaredConflict[]> {
  const rows = await db
    .selectFrom('assessments')
    .innerJoin('applications', 'applications.id', 'assessments.application_id')
    .innerJoin('users as assessor', 'assessor.id', 'assessments.assessor_user_id')
    .leftJoin('users as recorder', 'recorder.id', 'assessments.conflict_recorded_by')
    .select([
      'assessments.id',
      'assessments.application_id',
      'applications.reference',
      'assessments.assessor_user_id',
      'assessor.name as assessor_name',
      'assessments.conflict_type',
      'assessments.conflict_note',
      'recorder.name as recorder_name',
      'assessments.updated_at',
    ])
    .where('applications.round_id', '=', roundId)
    .where('assessments.status', '=', 'conflict')
    .orderBy('applications.id')
    .orderBy('assessor.name')
    .execute()
  return rows.map((r) => ({
    assessmentId: r.id,
    applicationId: r.application_id,
    reference: r.reference,
    assessorUserId: r.assessor_user_id,
    assessorName: r.assessor_name,
    type: r.conflict_type,
    typeLabel: conflictTypeLabel(r.conflict_type),
    note: r.conflict_note,
    recordedByName: r.recorder_name,
    declaredAt: r.updated_at,
  }))
}
