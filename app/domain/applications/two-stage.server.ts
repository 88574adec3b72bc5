/**
 * Two-stage rounds: a submitted expression of interest (EOI) is invited to a full application, or declined, by the
 * fund manager (the caller has checked the permission). An invitation creates the full application, linked to the
 * EOI and pre-filled with the answers to questions that have the same key at both stages.
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { enqueueEmail } from '~/domain/messages/outbox.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import { ConflictError } from '~/lib/errors.ts'
import { getApplication, nextApplicationReference, questionsFor, type Actor, type ApplicationDetail } from './applications.server.ts'
import { isDocumentRef, type Answers } from './answers.ts'
import { refreshRoundStats } from '~/domain/stats/round-counts.server.ts'

async function organisationContacts(trx: Transaction<DB>, organisationId: number): Promise<string[]> {
  const rows = await trx
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('users.email')
    .where('memberships.organisation_id', '=', organisationId)
    .where('memberships.role', '=', 'admin')
    .where('users.anonymised_at', 'is', null)
    .orderBy('users.id')
    .execute()
  return rows.map((r) => r.email)
}

function assertEoiSubmitted(eoi: ApplicationDetail): void {
  if (eoi.stage !== 'eoi' || eoi.status !== 'eoi_submitted') {
    throw new ConflictError('Only a submitted expression of interest can be invited or declined.', 'eoi_not_submitted')
  }
}

/** Invites a submitted EOI to the full application: returns the new application's id and reference. */
export async function inviteToFullApplication(trx: Transaction<DB>, manager: Actor, input: { applicationId: number; now?: Date }): Promise<{ id: number; reference: string }> {
  const now = input.now ?? new Date()
  const eoi = await getApplication(trx, input.applicationId)
  assertEoiSubmitted(eoi)
  const fullQuestions = await questionsFor(trx, eoi.round.id, 'full')
  const prefilled: Answers = {}
  for (const q of fullQuestions) {
    const value = eoi.answers[q.key]
    // Files stay with the EOI: a document belongs to one application.
    if (value !== undefined && !isDocumentRef(value) && q.type !== 'partners_table') prefilled[q.key] = value
  }
  const fund = await trx.selectFrom('funds').select('name').where('id', '=', eoi.round.fundId).executeTakeFirstOrThrow()
  const reference = await nextApplicationReference(trx, fund.name, now.getUTCFullYear())
  const place = await trx.selectFrom('applications').select('place_id').where('id', '=', eoi.id).executeTakeFirstOrThrow()
  const nowIso = now.toISOString()
  const full = await trx
    .insertInto('applications')
    .values({
      reference,
      round_id: eoi.round.id,
      organisation_id: eoi.organisationId,
      stage: 'full',
      status: 'draft',
      title: eoi.title,
      place_id: place.place_id,
      answers: JSON.stringify(prefilled),
      eoi_application_id: eoi.id,
      created_by: manager.id,
      created_at: nowIso,
      updated_at: nowIso,
    })
    .returning(['id', 'reference'])
    .executeTakeFirstOrThrow()
  await trx.updateTable('applications').set({ status: 'invited', decided_at: nowIso, updated_at: nowIso }).where('id', '=', eoi.id).execute()
  await refreshRoundStats(trx, eoi.round.id)
  await recordAudit(trx, {
    actorUserId: manager.id,
    action: 'application.invited',
    entityType: 'application',
    entityId: eoi.id,
    before: { status: eoi.status },
    after: { status: 'invited', fullApplicationId: full.id, fullReference: reference },
  })
  for (const to of await organisationContacts(trx, eoi.organisationId)) {
    await enqueueEmail(trx, {
      template: 'application-invited',
      to,
      data: { organisationName: eoi.organisationName, roundTitle: eoi.round.title, eoiReference: eoi.reference, reference },
      idempotencyKey: `application-invited:${eoi.id}:${to}`,
    })
  }
  return full
}

/** Declines a submitted EOI with a reason the organisation is told. */
export async function declineExpressionOfInterest(trx: Transaction<DB>, manager: Actor, input: { applicationId: number; reason: string; now?: Date }): Promise<void> {
  const nowIso = (input.now ?? new Date()).toISOString()
  const eoi = await getApplication(trx, input.applicationId)
  assertEoiSubmitted(eoi)
  await trx
    .updateTable('applications')
    .set({ status: 'eoi_declined', decided_at: nowIso, decision_reason: input.reason, updated_at: nowIso })
    .where('id', '=', eoi.id)
    .execute()
  await refreshRoundStats(trx, eoi.round.id)
  await recordAudit(trx, {
    actorUserId: manager.id,
    action: 'application.eoi_declined',
    entityType: 'application',
    entityId: eoi.id,
    before: { status: eoi.status },
    after: { status: 'eoi_declined', reason: input.reason },
  })
  for (const to of await organisationContacts(trx, eoi.organisationId)) {
    await enqueueEmail(trx, {
      template: 'application-declined',
      to,
      data: { organisationName: eoi.organisationName, roundTitle: eoi.round.title, reference: eoi.reference, reason: input.reason },
      idempotencyKey: `application-declined:${eoi.id}:${to}`,
    })
  }
}
