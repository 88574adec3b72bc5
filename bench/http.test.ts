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
