import { describe, expect, test } from 'vitest'
import { addMember, createOrganisationWithAdmin, createUser } from '../../../tests/factories/organisations.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { changeMemberRole, LastAdminError, listMembers, NotOrganisationAdminError, removeMember } from './members.server.ts'

async function roleOf(organisationId: number, userId: number) {
  const row = await db.selectFrom('memberships').select('role').where('organisation_id', '=', organisationId).where('user_id', '=', userId).executeTakeFirst()
  return row?.role ?? null
}

describe('listMembers', () => {
  test('shows members to a member, and nothing to anyone else', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const colleague = await createUser(db, { name: 'Bea Colleague' })
    await addMember(db, organisation.id, colleague.id)
    const outsider = await createUser(db)

    const members = await listMembers(db, { viewerUserId: colleague.id, organisationId: organisation.id })
    expect(members.map((m) => [m.userId, m.role]).sort()).toEqual(
      [
        [admin.id, 'admin'],
        [colleague.id, 'member'],
      ].sort(),
    )
    expect(await listMembers(db, { viewerUserId: outsider.id, organisationId: organisation.id })).toEqual([])
  })
})

describe('changeMemberRole', () => {
  test('an organisation admin can make a member an admin, and it is audited', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const colleague = await createUser(db)
    await addMember(db, organisation.id, colleague.id)

    const result = await db
      .transaction()
      .execute((trx) => changeMemberRole(trx, { actorUserId: admin.id, organisationId: organisation.id, memberUserId: colleague.id, role: 'admin' }))
    expect(result).toEqual({ changed: true })
    expect(await roleOf(organisation.id, colleague.id)).toBe('admin')
    const audit = await db.selectFrom('audit_events').select(['action', 'actor_user_id', 'after']).where('action', '=', 'membership.role_changed').execute()
    expect(audit).toHaveLength(1)
    expect(audit[0].actor_user_id).toBe(admin.id)
    expect(JSON.parse(audit[0].after!)).toMatchObject({ user_id: colleague.id, role: 'admin' })
  })

  test('the last admin cannot be made a member', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const error = await db
      .transaction()
      .execute((trx) => changeMemberRole(trx, { actorUserId: admin.id, organisationId: organisation.id, memberUserId: admin.id, role: 'member' }))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LastAdminError)
    expect(error).toMatchObject({ status: 409 })
    expect(await roleOf(organisation.id, admin.id)).toBe('admin')
  })

  test('an admin can step down once there is another admin', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const colleague = await createUser(db)
    await addMember(db, organisation.id, colleague.id, 'admin')
    await db.transaction().execute((trx) => changeMemberRole(trx, { actorUserId: admin.id, organisationId: organisation.id, memberUserId: admin.id, role: 'member' }))
    expect(await roleOf(organisation.id, admin.id)).toBe('member')
  })

  test('two admins demoting each other at the same moment leave the organisation with one admin', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const second = await createUser(db)
    await addMember(db, organisation.id, second.id, 'admin')
    const demote = (actor: number, member: number) =>
      db.transaction().execute((trx) => changeMemberRole(trx, { actorUserId: actor, organisationId: organisation.id, memberUserId: member, role: 'member' }))

    const results = await Promise.allSettled([demote(admin.id, second.id), demote(second.id, admin.id)])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const admins = await db.selectFrom('memberships').select('user_id').where('organisation_id', '=', organisation.id).where('role', '=', 'admin').execute()
    expect(admins).toHaveLength(1)
  })

  test('a member who is not an admin cannot change roles', async () => {
    const { organisation } = await createOrganisationWithAdmin(db)
    const colleague = await createUser(db)
    await addMember(db, organisation.id, colleague.id)
    const error = await db
      .transaction()
      .execute((trx) => changeMemberRole(trx, { actorUserId: colleague.id, organisationId: organisation.id, memberUserId: colleague.id, role: 'admin' }))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NotOrganisationAdminError)
    expect(await roleOf(organisation.id, colleague.id)).toBe('member')
  })

  test("an admin of another organisation is told the organisation does not exist", async () => {
    const { organisation } = await createOrganisationWithAdmin(db)
    const { admin: otherAdmin } = await createOrganisationWithAdmin(db)
    const [member] = await listMembers(db, { viewerUserId: organisation.main_contact_user_id!, organisationId: organisation.id })
    const error = await db
      .transaction()
      .execute((trx) => changeMemberRole(trx, { actorUserId: otherAdmin.id, organisationId: organisation.id, memberUserId: member.userId, role: 'member' }))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NotFoundError)
  })
})

describe('removeMember', () => {
  test('an admin can remove a member', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const colleague = await createUser(db)
    await addMember(db, organisation.id, colleague.id)
    await db.transaction().execute((trx) => removeMember(trx, { actorUserId: admin.id, organisationId: organisation.id, memberUserId: colleague.id }))
    expect(await roleOf(organisation.id, colleague.id)).toBeNull()
    const audit = await db.selectFrom('audit_events').select('action').where('action', '=', 'membership.removed').execute()
    expect(audit.length).toBeGreaterThan(0)
  })

  test('the last admin cannot be removed', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const colleague = await createUser(db)
    await addMember(db, organisation.id, colleague.id)
    await expect(
      db.transaction().execute((trx) => removeMember(trx, { actorUserId: admin.id, organisationId: organisation.id, memberUserId: admin.id })),
    ).rejects.toBeInstanceOf(LastAdminError)
    expect(await roleOf(organisation.id, admin.id)).toBe('admin')
  })

  test('when the main contact leaves, another admin becomes the main contact', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const second = await createUser(db)
    await addMember(db, organisation.id, second.id, 'admin')
    await db.transaction().execute((trx) => removeMember(trx, { actorUserId: admin.id, organisationId: organisation.id, memberUserId: admin.id }))
    const row = await db.selectFrom('organisations').select('main_contact_user_id').where('id', '=', organisation.id).executeTakeFirstOrThrow()
    expect(row.main_contact_user_id).toBe(second.id)
  })

  test('a member cannot remove anyone', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const colleague = await createUser(db)
    await addMember(db, organisation.id, colleague.id)
    await expect(
      db.transaction().execute((trx) => removeMember(trx, { actorUserId: colleague.id, organisationId: organisation.id, memberUserId: admin.id })),
    ).rejects.toBeInstanceOf(NotOrganisationAdminError)
    expect(await roleOf(organisation.id, admin.id)).toBe('admin')
  })
})
