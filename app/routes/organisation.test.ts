import { describe, expect, test } from 'vitest'
import { addMember, createOrganisationWithAdmin, createUser, currentPlaceId } from '../../tests/factories/organisations.ts'
import { signedInRequest } from '../../tests/factories/sessions.ts'
import { replyErrors, respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { action as membersAction, loader as membersLoader } from './organisation.members.tsx'
import { loader as organisationLoader } from './organisation._index.tsx'
import { action as registerAction, loader as registerLoader } from './organisation.new.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function get(loader: typeof organisationLoader | typeof membersLoader | typeof registerLoader, url: string, userId?: number) {
  const request = userId === undefined ? new Request(new URL(url, 'http://localhost')) : await signedInRequest(url, { userId })
  return respond(() => loader({ request, params: {}, context }))
}

async function post(action: typeof membersAction | typeof registerAction, url: string, userId: number, body: Record<string, string>) {
  const request = await signedInRequest(url, { userId, body })
  return respond(() => action({ request, params: {}, context }))
}

async function membershipRole(organisationId: number, userId: number) {
  const row = await db.selectFrom('memberships').select('role').where('organisation_id', '=', organisationId).where('user_id', '=', userId).executeTakeFirst()
  return row?.role ?? null
}

describe('/organisation', () => {
  test('a visitor who is not signed in is sent to sign in', async () => {
    const response = await get(organisationLoader, '/organisation')
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/login?redirectTo=%2Forganisation')
  })

  test('someone in no organisation is told how to join or register one', async () => {
    const person = await createUser(db)
    const response = await get(organisationLoader, '/organisation', person.id)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ organisations: [], organisation: null, members: [] })
  })

  test('a member sees their organisation and its members', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const colleague = await createUser(db, { name: 'Cara Colleague' })
    await addMember(db, organisation.id, colleague.id)
    const response = await get(organisationLoader, '/organisation', colleague.id)
    expect(response.status).toBe(200)
    const data = await response.json()
    expect(data.organisation).toMatchObject({ id: organisation.id, name: organisation.name, legalTypeLabel: 'Unincorporated community group', yourRole: 'member' })
    expect(data.members.map((m: { userId: number }) => m.userId).sort()).toEqual([admin.id, colleague.id].sort())
  })

  test("a member of organisation A asking for organisation B gets 404, so B's existence does not leak", async () => {
    const { admin: adminOfA } = await createOrganisationWithAdmin(db)
    const { organisation: b } = await createOrganisationWithAdmin(db)
    expect((await get(organisationLoader, `/organisation?org=${b.id}`, adminOfA.id)).status).toBe(404)
    expect((await get(organisationLoader, '/organisation?org=999999', adminOfA.id)).status).toBe(404)
    expect((await get(organisationLoader, '/organisation?org=abc', adminOfA.id)).status).toBe(404)
  })
})

