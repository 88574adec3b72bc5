/**
 * Writes a planned national dataset in bulk: SQLite through one better-sqlite3 connection (prepared INSERTs reused
 * inside one transaction, synchronous off for the load), PostgreSQL through multi-row INSERTs of at most 60,000
 * parameters inside one transaction. Ids are explicit, so PostgreSQL's identity sequences are moved past them after.
 */
import type SQLite from 'better-sqlite3'
import pg from 'pg'
import type { NationalPlan, RowSink } from './plan.ts'

const MAX_PG_PARAMETERS = 60_000

/**
 * Loads into SQLite. `plan(sink)` is called inside the load with a sink that inserts each streamed row at once; the
 * tables it returns (those kept until the end) are inserted after. The load is one transaction on a database nobody
 * else uses yet: no fsync, the rollback journal in memory (not a WAL holding every page twice), a large page cache,
 * foreign keys checked once at the end instead of per row, and the secondary indexes dropped and made again after
 * (sorting once is much faster than a million random inserts); their definitions are read back from the database, so
 * every index the migrations made is there afterwards, exactly as defined.
 */
export function writeSqlite(sqlite: SQLite.Database, plan: (sink: RowSink) => NationalPlan, onTable?: (name: string, rows: number) => void, log: (line: string) => void = () => {}): NationalPlan {
  sqlite.pragma('journal_mode = MEMORY')
  sqlite.pragma('synchronous = OFF')
  sqlite.pragma('foreign_keys = OFF')
  sqlite.pragma('cache_size = -262144')
  const statements = new Map<string, SQLite.Statement>()
  const statementFor = (name: string, columns: readonly string[]) => {
    let statement = statements.get(name)
    if (!statement) {
      statement = sqlite.prepare(`insert into "${name}" (${columns.map((c) => `"${c}"`).join(', ')}) values (${columns.map(() => '?').join(', ')})`)
      statements.set(name, statement)
    }
    return statement
  }
  try {
    const load = sqlite.transaction(() => {
      const indexes = sqlite.prepare(`select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name not like 'kysely_%'`).all() as Array<{ name: string; sql: string }>
      for (const index of indexes) sqlite.exec(`drop index "${index.name}"`)
      const made = plan((name, columns, row) => statementFor(name, columns).run(row))
      log('streamed rows written')
      for (const [name, table] of made.tables) {
        for (const row of table.rows) statementFor(name, table.columns).run(row)
      }
      for (const [name, count] of Object.entries(made.counts)) onTable?.(name, count)
      for (const index of indexes) sqlite.exec(index.sql)
      log(`${indexes.length} indexes made again`)
      return made
    })
    const made = load()
    // Statistics for the query planner from a sample of each index, as PRAGMA optimize gathers them.
    sqlite.pragma('analysis_limit = 1000')
    sqlite.exec('analyze')
    log('analysed')
    return made
  } finally {
    sqlite.pragma('foreign_keys = ON')
    sqlite.pragma('synchronous = FULL')
    sqlite.pragma('journal_mode = WAL')
  }
}

export async function writePostgres(url: string, plan: NationalPlan, onTable?: (name: string, rows: number) => void): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query('begin')
    // A bulk load into a database nobody else uses yet: no waiting for the WAL flush; foreign-key triggers off for the
    // load where the server allows it (a superuser; the same rows pass SQLite's foreign_key_check in the tests); and
    // the secondary indexes dropped and made again after, from their own definitions.
    await client.query('set local synchronous_commit = off')
    await client.query('savepoint replica')
    try {
      await client.query('set local session_replication_role = replica')
      await client.query('release savepoint replica')
    } catch {
      await client.query('rollback to savepoint replica')
    }
    const indexes = (
      await client.query<{ name: string; definition: string }>(
        `select indexname as name, indexdef as definition from pg_indexes
          where schemaname = 'public' and indexname not in (select conname from pg_constraint) and tablename not like 'kysely_%'`,
      )
    ).rows
    for (const index of indexes) await client.query(`drop index "${index.name}"`)
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
    for (const index of indexes) await client.query(index.definition)
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
