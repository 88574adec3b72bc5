/**
 * Signed-in sessions as the identity rules see them: a new session (and a new token) at every sign-in, revocation of
 * the session a browser presented before, of every session at a password reset, of the others at a password change.
 * The cookie and token mechanics live in ~/lib/session.server.ts.
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import { hashToken, revokeSessionByToken, startSession } from '~/lib/session.server.ts'

export interface OpenSessionInput {
  userId: number
  ip: string
  userAgent: string | null
  /** The token of the session cookie the browser sent, if any: it is revoked, so a fixated token is worthless. */
  previousToken: string | null
  /** True when the second factor is already proven (or the session continues one that had proven it). */
  secondFactor: boolean
}

/** A new session with a new token; the caller audits why (sign-up, sign-in, password change). */
export async function openSession(trx: Transaction<DB>, input: OpenSessionInput): Promise<{ token: string; sessionId: number }> {
  if (input.previousToken) await revokeSessionByToken(trx, input.previousToken)
  return startSession(trx, { userId: input.userId, ip: input.ip, userAgent: input.userAgent, secondFactor: input.secondFactor })
}

/** Revokes every live session of a user, or every one but `exceptSessionId`. Returns how many were revoked. */
export async function revokeUserSessions(trx: Transaction<DB>, input: { userId: number; exceptSessionId?: number; now?: Date }): Promise<number> {
  let query = trx
    .updateTable('sessions')
    .set({ revoked_at: (input.now ?? new Date()).toISOString() })
    .where('user_id', '=', input.userId)
    .where('revoked_at', 'is', null)
  if (input.exceptSessionId !== undefined) query = query.where('id', '<>', input.exceptSessionId)
  const result = await query.executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/** Signs out: revokes the session behind a cookie token. A token that is unknown or already revoked changes nothing. */
export async function signOut(trx: Transaction<DB>, input: { token: string }): Promise<void> {
  const session = await trx
    .selectFrom('sessions')
    .select(['id', 'user_id'])
    .where('token_hash', '=', hashToken(input.token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  if (!session) return
  await revokeSessionByToken(trx, input.token)
  await recordAudit(trx, { actorUserId: session.user_id, action: 'user.signed_out', entityType: 'user', entityId: session.user_id, after: { sessionId: session.id } })
}

/** Marks a session as having passed the second factor (after a TOTP code, or on turning TOTP on). */
export async function markSecondFactor(trx: Transaction<DB>, input: { sessionId: number; now?: Date }): Promise<void> {
  await trx
    .updateTable('sessions')
    .set({ second_factor_at: (input.now ?? new Date()).toISOString() })
    .where('id', '=', input.sessionId)
    .execute()
}
