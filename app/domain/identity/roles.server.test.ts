import { describe, expect, test } from 'vitest'
import { addMember, createOrganisationWithAdmin, createUser } from '../../../tests/factories/organisations.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { createFunder } from '~/domain/funds/funds.server.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { DuplicateRoleGrantError, getUserAccess, grantRole, listUsers, revokeRole, RoleGrantError, SelfAdminRevokeError, type GrantRoleInput } from './roles.server.ts'

async function funder(name: string) {
  return db.transaction().execute((trx) => createFunder(trx, null, { name, kind: 'trust', orgIdentifier: null, placeId: null }))
}

async function grant(input: GrantRoleInput) {
  return db.transaction().execute((trx) => grantRole(trx, input))
}

async function rolesOf(userId: number) {
  return db.selectFrom('user_roles').select(['role', 'funder_id', 'granted_by']).where('user_id', '=', userId).orderBy('id').execute()
}

describe('grantRole', () => {
  test('grants a role, recording who granted it, and audits it', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const person = await createUser(db)
    await grant({ actorUserId: admin.id, userId: person.id, role: 'assessor' })
    expect(await rolesOf(person.id)).toEqual([{ role: 'assessor', funder_id: null, granted_by: admin.id }])
    const audit = await db.selectFrom('audit_events').select(['actor_user_id', 'entity_id']).where('action', '=', 'role.granted').execute()
    expect(audit).toEqual([{ actor_user_id: admin.id, entity_id: String(person.id) }])
  })

  test('the system can grant the first admin role, with no actor', async () => {
    const person = await createUser(db)
    await grant({ actorUserId: null, userId: person.id, role: 'admin' })
    expect(await rolesOf(person.id)).toEqual([{ role: 'admin', funder_id: null, granted_by: null }])
  })

  test('a funder viewer must be given a funder', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const person = await createUser(db)
    const error = await grant({ actorUserId: admin.id, userId: person.id, role: 'funder_viewer' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RoleGrantError)
    expect(error).toMatchObject({ field: 'funderId', status: 400 })
    expect(await rolesOf(person.id)).toEqual([])
  })

  test('a funder viewer may view several funders, one grant each', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const person = await createUser(db)
    const [lottery, council] = [await funder('Lottery Fund A'), await funder('Council B')]
    await grant({ actorUserId: admin.id, userId: person.id, role: 'funder_viewer', funderId: lottery.id })
    await grant({ actorUserId: admin.id, userId: person.id, role: 'funder_viewer', funderId: council.id })
    expect((await rolesOf(person.id)).map((r) => r.funder_id)).toEqual([lottery.id, council.id])
    await expect(grant({ actorUserId: admin.id, userId: person.id, role: 'funder_viewer', funderId: lottery.id })).rejects.toBeInstanceOf(DuplicateRoleGrantError)
  })

  test('other roles must not name a funder', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const person = await createUser(db)
    const trust = await funder('Trust C')
    await expect(grant({ actorUserId: admin.id, userId: person.id, role: 'fund_manager', funderId: trust.id })).rejects.toMatchObject({ field: 'funderId' })
  })

  test('an unknown funder is refused', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const person = await createUser(db)
    await expect(grant({ actorUserId: admin.id, userId: person.id, role: 'funder_viewer', funderId: 987_654 })).rejects.toMatchObject({ field: 'funderId' })
  })

  test('the same role cannot be granted twice (the unique index lets NULL funders repeat, so the code checks)', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const person = await createUser(db)
    await grant({ actorUserId: admin.id, userId: person.id, role: 'panel_chair' })
    const error = await grant({ actorUserId: admin.id, userId: person.id, role: 'panel_chair' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DuplicateRoleGrantError)
    expect(error).toMatchObject({ status: 409, field: 'role', message: 'This person already has the Panel chair role.' })
    expect(await rolesOf(person.id)).toHaveLength(1)
  })

  test('two identical grants at the same moment store one', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const person = await createUser(db)
    const results = await Promise.allSettled([
      grant({ actorUserId: admin.id, userId: person.id, role: 'fund_manager' }),
      grant({ actorUserId: admin.id, userId: person.id, role: 'fund_manager' }),
    ])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: expect.any(DuplicateRoleGrantError) })
    expect(await rolesOf(person.id)).toHaveLength(1)
  })

  test.each(['applicant', 'organisation_admin', 'superuser'])('%s cannot be granted directly', async (role) => {
    const admin = await createUserWithRole(db, 'admin')
    const person = await createUser(db)
    await expect(grant({ actorUserId: admin.id, userId: person.id, role })).rejects.toMatchObject({ field: 'role' })
  })

  test('a user who does not exist cannot be granted anything', async () => {
    const admin = await createUserWithRole(db, 'admin')
    await expect(grant({ actorUserId: admin.id, userId: 999_999, role: 'assessor' })).rejects.toBeInstanceOf(NotFoundError)
  })
})

