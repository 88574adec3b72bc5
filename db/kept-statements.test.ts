/**
 * The SQLite statement cache Kysely queries go through (KeptStatements in connect.ts). It is plain better-sqlite3 in
 * memory, so it runs the same whichever engine the suite is testing.
 */
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { afterEach, expect, test } from 'vitest'
import { KeptStatements } from './connect.ts'

let kept: KeptStatements | undefined
afterEach(() => {
  kept?.close()
  kept = undefined
})

interface Tables {
  grants: { id: number; amount_pence: number }
}

function open(): Kysely<Tables> {
  const sqlite = new SQLite(':memory:')
  sqlite.exec('create table grants (id integer primary key, amount_pence integer not null)')
  sqlite.exec(`insert into grants (id, amount_pence) values ${Array.from({ length: 20 }, (_, i) => `(${i + 1}, ${(i + 1) * 100})`).join(', ')}`)
  kept = new KeptStatements(sqlite)
  return new Kysely<Tables>({ dialect: new SqliteDialect({ database: kept }) })
}

test('a query run again reuses its statement, with each run’s own parameters', async () => {
  const db = open()
  const over = (pence: number) => db.selectFrom('grants').select('id').where('amount_pence', '>', pence).orderBy('id').execute()
  expect((await over(1_800)).map((r) => r.id)).toEqual([19, 20])
  const size = kept!.size
  expect((await over(1_900)).map((r) => r.id)).toEqual([20])
  expect(kept!.size).toBe(size)
  await db.updateTable('grants').set({ amount_pence: 5 }).where('id', '=', 20).execute()
  await db.updateTable('grants').set({ amount_pence: 6 }).where('id', '=', 19).execute()
  expect((await over(1_700)).map((r) => r.id)).toEqual([18])
})

test('a query whose stream was left part way runs again from the start', async () => {
  const db = open()
  const all = () => db.selectFrom('grants').select(['id', 'amount_pence']).orderBy('id')
  const streamed: number[] = []
  for await (const row of all().stream()) {
    streamed.push(row.id)
    if (row.id === 3) break
  }
  expect(streamed).toEqual([1, 2, 3])
  expect((await all().execute()).map((r) => r.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
})

test('a statement prepared before a schema change still runs after it', async () => {
  const db = open()
  const first = () => db.selectFrom('grants').selectAll().where('id', '=', 1).executeTakeFirstOrThrow()
  expect(await first()).toEqual({ id: 1, amount_pence: 100 })
  await db.schema.alterTable('grants').addColumn('note', 'text').execute()
  expect(await first()).toEqual({ id: 1, amount_pence: 100, note: null })
})
