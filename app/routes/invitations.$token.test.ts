import { describe, expect, test } from 'vitest'
import { createOrganisationWithAdmin, createUser } from '../../tests/factories/organisations.ts'
import { signedInRequest } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { inviteColleague } from '~/domain/organisations/invitations.server.ts'
import { db } from '~/lib/db.server.ts'
import { action, loader } from './invitations.$token.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }
const DAY_MS = 24 * 60 * 60 * 1000

async function invitationFor(email: string, options: { now?: Date } = {}) {
  const { organisation, admin } = await createOrganisationWithAdmin(db)
  const { token } = await db
    .transaction()
    .execute((trx) => inviteColleague(trx, { organisationId: organisation.id, inviterUserId: admin.id, email, role: 'member', appOrigin: 'http://localhost', now: options.now }))
  return { organisation, token }
}

async function show(token: string, userId?: number) {
  const url = `/invitations/${token}`
  const request = userId === undefined ? new Request(`http://localhost${url}`) : await signedInRequest(url, { userId })
  return respond(() => loader({ request, params: { token }, context }))
}

async function accept(token: string, userId?: number) {
  const url = `/invitations/${token}`
  const request =
    userId === undefined ? new Request(`http://localhost${url}`, { method: 'POST', body: new URLSearchParams() }) : await signedInRequest(url, { userId, method: 'POST', body: {} })
  return respond(() => action({ request, params: { token }, context }))
}

describe('/invitations/<token>', () => {
  test('someone signed out sees which organisation invited them, and is not yet asked to accept', async () => {
    const { organisation, token } = await invitationFor('guest@example.org')
    const response = await show(token)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ invitation: { organisationName: organisation.name, role: 'member', state: 'pending' }, signedInAs: null })
  })

  test('accepting while signed out leads to sign in and back', async () => {
    const { token } = await invitationFor('later@example.org')
    const response = await accept(token)
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe(`/login?redirectTo=${encodeURIComponent(`/invitations/${token}`)}`)
  })

  test('a link that matches no invitation is 404', async () => {
    expect((await show('no-such-token')).status).toBe(404)
    const person = await createUser(db)
    expect((await accept('no-such-token', person.id)).status).toBe(404)
  })

  test('the invited person accepts and is taken to their organisation; the link then stops working', async () => {
    const invitee = await createUser(db, { email: 'joiner@example.org' })
    const { organisation, token } = await invitationFor('joiner@example.org')
    const response = await accept(token, invitee.id)
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe(`/organisation?org=${organisation.id}`)
    expect(response.headers.getSetCookie().some((c) => c.startsWith('cp_flash='))).toBe(true)
    const membership = await db.selectFrom('memberships').select('role').where('user_id', '=', invitee.id).executeTakeFirst()
    expect(membership?.role).toBe('member')

    const again = await accept(token, invitee.id)
    expect(again.status).toBe(409)
    expect(await again.json()).toEqual({ error: 'This invitation has already been used.' })
  })

  test('someone signed in with another email address is refused with 403', async () => {
    const stranger = await createUser(db, { email: 'stranger@example.org' })
    const { token } = await invitationFor('rightful@example.org')
    const response = await accept(token, stranger.id)
    expect(response.status).toBe(403)
    expect(await response.json()).toEqual({ error: 'This invitation was sent to r•••@example.org. Sign in with that email address to accept it.' })
    expect(await db.selectFrom('memberships').select('id').where('user_id', '=', stranger.id).execute()).toEqual([])
  })

  test('an expired invitation is shown as expired and cannot be accepted', async () => {
    const invitee = await createUser(db, { email: 'tardy@example.org' })
    const { token } = await invitationFor('tardy@example.org', { now: new Date(Date.now() - 8 * DAY_MS) })
    expect((await (await show(token, invitee.id)).json()).invitation.state).toBe('expired')
    const response = await accept(token, invitee.id)
    expect(response.status).toBe(409)
    expect(await response.json()).toEqual({ error: 'This invitation has expired. Ask your organisation admin to send you a new one.' })
  })
})
