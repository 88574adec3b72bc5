/**
 * Real HTTP against the built app for the sessions-and-headers proofs: a request helper that carries a cookie, a
 * client IP (the server runs with TRUST_PROXY=true, so X-Forwarded-For stands in for the caller's address) and the
 * Origin the CSRF check wants; sign-in through the form; and every page of the app (one per route file) with its
 * parameters filled from the demo world.
 */
import fs from 'node:fs'
import { request as httpRequest } from 'node:http'
import path from 'node:path'
import { db } from '../../../app/lib/db.server.ts'

export const SESSION_COOKIE = 'cp_session'

export interface Http {
  (pathname: string, init?: { method?: string; cookie?: string | null; form?: Record<string, string>; ip?: string; headers?: Record<string, string> }): Promise<Response>
}

export function httpClient(baseUrl: string): Http {
  return (pathname, init = {}) => {
    const headers: Record<string, string> = { ...init.headers }
    if (init.cookie) headers.Cookie = init.cookie
    if (init.ip) headers['X-Forwarded-For'] = init.ip
    const method = init.method ?? (init.form ? 'POST' : 'GET')
    if (method !== 'GET' && method !== 'HEAD') headers.Origin ??= baseUrl
    return fetch(`${baseUrl}${pathname}`, { method, headers, body: init.form ? new URLSearchParams(init.form) : undefined, redirect: 'manual' })
  }
}

/**
 * A request that announces a body it never sends (e.g. Content-Length: 3 MB), for answers the server gives from the
 * headers alone; fetch would have to send the whole body first, and the server may hang up on it half-way.
 */
export function headersOnlyRequest(baseUrl: string, pathname: string, init: { method: string; headers: Record<string, string> }): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${baseUrl}${pathname}`, { method: init.method, headers: init.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const headers = new Headers()
        for (const [name, value] of Object.entries(res.headers)) for (const v of ([] as string[]).concat(value ?? [])) headers.append(name, v)
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers }))
        req.destroy()
      })
    })
    req.on('error', reject)
    req.flushHeaders()
  })
}

/** The session cookie a response sets (`cp_session=...`), '' when it clears it, undefined when it does not touch it. */
export function sessionCookieOf(res: Response): string | undefined {
  const set = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))
  if (set === undefined) return undefined
  const pair = set.split(';')[0]!
  return pair === `${SESSION_COOKIE}=` ? '' : pair
}

export interface SignInAnswer {
  status: number
  location: string | null
  cookie: string | undefined
}

export async function signInOverHttp(http: Http, email: string, password: string, options: { ip: string; cookie?: string | null; redirectTo?: string }): Promise<SignInAnswer> {
  const res = await http('/login', { form: { email, password, redirectTo: options.redirectTo ?? '' }, ip: options.ip, cookie: options.cookie })
  await res.arrayBuffer()
  return { status: res.status, location: res.headers.get('location'), cookie: sessionCookieOf(res) }
}

/** Where a GET sends this cookie: 'ok' (200), or the redirect's path (e.g. '/login'), or the status. */
export async function whereTo(http: Http, pathname: string, cookie: string | null | undefined, ip: string): Promise<string> {
  const res = await http(pathname, { cookie, ip })
  await res.arrayBuffer()
  if (res.status === 200) return 'ok'
  const location = res.headers.get('location')
  return location ? new URL(location, 'http://x').pathname : String(res.status)
}

export interface Page {
  /** The route file, e.g. finance.payment-runs.$runId.tsx */
  file: string
  path: string
}

/** A route file's URL (Remix v2 flat routes): dots are slashes, `$x` a parameter, `_index`, `name_` and `_layout` do not add to the path, `[.]` is a literal dot. */
export function routeFilePath(file: string, params: Record<string, string>): string {
  const stem = file.replace(/\.(tsx|ts)$/, '')
  const segments = stem.split(/\.(?![^[]*\])/)
  const parts: string[] = []
  for (const raw of segments) {
    if (raw === '_index' || (raw.startsWith('_') && raw !== '_')) continue
    let segment = raw.replace(/_$/, '').replace(/\[(.*?)\]/g, '$1')
    segment = segment.replace(/^\$([A-Za-z]+)/, (_m, name: string) => {
      const value = params[name]
      if (value === undefined) throw new Error(`no value for $${name} in ${file}`)
      return encodeURIComponent(value)
    })
    parts.push(segment)
  }
  return `/${parts.join('/')}`
}

async function firstId(table: 'applications' | 'assessments' | 'bank_accounts' | 'documents' | 'bank_statement_imports' | 'jobs' | 'outbox_messages' | 'organisations' | 'places' | 'payment_runs' | 'users' | 'funds'): Promise<string> {
  const row = await db.selectFrom(table).select('id').orderBy('id').executeTakeFirst()
  return String(row?.id ?? 999_999)
}

/** Values for every route parameter, from the demo world, related where a route nests (an award's own tranche). */
export async function worldParams(): Promise<Record<string, string>> {
  const tranche = await db.selectFrom('tranches').select(['id', 'award_id']).orderBy('id').executeTakeFirstOrThrow()
  const condition = await db.selectFrom('award_conditions').select('id').where('award_id', '=', tranche.award_id).orderBy('id').executeTakeFirst()
  const ret = await db.selectFrom('returns').select('id').where('award_id', '=', tranche.award_id).orderBy('id').executeTakeFirst()
  const criterion = await db.selectFrom('criteria').select(['id', 'round_id']).orderBy('id').executeTakeFirstOrThrow()
  const question = await db.selectFrom('questions').select('id').where('round_id', '=', criterion.round_id).orderBy('id').executeTakeFirst()
  const contribution = await db.selectFrom('contributions').select(['id', 'pot_id']).orderBy('id').executeTakeFirstOrThrow()
  const round = await db.selectFrom('rounds').select('slug').where('status', '=', 'published').orderBy('id').executeTakeFirstOrThrow()
  return {
    applicationId: await firstId('applications'),
    assessmentId: await firstId('assessments'),
    awardId: String(tranche.award_id),
    trancheId: String(tranche.id),
    conditionId: String(condition?.id ?? 999_999),
    returnId: String(ret?.id ?? 999_999),
    bankAccountId: await firstId('bank_accounts'),
    contributionId: String(contribution.id),
    potId: String(contribution.pot_id),
    roundId: String(criterion.round_id),
    criterionId: String(criterion.id),
    questionId: String(question?.id ?? 999_999),
    documentId: await firstId('documents'),
    fundId: await firstId('funds'),
    importId: await firstId('bank_statement_imports'),
    jobId: await firstId('jobs'),
    messageId: await firstId('outbox_messages'),
    organisationId: await firstId('organisations'),
    placeId: await firstId('places'),
    runId: await firstId('payment_runs'),
    userId: await firstId('users'),
    slug: round.slug,
    sectionNumber: '1',
    token: 'not-a-real-invitation-token',
  }
}

/** One page per route file in app/routes (tests excluded), its parameters filled from the world. */
export async function everyPage(): Promise<Page[]> {
  const params = await worldParams()
  return fs
    .readdirSync(path.resolve('app/routes'))
    .filter((f) => /\.(tsx|ts)$/.test(f) && !/\.test\.tsx?$/.test(f))
    .sort()
    .map((file) => ({ file, path: routeFilePath(file, params) }))
}

/** Runs `fn` over `items` with at most `limit` at once, answers in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await fn(items[i]!)
      }
    }),
  )
  return out
}
