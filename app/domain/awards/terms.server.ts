/**
 * The terms of an offer, drafted by the fund manager before the letter goes out: the conditions to meet before the
 * first payment and the payment schedule (tranches, and for yearly awards the annual returns each later year waits
 * for), with the impact returns the award owes attached (app/domain/returns: the annual returns of a yearly award,
 * otherwise the round's return schedule). While the award is 'committed' the draft can be replaced as often as
 * needed; once offered it is fixed, and changing it is a variation (variations.server.ts).
 *
 * Conditions are met or waived by the fund manager (decideCondition), with the organisation's evidence attached
 * where it sent some (attachConditionEvidence).
 */
import type { Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import type { StoredUpload } from '~/lib/uploads.server.ts'
import type { DB } from '../../../db/schema.ts'
import { attachReturns } from '../returns/returns.server.ts'
import { withReturnReviewCounts } from '../returns/review-counts.server.ts'
import { buildSchedule, type Gate, type ScheduleDraft, type ScheduleInput } from './schedule.ts'

export const MAX_CONDITIONS = 10

export class AwardNotFoundError extends NotFoundError {
  constructor() {
    super('award')
  }
}

export class TermsLockedError extends ConflictError {
  constructor(status: string) {
    super(`The offer has been ${status === 'offered' ? 'sent' : status}, so its terms can only change by a variation.`, 'terms_locked')
  }
}

export class ConditionInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'condition_input', status: 400, field })
  }
}

export interface SetOfferTermsInput {
  awardId: number
  /** Conditions before first payment, in plain words ("Send us your safeguarding policy"). */
  conditions: string[]
  schedule: ScheduleInput
  plannedStart?: string | null
  plannedEnd?: string | null
}

async function lockedAward(trx: Transaction<DB>, awardId: number) {
  const award = await trx.selectFrom('awards').select(['id', 'status', 'amount_pence', 'reference']).where('id', '=', awardId).executeTakeFirst()
  if (!award) throw new AwardNotFoundError()
  return award
}

/** Replaces the award's draft conditions, tranches and expected returns. Throws TermsLockedError once offered. */
export async function setOfferTerms(trx: Transaction<DB>, actorUserId: number, input: SetOfferTermsInput): Promise<ScheduleDraft> {
  const award = await lockedAward(trx, input.awardId)
  if (award.status !== 'committed') throw new TermsLockedError(award.status)
  const conditions = input.conditions.map((c) => c.trim()).filter((c) => c !== '')
  if (conditions.length > MAX_CONDITIONS) throw new ConditionInputError('conditions', `An offer can have at most ${MAX_CONDITIONS} conditions`)
  conditions.forEach((c, i) => {
    if (c.length > 500) throw new ConditionInputError(`conditions[${i}]`, `Condition ${i + 1} must be 500 characters or fewer`)
  })
  const draft = buildSchedule(award.amount_pence, input.schedule, conditions.length)

  const oldTranches = await trx.selectFrom('tranches').select('id').where('award_id', '=', award.id).execute()
  if (oldTranches.length) await trx.deleteFrom('tranche_parts').where('tranche_id', 'in', oldTranches.map((t) => t.id)).execute()
  await trx.deleteFrom('tranches').where('award_id', '=', award.id).execute()
  await trx.deleteFrom('award_conditions').where('award_id', '=', award.id).execute()
  await withReturnReviewCounts(trx, award.id, () => trx.deleteFrom('returns').where('award_id', '=', award.id).where('status', '=', 'expected').execute())

  const conditionIds: number[] = []
  for (const [i, text] of conditions.entries()) {
    const row = await trx.insertInto('award_conditions').values({ award_id: award.id, sequence: i + 1, text, status: 'outstanding' }).returning('id').executeTakeFirstOrThrow()
    conditionIds.push(row.id)
  }
  // A yearly award's annual returns are its return schedule (its later tranches wait for them); any other award gets
  // the round's schedule (by default an interim return and a final one) from its start date.
  const plannedStart = input.plannedStart ?? draft.tranches[0].dueDate
  const attached = await withReturnReviewCounts(trx, award.id, () =>
    attachReturns(trx, {
      awardId: award.id,
      annual: draft.kind === 'yearly' ? draft.returns.map((r) => ({ year: r.year, periodLabel: r.periodLabel, dueDate: r.dueDate })) : null,
      start: plannedStart,
      end: input.plannedEnd ?? null,
    }),
  )
  const returnIds = attached.idsByYear
  for (const t of draft.tranches) {
    const gateRef = t.gate === 'condition' ? String(conditionIds[t.conditionIndex!]) : t.gate === 'return' ? String(returnIds.get(t.returnYear!)) : null
    await trx
      .insertInto('tranches')
      .values({ award_id: award.id, sequence: t.sequence, amount_pence: t.amountPence, due_date: t.dueDate, gate: t.gate, gate_ref: gateRef, status: 'offered' })
      .execute()
  }
  const plannedEnd = input.plannedEnd ?? attached.finalDueDate
  await trx
    .updateTable('awards')
    .set({ schedule_kind: draft.kind, planned_start: plannedStart, planned_end: plannedEnd, conditions: JSON.stringify(conditions), updated_at: new Date().toISOString() })
    .where('id', '=', award.id)
    .execute()
  await recordAudit(trx, {
    actorUserId,
    action: 'award.terms_set',
    entityType: 'award',
    entityId: award.id,
    after: { conditions, schedule: draft.tranches.map((t) => ({ sequence: t.sequence, amountPence: t.amountPence, dueDate: t.dueDate, gate: t.gate })), kind: draft.kind },
  })
  return draft
}

