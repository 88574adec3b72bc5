/**
 * Two-factor authentication with time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30-second steps, one step
 * of clock drift either way), the settings every authenticator app supports.
 *
 * Enrolment keeps the new secret in users.totp_secret with totp_enabled_at null until the person proves, with a code,
 * that their app holds it; reloading the set-up page shows the same pending secret rather than a new one.
 * Failed second-factor codes are audit events, and the last 15 minutes of them throttle further attempts.
 */
import { Secret, TOTP } from 'otpauth'
import QRCode from 'qrcode'
import type { Transaction } from 'kysely'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { enqueueEmail } from '~/domain/messages/outbox.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ROLES_REQUIRING_2FA } from '~/lib/policy.ts'
import { InvalidTotpCodeError, NoPendingEnrolmentError, TwoFactorAlreadyOnError, TwoFactorRequiredError, WrongPasswordError } from './errors.ts'
import { verifyPassword } from './passwords.server.ts'
import { markSecondFactor } from './sessions.server.ts'

export const TOTP_ISSUER = 'Commonpot'
export const MAX_SECOND_FACTOR_FAILURES = 5
export const SECOND_FACTOR_WINDOW_MINUTES = 15

/** The TOTP generator for a base32 secret; `email` is the account label the authenticator app shows. */
export function totpFor(secret: string, email: string): TOTP {
  return new TOTP({ issuer: TOTP_ISSUER, label: email, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) })
}

/** The code an authenticator app shows for this secret now (for the demo tooling and tests). */
export function currentTotpCode(secret: string, timestamp = Date.now()): string {
  return totpFor(secret, TOTP_ISSUER).generate({ timestamp })
}

/** The otpauth:// URI as a QR code, as SVG markup made here (never from user input), for the set-up page. */
export async function totpQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
}

export function isValidTotpCode(secret: string, code: string, timestamp = Date.now()): boolean {
  return totpFor(secret, TOTP_ISSUER).validate({ token: code, window: 1, timestamp }) !== null
}

/** True when the account holds a role (finance officer, administrator) that may not go without two-factor. */
export async function roleRequiresTwoFactor(db: Db, userId: number): Promise<boolean> {
  const row = await db.selectFrom('user_roles').select('id').where('user_id', '=', userId).where('role', 'in', ROLES_REQUIRING_2FA).executeTakeFirst()
  return row !== undefined
}

export interface TotpEnrolment {
  /** Base32, for typing into an app by hand. */
  secret: string
  /** The otpauth:// URI the QR code encodes. */
  uri: string
}

/** Starts (or resumes) setting up an authenticator app: returns the pending secret, creating one if there is none. */
export async function beginTotpEnrolment(trx: Transaction<DB>, input: { userId: number }): Promise<TotpEnrolment> {
  const user = await trx.selectFrom('users').select(['id', 'email', 'totp_secret', 'totp_enabled_at']).where('id', '=', input.userId).executeTakeFirstOrThrow()
  if (user.totp_enabled_at) throw new TwoFactorAlreadyOnError()
  if (user.totp_secret) return { secret: user.totp_secret, uri: totpFor(user.totp_secret, user.email).toString() }
  const secret = new Secret({ size: 20 }).base32
  // Conditional, so of two set-up pages opened at once the second shows the first one's secret, not a different one.
  const stored = await trx
    .updateTable('users')
    .set({ totp_secret: secret, updated_at: new Date().toISOString() })
    .where('id', '=', user.id)
    .where('totp_secret', 'is', null)
    .executeTakeFirst()
  if (Number(stored.numUpdatedRows) === 0) return beginTotpEnrolment(trx, input)
  await recordAudit(trx, { actorUserId: user.id, action: 'user.two_factor_enrolment_started', entityType: 'user', entityId: user.id })
  return { secret, uri: totpFor(secret, user.email).toString() }
}

