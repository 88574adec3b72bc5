/**
 * Runs once per browser-journey run (one `vitest run --config vitest.e2e.config.ts` process), in vitest's main process:
 *  1. rebuilds the app when build/ is missing or older than its sources (under a lock, so journey processes started
 *     side by side build it once);
 *  2. creates a fresh database (a SQLite file under .cache/e2e/, or a new PostgreSQL database on DATABASE_URL's
 *     server), migrates it and seeds the demo data, as `db/prepare.ts` does for a new deployment;
 *  3. starts the SMTP sink, and a tiny loopback HTTP "mailbox" that lists what the sink received as JSON. The sink has
 *     to live here, beside the server it serves, and test files run in other processes: the mailbox is how they read
 *     the mail (tests/e2e/support/mailbox.ts);
 *  4. starts the built server (`node server.mjs`, NODE_ENV=production) on a free loopback port and waits for /healthz.
 * Teardown stops the server, the sink and the mailbox, and removes the database. The server's output stays in
 * .cache/e2e/server.<engine>[.<E2E_SHARD>].log for reading after a failure.
 *
 * Everything here is this process's own (database named by its pid, ports the kernel hands out, its own log), so
 * several journey processes can run side by side: scripts/test.mjs starts one per share of the journey files and
 * labels each with E2E_SHARD.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { createDatabase } from '../../../db/connect.ts'
import { migrateToLatest } from '../../../db/migrator.ts'
import { seedDemo } from '../../../db/seed/demo.ts'
import { startSmtpSink } from '../../fakes/smtp-sink.ts'
import { testPostgresUrl, withDatabaseName } from '../../setup/test-database.ts'
import type { JourneyEnvironment } from './provided.ts'

const ROOT = process.cwd()
const E2E_DIR = path.join(ROOT, '.cache', 'e2e')
// One log per engine and journey process, so runs side by side (CI's SQLite and PostgreSQL runs, and the processes
// scripts/test.mjs starts for shares of the files) never read each other's server output.
const ENGINE = testPostgresUrl() ? 'postgres' : 'sqlite'
const SHARD = /^[\w-]+$/.test(process.env.E2E_SHARD ?? '') ? `.${process.env.E2E_SHARD}` : ''
const SERVER_LOG = path.join(E2E_DIR, `server.${ENGINE}${SHARD}.log`)
const SERVER_STDERR_LOG = path.join(E2E_DIR, `server.${ENGINE}${SHARD}.stderr.log`)
const BUILD_LOCK = path.join(E2E_DIR, 'build.lock')
/** Tries at starting the server: another process can take the port between probing it and the server binding it. */
const START_ATTEMPTS = 3
const SERVER_START_MS = 120_000
const PG_E2E_PREFIX = 'commonpot_e2e_'
const SESSION_SECRET = 'e2e-session-secret-that-is-at-least-32-characters-long'
const SOURCES = ['app', 'db', 'remix.config.js', 'package-lock.json']

