/**
 * Role grants made by administrators: assessor, panel chair, fund manager, finance officer, funder viewer and admin
 * (applicant and organisation admin come from organisation membership instead). A funder viewer sees one funder's
 * figures, so that grant names the funder; no other grant may. Every grant and removal is audited, and an admin cannot
 * remove their own admin role, so the system is never left without one by accident.
 */
import { sql, type Transaction } from 'kysely'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import { GRANTABLE_ROLES, ROLE_LABELS, type Role } from '~/lib/policy.ts'

export type GrantableRole = (typeof GRANTABLE_ROLES)[number]

export function isGrantableRole(value: string): value is GrantableRole {
  return (GRANTABLE_ROLES as readonly string[]).includes(value)
}

/** A grant that breaks the rules (a role that cannot be granted, a funder missing or not allowed); names its field. */
export class RoleGrantError extends DomainError {
  constructor(field: 'role' | 'funderId', message: string) {
    super(message, { code: 'role_grant_invalid', status: 400, field })
  }
}

export class DuplicateRoleGrantError extends DomainError {
  constructor(role: GrantableRole) {
    const message =
      role === 'funder_viewer' ? 'This person is already a funder viewer for that funder.' : `This person already has the ${ROLE_LABELS[role]} role.`
    super(message, { code: 'role_already_granted', status: 409, field: 'role' })
  }
}

export class SelfAdminRevokeError extends ConflictError {
  constructor() {
    super('You cannot remove your own administrator role. Ask another administrator to do it.', 'self_admin_revoke')
  }
}

export interface GrantRoleInput {
  /** The administrator granting it; null when the system does (the first admin, at setup or in the demo seed). */
  actorUserId: number | null
  userId: number
  role: string
  funderId?: number | null
}

/** The user being granted a role; on PostgreSQL their row is locked so two identical grants at once take turns. */
async function lockLiveUser(trx: Transaction<DB>, userId: number) {
  let query = trx.selectFrom('users').select(['id', 'anonymised_at']).where('id', '=', userId)
  if (engineOf(trx) === 'postgres') query = query.forUpdate()
  const user = await query.executeTakeFirst()
  if (!user || user.anonymised_at) throw new NotFoundError('user')
  return user
}

async function checkFunder(trx: Transaction<DB>, role: GrantableRole, funderId: number | null): Promise<void> {
  if (role !== 'funder_viewer') {
    if (funderId !== null) throw new RoleGrantError('funderId', `Do not choose a funder for the ${ROLE_LABELS[role]} role: only funder viewers have one`)
    return
  }
  if (funderId === null) throw new RoleGrantError('funderId', 'Select the funder whose figures this person may see')
  const funder = await trx.selectFrom('funders').select('id').where('id', '=', funderId).executeTakeFirst()
  if (!funder) throw new RoleGrantError('funderId', 'Select a funder from the list')
}

/**
 * Grants a role. The database's unique index on (user, role, funder) lets NULL funders repeat, so duplicates are
 * checked here, inside the write transaction, after locking the user (BEGIN IMMEDIATE does the same on SQLite).
 */
export async function grantRole(trx: Transaction<DB>, input: GrantRoleInput) {
  if (!isGrantableRole(input.role)) throw new RoleGrantError('role', 'Select a role from the list')
  const role = input.role
  const funderId = input.funderId ?? null
  await lockLiveUser(trx, input.userId)
  await checkFunder(trx, role, funderId)
  const existing = await trx
    .selectFrom('user_roles')
    .select('id')
    .where('user_id', '=', input.userId)
    .where('role', '=', role)
    .where((eb) => (funderId === null ? eb('funder_id', 'is', null) : eb('funder_id', '=', funderId)))
    .executeTakeFirst()
  if (existing) throw new DuplicateRoleGrantError(role)
  const grant = await trx
    .insertInto('user_roles')
    .values({ user_id: input.userId, role, funder_id: funderId, granted_by: input.actorUserId, created_at: new Date().toISOString() })
    .returningAll()
    .executeTakeFirstOrThrow()
  await recordAudit(trx, { actorUserId: input.actorUserId, action: 'role.granted', entityType: 'user', entityId: input.userId, after: grant })
  return grant
}

export interface RevokeRoleInput {
  actorUserId: number
  userId: number
  grantId: number
}

