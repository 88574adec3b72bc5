/**
 * Writes a planned national dataset in bulk: SQLite through one better-sqlite3 connection (prepared INSERTs reused
 * inside one transaction, synchronous off for the load), PostgreSQL through `COPY … FROM STDIN` (pg-copy-streams), one
 * COPY per table, fed as CSV (made by csv-stringify, csv.ts) by a planning worker thread while it plans. Ids are
 * explicit, so PostgreSQL's identity sequences are moved past them after.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { finished, pipeline } from 'node:stream/promises'
import { Worker } from 'node:worker_threads'
import type SQLite from 'better-sqlite3'
import pg from 'pg'
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams'
import type { NationalPlan, PlanInput, RowSink } from './plan.ts'
import type { PlanWorkerData, PlanWorkerMessage } from './plan-worker.ts'

/**
 * Loads into SQLite. `plan(sink)` is called inside the load with a sink that inserts each streamed row at once; the
 * tables it returns (those kept until the end) are inserted after. The load is one transaction on a database nobody
 * else uses yet: no fsync, the rollback journal in memory (not a WAL holding every page twice), a large page cache,
 * foreign keys checked once at the end instead of per row, and the secondary indexes dropped and made again after
 * (sorting once is much faster than a million random inserts); their definitions are read back from the database, so
 * every index the migrations made is there afterwards, exactly as defined. Triggers are dropped and made again the same way.
 */
/** Every count of changes (data_versions, kept by triggers the load goes round) moves on once for the whole load. */
const COUNT_THE_LOAD = 'update data_versions set version = version + 1'

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
      // Triggers too (the open-data version's count, one update per row written): the load counts as one change.
      const triggers = sqlite.prepare(`select name, sql from sqlite_master where type = 'trigger'`).all() as Array<{ name: string; sql: string }>
      for (const trigger of triggers) sqlite.exec(`drop trigger "${trigger.name}"`)
      const made = plan((name, columns, row) => add(name, columns, row))
      log('streamed rows written')
      for (const [name, table] of made.tables) {
        for (const row of table.rows) add(name, table.columns, row)
      }
      flush()
      for (const [name, count] of Object.entries(made.counts)) onTable?.(name, count)
      for (const index of indexes) sqlite.exec(index.sql)
      log(`${indexes.length} indexes made again`)
      for (const trigger of triggers) sqlite.exec(trigger.sql)
      sqlite.exec(COUNT_THE_LOAD)
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

/** What a PostgreSQL load reports back: the rows per table and the tables whose ids the plan gave. */
export type PostgresLoad = Pick<NationalPlan, 'counts' | 'idTables'>

export interface PostgresLoadOptions {
  onTable?: (name: string, rows: number) => void
  log?: (line: string) => void
  /**
   * 'parallel' (the default where the server allows it): each table COPYed on its own connection while the rest is
   * still being planned, with foreign-key triggers off (session_replication_role = replica, which needs a superuser).
   * 'one-transaction': each table spooled to a file as it is planned, then all COPYed in foreign-key order inside one
   * transaction with the foreign keys checked (what happens when the server refuses replica).
   */
  mode?: 'parallel' | 'one-transaction'
}

const copyStatement = (name: string, columns: readonly string[]) => `copy "${name}" (${columns.map((c) => `"${c}"`).join(', ')}) from stdin with (format csv)`

/** Where the planning worker's CSV goes. `write` resolves once the piece is handed on (to the server or a file). */
interface CsvDestination {
  write(table: string, columns: readonly string[], csv: string): Promise<void>
  /** Every piece has been written: finish the tables, in the plan's (foreign-key) order. */
  finish(order: string[], onTable: (name: string) => void): Promise<void>
  /** Something failed: let go of connections and files without committing anything more. */
  abandon(): Promise<void>
}