export interface AwardCondition {
  id: number
  sequence: number
  text: string
  status: 'outstanding' | 'met' | 'waived'
  note: string | null
  metAt: string | null
  evidenceDocumentId: number | null
}

export async function listConditions(db: Db, awardId: number): Promise<AwardCondition[]> {
  const rows = await db
    .selectFrom('award_conditions')
    .select(['id', 'sequence', 'text', 'status', 'note', 'met_at', 'evidence_document_id'])
    .where('award_id', '=', awardId)
    .orderBy('sequence')
    .execute()
  return rows.map((r) => ({ id: r.id, sequence: r.sequence, text: r.text, status: r.status, note: r.note, metAt: r.met_at, evidenceDocumentId: r.evidence_document_id }))
}

export interface TrancheRow {
  id: number
  sequence: number
  amountPence: number
  dueDate: string
  gate: Gate
  gateRef: string | null
  status: string
  failureReason: string | null
  paidAt: string | null
  sentAt: string | null
  paymentRunId: number | null
  attempt: number
}

export async function listTranches(db: Db, awardId: number): Promise<TrancheRow[]> {
  const rows = await db
    .selectFrom('tranches')
    .select(['id', 'sequence', 'amount_pence', 'due_date', 'gate', 'gate_ref', 'status', 'failure_reason', 'paid_at', 'sent_at', 'payment_run_id', 'attempt'])
    .where('award_id', '=', awardId)
    .orderBy('sequence')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    sequence: r.sequence,
    amountPence: r.amount_pence,
    dueDate: r.due_date,
    gate: r.gate,
    gateRef: r.gate_ref,
    status: r.status,
    failureReason: r.failure_reason,
    paidAt: r.paid_at,
    sentAt: r.sent_at,
    paymentRunId: r.payment_run_id,
    attempt: r.attempt,
  }))
}

export interface DecideConditionInput {
  conditionId: number
  decision: 'met' | 'waived'
  note: string
}