/** Removes one of a user's grants. An admin cannot remove their own admin role (409). */
export async function revokeRole(trx: Transaction<DB>, input: RevokeRoleInput): Promise<void> {
  const grant = await trx
    .selectFrom('user_roles')
    .selectAll()
    .where('id', '=', input.grantId)
    .where('user_id', '=', input.userId)
    .executeTakeFirst()
  if (!grant) throw new NotFoundError('role')
  if (grant.role === 'admin' && grant.user_id === input.actorUserId) throw new SelfAdminRevokeError()
  await trx.deleteFrom('user_roles').where('id', '=', grant.id).execute()
  await recordAudit(trx, { actorUserId: input.actorUserId, action: 'role.revoked', entityType: 'user', entityId: input.userId, before: grant })
}

export interface UserListItem {
  id: number
  name: string
  email: string
  roles: string[]
  anonymised: boolean
  createdAt: string
}

export interface UserPage {
  users: UserListItem[]
  /** Pass as `after` for the next page; null on the last page. */
  nextAfter: number | null
}

/** `%`, `_` and `\` typed into a search box mean themselves, not LIKE wildcards. */
function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

/**
 * Users by id, a page at a time (keyset: `after` is the last id of the previous page), optionally only those whose
 * name or email contains `q` (case-insensitive).
 */
export async function listUsers(db: Db, input: { after?: number | null; limit: number; q?: string | null }): Promise<UserPage> {
  const q = input.q?.trim()
  let query = db.selectFrom('users').select(['id', 'name', 'email', 'anonymised_at', 'created_at']).orderBy('id').limit(input.limit + 1)
  if (input.after) query = query.where('id', '>', input.after)
  if (q) {
    const pattern = likePattern(q)
    query = query.where((eb) =>
      eb.or([sql<boolean>`lower(email) like ${pattern} escape '\\'`, sql<boolean>`lower(name) like ${pattern} escape '\\'`]),
    )
  }
  const rows = await query.execute()
  const page = rows.slice(0, input.limit)
  const grants = page.length
    ? await db.selectFrom('user_roles').select(['user_id', 'role']).where('user_id', 'in', page.map((u) => u.id)).orderBy('id').execute()
    : []
  return {
    users: page.map((u) => ({
      id: u.id,
      name: u.name,
      email: u.email,
      roles: [...new Set(grants.filter((g) => g.user_id === u.id).map((g) => g.role))],
      anonymised: !!u.anonymised_at,
      createdAt: u.created_at,
    })),
    nextAfter: rows.length > input.limit ? page[page.length - 1].id : null,
  }
}

export interface UserAccess {
  user: { id: number; name: string; email: string; createdAt: string; anonymised: boolean; twoFactor: boolean }
  grants: { id: number; role: string; roleLabel: string; funderId: number | null; funderName: string | null; grantedAt: string }[]
  memberships: { organisationId: number; organisationName: string; role: 'member' | 'admin' }[]
}

/** One user's details, role grants and organisation memberships, for the admin user page. */
export async function getUserAccess(db: Db, userId: number): Promise<UserAccess | undefined> {
  const user = await db
    .selectFrom('users')
    .select(['id', 'name', 'email', 'created_at', 'anonymised_at', 'totp_enabled_at'])
    .where('id', '=', userId)
    .executeTakeFirst()
  if (!user) return undefined
  const [grants, memberships] = await Promise.all([
    db
      .selectFrom('user_roles')
      .leftJoin('funders', 'funders.id', 'user_roles.funder_id')
      .select(['user_roles.id', 'user_roles.role', 'user_roles.funder_id', 'funders.name as funder_name', 'user_roles.created_at'])
      .where('user_roles.user_id', '=', userId)
      .orderBy('user_roles.id')
      .execute(),
    db
      .selectFrom('memberships')
      .innerJoin('organisations', 'organisations.id', 'memberships.organisation_id')
      .select(['organisations.id', 'organisations.name', 'memberships.role'])
      .where('memberships.user_id', '=', userId)
      .orderBy('organisations.name')
      .execute(),
  ])
  return {
    user: {
      id: user.id,
      name: user.name,
      email: user.email,
      createdAt: user.created_at,
      anonymised: !!user.anonymised_at,
      twoFactor: !!user.totp_enabled_at,
    },
    grants: grants.map((g) => ({
      id: g.id,
      role: g.role,
      roleLabel: ROLE_LABELS[g.role as Role] ?? g.role,
      funderId: g.funder_id,
      funderName: g.funder_name,
      grantedAt: g.created_at,
    })),
    memberships: memberships.map((m) => ({ organisationId: m.id, organisationName: m.name, role: m.role })),
  }
}

/** Funders to choose from when granting the funder viewer role. */
export async function listFunderChoices(db: Db): Promise<{ id: number; name: string }[]> {
  return db.selectFrom('funders').select(['id', 'name']).orderBy('name').execute()
}
