import { describe, expect, test } from 'vitest'
import { createOrganisationWithAdmin, createUser, currentPlaceId, addMember } from '../../../tests/factories/organisations.ts'
import { verifyAuditChain } from '~/lib/audit.server.ts'
import { placesValidOn, ukToday } from '~/domain/places/places.server.ts'
import { db } from '~/lib/db.server.ts'
import {
  createOrganisation,
  getOrganisationForMember,
  listOrganisationsForMember,
  OrganisationAlreadyRegisteredError,
  OrganisationInputError,
  type CreateOrganisationInput,
} from './organisations.server.ts'

async function charityInput(overrides: Partial<CreateOrganisationInput> = {}): Promise<CreateOrganisationInput> {
  return {
    name: '  Hackney Food Hub ',
    legalType: 'registered_charity',
    charityNumber: '1090095',
    companyNumber: '9506232',
    addressLine1: '12 Mare Street',
    addressLine2: '',
    town: 'London',
    postcode: 'e8 1hr',
    placeId: await currentPlaceId(db),
    ...overrides,
  }
}

describe('createOrganisation', () => {
  test('registers the organisation with the creator as its admin and main contact, normalising what was typed', async () => {
    const founder = await createUser(db, { name: 'Ada Founder' })
    const input = await charityInput()
    const organisation = await db.transaction().execute((trx) => createOrganisation(trx, founder.id, input))

    expect(organisation).toMatchObject({
      name: 'Hackney Food Hub',
      legal_type: 'registered_charity',
      charity_number: '1090095',
      company_number: '09506232',
      address_line_2: null,
      postcode: 'E8 1HR',
      place_id: input.placeId,
      main_contact_user_id: founder.id,
    })
    const membership = await db.selectFrom('memberships').select('role').where('organisation_id', '=', organisation.id).where('user_id', '=', founder.id).executeTakeFirst()
    expect(membership?.role).toBe('admin')
    const places = await db.selectFrom('organisation_places').select('place_id').where('organisation_id', '=', organisation.id).execute()
    expect(places.map((p) => p.place_id)).toEqual([input.placeId])
    const audit = await db.selectFrom('audit_events').select(['action', 'actor_user_id']).where('entity_type', '=', 'organisation').where('entity_id', '=', String(organisation.id)).execute()
    expect(audit).toEqual([{ action: 'organisation.registered', actor_user_id: founder.id }])
    expect((await verifyAuditChain(db)).ok).toBe(true)
  })

  test('records every place the organisation serves, once each', async () => {
    const founder = await createUser(db)
    const [first, second] = await placesValidOn(db, ukToday())
    const input = await charityInput({ charityNumber: 'SC042386', companyNumber: null, placeId: first.id, otherPlaceIds: [second.id, first.id] })
    const organisation = await db.transaction().execute((trx) => createOrganisation(trx, founder.id, input))
    const places = await db.selectFrom('organisation_places').select('place_id').where('organisation_id', '=', organisation.id).orderBy('place_id').execute()
    expect(places.map((p) => p.place_id).sort()).toEqual([first.id, second.id].sort())
  })

  test('refuses identifiers the legal type does not allow, naming the field', async () => {
    const founder = await createUser(db)
    const input = await charityInput({ legalType: 'cic', charityNumber: '1090096', companyNumber: null })
    const error = await db.transaction().execute((trx) => createOrganisation(trx, founder.id, input)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OrganisationInputError)
    expect(error).toMatchObject({ field: 'charityNumber', status: 400 })
  })

  test('refuses a postcode that is not postcode-shaped', async () => {
    const founder = await createUser(db)
    const input = await charityInput({ charityNumber: '1090097', companyNumber: null, postcode: 'not a postcode' })
    await expect(db.transaction().execute((trx) => createOrganisation(trx, founder.id, input))).rejects.toMatchObject({ field: 'postcode' })
  })

  test('refuses a place that is no longer in force', async () => {
    const founder = await createUser(db)
    const closed = await db.selectFrom('places').select('id').where('valid_to', '=', '2026-03-31').executeTakeFirstOrThrow()
    const input = await charityInput({ charityNumber: '1090098', companyNumber: null, placeId: closed.id, today: '2026-06-01' })
    await expect(db.transaction().execute((trx) => createOrganisation(trx, founder.id, input))).rejects.toMatchObject({ field: 'placeId' })
  })

  test('refuses a second registration of the same charity number, and writes nothing', async () => {
    const founder = await createUser(db)
    const first = await charityInput({ charityNumber: '1111111', companyNumber: null })
    await db.transaction().execute((trx) => createOrganisation(trx, founder.id, first))
    const other = await createUser(db)
    const input = await charityInput({ charityNumber: '1111111', companyNumber: null, name: 'Copycat' })
    const error = await db.transaction().execute((trx) => createOrganisation(trx, other.id, input)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OrganisationAlreadyRegisteredError)
    expect(error).toMatchObject({ status: 409, field: 'charityNumber' })
    expect(await db.selectFrom('organisations').select('id').where('name', '=', 'Copycat').executeTakeFirst()).toBeUndefined()
  })
})

describe('getOrganisationForMember', () => {
  test('shows a member the organisation with its identifiers, places and main contact', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db, {
      input: { legalType: 'company_limited_by_guarantee', companyNumber: '04321234', charityNumber: null },
    })
    const colleague = await createUser(db)
    await addMember(db, organisation.id, colleague.id)

    const details = await getOrganisationForMember(db, colleague.id, organisation.id)
    expect(details).toMatchObject({
      id: organisation.id,
      legalTypeLabel: 'Company limited by guarantee',
      companyNumber: '04321234',
      orgIdentifier: 'GB-COH-04321234',
      mainContact: { name: admin.name, email: admin.email },
      yourRole: 'member',
    })
    expect(details?.mainPlace?.id).toBe(organisation.place_id)
    expect(details?.placesServed.map((p) => p.id)).toEqual([organisation.place_id])
  })

  test('gives someone outside the organisation nothing', async () => {
    const { organisation } = await createOrganisationWithAdmin(db)
    const outsider = await createUser(db)
    expect(await getOrganisationForMember(db, outsider.id, organisation.id)).toBeUndefined()
    expect(await getOrganisationForMember(db, outsider.id, 999_999)).toBeUndefined()
  })

  test("lists only the user's own organisations, with their role in each", async () => {
    const person = await createUser(db)
    const { organisation: mine } = await createOrganisationWithAdmin(db, { admin: person })
    const { organisation: joined } = await createOrganisationWithAdmin(db)
    await addMember(db, joined.id, person.id)
    await createOrganisationWithAdmin(db)

    const list = await listOrganisationsForMember(db, person.id)
    expect(list.map((o) => [o.id, o.role]).sort()).toEqual(
      [
        [mine.id, 'admin'],
        [joined.id, 'member'],
      ].sort(),
    )
  })
})
