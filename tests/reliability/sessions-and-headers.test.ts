/**
 * Sessions and headers (issue 9, item 6), over real HTTP against the built server on the demo world: the session token
 * is replaced at every sign-in and the old one stops working; sign-out and a password change end sessions; a burst of
 * wrong passwords is throttled exactly, and the right password is refused while throttled; every response (each page
 * of the app as anonymous, an applicant and someone holding every role, plus 404s, static files and refusals made
 * before the app) carries the security headers and the CSP; finance officers and admins must enrol in two-factor
 * before anything else, and must pass it before any page.
 */
import crypto from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { currentTotpCode, MAX_SECOND_FACTOR_FAILURES } from '../../app/domain/identity/totp.server.ts'
import { MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_IP } from '../../app/domain/identity/sign-in.server.ts'
import { createUser } from '../../app/domain/identity/users.server.ts'
import { db } from '../../app/lib/db.server.ts'
import { DEMO_PASSWORD } from '../../db/seed/demo.ts'
import { recordCheck } from './support/record.ts'
import { startApp, type RunningApp } from './support/server.ts'
import { everyPage, headersOnlyRequest, httpClient, mapLimit, sessionCookieOf, signInOverHttp, whereTo, type Http, type Page } from './support/sessions-http.ts'
import { emailOf, requestAs, seedWorld, superuserId } from './support/world.ts'

const AREA = 'Sessions and headers'
const PASSWORD = 'correct horse battery staple'
/** Pages requireUser lets through before two-factor (so someone can enrol, pass it, or sign out). */
const TWO_FACTOR_PATHS = ['/login/two-factor', '/account/two-factor', '/logout']

let app: RunningApp
let http: Http
let pages: Page[]

/** A fresh address per check, so the per-IP throttle of one check never touches another. */
let ipCounter = 0
function newIp(): string {
  ipCounter++
  return `10.${Math.floor(ipCounter / 250)}.${ipCounter % 250}.${1 + Math.floor(Math.random() * 250)}`
}

async function newAccount(label: string, roles: string[] = []): Promise<string> {
  const email = `${label}-${crypto.randomBytes(3).toString('hex')}@example.org`
  const user = await db.transaction().execute((trx) => createUser(trx, { email, name: `Test ${label}`, password: PASSWORD, actorUserId: null }))
  for (const role of roles) await db.insertInto('user_roles').values({ user_id: user.id, role }).execute()
  return email
}

async function cookieFor(person: Parameters<typeof requestAs>[0]): Promise<string> {
  return (await requestAs(person, '/')).headers.get('Cookie')!
}

/** The pages that send someone not signed in to /login: the ones behind requireUser (less the two-factor pages). */
async function guardedPages(): Promise<Page[]> {
  const ip = newIp()
  const answers = await mapLimit(pages, 6, async (p) => {
    const res = await http(p.path, { ip })
    await res.arrayBuffer()
    return res.headers.get('location') ?? ''
  })
  return pages.filter((p, i) => answers[i]!.startsWith('/login?') && !TWO_FACTOR_PATHS.includes(p.path))
}

beforeAll(async () => {
  await seedWorld()
  pages = await everyPage()
  app = await startApp({ env: { TRUST_PROXY: 'true' } })
  http = httpClient(app.baseUrl)
})

afterAll(async () => {
  await app?.stop()
})

