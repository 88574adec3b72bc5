/**
 * Remix empties `.server` modules in the browser bundle, so a page component that renders a value imported from one
 * (a label table, a helper) works on the server and breaks as soon as JavaScript loads. This test reads every route
 * and component and fails if a component's code uses a value (not a type) imported from a `.server` module.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'

const FILES = ['app/routes', 'app/components'].flatMap((dir) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.tsx'))
    .map((f) => path.join(dir, f)),
)

function serverValueImports(source: string): string[] {
  const names: string[] = []
  for (const m of source.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'([^']+\.server(?:\.ts)?)'/g)) {
    if (m[1]) continue
    for (const part of m[2].split(',').map((p) => p.trim())) {
      if (!part || part.startsWith('type ')) continue
      names.push(part.split(' as ').at(-1)!.trim())
    }
  }
  return names
}

/** The code that runs in the browser: from the default-exported component to the end of the file. */
function componentCode(source: string): string {
  const start = source.indexOf('export default function')
  return start < 0 ? '' : source.slice(start).replace(/\/\/.*$/gm, '')
}

describe('page components never render values from .server modules', () => {
  test.each(FILES)('%s', (file) => {
    const source = fs.readFileSync(file, 'utf8')
    const component = componentCode(source)
    const misused = serverValueImports(source).filter((name) => name !== 'db' && new RegExp(`\\b${name}\\b`).test(component))
    expect(misused, `${file} renders ${misused.join(', ')} from a .server module (empty in the browser)`).toEqual([])
  })

  test('the check sees a misuse when there is one', () => {
    const bad = "import { LABELS } from '~/domain/x.server.ts'\nexport default function Page() { return LABELS.a }\n"
    expect(serverValueImports(bad).filter((n) => new RegExp(`\\b${n}\\b`).test(componentCode(bad)))).toEqual(['LABELS'])
  })
})