/** Turns two-factor on once a code from the pending secret checks out; the current session counts as verified. */
export async function confirmTotpEnrolment(trx: Transaction<DB>, input: { userId: number; sessionId: number; code: string; now?: Date }): Promise<void> {
  const now = input.now ?? new Date()
  const user = await trx
    .selectFrom('users')
    .select(['id', 'email', 'name', 'totp_secret', 'totp_enabled_at'])
    .where('id', '=', input.userId)
    .executeTakeFirstOrThrow()
  if (user.totp_enabled_at) throw new TwoFactorAlreadyOnError()
  if (!user.totp_secret) throw new NoPendingEnrolmentError()
  if (!isValidTotpCode(user.totp_secret, input.code, now.getTime())) throw new InvalidTotpCodeError()
  await trx.updateTable('users').set({ totp_enabled_at: now.toISOString(), updated_at: now.toISOString() }).where('id', '=', user.id).execute()
  await markSecondFactor(trx, { sessionId: input.sessionId, now })
  await enqueueEmail(trx, { template: 'two-factor-enabled', to: user.email, data: { name: user.name } })
  await recordAudit(trx, { actorUserId: user.id, action: 'user.two_factor_enabled', entityType: 'user', entityId: user.id, after: { sessionId: input.sessionId } })
}

async function recentSecondFactorFailures(db: Db, userId: number, now: Date): Promise<number> {
  const since = new Date(now.getTime() - SECOND_FACTOR_WINDOW_MINUTES * 60_000).toISOString()
  const row = await db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('entity_type', '=', 'user')
    .where('entity_id', '=', String(userId))
    .where('action', '=', 'user.second_factor_failed')
    .where('occurred_at', '>', since)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export type SecondFactorResult = { status: 'verified' } | { status: 'invalid' } | { status: 'throttled' } | { status: 'not_enabled' }

/**
 * Checks the code at sign-in and marks the session as having passed the second factor. A wrong code is recorded (the
 * caller commits it) and counts towards the throttle: after 5 in 15 minutes every code is refused until they age out.
 */
export async function verifySecondFactor(trx: Transaction<DB>, input: { userId: number; sessionId: number; code: string; now?: Date }): Promise<SecondFactorResult> {
  const now = input.now ?? new Date()
  // On PostgreSQL the user's row is locked until this attempt is committed, so a burst of codes takes turns and each
  // counts the failures before it (SQLite's BEGIN IMMEDIATE already does); otherwise they all pass the throttle at once.
  let query = trx.selectFrom('users').select(['id', 'totp_secret', 'totp_enabled_at']).where('id', '=', input.userId)
  if (engineOf(trx) === 'postgres') query = query.forUpdate()
  const user = await query.executeTakeFirstOrThrow()
  if (!user.totp_enabled_at || !user.totp_secret) return { status: 'not_enabled' }
  if ((await recentSecondFactorFailures(trx, user.id, now)) >= MAX_SECOND_FACTOR_FAILURES) return { status: 'throttled' }
  if (!isValidTotpCode(user.totp_secret, input.code, now.getTime())) {
    await recordAudit(trx, { actorUserId: user.id, action: 'user.second_factor_failed', entityType: 'user', entityId: user.id, after: { sessionId: input.sessionId } })
    return { status: 'invalid' }
  }
  await markSecondFactor(trx, { sessionId: input.sessionId, now })
  await recordAudit(trx, { actorUserId: user.id, action: 'user.second_factor_passed', entityType: 'user', entityId: user.id, after: { sessionId: input.sessionId } })
  return { status: 'verified' }
}

/** Turns two-factor off (current password required). Refused for roles that require it. */
export async function disableTotp(trx: Transaction<DB>, input: { userId: number; password: string }): Promise<void> {
  if (await roleRequiresTwoFactor(trx, input.userId)) throw new TwoFactorRequiredError()
  const user = await trx.selectFrom('users').select(['id', 'password_hash', 'totp_enabled_at']).where('id', '=', input.userId).executeTakeFirstOrThrow()
  if (!user.password_hash || !(await verifyPassword(user.password_hash, input.password))) throw new WrongPasswordError('password')
  if (!user.totp_enabled_at) return
  await trx.updateTable('users').set({ totp_secret: null, totp_enabled_at: null, updated_at: new Date().toISOString() }).where('id', '=', user.id).execute()
  await recordAudit(trx, { actorUserId: user.id, action: 'user.two_factor_disabled', entityType: 'user', entityId: user.id })
}
