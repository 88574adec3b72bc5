/**
 * Writes a planned national dataset in bulk: SQLite through one better-sqlite3 connection (prepared INSERTs reused
 * inside one transaction, synchronous off for the load), PostgreSQL through `COPY … FROM STDIN` (pg-copy-streams), one
 * COPY per table inside one transaction, the rows sent as CSV made by csv-stringify. Ids are explicit, so PostgreSQL's
 * identity sequences are moved past them after.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type SQLite from 'better-sqlite3'
import { stringify, type Options as CsvOptions } from 'csv-stringify/sync'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import type { NationalPlan, RowSink } from './plan.ts'

/**
 * Loads into SQLite. `plan(sink)` is called inside the load with a sink that inserts each streamed row at once; the
 * tables it returns (those kept until the end) are inserted after. The load is one transaction on a database nobody
 * else uses yet: no fsync, the rollback journal in memory (not a WAL holding every page twice), a large page cache,
 * foreign keys checked once at the end instead of per row, and the secondary indexes dropped and made again after
 * (sorting once is much faster than a million random inserts); their definitions are read back from the database, so
 * every index the migrations made is there afterwards, exactly as defined.
 */
/** Rows per multi-row INSERT, and SQLite's limit on a statement's parameters (32,766 since SQLite 3.32). */
const BATCH_ROWS = 100
const MAX_VARIABLES = 32_766

