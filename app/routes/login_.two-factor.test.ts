import { Secret } from 'otpauth'
import { describe, expect, test } from 'vitest'
import { currentTotpCode } from '~/domain/identity/totp.server.ts'
import { context, createPerson, get, post, replyErrors, respond, sessionFor } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { requireUser } from '~/lib/guards.server.ts'
import { findLiveSession } from '~/lib/session.server.ts'
import { action, loader } from './login_.two-factor.tsx'

async function personPartWaySignedIn() {
  const secret = new Secret({ size: 20 }).base32
  const person = await createPerson({ totpSecret: secret })
  const session = await sessionFor(person.id, { secondFactor: false })
  return { person, secret, session }
}

const submitCode = (cookie: string, code: string, redirectTo = '/account') =>
  respond(() => action({ request: post('/login/two-factor', { code, redirectTo }, { cookie }), params: {}, context: context() }))

describe('the second sign-in step', () => {
  test('the page is shown to someone who has passed the password but not the code', async () => {
    const { session } = await personPartWaySignedIn()
    const response = await respond(() => loader({ request: get('/login/two-factor?redirectTo=/account', { cookie: session.cookie }), params: {}, context: context() }))
    expect(response.status).toBe(200)
  })

  test('the right code marks the session as verified and goes on to redirectTo', async () => {
    const { session, secret, person } = await personPartWaySignedIn()
    const response = await submitCode(session.cookie, currentTotpCode(secret))
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/account')
    expect((await findLiveSession(db, session.token))?.second_factor_at).not.toBeNull()
    const user = await requireUser(get('/account', { cookie: session.cookie }))
    expect(user.id).toBe(person.id)
  })

  test('a code from the previous 30 seconds is still accepted (clock drift)', async () => {
    const { session, secret } = await personPartWaySignedIn()
    expect((await submitCode(session.cookie, currentTotpCode(secret, Date.now() - 30_000))).status).toBe(302)
  })

  test('a wrong code is refused with 400 and the session stays unverified', async () => {
    const { session, secret } = await personPartWaySignedIn()
    const wrong = currentTotpCode(secret) === '000000' ? '111111' : '000000'
    const response = await submitCode(session.cookie, wrong)
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).fields.code?.[0]).toMatch(/not correct/)
    expect((await findLiveSession(db, session.token))?.second_factor_at).toBeNull()
    const guarded = await respond(() => requireUser(get('/home', { cookie: session.cookie })))
    expect(guarded.headers.get('Location')).toBe('/login/two-factor?redirectTo=%2Fhome')
  })

  test('after 5 wrong codes in 15 minutes even the right code gets 429', async () => {
    const { session, secret } = await personPartWaySignedIn()
    const wrong = currentTotpCode(secret) === '000000' ? '111111' : '000000'
    for (let i = 0; i < 5; i++) expect((await submitCode(session.cookie, wrong)).status).toBe(400)
    const response = await submitCode(session.cookie, currentTotpCode(secret))
    expect(response.status).toBe(429)
    expect((await replyErrors(response)).form).toEqual(['Too many attempts. Wait 15 minutes and try again.'])
    expect((await findLiveSession(db, session.token))?.second_factor_at).toBeNull()
  })

  test('a code that is not 6 digits is refused before it is checked', async () => {
    const { session } = await personPartWaySignedIn()
    const response = await submitCode(session.cookie, '12ab')
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).fields.code).toEqual(['The code must be 6 digits'])
  })

  test('someone with no second factor to pass is sent straight on, and someone signed out is sent to sign in', async () => {
    const person = await createPerson()
    const { cookie } = await sessionFor(person.id, { secondFactor: false })
    const onward = await respond(() => loader({ request: get('/login/two-factor?redirectTo=/funding', { cookie }), params: {}, context: context() }))
    expect(onward.headers.get('Location')).toBe('/funding')
    const signedOut = await respond(() => loader({ request: get('/login/two-factor'), params: {}, context: context() }))
    expect(signedOut.headers.get('Location')).toMatch(/^\/login\?redirectTo=/)
  })
})
