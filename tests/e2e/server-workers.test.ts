/**
 * WEB_CONCURRENCY=2 serves from two worker processes (server.mjs, node:cluster): both answer, a worker that dies is
 * replaced, and a SIGTERM stops them all. No browser: this journey is about the process, on the run's own database.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'
import { expect, test } from 'vitest'
import { journeyEnvironment } from './support/provided.ts'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const found = await check()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const LISTENING = /listening on http:\/\/localhost:\d+ \(worker \d+ of 2, pid (\d+)(, runs the background work)?\)/g

function workerPids(output: string): number[] {
  return [...output.matchAll(LISTENING)].map((m) => Number(m[1]))
}

/** Workers that said they run the background work (outbox, jobs, reminders). */
function backgroundPids(output: string): number[] {
  return [...output.matchAll(LISTENING)].filter((m) => m[2]).map((m) => Number(m[1]))
}

test('with WEB_CONCURRENCY=2 two workers serve the app, one runs the background work, a killed worker is replaced in its role, and SIGTERM stops them all', async () => {
  const { database, engine } = journeyEnvironment()
  const port = await freePort()
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', WEB_CONCURRENCY: '2', SEED_DEMO: 'false' }
  for (const key of ['DATABASE_URL', 'DATABASE_PATH', 'SMTP_URL']) delete env[key]
  if (database.url) env.DATABASE_URL = database.url
  else env.DATABASE_PATH = database.path
  env.SESSION_SECRET ??= 'server-workers-journey-secret-of-at-least-32-characters'
  let output = ''
  const server: ChildProcess = spawn(process.execPath, ['server.mjs'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)))
  try {
    const first = await until('two workers', () => (workerPids(output).length >= 2 ? workerPids(output) : undefined))
    expect(new Set(first).size).toBe(2)
    expect(first).not.toContain(server.pid)
    const [background] = backgroundPids(output)
    expect(backgroundPids(output)).toHaveLength(1)
    const health = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', database: engine })

    // The worker running the background work dies: its replacement takes the work over.
    process.kill(background!, 'SIGKILL')
    const replacement = await until('a replacement worker', () => workerPids(output).find((pid) => !first.includes(pid)))
    expect(backgroundPids(output)).toEqual([background, replacement])
    expect(output).toMatch(/worker \d+ stopped \(SIGKILL\); starting another/)
    expect(replacement).toBeGreaterThan(0)
    for (let i = 0; i < 6; i++) expect((await fetch(`http://127.0.0.1:${port}/login`)).status).toBe(200)
  } finally {
    server.kill('SIGTERM')
  }
  expect(await exited).toBe(0)
  // Every worker that ever listened is gone with the primary.
  for (const pid of workerPids(output)) expect(() => process.kill(pid, 0), `worker ${pid}`).toThrow()
})
