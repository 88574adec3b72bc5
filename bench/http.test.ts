import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { waitUntilQuiet } from './http.ts'

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