export default async function setup(project: TestProject) {
  fs.mkdirSync(E2E_DIR, { recursive: true })
  await buildIfStale()
  // Letters the seed generates are stored where the server under test reads them.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'commonpot-e2e-data-'))
  const sink = await startSmtpSink({ port: 0 })
  const mailbox = await startMailbox(() => sink.messages)
  let server: RunningServer | undefined
  let database: JourneyDatabase | undefined
  for (let attempt = 1; !server; attempt++) {
    const port = await freePort()
    try {
      // The seeded data links to the server's origin, so a new port means a new database.
      database = await createJourneyDatabase(`http://127.0.0.1:${port}`, dataDir)
      server = await startServer(port, { ...database.env, DATA_DIR: dataDir, SMTP_URL: sink.url })
    } catch (error) {
      await database?.drop().catch(() => {})
      database = undefined
      if (attempt < START_ATTEMPTS && error instanceof PortTakenError) {
        console.log(`browser journeys: port ${port} was taken before the server bound it; trying another`)
        continue
      }
      await Promise.allSettled([sink.close(), closeHttp(mailbox.server)])
      fs.rmSync(dataDir, { recursive: true, force: true })
      throw error
    }
  }
  const running = server
  const journeyDb = database!
  const journey: JourneyEnvironment = {
    baseUrl: running.baseUrl,
    engine: journeyDb.engine,
    database: journeyDb.location,
    smtpUrl: sink.url,
    mailboxUrl: mailbox.url,
    serverLog: SERVER_LOG,
    serverStderrLog: SERVER_STDERR_LOG,
  }
  project.provide('journey', journey)
  const label = SHARD ? `browser journeys${SHARD.replace('.', ' ')}` : 'browser journeys'
  console.log(`${label}: app ${running.baseUrl} on ${journeyDb.engine}, SMTP sink ${sink.url}, log ${path.relative(ROOT, SERVER_LOG)}`)

  return async () => {
    await running.stop()
    await Promise.allSettled([sink.close(), closeHttp(mailbox.server)])
    await journeyDb.drop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

// --- build -----------------------------------------------------------------------------------------------------------

function newestChange(entry: string): number {
  const stat = fs.statSync(entry, { throwIfNoEntry: false })
  if (!stat) return 0
  if (!stat.isDirectory()) return /\.test\.tsx?$/.test(entry) ? 0 : stat.mtimeMs
  // A directory's own mtime changes when a file is added, renamed or deleted.
  let newest = stat.mtimeMs
  for (const name of fs.readdirSync(entry)) newest = Math.max(newest, newestChange(path.join(entry, name)))
  return newest
}

function isStale(): boolean {
  const built = fs.statSync(path.join(ROOT, 'build', 'index.js'), { throwIfNoEntry: false })?.mtimeMs ?? 0
  const sources = Math.max(...SOURCES.map((s) => newestChange(path.join(ROOT, s))))
  return built <= sources
}

/**
 * Builds under a lock (a directory holding the builder's pid): journey processes started side by side would
 * otherwise all build into the same build/ at once. A lock whose process has gone is taken over.
 */
export async function buildIfStale() {
  fs.mkdirSync(E2E_DIR, { recursive: true })
  if (!isStale()) return
  const deadline = Date.now() + 10 * 60_000
  for (;;) {
    try {
      fs.mkdirSync(BUILD_LOCK)
      fs.writeFileSync(path.join(BUILD_LOCK, 'pid'), String(process.pid))
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = Number(fs.readFileSync(path.join(BUILD_LOCK, 'pid'), { encoding: 'utf8', flag: 'a+' }))
      if (holder > 0 && !processIsAlive(holder)) fs.rmSync(BUILD_LOCK, { recursive: true, force: true })
      else if (Date.now() > deadline) throw new Error(`${BUILD_LOCK} has been held for 10 minutes (by pid ${holder || 'unknown'})`)
      else await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
  try {
    // Another process may have built while this one waited for the lock.
    if (!isStale()) return
    console.log('browser journeys: build/ is missing or older than the sources; running `remix build`')
    // Vitest sets NODE_ENV=test, which would make Remix emit a development build (jsxDEV) that a production server
    // cannot run.
    const result = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'remix'), ['build'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'inherit',
    })
    if (result.status !== 0) throw new Error(`remix build failed (exit code ${result.status}); the browser journeys need the built app`)
  } finally {
    fs.rmSync(BUILD_LOCK, { recursive: true, force: true })
  }
}

// --- database --------------------------------------------------------------------------------------------------------

interface JourneyDatabase {
  engine: JourneyEnvironment['engine']
  /** How the server finds it. */
  env: Record<string, string>
  /** How a test file opens it (createDatabase's options). */
  location: JourneyEnvironment['database']
  drop: () => Promise<void>
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Leftovers of an earlier run that was killed before its teardown: named by that run's pid, dropped once it is gone. */
async function dropAbandonedPostgresDatabases(admin: pg.Client) {
  const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${PG_E2E_PREFIX}%`])
  for (const { datname } of rows) {
    const pid = Number(datname.slice(PG_E2E_PREFIX.length))
    if (Number.isInteger(pid) && !processIsAlive(pid)) await admin.query(`drop database if exists "${datname}" with (force)`)
  }
}

function removeAbandonedSqliteRuns() {
  for (const name of fs.readdirSync(E2E_DIR)) {
    const match = /^run-(\d+)$/.exec(name)
    if (match && !processIsAlive(Number(match[1]))) fs.rmSync(path.join(E2E_DIR, name), { recursive: true, force: true })
  }
}

/** One database per run, named by this process's id, so two runs against one PostgreSQL server do not collide. */
async function createJourneyDatabase(appOrigin: string, dataDir: string): Promise<JourneyDatabase> {
  const pgUrl = testPostgresUrl()
  if (pgUrl) {
    const name = `${PG_E2E_PREFIX}${process.pid}`
    const admin = new pg.Client({ connectionString: pgUrl })
    await admin.connect()
    try {
      await dropAbandonedPostgresDatabases(admin)
      await admin.query(`drop database if exists "${name}" with (force)`)
      await admin.query(`create database "${name}"`)
    } finally {
      await admin.end()
    }
    const url = withDatabaseName(pgUrl, name)
    await migrateAndSeed({ url }, appOrigin, dataDir)
    return {
      engine: 'postgres',
      env: { DATABASE_URL: url },
      location: { url },
      drop: async () => {
        const c = new pg.Client({ connectionString: pgUrl })
        await c.connect()
        try {
          await c.query(`drop database if exists "${name}" with (force)`)
        } finally {
          await c.end()
        }
      },
    }
  }
  removeAbandonedSqliteRuns()
  const dir = path.join(E2E_DIR, `run-${process.pid}`)
  fs.rmSync(dir, { recursive: true, force: true })
  const file = path.join(dir, 'commonpot.sqlite')
  await migrateAndSeed({ path: file }, appOrigin, dataDir)
  return { engine: 'sqlite', env: { DATABASE_PATH: file }, location: { path: file }, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) }
}

/** As db/prepare.ts does for a new deployment; links in the seeded data point at the server under test. */
async function migrateAndSeed(options: { url?: string; path?: string }, appOrigin: string, dataDir: string) {
  const handle = createDatabase(options)
  try {
    await migrateToLatest(handle.db)
    await seedDemo(handle.db, { appOrigin, dataDir })
  } finally {
    await handle.close()
  }
}

// --- mailbox ---------------------------------------------------------------------------------------------------------

async function startMailbox(messages: () => unknown[]): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/messages') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
      res.end(JSON.stringify(messages()))
      return
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('GET /messages')
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as net.AddressInfo
  return { server, url: `http://127.0.0.1:${port}/messages` }
}

function closeHttp(server: http.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

// --- server ----------------------------------------------------------------------------------------------------------

interface RunningServer {
  baseUrl: string
  stop: () => Promise<void>
}

async function freePort(): Promise<number> {
  const probe = net.createServer()
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', resolve)
  })
  const { port } = probe.address() as net.AddressInfo
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

function tailOf(file: string, lines = 40): string {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())))
}

