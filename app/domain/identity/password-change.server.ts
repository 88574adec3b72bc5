/** Changing a password while signed in: proves the current one, signs out every other session and rotates this one. */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { enqueueEmail } from '~/domain/messages/outbox.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import { WrongPasswordError } from './errors.ts'
import { assertPasswordAllowed, hashPassword, verifyPassword } from './passwords.server.ts'
import { openSession, revokeUserSessions } from './sessions.server.ts'

export interface ChangePasswordInput {
  userId: number
  /** The session the change is made from: it carries on under a new token; every other session is revoked. */
  sessionId: number
  currentPassword: string
  newPassword: string
  /** Whether the current session had passed the second factor: the rotated session keeps that. */
  secondFactorVerified: boolean
  ip: string
  userAgent: string | null
}

/**
 * Returns the new session token (the cookie must be re-set): the old token, and every other session of the account,
 * stop working.
 */
export async function changePassword(trx: Transaction<DB>, input: ChangePasswordInput): Promise<{ token: string }> {
  const user = await trx.selectFrom('users').select(['id', 'email', 'name', 'password_hash']).where('id', '=', input.userId).executeTakeFirstOrThrow()
  if (!user.password_hash || !(await verifyPassword(user.password_hash, input.currentPassword))) throw new WrongPasswordError('currentPassword')
  assertPasswordAllowed(input.newPassword, 'newPassword')
  const now = new Date()
  const passwordHash = await hashPassword(input.newPassword)
  await trx.updateTable('users').set({ password_hash: passwordHash, password_changed_at: now.toISOString(), updated_at: now.toISOString() }).where('id', '=', user.id).execute()
  const otherSessionsRevoked = await revokeUserSessions(trx, { userId: user.id, exceptSessionId: input.sessionId, now })
  // Then the current one, which is replaced by a session with a new token.
  await revokeUserSessions(trx, { userId: user.id, now })
  const session = await openSession(trx, { userId: user.id, ip: input.ip, userAgent: input.userAgent, previousToken: null, secondFactor: input.secondFactorVerified })
  await enqueueEmail(trx, { template: 'password-changed', to: user.email, data: { name: user.name } })
  await recordAudit(trx, {
    actorUserId: user.id,
    action: 'user.password_changed',
    entityType: 'user',
    entityId: user.id,
    after: { otherSessionsRevoked, sessionId: session.sessionId },
  })
  return { token: session.token }
}
