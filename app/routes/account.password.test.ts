import { describe, expect, test } from 'vitest'
import { verifyPassword } from '~/domain/identity/passwords.server.ts'
import { context, cookieHeaderFor, createPerson, post, replyErrors, respond, sessionFor, sessionTokenSetBy } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { requireUser } from '~/lib/guards.server.ts'
import { findLiveSession } from '~/lib/session.server.ts'
import { action } from './account.password.tsx'

const NEW_PASSWORD = 'a brand new passphrase'

const change = (cookie: string, fields: Record<string, string>) =>
  respond(() => action({ request: post('/account/password', fields, { cookie }), params: {}, context: context() }))

describe('changing your password', () => {
  test('the right current password changes it, signs out other sessions and rotates this one', async () => {
    const person = await createPerson()
    const current = await sessionFor(person.id)
    const elsewhere = await sessionFor(person.id)
    const response = await change(current.cookie, { currentPassword: person.password, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD })
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/account')

    const user = await db.selectFrom('users').select('password_hash').where('id', '=', person.id).executeTakeFirstOrThrow()
    expect(await verifyPassword(user.password_hash!, NEW_PASSWORD)).toBe(true)
    expect(await findLiveSession(db, elsewhere.token)).toBeUndefined()
    expect(await findLiveSession(db, current.token)).toBeUndefined()
    const rotated = await sessionTokenSetBy(response)
    expect(rotated).not.toBe(current.token)
    const stillSignedIn = await requireUser(new Request('http://localhost/account', { headers: { Cookie: await cookieHeaderFor(rotated!) } }))
    expect(stillSignedIn.id).toBe(person.id)
    const emails = await db.selectFrom('outbox_messages').select('template').where('to_address', '=', person.email).execute()
    expect(emails.map((e) => e.template)).toContain('password-changed')
    const audit = await db.selectFrom('audit_events').select(['action', 'after']).where('entity_id', '=', String(person.id)).where('action', '=', 'user.password_changed').executeTakeFirstOrThrow()
    expect(JSON.parse(audit.after!)).toMatchObject({ otherSessionsRevoked: 1 })
  })

  test('a wrong current password is refused next to its field and changes nothing', async () => {
    const person = await createPerson()
    const current = await sessionFor(person.id)
    const elsewhere = await sessionFor(person.id)
    const response = await change(current.cookie, { currentPassword: 'not my password at all', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD })
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).fields.currentPassword).toEqual(['Your current password is not correct'])
    const user = await db.selectFrom('users').select('password_hash').where('id', '=', person.id).executeTakeFirstOrThrow()
    expect(await verifyPassword(user.password_hash!, person.password)).toBe(true)
    expect(await findLiveSession(db, current.token)).toBeDefined()
    expect(await findLiveSession(db, elsewhere.token)).toBeDefined()
    expect(await db.selectFrom('outbox_messages').select('id').where('to_address', '=', person.email).where('template', '=', 'password-changed').execute()).toEqual([])
    expect(await response.text()).not.toContain('not my password at all')
  })

  test('a new password that is too short or not confirmed is refused', async () => {
    const person = await createPerson()
    const { cookie } = await sessionFor(person.id)
    const short = await change(cookie, { currentPassword: person.password, newPassword: 'short', confirmPassword: 'short' })
    expect(short.status).toBe(400)
    expect((await replyErrors(short)).fields.newPassword).toEqual(['New password must be 12 characters or more'])
    const mismatch = await change(cookie, { currentPassword: person.password, newPassword: NEW_PASSWORD, confirmPassword: `${NEW_PASSWORD}!` })
    expect((await replyErrors(mismatch)).fields.confirmPassword).toEqual(['The passwords do not match'])
  })

  test('someone signed out is sent to sign in', async () => {
    const response = await respond(() => action({ request: post('/account/password', {}), params: {}, context: context() }))
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/login?redirectTo=%2Faccount%2Fpassword')
  })
})
