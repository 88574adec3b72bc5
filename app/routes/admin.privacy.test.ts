import { describe, expect, test } from 'vitest'
import { createOrganisationWithAdmin, createUser } from '../../tests/factories/organisations.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { replyErrors, respond } from '~/domain/identity/test-support.server.ts'
import { createPersonWithHistory, SECRET_PASSWORD_HASH } from '~/domain/privacy/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { loader as accountDataLoader } from './account.data[.]json.ts'
import { action as privacyAction, loader as privacyLoader } from './admin.privacy.tsx'
import { loader as userDataLoader } from './admin.users.$userId_.data[.]json.ts'
import { action as eraseAction, loader as eraseLoader } from './admin.users.$userId_.erase.tsx'
import { loader as userLoader } from './admin.users.$userId.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

type Handler = (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>

async function call(fn: Handler, url: string, userId: number, params: Record<string, string> = {}, body?: Record<string, string>) {
  const request = await signedInRequest(url, { userId, body })
  return respond(() => fn({ request, params, context }))
}

async function auditCount(action: string) {
  const { n } = await db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', action).executeTakeFirstOrThrow()
  return Number(n)
}

const erasePost = (userId: number, asUserId: number, body: Record<string, string>) => call(eraseAction as Handler, `/admin/users/${userId}/erase`, asUserId, { userId: String(userId) }, body)

describe('/account/data.json', () => {
  test('a signed-in person downloads their own data as a dated JSON attachment, and the download is audited', async () => {
    const h = await createPersonWithHistory()
    const before = await auditCount('privacy.subject_access_exported')
    const response = await call(accountDataLoader as Handler, '/account/data.json', h.person.id)
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
    expect(response.headers.get('Content-Disposition')).toMatch(new RegExp(`^attachment; filename="commonpot-personal-data-${h.person.id}-\\d{4}-\\d{2}-\\d{2}\\.json"$`))
    const text = await response.text()
    expect(text).not.toContain(SECRET_PASSWORD_HASH)
    const data = JSON.parse(text)
    expect(data.person.email).toBe(h.person.email)
    expect(data.applications.created[0].answers).toMatchObject({ summary: 'Priya’s weekly knitting group' })
    expect(await auditCount('privacy.subject_access_exported')).toBe(before + 1)
  })

  test('a visitor who is not signed in is sent to sign in', async () => {
    const response = await respond(() => accountDataLoader({ request: new Request('http://localhost/account/data.json'), params: {}, context }))
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/login?redirectTo=%2Faccount%2Fdata.json')
  })
})

describe('/admin/users/<id>/data.json', () => {
  test('an administrator downloads anyone’s data; the download is audited against them', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const h = await createPersonWithHistory()
    const response = await call(userDataLoader as Handler, `/admin/users/${h.person.id}/data.json`, admin.id, { userId: String(h.person.id) })
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Disposition')).toContain(`commonpot-personal-data-${h.person.id}-`)
    expect((await response.json()).person.id).toBe(h.person.id)
    const event = await db.selectFrom('audit_events').selectAll().where('action', '=', 'privacy.subject_access_exported').orderBy('id', 'desc').executeTakeFirstOrThrow()
    expect(event).toMatchObject({ actor_user_id: admin.id, entity_id: String(h.person.id) })
  })

  test('another person — even an organisation admin or a fund manager — cannot download someone else’s data (403)', async () => {
    const h = await createPersonWithHistory()
    const { admin: colleague } = await createOrganisationWithAdmin(db)
    const manager = await createUserWithRole(db, 'fund_manager')
    const before = await auditCount('privacy.subject_access_exported')
    for (const who of [colleague, manager]) {
      const response = await call(userDataLoader as Handler, `/admin/users/${h.person.id}/data.json`, who.id, { userId: String(h.person.id) })
      expect(response.status).toBe(403)
    }
    expect(await auditCount('privacy.subject_access_exported')).toBe(before)
  })

  test('an unknown user is 404', async () => {
    const admin = await createUserWithRole(db, 'admin')
    expect((await call(userDataLoader as Handler, '/admin/users/999999/data.json', admin.id, { userId: '999999' })).status).toBe(404)
    expect((await call(userDataLoader as Handler, '/admin/users/x/data.json', admin.id, { userId: 'x' })).status).toBe(404)
  })

  test('the user page offers the download and the erase link to an administrator', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const person = await createUser(db)
    const data = await (await call(userLoader as Handler, `/admin/users/${person.id}`, admin.id, { userId: String(person.id) })).json()
    expect(data.canManagePersonalData).toBe(true)
  })
})