describe('sessions', () => {
  test('the session token is replaced at every sign-in and the one before stops working; a made-up or tampered cookie is refused', async () => {
    const email = await newAccount('rotation')
    const ip = newIp()
    let held = 0
    const rotations = 3
    let previous: string | null = null
    const seen = new Set<string>()
    for (let i = 0; i < rotations + 1; i++) {
      const answer = await signInOverHttp(http, email, PASSWORD, { ip, cookie: previous })
      const now = answer.status === 302 && answer.cookie ? answer.cookie : `cp_session=missing-${i}`
      if (previous) {
        const fresh = !seen.has(now) && now !== previous
        const oldDead = (await whereTo(http, '/account', previous, ip)) === '/login'
        const newLive = (await whereTo(http, '/account', now, ip)) === 'ok'
        if (fresh && oldDead && newLive) held++
      }
      seen.add(now)
      previous = now
    }
    recordCheck({ area: AREA, check: 'the session token is replaced at sign-in and the token before no longer works', tried: rotations, held })
    expect(held).toBe(rotations)

    const value = previous!.split('=')[1]!
    const forged = [`cp_session=${crypto.randomBytes(32).toString('base64url')}`, `cp_session=${value.slice(0, -2)}xx`, `cp_session=${encodeURIComponent(`"${crypto.randomBytes(32).toString('base64url')}"`)}.c2lnbmF0dXJl`]
    const refused = (await Promise.all(forged.map((c) => whereTo(http, '/account', c, ip)))).filter((w) => w === '/login').length
    recordCheck({ area: AREA, check: 'a made-up or tampered session cookie is treated as signed out', tried: forged.length, held: refused })
    expect(refused).toBe(forged.length)
  })

  test('signing out ends the session: the old cookie is sent to sign in, for pages and for form posts', async () => {
    const email = await newAccount('sign-out')
    const ip = newIp()
    const { cookie } = await signInOverHttp(http, email, PASSWORD, { ip })
    expect(await whereTo(http, '/account', cookie, ip)).toBe('ok')
    const out = await http('/logout', { method: 'POST', form: {}, cookie, ip })
    expect(out.status).toBe(302)
    expect(sessionCookieOf(out)).toBe('')
    const page = await whereTo(http, '/account', cookie, ip)
    const post = await http('/account/password', { form: { currentPassword: PASSWORD, newPassword: 'another long passphrase', confirmPassword: 'another long passphrase' }, cookie, ip })
    const postLocation = post.headers.get('location') ?? ''
    const held = [page === '/login', post.status === 302 && postLocation.startsWith('/login?')]
    recordCheck({ area: AREA, check: 'after sign-out the old session cookie opens no page and posts no form', tried: held.length, held: held.filter(Boolean).length })
    expect(page).toBe('/login')
    expect(post.status).toBe(302)
    expect(postLocation).toMatch(/^\/login\?/)
  })

  test('changing the password ends every other session and rotates this one; only the new password signs in', async () => {
    const email = await newAccount('password-change')
    const ip = newIp()
    const sessions = await Promise.all([1, 2, 3].map(async () => (await signInOverHttp(http, email, PASSWORD, { ip })).cookie!))
    for (const c of sessions) expect(await whereTo(http, '/account', c, ip)).toBe('ok')
    const newPassword = 'a completely new passphrase'
    const changed = await http('/account/password', { form: { currentPassword: PASSWORD, newPassword, confirmPassword: newPassword }, cookie: sessions[0], ip })
    expect(changed.status).toBe(302)
    const rotated = sessionCookieOf(changed)!
    const outcomes = {
      'the session it was made from, under its old token': await whereTo(http, '/account', sessions[0], ip),
      'another session': await whereTo(http, '/account', sessions[1], ip),
      'a third session': await whereTo(http, '/account', sessions[2], ip),
      'the rotated session': await whereTo(http, '/account', rotated, ip),
      'signing in with the old password': String((await signInOverHttp(http, email, PASSWORD, { ip })).status),
      'signing in with the new password': String((await signInOverHttp(http, email, newPassword, { ip })).status),
    }
    const expected = {
      'the session it was made from, under its old token': '/login',
      'another session': '/login',
      'a third session': '/login',
      'the rotated session': 'ok',
      'signing in with the old password': '400',
      'signing in with the new password': '302',
    }
    const held = Object.entries(expected).filter(([k, v]) => outcomes[k as keyof typeof outcomes] === v).length
    recordCheck({ area: AREA, check: 'a password change ends every other session, rotates its own, and only the new password signs in', tried: Object.keys(expected).length, held })
    expect(rotated).not.toBe(sessions[0])
    expect(outcomes).toEqual(expected)
  })

  test('a burst of wrong passwords for one account from one address is throttled exactly, and then even the right password is refused', async () => {
    const email = await newAccount('burst')
    const ip = newIp()
    const burst = 50
    const answers = await Promise.all(Array.from({ length: burst }, () => signInOverHttp(http, email, 'a wrong password entirely', { ip })))
    const checked = answers.filter((a) => a.status === 400).length
    const throttled = answers.filter((a) => a.status === 429).length
    const held = burst - Math.max(0, checked - MAX_FAILURES_PER_ACCOUNT) - (burst - checked - throttled)
    recordCheck({ area: AREA, check: `50 concurrent wrong passwords for one account: only the first ${MAX_FAILURES_PER_ACCOUNT} are checked, every later answer is the throttled one`, tried: burst, held })
    expect({ checked, throttled }).toEqual({ checked: MAX_FAILURES_PER_ACCOUNT, throttled: burst - MAX_FAILURES_PER_ACCOUNT })

    const right = [await signInOverHttp(http, email, PASSWORD, { ip }), await signInOverHttp(http, email, PASSWORD, { ip: newIp() })]
    const refused = right.filter((a) => a.status === 429 && a.cookie === undefined).length
    recordCheck({ area: AREA, check: 'the right password is refused while the account is throttled (from its address and from another)', tried: right.length, held: refused })
    expect(right.map((a) => a.status)).toEqual([429, 429])
  })

  test('a burst of wrong passwords for many accounts from one address is throttled exactly, and that address then cannot sign in anyone', async () => {
    const ip = newIp()
    const burst = 50
    const answers = await Promise.all(Array.from({ length: burst }, (_, i) => signInOverHttp(http, `nobody-${i}-${crypto.randomBytes(3).toString('hex')}@example.org`, 'a wrong password entirely', { ip })))
    const checked = answers.filter((a) => a.status === 400).length
    const throttled = answers.filter((a) => a.status === 429).length
    const held = burst - Math.max(0, checked - MAX_FAILURES_PER_IP) - (burst - checked - throttled)
    recordCheck({ area: AREA, check: `50 concurrent wrong passwords from one address: only the first ${MAX_FAILURES_PER_IP} are checked, every later answer is the throttled one`, tried: burst, held })
    expect({ checked, throttled }).toEqual({ checked: MAX_FAILURES_PER_IP, throttled: burst - MAX_FAILURES_PER_IP })

    const email = await newAccount('innocent')
    const fromThere = await signInOverHttp(http, email, PASSWORD, { ip })
    const fromElsewhere = await signInOverHttp(http, email, PASSWORD, { ip: newIp() })
    const held2 = [fromThere.status === 429, fromElsewhere.status === 302]
    recordCheck({ area: AREA, check: 'a throttled address cannot sign in even with a right password; the same account signs in from elsewhere', tried: 2, held: held2.filter(Boolean).length })
    expect([fromThere.status, fromElsewhere.status]).toEqual([429, 302])
  })
})

