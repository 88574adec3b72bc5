import { Secret } from 'otpauth'
import { describe, expect, test } from 'vitest'
import { MAX_FAILURES_PER_IP } from '~/domain/identity/sign-in.server.ts'
import { context, cookieHeaderFor, createPerson, post, replyErrors, respond, sessionFor, sessionTokenSetBy, uniqueEmail, uniqueIp } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { requireUser } from '~/lib/guards.server.ts'
import { findLiveSession, hashToken } from '~/lib/session.server.ts'
import { action } from './login.tsx'

function signIn(fields: Record<string, string>, options: { ip?: string; cookie?: string } = {}) {
  return respond(() => action({ request: post('/login', fields, { cookie: options.cookie }), params: {}, context: context(options.ip ?? uniqueIp()) }))
}

const WRONG = 'Enter a correct email address and password'
const THROTTLED = 'Too many attempts. Wait 15 minutes and try again.'

describe('sign in', () => {
  test('the right email and password start a session and go to /home', async () => {
    const person = await createPerson()
    const response = await signIn({ email: person.email.toUpperCase(), password: person.password })
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/home')
    const token = await sessionTokenSetBy(response)
    const session = await findLiveSession(db, token!)
    expect(session?.user_id).toBe(person.id)
    const attempts = await db.selectFrom('sign_in_attempts').select(['succeeded']).where('email', '=', person.email).execute()
    expect(attempts).toEqual([{ succeeded: 1 }])
  })

  test('a same-site redirectTo is followed after sign-in; another site is not', async () => {
    const person = await createPerson()
    expect((await signIn({ email: person.email, password: person.password, redirectTo: '/account' })).headers.get('Location')).toBe('/account')
    expect((await signIn({ email: person.email, password: person.password, redirectTo: 'https://evil.example' })).headers.get('Location')).toBe('/home')
  })

  test('a wrong password gets one form-level message, 400, no session, and the password is not sent back', async () => {
    const person = await createPerson()
    const response = await signIn({ email: person.email, password: 'not the right password' })
    expect(response.status).toBe(400)
    expect(await replyErrors(response)).toEqual({ form: [WRONG], fields: {} })
    expect(await sessionTokenSetBy(response)).toBeNull()
    expect(await response.text()).not.toContain('not the right password')
    const attempts = await db.selectFrom('sign_in_attempts').select(['succeeded']).where('email', '=', person.email).execute()
    expect(attempts).toEqual([{ succeeded: 0 }])
  })

  test('an unknown email address gets exactly the same answer as a wrong password', async () => {
    const person = await createPerson()
    const wrongPassword = await signIn({ email: person.email, password: 'not the right password' })
    const unknown = await signIn({ email: uniqueEmail('nobody'), password: 'not the right password' })
    expect(unknown.status).toBe(wrongPassword.status)
    const strip = (body: { initialValue?: Record<string, unknown> }) => ({ ...body, initialValue: { ...body.initialValue, email: '' } })
    expect(strip(await unknown.json())).toEqual(strip(await wrongPassword.json()))
  })

  test('an invited person with no password yet cannot sign in with any password', async () => {
    const email = uniqueEmail('invited')
    await db.insertInto('users').values({ email, name: 'Invited', updated_at: new Date().toISOString() }).execute()
    const response = await signIn({ email, password: 'anything long enough' })
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).form).toEqual([WRONG])
  })

  test('after 5 failures for an account in 15 minutes even the right password gets 429, from any IP', async () => {
    const person = await createPerson()
    for (let i = 0; i < 5; i++) expect((await signIn({ email: person.email, password: `wrong password ${i}` })).status).toBe(400)
    const response = await signIn({ email: person.email, password: person.password })
    expect(response.status).toBe(429)
    expect((await replyErrors(response)).form).toEqual([THROTTLED])
    expect(await sessionTokenSetBy(response)).toBeNull()
    expect(await db.selectFrom('sessions').select('id').where('user_id', '=', person.id).execute()).toEqual([])
    const attempts = await db.selectFrom('sign_in_attempts').select('id').where('email', '=', person.email).execute()
    expect(attempts).toHaveLength(6)
  })

  test('failures older than 15 minutes no longer count', async () => {
    const person = await createPerson()
    const old = new Date(Date.now() - 16 * 60_000).toISOString()
    for (let i = 0; i < 5; i++) await db.insertInto('sign_in_attempts').values({ email: person.email, ip: uniqueIp(), succeeded: 0, created_at: old }).execute()
    expect((await signIn({ email: person.email, password: person.password })).status).toBe(302)
  })

  test(`after ${MAX_FAILURES_PER_IP} failures from one IP even the right password gets 429 from that IP`, async () => {
    const person = await createPerson()
    const ip = uniqueIp()
    for (let i = 0; i < MAX_FAILURES_PER_IP; i++) {
      expect((await signIn({ email: uniqueEmail('guess'), password: 'guessed password' }, { ip })).status).toBe(400)
    }
    const blocked = await signIn({ email: person.email, password: person.password }, { ip })
    expect(blocked.status).toBe(429)
    expect((await replyErrors(blocked)).form).toEqual([THROTTLED])
    expect((await signIn({ email: person.email, password: person.password }, { ip: uniqueIp() })).status).toBe(302)
  })

  test('signing in revokes the session the browser presented and issues a new token', async () => {
    const person = await createPerson()
    const other = await createPerson()
    const before = await sessionFor(other.id)
    const response = await signIn({ email: person.email, password: person.password }, { cookie: before.cookie })
    expect(response.status).toBe(302)
    const token = await sessionTokenSetBy(response)
    expect(token).not.toBe(before.token)
    expect(await findLiveSession(db, before.token)).toBeUndefined()
    const old = await db.selectFrom('sessions').select('revoked_at').where('token_hash', '=', hashToken(before.token)).executeTakeFirstOrThrow()
    expect(old.revoked_at).not.toBeNull()
    expect((await findLiveSession(db, token!))?.user_id).toBe(person.id)
  })

  test('a wrong password leaves the presented session alone', async () => {
    const person = await createPerson()
    const before = await sessionFor(person.id)
    expect((await signIn({ email: person.email, password: 'not the right password' }, { cookie: before.cookie })).status).toBe(400)
    expect(await findLiveSession(db, before.token)).toBeDefined()
  })

  test('a person with two-factor on is sent to /login/two-factor and cannot use protected pages until they pass it', async () => {
    const person = await createPerson({ totpSecret: new Secret({ size: 20 }).base32 })
    const response = await signIn({ email: person.email, password: person.password, redirectTo: '/account' })
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/login/two-factor?redirectTo=%2Faccount')
    const token = await sessionTokenSetBy(response)
    expect((await findLiveSession(db, token!))?.second_factor_at).toBeNull()
    const guarded = await respond(async () => requireUser(new Request('http://localhost/account', { headers: { Cookie: await cookieHeaderFor(token!) } })))
    expect(guarded.status).toBe(302)
    expect(guarded.headers.get('Location')).toBe('/login/two-factor?redirectTo=%2Faccount')
  })

  test('an empty form names both fields', async () => {
    const response = await signIn({ email: '', password: '' })
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).fields).toEqual({ email: ['Enter your email address'], password: ['Enter your password'] })
  })
})
