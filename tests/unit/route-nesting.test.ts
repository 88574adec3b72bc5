/**
 * Remix's flat routes nest `a.b.c.tsx` inside `a.b.tsx`. A page whose parent renders no <Outlet /> shows the parent's
 * page at the child's address: the child loads (its loader runs, its tests pass) but is never seen. Pages meant to
 * stand alone use `a.b_.c.tsx`. This test finds page routes nested in a parent that has no outlet.
 */
import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from 'vitest'

const ROUTES = path.resolve('app/routes')

function isPage(file: string): boolean {
  return /export default function/.test(fs.readFileSync(path.join(ROUTES, file), 'utf8'))
}

test('every page route renders at its own address (no page nested in a parent without an outlet)', () => {
  const files = fs.readdirSync(ROUTES).filter((f) => /\.(tsx|ts)$/.test(f) && !/\.test\.tsx?$/.test(f))
  const byName = new Map(files.map((f) => [f.replace(/\.(tsx|ts)$/, ''), f]))
  const hidden: string[] = []
  for (const file of files) {
    if (!isPage(file)) continue
    const segments = file.replace(/\.(tsx|ts)$/, '').split('.')
    for (let n = segments.length - 1; n >= 1; n--) {
      const parent = byName.get(segments.slice(0, n).join('.'))
      if (parent && !/<Outlet/.test(fs.readFileSync(path.join(ROUTES, parent), 'utf8'))) hidden.push(`${file} (inside ${parent})`)
    }
  }
  expect(hidden).toEqual([])
})