/**
 * A header sent twice arrives joined by a comma (a route may set X-Content-Type-Options itself as well as server.mjs):
 * browsers read such a list, so every value in it must be the expected one.
 */
function every(value: string, expected: string): boolean {
  return value.split(',').every((v) => v.trim() === expected)
}

describe('two-factor throttling', () => {
  test('a burst of wrong security codes for one session is throttled exactly, and then even the right code is refused', async () => {
    const email = await newAccount('code-burst', ['finance_officer'])
    const user = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'
    await db.updateTable('users').set({ totp_secret: secret, totp_enabled_at: new Date().toISOString() }).where('id', '=', user.id).execute()
    const ip = newIp()
    const { cookie } = await signInOverHttp(http, email, PASSWORD, { ip })
    const right = currentTotpCode(secret)
    const wrongCode = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0')
    const burst = 30
    const answers = await Promise.all(
      Array.from({ length: burst }, async () => {
        const res = await http('/login/two-factor', { form: { code: wrongCode, redirectTo: '/finance' }, cookie, ip })
        await res.arrayBuffer()
        return res.status
      }),
    )
    const checked = answers.filter((s) => s === 400).length
    const throttled = answers.filter((s) => s === 429).length
    const held = burst - Math.max(0, checked - MAX_SECOND_FACTOR_FAILURES) - (burst - checked - throttled)
    recordCheck({ area: AREA, check: `${burst} concurrent wrong security codes: only the first ${MAX_SECOND_FACTOR_FAILURES} are checked, every later answer is the throttled one`, tried: burst, held })
    expect({ checked, throttled }).toEqual({ checked: MAX_SECOND_FACTOR_FAILURES, throttled: burst - MAX_SECOND_FACTOR_FAILURES })
    const rightCode = await http('/login/two-factor', { form: { code: currentTotpCode(secret), redirectTo: '/finance' }, cookie, ip })
    recordCheck({ area: AREA, check: 'the right security code is refused while throttled', tried: 1, held: rightCode.status === 429 ? 1 : 0 })
    expect(rightCode.status).toBe(429)
  })
})

