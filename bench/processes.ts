/**
 * The processes the bench starts: the build, the dataset generator, PostgreSQL (scripts/pg-local.sh) and the
 * production server. Each is a child of the bench; the server is stopped by its own pid when the bench is done.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import net from 'node:net'
import path from 'node:path'

/** Runs a command to completion with its output shown; rejects when it fails. */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; label: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'inherit', 'inherit'] })
    child.on('error', reject)
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${options.label} failed (${signal ?? `exit ${code}`})`))))
  })
}

/** Runs a command and returns what it printed. */
export function output(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; label: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code, signal) => (code === 0 ? resolve(out) : reject(new Error(`${options.label} failed (${signal ?? `exit ${code}`})`))))
  })
}

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs)
  }
  return newest
}

/** `remix build` when build/index.js is missing or older than anything in app/ (or templates/, which the server reads). */
export async function ensureBuild(): Promise<boolean> {
  const built = fs.existsSync('build/index.js') ? fs.statSync('build/index.js').mtimeMs : 0
  if (built > Math.max(newestMtime('app'), newestMtime('templates'))) return false
  await run(path.resolve('node_modules/.bin/remix'), ['build'], { label: 'remix build' })
  return true
}

/** A port nothing is listening on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export interface RunningServer {
  origin: string
  pid: number
  logFile: string
  stop: () => Promise<void>
}

/** The server's worker processes for the bench: WEB_CONCURRENCY when set, else one per core. */
export function benchWorkers(): number {
  const given = Number(process.env.WEB_CONCURRENCY)
  return Number.isSafeInteger(given) && given > 0 ? given : os.availableParallelism()
}

/**
 * Starts `NODE_ENV=production node server.mjs` on a free port of 127.0.0.1 with COMMONPOT_BENCH=1 and the dataset's
 * environment, and waits for /healthz to answer 200 (the database open and migrated). Its output goes to a log file.
 */
export async function startServer(env: Record<string, string>, logFile: string): Promise<RunningServer> {
  const port = await freePort()
  fs.mkdirSync(path.dirname(logFile), { recursive: true })
  const log = fs.openSync(logFile, 'w')
  const child: ChildProcess = spawn(process.execPath, ['server.mjs'], {
    // One worker per core, as a deployment on this machine would run (WEB_CONCURRENCY overrides it).
    env: { WEB_CONCURRENCY: String(benchWorkers()), ...process.env, ...env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', COMMONPOT_BENCH: '1' },
    stdio: ['ignore', log, log],
  })
  fs.closeSync(log)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const origin = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server stopped as it started (exit ${child.exitCode}); see ${logFile}`)
    try {
      const res = await fetch(`${origin}/healthz`)
      if (res.status === 200) break
      await res.body?.cancel()
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`the server did not answer /healthz with 200 within a minute; see ${logFile}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return { origin, pid: child.pid!, logFile, stop }
}

/** A PostgreSQL server URL: DATABASE_URL when it is one, else the throwaway local server scripts/pg-local.sh starts. */
export async function postgresServerUrl(): Promise<string> {
  const given = process.env.DATABASE_URL
  if (given && /^postgres(ql)?:\/\//.test(given)) return given
  const printed = await output('bash', ['scripts/pg-local.sh', 'start'], { label: 'scripts/pg-local.sh start' })
  const url = printed.trim().split('\n').at(-1)
  if (!url || !url.startsWith('postgres')) throw new Error(`scripts/pg-local.sh printed no database URL: ${printed}`)
  return url
}
