/**
 * Erasure (UK GDPR Article 17), done by an administrator with a reason: the person is anonymised, not deleted, so
 * the applications, returns, scores and decisions they took part in still add up. Their users row keeps its id (every
 * `*_by` column still points at it) but loses the name, email, password and two-factor secret; what only served them
 * (sessions, reset tokens, invitations, sign-in attempts, roles, memberships, assessor places) is removed; emails sent
 * to them lose the address and the body.
 *
 * The audit trail is hash-chained and append-only, so past events are not rewritten: they keep the user id, which now
 * names no one. A few older events (user.created, invitation.sent) hold the email address in their `after` JSON; those
 * stay as they are (the record of what was done is kept under the fund's legal obligations and legitimate interest,
 * and rewriting it would break the chain that proves it was not tampered with). See the README's "Personal data".
 */
import type { Transaction } from 'kysely'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'

export class CannotEraseYourselfError extends ConflictError {
  constructor() {
    super('You cannot erase your own account. Ask another administrator to do it.', 'erase_self')
  }
}

export class LastAdministratorError extends ConflictError {
  constructor() {
    super('This person is the only administrator. Make someone else an administrator before erasing them.', 'erase_last_admin')
  }
}

export class AlreadyErasedError extends ConflictError {
  constructor() {
    super('This person has already been erased.', 'already_erased')
  }
}

export class ErasureReasonError extends DomainError {
  constructor() {
    super('Enter the reason for erasing this person', { code: 'erasure_reason_missing', status: 400, field: 'reason' })
  }
}

export function erasedName(userId: number): string {
  return `Former user ${userId}`
}

/** Not deliverable (the .invalid top-level domain is reserved, RFC 2606) and unique, as users.email must be. */
export function erasedEmail(userId: number): string {
  return `erased-${userId}@invalid`
}

export interface ErasureSummary {
  userId: number
  erasedAt: string
  sessions: number
  resetTokens: number
  roles: string[]
  organisationIds: number[]
  invitations: number
  signInAttempts: number
  emailsRedacted: number
  /** Queued emails that will now never be sent. */
  emailsCancelled: number
}

async function lockUser(trx: Transaction<DB>, userId: number) {
  let query = trx.selectFrom('users').select(['id', 'email', 'anonymised_at']).where('id', '=', userId)
  if (engineOf(trx) === 'postgres') query = query.forUpdate()
  return query.executeTakeFirst()
}

/**
 * Refuses to erase the last administrator. On PostgreSQL every admin grant is locked first, so two administrators
 * erasing each other at once take turns and the second is refused; SQLite's BEGIN IMMEDIATE serialises them already.
 */
async function assertNotLastAdministrator(trx: Transaction<DB>, userId: number): Promise<void> {
  let query = trx
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select(['user_roles.id', 'user_roles.user_id'])
    .where('user_roles.role', '=', 'admin')
    .where('users.anonymised_at', 'is', null)
  if (engineOf(trx) === 'postgres') query = query.forUpdate()
  const admins = await query.execute()
  if (admins.some((a) => a.user_id === userId) && !admins.some((a) => a.user_id !== userId)) throw new LastAdministratorError()
}

async function redactEmails(trx: Transaction<DB>, userId: number, email: string, now: string) {
  const cancelled = await trx
    .updateTable('outbox_messages')
    .set({ status: 'failed', last_error: 'Not sent: the recipient’s personal data was erased', next_attempt_at: null })
    .where((eb) => eb(eb.fn('lower', ['to_address']), '=', email))
    .where('status', '=', 'pending')
    .executeTakeFirst()
  const redacted = await trx
    .updateTable('outbox_messages')
    .set({ to_address: erasedEmail(userId), body_text: `Removed: the recipient’s personal data was erased on ${now.slice(0, 10)}.`, body_html: null })
    .where((eb) => eb(eb.fn('lower', ['to_address']), '=', email))
    .executeTakeFirst()
  return { cancelled: Number(cancelled.numUpdatedRows), redacted: Number(redacted.numUpdatedRows) }
}

/**
 * Anonymises a person. Refuses (409) to erase yourself, the last administrator, or someone already erased; 404 when
 * there is no such user. Writes 'privacy.user_erased' with the reason and what was removed (never the old email).
 */