const REQUIRED_HEADERS: Record<string, (value: string) => boolean> = {
  'content-security-policy': (v) =>
    ["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "form-action 'self'"].every((d) => v.includes(d)) && /script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}'/.test(v),
  'x-content-type-options': (v) => every(v, 'nosniff'),
  'x-frame-options': (v) => every(v, 'DENY'),
  'referrer-policy': (v) => every(v, 'same-origin'),
  'cross-origin-opener-policy': (v) => every(v, 'same-origin'),
  'cross-origin-resource-policy': (v) => every(v, 'same-origin'),
  'permissions-policy': (v) => v.includes('camera=()') && v.includes('geolocation=()'),
}

type Kind = 'HTML page' | 'JSON' | 'CSV' | 'PDF' | 'redirect' | '403' | '404' | 'other status or type'

function kindOf(res: Response): Kind {
  const type = res.headers.get('content-type') ?? ''
  if (res.status >= 300 && res.status < 400) return 'redirect'
  if (res.status === 403) return '403'
  if (res.status === 404) return '404'
  if (res.status === 200 && type.startsWith('text/html')) return 'HTML page'
  if (res.status === 200 && type.includes('json')) return 'JSON'
  if (res.status === 200 && type.startsWith('text/csv')) return 'CSV'
  if (res.status === 200 && type.startsWith('application/pdf')) return 'PDF'
  return 'other status or type'
}

function missingHeaders(res: Response): string[] {
  const missing = Object.entries(REQUIRED_HEADERS)
    .filter(([name, ok]) => {
      const value = res.headers.get(name)
      return value === null || !ok(value)
    })
    .map(([name]) => name)
  if (res.headers.get('x-powered-by') !== null) missing.push('x-powered-by must not be sent')
  return missing
}

/** Every <script> on an HTML page carries this response's CSP nonce (else the browser refuses it, or the CSP is moot). */
function scriptsWithoutNonce(res: Response, html: string): number {
  const nonce = /'nonce-([^']+)'/.exec(res.headers.get('content-security-policy') ?? '')?.[1]
  const scripts = html.match(/<script\b[^>]*>/g) ?? []
  return scripts.filter((tag) => !nonce || !tag.includes(`nonce="${nonce}"`)).length
}

describe('security headers', () => {
  test('every page, as anonymous, an applicant and someone holding every role, and every other kind of answer, carries the security headers and the CSP', async () => {
    const everything = await superuserId()
    const actors: { who: string; cookie: string | null }[] = [
      { who: 'anonymous', cookie: null },
      { who: 'applicant', cookie: await cookieFor('applicant') },
      { who: 'superuser', cookie: await cookieFor(everything) },
    ]
    const requests: { label: string; path: string; init: Parameters<Http>[1] }[] = []
    for (const a of actors) for (const p of pages) requests.push({ label: `${a.who} GET ${p.path}`, path: p.path, init: { cookie: a.cookie } })
    // Answers made before the app: static files, an unknown page, a cross-site form post, a request too large.
    requests.push(
      { label: 'a static file', path: '/styles.css', init: {} },
      { label: 'a missing static file', path: '/favicon-that-does-not-exist.svg', init: {} },
      { label: 'an unknown page', path: '/no/such/page', init: { cookie: actors[2]!.cookie } },
      { label: 'a cross-site form post', path: '/logout', init: { method: 'POST', form: {}, headers: { Origin: 'https://evil.example' } } },
      { label: 'a request too large', path: '/login', init: { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(3 * 1024 * 1024) } } },
      { label: 'a HEAD request', path: '/', init: { method: 'HEAD' } },
    )
    const byKind = new Map<Kind, { tried: number; held: number }>()
    const misses: string[] = []
    const nonces = new Set<string>()
    let htmlPages = 0
    let unnoncedPages = 0
    const errors: string[] = []
    await mapLimit(requests, 6, async (r) => {
      const res = r.label === 'a request too large' ? await headersOnlyRequest(app.baseUrl, r.path, { method: 'POST', headers: { ...r.init!.headers, Origin: app.baseUrl } }) : await http(r.path, { ...r.init, ip: newIp() })
      const body = r.init?.method === 'HEAD' ? '' : await res.text()
      const kind = kindOf(res)
      const missing = missingHeaders(res)
      const tally = byKind.get(kind) ?? { tried: 0, held: 0 }
      tally.tried++
      if (missing.length === 0) tally.held++
      else misses.push(`${r.label} (${res.status}): ${missing.join(', ')}`)
      byKind.set(kind, tally)
      if (res.status >= 500) errors.push(`${r.label}: ${res.status}`)
      if (kind === 'HTML page' && body) {
        htmlPages++
        if (scriptsWithoutNonce(res, body) > 0) unnoncedPages++
        nonces.add(/'nonce-([^']+)'/.exec(res.headers.get('content-security-policy') ?? '')?.[1] ?? '')
      }
    })
    for (const kind of ['HTML page', 'JSON', 'CSV', 'PDF', 'redirect', '403', '404', 'other status or type'] as const) {
      const t = byKind.get(kind)
      if (t) recordCheck({ area: AREA, check: `security headers and CSP on every response: ${kind}`, tried: t.tried, held: t.held })
    }
    recordCheck({ area: AREA, check: 'every script on a page carries that response’s CSP nonce, a new nonce each response', tried: htmlPages, held: htmlPages - unnoncedPages - (htmlPages - nonces.size) })
    expect(misses).toEqual([])
    expect(errors, `the server said:\n${app.output().slice(-4000)}`).toEqual([])
    // The walk really met every kind of answer.
    expect([...byKind.keys()]).toEqual(expect.arrayContaining(['HTML page', 'JSON', 'CSV', 'PDF', 'redirect', '403', '404']))
    expect(unnoncedPages).toBe(0)
    expect(nonces.size).toBe(htmlPages)
  })
})