/** One table's COPY on its own connection and transaction, fed piece by piece. */
class TableCopy {
  private readonly client: pg.Client
  private ready: Promise<CopyStreamQuery>
  private last: Promise<void>
  constructor(url: string, name: string, columns: readonly string[]) {
    const client = new pg.Client({ connectionString: url })
    this.client = client
    this.ready = (async () => {
      await client.connect()
      await client.query('begin')
      await client.query('set local synchronous_commit = off')
      await client.query('set local session_replication_role = replica')
      return client.query(copyFrom(copyStatement(name, columns)))
    })()
    this.last = this.ready.then(() => {})
  }
  write(csv: string): Promise<void> {
    this.last = this.last.then(async () => {
      const copy = await this.ready
      await new Promise<void>((resolve, reject) => copy.write(csv, (error) => (error ? reject(error) : resolve())))
    })
    return this.last
  }
  async end(): Promise<void> {
    await this.last
    const copy = await this.ready
    copy.end()
    await finished(copy)
    await this.client.query('commit')
    await this.client.end()
  }
  async abandon(): Promise<void> {
    await this.client.end().catch(() => {})
  }
}

/** Each table COPYed on its own connection as its rows arrive; nothing checks foreign keys (the plan keeps them). */
class ParallelCopy implements CsvDestination {
  private readonly tables = new Map<string, TableCopy>()
  constructor(private readonly url: string) {}
  write(table: string, columns: readonly string[], csv: string): Promise<void> {
    let copy = this.tables.get(table)
    if (!copy) {
      copy = new TableCopy(this.url, table, columns)
      this.tables.set(table, copy)
    }
    return copy.write(csv)
  }
  async finish(order: string[], onTable: (name: string) => void): Promise<void> {
    await Promise.all([...this.tables.values()].map((copy) => copy.end()))
    for (const name of order) onTable(name)
  }
  async abandon(): Promise<void> {
    await Promise.all([...this.tables.values()].map((copy) => copy.abandon()))
  }
}

/** Each table spooled to a CSV file as it arrives, then COPYed in foreign-key order inside one transaction. */
class SpooledCopy implements CsvDestination {
  private readonly files = new Map<string, { file: string; fd: number; columns: readonly string[] }>()
  constructor(
    private readonly url: string,
    private readonly dir: string,
  ) {}
  async write(table: string, columns: readonly string[], csv: string): Promise<void> {
    let spool = this.files.get(table)
    if (!spool) {
      const file = path.join(this.dir, `${table}.csv`)
      spool = { file, fd: fs.openSync(file, 'w'), columns }
      this.files.set(table, spool)
    }
    fs.writeSync(spool.fd, csv)
  }
  async finish(order: string[], onTable: (name: string) => void): Promise<void> {
    for (const spool of this.files.values()) fs.closeSync(spool.fd)
    const client = new pg.Client({ connectionString: this.url })
    await client.connect()
    try {
      await client.query('begin')
      await client.query('set local synchronous_commit = off')
      for (const name of order) {
        const spool = this.files.get(name)
        if (spool) {
          await pipeline(fs.createReadStream(spool.file, { highWaterMark: 1 << 20 }), client.query(copyFrom(copyStatement(name, spool.columns))))
          fs.rmSync(spool.file)
        }
        onTable(name)
      }
      await client.query('commit')
    } catch (error) {
      await client.query('rollback').catch(() => {})
      throw error
    } finally {
      this.files.clear()
      await client.end()
    }
  }
  async abandon(): Promise<void> {
    for (const spool of this.files.values()) fs.closeSync(spool.fd)
    this.files.clear()
  }
}

/** Whether this server lets us turn foreign-key triggers off for a load (a superuser may). */
async function mayTurnOffForeignKeys(client: pg.Client): Promise<boolean> {
  await client.query('begin')
  try {
    await client.query('set local session_replication_role = replica')
    return true
  } catch {
    return false
  } finally {
    await client.query('rollback')
  }
}

/** Runs `work` over `items` on `connections` connections at once (each takes the next item when it is free). */
async function onConnections<T>(url: string, connections: number, items: T[], work: (client: pg.Client, item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(connections, items.length) }, async () => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        // Memory for sorting while indexes are made (the server's default is 64 MB).
        await client.query(`set maintenance_work_mem = '256MB'`)
        while (next < items.length) await work(client, items[next++]!)
      } finally {
        await client.end()
      }
    }),
  )
}

