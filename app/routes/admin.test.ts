import { describe, expect, test } from 'vitest'
import { createOrganisationWithAdmin, createUser } from '../../tests/factories/organisations.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { createFunder } from '~/domain/funds/funds.server.ts'
import { replyErrors, respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { loader as auditLoader } from './admin.audit.tsx'
import { loader as adminLoader } from './admin._index.tsx'
import { action as userAction, loader as userLoader } from './admin.users.$userId.tsx'
import { loader as usersLoader } from './admin.users._index.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function get(loader: typeof adminLoader | typeof usersLoader | typeof auditLoader, url: string, userId: number) {
  return respond(async () => loader({ request: await signedInRequest(url, { userId }), params: {}, context }))
}

async function getUser(userId: number, asUserId: number) {
  return respond(async () => userLoader({ request: await signedInRequest(`/admin/users/${userId}`, { userId: asUserId }), params: { userId: String(userId) }, context }))
}

async function postUser(userId: number, asUserId: number, body: Record<string, string>) {
  return respond(async () =>
    userAction({ request: await signedInRequest(`/admin/users/${userId}`, { userId: asUserId, body }), params: { userId: String(userId) }, context }),
  )
}

async function rolesOf(userId: number) {
  return db.selectFrom('user_roles').select(['id', 'role', 'funder_id']).where('user_id', '=', userId).orderBy('id').execute()
}

describe('guards', () => {
  test('people without the admin role get 403 on every admin page and action', async () => {
    const fundManager = await createUserWithRole(db, 'fund_manager')
    const { admin: organisationAdmin } = await createOrganisationWithAdmin(db)
    for (const person of [fundManager, organisationAdmin]) {
      expect((await get(adminLoader, '/admin', person.id)).status).toBe(403)
      expect((await get(usersLoader, '/admin/users', person.id)).status).toBe(403)
      expect((await get(auditLoader, '/admin/audit', person.id)).status).toBe(403)
      expect((await getUser(person.id, person.id)).status).toBe(403)
      expect((await postUser(person.id, person.id, { intent: 'grant', role: 'admin' })).status).toBe(403)
    }
    expect((await rolesOf(organisationAdmin.id)).map((r) => r.role)).toEqual([])
  })

  test('a visitor who is not signed in is sent to sign in', async () => {
    const response = await respond(() => adminLoader({ request: new Request('http://localhost/admin'), params: {}, context }))
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/login?redirectTo=%2Fadmin')
  })

  test('an admin sees the admin home with links to the outbox and audit trail', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const response = await get(adminLoader, '/admin', admin.id)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ canReadOutbox: true, canReadAudit: true })
  })
})

describe('/admin/users', () => {
  test('lists users a page at a time and searches by name or email', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const people = []
    for (const name of ['Fern Search', 'Gus Search', 'Hal Search']) people.push(await createUser(db, { name, email: `${name.split(' ')[0].toLowerCase()}@find.example` }))

    const first = await (await get(usersLoader, '/admin/users?q=find.example', admin.id)).json()
    expect(first.users.map((u: { id: number }) => u.id)).toEqual(people.map((p) => p.id))
    expect(first.nextAfter).toBeNull()

    const byName = await (await get(usersLoader, '/admin/users?q=GUS', admin.id)).json()
    expect(byName.users.map((u: { name: string }) => u.name)).toEqual(['Gus Search'])

    const next = await (await get(usersLoader, `/admin/users?q=find.example&after=${people[0].id}`, admin.id)).json()
    expect(next.users.map((u: { id: number }) => u.id)).toEqual([people[1].id, people[2].id])
  })

  test('a bad page cursor is a 400', async () => {
    const admin = await createUserWithRole(db, 'admin')
    expect((await get(usersLoader, '/admin/users?after=-3', admin.id)).status).toBe(400)
  })
})

