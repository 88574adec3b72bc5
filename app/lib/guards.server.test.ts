/**
 * The signed-in user in one query (findSessionUser), and one lookup per request shared by the root's and the page's
 * loaders. The session rules are unchanged: a revoked, expired or anonymised session signs nobody in, and nothing is
 * remembered from one request to the next.
 */
import { describe, expect, test } from 'vitest'
import { createFunder } from '../../tests/factories/awards.ts'
import { addMember, createOrganisationWithAdmin, createUser } from '../../tests/factories/organisations.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { db } from './db.server.ts'
import { findSessionUser, getOptionalUser, loadCurrentUser, requireUser } from './guards.server.ts'
import { findLiveSession, readSessionToken, revokeSessionByToken } from './session.server.ts'

async function tokenOf(request: Request): Promise<string> {
  return (await readSessionToken(request))!
}

/** The user as the four separate reads made them (session, user, grants, memberships). */
async function fourReads(token: string) {
  const session = await findLiveSession(db, token)
  return session ? loadCurrentUser(db, session) : null
}

const comparable = (u: Awaited<ReturnType<typeof findSessionUser>>) =>
  u && { ...u, permissions: [...u.permissions].sort(), funderIds: [...u.funderIds].sort(), organisationIds: [...u.organisationIds].sort() }

describe('the signed-in user in one query', () => {
  test('has the same roles, funders, organisations and permissions as the separate reads', async () => {
    const funder = await createFunder(db)
    const other = await createFunder(db)
    const person = await createUserWithRole(db, 'funder_viewer')
    await db.updateTable('user_roles').set({ funder_id: funder.id }).where('user_id', '=', person.id).execute()
    await db.insertInto('user_roles').values([{ user_id: person.id, role: 'funder_viewer', funder_id: other.id }, { user_id: person.id, role: 'assessor' }]).execute()
    const { organisation } = await createOrganisationWithAdmin(db)
    const second = await createOrganisationWithAdmin(db)
    await addMember(db, organisation.id, person.id, 'member')
    await addMember(db, second.organisation.id, person.id, 'admin')
    const token = await tokenOf(await signedInRequest('/home', { userId: person.id }))

    const user = await findSessionUser(db, token)
    expect(user).toMatchObject({ id: person.id, email: person.email, name: person.name, secondFactorVerified: true, totpEnabled: false })
    expect(user!.roles).toEqual(['applicant', 'organisation_admin', 'assessor', 'funder_viewer'])
    expect([...user!.funderIds].sort((a, b) => a - b)).toEqual([funder.id, other.id].sort((a, b) => a - b))
    expect([...user!.organisationIds].sort((a, b) => a - b)).toEqual([organisation.id, second.organisation.id].sort((a, b) => a - b))
    expect(user!.adminOrganisationIds).toEqual([second.organisation.id])
    expect(comparable(user)).toEqual(comparable(await fourReads(token)))
  })

  test('a person with no roles and no organisation is signed in with no permissions', async () => {
    const person = await createUser(db)
    const token = await tokenOf(await signedInRequest('/home', { userId: person.id }))
    const user = await findSessionUser(db, token)
    expect(user).toMatchObject({ id: person.id, roles: [], funderIds: [], organisationIds: [], adminOrganisationIds: [] })
    expect(user!.permissions.size).toBe(0)
  })

  test('a revoked, expired or unknown session, or an anonymised person, signs nobody in', async () => {
    const person = await createUser(db)
    const revoked = await tokenOf(await signedInRequest('/home', { userId: person.id }))
    await revokeSessionByToken(db, revoked)
    expect(await findSessionUser(db, revoked)).toBeNull()

    const expired = await tokenOf(await signedInRequest('/home', { userId: person.id }))
    await db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('user_id', '=', person.id).where('revoked_at', 'is', null).execute()
    expect(await findSessionUser(db, expired)).toBeNull()

    expect(await findSessionUser(db, 'no-such-token')).toBeNull()

    const gone = await createUser(db)
    const token = await tokenOf(await signedInRequest('/home', { userId: gone.id }))
    expect(await findSessionUser(db, token)).not.toBeNull()
    await db.updateTable('users').set({ anonymised_at: new Date().toISOString() }).where('id', '=', gone.id).execute()
    expect(await findSessionUser(db, token)).toBeNull()
  })
})

describe('one lookup per request', () => {
  test("the root's and the page's loaders, started together with one context, share a lookup", async () => {
    const person = await createUser(db)
    const request = await signedInRequest('/home', { userId: person.id })
    const context = {}
    // Remix hands each loader its own copy of the Request, and the same context.
    const [a, b] = await Promise.all([getOptionalUser(request.clone(), context), requireUser(request.clone(), context)])
    expect(a).toBe(b)
    expect(a!.id).toBe(person.id)
  })

  test('nothing is remembered after the lookup: a session revoked since is refused on the next request', async () => {
    const person = await createUser(db)
    const request = await signedInRequest('/home', { userId: person.id })
    const context = {} // even a context object used again (a test harness) does not carry the user over
    const first = await getOptionalUser(request, context)
    expect(first!.id).toBe(person.id)
    const again = await getOptionalUser(request, context)
    expect(again).not.toBe(first)
    await revokeSessionByToken(db, await tokenOf(request))
    expect(await getOptionalUser(request, context)).toBeNull()
    await expect(requireUser(request, context)).rejects.toSatisfy((r: Response) => r.status === 302 && r.headers.get('Location')!.startsWith('/login'))
  })

  test('a different cookie in the same context is looked up on its own', async () => {
    const alice = await createUser(db)
    const bob = await createUser(db)
    const context = {}
    const [a, b] = await Promise.all([
      getOptionalUser(await signedInRequest('/home', { userId: alice.id }), context),
      getOptionalUser(await signedInRequest('/home', { userId: bob.id }), context),
    ])
    expect([a!.id, b!.id]).toEqual([alice.id, bob.id])
  })
})
