import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { looksLikeUserReference, USER_REFERENCES } from './user-references.ts'

/** Every `table.column` in db/schema.ts whose name says it refers to a person (read from the source, not the types). */
function userReferencingColumns(): string[] {
  const source = fs.readFileSync(path.resolve('db/schema.ts'), 'utf8')
  const tableOf = new Map<string, string>()
  const dbInterface = source.match(/export interface DB \{([\s\S]*?)\n\}/)
  if (!dbInterface) throw new Error('db/schema.ts has no DB interface')
  for (const [, table, iface] of dbInterface[1].matchAll(/^\s+(\w+): (\w+)$/gm)) tableOf.set(iface, table)
  const found: string[] = []
  for (const [, iface, body] of source.matchAll(/export interface (\w+Table) \{([\s\S]*?)\n\}/g)) {
    const table = tableOf.get(iface)
    if (!table) continue
    for (const [, column] of body.matchAll(/^\s+(\w+): /gm)) if (looksLikeUserReference(column)) found.push(`${table}.${column}`)
  }
  return found.sort()
}

describe('personal data coverage', () => {
  test('every column in db/schema.ts that refers to a person is listed with what subject access and erasure do with it', () => {
    const columns = userReferencingColumns()
    expect(columns.length).toBeGreaterThan(40)
    const listed = new Set(USER_REFERENCES.map((r) => `${r.table}.${r.column}`))
    // A failure here names a new column: add it to USER_REFERENCES (user-references.ts) and export/erase it.
    expect(columns.filter((c) => !listed.has(c))).toEqual([])
  })

  test('nothing listed is missing from the schema, and each is listed once', () => {
    const columns = new Set(userReferencingColumns())
    const keys = USER_REFERENCES.map((r) => `${r.table}.${r.column}`)
    expect(keys.filter((k) => !columns.has(k))).toEqual([])
    expect(new Set(keys).size).toBe(keys.length)
  })

  test('every personal reference appears somewhere in the export', () => {
    expect(USER_REFERENCES.filter((r) => r.erasure !== 'not-personal' && r.section === null)).toEqual([])
  })
})
