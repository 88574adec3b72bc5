/**
 * Signing in with an email address and password. Every attempt is recorded in sign_in_attempts; failures are
 * throttled per account and per client IP over a sliding window, and a throttled attempt is refused even when the
 * password is right (otherwise the throttle would tell a guesser when they had succeeded). A wrong password and an
 * unknown email address take the same time and get the same answer.
 */
import { sql, type Transaction } from 'kysely'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { verifyDummyPassword, verifyPassword } from './passwords.server.ts'
import { openSession } from './sessions.server.ts'
import { normaliseEmail } from './users.server.ts'

export const SIGN_IN_WINDOW_MINUTES = 15
export const MAX_FAILURES_PER_ACCOUNT = 5
export const MAX_FAILURES_PER_IP = 30

export interface SignInAttemptInput {
  email: string
  ip: string
  now?: Date
}

async function recentFailures(db: Db, column: 'email' | 'ip', value: string, since: string): Promise<number> {
  const row = await db
    .selectFrom('sign_in_attempts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(column, '=', value)
    .where('succeeded', '=', 0)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** True when this account or this IP has used up its failed attempts for the window. */
export async function isThrottled(db: Db, input: SignInAttemptInput): Promise<boolean> {
  const now = input.now ?? new Date()
  const since = new Date(now.getTime() - SIGN_IN_WINDOW_MINUTES * 60_000).toISOString()
  if ((await recentFailures(db, 'email', normaliseEmail(input.email), since)) >= MAX_FAILURES_PER_ACCOUNT) return true
  return (await recentFailures(db, 'ip', input.ip, since)) >= MAX_FAILURES_PER_IP
}

async function recordAttempt(trx: Transaction<DB>, input: { email: string; ip: string; succeeded: boolean; now: Date }): Promise<void> {
  await trx
    .insertInto('sign_in_attempts')
    .values({ email: input.email, ip: input.ip, succeeded: input.succeeded ? 1 : 0, created_at: input.now.toISOString() })
    .execute()
}

/**
 * One attempt at a time per account and per IP, until the attempt is committed: otherwise a burst of concurrent wrong
 * passwords all count the failures before any is recorded, and far more than the limit get checked. SQLite already
 * runs one write transaction at a time (BEGIN IMMEDIATE); on PostgreSQL two transaction-scoped advisory locks, always
 * taken in this order (account, then IP), do it. Unknown addresses have no row to lock, hence advisory locks.
 */
async function takeTurn(trx: Transaction<DB>, input: { email: string; ip: string }): Promise<void> {
  if (engineOf(trx) !== 'postgres') return
  await sql`select pg_advisory_xact_lock(hashtext('commonpot.sign-in.account'), hashtext(${input.email}))`.execute(trx)
  await sql`select pg_advisory_xact_lock(hashtext('commonpot.sign-in.ip'), hashtext(${input.ip}))`.execute(trx)
}

export interface AuthenticatedUser {
  id: number
  email: string
  name: string
  totpEnabled: boolean
}

export type AuthenticationResult = { status: 'authenticated'; user: AuthenticatedUser } | { status: 'invalid' } | { status: 'throttled' }

/** Checks an email address and password. Records the attempt whatever the outcome (the caller commits it). */
export async function authenticate(trx: Transaction<DB>, input: SignInAttemptInput & { password: string }): Promise<AuthenticationResult> {
  const email = normaliseEmail(input.email)
  const now = input.now ?? new Date()
  await takeTurn(trx, { email, ip: input.ip })
  if (await isThrottled(trx, { email, ip: input.ip, now })) {
    await recordAttempt(trx, { email, ip: input.ip, succeeded: false, now })
    return { status: 'throttled' }
  }
  const user = await trx
    .selectFrom('users')
    .select(['id', 'email', 'name', 'password_hash', 'totp_enabled_at'])
    .where('email', '=', email)
    .where('anonymised_at', 'is', null)
    .executeTakeFirst()
  const ok = user?.password_hash ? await verifyPassword(user.password_hash, input.password) : await verifyDummyPassword(input.password)
  await recordAttempt(trx, { email, ip: input.ip, succeeded: ok, now })
  if (!ok || !user) return { status: 'invalid' }
  return { status: 'authenticated', user: { id: user.id, email: user.email, name: user.name, totpEnabled: user.totp_enabled_at !== null } }
}

export interface SignInInput extends SignInAttemptInput {
  password: string
  userAgent: string | null
  previousToken: string | null
}

export type SignInResult = { status: 'signed_in'; token: string; userId: number; needsSecondFactor: boolean } | { status: 'invalid' } | { status: 'throttled' }

/**
 * Sign-in: authenticate, then rotate the session (revoke the one the browser presented, issue a new token). A user
 * with TOTP turned on gets a session that has not passed the second factor yet: requireUser sends them to
 * /login/two-factor until it has.
 */
export async function signIn(trx: Transaction<DB>, input: SignInInput): Promise<SignInResult> {
  const result = await authenticate(trx, input)
  if (result.status !== 'authenticated') return result
  const { user } = result
  const session = await openSession(trx, { userId: user.id, ip: input.ip, userAgent: input.userAgent, previousToken: input.previousToken, secondFactor: false })
  await recordAudit(trx, { actorUserId: user.id, action: 'user.signed_in', entityType: 'user', entityId: user.id, after: { sessionId: session.sessionId, ip: input.ip } })
  return { status: 'signed_in', token: session.token, userId: user.id, needsSecondFactor: user.totpEnabled }
}
