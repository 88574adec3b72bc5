/**
 * Password reset by email link. The link carries a random token; only its SHA-256 is stored, it lasts an hour and
 * works once. Asking for a reset looks the same whether or not the address has an account (no enumeration), and a
 * completed reset signs the person out everywhere.
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { enqueueEmail } from '~/domain/messages/outbox.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { hashToken, newToken } from '~/lib/session.server.ts'
import { ResetTokenInvalidError } from './errors.ts'
import { assertPasswordAllowed, hashPassword } from './passwords.server.ts'
import { revokeUserSessions } from './sessions.server.ts'
import { normaliseEmail } from './users.server.ts'

export const RESET_TOKEN_TTL_MINUTES = 60
/** More requests than this in an hour send nothing more (so the form cannot be used to flood someone's inbox). */
export const MAX_RESET_EMAILS_PER_HOUR = 3

export interface RequestPasswordResetInput {
  email: string
  /** The absolute address of the reset page, e.g. "https://commonpot.example/reset-password". */
  resetPageUrl: string
  now?: Date
}

/**
 * Emails a reset link if the address has an account. Returns the token (for tests and tools; routes must answer the
 * same whatever this returns), or null when nothing was sent.
 */
export async function requestPasswordReset(trx: Transaction<DB>, input: RequestPasswordResetInput): Promise<{ token: string; expiresAt: string } | null> {
  const now = input.now ?? new Date()
  const user = await trx
    .selectFrom('users')
    .select(['id', 'email', 'name'])
    .where('email', '=', normaliseEmail(input.email))
    .where('anonymised_at', 'is', null)
    .executeTakeFirst()
  if (!user) return null
  const hourAgo = new Date(now.getTime() - 60 * 60_000).toISOString()
  const recent = await trx
    .selectFrom('password_reset_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', user.id)
    .where('created_at', '>', hourAgo)
    .executeTakeFirstOrThrow()
  if (Number(recent.n) >= MAX_RESET_EMAILS_PER_HOUR) return null

  const token = newToken()
  const expiresAt = new Date(now.getTime() + RESET_TOKEN_TTL_MINUTES * 60_000).toISOString()
  const row = await trx
    .insertInto('password_reset_tokens')
    .values({ token_hash: hashToken(token), user_id: user.id, expires_at: expiresAt, created_at: now.toISOString() })
    .returning('id')
    .executeTakeFirstOrThrow()
  const resetUrl = `${input.resetPageUrl}?token=${encodeURIComponent(token)}`
  await enqueueEmail(trx, {
    template: 'password-reset',
    to: user.email,
    data: { name: user.name, resetUrl, expiresInMinutes: RESET_TOKEN_TTL_MINUTES },
    idempotencyKey: `password-reset:${row.id}`,
  })
  await recordAudit(trx, { actorUserId: null, action: 'user.password_reset_requested', entityType: 'user', entityId: user.id, after: { resetTokenId: row.id, expiresAt } })
  return { token, expiresAt }
}

async function findUsableToken(db: Db, token: string, now: Date) {
  return db
    .selectFrom('password_reset_tokens')
    .innerJoin('users', 'users.id', 'password_reset_tokens.user_id')
    .select(['password_reset_tokens.id', 'password_reset_tokens.user_id', 'users.email', 'users.name'])
    .where('password_reset_tokens.token_hash', '=', hashToken(token))
    .where('password_reset_tokens.used_at', 'is', null)
    .where('password_reset_tokens.expires_at', '>', now.toISOString())
    .where('users.anonymised_at', 'is', null)
    .executeTakeFirst()
}

/** Whether a reset link still works (so the page can say so before the person types a new password). */
export async function isResetTokenUsable(db: Db, token: string, now = new Date()): Promise<boolean> {
  return (await findUsableToken(db, token, now)) !== undefined
}

export interface ResetPasswordInput {
  token: string
  newPassword: string
  now?: Date
}

/**
 * Sets a new password from a reset link: the token (and any other outstanding link for the account) is spent, every
 * session of the account is revoked, and a "your password was changed" email is queued.
 */
export async function resetPassword(trx: Transaction<DB>, input: ResetPasswordInput): Promise<{ userId: number }> {
  const now = input.now ?? new Date()
  const found = await findUsableToken(trx, input.token, now)
  if (!found) throw new ResetTokenInvalidError()
  assertPasswordAllowed(input.newPassword, 'newPassword')
  const nowIso = now.toISOString()
  // Spend the token first, conditionally: of two concurrent resets with one link, only one updates the row.
  const spent = await trx
    .updateTable('password_reset_tokens')
    .set({ used_at: nowIso })
    .where('id', '=', found.id)
    .where('used_at', 'is', null)
    .executeTakeFirst()
  if (Number(spent.numUpdatedRows) !== 1) throw new ResetTokenInvalidError()
  await trx.updateTable('password_reset_tokens').set({ used_at: nowIso }).where('user_id', '=', found.user_id).where('used_at', 'is', null).execute()
  const passwordHash = await hashPassword(input.newPassword)
  await trx.updateTable('users').set({ password_hash: passwordHash, password_changed_at: nowIso, updated_at: nowIso }).where('id', '=', found.user_id).execute()
  const revoked = await revokeUserSessions(trx, { userId: found.user_id, now })
  await enqueueEmail(trx, { template: 'password-changed', to: found.email, data: { name: found.name } })
  await recordAudit(trx, {
    actorUserId: found.user_id,
    action: 'user.password_reset',
    entityType: 'user',
    entityId: found.user_id,
    after: { resetTokenId: found.id, sessionsRevoked: revoked },
  })
  return { userId: found.user_id }
}