/** Plans the dataset on a worker thread, handing each piece of CSV to `destination` as it comes. */
function planOnWorker(input: PlanInput, destination: CsvDestination): Promise<Extract<PlanWorkerMessage, { kind: 'done' }>> {
  const pending = new Int32Array(new SharedArrayBuffer(4))
  const data: PlanWorkerData = { input, pending }
  // The worker is TypeScript: its entry loads it through tsx, whatever started this process (tsx, vitest).
  const worker = new Worker(new URL('./plan-worker.mjs', import.meta.url), { workerData: data })
  return new Promise((resolve, reject) => {
    let done: Extract<PlanWorkerMessage, { kind: 'done' }> | null = null
    let failed = false
    const fail = (error: unknown) => {
      if (failed) return
      failed = true
      void worker.terminate()
      reject(error)
    }
    worker.on('message', (message: PlanWorkerMessage) => {
      if (message.kind === 'done') {
        done = message
        return
      }
      destination.write(message.table, message.columns, message.csv).then(() => {
        Atomics.sub(pending, 0, message.csv.length)
        Atomics.notify(pending, 0)
      }, fail)
    })
    worker.on('error', fail)
    worker.on('exit', (code) => {
      if (done) resolve(done)
      else fail(new Error(`The national dataset's planning worker stopped (exit code ${code}) before it finished`))
    })
  })
}

/**
 * Loads into PostgreSQL. The plan runs on a worker thread (plan-worker.ts) that sends each table's rows as CSV as
 * they are made; the main thread COPYs them (see PostgresLoadOptions.mode) while planning goes on, so the two cores
 * plan and insert at once. The secondary indexes are dropped first and made again after (two at a time), from their
 * own definitions; then the identity sequences are moved past the given ids and the tables analysed (two at a time).
 * A load that fails part way leaves rows behind: run again with --fresh.
 */
export async function writePostgres(url: string, input: PlanInput, options: PostgresLoadOptions = {}): Promise<PostgresLoad> {
  const log = options.log ?? (() => {})
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  let indexes: Array<{ name: string; definition: string }>
  let mode: 'parallel' | 'one-transaction'
  try {
    mode = options.mode ?? ((await mayTurnOffForeignKeys(client)) ? 'parallel' : 'one-transaction')
    indexes = (
      await client.query<{ name: string; definition: string }>(
        `select indexname as name, indexdef as definition from pg_indexes
          where schemaname = 'public' and indexname not in (select conname from pg_constraint) and tablename not like 'kysely_%'`,
      )
    ).rows
    await client.query('begin')
    for (const index of indexes) await client.query(`drop index "${index.name}"`)
    await client.query('commit')
  } finally {
    await client.end()
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'commonpot-national-'))
  try {
    const destination: CsvDestination = mode === 'parallel' ? new ParallelCopy(url) : new SpooledCopy(url, dir)
    let planned: Extract<PlanWorkerMessage, { kind: 'done' }>
    try {
      planned = await planOnWorker(input, destination)
      log(`planned (${mode === 'parallel' ? 'each table COPYed as it was planned' : 'spooled as CSV'})`)
      await destination.finish(planned.order, (name) => options.onTable?.(name, planned.counts[name] ?? 0))
    } catch (error) {
      await destination.abandon()
      throw error
    }
    await onConnections(url, 2, indexes, async (c, index) => {
      await c.query(index.definition)
    })
    log(`${indexes.length} indexes made again`)
    await onConnections(url, 1, planned.idTables, async (c, name) => {
      await c.query(`select setval(pg_get_serial_sequence('"${name}"', 'id'), coalesce((select max(id) from "${name}"), 0) + 1, false)`)
    })
    // With foreign-key triggers off (parallel), the open-data version's were off too: the load counts as one change.
    await onConnections(url, 1, [COUNT_THE_LOAD], async (c, statement) => {
      await c.query(statement)
    })
    const tables = await publicTables(url)
    await onConnections(url, 2, tables, async (c, name) => {
      await c.query(`analyze "${name}"`)
    })
    log('analysed')
    return { counts: planned.counts, idTables: planned.idTables }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

async function publicTables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<{ name: string }>(`select tablename as name from pg_tables where schemaname = 'public' order by tablename`)).rows.map((r) => r.name)
  } finally {
    await client.end()
  }
}
