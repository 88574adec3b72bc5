/**
 * Server-side sessions. The cookie holds only a random token (signed, HttpOnly, SameSite=Lax, Secure in production);
 * the database holds its SHA-256, so sessions can be listed and revoked, and a leaked database holds no usable token.
 * A new token is issued at every sign-in (rotation); sign-out and password change revoke.
 * Flash messages ride in a separate short-lived cookie.
 */
import crypto from 'node:crypto'
import { createCookie, createCookieSessionStorage } from '@remix-run/node'
import type { Kysely, Transaction } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { env } from './env.server.ts'

export const SESSION_TTL_MS = 14 * 24 * 60 * 60 * 1000
export const SESSION_COOKIE_NAME = 'cp_session'

let sessionCookieCache: ReturnType<typeof createCookie> | undefined
export function sessionCookie() {
  sessionCookieCache ??= createCookie(SESSION_COOKIE_NAME, {
    httpOnly: true,
    sameSite: 'lax',
    secure: env().secureCookies,
    path: '/',
    maxAge: SESSION_TTL_MS / 1000,
    secrets: [env().sessionSecret],
  })
  return sessionCookieCache
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex')
}

export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url')
}

export async function readSessionToken(request: Request): Promise<string | null> {
  const value = await sessionCookie().parse(request.headers.get('Cookie'))
  return typeof value === 'string' && value.length > 0 ? value : null
}

export interface SessionRow {
  id: number
  user_id: number
  second_factor_at: string | null
  expires_at: string
}

/** The live (not revoked, not expired) session for a cookie token, if any. */
export async function findLiveSession(db: Kysely<DB>, token: string): Promise<SessionRow | undefined> {
  return db
    .selectFrom('sessions')
    .select(['id', 'user_id', 'second_factor_at', 'expires_at'])
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', new Date().toISOString())
    .executeTakeFirst()
}

export async function startSession(
  trx: Transaction<DB>,
  input: { userId: number; ip: string; userAgent: string | null; secondFactor: boolean },
): Promise<{ token: string; sessionId: number }> {
  const token = newToken()
  const now = new Date()
  const row = await trx
    .insertInto('sessions')
    .values({
      token_hash: hashToken(token),
      user_id: input.userId,
      expires_at: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
      second_factor_at: input.secondFactor ? now.toISOString() : null,
      ip: input.ip,
      user_agent: input.userAgent?.slice(0, 300) ?? null,
      last_seen_at: now.toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { token, sessionId: row.id }
}

export async function revokeSessionByToken(db: Kysely<DB> | Transaction<DB>, token: string): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: new Date().toISOString() }).where('token_hash', '=', hashToken(token)).where('revoked_at', 'is', null).execute()
}

export async function commitSessionCookie(token: string): Promise<string> {
  return sessionCookie().serialize(token)
}

export async function destroySessionCookie(): Promise<string> {
  return sessionCookie().serialize('', { maxAge: 0, expires: new Date(0) })
}

// ---------- flash messages ----------
type FlashData = { flash: Flash }
let flashStorageCache: ReturnType<typeof createCookieSessionStorage<Record<string, never>, FlashData>> | undefined
function flashStorage() {
  flashStorageCache ??= createCookieSessionStorage<Record<string, never>, FlashData>({
    cookie: { name: 'cp_flash', httpOnly: true, sameSite: 'lax', secure: env().secureCookies, path: '/', maxAge: 60, secrets: [env().sessionSecret] },
  })
  return flashStorageCache
}

export type FlashKind = 'success' | 'info'
export interface Flash {
  kind: FlashKind
  message: string
}

export async function setFlash(request: Request, flash: Flash): Promise<string> {
  const storage = flashStorage()
  const session = await storage.getSession(request.headers.get('Cookie'))
  session.flash('flash', flash)
  return storage.commitSession(session)
}

/** Reads (and clears) the flash message; returns the Set-Cookie header that clears it. */
export async function takeFlash(request: Request): Promise<{ flash: Flash | null; setCookie: string | null }> {
  const storage = flashStorage()
  const cookie = request.headers.get('Cookie')
  if (!cookie?.includes('cp_flash=')) return { flash: null, setCookie: null }
  const session = await storage.getSession(cookie)
  const flash = session.get('flash') ?? null
  return { flash, setCookie: flash ? await storage.commitSession(session) : null }
}
