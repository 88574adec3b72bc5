import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { gzipSync } from 'node:zlib'
import { BROWSER_HEADERS, load, sentOnce, waitUntilCompressed, waitUntilQuiet } from './http.ts'

let server: http.Server | null = null
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(null))
  server = null
})

/** A server whose floor page takes `slowMs` for its first `slowAnswers` answers, then answers at once. */
async function serverBusyFor(slowAnswers: number, slowMs: number): Promise<{ origin: string; answered: () => number }> {
  let answered = 0
  server = http.createServer((req, res) => {
    const delay = answered++ < slowAnswers ? slowMs : 0
    setTimeout(() => res.end('ok'), delay)
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, answered: () => answered }
}

describe('waitUntilQuiet', () => {
  test('waits through slow answers until enough quick ones come in a row', async () => {
    const busy = await serverBusyFor(3, 400)
    const waited = await waitUntilQuiet(busy.origin, { quietMs: 200, quietRuns: 4, maxSeconds: 20 })
    expect(waited.quiet).toBe(true)
    // The three slow answers, then four quick ones in a row (more only if a quick one was slowed by a busy machine).
    expect(busy.answered()).toBeGreaterThanOrEqual(3 + 4)
  })

  test('gives up and says so when the server never gets quiet', async () => {
    const busy = await serverBusyFor(1_000, 400)
    const waited = await waitUntilQuiet(busy.origin, { quietMs: 200, maxSeconds: 1 })
    expect(waited.quiet).toBe(false)
    expect(busy.answered()).toBeGreaterThan(0)
  })
})

describe('asking as a browser does', () => {
  test('sentOnce and load ask for gzip, and sentOnce gives the bytes as sent, not unzipped', async () => {
    const asked: (string | undefined)[] = []
    const zipped = gzipSync('a 360Giving file '.repeat(1_000))
    server = http.createServer((req, res) => {
      asked.push(req.headers['accept-encoding'])
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': zipped.length })
      res.end(zipped)
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const sent = await sentOnce(`${origin}/data/360giving.json`, null)
    expect(sent).toMatchObject({ status: 200, contentType: 'application/json' })
    expect(sent.body.equals(zipped)).toBe(true)
    const measured = await load(`${origin}/`, { connections: 1, seconds: 1, cookie: null })
    expect(measured.failures).toBe(0)
    expect(asked.length).toBeGreaterThan(1)
    expect(new Set(asked)).toEqual(new Set([BROWSER_HEADERS['accept-encoding']]))
  })
})

describe('load (wrk)', () => {
  async function serverAnswering(answer: (n: number, req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<string> {
    let n = 0
    server = http.createServer((req, res) => answer(n++, req, res))
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  }

  test('counts the answers and their rate, with the cookie sent on every request', async () => {
    const cookies = new Set<string | undefined>()
    const url = await serverAnswering((_n, req, res) => {
      cookies.add(req.headers.cookie)
      res.end('a page')
    })
    const measured = await load(url, { connections: 2, seconds: 1, cookie: '__session=abc; other=1' })
    expect(measured.failures).toBe(0)
    expect(measured.requests).toBeGreaterThan(10)
    expect(measured.rps).toBeGreaterThan(10)
    expect(measured.p50).toBeGreaterThan(0)
    expect(measured.p95).toBeGreaterThanOrEqual(measured.p50)
    expect(measured.p99).toBeGreaterThanOrEqual(measured.p95)
    expect(cookies).toEqual(new Set(['__session=abc; other=1']))
  })

  test('a slow answer shows in the percentiles', async () => {
    const url = await serverAnswering((_n, _req, res) => setTimeout(() => res.end('slow'), 50))
    const measured = await load(url, { connections: 1, seconds: 1, cookie: null })
    expect(measured.p50).toBeGreaterThanOrEqual(50)
  })

  test('error answers are failures', async () => {
    const url = await serverAnswering((_n, _req, res) => {
      res.statusCode = 500
      res.end('broken')
    })
    const measured = await load(url, { connections: 1, seconds: 1, cookie: null })
    expect(measured.failures).toBeGreaterThan(measured.requests - 1)
  })

  test('a page that redirects (to /login, when a session has ended) fails the measurement', async () => {
    const url = await serverAnswering((_n, _req, res) => {
      res.writeHead(302, { Location: '/login' })
      res.end()
    })
    const measured = await load(url, { connections: 1, seconds: 1, cookie: null })
    expect(measured.failures).toBeGreaterThan(0)
  })
})

describe('waitUntilCompressed', () => {
  async function serverCompressingAfter(answers: number): Promise<string> {
    let answered = 0
    server = http.createServer((req, res) => {
      res.writeHead(200, answered++ < answers ? {} : { 'Content-Encoding': 'br' })
      res.end('a kept copy')
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/data/360giving.json`
  }

  test('waits until the file is answered compressed', async () => {
    expect(await waitUntilCompressed(await serverCompressingAfter(2), 10)).toBe(true)
  })

  test('gives up after its time when it never is', async () => {
    expect(await waitUntilCompressed(await serverCompressingAfter(1_000), 0.6)).toBe(false)
  })
})