describe('/organisation/new', () => {
  const valid = async () => ({
    name: 'Leeds Community Choir',
    legalType: 'cio',
    charityNumber: '1190123',
    companyNumber: '',
    addressLine1: '3 Park Row',
    addressLine2: '',
    town: 'Leeds',
    postcode: 'ls1 5ab',
    placeId: String(await currentPlaceId(db)),
  })

  test('the form offers the places in force today', async () => {
    const person = await createUser(db)
    const response = await get(registerLoader, '/organisation/new', person.id)
    expect(response.status).toBe(200)
    const { places } = await response.json()
    expect(places.length).toBeGreaterThanOrEqual(36)
    expect(places.length).toBeLessThanOrEqual(42)
  })

  test('registering makes the person its organisation admin and takes them to it', async () => {
    const person = await createUser(db)
    const response = await post(registerAction, '/organisation/new', person.id, await valid())
    expect(response.status).toBe(302)
    const organisation = await db.selectFrom('organisations').selectAll().where('charity_number', '=', '1190123').executeTakeFirstOrThrow()
    expect(response.headers.get('Location')).toBe(`/organisation?org=${organisation.id}`)
    expect(response.headers.getSetCookie().some((c) => c.startsWith('cp_flash='))).toBe(true)
    expect(organisation).toMatchObject({ name: 'Leeds Community Choir', legal_type: 'cio', postcode: 'LS1 5AB', main_contact_user_id: person.id })
    expect(await membershipRole(organisation.id, person.id)).toBe('admin')
  })

  test('a group can name other areas it serves as well as its main one', async () => {
    const person = await createUser(db)
    const places = await db.selectFrom('places').select('id').where('valid_to', 'is', null).orderBy('id').limit(3).execute()
    const body = new URLSearchParams({ ...(await valid()), charityNumber: '1190124', placeId: String(places[0]!.id) })
    body.append('otherPlaceIds', String(places[1]!.id))
    body.append('otherPlaceIds', String(places[2]!.id))
    const request = await signedInRequest('/organisation/new', { userId: person.id, body })
    const response = await respond(() => registerAction({ request, params: {}, context }))
    expect(response.status).toBe(302)
    const organisation = await db.selectFrom('organisations').select('id').where('charity_number', '=', '1190124').executeTakeFirstOrThrow()
    const served = await db.selectFrom('organisation_places').select('place_id').where('organisation_id', '=', organisation.id).orderBy('place_id').execute()
    expect(served.map((r) => r.place_id)).toEqual(places.map((p) => p.id))
  })

  test('bad input is refused with 400 and a message next to each field', async () => {
    const person = await createUser(db)
    const response = await post(registerAction, '/organisation/new', person.id, {
      ...(await valid()),
      name: '',
      legalType: 'registered_charity',
      charityNumber: '',
      postcode: 'nowhere',
      placeId: '',
    })
    expect(response.status).toBe(400)
    const { fields } = await replyErrors(response)
    expect(fields).toEqual({
      name: ['Enter the name of your organisation'],
      charityNumber: ['Enter your charity number'],
      postcode: ['Enter a real postcode, like SW1A 1AA'],
      placeId: ['Select the integrated care board area you mainly work in'],
    })
  })

  test('a charity number that is already registered is a 409 on that field', async () => {
    const first = await createUser(db)
    const input = { ...(await valid()), charityNumber: '1190456' }
    expect((await post(registerAction, '/organisation/new', first.id, input)).status).toBe(302)
    const second = await createUser(db)
    const response = await post(registerAction, '/organisation/new', second.id, input)
    expect(response.status).toBe(409)
    expect((await replyErrors(response)).fields.charityNumber).toEqual(['An organisation with this charity number is already registered. Ask its organisation admin to invite you.'])
  })
})