describe('revokeRole', () => {
  test('an admin can remove another person’s role, and it is audited', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const otherAdmin = await createUserWithRole(db, 'admin')
    const [row] = await db.selectFrom('user_roles').select('id').where('user_id', '=', otherAdmin.id).execute()
    await db.transaction().execute((trx) => revokeRole(trx, { actorUserId: admin.id, userId: otherAdmin.id, grantId: row.id }))
    expect(await rolesOf(otherAdmin.id)).toEqual([])
    const audit = await db.selectFrom('audit_events').select(['actor_user_id', 'before']).where('action', '=', 'role.revoked').execute()
    expect(audit).toHaveLength(1)
    expect(JSON.parse(audit[0].before!)).toMatchObject({ role: 'admin', user_id: otherAdmin.id })
  })

  test('an admin cannot remove their own admin role', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const [row] = await db.selectFrom('user_roles').select('id').where('user_id', '=', admin.id).execute()
    const error = await db
      .transaction()
      .execute((trx) => revokeRole(trx, { actorUserId: admin.id, userId: admin.id, grantId: row.id }))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SelfAdminRevokeError)
    expect(error).toMatchObject({ status: 409 })
    expect(await rolesOf(admin.id)).toHaveLength(1)
  })

  test('an admin can remove their own other roles', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const assessor = await grant({ actorUserId: admin.id, userId: admin.id, role: 'assessor' })
    await db.transaction().execute((trx) => revokeRole(trx, { actorUserId: admin.id, userId: admin.id, grantId: assessor.id }))
    expect((await rolesOf(admin.id)).map((r) => r.role)).toEqual(['admin'])
  })

  test('a grant is only found under the user it belongs to', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const person = await createUserWithRole(db, 'assessor')
    const [row] = await db.selectFrom('user_roles').select('id').where('user_id', '=', person.id).execute()
    await expect(
      db.transaction().execute((trx) => revokeRole(trx, { actorUserId: admin.id, userId: admin.id, grantId: row.id })),
    ).rejects.toBeInstanceOf(NotFoundError)
    expect(await rolesOf(person.id)).toHaveLength(1)
  })
})

describe('listUsers', () => {
  test('pages through users by id, and searches names and emails case-insensitively', async () => {
    const created = []
    for (const name of ['Zed Alpha', 'Yan Beta', 'Xia Gamma', 'Wes Delta', 'Vic Epsilon']) created.push(await createUser(db, { name, email: `${name.split(' ')[1].toLowerCase()}@paging.example` }))
    const all = await listUsers(db, { limit: 1000 })
    const ids = all.users.map((u) => u.id)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))

    const seen: number[] = []
    let after: number | null = null
    do {
      const page = await listUsers(db, { after, limit: 2, q: 'PAGING.example' })
      expect(page.users.length).toBeLessThanOrEqual(2)
      seen.push(...page.users.map((u) => u.id))
      after = page.nextAfter
    } while (after !== null)
    expect(seen).toEqual(created.map((u) => u.id))

    expect((await listUsers(db, { limit: 10, q: 'gamma' })).users.map((u) => u.name)).toEqual(['Xia Gamma'])
  })

  test('a % or _ typed into the search means itself', async () => {
    await createUser(db, { name: 'Percent Person', email: 'a%b@wild.example' })
    await createUser(db, { name: 'Plain Person', email: 'axb@wild.example' })
    expect((await listUsers(db, { limit: 10, q: 'a%b' })).users.map((u) => u.email)).toEqual(['a%b@wild.example'])
    expect((await listUsers(db, { limit: 10, q: '_b@wild' })).users).toEqual([])
  })

  test('shows each user’s granted roles', async () => {
    const assessor = await createUserWithRole(db, 'assessor')
    const page = await listUsers(db, { limit: 10, q: assessor.email })
    expect(page.users).toEqual([expect.objectContaining({ id: assessor.id, roles: ['assessor'] })])
  })
})

test('getUserAccess shows a user’s grants with funder names, and their organisations', async () => {
  const admin = await createUserWithRole(db, 'admin')
  const person = await createUser(db)
  const trust = await funder('Trust D')
  await grant({ actorUserId: admin.id, userId: person.id, role: 'funder_viewer', funderId: trust.id })
  const { organisation } = await createOrganisationWithAdmin(db)
  await addMember(db, organisation.id, person.id)

  const access = await getUserAccess(db, person.id)
  expect(access?.grants).toEqual([expect.objectContaining({ role: 'funder_viewer', roleLabel: 'Funder viewer', funderName: 'Trust D' })])
  expect(access?.memberships).toEqual([{ organisationId: organisation.id, organisationName: organisation.name, role: 'member' }])
  expect(await getUserAccess(db, 999_999)).toBeUndefined()
})
