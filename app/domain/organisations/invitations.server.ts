/**
 * Inviting colleagues into an organisation. The invitation link carries a random token; only its SHA-256 is stored,
 * so a leaked database holds no usable link. An invitation lasts 7 days, is used at most once, and can only be
 * accepted by someone signed in with the email address it was sent to.
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { enqueueEmail } from '~/domain/messages/outbox.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import { hashToken, newToken } from '~/lib/session.server.ts'
import { findAdministeredOrganisation, lockAdministeredOrganisation, type MembershipRole } from './members.server.ts'

export const INVITATION_TTL_DAYS = 7
const DAY_MS = 24 * 60 * 60 * 1000

/** The person invited already belongs to the organisation. */
export class AlreadyMemberError extends DomainError {
  constructor(email: string, organisationName: string) {
    super(`${email} is already a member of ${organisationName}`, { code: 'already_member', status: 409, field: 'email' })
  }
}

export class InvitationExpiredError extends ConflictError {
  constructor() {
    super('This invitation has expired. Ask your organisation admin to send you a new one.', 'invitation_expired')
  }
}

export class InvitationUsedError extends ConflictError {
  constructor() {
    super('This invitation has already been used.', 'invitation_used')
  }
}

/** The signed-in person is not the one the invitation was sent to. */
export class InvitationForSomeoneElseError extends DomainError {
  constructor(maskedEmail: string) {
    super(`This invitation was sent to ${maskedEmail}. Sign in with that email address to accept it.`, {
      code: 'invitation_for_someone_else',
      status: 403,
    })
  }
}

/** "a.person@example.org" -> "a•••@example.org": enough for the right person to recognise, little for anyone else. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@')
  if (at < 1) return '•••'
  return `${email[0]}•••${email.slice(at)}`
}

function sameEmail(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase()
}

export interface InviteColleagueInput {
  organisationId: number
  inviterUserId: number
  /** Lower-cased by the form schema; compared case-insensitively all the same. */
  email: string
  role: MembershipRole
  /** The site's public origin (`https://commonpot.example`), for the link in the email. */
  appOrigin: string
  now?: Date
}

export interface InvitationSent {
  invitationId: number
  /** The raw token, only ever in the email link (and here, for the caller's tests). */
  token: string
  /** True when a pending invitation to the same address was replaced by this one. */
  replaced: boolean
}

async function findMemberByEmail(trx: Transaction<DB>, organisationId: number, email: string) {
  return trx
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('memberships.id')
    .where('memberships.organisation_id', '=', organisationId)
    .where((eb) => eb(eb.fn('lower', ['users.email']), '=', email.toLowerCase()))
    .executeTakeFirst()
}

/**
 * Invites someone by email (organisation admins only). A pending invitation to the same address is replaced: the old
 * link stops working and a new one is sent. Inviting someone who is already a member is refused.
 */
