/**
 * Guards for loaders and actions. They throw Responses (a redirect to sign in, a 403), so a route reads
 * `const user = await requirePermission(request, 'approve:payment-run:any')` and carries on.
 * Every loader and action calls one of these; data is then scoped to the user in the query itself.
 */
import { redirect } from '@remix-run/node'
import { sql, type Kysely } from 'kysely'
import { engineOf } from '../../db/connect.ts'
import type { DB } from '../../db/schema.ts'
import { compiledOnce, type CompiledQueries, type SlotFor } from './compiled-once.server.ts'
import { db } from './db.server.ts'
import { permissionsFor, requires2fa, ROLES, type Permission, type Role } from './policy.ts'
import { hashToken, readSessionToken } from './session.server.ts'

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

type Grant = { role: string; funder_id: number | null }
type Membership = { organisation_id: number; role: string }

function currentUserOf(
  session: { id: number; second_factor_at: string | null },
  user: { id: number; email: string; name: string; totp_enabled_at: string | null },
  grants: readonly Grant[],
  memberships: readonly Membership[],
): CurrentUser {
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
  return currentUserOf(session, user, grants, memberships)
}

/** A JSON array read back from either engine (pg parses json columns itself; SQLite returns the text). */
function jsonRows<T>(value: unknown): T[] {
  return (typeof value === 'string' ? JSON.parse(value) : value ?? []) as T[]
}

/** The session-and-user statement, compiled once for each engine (sessionUserQuery). */
const sessionUserQueries: CompiledQueries<SessionUserRow> = new Map()

interface SessionUserRow {
  session_id: number
  second_factor_at: string | null
  id: number
  email: string
  name: string
  totp_enabled_at: string | null
  anonymised_at: string | null
  grants: unknown
  memberships: unknown
}

/** The live session with this token hash at `now`, its user, and their grants and memberships as JSON arrays. */
function sessionUserQuery(database: Kysely<DB>, slot: SlotFor) {
  const postgres = engineOf(database) === 'postgres'
  const grants = postgres
    ? sql<unknown>`(select coalesce(json_agg(json_build_array(g.role, g.funder_id)), '[]'::json) from user_roles g where g.user_id = users.id)`
    : sql<unknown>`(select json_group_array(json_array(g.role, g.funder_id)) from user_roles g where g.user_id = users.id)`
  const memberships = postgres
    ? sql<unknown>`(select coalesce(json_agg(json_build_array(m.organisation_id, m.role)), '[]'::json) from memberships m where m.user_id = users.id)`
    : sql<unknown>`(select json_group_array(json_array(m.organisation_id, m.role)) from memberships m where m.user_id = users.id)`
  return database
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id as session_id', 'sessions.second_factor_at', 'users.id', 'users.email', 'users.name', 'users.totp_enabled_at', 'users.anonymised_at'])
    .select([grants.as('grants'), memberships.as('memberships')])
    .where('sessions.token_hash', '=', slot<string>('tokenHash'))
    .where('sessions.revoked_at', 'is', null)
    .where('sessions.expires_at', '>', slot<string>('now'))
}

/**
 * The user behind a cookie token in ONE round trip: the live session (not revoked, not expired — the same test as
 * findLiveSession), its user, their role grants and their memberships, the last two as JSON arrays. Every signed-in
 * request pays for this, and on PostgreSQL each round trip costs about as much CPU as the query itself (so it is also
 * kept prepared there: a unique token and a user id, the same plan for every parameter). The statement is built and
 * compiled once (compiledOnce): building it with Kysely on every request cost more than running it on SQLite.
 */
export async function findSessionUser(database: Kysely<DB>, token: string): Promise<CurrentUser | null> {
  const query = compiledOnce(sessionUserQueries, database, 'session user', (slot) => sessionUserQuery(database, slot), { tokenHash: hashToken(token), now: new Date().toISOString() }, { onlySlots: true })
  const [row] = (await database.executeQuery(query)).rows
  if (!row || row.anonymised_at) return null
  return currentUserOf(
    { id: row.session_id, second_factor_at: row.second_factor_at },
    row,
    jsonRows<[string, number | null]>(row.grants).map(([role, funder_id]) => ({ role, funder_id })),
    jsonRows<[number, string]>(row.memberships).map(([organisation_id, role]) => ({ organisation_id, role })),
  )
}

/**
 * Lookups in flight, by request context. Remix gives each loader of a request its own copy of the Request but the same
 * load context object, and starts the root's and the page's loaders together: the second one to ask for the user
 * shares the first one's lookup instead of repeating it. An entry lives only while its lookup is in flight (and is
 * for one Cookie header), so nothing is remembered across requests, or from an action to the loaders after it.
 */
const inFlight = new WeakMap<object, { cookie: string | null; user: Promise<CurrentUser | null> }>()

/**
 * The signed-in user, or null. Does not enforce two-factor: use for pages anyone may see (the layout, /funding).
 * Pass the loader's `context` so the root's and the page's loaders read the session once per request.
 */
export function getOptionalUser(request: Request, context?: object): Promise<CurrentUser | null> {
  if (!context) return lookUpUser(request)
  const cookie = request.headers.get('Cookie')
  const pending = inFlight.get(context)
  if (pending && pending.cookie === cookie) return pending.user
  const user = lookUpUser(request)
  const entry = { cookie, user }
  inFlight.set(context, entry)
  const forget = () => {
    if (inFlight.get(context) === entry) inFlight.delete(context)
  }
  user.then(forget, forget)
  return user
}

async function lookUpUser(request: Request): Promise<CurrentUser | null> {
  const token = await readSessionToken(request)
  if (!token) return null
  return findSessionUser(db, token)
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
export async function requireUser(request: Request, context?: object): Promise<CurrentUser> {
  const user = await getOptionalUser(request, context)
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

export async function requirePermission(request: Request, permission: Permission, context?: object): Promise<CurrentUser> {
  const user = await requireUser(request, context)
  if (!user.permissions.has(permission)) throw forbidden()
  return user
}

/** The first of several permissions the user holds (e.g. `read:application:any` or `read:application:own`). */
export async function requireAnyPermission<P extends Permission>(
  request: Request,
  permissions: readonly P[],
  context?: object,
): Promise<{ user: CurrentUser; permission: P }> {
  const user = await requireUser(request, context)
  const permission = permissions.find((p) => user.permissions.has(p))
  if (!permission) throw forbidden()
  return { user, permission }
}

export function clientIp(context: { clientIp?: string } | undefined): string {
  return context?.clientIp ?? 'unknown'
}
