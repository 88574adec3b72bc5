/**
 * Helpers for the identity tests (not used by the app): people with real passwords, sessions as a browser holds them,
 * and form posts as a browser sends them. Everything goes to the app's database, which each test file gets fresh.
 */
import crypto from 'node:crypto'
import { db } from '~/lib/db.server.ts'
import { commitSessionCookie, sessionCookie, startSession } from '~/lib/session.server.ts'
import type { GrantableRole } from './roles.server.ts'
import { createUser } from './users.server.ts'

export const PASSWORD = 'correct horse battery staple'

export const context = (ip = '127.0.0.1') => ({ cspNonce: '', clientIp: ip })

/** A distinct IP address per call, so one test's failed attempts never throttle another's. */
export function uniqueIp(): string {
  const b = crypto.randomBytes(3)
  return `10.${b[0]}.${b[1]}.${b[2]}`
}

export function uniqueEmail(prefix = 'person'): string {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}@example.org`
}

export interface PersonWithPassword {
  id: number
  email: string
  name: string
  password: string
  totpSecret: string | null
}

/** A person who signed up with PASSWORD, optionally holding a role and with TOTP already turned on. */
export async function createPerson(options: { role?: GrantableRole; totpSecret?: string; email?: string } = {}): Promise<PersonWithPassword> {
  const user = await db.transaction().execute((trx) => createUser(trx, { email: options.email ?? uniqueEmail(), name: 'Sam Example', password: PASSWORD, actorUserId: null }))
  if (options.role) await db.insertInto('user_roles').values({ user_id: user.id, role: options.role }).execute()
  if (options.totpSecret) {
    await db.updateTable('users').set({ totp_secret: options.totpSecret, totp_enabled_at: new Date().toISOString() }).where('id', '=', user.id).execute()
  }
  return { ...user, password: PASSWORD, totpSecret: options.totpSecret ?? null }
}

/** A live session for the user, as the Cookie header a browser would send with it. */
export async function sessionFor(userId: number, options: { secondFactor?: boolean } = {}): Promise<{ token: string; cookie: string; sessionId: number }> {
  const { token, sessionId } = await db
    .transaction()
    .execute((trx) => startSession(trx, { userId, ip: '127.0.0.1', userAgent: 'vitest', secondFactor: options.secondFactor ?? true }))
  return { token, sessionId, cookie: await cookieHeaderFor(token) }
}

export async function cookieHeaderFor(token: string): Promise<string> {
  return (await commitSessionCookie(token)).split(';')[0]
}

export function post(path: string, fields: Record<string, string>, options: { cookie?: string } = {}): Request {
  const headers: Record<string, string> = { Origin: 'http://localhost', 'User-Agent': 'vitest' }
  if (options.cookie) headers.Cookie = options.cookie
  return new Request(new URL(path, 'http://localhost'), { method: 'POST', headers, body: new URLSearchParams(fields) })
}

export function get(path: string, options: { cookie?: string } = {}): Request {
  return new Request(new URL(path, 'http://localhost'), { headers: options.cookie ? { Cookie: options.cookie } : {} })
}

/** Runs a loader or action and returns its Response, whether it was returned or thrown (a redirect, a 403). */
export async function respond(run: () => Promise<unknown>): Promise<Response> {
  try {
    const result = await run()
    if (result instanceof Response) return result
    return new Response(JSON.stringify(result), { status: 200 })
  } catch (e) {
    if (e instanceof Response) return e
    throw e
  }
}

/** The session token a response set, or null (an empty value means the cookie was cleared). */
export async function sessionTokenSetBy(response: Response): Promise<string | null> {
  const header = response.headers.getSetCookie().find((c) => c.startsWith('cp_session='))
  if (!header) return null
  const value = await sessionCookie().parse(header.split(';')[0])
  return typeof value === 'string' ? value : null
}

/** The message of the form-level and field errors in a Conform reply. */
export async function replyErrors(response: Response): Promise<{ form: string[]; fields: Record<string, string[]> }> {
  const body = (await response.clone().json()) as { error?: Record<string, string[] | null> } | { result?: { error?: Record<string, string[] | null> } }
  const error = ('result' in body ? body.result?.error : 'error' in body ? body.error : undefined) ?? {}
  const fields: Record<string, string[]> = {}
  for (const [name, messages] of Object.entries(error)) if (name !== '' && messages) fields[name] = messages
  return { form: error[''] ?? [], fields }
}
