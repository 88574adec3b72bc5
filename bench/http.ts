/**
 * Talking to the server as people do: signing in through the real /login form (and /login/two-factor with a code
 * from the app's TOTP module), then putting pages under load with wrk (Debian's package), which reports the
 * percentiles through bench/wrk-report.lua. Also the bare node:http server the floor is compared with, in a worker
 * thread.
 */
import { execFile, spawnSync } from 'node:child_process'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Worker } from 'node:worker_threads'
import { currentTotpCode } from '../app/domain/identity/totp.server.ts'
import { summariseWrk, type LatencySummary } from './stats.ts'

/** The name=value part of each Set-Cookie, merged over the cookies already held. */
function mergeCookies(jar: Map<string, string>, response: Response): void {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';')
    const at = pair.indexOf('=')
    if (at > 0) jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim())
  }
}

function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
}

/**
 * Signs in through the form (a same-origin POST, as the browser sends it) and, for an account with two-factor, the
 * code page. Returns the Cookie header to send with every request of that account.
 */
export async function signIn(origin: string, input: { email: string; password: string; totpSecret?: string | null }): Promise<string> {
  const jar = new Map<string, string>()
  const post = async (path: string, body: Record<string, string>) => {
    const res = await fetch(`${origin}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin, ...(jar.size ? { Cookie: cookieHeader(jar) } : {}) },
      body: new URLSearchParams(body),
    })
    await res.body?.cancel()
    mergeCookies(jar, res)
    return res
  }
  const login = await post('/login', { email: input.email, password: input.password, redirectTo: '/home' })
  if (login.status !== 302) throw new Error(`signing in as ${input.email} answered ${login.status}, not a redirect (wrong password, or throttled?)`)
  const next = login.headers.get('Location') ?? ''
  if (next.startsWith('/login/two-factor')) {
    if (!input.totpSecret) throw new Error(`${input.email} needs a two-factor code and the bench has no secret for it`)
    const second = await post('/login/two-factor', { code: currentTotpCode(input.totpSecret), redirectTo: '/home' })
    if (second.status !== 302 || (second.headers.get('Location') ?? '').startsWith('/login')) throw new Error(`the two-factor code for ${input.email} was refused (${second.status})`)
  }
  return cookieHeader(jar)
}

export interface FirstResponse {
  status: number
  contentType: string
  body: Buffer
}

/** One GET, read to the end. */
export async function getOnce(url: string, cookie: string | null): Promise<FirstResponse> {
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { Cookie: cookie } : {} })
  return { status: res.status, contentType: res.headers.get('Content-Type') ?? '', body: Buffer.from(await res.arrayBuffer()) }
}

/** One response's body exactly as the server sent it (not unzipped), asking as a browser does (BROWSER_HEADERS). */
export function sentOnce(url: string, cookie: string | null): Promise<FirstResponse> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { ...BROWSER_HEADERS, ...(cookie ? { cookie } : {}) } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    request.on('error', reject)
  })
}

/** The Content-Encoding a GET of the URL is answered with, asking as a browser does (the body is not read). */
export function encodingOf(url: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: BROWSER_HEADERS }, (res) => {
      resolve(res.headers['content-encoding'] ?? null)
      res.destroy()
    })
    request.on('error', reject)
  })
}

/** Waits (up to `maxSeconds`) until the URL is answered compressed: a kept copy whose compressing has finished. */
export async function waitUntilCompressed(url: string, maxSeconds = 60): Promise<boolean> {
  const until = performance.now() + maxSeconds * 1000
  while (performance.now() < until) {
    if (await encodingOf(url)) return true
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return false
}

/**
 * Waits until the server has finished what earlier load left it doing: wrk stops sending when its time is up,
 * but responses it gave up on (a 360Giving file is seconds of work) may still be running on the server, and would be
 * counted against whatever is measured next. Quiet means `quietRuns` one-line floor pages in a row each answered within
 * `quietMs`; gives up (and says so) after `maxSeconds`.
 */
export async function waitUntilQuiet(origin: string, options: { quietMs: number; quietRuns?: number; maxSeconds?: number }): Promise<{ seconds: number; quiet: boolean }> {
  const started = performance.now()
  const runs = options.quietRuns ?? 5
  let inARow = 0
  while (performance.now() - started < (options.maxSeconds ?? 60) * 1000) {
    const before = performance.now()
    await getOnce(`${origin}/bench/floor`, null)
    inARow = performance.now() - before <= options.quietMs ? inARow + 1 : 0
    if (inARow >= runs) return { seconds: (performance.now() - started) / 1000, quiet: true }
    if (inARow === 0) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { seconds: (performance.now() - started) / 1000, quiet: false }
}

/**
 * Seconds to stream a whole response (to its last byte), asking as a browser does (BROWSER_HEADERS), how many bytes it
 * was (decompressed: fetch unpacks it) and how many were sent (its Content-Length when compressed).
 */
export async function download(url: string): Promise<{ seconds: number; bytes: number; sentBytes: number; status: number }> {
  const started = performance.now()
  const res = await fetch(url, { headers: BROWSER_HEADERS })
  let bytes = 0
  const reader = res.body?.getReader()
  for (let next = await reader?.read(); next && !next.done; next = await reader!.read()) bytes += next.value.byteLength
  const sent = res.headers.get('Content-Encoding') ? Number(res.headers.get('Content-Length') ?? bytes) : bytes
  return { seconds: Math.round((performance.now() - started) / 10) / 100, bytes, sentBytes: sent, status: res.status }
}

/**
 * What every browser (and curl --compressed, Python's requests, 360Giving's own data getter) sends: a server may
 * answer compressed. Commonpot compresses only the 360Giving files' kept copies; pages go as they are.
 */
export const BROWSER_HEADERS = { 'accept-encoding': 'gzip, deflate, br' }

const WRK_REPORT = fileURLToPath(new URL('./wrk-report.lua', import.meta.url))

/** Set once wrk has been found, so each measurement does not start a process to look for it again. */
let wrkFound = false

function wrkIsInstalled(): boolean {
  return !spawnSync('wrk', ['-v'], { stdio: 'ignore' }).error
}

/**
 * wrk, from Debian's package: installed when missing and this process is root (as scripts/pg-local.sh does with
 * PostgreSQL, and .ci/run with Chromium), else an error that says how.
 */
export function ensureWrk(): void {
  if (wrkFound || (wrkFound = wrkIsInstalled())) return
  if (process.getuid?.() !== 0) throw new Error('the bench needs wrk, the load tool: apt-get install -y wrk')
  console.log('bench: installing wrk (the load tool) from Debian')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'wrk']]) {
    const done = spawnSync('apt-get', args, { stdio: 'inherit', env })
    if (done.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${done.status}): install wrk by hand`)
  }
  if (!(wrkFound = wrkIsInstalled())) throw new Error('apt-get installed wrk, but it does not run')
}

