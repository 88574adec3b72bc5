/**
 * Backing up and restoring the database, for `npm run db:backup` and `npm run db:restore` (scripts/db-*.ts are thin
 * wrappers). Like db/connect.ts it knows nothing of the app.
 *
 * SQLite: SQLite's online backup API copies a consistent snapshot while the server keeps running; the copy is a single
 * self-contained file. Restoring checks the backup opens and passes `PRAGMA integrity_check`, refuses while anyone
 * has the live database open (the server must be stopped), refuses to replace a database without `force`, and keeps
 * the database it replaced beside it.
 *
 * PostgreSQL: pg_dump's custom format (-Fc) from one snapshot, whose row counts are read in that same snapshot.
 * Restoring reads the whole dump first (a corrupt or truncated file is refused before anything changes), refuses while
 * other sessions are connected, creates the database when it does not exist, and otherwise replaces its contents in
 * one transaction (pg_restore --clean --if-exists --single-transaction), so a failure leaves it as it was.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { isPostgresUrl, type Engine } from './connect.ts'

export interface DatabaseOptions {
  url?: string
  path?: string
}

export interface TableRows {
  table: string
  rows: number
}

export interface BackupResult {
  engine: Engine
  /** Where the database that was backed up lives (never a password). */
  location: string
  file: string
  bytes: number
  tables: TableRows[]
}

export interface RestoreResult {
  engine: Engine
  location: string
  /** The backup that was restored. */
  file: string
  tables: TableRows[]
  /** SQLite: where the database that was replaced now lives (null when there was none). */
  keptAt: string | null
  /** PostgreSQL: the database did not exist and was created. */
  created: boolean
}

/** Anything an operator must be told in plain words: the script prints the message and exits 1. */
export class BackupError extends Error {
  override name = 'BackupError'
}

/** A file name that sorts by time and is safe on every file system, e.g. commonpot-2026-11-21T22-42-23-123Z.sqlite. */
export function backupFileName(engine: Engine, now = new Date()): string {
  return `commonpot-${now.toISOString().replace(/[:.]/g, '-')}.${engine === 'sqlite' ? 'sqlite' : 'dump'}`
}

export function engineOfOptions(options: DatabaseOptions): Engine {
  return isPostgresUrl(options.url) ? 'postgres' : 'sqlite'
}

export function describeLocation(options: DatabaseOptions): string {
  if (isPostgresUrl(options.url)) {
    const u = new URL(options.url)
    return `${u.hostname}:${u.port || 5432}${u.pathname}`
  }
  return options.path ?? 'data/commonpot.sqlite'
}

/** Copies the database into `target` (a new file; its folder is created). Safe while the server is running. */
export async function backupDatabase(options: DatabaseOptions, target: string): Promise<BackupResult> {
  if (fs.existsSync(target)) throw new BackupError(`${target} already exists: choose another file name.`)
  fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true })
  // Written under a temporary name and renamed when complete, so a backup cut short never looks like a good one.
  const partial = `${target}.partial`
  fs.rmSync(partial, { force: true })
  try {
    const tables = isPostgresUrl(options.url) ? await backupPostgres(options.url, partial) : await backupSqlite(options.path ?? 'data/commonpot.sqlite', partial)
    fs.renameSync(partial, target)
    return { engine: engineOfOptions(options), location: describeLocation(options), file: target, bytes: fs.statSync(target).size, tables }
  } finally {
    fs.rmSync(partial, { force: true })
  }
}

/** Puts a backup in place of the configured database (see the module comment for what is refused). */
export async function restoreDatabase(options: DatabaseOptions, file: string, { force = false }: { force?: boolean } = {}): Promise<RestoreResult> {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new BackupError(`There is no backup file at ${file}.`)
  return isPostgresUrl(options.url) ? restorePostgres(options.url, file, force) : restoreSqlite(options.path ?? 'data/commonpot.sqlite', file, force)
}

// ---------- SQLite ----------

function sqliteTables(sqlite: SQLite.Database): TableRows[] {
  const names = sqlite
    .prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`)
    .pluck()
    .all() as string[]
  return names.map((table) => ({ table, rows: Number(sqlite.prepare(`select count(*) from "${table.replace(/"/g, '""')}"`).pluck().get()) }))
}