export function writeSqlite(sqlite: SQLite.Database, plan: (sink: RowSink) => NationalPlan, onTable?: (name: string, rows: number) => void, log: (line: string) => void = () => {}): NationalPlan {
  sqlite.pragma('journal_mode = MEMORY')
  sqlite.pragma('synchronous = OFF')
  sqlite.pragma('foreign_keys = OFF')
  sqlite.pragma('cache_size = -262144')
  // Rows go in as multi-row INSERTs of up to BATCH_ROWS rows (the per-statement cost of a million one-row INSERTs was
  // most of the load); a table's last few rows go in one at a time. Foreign keys are checked at the end, so the
  // tables' batches may interleave in any order.
  const batches = new Map<string, { columns: readonly string[]; rows: number; values: unknown[]; many: SQLite.Statement | null; one: SQLite.Statement }>()
  const insertInto = (name: string, columns: readonly string[], rows: number) =>
    sqlite.prepare(`insert into "${name}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${Array.from({ length: rows }, () => `(${columns.map(() => '?').join(', ')})`).join(', ')}`)
  const batchRowsFor = (columns: readonly string[]) => Math.max(1, Math.min(BATCH_ROWS, Math.floor(MAX_VARIABLES / columns.length)))
  const add = (name: string, columns: readonly string[], row: readonly unknown[]) => {
    let batch = batches.get(name)
    if (!batch) {
      batch = { columns, rows: 0, values: [], many: null, one: insertInto(name, columns, 1) }
      batches.set(name, batch)
    }
    for (const value of row) batch.values.push(value)
    batch.rows++
    if (batch.rows === batchRowsFor(columns)) {
      batch.many ??= insertInto(name, columns, batch.rows)
      batch.many.run(batch.values)
      batch.values = []
      batch.rows = 0
    }
  }
  const flush = () => {
    for (const batch of batches.values()) {
      const width = batch.columns.length
      for (let i = 0; i < batch.rows; i++) batch.one.run(batch.values.slice(i * width, (i + 1) * width))
      batch.values = []
      batch.rows = 0
    }
  }
  try {
    const load = sqlite.transaction(() => {
      const indexes = sqlite.prepare(`select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name not like 'kysely_%'`).all() as Array<{ name: string; sql: string }>
      for (const index of indexes) sqlite.exec(`drop index "${index.name}"`)
      const made = plan((name, columns, row) => add(name, columns, row))
      log('streamed rows written')
      for (const [name, table] of made.tables) {
        for (const row of table.rows) add(name, table.columns, row)
      }
      flush()
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

/**
 * CSV as PostgreSQL's `COPY … (format csv)` reads it: an unquoted empty field is NULL, so every string is quoted
 * (an empty string arrives as `""`, not as NULL); numbers and bigints are written as the pg driver would send them as
 * parameters. Rows hold only what SQLite can bind too (numbers, strings, bigints, null): anything else is refused
 * rather than guessed at.
 */
const CSV_OPTIONS: CsvOptions = {
  quoted_string: true,
  cast: {
    boolean: (value) => (value ? 'true' : 'false'),
    date: () => {
      throw new TypeError('A national dataset row holds a Date: plan.ts writes instants as ISO strings')
    },
    object: (value) => {
      throw new TypeError(`A national dataset row holds an object (${JSON.stringify(value).slice(0, 80)}): plan.ts writes JSON as strings`)
    },
  },
}

/**
 * Rows turned into CSV per csv-stringify call: enough that its per-call set-up is noise. Larger batches are slower,
 * not faster (measured: 1,000 application rows of ~2.5 kB a call took 8 times as long per row as 10-20 a call).
 */
const CSV_BATCH = 20

const csvOf = (rows: unknown[][]) => stringify(rows, CSV_OPTIONS)

/**
 * A streamed table's rows, as CSV in a temporary file: the plan is synchronous, so nothing can be sent to the server
 * while it runs; spooling keeps memory flat (the rows never pile up as JavaScript arrays) and each file is then
 * COPYed in one go, in foreign-key order, inside the load's one transaction.
 */
class CsvSpool {
  private batch: unknown[][] = []
  private readonly fd: number
  rows = 0
  constructor(
    readonly file: string,
    readonly columns: readonly string[],
  ) {
    this.fd = fs.openSync(file, 'w')
  }
  add(row: unknown[]): void {
    this.batch.push(row)
    this.rows++
    if (this.batch.length >= CSV_BATCH) this.flush()
  }
  private flush(): void {
    if (this.batch.length === 0) return
    fs.writeSync(this.fd, csvOf(this.batch))
    this.batch = []
  }
  close(): void {
    this.flush()
    fs.closeSync(this.fd)
  }
}

function* csvChunks(rows: unknown[][]): Generator<string> {
  for (let offset = 0; offset < rows.length; offset += CSV_BATCH) yield csvOf(rows.slice(offset, offset + CSV_BATCH))
}

async function copyInto(client: pg.Client, name: string, columns: readonly string[], source: Readable): Promise<void> {
  const copy = client.query(copyFrom(`copy "${name}" (${columns.map((c) => `"${c}"`).join(', ')}) from stdin with (format csv)`))
  await pipeline(source, copy)
}

/**
 * Loads into PostgreSQL. `plan(sink)` runs first with a sink that spools each streamed row to a CSV file; then, in one
 * transaction, every table (spooled or kept) is COPYed in the plan's foreign-key order.
 */
export async function writePostgres(url: string, plan: (sink: RowSink) => NationalPlan, onTable?: (name: string, rows: number) => void, log: (line: string) => void = () => {}): Promise<NationalPlan> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'commonpot-national-'))
  try {
    const spools = new Map<string, CsvSpool>()
    let made: NationalPlan
    try {
      made = plan((name, columns, row) => {
        let spool = spools.get(name)
        if (!spool) {
          spool = new CsvSpool(path.join(dir, `${name}.csv`), columns)
          spools.set(name, spool)
        }
        spool.add(row)
      })
    } finally {
      for (const spool of spools.values()) spool.close()
    }
    log('planned; streamed rows spooled as CSV')
    // counts lists every table in the plan's (foreign-key) order.
    const order = Object.keys(made.counts).filter((name) => spools.has(name) || made.tables.has(name))

    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await client.query('begin')
      // A bulk load into a database nobody else uses yet: no waiting for the WAL flush; foreign-key triggers off for
      // the load where the server allows it (a superuser; the same rows pass SQLite's foreign_key_check in the tests);
      // and the secondary indexes dropped and made again after, from their own definitions.
      await client.query('set local synchronous_commit = off')
      // Memory for sorting while the indexes are made again (the server's default is 64 MB).
      await client.query(`set local maintenance_work_mem = '256MB'`)
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
      for (const name of order) {
        const spool = spools.get(name)
        if (spool) {
          await copyInto(client, name, spool.columns, fs.createReadStream(spool.file, { highWaterMark: 1 << 20 }))
          fs.rmSync(spool.file)
        } else {
          const table = made.tables.get(name)!
          if (table.rows.length > 0) await copyInto(client, name, table.columns, Readable.from(csvChunks(table.rows)))
        }
        onTable?.(name, made.counts[name] ?? 0)
      }
      for (const index of indexes) await client.query(index.definition)
      log(`${indexes.length} indexes made again`)
      for (const name of made.idTables) {
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
    log('analysed')
    return made
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
