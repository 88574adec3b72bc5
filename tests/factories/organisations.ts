/**
 * Users and organisations for tests (and the demo seed): a plain user with no roles, an organisation registered
 * through the real domain function (so it has its admin membership, places and audit event), and extra members.
 *
 *   const { organisation, admin } = await createOrganisationWithAdmin(db)
 *   const colleague = await createUser(db)
 *   await addMember(db, organisation.id, colleague.id, 'member')
 */
import crypto from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { createOrganisation, type CreateOrganisationInput } from '../../app/domain/organisations/organisations.server.ts'
import { placesValidOn, ukToday } from '../../app/domain/places/places.server.ts'
import type { TestUser } from './sessions.ts'

/** A user with no roles and no organisation (an applicant-to-be). */
export async function createUser(db: Kysely<DB>, options: { email?: string; name?: string } = {}): Promise<TestUser> {
  const email = options.email ?? `person-${crypto.randomBytes(4).toString('hex')}@example.org`
  const name = options.name ?? 'Test Person'
  const now = new Date().toISOString()
  const user = await db.insertInto('users').values({ email, name, updated_at: now }).returning('id').executeTakeFirstOrThrow()
  return { id: user.id, email, name }
}

/** A place (integrated care board) in force today. */
export async function currentPlaceId(db: Kysely<DB>): Promise<number> {
  const places = await placesValidOn(db, ukToday())
  if (places.length === 0) throw new Error('No place is in force today: the places migration did not run')
  return places[0].id
}

/**
 * An unincorporated community group (no registration numbers to collide) registered by `admin` (a new user unless
 * given), who becomes its organisation admin.
 */
export async function createOrganisationWithAdmin(
  db: Kysely<DB>,
  options: { admin?: TestUser; input?: Partial<CreateOrganisationInput> } = {},
) {
  const admin = options.admin ?? (await createUser(db, { name: 'Olu Admin' }))
  const placeId = await currentPlaceId(db)
  const organisation = await db.transaction().execute((trx) =>
    createOrganisation(trx, admin.id, {
      name: `Test Community Group ${crypto.randomBytes(3).toString('hex')}`,
      legalType: 'unincorporated_group',
      charityNumber: null,
      companyNumber: null,
      addressLine1: '1 High Street',
      addressLine2: null,
      town: 'Leeds',
      postcode: 'LS1 1AA',
      placeId,
      ...options.input,
    }),
  )
  return { organisation, admin }
}

export async function addMember(db: Kysely<DB>, organisationId: number, userId: number, role: 'member' | 'admin' = 'member'): Promise<void> {
  await db.insertInto('memberships').values({ organisation_id: organisationId, user_id: userId, role }).execute()
}