/**
 * `connections` clients requesting the URL back to back for `seconds` (one wrk thread: a C client that only counts
 * a body's bytes as it reads them, so a large page or file measures the server, not the load tool),
 * asking as a browser does, summarised from wrk's report.
 *
 * wrk counts a status of 400 or more as an error, but a redirect as an answer: the URL is asked once more when the load
 * ends, and a page that no longer answers 2xx then (a session that ended makes every page redirect to /login) fails
 * the measurement instead of passing as a fast page. The bench asks every page once before measuring it, too.
 */
export async function load(url: string, options: { connections: number; seconds: number; cookie: string | null }): Promise<LatencySummary> {
  ensureWrk()
  const headers: Record<string, string> = { ...BROWSER_HEADERS, ...(options.cookie ? { cookie: options.cookie } : {}) }
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--timeout', '30s', '-s', WRK_REPORT, ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]), url]
  const { stdout } = await promisify(execFile)('wrk', args, { maxBuffer: 1024 * 1024 })
  const report = stdout.trim().split('\n').filter((line) => line.startsWith('{')).pop()
  if (!report) throw new Error(`wrk printed no report for ${url}:\n${stdout}`)
  const summary = summariseWrk(JSON.parse(report))
  const after = await sentOnce(url, options.cookie)
  return after.status >= 200 && after.status < 300 ? summary : { ...summary, failures: summary.failures + 1 }
}

export interface BareServer {
  origin: string
  stop: () => Promise<void>
}

const BARE_SERVER = `
const http = require('node:http')
const { parentPort, workerData } = require('node:worker_threads')
const body = Buffer.from(workerData.body)
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': workerData.contentType, 'Content-Length': body.length })
  res.end(body)
})
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port))
parentPort.on('message', () => server.close(() => process.exit(0)))
`

/** A node:http server answering every request with these exact bytes and content type, on its own thread. */
export function startBareServer(body: Buffer, contentType: string): Promise<BareServer> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(BARE_SERVER, { eval: true, workerData: { body, contentType } })
    worker.once('error', reject)
    worker.once('message', (port: number) =>
      resolve({
        origin: `http://127.0.0.1:${port}`,
        stop: async () => {
          const done = new Promise<void>((r) => worker.once('exit', () => r()))
          worker.postMessage('stop')
          await Promise.race([done, new Promise((r) => setTimeout(r, 2_000))])
          await worker.terminate()
        },
      }),
    )
  })
}
