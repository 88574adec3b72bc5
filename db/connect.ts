/**
 * Opens the database. SQLite (better-sqlite3) by default; PostgreSQL (pg) when a postgres:// URL is given.
 * This is the bottom of the import graph: it knows nothing of the app.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import {
  CompiledQuery,
  Kysely,
  type Compilable,
  PostgresAdapter,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
} from 'kysely'
import pg from 'pg'
import type { DB } from './schema.ts'

export type Engine = 'sqlite' | 'postgres'

export interface DatabaseHandle {
  db: Kysely<DB>
  engine: Engine
  /** Where the data lives, for messages (never the password). */
  location: string
  close: () => Promise<void>
}

// pg returns int8 (bigint, count(*), sum of bigint) and numeric as strings. Pence fit comfortably in a JS number
// (2^53 pence is £90 trillion), so we convert in this one place.
pg.types.setTypeParser(20, (v) => Number(v))
pg.types.setTypeParser(1700, (v) => Number(v))

/**
 * Every SQLite write transaction starts with BEGIN IMMEDIATE, so a check-then-act (is there money left? then commit it)
 * holds the write lock from its first read and two processes cannot both pass the check. See ADR 0004.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0]
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config)
    this.#config = config
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }
}

/**
 * better-sqlite3 as Kysely sees it, with each statement kept once prepared. Kysely prepares every query's SQL again on
 * every call, and for the short indexed reads a page makes, preparing cost more than running (a count on
 * /manage/returns: 0.02 ms run directly, 0.47 ms through Kysely). Kysely's SQL is parameterised, so the texts are few;
 * at most KEPT_STATEMENTS are kept (the oldest let go first). A statement still being iterated is busy and is never
 * handed out (better-sqlite3 runs nothing else on the connection meanwhile, so this is only a guard). SQLite prepares a
 * kept statement again by itself when the schema changes (a migration).
 */
const KEPT_STATEMENTS = 2000

export class KeptStatements {
  readonly #statements = new Map<string, SQLite.Statement>()
  constructor(readonly sqlite: SQLite.Database) {}
  prepare(text: string): SQLite.Statement {
    const kept = this.#statements.get(text)
    if (kept) return kept.busy ? this.sqlite.prepare(text) : kept
    const statement = this.sqlite.prepare(text)
    if (this.#statements.size >= KEPT_STATEMENTS) this.#statements.delete(this.#statements.keys().next().value!)
    this.#statements.set(text, statement)
    return statement
  }
  /** How many statements are kept (for tests). */
  get size(): number {
    return this.#statements.size
  }
  close(): void {
    this.#statements.clear()
    this.sqlite.close()
  }
}

/**
 * Statements PostgreSQL keeps prepared on each connection, by SQL text -> statement name. Sent unnamed, every query is
 * parsed and planned again: for the short indexed reads every signed-in request makes (the session and its user) that
 * was about three quarters of the backend's CPU per query (0.49 ms -> 0.14 ms for the session lookup prepared), and
 * node-postgres sends less too. Only queries a caller marks with `prepared()` are kept, and each is planned once for any
 * parameters (a generic plan: the pool's connections set plan_cache_mode=force_generic_plan, see createDatabase), which
 * suits point and short range reads on unique or selective keys, and is not for a query whose best plan depends on its
 * parameters (a status filter on a skewed column).
 */
const preparedNames = new Map<string, string>()

/**
 * A query compiled and marked to be kept prepared on PostgreSQL (on SQLite it runs as usual): run it with
 * `db.executeQuery(prepared(query))`. Mark only queries of fixed shape (no IN list of varying length) whose plan
 * does not depend on the parameters; see preparedNames.
 */
export function prepared<R>(query: Compilable<R>): CompiledQuery<R> {
  const compiled = query.compile()
  if (!preparedNames.has(compiled.sql)) preparedNames.set(compiled.sql, `cp_${crypto.createHash('sha1').update(compiled.sql).digest('hex').slice(0, 20)}`)
  return compiled
}

/** Sends the statements marked with prepared() by name, so each connection parses and plans them once. */
function namePreparedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown
  client.query = ((...args: unknown[]) => {
    const [text, values] = args
    const name = typeof text === 'string' && args.length === 2 ? preparedNames.get(text) : undefined
    return name ? query({ name, text, values }) : query(...args)
  }) as typeof client.query
}

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url)
}

