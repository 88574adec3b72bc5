import { describe, expect, test } from 'vitest'
import { context, createPerson, get, post, respond, sessionFor } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { findLiveSession } from '~/lib/session.server.ts'
import { action, loader } from './logout.tsx'

describe('sign out', () => {
  test('posting revokes the session in the database, clears the cookie and says so', async () => {
    const person = await createPerson()
    const session = await sessionFor(person.id)
    const other = await sessionFor(person.id)
    const response = await respond(() => action({ request: post('/logout', {}, { cookie: session.cookie }), params: {}, context: context() }))
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/')
    const cookies = response.headers.getSetCookie()
    expect(cookies.find((c) => c.startsWith('cp_session='))).toMatch(/^cp_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/)
    expect(cookies.some((c) => c.startsWith('cp_flash='))).toBe(true)
    expect(await findLiveSession(db, session.token)).toBeUndefined()
    // Only this browser is signed out.
    expect(await findLiveSession(db, other.token)).toBeDefined()
    const audit = await db.selectFrom('audit_events').select('action').where('entity_id', '=', String(person.id)).execute()
    expect(audit.map((a) => a.action)).toContain('user.signed_out')
  })

  test('a revoked token no longer signs anyone in, even if a copy of the cookie is replayed', async () => {
    const person = await createPerson()
    const session = await sessionFor(person.id)
    await respond(() => action({ request: post('/logout', {}, { cookie: session.cookie }), params: {}, context: context() }))
    const page = await respond(() => loader({ request: get('/logout', { cookie: session.cookie }), params: {}, context: context() }))
    expect(page.status).toBe(302)
    expect(page.headers.get('Location')).toBe('/')
  })

  test('signing out with no session still clears the cookie and goes home', async () => {
    const response = await respond(() => action({ request: post('/logout', {}), params: {}, context: context() }))
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/')
  })

  test('the sign-out page is shown to someone signed in', async () => {
    const person = await createPerson()
    const { cookie } = await sessionFor(person.id)
    expect((await respond(() => loader({ request: get('/logout', { cookie }), params: {}, context: context() }))).status).toBe(200)
  })
})
