import { Secret } from 'otpauth'
import { describe, expect, test } from 'vitest'
import { currentTotpCode } from '~/domain/identity/totp.server.ts'
import { context, createPerson, get, post, replyErrors, respond, sessionFor } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { requireUser } from '~/lib/guards.server.ts'
import { findLiveSession } from '~/lib/session.server.ts'
import { action, loader } from './account.two-factor.tsx'

interface SetUpPage {
  on: boolean
  required: boolean
  askedToEnrol?: boolean
  secret?: string
  qrSvg?: string
}

const open = async (cookie: string, path = '/account/two-factor') => {
  const response = await respond(() => loader({ request: get(path, { cookie }), params: {}, context: context() }))
  return { response, page: response.status === 200 ? ((await response.json()) as SetUpPage) : null }
}
const submit = (cookie: string, fields: Record<string, string>) =>
  respond(() => action({ request: post('/account/two-factor', fields, { cookie }), params: {}, context: context() }))

describe('turning on two-factor authentication', () => {
  test('the set-up page shows a secret and its QR code, and a reload shows the same secret', async () => {
    const person = await createPerson()
    const { cookie } = await sessionFor(person.id)
    const { page } = await open(cookie)
    expect(page?.on).toBe(false)
    expect(page?.secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(page?.qrSvg).toMatch(/^<svg[^>]*viewBox/)
    expect(page?.qrSvg).not.toContain('style=')
    expect((await open(cookie)).page?.secret).toBe(page?.secret)
    const user = await db.selectFrom('users').select(['totp_secret', 'totp_enabled_at']).where('id', '=', person.id).executeTakeFirstOrThrow()
    expect(user).toEqual({ totp_secret: page?.secret, totp_enabled_at: null })
  })

  test('a code computed from the secret turns it on, verifies this session and emails the person', async () => {
    const person = await createPerson()
    const session = await sessionFor(person.id, { secondFactor: false })
    const { page } = await open(session.cookie)
    const response = await submit(session.cookie, { code: currentTotpCode(page!.secret!) })
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/account')
    const user = await db.selectFrom('users').select('totp_enabled_at').where('id', '=', person.id).executeTakeFirstOrThrow()
    expect(user.totp_enabled_at).not.toBeNull()
    expect((await findLiveSession(db, session.token))?.second_factor_at).not.toBeNull()
    expect((await requireUser(get('/home', { cookie: session.cookie }))).totpEnabled).toBe(true)
    const emails = await db.selectFrom('outbox_messages').select('template').where('to_address', '=', person.email).execute()
    expect(emails.map((e) => e.template)).toContain('two-factor-enabled')
  })

  test('a wrong code is refused and two-factor stays off', async () => {
    const person = await createPerson()
    const { cookie } = await sessionFor(person.id)
    const { page } = await open(cookie)
    const wrong = currentTotpCode(page!.secret!) === '000000' ? '111111' : '000000'
    const response = await submit(cookie, { code: wrong })
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).fields.code?.[0]).toMatch(/not correct/)
    const user = await db.selectFrom('users').select('totp_enabled_at').where('id', '=', person.id).executeTakeFirstOrThrow()
    expect(user.totp_enabled_at).toBeNull()
    expect(await db.selectFrom('outbox_messages').select('id').where('to_address', '=', person.email).where('template', '=', 'two-factor-enabled').execute()).toEqual([])
  })

  test('a finance officer without it is sent here, told why, and can enrol', async () => {
    const officer = await createPerson({ role: 'finance_officer' })
    const session = await sessionFor(officer.id, { secondFactor: false })
    const guarded = await respond(() => requireUser(get('/payments', { cookie: session.cookie })))
    expect(guarded.headers.get('Location')).toBe('/account/two-factor?required=1')
    const { page } = await open(session.cookie, '/account/two-factor?required=1')
    expect(page).toMatchObject({ on: false, required: true, askedToEnrol: true })
    expect((await submit(session.cookie, { code: currentTotpCode(page!.secret!) })).status).toBe(302)
    expect((await requireUser(get('/payments', { cookie: session.cookie }))).id).toBe(officer.id)
  })
})

describe('turning off two-factor authentication', () => {
  test('someone whose role does not require it can turn it off with their password', async () => {
    const person = await createPerson({ totpSecret: new Secret({ size: 20 }).base32 })
    const { cookie } = await sessionFor(person.id)
    expect((await open(cookie)).page).toEqual({ on: true, required: false })
    const wrong = await submit(cookie, { password: 'not my password at all' })
    expect(wrong.status).toBe(400)
    expect((await replyErrors(wrong)).fields.password).toEqual(['Your current password is not correct'])
    expect((await db.selectFrom('users').select('totp_enabled_at').where('id', '=', person.id).executeTakeFirstOrThrow()).totp_enabled_at).not.toBeNull()

    const response = await submit(cookie, { password: person.password })
    expect(response.status).toBe(302)
    const user = await db.selectFrom('users').select(['totp_secret', 'totp_enabled_at']).where('id', '=', person.id).executeTakeFirstOrThrow()
    expect(user).toEqual({ totp_secret: null, totp_enabled_at: null })
  })

  test('an administrator may not turn it off (403)', async () => {
    const admin = await createPerson({ role: 'admin', totpSecret: new Secret({ size: 20 }).base32 })
    const { cookie } = await sessionFor(admin.id)
    expect((await open(cookie)).page).toEqual({ on: true, required: true })
    const response = await submit(cookie, { password: admin.password })
    expect(response.status).toBe(403)
    expect((await replyErrors(response)).form[0]).toMatch(/requires two-factor authentication/)
    expect((await db.selectFrom('users').select('totp_enabled_at').where('id', '=', admin.id).executeTakeFirstOrThrow()).totp_enabled_at).not.toBeNull()
  })

  test('a password alone cannot turn it off: the code must be passed first', async () => {
    const person = await createPerson({ totpSecret: new Secret({ size: 20 }).base32 })
    const { cookie } = await sessionFor(person.id, { secondFactor: false })
    const response = await submit(cookie, { password: person.password })
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/login/two-factor?redirectTo=%2Faccount%2Ftwo-factor')
    expect((await db.selectFrom('users').select('totp_enabled_at').where('id', '=', person.id).executeTakeFirstOrThrow()).totp_enabled_at).not.toBeNull()
  })
})