describe('/admin/users/<id>', () => {
  test('a user who does not exist is 404', async () => {
    const admin = await createUserWithRole(db, 'admin')
    expect((await getUser(999_999, admin.id)).status).toBe(404)
  })

  test('shows a person’s roles, memberships and the funders to choose from', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const { organisation, admin: person } = await createOrganisationWithAdmin(db)
    const response = await getUser(person.id, admin.id)
    expect(response.status).toBe(200)
    const data = await response.json()
    expect(data.user).toMatchObject({ id: person.id, email: person.email })
    expect(data.memberships).toEqual([{ organisationId: organisation.id, organisationName: organisation.name, role: 'admin' }])
    expect(data.isYou).toBe(false)
  })

  test('granting funder viewer without a funder is a 400 on the funder field; with one it is granted', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const person = await createUser(db)
    const funder = await db.transaction().execute((trx) => createFunder(trx, null, { name: 'Grant Route Trust', kind: 'trust', orgIdentifier: null, placeId: null }))

    const missing = await postUser(person.id, admin.id, { intent: 'grant', role: 'funder_viewer', funderId: '' })
    expect(missing.status).toBe(400)
    expect((await replyErrors(missing)).fields.funderId).toEqual(['Select the funder whose figures this person may see'])

    const granted = await postUser(person.id, admin.id, { intent: 'grant', role: 'funder_viewer', funderId: String(funder.id) })
    expect(granted.status).toBe(302)
    expect(granted.headers.get('Location')).toBe(`/admin/users/${person.id}`)
    expect(await rolesOf(person.id)).toEqual([expect.objectContaining({ role: 'funder_viewer', funder_id: funder.id })])

    const duplicate = await postUser(person.id, admin.id, { intent: 'grant', role: 'funder_viewer', funderId: String(funder.id) })
    expect(duplicate.status).toBe(409)
    expect((await replyErrors(duplicate)).fields.role).toEqual(['This person is already a funder viewer for that funder.'])
  })

  test('a role that cannot be granted is a 400 on the role field', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const person = await createUser(db)
    const response = await postUser(person.id, admin.id, { intent: 'grant', role: 'organisation_admin' })
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).fields.role).toEqual(['Select a role'])
    expect(await rolesOf(person.id)).toEqual([])
  })

  test('an admin cannot remove their own admin role (409) but can remove someone else’s role', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const [own] = await rolesOf(admin.id)
    const refused = await postUser(admin.id, admin.id, { intent: 'revoke', grantId: String(own.id) })
    expect(refused.status).toBe(409)
    expect(await refused.json()).toEqual({ form: 'roles', message: 'You cannot remove your own administrator role. Ask another administrator to do it.' })
    expect(await rolesOf(admin.id)).toHaveLength(1)

    const assessor = await createUserWithRole(db, 'assessor')
    const [grant] = await rolesOf(assessor.id)
    const removed = await postUser(assessor.id, admin.id, { intent: 'revoke', grantId: String(grant.id) })
    expect(removed.status).toBe(302)
    expect(await rolesOf(assessor.id)).toEqual([])
  })

  test('a grant cannot be removed through another user’s page', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const assessor = await createUserWithRole(db, 'assessor')
    const other = await createUser(db)
    const [grant] = await rolesOf(assessor.id)
    expect((await postUser(other.id, admin.id, { intent: 'revoke', grantId: String(grant.id) })).status).toBe(404)
    expect(await rolesOf(assessor.id)).toHaveLength(1)
  })
})

describe('/admin/audit', () => {
  test('shows the newest events, filters by record type, and says the chain is intact', async () => {
    const admin = await createUserWithRole(db, 'admin')
    await createOrganisationWithAdmin(db)
    const all = await (await get(auditLoader, '/admin/audit', admin.id)).json()
    const total = await db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    expect(all.verification).toMatchObject({ ok: true, events: Number(total.n) })
    const ids = all.events.map((e: { id: number }) => e.id)
    expect(ids).toEqual([...ids].sort((a, b) => b - a))
    expect(all.types).toContain('organisation')

    const organisations = await (await get(auditLoader, '/admin/audit?entity=organisation', admin.id)).json()
    expect(organisations.events.length).toBeGreaterThan(0)
    expect(organisations.events.every((e: { entity_type: string }) => e.entity_type === 'organisation')).toBe(true)
  })

  test('pages back through older events', async () => {
    const admin = await createUserWithRole(db, 'admin')
    for (let i = 0; i < 3; i++) await createOrganisationWithAdmin(db)
    const newest = await (await get(auditLoader, '/admin/audit', admin.id)).json()
    const before = newest.events[1].id
    const older = await (await get(auditLoader, `/admin/audit?before=${before}`, admin.id)).json()
    expect(older.events[0].id).toBeLessThan(before)
    expect(older.isFirstPage).toBe(false)
  })

  test('reports where the chain is broken when an event was edited', async () => {
    const admin = await createUserWithRole(db, 'admin')
    await createOrganisationWithAdmin(db)
    const target = await db.selectFrom('audit_events').select(['id', 'action']).orderBy('id').executeTakeFirstOrThrow()
    await db.updateTable('audit_events').set({ action: 'tampered' }).where('id', '=', target.id).execute()
    try {
      const data = await (await get(auditLoader, '/admin/audit', admin.id)).json()
      expect(data.verification).toMatchObject({ ok: false, brokenAt: target.id, reason: `event ${target.id} was changed after it was written` })
    } finally {
      await db.updateTable('audit_events').set({ action: target.action }).where('id', '=', target.id).execute()
    }
  })
})