/**
 * What a connection is for. 'pages' (the default) keeps a large page cache for the many short reads pages make.
 * 'bulk-read' is for reading a whole table once, as the 360Giving files do (every published award): on the pages'
 * connection such a pass filled its 64 MB cache with rows read once, holding that memory and pushing out the indexes
 * the pages read on every request, so on SQLite it gets a connection of its own with a 2 MB cache (a national
 * export's peak memory 252 -> about 180 MB, and no slower: each page of the table is read once anyway). PostgreSQL's
 * cache is the server's, shared by every connection, so there both are the same kind of pool.
 */
export type ConnectionUse = 'pages' | 'bulk-read'

export function openSqlite(file: string, use: ConnectionUse = 'pages'): SQLite.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  const sqlite = new SQLite(file)
  // Pragmas are chosen in docs/decisions/0004-sqlite-default-postgres-at-scale.md.
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 10000')
  // Reads at national scale (a 1 GB file) re-read pages from the OS on every request with SQLite's default 2 MB page
  // cache; a 64 MB cache per connection and memory-mapped reads keep the hot indexes and rows in memory.
  sqlite.pragma(use === 'pages' ? 'cache_size = -65536' : 'cache_size = -2048')
  sqlite.pragma('mmap_size = 268435456')
  return sqlite
}

export function createDatabase(options: { url?: string; path?: string; use?: ConnectionUse } = {}): DatabaseHandle {
  if (isPostgresUrl(options.url)) {
    // PostgreSQL's JIT compiler suits long analytical queries; for a web app's short ones it only adds compile time
    // (about 170 ms on a dashboard query at national scale whose plan costs past jit_above_cost), so it is off here.
    // Parallel query workers are off too: with many requests at once on a small machine every core is already busy,
    // and starting workers for a short query cost more than it saved (/stats' first page 26 -> 19 ms without them).
    // A statement kept prepared (see preparedNames) is planned once per connection, for any parameters. In PostgreSQL's
    // default mode (auto) it is planned again on every run whenever the generic plan's estimated cost is above the
    // custom plans' average, as it was for the hot pages' longer reads (the estimate of a range with an unknown end is
    // rough), and planning them cost more than running them (payments due's page: 2.1 ms to plan, 0.6 ms to run, with
    // the same plan either way; the assessor queue's seats and the returns list 0.7-0.9 ms a view). Only statements
    // marked prepared() are named, and they are marked because one plan suits every value, so they are always
    // planned once (the mode does not apply to unnamed statements).
    // (node-postgres lets options in the URL replace the pool's, so they are moved out of the URL and kept.)
    const connection = new URL(options.url)
    const given = connection.searchParams.get('options')
    connection.searchParams.delete('options')
    const pool = new pg.Pool({
      connectionString: connection.href,
      max: Number(process.env.DATABASE_POOL_MAX ?? 10),
      options: [given, '-c jit=off -c max_parallel_workers_per_gather=0 -c plan_cache_mode=force_generic_plan'].filter(Boolean).join(' '),
    })
    // An idle client that errors (e.g. the server restarted) must not crash the process.
    pool.on('error', () => {})
    pool.on('connect', namePreparedStatements)
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
    const u = new URL(options.url)
    return { db, engine: 'postgres', location: `${u.hostname}:${u.port || 5432}${u.pathname}`, close: () => db.destroy() }
  }
  const file = options.path ?? 'data/commonpot.sqlite'
  const sqlite = openSqlite(file, options.use)
  const db = new Kysely<DB>({ dialect: new ImmediateSqliteDialect({ database: new KeptStatements(sqlite) }) })
  return { db, engine: 'sqlite', location: file, close: () => db.destroy() }
}

/** Which engine a Kysely instance or transaction talks to (for the few statements that differ). */
export function engineOf(db: Kysely<any>): Engine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite'
}

export function databaseOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): { url?: string; path?: string } {
  if (isPostgresUrl(env.DATABASE_URL)) return { url: env.DATABASE_URL }
  return { path: env.DATABASE_PATH || 'data/commonpot.sqlite' }
}
