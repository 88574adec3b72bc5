/**
 * The offer: the letter that turns a committed award into a grant the organisation can accept (ADR 0010).
 *
 * - issueOffer: once the fund manager has set the terms (conditions and tranches, status still 'committed'), makes
 *   the letter PDF from templates/offer/offer-letter.md, stores it as a document of the award, fixes the words it was
 *   made from (awards.offer_terms) and its SHA-256, emails every member of the organisation, and marks the award
 *   'offered'. An award already offered is a replay, so the bulk job can run again after a restart.
 * - acceptOffer: a member of the organisation types their name and role and confirms the declaration; the money
 *   moves into the award's schedule in the ledger (scheduleAward), and the letter is re-issued with an acceptance
 *   block naming them, the UK time and the SHA-256 of the letter they accepted.
 * - declineOffer: the tranches are cancelled and the commitment released, so the pot has the money back.
 * - enqueueRoundOffers: one background job (app/lib/jobs.server.ts) that issues every ready offer in a round.
 *
 * Repeats: acceptance and decline carry the form's key (idempotency_keys, scoped to the award); the same key again
 * returns what it did the first time, another key after the fact is 409.
 */
import type { Kysely, Transaction } from 'kysely'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { releaseCommitment } from '~/domain/budgets/commitments.server.ts'
import { scheduleAward } from '~/domain/budgets/scheduling.server.ts'
import { enqueueEmail } from '~/domain/messages/outbox.server.ts'
import { ukToday } from '~/domain/places/places.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import { storeGeneratedDocument } from '~/lib/generated-documents.server.ts'
import { enqueueJob, type Job, type JobHandler } from '~/lib/jobs.server.ts'
import { offerDeclaration } from './offer-labels.ts'
import { acceptanceTime, isRealDate, offerLetterData, renderOfferLetter, type AcceptanceRecord, type OfferLetterData } from './offer-letter.server.ts'
import { AwardNotFoundError } from './terms.server.ts'
import { withReturnReviewCounts } from '../returns/review-counts.server.ts'

export const OFFER_JOB_KIND = 'offers.issue'

export class OfferInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'offer_input', status: 400, field })
  }
}

export class OfferNotReadyError extends ConflictError {
  constructor(message: string) {
    super(message, 'offer_not_ready')
  }
}

export class OfferClosedError extends ConflictError {
  constructor(message: string) {
    super(message, 'offer_closed')
  }
}

export class NotOrganisationMemberError extends DomainError {
  constructor() {
    super('Only a member of the organisation the award is for can reply to its offer.', { code: 'not_member', status: 403 })
  }
}

// ---------------------------------------------------------------- issuing

async function lockAward(trx: Transaction<DB>, awardId: number) {
  let query = trx
    .selectFrom('awards')
    .select([
      'id',
      'reference',
      'status',
      'organisation_id',
      'amount_pence',
      'offer_document_id',
      'offer_sha256',
      'offer_terms',
      'accepted_name',
      'accepted_at',
      'acceptance_document_id',
      'acceptance_sha256',
    ])
    .where('id', '=', awardId)
  if (engineOf(trx) === 'postgres') query = query.forUpdate()
  const award = await query.executeTakeFirst()
  if (!award) throw new AwardNotFoundError()
  return award
}

