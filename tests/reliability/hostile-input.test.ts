/**
 * Hostile input (issue 9, item 2): generated bodies sent to every form action in app/routes, as the superuser (every
 * role, so past every permission check) against the demo world. Every body carries one value its form must refuse
 * (support/hostile-values.ts), so every answer must be a 4xx with a message, never a 5xx or an unhandled throw, and the
 * database must be exactly as it was (every table's rows hashed before and after each body).
 *
 * RELIABILITY_RUNS (default 15) sets the bodies per action; RELIABILITY_SEED replays a run.
 */
import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { db } from '../../app/lib/db.server.ts'
import { commitSessionCookie, startSession } from '../../app/lib/session.server.ts'
import { changedCounts, changedTables, databaseFingerprint, rowCounts } from './support/hostile-db.ts'
import { hostileRoutes, type HostileRoute } from './support/hostile-routes.ts'
import { anyBody, encodeBody, encoding, hostileBody, OVERFLOW_IDS, type Encoding, type HostileBody } from './support/hostile-values.ts'
import { recordCheck } from './support/record.ts'
import { requestAs, seedWorld, superuserId } from './support/world.ts'

const RUNS = Number(process.env.RELIABILITY_RUNS ?? 15)
const SEED = process.env.RELIABILITY_SEED === undefined ? undefined : Number(process.env.RELIABILITY_SEED)
const REFUSALS = [400, 403, 404, 409, 413, 422]
/**
 * Tables a refused request may change. `sessions`: every signed-in request here starts its own session (the harness),
 * and the app moves a session's last-seen time as it is used. Nothing else, unless a route says why (login counts
 * refused sign-ins; a wrong second-factor code is audited).
 */
const ALWAYS_EXCLUDED = ['sessions']

/** The route files that export an action, read from app/routes (tests skipped). */
const ACTION_FILES = fs
  .readdirSync('app/routes')
  .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f))
  .filter((f) => /^export (async function action\b|const action\b|\{[^}]*\baction\b)/m.test(fs.readFileSync(path.join('app/routes', f), 'utf8')))
  .sort()

let routes: HostileRoute[] = []
const cookies = new Map<string, string>()
const tally = { tried: 0, held: 0 }

async function sessionCookie(userId: number, secondFactor: boolean): Promise<string> {
  const { token } = await db.transaction().execute((trx) => startSession(trx, { userId, ip: '127.0.0.1', userAgent: 'vitest', secondFactor }))
  return (await commitSessionCookie(token)).split(';')[0]!
}

beforeAll(async () => {
  await seedWorld()
  const superuser = await superuserId()
  cookies.set('superuser', await sessionCookie(superuser, true))
  cookies.set('half-signed-in', await sessionCookie(superuser, false))
  routes = await hostileRoutes()
  for (const actor of new Set(routes.map((r) => r.actor))) {
    if (cookies.has(actor) || actor === 'anonymous') continue
    cookies.set(actor, (await requestAs(actor as Parameters<typeof requestAs>[0], '/')).headers.get('Cookie')!)
  }
}, 120_000)

afterAll(() => {
  recordCheck({ area: 'Hostile input', check: `generated hostile bodies to each of ${ACTION_FILES.length} form actions (4xx with a message, database unchanged)`, tried: tally.tried, held: tally.held })
})

interface Answer {
  status: number
  data: unknown
  threw?: unknown
}

async function post(route: HostileRoute, body: HostileBody, how: Encoding): Promise<Answer> {
  const { body: encoded, contentType } = encodeBody(body.entries, how)
  const headers = new Headers({ Origin: 'http://localhost' })
  if (contentType) headers.set('Content-Type', contentType)
  const cookie = cookies.get(route.actor)
  if (cookie) headers.set('Cookie', cookie)
  const request = new Request(new URL(route.path, 'http://localhost'), { method: 'POST', headers, body: encoded })
  const mod = (await import(`../../app/routes/${route.file}`)) as { action: (args: unknown) => Promise<unknown> }
  let result: unknown
  try {
    result = await mod.action({ request, params: route.params, context: { cspNonce: '', clientIp: '127.0.0.1' } })
  } catch (e) {
    if (!(e instanceof Response)) return { status: 500, data: null, threw: e }
    result = e
  }
  if (!(result instanceof Response)) return { status: 200, data: result }
  const text = await result.text()
  let data: unknown = text
  try {
    data = JSON.parse(text)
  } catch {
    // a plain-text answer (a thrown 4xx Response)
  }
  return { status: result.status, data }
}

