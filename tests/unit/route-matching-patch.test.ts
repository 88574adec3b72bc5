/**
 * patches/ (applied by patch-package on every install) makes Remix's server-side route matching cheap: the route tree
 * is built and ranked once per build instead of several times per request, and branches whose first fixed segment
 * differs from the address's are skipped. This was two thirds of a one-line page's server time (issue 8). These tests
 * prove the patched matcher (the CommonJS build the server loads) answers exactly as the unpatched one (the ESM build,
 * which the patch leaves alone and the browser bundle uses) for every route of this app, and that the patch is applied.
 */
import { createRequire } from 'node:module'
import { readConfig } from '@remix-run/dev/dist/config.js'
import * as unpatchedBuild from '@remix-run/router/dist/router.js'
import { beforeAll, describe, expect, test } from 'vitest'

const require = createRequire(import.meta.url)
/** The two matchers, typed loosely: both take a route tree, an address and a basename. */
type MatchRoutes = (routes: RouteObject[], address: string, basename?: string) => Array<{ route: RouteObject; params: Record<string, string | undefined>; pathname: string; pathnameBase: string }> | null
const reference = unpatchedBuild as unknown as { matchRoutes: MatchRoutes }
const patched = require('@remix-run/router') as { matchRoutes: MatchRoutes }

interface RouteObject {
  id: string
  path?: string
  index?: boolean
  caseSensitive?: boolean
  children?: RouteObject[]
}

let routes: RouteObject[] = []
let addresses: string[] = []

/** The app's route tree, as Remix builds it from app/routes. */
async function appRoutes(): Promise<RouteObject[]> {
  const config = await readConfig(process.cwd())
  const manifest = Object.values(config.routes)
  const build = (parentId: string | undefined): RouteObject[] =>
    manifest
      .filter((r) => r.parentId === parentId)
      .map((r) => ({ id: r.id, path: r.path, index: r.index, caseSensitive: r.caseSensitive, children: r.index ? undefined : build(r.id) }))
  return build(undefined)
}

/** Every route's full path with sample values, in odd spellings too, plus addresses that match nothing. */
function sampleAddresses(tree: RouteObject[]): string[] {
  const paths = new Set<string>(['/', '', '//', '/nope', '/nope/deeper', '//funding', '/FUNDING', '/funding/', '/%66unding', '/%E0%A4%A'])
  const walk = (nodes: RouteObject[], prefix: string) => {
    for (const node of nodes) {
      const full = node.path ? `${prefix}/${node.path}` : prefix
      for (const value of ['12', 'abc', '%20x', '99999999999']) {
        const filled = full.replace(/:[\w-]+\??/g, value).replace(/\*$/, 'a/b') || '/'
        for (const variant of [filled, `${filled}/`, filled.toUpperCase(), `${filled}/extra`, `/x${filled}`]) paths.add(variant)
      }
      if (node.children) walk(node.children, full)
    }
  }
  walk(tree, '')
  return [...paths]
}

/** A match list reduced to what callers read: which routes matched, with which params and pathnames. */
function shape(matches: ReturnType<MatchRoutes>) {
  return matches?.map((m) => ({ id: m.route.id, params: m.params, pathname: m.pathname, pathnameBase: m.pathnameBase })) ?? null
}

beforeAll(async () => {
  routes = await appRoutes()
  addresses = sampleAddresses(routes)
})

describe('patched route matching', () => {
  test('the server loads the patched matcher, and the reference is the unpatched build', () => {
    expect(require('node:fs').readFileSync(require.resolve('@remix-run/router'), 'utf8')).toContain('Commonpot patch')
    expect(patched.matchRoutes).not.toBe(reference.matchRoutes)
  })

  test('matches every address of the app exactly as the unpatched matcher does', () => {
    expect(routes.length).toBeGreaterThan(0)
    expect(addresses.length).toBeGreaterThan(500)
    const differences = addresses.filter((address) => JSON.stringify(shape(patched.matchRoutes(routes, address))) !== JSON.stringify(shape(reference.matchRoutes(routes, address))))
    expect(differences).toEqual([])
    // The samples reach real pages, not only the catch-all: most addresses match a route with a path.
    const matched = addresses.filter((a) => patched.matchRoutes(routes, a)?.some((m) => m.route.path && !m.route.path.includes('*')))
    expect(matched.length).toBeGreaterThan(addresses.length / 2)
  })

  test('answers the same on a second call with the same tree (the cached ranking is not disturbed by matching)', () => {
    for (const address of addresses.slice(0, 200)) {
      expect(shape(patched.matchRoutes(routes, address))).toEqual(shape(reference.matchRoutes(routes, address)))
    }
  })

  test('a new tree is ranked afresh, with a basename too', () => {
    const tree: RouteObject[] = [{ id: 'root', path: '', children: [{ id: 'a', path: 'Grants/:id', caseSensitive: true }, { id: 'b', path: 'grants/:id' }, { id: 'splat', path: '*' }] }]
    for (const address of ['/base/grants/7', '/base/Grants/7', '/base/GRANTS/7', '/base/', '/base/x', '/other/grants/7']) {
      expect(shape(patched.matchRoutes(tree, address, '/base'))).toEqual(shape(reference.matchRoutes(tree, address, '/base')))
    }
  })
})