describe('/organisation/members', () => {
  test('a member who administers no organisation gets 403', async () => {
    const { organisation } = await createOrganisationWithAdmin(db)
    const colleague = await createUser(db)
    await addMember(db, organisation.id, colleague.id)
    expect((await get(membersLoader, '/organisation/members', colleague.id)).status).toBe(403)
    expect((await post(membersAction, `/organisation/members?org=${organisation.id}`, colleague.id, { intent: 'invite', email: 'x@example.org', role: 'member' })).status).toBe(403)
  })

  test("an admin of organisation A cannot see or manage organisation B's members (404)", async () => {
    const { admin: adminOfA } = await createOrganisationWithAdmin(db)
    const { organisation: b, admin: adminOfB } = await createOrganisationWithAdmin(db)
    expect((await get(membersLoader, `/organisation/members?org=${b.id}`, adminOfA.id)).status).toBe(404)
    const removal = await post(membersAction, `/organisation/members?org=${b.id}`, adminOfA.id, { intent: 'remove', userId: String(adminOfB.id) })
    expect(removal.status).toBe(404)
    const invite = await post(membersAction, `/organisation/members?org=${b.id}`, adminOfA.id, { intent: 'invite', email: 'spy@example.org', role: 'admin' })
    expect(invite.status).toBe(404)
    expect(await membershipRole(b.id, adminOfB.id)).toBe('admin')
    expect(await db.selectFrom('invitations').select('id').where('email', '=', 'spy@example.org').execute()).toEqual([])
  })

  test('an admin of A who is only a member of B gets 403 for B', async () => {
    const { admin } = await createOrganisationWithAdmin(db)
    const { organisation: b } = await createOrganisationWithAdmin(db)
    await addMember(db, b.id, admin.id)
    expect((await get(membersLoader, `/organisation/members?org=${b.id}`, admin.id)).status).toBe(403)
  })

  test('an admin sees members and pending invitations, defaulting to the organisation they administer', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const invited = await post(membersAction, `/organisation/members?org=${organisation.id}`, admin.id, { intent: 'invite', email: 'Pending@Example.org', role: 'member' })
    expect(invited.status).toBe(302)
    expect(invited.headers.get('Location')).toBe(`/organisation/members?org=${organisation.id}`)

    const response = await get(membersLoader, '/organisation/members', admin.id)
    expect(response.status).toBe(200)
    const data = await response.json()
    expect(data.organisation).toEqual({ id: organisation.id, name: organisation.name })
    expect(data.members.map((m: { userId: number }) => m.userId)).toEqual([admin.id])
    expect(data.invitations.map((i: { email: string }) => i.email)).toEqual(['pending@example.org'])
    const email = await db.selectFrom('outbox_messages').select(['template', 'body_text']).where('to_address', '=', 'pending@example.org').executeTakeFirstOrThrow()
    expect(email.template).toBe('organisation-invitation')
    expect(email.body_text).toMatch(/http:\/\/localhost\/invitations\/[A-Za-z0-9_-]{43}/)
  })

  test('an invitation with a bad email address or role is refused with 400 and field errors', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const response = await post(membersAction, `/organisation/members?org=${organisation.id}`, admin.id, { intent: 'invite', email: 'not-an-email', role: 'owner' })
    expect(response.status).toBe(400)
    const { fields } = await replyErrors(response)
    expect(fields.email).toEqual(['Enter an email address in the correct format, like name@example.com'])
    expect(fields.role).toEqual(['Select a role'])
  })

  test('inviting someone who is already a member is a 409 on the email field', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const response = await post(membersAction, `/organisation/members?org=${organisation.id}`, admin.id, { intent: 'invite', email: admin.email, role: 'member' })
    expect(response.status).toBe(409)
    expect((await replyErrors(response)).fields.email).toEqual([`${admin.email} is already a member of ${organisation.name}`])
  })

  test('the last admin cannot be made a member (409)', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const response = await post(membersAction, `/organisation/members?org=${organisation.id}`, admin.id, { intent: 'change-role', userId: String(admin.id), role: 'member' })
    expect(response.status).toBe(409)
    expect(await response.json()).toEqual({ form: 'members', message: 'An organisation must always have at least one organisation admin. Make someone else an admin first.' })
    expect(await membershipRole(organisation.id, admin.id)).toBe('admin')
  })

  test('an admin can promote a member, and remove one after confirming', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const colleague = await createUser(db, { name: 'Dev Colleague' })
    await addMember(db, organisation.id, colleague.id)
    const url = `/organisation/members?org=${organisation.id}`

    const promoted = await post(membersAction, url, admin.id, { intent: 'change-role', userId: String(colleague.id), role: 'admin' })
    expect(promoted.status).toBe(302)
    expect(await membershipRole(organisation.id, colleague.id)).toBe('admin')

    const confirm = await get(membersLoader, `${url}&remove=${colleague.id}`, admin.id)
    expect((await confirm.json()).confirmRemove).toMatchObject({ userId: colleague.id, name: 'Dev Colleague' })

    const removed = await post(membersAction, url, admin.id, { intent: 'remove', userId: String(colleague.id) })
    expect(removed.status).toBe(302)
    expect(await membershipRole(organisation.id, colleague.id)).toBeNull()
  })
})
