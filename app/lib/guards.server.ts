/**
 * Guards for loaders and actions. They throw Responses (a redirect to sign in, a 403), so a route reads
 * `const user = await requirePermission(request, 'approve:payment-run:any')` and carries on.
 * Every loader and action calls one of these; data is then scoped to the user in the query itself.
 */
import { redirect } from '@remix-run/node'
import type { Kysely } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { db } from './db.server.ts'
import { permissionsFor, requires2fa, ROLES, type Permission, type Role } from './policy.ts'
import { findLiveSession, readSessionToken } from './session.server.ts'

export interface CurrentUser {
  id: number
  email: string
  name: string
  roles: Role[]
  /** Funders this user may see figures for (funder viewers). */
  funderIds: number[]
  /** Organisations this user belongs to, and those they administer. */
  organisationIds: number[]
  adminOrganisationIds: number[]
  sessionId: number
  totpEnabled: boolean
  secondFactorVerified: boolean
  permissions: Set<Permission>
}

const TWO_FACTOR_PATHS = ['/login/two-factor', '/account/two-factor', '/logout']

/** Loads the user behind a session id (roles from grants plus organisation memberships). */
export async function loadCurrentUser(database: Kysely<DB>, session: { id: number; user_id: number; second_factor_at: string | null }): Promise<CurrentUser | null> {
  const user = await database
    .selectFrom('users')
    .select(['id', 'email', 'name', 'totp_enabled_at', 'anonymised_at'])
    .where('id', '=', session.user_id)
    .executeTakeFirst()
  if (!user || user.anonymised_at) return null
  const [grants, memberships] = await Promise.all([
    database.selectFrom('user_roles').select(['role', 'funder_id']).where('user_id', '=', user.id).execute(),
    database.selectFrom('memberships').select(['organisation_id', 'role']).where('user_id', '=', user.id).execute(),
  ])
  const roles = new Set<Role>()
  for (const g of grants) if ((ROLES as readonly string[]).includes(g.role)) roles.add(g.role as Role)
  if (memberships.length > 0) roles.add('applicant')
  if (memberships.some((m) => m.role === 'admin')) roles.add('organisation_admin')
  const roleList = ROLES.filter((r) => roles.has(r))
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    roles: roleList,
    funderIds: grants.filter((g) => g.role === 'funder_viewer' && g.funder_id !== null).map((g) => g.funder_id!),
    organisationIds: memberships.map((m) => m.organisation_id),
    adminOrganisationIds: memberships.filter((m) => m.role === 'admin').map((m) => m.organisation_id),
    sessionId: session.id,
    totpEnabled: !!user.totp_enabled_at,
    secondFactorVerified: !!session.second_factor_at,
    permissions: permissionsFor(roleList),
  }
}

/** The signed-in user, or null. Does not enforce two-factor: use for pages anyone may see (the layout, /funding). */
export async function getOptionalUser(request: Request): Promise<CurrentUser | null> {
  const token = await readSessionToken(request)
  if (!token) return null
  const session = await findLiveSession(db, token)
  if (!session) return null
  return loadCurrentUser(db, session)
}

function signInRedirect(request: Request): Response {
  const url = new URL(request.url)
  const redirectTo = `${url.pathname}${url.search}`
  return redirect(`/login?redirectTo=${encodeURIComponent(redirectTo)}`)
}

/**
 * The signed-in user, or a redirect to sign in. Enforces two-factor authentication: a user with TOTP enabled must have
 * passed it in this session; a user whose role requires it (finance officer, admin) must enrol before anything else.
 */
export async function requireUser(request: Request): Promise<CurrentUser> {
  const user = await getOptionalUser(request)
  if (!user) throw signInRedirect(request)
  const path = new URL(request.url).pathname
  if (!TWO_FACTOR_PATHS.includes(path)) {
    if (user.totpEnabled && !user.secondFactorVerified) throw redirect(`/login/two-factor?redirectTo=${encodeURIComponent(path)}`)
    if (!user.totpEnabled && requires2fa(user.roles)) throw redirect('/account/two-factor?required=1')
  }
  return user
}

export function forbidden(message = 'You do not have permission to do that.'): Response {
  return new Response(message, { status: 403, statusText: 'Forbidden' })
}

export function notFound(message = 'We could not find that page.'): Response {
  return new Response(message, { status: 404, statusText: 'Not Found' })
}

export async function requirePermission(request: Request, permission: Permission): Promise<CurrentUser> {
  const user = await requireUser(request)
  if (!user.permissions.has(permission)) throw forbidden()
  return user
}

/** The first of several permissions the user holds (e.g. `read:application:any` or `read:application:own`). */
export async function requireAnyPermission<P extends Permission>(request: Request, permissions: readonly P[]): Promise<{ user: CurrentUser; permission: P }> {
  const user = await requireUser(request)
  const permission = permissions.find((p) => user.permissions.has(p))
  if (!permission) throw forbidden()
  return { user, permission }
}

export function clientIp(context: { clientIp?: string } | undefined): string {
  return context?.clientIp ?? 'unknown'
}
