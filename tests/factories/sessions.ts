/**
 * Signed-in users for route tests: create a user holding a role, then build a Request that carries a live session
 * cookie for them, and call a route's loader or action with it.
 *
 *   const admin = await createUserWithRole(db, 'admin')
 *   const response = await loader({ request: await signedInRequest('/admin/outbox', { userId: admin.id }), params: {}, context })
 */
import crypto from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { db as appDb } from '../../app/lib/db.server.ts'
import { ROLES_REQUIRING_2FA, type GRANTABLE_ROLES } from '../../app/lib/policy.ts'
import { commitSessionCookie, startSession } from '../../app/lib/session.server.ts'

export type GrantableRole = (typeof GRANTABLE_ROLES)[number]

export interface TestUser {
  id: number
  email: string
  name: string
}

/**
 * A user holding one role. Two-factor authentication is enabled when asked, and by default for the roles that require
 * it (finance officer, admin), so their sessions are let through the two-factor guard.
 */
export async function createUserWithRole(db: Kysely<DB>, role: GrantableRole, options: { totp?: boolean; name?: string } = {}): Promise<TestUser> {
  const totp = options.totp ?? ROLES_REQUIRING_2FA.includes(role)
  const email = `${role.replace(/_/g, '-')}-${crypto.randomBytes(4).toString('hex')}@example.org`
  const name = options.name ?? `Test ${role.replace(/_/g, ' ')}`
  const now = new Date().toISOString()
  const user = await db
    .insertInto('users')
    .values({ email, name, totp_enabled_at: totp ? now : null, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow()
  await db.insertInto('user_roles').values({ user_id: user.id, role }).execute()
  return { id: user.id, email, name }
}

/**
 * A Request to `url` (a path or a full URL) with a fresh session cookie for the user, its second factor already passed.
 * The session is created in the app's database (the one each test file gets).
 */
export async function signedInRequest(
  url: string,
  options: { userId: number; method?: string; body?: URLSearchParams | FormData | Record<string, string> },
): Promise<Request> {
  const { token } = await appDb
    .transaction()
    .execute((trx) => startSession(trx, { userId: options.userId, ip: '127.0.0.1', userAgent: 'vitest', secondFactor: true }))
  const cookie = (await commitSessionCookie(token)).split(';')[0]!
  const body =
    options.body === undefined || options.body instanceof URLSearchParams || options.body instanceof FormData
      ? options.body
      : new URLSearchParams(options.body)
  return new Request(new URL(url, 'http://localhost'), {
    method: options.method ?? (body ? 'POST' : 'GET'),
    headers: { Cookie: cookie, Origin: 'http://localhost' },
    body,
  })
}
