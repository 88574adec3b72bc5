/**
 * Reading offers: an award's offer as its page shows it, an organisation's awards, a round's awards with where each
 * offer has got to, and the stored letters with who may read them.
 */
import type { Db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import type { OfferLetterData } from './offer-letter.server.ts'
import { AwardNotFoundError } from './terms.server.ts'

export interface AwardOfferView {
  id: number
  reference: string
  status: string
  organisationId: number
  organisationName: string
  roundId: number
  amountPence: number
  offeredAt: string | null
  /** What the letter said (null until it is issued). */
  terms: OfferLetterData | null
  hasLetter: boolean
  hasAcceptedLetter: boolean
  accepted: { name: string; role: string; at: string; declaration: string } | null
  declined: { at: string; reason: string } | null
}

/** An award's offer as its page shows it. Throws AwardNotFoundError. */
export async function awardOffer(db: Db, awardId: number): Promise<AwardOfferView> {
  const a = await db
    .selectFrom('awards')
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .select([
      'awards.id',
      'awards.reference',
      'awards.status',
      'awards.organisation_id',
      'organisations.name as organisationName',
      'awards.round_id',
      'awards.amount_pence',
      'awards.offered_at',
      'awards.offer_terms',
      'awards.offer_document_id',
      'awards.acceptance_document_id',
      'awards.accepted_name',
      'awards.accepted_role',
      'awards.accepted_at',
      'awards.accepted_declaration',
      'awards.declined_at',
      'awards.declined_reason',
    ])
    .where('awards.id', '=', awardId)
    .executeTakeFirst()
  if (!a) throw new AwardNotFoundError()
  return {
    id: a.id,
    reference: a.reference,
    status: a.status,
    organisationId: a.organisation_id,
    organisationName: a.organisationName,
    roundId: a.round_id,
    amountPence: a.amount_pence,
    offeredAt: a.offered_at,
    terms: a.offer_terms ? (JSON.parse(a.offer_terms) as OfferLetterData) : null,
    hasLetter: a.offer_document_id !== null,
    hasAcceptedLetter: a.acceptance_document_id !== null,
    accepted: a.accepted_at ? { name: a.accepted_name ?? '', role: a.accepted_role ?? '', at: a.accepted_at, declaration: a.accepted_declaration ?? '' } : null,
    declined: a.declined_at ? { at: a.declined_at, reason: a.declined_reason ?? '' } : null,
  }
}

export interface AwardListItem {
  id: number
  reference: string
  projectTitle: string
  organisationName: string
  roundTitle: string
  amountPence: number
  status: string
  offeredAt: string | null
  /** Tranches not cancelled: none means the fund manager has not set the schedule yet. */
  tranches: number
}

function awardList(db: Db) {
  return db
    .selectFrom('awards')
    .innerJoin('applications', 'applications.id', 'awards.application_id')
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .innerJoin('rounds', 'rounds.id', 'awards.round_id')
    .select((eb) => [
      'awards.id',
      'awards.reference',
      'applications.title as projectTitle',
      'organisations.name as organisationName',
      'rounds.title as roundTitle',
      'awards.amount_pence as amountPence',
      'awards.status',
      'awards.offered_at as offeredAt',
      eb
        .selectFrom('tranches')
        .select((t) => t.fn.countAll<number>().as('n'))
        .whereRef('tranches.award_id', '=', 'awards.id')
        .where('tranches.status', '!=', 'cancelled')
        .as('tranches'),
    ])
    .orderBy('awards.id')
}

const listItem = (r: Omit<AwardListItem, 'tranches'> & { tranches: number | string | null }): AwardListItem => ({ ...r, tranches: Number(r.tranches ?? 0) })

/** The awards of these organisations (an applicant's own), oldest first. */
export async function organisationAwards(db: Db, organisationIds: number[]): Promise<AwardListItem[]> {
  if (organisationIds.length === 0) return []
  return (await awardList(db).where('awards.organisation_id', 'in', organisationIds).execute()).map(listItem)
}

/** A round and every award in it, with where each offer has got to. Throws NotFoundError. */
export async function roundOffers(db: Db, roundId: number): Promise<{ round: { id: number; title: string; fundName: string }; awards: AwardListItem[]; readyCount: number }> {
  const round = await db
    .selectFrom('rounds')
    .innerJoin('funds', 'funds.id', 'rounds.fund_id')
    .select(['rounds.id', 'rounds.title', 'funds.name as fundName'])
    .where('rounds.id', '=', roundId)
    .executeTakeFirst()
  if (!round) throw new NotFoundError('round')
  const awards = (await awardList(db).where('awards.round_id', '=', roundId).execute()).map(listItem)
  return { round, awards, readyCount: awards.filter((a) => a.status === 'committed' && a.tranches > 0).length }
}

export interface LetterViewer {
  userId: number
  /** Fund managers and finance officers read every award's letters. */
  readsAllAwards: boolean
}

/**
 * The stored letter of an award, for members of its organisation and those who read every award; NotFoundError for
 * anyone else, or when there is no such letter. `version` 'accepted' is the letter re-issued with the acceptance,
 * 'original' the letter as sent, 'latest' the accepted one when there is one.
 */
export async function awardLetterDocument(db: Db, viewer: LetterViewer, awardId: number, version: 'original' | 'accepted' | 'latest') {
  const award = await db.selectFrom('awards').select(['organisation_id', 'offer_document_id', 'acceptance_document_id']).where('id', '=', awardId).executeTakeFirst()
  if (!award) throw new NotFoundError('letter')
  if (!viewer.readsAllAwards) {
    const member = await db.selectFrom('memberships').select('id').where('user_id', '=', viewer.userId).where('organisation_id', '=', award.organisation_id).executeTakeFirst()
    if (!member) throw new NotFoundError('letter')
  }
  const documentId = version === 'original' ? award.offer_document_id : version === 'accepted' ? award.acceptance_document_id : (award.acceptance_document_id ?? award.offer_document_id)
  if (documentId === null) throw new NotFoundError('letter')
  const doc = await db
    .selectFrom('documents')
    .select(['id', 'filename', 'content_type', 'storage_key', 'sha256'])
    .where('id', '=', documentId)
    .where('owner_type', '=', 'award')
    .where('owner_id', '=', awardId)
    .executeTakeFirst()
  if (!doc) throw new NotFoundError('letter')
  return { id: doc.id, filename: doc.filename, contentType: doc.content_type, storageKey: doc.storage_key, sha256: doc.sha256 }
}