export async function eraseUser(trx: Transaction<DB>, actorUserId: number, userId: number, input: { reason: string; now?: Date }): Promise<ErasureSummary> {
  const reason = input.reason.trim()
  if (!reason) throw new ErasureReasonError()
  const user = await lockUser(trx, userId)
  if (!user) throw new NotFoundError('user')
  if (user.anonymised_at) throw new AlreadyErasedError()
  if (userId === actorUserId) throw new CannotEraseYourselfError()
  await assertNotLastAdministrator(trx, userId)

  const now = (input.now ?? new Date()).toISOString()
  const email = user.email.toLowerCase()
  const sessions = await trx.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst()
  const resetTokens = await trx.deleteFrom('password_reset_tokens').where('user_id', '=', userId).executeTakeFirst()
  const roles = await trx.deleteFrom('user_roles').where('user_id', '=', userId).returning('role').execute()
  const memberships = await trx.deleteFrom('memberships').where('user_id', '=', userId).returning('organisation_id').execute()
  await trx.deleteFrom('assessor_places').where('user_id', '=', userId).execute()
  const invitations = await trx
    .deleteFrom('invitations')
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email))
    .executeTakeFirst()
  const attempts = await trx
    .deleteFrom('sign_in_attempts')
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email))
    .executeTakeFirst()
  await trx.updateTable('organisations').set({ main_contact_user_id: null, updated_at: now }).where('main_contact_user_id', '=', userId).execute()
  await trx.updateTable('panel_attendees').set({ name: erasedName(userId) }).where('user_id', '=', userId).execute()
  const outbox = await redactEmails(trx, userId, email, now)
  await trx
    .updateTable('users')
    .set({
      name: erasedName(userId),
      email: erasedEmail(userId),
      password_hash: null,
      password_changed_at: null,
      totp_secret: null,
      totp_enabled_at: null,
      anonymised_at: now,
      updated_at: now,
    })
    .where('id', '=', userId)
    .execute()

  const summary: ErasureSummary = {
    userId,
    erasedAt: now,
    sessions: Number(sessions.numDeletedRows),
    resetTokens: Number(resetTokens.numDeletedRows),
    roles: roles.map((r) => r.role),
    organisationIds: memberships.map((m) => m.organisation_id),
    invitations: Number(invitations.numDeletedRows),
    signInAttempts: Number(attempts.numDeletedRows),
    emailsRedacted: outbox.redacted,
    emailsCancelled: outbox.cancelled,
  }
  const { userId: _, erasedAt: __, ...removed } = summary
  await recordAudit(trx, { actorUserId, action: 'privacy.user_erased', entityType: 'user', entityId: userId, after: { reason, removed } })
  return summary
}

export interface ErasurePreview {
  id: number
  name: string
  email: string
  anonymised: boolean
  roles: string[]
  organisations: { id: number; name: string; otherAdmins: number }[]
  applicationsCreated: number
}

/** What the confirmation page shows: who, their roles, and organisations that would be left without an admin. */
export async function erasurePreview(db: Db, userId: number): Promise<ErasurePreview | undefined> {
  const user = await db.selectFrom('users').select(['id', 'name', 'email', 'anonymised_at']).where('id', '=', userId).executeTakeFirst()
  if (!user) return undefined
  const [roles, organisations, applications] = await Promise.all([
    db.selectFrom('user_roles').select('role').where('user_id', '=', userId).orderBy('id').execute(),
    db
      .selectFrom('memberships')
      .innerJoin('organisations', 'organisations.id', 'memberships.organisation_id')
      .select((eb) => [
        'organisations.id',
        'organisations.name',
        eb
          .selectFrom('memberships as other')
          .select((o) => o.fn.countAll<number>().as('n'))
          .whereRef('other.organisation_id', '=', 'organisations.id')
          .where('other.role', '=', 'admin')
          .where('other.user_id', '!=', userId)
          .as('other_admins'),
      ])
      .where('memberships.user_id', '=', userId)
      .orderBy('organisations.name')
      .execute(),
    db.selectFrom('applications').select((eb) => eb.fn.countAll<number>().as('n')).where('created_by', '=', userId).executeTakeFirstOrThrow(),
  ])
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    anonymised: !!user.anonymised_at,
    roles: roles.map((r) => r.role),
    organisations: organisations.map((o) => ({ id: o.id, name: o.name, otherAdmins: Number(o.other_admins ?? 0) })),
    applicationsCreated: Number(applications.n),
  }
}
