import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'

/**
 * The root's loader and the page's loader run together for every page, and both need the signed-in user. The guards
 * share one session lookup between them only when they are given the request's load context
 * (app/lib/guards.server.ts, getOptionalUser): a loader that leaves it out reads the session a second time for every
 * page view. This checks each route's loader passes it to every guard it calls.
 */
const ROUTES = path.resolve('app/routes')
const GUARD_CALL = /\b(requireUser|getOptionalUser|requirePermission|requireAnyPermission)\(request\b[^;\n]*/g

function loaderSource(source: string): string | null {
  const start = source.indexOf('export async function loader(')
  if (start < 0) return null
  const end = source.indexOf('\n}\n', start)
  return source.slice(start, end < 0 ? undefined : end)
}

describe('route loaders share the session lookup with the root', () => {
  const files = fs.readdirSync(ROUTES).filter((name) => /\.tsx?$/.test(name) && !name.includes('.test.'))

  test('every guard a loader calls is given the load context', () => {
    const missing: string[] = []
    let calls = 0
    for (const name of files) {
      const loader = loaderSource(fs.readFileSync(path.join(ROUTES, name), 'utf8'))
      if (!loader) continue
      for (const [call] of loader.matchAll(GUARD_CALL)) {
        calls++
        if (!/\bcontext\)/.test(call)) missing.push(`${name}: ${call.trim()}`)
      }
    }
    expect(missing).toEqual([])
    // The scan found the guards (a change of names would otherwise make this pass vacuously).
    expect(calls).toBeGreaterThan(100)
  })
})
