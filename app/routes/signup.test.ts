import { describe, expect, test } from 'vitest'
import { context, cookieHeaderFor, post, replyErrors, respond, sessionTokenSetBy, uniqueEmail } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { findLiveSession } from '~/lib/session.server.ts'
import { requireUser } from '~/lib/guards.server.ts'
import { verifyPassword } from '~/domain/identity/passwords.server.ts'
import { action, loader } from './signup.tsx'

const signUp = (fields: Record<string, string>, cookie?: string) => respond(() => action({ request: post('/signup', fields, { cookie }), params: {}, context: context() }))

async function counts(email: string) {
  const users = await db.selectFrom('users').select('id').where('email', '=', email).execute()
  const outbox = await db.selectFrom('outbox_messages').select('id').where('to_address', '=', email).execute()
  return { users: users.length, emails: outbox.length }
}

describe('sign up', () => {
  test('a new person is signed in, sent a welcome email and taken to /home', async () => {
    const email = uniqueEmail('new')
    const response = await signUp({ name: 'Priya Shah', email: `  ${email.toUpperCase()} `, password: 'a long enough password' })
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/home')

    const user = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow()
    expect(user.name).toBe('Priya Shah')
    expect(user.password_hash).toMatch(/^\$argon2id\$/)
    expect(await verifyPassword(user.password_hash!, 'a long enough password')).toBe(true)

    const token = await sessionTokenSetBy(response)
    expect(token).toBeTruthy()
    const session = await findLiveSession(db, token!)
    expect(session?.user_id).toBe(user.id)
    const signedIn = await requireUser(new Request('http://localhost/home', { headers: { Cookie: await cookieHeaderFor(token!) } }))
    expect(signedIn.email).toBe(email)

    const welcome = await db.selectFrom('outbox_messages').select(['template', 'body_text']).where('to_address', '=', email).executeTakeFirstOrThrow()
    expect(welcome.template).toBe('welcome')
    expect(welcome.body_text).toContain('http://localhost/login')
    const audit = await db.selectFrom('audit_events').select('action').where('entity_type', '=', 'user').where('entity_id', '=', String(user.id)).execute()
    expect(audit.map((a) => a.action)).toContain('user.created')
    expect(response.headers.getSetCookie().some((c) => c.startsWith('cp_flash='))).toBe(true)
  })

  test('a same-site redirectTo is followed and another site is not', async () => {
    const kept = await signUp({ name: 'A Person', email: uniqueEmail(), password: 'a long enough password', redirectTo: '/funding' })
    expect(kept.headers.get('Location')).toBe('/funding')
    const refused = await signUp({ name: 'A Person', email: uniqueEmail(), password: 'a long enough password', redirectTo: '//evil.example/x' })
    expect(refused.headers.get('Location')).toBe('/home')
  })

  test('an email address already registered, in any case, is refused without saying more', async () => {
    const email = uniqueEmail('taken')
    expect((await signUp({ name: 'First', email, password: 'a long enough password' })).status).toBe(302)
    const response = await signUp({ name: 'Second', email: email.toUpperCase(), password: 'another long password' })
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).fields.email).toEqual(['An account with this email address already exists'])
    expect(await sessionTokenSetBy(response)).toBeNull()
    expect(await counts(email)).toEqual({ users: 1, emails: 1 })
  })

  test('a password under 12 characters is refused and nothing is written', async () => {
    const email = uniqueEmail('weak')
    const response = await signUp({ name: 'Weak', email, password: 'short pass' })
    expect(response.status).toBe(400)
    const errors = await replyErrors(response)
    expect(errors.fields.password).toEqual(['Password must be 12 characters or more'])
    expect(await counts(email)).toEqual({ users: 0, emails: 0 })
    const body = await response.text()
    expect(body).not.toContain('short pass')
  })

  test('missing fields are each named', async () => {
    const response = await signUp({ name: '', email: '', password: '' })
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).fields).toEqual({
      name: ['Enter your full name'],
      email: ['Enter your email address'],
      password: ['Enter a password'],
    })
  })

  test('someone already signed in is sent to /home instead of the form', async () => {
    const email = uniqueEmail()
    const token = await sessionTokenSetBy(await signUp({ name: 'A Person', email, password: 'a long enough password' }))
    const anonymous = await respond(() => loader({ request: new Request('http://localhost/signup'), params: {}, context: context() }))
    expect(anonymous.status).toBe(200)
    const signedIn = await respond(async () =>
      loader({ request: new Request('http://localhost/signup', { headers: { Cookie: await cookieHeaderFor(token!) } }), params: {}, context: context() }),
    )
    expect(signedIn.status).toBe(302)
    expect(signedIn.headers.get('Location')).toBe('/home')
  })
})