async function backupSqlite(source: string, partial: string): Promise<TableRows[]> {
  if (!fs.existsSync(source)) throw new BackupError(`There is no database at ${source}.`)
  const live = new SQLite(source, { fileMustExist: true })
  try {
    live.pragma('busy_timeout = 10000')
    // All pages in one step: the copy is one read transaction, a snapshot the server's writes carry on beside (WAL).
    // Copied a few pages at a time, every write in between would restart it, and a busy server could keep it going forever.
    await live.backup(partial, { progress: () => 0x7fffffff })
  } finally {
    live.close()
  }
  const copy = new SQLite(partial)
  try {
    // One self-contained file: no -wal or -shm beside it.
    copy.pragma('journal_mode = DELETE')
    return sqliteTables(copy)
  } finally {
    copy.close()
  }
}

/** Whether another connection (the server, a script) has the database open: it then holds a lock we cannot take. */
function sqliteInUse(file: string): boolean {
  const probe = new SQLite(file, { fileMustExist: true, timeout: 0 })
  try {
    probe.pragma('locking_mode = EXCLUSIVE')
    probe.exec('BEGIN EXCLUSIVE')
    probe.exec('COMMIT')
    return false
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) return true
    throw error
  } finally {
    probe.close()
  }
}

/**
 * SQLite's integrity check findings as one line: a finding can span several lines (a damaged tree lists each bad
 * page), so they are split into lines, the "*** in database main ***" headings dropped, and the first three kept with
 * how many more there were.
 */
export function integrityProblems(findings: string[]): string {
  const lines = findings
    .flatMap((f) => f.split('\n'))
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^\*\*\* in database \S+ \*\*\*$/.test(l))
  return `${lines.slice(0, 3).join('; ')}${lines.length > 3 ? `; and ${lines.length - 3} more` : ''}`
}

/** Opens the copy of the backup and proves it is a sound Commonpot database; returns its tables. */
function verifySqliteBackup(copy: string, original: string): TableRows[] {
  const refuse = (why: string) => new BackupError(`${original} is not a usable backup (${why}). Nothing was changed.`)
  let sqlite: SQLite.Database
  try {
    sqlite = new SQLite(copy, { fileMustExist: true })
  } catch (error) {
    throw refuse(error instanceof Error ? error.message : String(error))
  }
  try {
    const problems = sqlite.pragma('integrity_check', { simple: false }) as { integrity_check: string }[]
    if (problems.length !== 1 || problems[0]?.integrity_check !== 'ok') {
      throw refuse(`the integrity check failed: ${integrityProblems(problems.map((p) => p.integrity_check))}`)
    }
    const tables = sqliteTables(sqlite)
    if (!tables.some((t) => t.table === 'kysely_migration')) throw refuse('it holds no Commonpot tables')
    sqlite.pragma('journal_mode = WAL')
    return tables
  } catch (error) {
    if (error instanceof BackupError) throw error
    throw refuse(error instanceof Error ? error.message : String(error))
  } finally {
    sqlite.close()
  }
}

async function restoreSqlite(live: string, file: string, force: boolean): Promise<RestoreResult> {
  fs.mkdirSync(path.dirname(path.resolve(live)), { recursive: true })
  // Verify a copy beside the live file (same file system, so the final rename is atomic): what is checked is what lands.
  const incoming = `${live}.restoring`
  for (const f of [incoming, `${incoming}-wal`, `${incoming}-shm`, `${incoming}-journal`]) fs.rmSync(f, { force: true })
  fs.copyFileSync(file, incoming)
  let keptAt: string | null = null
  try {
    const tables = verifySqliteBackup(incoming, file)
    if (fs.existsSync(live)) {
      if (sqliteInUse(live)) throw new BackupError(`The database at ${live} is in use (is the server running?). Stop it, then restore. Nothing was changed.`)
      if (!force) throw new BackupError(`${live} already holds a database. Add --force to replace it (it will be kept beside it). Nothing was changed.`)
      keptAt = `${live}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`
      // The live file moves aside with its write-ahead log, so what is kept is exactly what was there.
      for (const suffix of ['', '-wal', '-shm']) if (fs.existsSync(`${live}${suffix}`)) fs.renameSync(`${live}${suffix}`, `${keptAt}${suffix}`)
    }
    fs.renameSync(incoming, live)
    return { engine: 'sqlite', location: live, file, tables, keptAt, created: keptAt === null }
  } finally {
    for (const f of [incoming, `${incoming}-wal`, `${incoming}-shm`, `${incoming}-journal`]) fs.rmSync(f, { force: true })
  }
}

// ---------- PostgreSQL ----------

