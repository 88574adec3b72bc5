/**
 * Who belongs to an organisation, and in what role. Only the organisation's own admins may change that: every write
 * checks the actor's admin membership of THAT organisation in the same transaction. An organisation always keeps at
 * least one admin, so it can never be locked out of managing itself.
 *
 * On PostgreSQL each write first locks the organisation's row, so two admins demoting each other at the same moment
 * take turns and the second sees the first's change; on SQLite the write transaction (BEGIN IMMEDIATE) does the same.
 */
import type { Transaction } from 'kysely'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import type { MembershipRole } from './membership-roles.ts'

export { MEMBERSHIP_ROLE_LABELS, type MembershipRole } from './membership-roles.ts'

/** The actor belongs to the organisation but is not one of its admins. */
export class NotOrganisationAdminError extends DomainError {
  constructor() {
    super('Only an organisation admin can manage its members.', { code: 'not_organisation_admin', status: 403 })
  }
}

/** The change would leave the organisation with no admin. */
export class LastAdminError extends ConflictError {
  constructor() {
    super('An organisation must always have at least one organisation admin. Make someone else an admin first.', 'last_organisation_admin')
  }
}

export interface AdministeredOrganisation {
  id: number
  name: string
}

/**
 * The organisation, if the user is one of its admins. A user who is not a member at all gets "not found" (existence
 * does not leak); a member who is not an admin gets "not allowed".
 */
export async function findAdministeredOrganisation(db: Db, userId: number, organisationId: number): Promise<AdministeredOrganisation> {
  const row = await db
    .selectFrom('organisations')
    .innerJoin('memberships', (join) =>
      join.onRef('memberships.organisation_id', '=', 'organisations.id').on('memberships.user_id', '=', userId),
    )
    .select(['organisations.id', 'organisations.name', 'memberships.role'])
    .where('organisations.id', '=', organisationId)
    .executeTakeFirst()
  if (!row) throw new NotFoundError('organisation')
  if (row.role !== 'admin') throw new NotOrganisationAdminError()
  return { id: row.id, name: row.name }
}

/** As `findAdministeredOrganisation`, first locking the organisation (PostgreSQL) so membership changes take turns. */
export async function lockAdministeredOrganisation(trx: Transaction<DB>, userId: number, organisationId: number): Promise<AdministeredOrganisation> {
  if (engineOf(trx) === 'postgres') {
    await trx.selectFrom('organisations').select('id').where('id', '=', organisationId).forUpdate().execute()
  }
  return findAdministeredOrganisation(trx, userId, organisationId)
}

export interface Member {
  userId: number
  name: string
  email: string
  role: MembershipRole
  joinedAt: string
}

/** The organisation's members, for a viewer who is a member of it (nobody else gets any rows). */
export async function listMembers(db: Db, input: { viewerUserId: number; organisationId: number }): Promise<Member[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.name', 'users.email', 'memberships.role', 'memberships.created_at'])
    .where('memberships.organisation_id', '=', input.organisationId)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('memberships as viewer')
          .select('viewer.id')
          .where('viewer.organisation_id', '=', input.organisationId)
          .where('viewer.user_id', '=', input.viewerUserId),
      ),
    )
    .orderBy('users.name')
    .orderBy('users.id')
    .execute()
  return rows.map((r) => ({ userId: r.id, name: r.name, email: r.email, role: r.role, joinedAt: r.created_at }))
}

async function findMembership(trx: Transaction<DB>, organisationId: number, userId: number) {
  const membership = await trx
    .selectFrom('memberships')
    .select(['id', 'user_id', 'organisation_id', 'role'])
    .where('organisation_id', '=', organisationId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  if (!membership) throw new NotFoundError('member')
  return membership
}

async function countAdmins(trx: Transaction<DB>, organisationId: number): Promise<number> {
  const row = await trx
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organisation_id', '=', organisationId)
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export interface ChangeMemberRoleInput {
  actorUserId: number
  organisationId: number
  memberUserId: number
  role: MembershipRole
}

/** Makes a member an admin, or an admin a member; the last admin cannot be made a member. */
export async function changeMemberRole(trx: Transaction<DB>, input: ChangeMemberRoleInput): Promise<{ changed: boolean }> {
  await lockAdministeredOrganisation(trx, input.actorUserId, input.organisationId)
  const membership = await findMembership(trx, input.organisationId, input.memberUserId)
  if (membership.role === input.role) return { changed: false }
  if (membership.role === 'admin' && (await countAdmins(trx, input.organisationId)) <= 1) throw new LastAdminError()
  await trx.updateTable('memberships').set({ role: input.role }).where('id', '=', membership.id).execute()
  await recordAudit(trx, {
    actorUserId: input.actorUserId,
    action: 'membership.role_changed',
    entityType: 'membership',
    entityId: membership.id,
    before: { organisation_id: input.organisationId, user_id: input.memberUserId, role: membership.role },
    after: { organisation_id: input.organisationId, user_id: input.memberUserId, role: input.role },
  })
  return { changed: true }
}

export interface RemoveMemberInput {
  actorUserId: number
  organisationId: number
  memberUserId: number
}

/** Who becomes main contact when the main contact leaves: the admin removing them, or else the longest-serving admin. */
async function nextMainContact(trx: Transaction<DB>, input: RemoveMemberInput): Promise<number> {
  if (input.actorUserId !== input.memberUserId) return input.actorUserId
  const admin = await trx
    .selectFrom('memberships')
    .select('user_id')
    .where('organisation_id', '=', input.organisationId)
    .where('role', '=', 'admin')
    .orderBy('id')
    .limit(1)
    .executeTakeFirstOrThrow()
  return admin.user_id
}

/**
 * Removes someone from the organisation; the last admin cannot be removed. When the person removed was the
 * organisation's main contact, another admin becomes the main contact, so it never points at someone outside the
 * organisation.
 */
export async function removeMember(trx: Transaction<DB>, input: RemoveMemberInput): Promise<void> {
  await lockAdministeredOrganisation(trx, input.actorUserId, input.organisationId)
  const membership = await findMembership(trx, input.organisationId, input.memberUserId)
  if (membership.role === 'admin' && (await countAdmins(trx, input.organisationId)) <= 1) throw new LastAdminError()
  await trx.deleteFrom('memberships').where('id', '=', membership.id).execute()
  const organisation = await trx.selectFrom('organisations').select('main_contact_user_id').where('id', '=', input.organisationId).executeTakeFirstOrThrow()
  let mainContactUserId: number | undefined
  if (organisation.main_contact_user_id === input.memberUserId) {
    mainContactUserId = await nextMainContact(trx, input)
    await trx
      .updateTable('organisations')
      .set({ main_contact_user_id: mainContactUserId, updated_at: new Date().toISOString() })
      .where('id', '=', input.organisationId)
      .execute()
  }
  await recordAudit(trx, {
    actorUserId: input.actorUserId,
    action: 'membership.removed',
    entityType: 'membership',
    entityId: membership.id,
    before: { organisation_id: input.organisationId, user_id: input.memberUserId, role: membership.role },
    after: mainContactUserId === undefined ? undefined : { main_contact_user_id: mainContactUserId },
  })
}
