/**
 * Writes a planned national dataset in bulk: SQLite through one better-sqlite3 connection (prepared INSERTs reused
 * inside one transaction, synchronous off for the load), PostgreSQL through multi-row INSERTs of at most 60,000
 * parameters inside one transaction. Ids are explicit, so PostgreSQL's identity sequences are moved past them after.
 */
import type SQLite from 'better-sqlite3'
import pg from 'pg'
import type { NationalPlan } from './plan.ts'

const MAX_PG_PARAMETERS = 60_000

export function writeSqlite(sqlite: SQLite.Database, plan: NationalPlan, onTable?: (name: string, rows: number) => void): void {
  sqlite.pragma('synchronous = OFF')
  try {
    const load = sqlite.transaction(() => {
      for (const [name, table] of plan.tables) {
        if (table.rows.length === 0) continue
        const insert = sqlite.prepare(`insert into "${name}" (${table.columns.map((c) => `"${c}"`).join(', ')}) values (${table.columns.map(() => '?').join(', ')})`)
        for (const row of table.rows) insert.run(row)
        onTable?.(name, table.rows.length)
      }
    })
    load()
  } finally {
    sqlite.pragma('synchronous = FULL')
  }
  sqlite.exec('analyze')
}

export async function writePostgres(url: string, plan: NationalPlan, onTable?: (name: string, rows: number) => void): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query('begin')
    for (const [name, table] of plan.tables) {
      if (table.rows.length === 0) continue
      const width = table.columns.length
      const perStatement = Math.max(1, Math.floor(MAX_PG_PARAMETERS / width))
      const head = `insert into "${name}" (${table.columns.map((c) => `"${c}"`).join(', ')}) values `
      for (let offset = 0; offset < table.rows.length; offset += perStatement) {
        const chunk = table.rows.slice(offset, offset + perStatement)
        const values: unknown[] = []
        const tuples: string[] = []
        for (const row of chunk) {
          const base = values.length
          tuples.push(`(${row.map((_, i) => `$${base + i + 1}`).join(', ')})`)
          for (const v of row) values.push(v)
        }
        await client.query(head + tuples.join(', '), values)
      }
      onTable?.(name, table.rows.length)
    }
    for (const name of plan.idTables) {
      await client.query(`select setval(pg_get_serial_sequence('"${name}"', 'id'), coalesce((select max(id) from "${name}"), 0) + 1, false)`)
    }
    await client.query('commit')
  } catch (error) {
    await client.query('rollback').catch(() => {})
    throw error
  } finally {
    await client.end()
  }
  const analyse = new pg.Client({ connectionString: url })
  await analyse.connect()
  try {
    await analyse.query('analyze')
  } finally {
    await analyse.end()
  }
}
