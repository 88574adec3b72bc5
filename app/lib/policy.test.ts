import { describe, expect, test } from 'vitest'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { addMember, createOrganisationWithAdmin, createUser } from '../../tests/factories/organisations.ts'
import { db } from './db.server.ts'
import { requirePermission } from './guards.server.ts'
import { GRANTABLE_ROLES, PERMISSIONS, POLICY, ROLES, ROLES_REQUIRING_2FA, type Permission, type Role } from './policy.ts'

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise
    return 200
  } catch (e) {
    if (e instanceof Response) return e.status
    throw e
  }
}

/** A signed-in request for someone who holds exactly this role. */
async function requestAs(role: Role): Promise<Request> {
  if (role === 'applicant' || role === 'organisation_admin') {
    const { admin, member } = await createOrganisationWithAdminAndMember()
    return signedInRequest('/somewhere', { userId: role === 'applicant' ? member : admin })
  }
  const user = await createUserWithRole(db, role)
  return signedInRequest('/somewhere', { userId: user.id })
}

async function createOrganisationWithAdminAndMember(): Promise<{ admin: number; member: number }> {
  const { organisation, admin } = await createOrganisationWithAdmin(db)
  const member = await createUser(db)
  await addMember(db, organisation.id, member.id, 'member')
  return { admin: admin.id, member: member.id }
}

describe('the policy table', () => {
  test('names only known permissions, and every permission belongs to at least one role', () => {
    for (const role of ROLES) for (const p of POLICY[role]) expect(PERMISSIONS).toContain(p)
    const granted = new Set(ROLES.flatMap((r) => POLICY[r]))
    for (const p of PERMISSIONS) expect(granted, `no role has ${p}`).toContain(p)
  })

  test('people who move money or administer people must use two-factor authentication', () => {
    expect([...ROLES_REQUIRING_2FA].sort()).toEqual(['admin', 'finance_officer'])
    for (const r of ROLES_REQUIRING_2FA) expect(GRANTABLE_ROLES).toContain(r)
  })

  test('a funder viewer can read only funder-scoped reports, never applications or money movements', () => {
    expect(POLICY.funder_viewer).toEqual(['read:report:funder'])
  })

  // Every role against every permission, through the real guard with a real session.
  for (const role of ROLES) {
    test(`requirePermission lets a ${role} do exactly what the table says`, async () => {
      for (const permission of PERMISSIONS as readonly Permission[]) {
        const expected = POLICY[role].includes(permission) ? 200 : 403
        const status = await statusOf(requirePermission(await requestAs(role), permission))
        expect(status, `${role} / ${permission}`).toBe(expected)
      }
    })
  }

  test('anonymous people are sent to sign in, whatever the permission', async () => {
    for (const permission of PERMISSIONS) {
      const status = await statusOf(requirePermission(new Request('http://localhost/somewhere'), permission))
      expect(status).toBe(302)
    }
  })
})