/** A message a person can read: non-empty text, or a JSON answer with an error, message, problem or reason in it. */
export function hasMessage(data: unknown): boolean {
  if (typeof data === 'string') return data.trim().length > 0
  const found = (value: unknown, keyed: boolean): boolean => {
    if (typeof value === 'string') return keyed && value.trim().length > 0
    if (Array.isArray(value)) return value.some((v) => found(v, keyed))
    if (value && typeof value === 'object') {
      return Object.entries(value).some(([k, v]) => {
        // What was typed comes back to refill the form; it is not a message.
        if (k === 'initialValue' || k === 'values' || k === 'csv' || k === 'preview') return false
        return found(v, keyed || /error|message|problem|reason/i.test(k))
      })
    }
    return false
  }
  return found(data, false)
}

function describeAnswer(a: Answer): string {
  if (a.threw) return `threw ${a.threw instanceof Error ? a.threw.stack : String(a.threw)}`
  return `${a.status} ${JSON.stringify(a.data)?.slice(0, 300)}`
}

function held(route: HostileRoute, a: Answer): boolean {
  if (a.threw) return false
  if (route.alsoRight?.test(a.status, a.data)) return true
  return [...REFUSALS, ...(route.extraStatuses ?? [])].includes(a.status) && hasMessage(a.data)
}

