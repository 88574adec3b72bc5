import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { readRecords, renderTable, replaceTable, tableEnd, tableStart } from './verify-reliability.mjs'

describe('verify:reliability table', () => {
  test('sums the records of every test process by area, check and engine, in the issue’s order of areas', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reliability-records-'))
    const line = (r: object) => `${JSON.stringify(r)}\n`
    fs.writeFileSync(
      path.join(dir, 'a.jsonl'),
      line({ area: 'Races', check: 'double approval', tried: 5, held: 5, engine: 'sqlite' }) + line({ area: 'Access matrix', check: 'every route', tried: 10, held: 10, engine: 'sqlite' }),
    )
    fs.writeFileSync(path.join(dir, 'b.jsonl'), line({ area: 'Races', check: 'double approval', tried: 5, held: 4, engine: 'sqlite' }))
    fs.writeFileSync(path.join(dir, 'ignored.txt'), 'not a record')
    const records = readRecords(dir)
    expect(records).toEqual([
      { area: 'Access matrix', check: 'every route', engine: 'sqlite', tried: 10, held: 10 },
      { area: 'Races', check: 'double approval', engine: 'sqlite', tried: 10, held: 9 },
    ])
    const table = renderTable(records, { engine: 'SQLite', when: new Date('2026-11-21T12:00:00Z') })
    expect(table).toContain('Engine: SQLite; run 2026-11-21 12:00 UTC.')
    expect(table).toContain('| Access matrix | every route | 10 | all 10 |')
    expect(table).toContain('| Races | double approval | 10 | **9 of 10** |')
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('an empty run says that nothing was recorded, rather than showing an empty table', () => {
    expect(renderTable([], { engine: 'PostgreSQL' })).toContain('no checks were recorded')
  })

  test('replaces only what lies between one engine’s markers, and refuses a README without them', () => {
    const readme = `# Title\n${tableStart('SQLite')}\nold\n${tableEnd('SQLite')}\n${tableStart('PostgreSQL')}\npg\n${tableEnd('PostgreSQL')}\n`
    const once = replaceTable(readme, '| new |\n', 'SQLite')
    expect(once).toBe(`# Title\n<!-- reliability:sqlite:start -->\n| new |\n<!-- reliability:sqlite:end -->\n${tableStart('PostgreSQL')}\npg\n${tableEnd('PostgreSQL')}\n`)
    expect(replaceTable(once, '| new |\n', 'SQLite')).toBe(once)
    expect(() => replaceTable('# none', 'x', 'SQLite')).toThrow(/markers/)
    expect(() => replaceTable(`${tableEnd('SQLite')}${tableStart('SQLite')}`, 'x', 'SQLite')).toThrow(/before/)
  })
})
