import { describe, expect, test } from 'vitest'
import { requestPasswordReset } from '~/domain/identity/password-reset.server.ts'
import { verifyPassword } from '~/domain/identity/passwords.server.ts'
import { context, createPerson, get, post, replyErrors, respond, sessionFor } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { findLiveSession } from '~/lib/session.server.ts'
import { action as loginAction } from './login.tsx'
import { action, loader } from './reset-password.tsx'

const NEW_PASSWORD = 'a brand new passphrase'

async function resetLinkFor(email: string, now?: Date) {
  const issued = await db.transaction().execute((trx) => requestPasswordReset(trx, { email, resetPageUrl: 'http://localhost/reset-password', now }))
  return issued!.token
}

const submit = (fields: Record<string, string>) => respond(() => action({ request: post('/reset-password', fields), params: {}, context: context() }))
const open = (token: string) => respond(() => loader({ request: get(`/reset-password?token=${encodeURIComponent(token)}`), params: {}, context: context() }))

describe('resetting a password from the emailed link', () => {
  test('a valid link sets the new password, signs out every session, spends the link and emails the person', async () => {
    const person = await createPerson()
    const sessions = [await sessionFor(person.id), await sessionFor(person.id)]
    const token = await resetLinkFor(person.email)
    expect((await open(token)).status).toBe(200)

    const response = await submit({ token, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD })
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/login')
    expect(response.headers.getSetCookie().some((c) => c.startsWith('cp_flash='))).toBe(true)

    const user = await db.selectFrom('users').select(['password_hash', 'password_changed_at']).where('id', '=', person.id).executeTakeFirstOrThrow()
    expect(await verifyPassword(user.password_hash!, NEW_PASSWORD)).toBe(true)
    expect(await verifyPassword(user.password_hash!, person.password)).toBe(false)
    expect(user.password_changed_at).not.toBeNull()
    for (const s of sessions) expect(await findLiveSession(db, s.token)).toBeUndefined()
    const row = await db.selectFrom('password_reset_tokens').select('used_at').where('user_id', '=', person.id).executeTakeFirstOrThrow()
    expect(row.used_at).not.toBeNull()
    const changed = await db.selectFrom('outbox_messages').select('id').where('to_address', '=', person.email).where('template', '=', 'password-changed').execute()
    expect(changed).toHaveLength(1)

    const signIn = await respond(() => loginAction({ request: post('/login', { email: person.email, password: NEW_PASSWORD }), params: {}, context: context('10.9.9.9') }))
    expect(signIn.status).toBe(302)
  })

  test('a link works only once', async () => {
    const person = await createPerson()
    const token = await resetLinkFor(person.email)
    expect((await submit({ token, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD })).status).toBe(302)
    const again = await submit({ token, newPassword: 'yet another passphrase', confirmPassword: 'yet another passphrase' })
    expect(again.status).toBe(400)
    expect(((await again.json()) as { tokenInvalid: boolean }).tokenInvalid).toBe(true)
    expect((await open(token)).status).toBe(400)
    const user = await db.selectFrom('users').select('password_hash').where('id', '=', person.id).executeTakeFirstOrThrow()
    expect(await verifyPassword(user.password_hash!, NEW_PASSWORD)).toBe(true)
  })

  test('a link older than an hour is refused and changes nothing', async () => {
    const person = await createPerson()
    const session = await sessionFor(person.id)
    const token = await resetLinkFor(person.email, new Date(Date.now() - 61 * 60_000))
    expect((await open(token)).status).toBe(400)
    const response = await submit({ token, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD })
    expect(response.status).toBe(400)
    expect(((await response.json()) as { tokenInvalid: boolean }).tokenInvalid).toBe(true)
    const user = await db.selectFrom('users').select('password_hash').where('id', '=', person.id).executeTakeFirstOrThrow()
    expect(await verifyPassword(user.password_hash!, person.password)).toBe(true)
    expect(await findLiveSession(db, session.token)).toBeDefined()
  })

  test('an unknown or missing token shows the expired-link page', async () => {
    expect((await open('made-up-token')).status).toBe(400)
    const missing = await respond(() => loader({ request: get('/reset-password'), params: {}, context: context() }))
    expect(missing.status).toBe(400)
  })

  test('passwords that do not match, or are too short, change nothing and leave the link usable', async () => {
    const person = await createPerson()
    const token = await resetLinkFor(person.email)
    const mismatch = await submit({ token, newPassword: NEW_PASSWORD, confirmPassword: 'something else entirely' })
    expect(mismatch.status).toBe(400)
    expect((await replyErrors(mismatch)).fields.confirmPassword).toEqual(['The passwords do not match'])
    const short = await submit({ token, newPassword: 'too short', confirmPassword: 'too short' })
    expect(short.status).toBe(400)
    expect((await replyErrors(short)).fields.newPassword).toEqual(['New password must be 12 characters or more'])
    expect((await open(token)).status).toBe(200)
    const user = await db.selectFrom('users').select('password_hash').where('id', '=', person.id).executeTakeFirstOrThrow()
    expect(await verifyPassword(user.password_hash!, person.password)).toBe(true)
  })

  test('a newer link does not revive an older one after a reset, and any other outstanding link is spent too', async () => {
    const person = await createPerson()
    const first = await resetLinkFor(person.email)
    const second = await resetLinkFor(person.email)
    expect((await submit({ token: second, newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD })).status).toBe(302)
    expect((await open(first)).status).toBe(400)
  })
})