/** GET each page with this cookie: [path, status, Location]. */
function walkPages(walked: readonly Page[], cookie: string, ip: string): Promise<[string, number, string | null][]> {
  return mapLimit(walked, 6, async (p) => {
    const res = await http(p.path, { cookie, ip })
    await res.arrayBuffer()
    return [p.path, res.status, res.headers.get('location')]
  })
}

describe('two-factor for finance roles', () => {
  test('a finance officer or admin without two-factor is sent to enrol before any page; with it but not yet passed, to the code page; once passed, in', async () => {
    const guarded = await guardedPages()
    expect(guarded.length).toBeGreaterThan(50)
    const ip = newIp()

    // Without two-factor enrolled: signed in by password, then sent to enrol from every page behind sign-in.
    // The finance officer is walked over every page behind sign-in, the admin over the admin and finance pages (the
    // rule is one: requireUser, whatever the role that requires two-factor).
    const financeAndAdmin = guarded.filter((p) => /^\/(finance|admin)(\/|$)/.test(p.path))
    const walks = [
      { role: 'finance_officer', label: 'a finance officer', person: 'finance', home: '/finance', pages: guarded, which: 'every page behind sign-in' },
      { role: 'admin', label: 'an admin', person: 'admin', home: '/admin', pages: financeAndAdmin, which: 'every admin and finance page' },
    ] as const
    for (const walk of walks) {
      const email = await newAccount(`no-totp-${walk.role}`, [walk.role])
      const { cookie, status } = await signInOverHttp(http, email, PASSWORD, { ip })
      expect(status).toBe(302)
      const answers = await walkPages(walk.pages, cookie!, ip)
      const wrong = answers.filter(([, status, location]) => status !== 302 || location !== '/account/two-factor?required=1').map((a) => a.join(' '))
      // ... while the enrolment page itself opens.
      const enrol = await whereTo(http, '/account/two-factor', cookie, ip)
      if (enrol !== 'ok') wrong.push(`/account/two-factor ${enrol}`)
      recordCheck({ area: AREA, check: `${walk.label} without two-factor is sent to enrol from ${walk.which}, and the enrolment page opens`, tried: answers.length + 1, held: answers.length + 1 - wrong.length })
      expect(wrong).toEqual([])
    }

    // With two-factor enrolled (the demo finance officer and admin): the password alone opens nothing.
    const inside: boolean[] = []
    for (const { person, home, label, pages: walked, which } of walks) {
      const signedIn = await signInOverHttp(http, emailOf(person), DEMO_PASSWORD, { ip, redirectTo: home })
      const cookie = signedIn.cookie!
      const answers: [string, number, string | null][] = [['/login (the password)', signedIn.status, signedIn.location], ...(await walkPages(walked, cookie, ip))]
      const wrong = answers
        .filter(([p, status, location], i) => status !== 302 || location !== `/login/two-factor?redirectTo=${encodeURIComponent(i === 0 ? home : p)}`)
        .map((a) => a.join(' '))
      recordCheck({ area: AREA, check: `${label} with two-factor, password given but not the code, is sent to the code page from sign-in and ${which}`, tried: answers.length, held: answers.length - wrong.length })
      expect(wrong).toEqual([])

      const { totp_secret } = await db.selectFrom('users').select('totp_secret').where('email', '=', emailOf(person)).executeTakeFirstOrThrow()
      const passed = await http('/login/two-factor', { form: { code: currentTotpCode(totp_secret!), redirectTo: home }, cookie, ip })
      inside.push(passed.status === 302 && passed.headers.get('location') === home, (await whereTo(http, home, cookie, ip)) === 'ok')
    }
    recordCheck({ area: AREA, check: 'after the right code the same session opens the finance and admin pages', tried: inside.length, held: inside.filter(Boolean).length })
    expect(inside).toEqual([true, true, true, true])
  })
})
