/**
 * A realistic world for the reliability proofs: the demo seed (db/seed/demo.ts, through the domain functions) in this
 * test file's own database, and signed-in requests for its people.
 *
 *   await seedWorld()                                   // once per file, in beforeAll (about 3 s)
 *   const req = await requestAs('manager', '/manage/returns')
 *   const post = await requestAs('applicant', '/awards/3', { body: { intent: 'accept' } })
 *   const anon = anonymousRequest('/finance')
 *   const god = await superuserId()                     // every role, admin of every organisation, 2FA passed
 */
import crypto from 'node:crypto'
import { beginTotpEnrolment } from '../../../app/domain/identity/totp.server.ts'
import { db } from '../../../app/lib/db.server.ts'
import { GRANTABLE_ROLES } from '../../../app/lib/policy.ts'
import { DEMO_DOMAIN, seedDemo } from '../../../db/seed/demo.ts'
import { signedInRequest } from '../../factories/sessions.ts'

/** The demo people by the part of their email before @ (see DEMO_ACCOUNTS and the organisations' admins). */
export type DemoPerson = 'applicant' | 'orgadmin' | 'assessor' | 'assessor2' | 'assessor3' | 'chair' | 'manager' | 'finance' | 'finance2' | 'funder' | 'admin' | 'salford' | 'tyneside' | 'hackney'

export async function seedWorld(): Promise<void> {
  const result = await seedDemo(db, { appOrigin: 'http://localhost', dataDir: process.env.DATA_DIR })
  if (!result.seeded) throw new Error('the demo seed did not run: this file’s database was not empty')
}

export function emailOf(person: DemoPerson): string {
  return `${person}@${DEMO_DOMAIN}`
}

const ids = new Map<string, number>()
export async function userIdOf(person: DemoPerson | string): Promise<number> {
  const email = person.includes('@') ? person : emailOf(person as DemoPerson)
  const known = ids.get(email)
  if (known) return known
  const row = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()
  ids.set(email, row.id)
  return row.id
}

export type Body = URLSearchParams | FormData | Record<string, string>

/** A request from a signed-in demo person (second factor passed), GET without a body and POST with one. */
export async function requestAs(person: DemoPerson | number, path: string, init: { method?: string; body?: Body } = {}): Promise<Request> {
  const userId = typeof person === 'number' ? person : await userIdOf(person)
  return signedInRequest(path, { userId, ...init })
}

/** A request from nobody signed in (same-origin, as a browser's form post would be). */
export function anonymousRequest(path: string, init: { method?: string; body?: Body } = {}): Request {
  const body = init.body === undefined || init.body instanceof URLSearchParams || init.body instanceof FormData ? init.body : new URLSearchParams(init.body)
  return new Request(new URL(path, 'http://localhost'), { method: init.method ?? (body ? 'POST' : 'GET'), headers: { Origin: 'http://localhost' }, body })
}

/**
 * A person who holds every grantable role and administers every organisation, with two-factor on: for throwing
 * hostile input at every action past its permission check. Their funder-viewer grant covers every funder.
 */
export async function superuserId(): Promise<number> {
  const email = `everything-${crypto.randomBytes(4).toString('hex')}@example.org`
  const now = new Date().toISOString()
  const user = await db.insertInto('users').values({ email, name: 'Test superuser', updated_at: now }).returning('id').executeTakeFirstOrThrow()
  // Two-factor on as the app turns it on: a secret from the enrolment, then enabled. (A user marked enabled with no
  // secret cannot pass the second factor at all, so a well-formed code to /login/two-factor was not refused.)
  await db.transaction().execute((trx) => beginTotpEnrolment(trx, { userId: user.id }))
  await db.updateTable('users').set({ totp_enabled_at: now }).where('id', '=', user.id).execute()
  const funders = await db.selectFrom('funders').select('id').execute()
  for (const role of GRANTABLE_ROLES) {
    if (role === 'funder_viewer') for (const f of funders) await db.insertInto('user_roles').values({ user_id: user.id, role, funder_id: f.id }).execute()
    else await db.insertInto('user_roles').values({ user_id: user.id, role }).execute()
  }
  const organisations = await db.selectFrom('organisations').select('id').execute()
  for (const o of organisations) await db.insertInto('memberships').values({ user_id: user.id, organisation_id: o.id, role: 'admin' }).execute()
  return user.id
}