/** pg_dump or pg_restore: from PATH, else the newest /usr/lib/postgresql/<version>/bin (as scripts/pg-local.sh does). */
export function findPgTool(name: 'pg_dump' | 'pg_restore'): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name)
    if (dir && fs.existsSync(candidate)) return candidate
  }
  const root = '/usr/lib/postgresql'
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : []
  for (const v of versions) {
    const candidate = path.join(root, v, 'bin', name)
    if (fs.existsSync(candidate)) return candidate
  }
  throw new BackupError(`${name} was not found on PATH or in /usr/lib/postgresql/*/bin: install the PostgreSQL client tools.`)
}

function run(command: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('error', reject)
    child.once('exit', (code) => resolve({ code: code ?? 1, stderr: stderr.trim() }))
  })
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

async function postgresTables(client: pg.Client): Promise<TableRows[]> {
  const { rows } = await client.query<{ tablename: string }>(`select tablename from pg_tables where schemaname = 'public' order by tablename`)
  const tables: TableRows[] = []
  for (const { tablename } of rows) {
    const count = await client.query<{ n: string }>(`select count(*) as n from public."${tablename.replace(/"/g, '""')}"`)
    tables.push({ table: tablename, rows: Number(count.rows[0]!.n) })
  }
  return tables
}

async function backupPostgres(url: string, partial: string): Promise<TableRows[]> {
  const pgDump = findPgTool('pg_dump')
  return withClient(url, async (client) => {
    // The counts and the dump read the same snapshot, so the counts describe exactly what the file holds.
    await client.query('begin isolation level repeatable read read only')
    try {
      const { rows } = await client.query<{ snapshot: string }>('select pg_export_snapshot() as snapshot')
      const tables = await postgresTables(client)
      const dump = await run(pgDump, ['--format=custom', `--snapshot=${rows[0]!.snapshot}`, `--file=${partial}`, `--dbname=${url}`])
      if (dump.code !== 0) throw new BackupError(`pg_dump failed: ${dump.stderr}`)
      return tables
    } finally {
      await client.query('commit')
    }
  })
}

async function restorePostgres(url: string, file: string, force: boolean): Promise<RestoreResult> {
  const pgRestore = findPgTool('pg_restore')
  // Reading the whole dump (to nowhere) finds a file that is not a dump, or is corrupt or cut short, before any change.
  const check = await run(pgRestore, ['--file=/dev/null', file])
  if (check.code !== 0) throw new BackupError(`${file} is not a usable backup (${check.stderr.split('\n')[0] ?? 'pg_restore could not read it'}). Nothing was changed.`)
  const target = new URL(url)
  const name = decodeURIComponent(target.pathname.slice(1))
  const location = describeLocation({ url })
  const maintenance = new URL(url)
  maintenance.pathname = '/postgres'
  const exists = await withClient(maintenance.toString(), async (client) => {
    const found = await client.query('select 1 from pg_database where datname = $1', [name])
    if (found.rowCount === 0) {
      await client.query(`create database "${name.replace(/"/g, '""')}"`)
      return false
    }
    const others = await client.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name])
    if (Number(others.rows[0]!.n) > 0) {
      throw new BackupError(`The database ${location} is in use by ${others.rows[0]!.n} other connection(s) (is the server running?). Stop it, then restore. Nothing was changed.`)
    }
    return true
  })
  if (exists && !force) {
    const tables = await withClient(url, (client) => client.query(`select 1 from pg_tables where schemaname = 'public' limit 1`))
    if ((tables.rowCount ?? 0) > 0) throw new BackupError(`${location} already holds a database. Add --force to replace its contents. Nothing was changed.`)
  }
  const restore = await run(pgRestore, ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', `--dbname=${url}`, file])
  if (restore.code !== 0) throw new BackupError(`pg_restore failed, and its transaction was rolled back (nothing was changed): ${restore.stderr}`)
  const tables = await withClient(url, postgresTables)
  return { engine: 'postgres', location, file, tables, keptAt: null, created: !exists }
}

/** "12.3 MB" for messages. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

/** One line per table with its row count, then the total, for the scripts to print. */
export function formatTables(tables: TableRows[]): string[] {
  const width = Math.max(7, ...tables.map((t) => t.table.length))
  const total = tables.reduce((sum, t) => sum + t.rows, 0)
  return [
    ...tables.map((t) => `  ${t.table.padEnd(width)}  ${t.rows.toLocaleString('en-GB')}`),
    `  ${'(total)'.padEnd(width)}  ${total.toLocaleString('en-GB')} rows in ${tables.length} tables`,
  ]
}