/** The fund manager records a condition as met (or waives it), with a note; refused when already decided. */
export async function decideCondition(trx: Transaction<DB>, actorUserId: number, input: DecideConditionInput): Promise<void> {
  const note = input.note.trim()
  if (input.decision === 'waived' && note === '') throw new ConditionInputError('note', 'Say why the condition is waived')
  const updated = await trx
    .updateTable('award_conditions')
    .set({ status: input.decision, note: note || null, met_at: new Date().toISOString(), met_by: actorUserId })
    .where('id', '=', input.conditionId)
    .where('status', '=', 'outstanding')
    .returning(['award_id', 'text'])
    .executeTakeFirst()
  if (!updated) {
    const exists = await trx.selectFrom('award_conditions').select('status').where('id', '=', input.conditionId).executeTakeFirst()
    if (!exists) throw new NotFoundError('condition')
    throw new ConflictError(`This condition is already ${exists.status}.`, 'condition_decided')
  }
  await recordAudit(trx, { actorUserId, action: `award.condition_${input.decision}`, entityType: 'award', entityId: updated.award_id, after: { conditionId: input.conditionId, text: updated.text, note } })
}

/** Links an uploaded document (already stored and checked) to a condition as the organisation's evidence. */
export async function attachConditionEvidence(trx: Transaction<DB>, actorUserId: number, input: { conditionId: number; documentId: number }): Promise<void> {
  const updated = await trx
    .updateTable('award_conditions')
    .set({ evidence_document_id: input.documentId })
    .where('id', '=', input.conditionId)
    .where('status', '=', 'outstanding')
    .returning('award_id')
    .executeTakeFirst()
  if (!updated) throw new ConflictError('This condition has already been decided.', 'condition_decided')
  await recordAudit(trx, { actorUserId, action: 'award.condition_evidence', entityType: 'award', entityId: updated.award_id, after: { conditionId: input.conditionId, documentId: input.documentId } })
}

export class NotAwardMemberError extends DomainError {
  constructor() {
    super('Only members of the organisation can send evidence for its grant.', { code: 'not_award_member', status: 403 })
  }
}

/**
 * A member of the award's organisation sends a file as evidence for an outstanding condition (the file already
 * checked and stored by the route): recorded as the award's document and linked to the condition for the fund
 * manager, who then marks it met. Sending again replaces the evidence. Throws NotFoundError for a condition not on
 * the award, NotAwardMemberError, and ConflictError once the condition is decided.
 */
export async function sendConditionEvidence(trx: Transaction<DB>, actorUserId: number, input: { awardId: number; conditionId: number; upload: StoredUpload }): Promise<{ documentId: number }> {
  const condition = await trx
    .selectFrom('award_conditions')
    .innerJoin('awards', 'awards.id', 'award_conditions.award_id')
    .select(['award_conditions.id', 'award_conditions.sequence', 'award_conditions.status', 'awards.organisation_id'])
    .where('award_conditions.id', '=', input.conditionId)
    .where('award_conditions.award_id', '=', input.awardId)
    .executeTakeFirst()
  if (!condition) throw new NotFoundError('condition')
  const member = await trx.selectFrom('memberships').select('id').where('user_id', '=', actorUserId).where('organisation_id', '=', condition.organisation_id).executeTakeFirst()
  if (!member) throw new NotAwardMemberError()
  if (condition.status !== 'outstanding') throw new ConflictError('This condition has already been decided.', 'condition_decided')
  const doc = await trx
    .insertInto('documents')
    .values({
      organisation_id: condition.organisation_id,
      owner_type: 'award',
      owner_id: input.awardId,
      purpose: `condition:${condition.id}`,
      filename: input.upload.filename,
      content_type: input.upload.contentType,
      size_bytes: input.upload.sizeBytes,
      storage_key: input.upload.storageKey,
      sha256: input.upload.sha256,
      uploaded_by: actorUserId,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await attachConditionEvidence(trx, actorUserId, { conditionId: condition.id, documentId: doc.id })
  return { documentId: doc.id }
}