async function storeAwardDocument(
  trx: Transaction<DB>,
  input: { dataDir: string; bytes: Buffer; filename: string; awardId: number; organisationId: number; purpose: 'offer_letter' | 'offer_letter_accepted'; actorUserId: number | null },
) {
  const stored = await storeGeneratedDocument(input.dataDir, input.bytes, input.filename)
  const row = await trx
    .insertInto('documents')
    .values({
      organisation_id: input.organisationId,
      owner_type: 'award',
      owner_id: input.awardId,
      purpose: input.purpose,
      filename: stored.filename,
      content_type: stored.contentType,
      size_bytes: stored.sizeBytes,
      storage_key: stored.storageKey,
      sha256: stored.sha256,
      uploaded_by: input.actorUserId,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { id: row.id, sha256: stored.sha256 }
}

async function memberEmails(db: Db, organisationId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('users.email')
    .where('memberships.organisation_id', '=', organisationId)
    .where('users.anonymised_at', 'is', null)
    .orderBy('users.id')
    .execute()
  return rows.map((r) => r.email)
}

export interface IssueOfferInput {
  awardId: number
  /** YYYY-MM-DD; 28 days after today (UK) when left out. */
  respondBy?: string | null
  /** Where documents are stored (the route passes env().DATA_DIR). */
  dataDir: string
  /** The site's origin, for the link in the letter and the email. */
  appOrigin: string
}

export interface IssuedOffer {
  awardId: number
  documentId: number
  sha256: string
  emails: number
  /** True when the award had already been offered: nothing new was written. */
  replayed: boolean
}

/**
 * Issues the offer letter for a committed award with a payment schedule (see the module comment). Throws
 * AwardNotFoundError, OfferNotReadyError (no schedule yet, or withdrawn), OfferInputError (respondBy).
 */
export async function issueOffer(trx: Transaction<DB>, actorUserId: number | null, input: IssueOfferInput): Promise<IssuedOffer> {
  const award = await lockAward(trx, input.awardId)
  if (award.status !== 'committed') {
    if (award.offer_document_id !== null && award.offer_sha256 !== null) {
      return { awardId: award.id, documentId: award.offer_document_id, sha256: award.offer_sha256, emails: 0, replayed: true }
    }
    throw new OfferNotReadyError(`Award ${award.reference} is ${award.status}, so no offer can be sent for it.`)
  }
  const offerDate = ukToday()
  if (input.respondBy && (!isRealDate(input.respondBy) || input.respondBy < offerDate)) {
    throw new OfferInputError('respondBy', 'Enter a reply-by date that is today or later')
  }
  const data = await offerLetterData(trx, award.id, { appOrigin: input.appOrigin, offerDate, respondBy: input.respondBy })
  if (data.tranches.length === 0) throw new OfferNotReadyError(`Set the payment schedule for award ${award.reference} before sending its offer.`)
  const bytes = await renderOfferLetter(data)
  const doc = await storeAwardDocument(trx, {
    dataDir: input.dataDir,
    bytes,
    filename: `offer-letter-${award.reference}.pdf`,
    awardId: award.id,
    organisationId: award.organisation_id,
    purpose: 'offer_letter',
    actorUserId,
  })
  const now = new Date().toISOString()
  await trx
    .updateTable('awards')
    .set({ status: 'offered', offer_document_id: doc.id, offer_sha256: doc.sha256, offered_at: now, offered_by: actorUserId, offer_terms: JSON.stringify(data), updated_at: now })
    .where('id', '=', award.id)
    .where('status', '=', 'committed')
    .execute()
  const emails = await memberEmails(trx, award.organisation_id)
  for (const to of emails) {
    await enqueueEmail(trx, {
      template: 'offer-made',
      to,
      data: { organisationName: data.organisationName, fundName: data.fundName, roundTitle: data.roundTitle, amount: data.amount, awardReference: data.awardReference, respondBy: data.respondByText, offerUrl: data.offerUrl },
      idempotencyKey: `offer-made:${award.id}:${to}`,
    })
  }
  await recordAudit(trx, {
    actorUserId,
    action: 'award.offered',
    entityType: 'award',
    entityId: award.id,
    before: { status: 'committed' },
    after: { status: 'offered', documentId: doc.id, sha256: doc.sha256, respondBy: data.respondBy, amountPence: data.amountPence, tranches: data.tranches.length, conditions: data.conditions.length, emails: emails.length },
  })
  return { awardId: award.id, documentId: doc.id, sha256: doc.sha256, emails: emails.length, replayed: false }
}

// ---------------------------------------------------------------- replying

async function assertMember(db: Db, userId: number | null, organisationId: number): Promise<void> {
  const member = userId === null ? undefined : await db.selectFrom('memberships').select('id').where('user_id', '=', userId).where('organisation_id', '=', organisationId).executeTakeFirst()
  if (!member) throw new NotOrganisationMemberError()
}

/** Whether this key already did this (scope: 'award.accept' or 'award.decline') to this award. */
async function seenKey(trx: Transaction<DB>, scope: string, awardId: number, key: string): Promise<boolean> {
  const found = await trx.selectFrom('idempotency_keys').select('id').where('key', '=', `${scope}:${awardId}:${key}`).executeTakeFirst()
  return !!found
}

async function rememberKey(trx: Transaction<DB>, scope: string, awardId: number, key: string, userId: number): Promise<void> {
  await trx.insertInto('idempotency_keys').values({ key: `${scope}:${awardId}:${key}`, scope, user_id: userId, response_status: 200 }).execute()
}

function parsedTerms(award: { offer_terms: string | null; reference: string }): OfferLetterData {
  if (!award.offer_terms) throw new OfferNotReadyError(`Award ${award.reference} has no offer letter.`)
  return JSON.parse(award.offer_terms) as OfferLetterData
}

export interface AcceptOfferInput {
  awardId: number
  name: string
  role: string
  /** The box ticked to confirm the declaration. */
  declaration: boolean
  idempotencyKey: string
  dataDir: string
}

export interface AcceptedOffer {
  awardId: number
  documentId: number
  sha256: string
  replayed: boolean
}

/**
 * Accepts an offer for the organisation (see the module comment). Throws OfferInputError (name, role, declaration),
 * AwardNotFoundError, NotOrganisationMemberError (403), OfferClosedError (409: already accepted with another key,
 * declined, or not offered).
 */
export async function acceptOffer(trx: Transaction<DB>, actorUserId: number, input: AcceptOfferInput): Promise<AcceptedOffer> {
  const name = input.name.trim()
  const role = input.role.trim()
  if (!name) throw new OfferInputError('name', 'Enter your full name')
  if (name.length > 200) throw new OfferInputError('name', 'Your name must be 200 characters or fewer')
  if (!role) throw new OfferInputError('role', 'Enter your role in the organisation')
  if (role.length > 200) throw new OfferInputError('role', 'Your role must be 200 characters or fewer')
  if (input.declaration !== true) throw new OfferInputError('declaration', 'Confirm the declaration to accept the offer')
  if (!input.idempotencyKey.trim()) throw new OfferInputError('idempotencyKey', 'The form is missing its key: reload the page and try again')

  const award = await lockAward(trx, input.awardId)
  await assertMember(trx, actorUserId, award.organisation_id)
  if (await seenKey(trx, 'award.accept', award.id, input.idempotencyKey)) {
    return { awardId: award.id, documentId: award.acceptance_document_id!, sha256: award.acceptance_sha256!, replayed: true }
  }
  if (award.status === 'accepted' || award.status === 'completed') {
    throw new OfferClosedError(`This offer was already accepted by ${award.accepted_name ?? 'someone else'}${award.accepted_at ? ` at ${acceptanceTime(award.accepted_at)}` : ''}.`)
  }
  if (award.status === 'declined') throw new OfferClosedError('This offer was declined, so it can no longer be accepted.')
  if (award.status !== 'offered') throw new OfferClosedError('There is no offer to accept for this award.')
  await rememberKey(trx, 'award.accept', award.id, input.idempotencyKey, actorUserId)

  const terms = parsedTerms(award)
  const acceptance: AcceptanceRecord = {
    name,
    role,
    acceptedAt: new Date().toISOString(),
    declaration: offerDeclaration(terms.organisationName),
    originalSha256: award.offer_sha256!,
  }
  await scheduleAward(trx, actorUserId, { awardId: award.id })
  const bytes = await renderOfferLetter(terms, acceptance)
  const doc = await storeAwardDocument(trx, {
    dataDir: input.dataDir,
    bytes,
    filename: `offer-letter-${award.reference}-accepted.pdf`,
    awardId: award.id,
    organisationId: award.organisation_id,
    purpose: 'offer_letter_accepted',
    actorUserId,
  })
  // Its returns start to count on the fund manager's returns list.
  await withReturnReviewCounts(trx, award.id, () =>
    trx
      .updateTable('awards')
      .set({
        status: 'accepted',
        accepted_at: acceptance.acceptedAt,
        accepted_by: actorUserId,
        accepted_name: name,
        accepted_role: role,
        accepted_declaration: acceptance.declaration,
        acceptance_document_id: doc.id,
        acceptance_sha256: doc.sha256,
        updated_at: acceptance.acceptedAt,
      })
      .where('id', '=', award.id)
      .where('status', '=', 'offered')
      .execute(),
  )
  await recordAudit(trx, {
    actorUserId,
    action: 'award.accepted',
    entityType: 'award',
    entityId: award.id,
    before: { status: 'offered' },
    after: { status: 'accepted', name, role, declaration: acceptance.declaration, offerSha256: acceptance.originalSha256, acceptanceDocumentId: doc.id, acceptanceSha256: doc.sha256 },
  })
  return { awardId: award.id, documentId: doc.id, sha256: doc.sha256, replayed: false }
}

export interface DeclineOfferInput {
  awardId: number
  reason: string
  idempotencyKey: string
}

/**
 * Declines an offer for the organisation: tranches cancelled, commitment released to the pot, audited. Throws
 * OfferInputError (reason), AwardNotFoundError, NotOrganisationMemberError, OfferClosedError.
 */
export async function declineOffer(trx: Transaction<DB>, actorUserId: number, input: DeclineOfferInput): Promise<{ awardId: number; releasedPence: number; replayed: boolean }> {
  const reason = input.reason.trim()
  if (!reason) throw new OfferInputError('reason', 'Tell us why you are declining the offer')
  if (reason.length > 2000) throw new OfferInputError('reason', 'The reason must be 2,000 characters or fewer')
  if (!input.idempotencyKey.trim()) throw new OfferInputError('idempotencyKey', 'The form is missing its key: reload the page and try again')

  const award = await lockAward(trx, input.awardId)
  await assertMember(trx, actorUserId, award.organisation_id)
  if (await seenKey(trx, 'award.decline', award.id, input.idempotencyKey)) return { awardId: award.id, releasedPence: 0, replayed: true }
  if (award.status === 'declined') throw new OfferClosedError('This offer was already declined.')
  if (award.status === 'accepted' || award.status === 'completed') throw new OfferClosedError('This offer was accepted, so it can no longer be declined. Contact the fund manager if things have changed.')
  if (award.status !== 'offered') throw new OfferClosedError('There is no offer to decline for this award.')
  await rememberKey(trx, 'award.decline', award.id, input.idempotencyKey, actorUserId)

  const now = new Date().toISOString()
  await trx
    .updateTable('awards')
    .set({ status: 'declined', declined_at: now, declined_by: actorUserId, declined_reason: reason, updated_at: now })
    .where('id', '=', award.id)
    .where('status', '=', 'offered')
    .execute()
  const cancelled = await trx
    .updateTable('tranches')
    .set({ status: 'cancelled', cancelled_at: now, updated_at: now })
    .where('award_id', '=', award.id)
    .where('status', '=', 'offered')
    .executeTakeFirst()
  const released = await releaseCommitment(trx, actorUserId, { awardId: award.id, reason: `Offer declined: ${reason}`, idempotencyKey: `award:${award.id}:declined` })
  await recordAudit(trx, {
    actorUserId,
    action: 'award.declined',
    entityType: 'award',
    entityId: award.id,
    before: { status: 'offered' },
    after: { status: 'declined', reason, tranchesCancelled: Number(cancelled.numUpdatedRows), releasedPence: released.releasedPence },
  })
  return { awardId: award.id, releasedPence: released.releasedPence, replayed: false }
}

// ---------------------------------------------------------------- a round's offers, in bulk

/** Awards in the round that are ready for their letter: committed, with a payment schedule. */
export async function readyAwardIds(db: Db, roundId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('awards')
    .select('awards.id')
    .where('awards.round_id', '=', roundId)
    .where('awards.status', '=', 'committed')
    .where((eb) => eb.exists(eb.selectFrom('tranches').select('tranches.id').whereRef('tranches.award_id', '=', 'awards.id').where('tranches.status', '=', 'offered')))
    .orderBy('awards.id')
    .execute()
  return rows.map((r) => r.id)
}

export interface RoundOffersJobPayload {
  roundId: number
  awardIds: number[]
  appOrigin: string
  respondBy: string | null
  title: string
  unit: string
  returnTo: string
  returnLabel: string
}

/**
 * Queues one background job that issues the offer for every ready award in the round. The same key returns the job
 * already queued. Throws NotFoundError (round), OfferNotReadyError when no award is ready.
 */
export async function enqueueRoundOffers(
  trx: Transaction<DB>,
  actorUserId: number,
  input: { roundId: number; idempotencyKey: string; appOrigin: string; respondBy?: string | null },
): Promise<{ job: Job; replayed: boolean }> {
  const existing = await trx.selectFrom('jobs').select('id').where('idempotency_key', '=', `offers:${input.idempotencyKey}`).executeTakeFirst()
  const round = await trx.selectFrom('rounds').select(['id', 'title']).where('id', '=', input.roundId).executeTakeFirst()
  if (!round) throw new NotFoundError('round')
  const awardIds = existing ? [] : await readyAwardIds(trx, round.id)
  if (!existing && awardIds.length === 0) throw new OfferNotReadyError('No award in this round is ready for its offer letter: set each award’s payment schedule first.')
  if (input.respondBy && (!isRealDate(input.respondBy) || input.respondBy < ukToday())) throw new OfferInputError('respondBy', 'Enter a reply-by date that is today or later')
  const payload: RoundOffersJobPayload = {
    roundId: round.id,
    awardIds,
    appOrigin: input.appOrigin,
    respondBy: input.respondBy ?? null,
    title: `Offer letters for ${round.title}`,
    unit: 'letters made',
    returnTo: `/manage/rounds/${round.id}/offers`,
    returnLabel: `Back to the offers for ${round.title}`,
  }
  const queued = await enqueueJob(trx, { kind: OFFER_JOB_KIND, payload: { ...payload }, total: awardIds.length, createdBy: actorUserId, idempotencyKey: `offers:${input.idempotencyKey}` })
  if (!queued.replayed) {
    await recordAudit(trx, { actorUserId, action: 'round.offers_queued', entityType: 'round', entityId: round.id, after: { jobId: queued.job.id, awards: awardIds.length } })
  }
  return queued
}

/**
 * The background job's handler: issues each award's offer in its own transaction (a replay when already offered, so
 * a job re-run after a restart skips what it did), counting progress; one award's refusal is recorded and the rest
 * go on. Registered by the entry point: registerJobHandler(OFFER_JOB_KIND, offerJobHandler(env().DATA_DIR)).
 */
export function offerJobHandler(dataDir: string): JobHandler {
  return async (db: Kysely<DB>, job, { progress }) => {
    const payload = job.payload as unknown as RoundOffersJobPayload
    let issued = 0
    let alreadyOffered = 0
    const failed: Array<{ awardId: number; message: string }> = []
    for (const [i, awardId] of payload.awardIds.entries()) {
      try {
        const result = await db.transaction().execute((trx) => issueOffer(trx, job.createdBy, { awardId, respondBy: payload.respondBy, dataDir, appOrigin: payload.appOrigin }))
        if (result.replayed) alreadyOffered += 1
        else issued += 1
      } catch (error) {
        if (!(error instanceof DomainError)) throw error
        failed.push({ awardId, message: error.message })
      }
      await progress(i + 1)
    }
    return { issued, alreadyOffered, failed, returnTo: payload.returnTo, returnLabel: payload.returnLabel }
  }
}