describe('/admin/users/<id>/erase', () => {
  test('shows who will be erased, their organisations and whether any is left without an admin', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const h = await createPersonWithHistory()
    const response = await call(eraseLoader as Handler, `/admin/users/${h.person.id}/erase`, admin.id, { userId: String(h.person.id) })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ id: h.person.id, name: 'Priya Subject', anonymised: false, isYou: false, applicationsCreated: 1, organisations: [{ id: h.organisationId, otherAdmins: 0 }] })
  })

  test('a missing reason and a wrong confirmation are field messages with a 400, and nothing is erased', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const h = await createPersonWithHistory()
    const response = await erasePost(h.person.id, admin.id, { reason: '  ', confirm: 'erase' })
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).fields).toEqual({ reason: ['Enter the reason for erasing this person'], confirm: ['Type ERASE, in capital letters, to confirm'] })
    const user = await db.selectFrom('users').select(['anonymised_at', 'email']).where('id', '=', h.person.id).executeTakeFirstOrThrow()
    expect(user).toEqual({ anonymised_at: null, email: h.person.email })
  })

  test('with a reason and ERASE the person is anonymised and the admin goes back to their page; a second time is a 409', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const h = await createPersonWithHistory()
    const response = await erasePost(h.person.id, admin.id, { reason: 'Asked by the person', confirm: 'ERASE' })
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe(`/admin/users/${h.person.id}`)
    const user = await db.selectFrom('users').select(['name', 'anonymised_at']).where('id', '=', h.person.id).executeTakeFirstOrThrow()
    expect(user.name).toBe(`Former user ${h.person.id}`)

    const again = await erasePost(h.person.id, admin.id, { reason: 'Asked by the person', confirm: 'ERASE' })
    expect(again.status).toBe(409)
    expect((await replyErrors(again)).form).toEqual(['This person has already been erased.'])
  })

  test('an administrator cannot erase themselves (409), and the erased person can no longer sign in with their session', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const self = await erasePost(admin.id, admin.id, { reason: 'Leaving', confirm: 'ERASE' })
    expect(self.status).toBe(409)
    expect((await replyErrors(self)).form).toEqual(['You cannot erase your own account. Ask another administrator to do it.'])

    const person = await createUser(db)
    const request = await signedInRequest('/account/data.json', { userId: person.id })
    expect((await erasePost(person.id, admin.id, { reason: 'Asked by the person', confirm: 'ERASE' })).status).toBe(302)
    const response = await respond(() => accountDataLoader({ request, params: {}, context }))
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toMatch(/^\/login/)
  })

  test('people without the personal-data permission get 403 and erase nothing', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const person = await createUser(db)
    expect((await call(eraseLoader as Handler, `/admin/users/${person.id}/erase`, manager.id, { userId: String(person.id) })).status).toBe(403)
    expect((await erasePost(person.id, manager.id, { reason: 'No', confirm: 'ERASE' })).status).toBe(403)
    expect((await db.selectFrom('users').select('anonymised_at').where('id', '=', person.id).executeTakeFirstOrThrow()).anonymised_at).toBeNull()
  })
})

describe('/admin/privacy', () => {
  test('shows the retention period (24 months by default) and what the next run would do', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const response = await call(privacyLoader as Handler, '/admin/privacy', admin.id)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ declinedApplicationMonths: 24, dueCount: 0, lastRun: null })
  })

  test('a period outside 6 to 120 months, or not a number, is a field message with a 400 and nothing is saved', async () => {
    const admin = await createUserWithRole(db, 'admin')
    for (const [value, message] of [
      ['5', 'Keep applications for at least 6 months'],
      ['121', 'Keep applications for at most 120 months (10 years)'],
      ['two years', 'Enter the number of months as a whole number, like 24'],
      ['', 'Enter the number of months'],
    ]) {
      const response = await call(privacyAction as Handler, '/admin/privacy', admin.id, {}, { declinedApplicationMonths: value })
      expect(response.status).toBe(400)
      expect((await replyErrors(response)).fields).toEqual({ declinedApplicationMonths: [message] })
    }
    expect(await auditCount('privacy.retention_changed')).toBe(0)
  })

  test('a valid period is saved and audited; others get 403', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const response = await call(privacyAction as Handler, '/admin/privacy', admin.id, {}, { declinedApplicationMonths: '36' })
    expect(response.status).toBe(302)
    expect(await (await call(privacyLoader as Handler, '/admin/privacy', admin.id)).json()).toMatchObject({ declinedApplicationMonths: 36 })
    expect(await auditCount('privacy.retention_changed')).toBe(1)

    const manager = await createUserWithRole(db, 'fund_manager')
    expect((await call(privacyLoader as Handler, '/admin/privacy', manager.id)).status).toBe(403)
    expect((await call(privacyAction as Handler, '/admin/privacy', manager.id, {}, { declinedApplicationMonths: '12' })).status).toBe(403)
  })
})