export async function inviteColleague(trx: Transaction<DB>, input: InviteColleagueInput): Promise<InvitationSent> {
  const organisation = await lockAdministeredOrganisation(trx, input.inviterUserId, input.organisationId)
  const email = input.email.trim().toLowerCase()
  if (await findMemberByEmail(trx, organisation.id, email)) throw new AlreadyMemberError(email, organisation.name)

  const now = input.now ?? new Date()
  const token = newToken()
  const values = {
    role: input.role,
    token_hash: hashToken(token),
    invited_by: input.inviterUserId,
    expires_at: new Date(now.getTime() + INVITATION_TTL_DAYS * DAY_MS).toISOString(),
  }
  const pending = await trx
    .selectFrom('invitations')
    .select(['id', 'role', 'expires_at'])
    .where('organisation_id', '=', organisation.id)
    .where('email', '=', email)
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', now.toISOString())
    .executeTakeFirst()

  let invitationId: number
  if (pending) {
    await trx.updateTable('invitations').set(values).where('id', '=', pending.id).execute()
    invitationId = pending.id
  } else {
    const row = await trx
      .insertInto('invitations')
      .values({ ...values, organisation_id: organisation.id, email, created_at: now.toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow()
    invitationId = row.id
  }

  const inviter = await trx.selectFrom('users').select('name').where('id', '=', input.inviterUserId).executeTakeFirstOrThrow()
  await enqueueEmail(trx, {
    template: 'organisation-invitation',
    to: email,
    data: {
      organisationName: organisation.name,
      inviterName: inviter.name,
      acceptUrl: `${input.appOrigin}/invitations/${token}`,
      expiresInDays: INVITATION_TTL_DAYS,
    },
  })
  await recordAudit(trx, {
    actorUserId: input.inviterUserId,
    action: pending ? 'invitation.resent' : 'invitation.sent',
    entityType: 'invitation',
    entityId: invitationId,
    before: pending ? { role: pending.role, expires_at: pending.expires_at } : undefined,
    after: { organisation_id: organisation.id, email, role: input.role, expires_at: values.expires_at },
  })
  return { invitationId, token, replaced: !!pending }
}

export interface PendingInvitation {
  id: number
  email: string
  role: MembershipRole
  invitedBy: string
  expiresAt: string
}

/** Invitations not yet accepted and not expired, for the organisation's admins (nobody else gets any rows). */
export async function listPendingInvitations(db: Db, input: { actorUserId: number; organisationId: number; now?: Date }): Promise<PendingInvitation[]> {
  await findAdministeredOrganisation(db, input.actorUserId, input.organisationId)
  const rows = await db
    .selectFrom('invitations')
    .innerJoin('users', 'users.id', 'invitations.invited_by')
    .select(['invitations.id', 'invitations.email', 'invitations.role', 'invitations.expires_at', 'users.name'])
    .where('invitations.organisation_id', '=', input.organisationId)
    .where('invitations.accepted_at', 'is', null)
    .where('invitations.expires_at', '>', (input.now ?? new Date()).toISOString())
    .orderBy('invitations.id')
    .execute()
  return rows.map((r) => ({ id: r.id, email: r.email, role: r.role, invitedBy: r.name, expiresAt: r.expires_at }))
}

export type InvitationState = 'pending' | 'expired' | 'accepted'

export interface InvitationSummary {
  organisationName: string
  role: MembershipRole
  state: InvitationState
  expiresAt: string
}

function stateOf(invitation: { accepted_at: string | null; expires_at: string }, now: Date): InvitationState {
  if (invitation.accepted_at) return 'accepted'
  return invitation.expires_at <= now.toISOString() ? 'expired' : 'pending'
}

/** What the invitation page shows to whoever holds the link; undefined for a link that matches no invitation. */
export async function findInvitation(db: Db, token: string, now = new Date()): Promise<InvitationSummary | undefined> {
  const row = await db
    .selectFrom('invitations')
    .innerJoin('organisations', 'organisations.id', 'invitations.organisation_id')
    .select(['organisations.name', 'invitations.role', 'invitations.accepted_at', 'invitations.expires_at'])
    .where('invitations.token_hash', '=', hashToken(token))
    .executeTakeFirst()
  if (!row) return undefined
  return { organisationName: row.name, role: row.role, state: stateOf(row, now), expiresAt: row.expires_at }
}

export interface AcceptInvitationInput {
  token: string
  userId: number
  now?: Date
}

/**
 * Accepts an invitation for the signed-in user, whose email must be the one invited. The invitation is marked used
 * with a conditional update, so of two simultaneous accepts exactly one succeeds. Someone who is already a member
 * keeps their membership as it is.
 */
export async function acceptInvitation(trx: Transaction<DB>, input: AcceptInvitationInput): Promise<{ organisationId: number; organisationName: string }> {
  const now = input.now ?? new Date()
  const invitation = await trx
    .selectFrom('invitations')
    .innerJoin('organisations', 'organisations.id', 'invitations.organisation_id')
    .select(['invitations.id', 'invitations.organisation_id', 'invitations.email', 'invitations.role', 'invitations.accepted_at', 'invitations.expires_at', 'organisations.name'])
    .where('invitations.token_hash', '=', hashToken(input.token))
    .executeTakeFirst()
  if (!invitation) throw new NotFoundError('invitation')
  const state = stateOf(invitation, now)
  if (state === 'accepted') throw new InvitationUsedError()
  if (state === 'expired') throw new InvitationExpiredError()
  const user = await trx.selectFrom('users').select(['id', 'email']).where('id', '=', input.userId).executeTakeFirstOrThrow()
  if (!sameEmail(user.email, invitation.email)) throw new InvitationForSomeoneElseError(maskEmail(invitation.email))

  const used = await trx
    .updateTable('invitations')
    .set({ accepted_at: now.toISOString() })
    .where('id', '=', invitation.id)
    .where('accepted_at', 'is', null)
    .executeTakeFirst()
  if (used.numUpdatedRows !== 1n) throw new InvitationUsedError()

  const membership = await trx
    .insertInto('memberships')
    .values({ user_id: user.id, organisation_id: invitation.organisation_id, role: invitation.role })
    .onConflict((oc) => oc.columns(['user_id', 'organisation_id']).doNothing())
    .returning('id')
    .executeTakeFirst()
  await recordAudit(trx, {
    actorUserId: user.id,
    action: 'invitation.accepted',
    entityType: 'invitation',
    entityId: invitation.id,
    after: { organisation_id: invitation.organisation_id, user_id: user.id, role: invitation.role, membership_id: membership?.id ?? null },
  })
  return { organisationId: invitation.organisation_id, organisationName: invitation.name }
}
