/**
 * Ids past any integer column (issue 9, hostile input): ids are INTEGER columns (int4 on PostgreSQL, largest
 * 2147483647, app/lib/ids.ts MAX_ID). Asking PostgreSQL about a larger one is an error ("value out of range for type
 * integer"), a 500, where it should be "not found". Every route file's loader (and action, posted an empty form) is
 * called by a person holding every role and admin of every organisation, with each id in its URL set in turn to
 * 2147483648 and to 99999999999999999999 (the others real, from the access matrix's world) — the answer must be a 4xx,
 * normally 404 — and with each id the query strings carry (?after= and ?before= keyset cursors, ?org=, ?round=,
 * ?fund=, ?pot=, ?place=, ?funder=, ?remove=, ?version=; on every loader that reads its query string) set likewise — the answer must not be a 5xx or a throw that is not a Response (an
 * unknown cursor may simply show the first page, as any other bad cursor does).
 */
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { buildAccessWorld, call, defaultParams, paramNames, routePath, ROUTES_DIR, type AccessWorld, type Answer } from './support/access-world.ts'
import { recordCheck } from './support/record.ts'
import { requestAs, superuserId } from './support/world.ts'

type Handler = Parameters<typeof call>[0]
interface RouteModule {
  loader?: Handler
  action?: Handler
}

const AREA = 'Hostile input'
/** One past the largest int4, and one past the largest int8 (and past Number.MAX_SAFE_INTEGER). */
const HUGE_IDS = ['2147483648', '99999999999999999999'] as const
/** Parameters that are not ids. */
const NOT_IDS = new Set(['slug', 'token'])
/** Query-string ids: keyset cursors and the filters that name a thing. */
const QUERY_IDS = ['after', 'before', 'org', 'round', 'fund', 'pot', 'place', 'funder', 'remove', 'version'] as const
/** The payments due page's cursor is "<due date>.<tranche id>". */
const QUERY_VALUES = [...HUGE_IDS, '2026-11-01.2147483648'] as const

const routeFiles = fs
  .readdirSync(ROUTES_DIR)
  .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f))
  .sort()

let world: AccessWorld
let cookie: string
const modules = new Map<string, RouteModule>()

beforeAll(async () => {
  world = await buildAccessWorld()
  cookie = (await requestAs(await superuserId(), '/')).headers.get('Cookie')!
  for (const file of routeFiles) modules.set(file, (await import(path.join(ROUTES_DIR, file))) as RouteModule)
}, 120_000)

function request(pathname: string, method: 'GET' | 'POST'): Request {
  return new Request(new URL(pathname, 'http://localhost'), {
    method,
    headers: { Cookie: cookie, Origin: 'http://localhost' },
    body: method === 'POST' ? new URLSearchParams() : undefined,
  })
}

function describeAnswer(a: Answer): string {
  if (a.status !== 'threw') return String(a.status)
  return `threw ${a.error instanceof Error ? a.error.message.split('\n')[0] : String(a.error)}`
}

interface Case {
  label: string
  handler: Handler
  pathname: string
  params: Record<string, string>
}

/** For each route file with ids in its URL: each id in turn past any integer column, the rest real. */
function pathCases(kind: 'loader' | 'action'): Case[] {
  const cases: Case[] = []
  for (const file of routeFiles) {
    const handler = modules.get(file)![kind]
    if (!handler) continue
    const ids = paramNames(file).filter((p) => !NOT_IDS.has(p))
    const real = defaultParams(world, 'admin')
    for (const id of ids) {
      for (const huge of HUGE_IDS) {
        const params = { ...Object.fromEntries(paramNames(file).map((p) => [p, real[p]!])), [id]: huge }
        cases.push({ label: `${kind} ${file} ${id}=${huge}`, handler, pathname: routePath(file, params), params })
      }
    }
  }
  return cases
}

async function run(cases: Case[], method: 'GET' | 'POST', held: (a: Answer) => boolean): Promise<string[]> {
  const misses: string[] = []
  for (const c of cases) {
    const answer = await call(c.handler, request(c.pathname, method), c.params)
    if (!held(answer)) misses.push(`${c.label}: ${describeAnswer(answer)}`)
  }
  return misses
}

/** Whether a route file reads its query string at all (the others never see one). */
function readsQuery(file: string): boolean {
  return /searchParams|new URL\(request\.url\)/.test(fs.readFileSync(path.join(ROUTES_DIR, file), 'utf8'))
}

const isClientError = (a: Answer) => typeof a.status === 'number' && a.status >= 400 && a.status < 500
const isNotServerError = (a: Answer) => typeof a.status === 'number' && a.status < 500

describe('ids past any integer column', () => {
  test('every loader answers 4xx for an id in its URL past any integer column, and never 5xx for one in its query', async () => {
    const inPath = pathCases('loader')
    const pathMisses = await run(inPath, 'GET', isClientError)
    const inQuery: Case[] = []
    for (const file of routeFiles) {
      const handler = modules.get(file)!.loader
      if (!handler || !readsQuery(file)) continue
      const params = Object.fromEntries(paramNames(file).map((p) => [p, defaultParams(world, 'admin')[p]!]))
      const base = routePath(file, params)
      for (const name of QUERY_IDS) {
        for (const value of QUERY_VALUES) inQuery.push({ label: `loader ${file} ?${name}=${value}`, handler, pathname: `${base}?${name}=${encodeURIComponent(value)}`, params })
      }
    }
    const queryMisses = await run(inQuery, 'GET', isNotServerError)
    const tried = inPath.length + inQuery.length
    recordCheck({ area: AREA, check: 'ids past any integer column in every loader’s URL and query', tried, held: tried - pathMisses.length - queryMisses.length })
    expect(inPath.length).toBeGreaterThan(100)
    expect([...pathMisses, ...queryMisses]).toEqual([])
  }, 240_000)

  test('every action answers 4xx for an id in its URL past any integer column', async () => {
    const cases = pathCases('action')
    const misses = await run(cases, 'POST', isClientError)
    recordCheck({ area: AREA, check: 'ids past any integer column in every action’s URL', tried: cases.length, held: cases.length - misses.length })
    expect(cases.length).toBeGreaterThan(50)
    expect(misses).toEqual([])
  }, 240_000)
})
