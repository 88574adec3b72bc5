/**
 * Applicant organisations: registering one (the person who registers it becomes its first organisation admin) and
 * reading one, always scoped to the people who belong to it, so a non-member learns nothing, not even that it exists.
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { placesValidOn, ukToday } from '~/domain/places/places.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { checkIdentifiers, legalTypeLabel, normalisePostcode, orgIdentifierFor, type LegalType } from './identifiers.ts'

/** A value the registration form should have caught; names its form field. */
export class OrganisationInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'organisation_input', status: 400, field })
  }
}

/** Someone has already registered the organisation with this charity or company number. */
export class OrganisationAlreadyRegisteredError extends DomainError {
  constructor(field: 'charityNumber' | 'companyNumber') {
    const what = field === 'charityNumber' ? 'charity number' : 'company number'
    super(`An organisation with this ${what} is already registered. Ask its organisation admin to invite you.`, {
      code: 'organisation_already_registered',
      status: 409,
      field,
    })
  }
}

export interface CreateOrganisationInput {
  name: string
  legalType: LegalType
  charityNumber: string | null
  companyNumber: string | null
  addressLine1: string
  addressLine2: string | null
  town: string
  postcode: string
  /** The main integrated care board the organisation works in. */
  placeId: number
  /** Further places it serves, if any (the main place is always one of its places). */
  otherPlaceIds?: number[]
  /** The date ('YYYY-MM-DD') places must be in force on; today in the UK unless a test says otherwise. */
  today?: string
}

async function assertPlacesInForce(trx: Transaction<DB>, placeIds: number[], date: string): Promise<void> {
  const valid = new Set((await placesValidOn(trx, date)).map((p) => p.id))
  if (!placeIds.every((id) => valid.has(id))) throw new OrganisationInputError('placeId', 'Select the integrated care board your organisation works in')
}

async function assertNotRegistered(trx: Transaction<DB>, identifiers: { charityNumber: string | null; companyNumber: string | null }): Promise<void> {
  if (identifiers.charityNumber) {
    const existing = await trx.selectFrom('organisations').select('id').where('charity_number', '=', identifiers.charityNumber).executeTakeFirst()
    if (existing) throw new OrganisationAlreadyRegisteredError('charityNumber')
  }
  if (identifiers.companyNumber) {
    const existing = await trx.selectFrom('organisations').select('id').where('company_number', '=', identifiers.companyNumber).executeTakeFirst()
    if (existing) throw new OrganisationAlreadyRegisteredError('companyNumber')
  }
}

/**
 * Registers an organisation with the actor as its main contact and first organisation admin, and records the places
 * it serves. Identifiers and the postcode are checked and normalised again here, whatever the form did.
 */
export async function createOrganisation(trx: Transaction<DB>, actorUserId: number, input: CreateOrganisationInput) {
  const identifiers = checkIdentifiers(input)
  if (!identifiers.ok) throw new OrganisationInputError(identifiers.problems[0].field, identifiers.problems[0].message)
  const postcode = normalisePostcode(input.postcode)
  if (!postcode) throw new OrganisationInputError('postcode', 'Enter a real postcode, like SW1A 1AA')
  const placeIds = [...new Set([input.placeId, ...(input.otherPlaceIds ?? [])])]
  await assertPlacesInForce(trx, placeIds, input.today ?? ukToday())
  await assertNotRegistered(trx, identifiers.value)

  const now = new Date().toISOString()
  const organisation = await trx
    .insertInto('organisations')
    .values({
      name: input.name.trim(),
      legal_type: input.legalType,
      charity_number: identifiers.value.charityNumber,
      company_number: identifiers.value.companyNumber,
      address_line_1: input.addressLine1.trim(),
      address_line_2: input.addressLine2?.trim() || null,
      town: input.town.trim(),
      postcode,
      place_id: input.placeId,
      main_contact_user_id: actorUserId,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  await trx.insertInto('organisation_places').values(placeIds.map((placeId) => ({ organisation_id: organisation.id, place_id: placeId }))).execute()
  await trx.insertInto('memberships').values({ user_id: actorUserId, organisation_id: organisation.id, role: 'admin' }).execute()
  await recordAudit(trx, {
    actorUserId,
    action: 'organisation.registered',
    entityType: 'organisation',
    entityId: organisation.id,
    after: { ...organisation, placeIds, adminUserId: actorUserId },
  })
  return organisation
}

export interface MemberOrganisation {
  id: number
  name: string
  role: 'member' | 'admin'
}

/** The organisations a user belongs to, with their role in each, by name. */
export async function listOrganisationsForMember(db: Db, userId: number): Promise<MemberOrganisation[]> {
  return db
    .selectFrom('memberships')
    .innerJoin('organisations', 'organisations.id', 'memberships.organisation_id')
    .select(['organisations.id', 'organisations.name', 'memberships.role'])
    .where('memberships.user_id', '=', userId)
    .orderBy('organisations.name')
    .orderBy('organisations.id')
    .execute()
}

export interface OrganisationDetails {
  id: number
  name: string
  legalType: string
  legalTypeLabel: string
  charityNumber: string | null
  companyNumber: string | null
  orgIdentifier: string | null
  addressLine1: string | null
  addressLine2: string | null
  town: string | null
  postcode: string | null
  mainPlace: { id: number; name: string } | null
  placesServed: { id: number; name: string }[]
  mainContact: { name: string; email: string } | null
  /** The reader's own role in the organisation. */
  yourRole: 'member' | 'admin'
}

/** An organisation as its members see it; undefined when the user is not a member (or there is no such organisation). */
export async function getOrganisationForMember(db: Db, userId: number, organisationId: number): Promise<OrganisationDetails | undefined> {
  const row = await db
    .selectFrom('organisations')
    .innerJoin('memberships', (join) =>
      join.onRef('memberships.organisation_id', '=', 'organisations.id').on('memberships.user_id', '=', userId),
    )
    .leftJoin('places', 'places.id', 'organisations.place_id')
    .leftJoin('users as contact', 'contact.id', 'organisations.main_contact_user_id')
    .select([
      'organisations.id',
      'organisations.name',
      'organisations.legal_type',
      'organisations.charity_number',
      'organisations.company_number',
      'organisations.address_line_1',
      'organisations.address_line_2',
      'organisations.town',
      'organisations.postcode',
      'organisations.place_id',
      'places.name as place_name',
      'contact.name as contact_name',
      'contact.email as contact_email',
      'memberships.role',
    ])
    .where('organisations.id', '=', organisationId)
    .executeTakeFirst()
  if (!row) return undefined
  const placesServed = await db
    .selectFrom('organisation_places')
    .innerJoin('places', 'places.id', 'organisation_places.place_id')
    .select(['places.id', 'places.name'])
    .where('organisation_places.organisation_id', '=', row.id)
    .orderBy('places.name')
    .execute()
  return {
    id: row.id,
    name: row.name,
    legalType: row.legal_type,
    legalTypeLabel: legalTypeLabel(row.legal_type),
    charityNumber: row.charity_number,
    companyNumber: row.company_number,
    orgIdentifier: orgIdentifierFor(row),
    addressLine1: row.address_line_1,
    addressLine2: row.address_line_2,
    town: row.town,
    postcode: row.postcode,
    mainPlace: row.place_id !== null && row.place_name !== null ? { id: row.place_id, name: row.place_name } : null,
    placesServed,
    mainContact: row.contact_name !== null && row.contact_email !== null ? { name: row.contact_name, email: row.contact_email } : null,
    yourRole: row.role,
  }
}