class PortTakenError extends Error {
  constructor(port: number) {
    super(`port ${port} was taken before the server bound it`)
  }
}

/** The port was probed free a moment earlier (so the seed could know the origin); another process could take it. */
async function startServer(port: number, extraEnv: Record<string, string>): Promise<RunningServer> {
  const baseUrl = `http://127.0.0.1:${port}`
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of ['DATABASE_URL', 'DATABASE_PATH', 'TEST_DATABASE_URL', 'APP_URL', 'TRUST_PROXY', 'SECURE_COOKIES']) delete env[key]
  Object.assign(env, {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    SESSION_SECRET,
    SEED_DEMO: 'true',
    ...extraEnv,
  })

  fs.writeFileSync(SERVER_LOG, '')
  fs.writeFileSync(SERVER_STDERR_LOG, '')
  const log = fs.openSync(SERVER_LOG, 'a')
  const errLog = fs.openSync(SERVER_STDERR_LOG, 'a')
  const child = spawn(process.execPath, ['server.mjs'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.on('data', (chunk: Buffer) => fs.writeSync(log, chunk))
  child.stderr.on('data', (chunk: Buffer) => {
    fs.writeSync(log, chunk)
    fs.writeSync(errLog, chunk)
  })
  const closeLogs = () => {
    fs.closeSync(log)
    fs.closeSync(errLog)
  }
  const gone = exited(child)

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await gone
      clearTimeout(timer)
    }
    closeLogs()
  }

  const listening = () => fs.readFileSync(SERVER_LOG, 'utf8').includes(`listening on http://localhost:${port}`)
  // Generous: journey processes start side by side with the unit suite, typecheck and lint on two cores.
  const deadline = Date.now() + SERVER_START_MS
  let last = 'no answer yet'
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break
    try {
      const res = await fetch(`${baseUrl}/healthz`)
      // Only once our server says it listens is the answer its own, not another process's on a port taken meanwhile.
      if (res.status === 200 && listening()) return { baseUrl, stop }
      last = `${res.status} ${await res.text()}`
    } catch (error) {
      last = (error as Error).message
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const ended = child.exitCode !== null || child.signalCode !== null
  if (ended && /EADDRINUSE/.test(tailOf(SERVER_LOG))) {
    await stop()
    throw new PortTakenError(port)
  }
  const why = ended ? `the server exited (${child.exitCode ?? child.signalCode})` : `/healthz did not answer 200 in ${SERVER_START_MS / 1000} s (${last})`
  await stop()
  throw new Error(`The app under test did not start: ${why}.\n--- ${SERVER_LOG} (last lines) ---\n${tailOf(SERVER_LOG)}`)
}
