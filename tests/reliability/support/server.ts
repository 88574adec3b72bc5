/**
 * The built app (`node server.mjs`, NODE_ENV=production) started from a reliability test against that test file's own
 * database (the one tests/setup/setup-test-env.ts made: DATABASE_URL or DATABASE_PATH) and data folder, on a free
 * loopback port. `npm test` and CI build the app first; run `npm run build` before running these files by hand.
 *
 *   const app = await startApp()
 *   const res = await fetch(`${app.baseUrl}/healthz`)
 *   app.kill()              // SIGKILL, no goodbye: for crash tests
 *   await app.stop()        // SIGTERM, then SIGKILL after 5 s
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'

const ROOT = process.cwd()
const SESSION_SECRET = 'test-session-secret-that-is-at-least-32-characters'

export interface RunningApp {
  baseUrl: string
  port: number
  child: ChildProcess
  /** Everything the server printed so far. */
  output: () => string
  /** Resolves when the process has gone, with its exit code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** SIGKILL: the process dies mid-whatever, as on a power cut. */
  kill: () => Promise<void>
  /** SIGTERM, then SIGKILL after 5 s. */
  stop: () => Promise<void>
}

export function assertBuilt(): void {
  if (!fs.existsSync(path.join(ROOT, 'build', 'index.js'))) throw new Error('build/index.js is missing: run `npm run build` first (npm test and CI do)')
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/**
 * Starts the built server on this file's database and waits until /healthz answers 200.
 * `port` keeps the same address across restarts (crash tests); `env` adds or overrides variables.
 */
export async function startApp({ port, env = {}, timeoutMs = 60_000 }: { port?: number; env?: Record<string, string> } & { timeoutMs?: number } = {}): Promise<RunningApp> {
  assertBuilt()
  const chosen = port ?? (await freePort())
  const childEnv: NodeJS.ProcessEnv = { ...process.env }
  for (const key of ['TEST_DATABASE_URL', 'APP_URL', 'TRUST_PROXY', 'SECURE_COOKIES', 'SMTP_URL']) delete childEnv[key]
  Object.assign(childEnv, {
    NODE_ENV: 'production',
    PORT: String(chosen),
    HOST: '127.0.0.1',
    SESSION_SECRET,
    SEED_DEMO: 'false',
    WEB_CONCURRENCY: '1',
    ...env,
  })
  const child = spawn(process.execPath, ['server.mjs'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const baseUrl = `http://127.0.0.1:${chosen}`
  const deadline = Date.now() + timeoutMs
  let gone = false
  void exited.then(() => (gone = true))
  for (;;) {
    if (gone) throw new Error(`the server exited before it answered /healthz:\n${output}`)
    try {
      const res = await fetch(`${baseUrl}/healthz`)
      if (res.status === 200) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`the server did not answer /healthz within ${timeoutMs} ms:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const running = () => child.exitCode === null && child.signalCode === null
  return {
    baseUrl,
    port: chosen,
    child,
    output: () => output,
    exited,
    kill: async () => {
      if (running()) child.kill('SIGKILL')
      await exited
    },
    stop: async () => {
      if (running()) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
        await exited
        clearTimeout(timer)
      }
    },
  }
}
