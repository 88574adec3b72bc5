/** People's accounts: creating one (sign-up, invitation, seed) and reading what the account page shows. */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { enqueueEmail } from '~/domain/messages/outbox.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { EmailTakenError } from './errors.ts'
import { assertPasswordAllowed, hashPassword } from './passwords.server.ts'
import { openSession } from './sessions.server.ts'

/** Email addresses are stored trimmed and lower-cased, so "Ann@Example.org " and "ann@example.org" are one account. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}

export interface CreateUserInput {
  email: string
  name: string
  /** Null for an invited person who has not chosen a password yet (they set one through the reset link). */
  password: string | null
  /** Who created the account: omitted when people sign themselves up, null for the system (seed, scripts). */
  actorUserId?: number | null
}

export interface NewAccount {
  id: number
  email: string
  name: string
}

/** Creates an account. Throws EmailTakenError when the address is already registered. */
export async function createUser(trx: Transaction<DB>, input: CreateUserInput): Promise<NewAccount> {
  const email = normaliseEmail(input.email)
  if (input.password !== null) assertPasswordAllowed(input.password)
  const passwordHash = input.password === null ? null : await hashPassword(input.password)
  const now = new Date().toISOString()
  const user = await trx
    .insertInto('users')
    .values({ email, name: input.name.trim(), password_hash: passwordHash, password_changed_at: passwordHash ? now : null, updated_at: now })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning(['id', 'email', 'name'])
    .executeTakeFirst()
  if (!user) throw new EmailTakenError()
  await recordAudit(trx, {
    actorUserId: input.actorUserId === undefined ? user.id : input.actorUserId,
    action: 'user.created',
    entityType: 'user',
    entityId: user.id,
    after: { email: user.email, name: user.name, hasPassword: passwordHash !== null },
  })
  return user
}

export interface SignUpInput {
  email: string
  name: string
  password: string
  ip: string
  userAgent: string | null
  previousToken: string | null
  /** The absolute sign-in address for the welcome email. */
  signInUrl: string
}

/** Sign-up: the account, a signed-in session and the welcome email, all or nothing. */
export async function signUp(trx: Transaction<DB>, input: SignUpInput): Promise<{ user: NewAccount; token: string }> {
  const user = await createUser(trx, { email: input.email, name: input.name, password: input.password })
  const session = await openSession(trx, { userId: user.id, ip: input.ip, userAgent: input.userAgent, previousToken: input.previousToken, secondFactor: false })
  await enqueueEmail(trx, { template: 'welcome', to: user.email, data: { name: user.name, signInUrl: input.signInUrl }, idempotencyKey: `welcome:${user.id}` })
  return { user, token: session.token }
}

export interface AccountSecurity {
  hasPassword: boolean
  passwordChangedAt: string | null
  totpEnabledAt: string | null
}

/** What the account page shows about how the account is protected. */
export async function accountSecurity(db: Db, userId: number): Promise<AccountSecurity> {
  const row = await db
    .selectFrom('users')
    .select(['password_hash', 'password_changed_at', 'totp_enabled_at'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow()
  return {
    hasPassword: row.password_hash !== null,
    passwordChangedAt: row.password_changed_at,
    totpEnabledAt: row.totp_enabled_at,
  }
}