describe('hostile bodies to every form action', () => {
  test('every route file that exports an action is covered', () => {
    const covered = new Set(routes.map((r) => r.file))
    expect(ACTION_FILES.length).toBeGreaterThan(50)
    expect(ACTION_FILES.filter((f) => !covered.has(f))).toEqual([])
  })

  // Bodies that each broke an action once (a 500, a bare 400, a foreign-key failure); they must stay refused.
  const PINNED: Array<{ file: string; entries: Array<[string, string]>; how: Encoding; why: string }> = [
    { file: 'applications.$applicationId.sections.$sectionNumber.tsx', entries: [['', 'x'], ['intent', 'later']], how: 'multipart', why: 'a multipart part without a name threw in the parser (500)' },
    { file: 'finance.statements._index.tsx', entries: [['', 'x']], how: 'multipart', why: 'a multipart part without a name threw in the parser (500)' },
    { file: 'manage.rounds.$roundId.assignments.tsx', entries: [['intent', 'toString']], how: 'urlencoded', why: '"toString" in SCHEMAS is true: the route parsed with Object.prototype.toString as its schema (500)' },
    { file: 'manage.rounds.$roundId.panel.tsx', entries: [['intent', 'constructor']], how: 'urlencoded', why: 'the same, through the panel page' },
    { file: 'manage.applications.$applicationId.tsx', entries: [['intent', 'hasOwnProperty']], how: 'urlencoded', why: 'the same, through the application page' },
    { file: 'assess.$assessmentId.tsx', entries: [], how: 'urlencoded', why: 'no intent was a 400 without a word of why' },
    { file: 'panel.$roundId.minutes.tsx', entries: [['attendees[0].userId', '99999999999999999999'], ['attendees[0].name', 'Ann'], ['attendees[0].role', 'Chair']], how: 'urlencoded', why: 'an attendee id with no account failed a foreign key (500)' },
    { file: 'panel.$roundId.minutes.tsx', entries: [['panelHeldOn', '2026-02-30']], how: 'urlencoded', why: '30 February was taken as the day the panel met' },
    { file: 'panel.$roundId.optimiser.tsx', entries: [['intent', 'accept'], ['runId', '999999']], how: 'urlencoded', why: 'accepting a proposal that does not exist threw NotFoundError (500)' },
    { file: 'login.tsx', entries: [['email', 'a\u0000@example.org'], ['password', 'x']], how: 'urlencoded', why: 'a NUL in the email was recorded as a sign-in attempt: a 500 on PostgreSQL' },
    { file: 'panel.$roundId.optimiser.tsx', entries: [['intent', 'limit'], ['placeId', '3'], ['min', '1'], ['x[999]', 'a\u0000']], how: 'urlencoded', why: 'a whole-form refusal (a NUL) came back from the place-limit form as a 400 with no message' },
    { file: 'login_.two-factor.tsx', entries: [['code', '000000'], ['redirectTo', '/home']], how: 'urlencoded', why: 'a well-formed wrong code was let through (302) while the test superuser was two-factor-on with no secret' },
  ]
  test('bodies that once broke an action are refused with a message and change nothing', async () => {
    for (const pin of PINNED) {
      const route = routes.find((r) => r.file === pin.file)!
      const exclude = [...ALWAYS_EXCLUDED, ...(route.mayChange?.tables ?? [])]
      const before = await databaseFingerprint({ exclude })
      const answer = await post(route, { entries: pin.entries, poison: pin.why }, pin.how)
      const changed = changedTables(before, await databaseFingerprint({ exclude }))
      tally.tried += 1
      if (held(route, answer) && changed.length === 0) tally.held += 1
      expect({ file: pin.file, why: pin.why, answer: describeAnswer(answer).slice(0, 200), changed }).toMatchObject({ answer: expect.stringMatching(/^4\d\d /), changed: [] })
      expect(hasMessage(answer.data), `${pin.file}: ${pin.why}`).toBe(true)
    }
  })

  test('an id past any integer column is refused, not a database error', async () => {
    const misses: string[] = []
    let tried = 0
    for (const route of routes) {
      for (const intent of route.body?.intents ?? []) {
        for (const [name, kind] of Object.entries(intent.fields)) {
          if (kind.k !== 'id' && kind.k !== 'ids') continue
          const entries: Array<[string, string]> = intent.intent === undefined ? [] : [[route.body!.intentField, intent.intent]]
          // An id inside a table row counts only when the row is filled in: fill its text cells.
          const row = /^(.*\[\d+\])\./.exec(name)?.[1]
          for (const [other, k] of Object.entries(intent.fields)) if (row && other !== name && other.startsWith(`${row}.`) && k.k === 'text') entries.push([other, 'A plain answer'])
          entries.push([name, OVERFLOW_IDS[tried % OVERFLOW_IDS.length]!])
          const exclude = [...ALWAYS_EXCLUDED, ...(route.mayChange?.tables ?? [])]
          const counts = await rowCounts({ exclude })
          const answer = await post(route, { entries, poison: name }, 'urlencoded')
          tried += 1
          if (!held(route, answer) || changedCounts(counts, await rowCounts({ exclude })).length > 0) misses.push(`${route.path} ${intent.intent ?? ''} ${name}: ${describeAnswer(answer).split('\n')[0]}`)
        }
      }
    }
    recordCheck({ area: 'Hostile input', check: 'an id past any integer column (2147483648 and up) in each id field', tried, held: tried - misses.length })
    expect(misses).toEqual([])
  })

  test('uploads whose name or type lies, empty or over-size, are refused with a field message and nothing is stored', async () => {
    const MB = 1024 * 1024
    const exe = new Uint8Array(4096)
    exe.set([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff, 0xff])
    const zip = new Uint8Array(2048)
    zip.set([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00])
    const liars = [
      { what: 'a Windows program saved as .pdf, sent as application/pdf', file: () => new File([exe], 'budget.pdf', { type: 'application/pdf' }) },
      { what: 'an HTML page with a script, saved as .pdf', file: () => new File(['<!doctype html><html><body><script>window.__pwned = 1</script></body></html>'], 'constitution.pdf', { type: 'application/pdf' }) },
      { what: 'an SVG with a script, saved as .png', file: () => new File(['<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'], 'photo.png', { type: 'image/png' }) },
      { what: 'a zip that is not a Word document, saved as .docx', file: () => new File([zip], 'letter.docx', { type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' }) },
      // A browser sends an empty file when none was chosen, so an empty file is refused only where a file is required.
      { what: 'an empty file', file: () => new File([], 'empty.pdf', { type: 'application/pdf' }), onlyWhereRequired: true },
      { what: 'a PDF over 10 MB', file: () => new File(['%PDF-1.4\n', new Uint8Array(10 * MB + 1)], 'huge.pdf', { type: 'application/pdf' }) },
    ]
    const w = routes
    const sections = w.find((r) => r.file === 'applications.$applicationId.sections.$sectionNumber.tsx')!
    const draftPath = sections.path.replace(/\/sections\/\d+$/, '')
    const targets: Array<{ route: HostileRoute; field: string; extra: Array<[string, string]>; required: boolean }> = [
      { route: w.find((r) => r.file === 'awards.$awardId_.conditions.$conditionId.tsx')!, field: 'evidence', extra: [], required: true },
      { route: { ...sections, path: `${draftPath}/sections/4`, params: { ...sections.params, sectionNumber: '4' } }, field: 'governing_document', extra: [['intent', 'later']], required: false },
      { route: w.find((r) => r.file === 'awards.$awardId_.returns.$returnId.tsx')!, field: 'photos[0].file', extra: [['intent', 'save'], ['photos[0].caption', 'Our choir'], ['photos[0].consent', 'on']], required: false },
    ]
    const uploads = path.join(process.env.DATA_DIR!, 'uploads')
    const stored = () => (fs.existsSync(uploads) ? fs.readdirSync(uploads).sort() : [])
    const misses: string[] = []
    let tried = 0
    for (const target of targets) {
      for (const liar of liars) {
        if ('onlyWhereRequired' in liar && !target.required) continue
        const filesBefore = stored()
        const before = await databaseFingerprint({ exclude: ALWAYS_EXCLUDED })
        const form = new FormData()
        for (const [n, v] of target.extra) form.append(n, v)
        form.append(target.field, liar.file())
        const answer = await post(target.route, { entries: [...form.entries()] as Array<[string, string | File]>, poison: liar.what }, 'multipart')
        const changed = changedTables(before, await databaseFingerprint({ exclude: ALWAYS_EXCLUDED }))
        const filesAfter = stored()
        tried += 1
        const refusedForTheFile = answer.status === 400 || answer.status === 413
        const message = JSON.stringify(answer.data) ?? ''
        const namesTheProblem = /must be a PDF|is empty|smaller than 10 MB|Choose the file/.test(message)
        if (!refusedForTheFile || !namesTheProblem || changed.length > 0 || filesAfter.join() !== filesBefore.join()) {
          misses.push(`${target.route.path} ${target.field} with ${liar.what}: ${describeAnswer(answer).slice(0, 200)}${changed.length ? `; changed ${changed.join(', ')}` : ''}${filesAfter.length !== filesBefore.length ? '; a file was stored' : ''}`)
        }
      }
    }
    recordCheck({ area: 'Hostile input', check: `uploads with a lying extension or type, empty or over 10 MB, to each of ${targets.length} upload forms`, tried, held: tried - misses.length })
    expect(misses).toEqual([])
  })

  for (const file of ACTION_FILES) {
    test(`${file}: every hostile body is refused with a message and changes nothing`, async () => {
      const mine = routes.filter((r) => r.file === file)
      expect(mine.length, `${file} has no entry in support/hostile-routes.ts`).toBeGreaterThan(0)
      for (const route of mine) {
        const exclude = [...ALWAYS_EXCLUDED, ...(route.mayChange?.tables ?? [])]
        const bodies = route.body ? hostileBody(route.body) : anyBody
        let last: string | null = null
        let samples = 0
        // Rows added or removed are caught around each body; rows changed in place by the hash around the whole run.
        const before = await databaseFingerprint({ exclude })
        await fc
          .assert(
            fc.asyncProperty(bodies, encoding, async (body, how) => {
              const counts = await rowCounts({ exclude })
              const answer = await post(route, body, how)
              const changed = changedCounts(counts, await rowCounts({ exclude }))
              const ok = held(route, answer) && changed.length === 0
              samples += 1
              tally.tried += 1
              if (ok) tally.held += 1
              last = ok ? null : `${route.path} with ${body.poison} (${how}): ${describeAnswer(answer)}${changed.length ? `; changed ${changed.join(', ')}` : ''}`
              return ok
            }),
            { numRuns: RUNS, seed: SEED, endOnFailure: true },
          )
          .catch((e: unknown) => {
            throw new Error(`${last ?? ''}\n${e instanceof Error ? e.message.split('\n').slice(0, 3).join('\n') : String(e)}`)
          })
        const changed = changedTables(before, await databaseFingerprint({ exclude }))
        if (changed.length > 0) tally.held -= samples
        expect(changed, `${route.path}: rows changed in place by refused bodies`).toEqual([])
      }
    })
  }
})
