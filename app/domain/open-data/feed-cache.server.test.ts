/**
 * The kept 360Giving files: the database counts every change to what the files read (every table, by trigger), a copy
 * is kept only when nothing changed while it was made, and a kept copy is sent (gzipped when asked) until the count
 * moves. Tests use a small stand-in file where the mechanics are the point, and the real files in
 * app/routes/data.360giving.test.ts.
 */
import fs from 'node:fs'
import path from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { countedTables, tableRecorder } from '../../../tests/factories/change-counts.ts'
import { createOpenDataScenario, type OpenDataScenario } from '../../../tests/factories/open-data.ts'
import { engineOf } from '../../../db/connect.ts'
import { db } from '~/lib/db.server.ts'
import { createFund } from '../funds/funds.server.ts'
import { recordRepayment } from '../payments/repayments.server.ts'
import { ukToday } from '../places/places.server.ts'
import { openDataVersion } from '~/lib/kept-until-changed.server.ts'
import { accepts, feedKey, feedResponse, keptFeedsSettled, type FeedRequest } from './feed-cache.server.ts'
import { maxFundersPerGrant, publishedGrants } from './grants.server.ts'
import { feedLastModified } from './package.server.ts'
import { DEFAULT_OPEN_DATA_SETTINGS } from './settings.ts'

let o: OpenDataScenario
beforeAll(async () => {
  o = await createOpenDataScenario(db)
  const award = await o.pooledAward({ amountPence: 120_000 })
  await o.pay(award.trancheIds[0])
  await o.publish(award.awardId)
  await db.transaction().execute(async (trx) => {
    await createFund(trx, o.managerUserId, { name: `Wandle Valley Fund ${award.awardId}`, slug: `wandle-valley-${award.awardId}`, description: 'For the kept-files tests', shape: 'other', funderIds: [o.singleFunder.funderId] })
    await recordRepayment(trx, o.finance.id, { awardId: award.awardId, kind: 'repayment', amountPence: 1_000, reason: 'Underspend', receivedOn: ukToday(), idempotencyKey: `feed-cache-${award.awardId}` })
  })
})
afterAll(keptFeedsSettled)

describe('the open-data version', () => {
  test('counts a change to every table the 360Giving files are read from', async () => {
    const { plugin, tables } = tableRecorder()
    const reading = db.withPlugin(plugin)
    for await (const grant of publishedGrants(reading, { prefix: 'commonpot' })) expect(grant.id).toBeTruthy()
    await maxFundersPerGrant(reading)
    await feedLastModified(reading)
    expect([...tables]).toEqual(expect.arrayContaining(['awards', 'applications', 'organisations', 'tranches', 'award_repayments', 'funders']))
    const counted = await countedTables(db)
    expect([...tables].filter((t) => !counted.has(t))).toEqual([])

    const columns = new Map((await db.introspection.getTables()).map((t) => [t.name, t.columns[0]!.name]))
    for (const table of [...tables].filter((t) => t !== 'applications')) {
      const before = await openDataVersion(db)
      const column = columns.get(table)!
      const changed = await sql`update ${sql.table(table)} set ${sql.ref(column)} = ${sql.ref(column)}`.execute(db)
      expect(Number(changed.numAffectedRows), table).toBeGreaterThan(0)
      expect(await openDataVersion(db), `a change to ${table}`).toBeGreaterThan(before)
    }
  })

  test('counts an application only once it has an award: a bid being assessed or a draft being saved does not make the files again', async () => {
    const awarded = await db.selectFrom('awards').select('application_id').executeTakeFirstOrThrow()
    const unawarded = { id: (await o.bid({ decided: false })).applicationId }
    const before = await openDataVersion(db)
    await db.updateTable('applications').set({ updated_at: new Date().toISOString() }).where('id', '=', unawarded.id).execute()
    expect(await openDataVersion(db)).toBe(before)
    await db.updateTable('applications').set({ updated_at: new Date().toISOString() }).where('id', '=', awarded.application_id).execute()
    expect(await openDataVersion(db)).toBeGreaterThan(before)
  })

  test('moves when the change commits, and once a transaction on PostgreSQL however many rows it wrote', async () => {
    const before = await openDataVersion(db)
    const contributions = await db.selectFrom('contributions').select('id').execute()
    expect(contributions.length).toBeGreaterThan(1)
    await db.transaction().execute(async (trx) => {
      for (const c of contributions) await trx.updateTable('contributions').set((eb) => ({ spend_by: eb.ref('spend_by') })).where('id', '=', c.id).execute()
    })
    const rows = contributions.length
    expect((await openDataVersion(db)) - before).toBe(engineOf(db) === 'postgres' ? 1 : rows)
    const rolledBack = db.transaction().execute(async (trx) => {
      await trx.updateTable('contributions').set((eb) => ({ spend_by: eb.ref('spend_by') })).execute()
      throw new Error('stop')
    })
    await expect(rolledBack).rejects.toThrow('stop')
    expect((await openDataVersion(db)) - before).toBe(engineOf(db) === 'postgres' ? 1 : rows)
  })
})

describe('feedKey', () => {
  const identity = { format: 'json' as const, settings: DEFAULT_OPEN_DATA_SETTINGS, origin: 'https://funds.example.org' }
  test('changes with the version, the format, the settings and the address, and with nothing else', () => {
    const key = feedKey(identity, 7)
    expect(feedKey({ ...identity }, 7)).toBe(key)
    expect(feedKey(identity, 8)).not.toBe(key)
    expect(feedKey({ ...identity, format: 'csv' }, 7)).not.toBe(key)
    expect(feedKey({ ...identity, settings: { ...DEFAULT_OPEN_DATA_SETTINGS, publisherName: 'Another fund' } }, 7)).not.toBe(key)
    expect(feedKey({ ...identity, origin: 'http://localhost:3000' }, 7)).not.toBe(key)
  })
})

describe('accepts', () => {
  const asking = (value?: string) => new Request('http://localhost/', { headers: value === undefined ? {} : { 'Accept-Encoding': value } })
  test.each([
    ['gzip, deflate, br', true, true],
    ['br;q=1.0, gzip;q=0.8', true, true],
    ['*', true, true],
    ['gzip;q=0', false, false],
    ['*, br;q=0', false, true],
    ['x-gzip', false, true],
    ['identity', false, false],
    ['deflate, br', true, false],
    [undefined, false, false],
  ])('Accept-Encoding %s: Brotli %s, gzip %s', (value, br, gzip) => {
    expect(accepts(asking(value), 'br')).toBe(br)
    expect(accepts(asking(value), 'gzip')).toBe(gzip)
  })
})

describe('feedResponse', () => {
  let dataDir: string
  let made = 0
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(process.env.DATA_DIR!, 'feeds-'))
  })
  const text = Array.from({ length: 2_000 }, (_, i) => `grant ${i}: a line of a file that is made slowly\n`).join('')

  /** A stand-in file, made in pieces; `during` runs between the first and second piece; it stops early on its signal. */
  function feed(options: { during?: () => Promise<void> } = {}): FeedRequest {
    return {
      format: 'csv',
      settings: DEFAULT_OPEN_DATA_SETTINGS,
      origin: 'http://localhost',
      dataDir,
      headers: { 'Content-Type': 'text/csv; charset=utf-8' },
      lastModified: async () => '2026-11-20T10:00:00.000Z',
      make: async (_lastModified, signal) => {
        made++
        const pieces = [text.slice(0, 40_000), text.slice(40_000)]
        let i = 0
        return new ReadableStream<Uint8Array>({
          async pull(controller) {
            if (i === 1) await options.during?.()
            if (signal?.aborted) i = pieces.length // as publishedGrants does: stop, and let the file close
            if (i < pieces.length) controller.enqueue(new TextEncoder().encode(pieces[i++]))
            else controller.close()
          },
        })
      },
    }
  }
  const get = (headers: Record<string, string> = {}, init: RequestInit = {}) => new Request('http://localhost/data/360giving.csv', { headers, ...init })
  const touchAnAward = async () => {
    await db.updateTable('awards').set({ updated_at: new Date().toISOString() }).where('id', '=', (await db.selectFrom('awards').select('id').executeTakeFirstOrThrow()).id).execute()
  }
  const keptFiles = () => fs.readdirSync(path.join(dataDir, 'cache', 'open-data')).sort()

  test('makes the file on the first download, then sends the kept copy, compressed as the client takes it', async () => {
    made = 0
    const first = await feedResponse(db, get(), feed())
    expect(first.status).toBe(200)
    expect(first.headers.get('Content-Encoding')).toBeNull()
    expect(first.headers.get('Last-Modified')).toBe('Fri, 20 Nov 2026 10:00:00 GMT')
    expect(first.headers.get('Vary')).toBe('Accept-Encoding')
    expect(await first.text()).toBe(text)
    await keptFeedsSettled()
    expect(keptFiles().filter((f) => !f.endsWith('.tmp'))).toHaveLength(4) // the file, its Brotli and gzip, and what is known of it
    expect(keptFiles().filter((f) => f.endsWith('.tmp'))).toEqual([])

    const brotli = await feedResponse(db, get({ 'Accept-Encoding': 'gzip, deflate, br' }), feed())
    expect(brotli.headers.get('Content-Encoding')).toBe('br')
    const brotliBytes = Buffer.from(await brotli.arrayBuffer())
    expect(Number(brotli.headers.get('Content-Length'))).toBe(brotliBytes.length)
    expect(brotliDecompressSync(brotliBytes).toString('utf8')).toBe(text)
    // The kept bytes are shared by every response, not handed over to the first: the next download gets them whole.
    const brotliAgain = await feedResponse(db, get({ 'Accept-Encoding': 'br' }), feed())
    expect(Buffer.from(await brotliAgain.arrayBuffer()).equals(brotliBytes)).toBe(true)

    const gzipped = await feedResponse(db, get({ 'Accept-Encoding': 'gzip, deflate' }), feed())
    expect(gzipped.headers.get('Content-Encoding')).toBe('gzip')
    expect(gzipped.headers.get('ETag')).toBe(first.headers.get('ETag'))
    const bytes = Buffer.from(await gzipped.arrayBuffer())
    expect(Number(gzipped.headers.get('Content-Length'))).toBe(bytes.length)
    expect(bytes.length).toBeLessThan(text.length / 5)
    expect(gunzipSync(bytes).toString('utf8')).toBe(text)

    const plain = await feedResponse(db, get(), feed())
    expect(plain.headers.get('Content-Encoding')).toBeNull()
    expect(Number(plain.headers.get('Content-Length'))).toBe(Buffer.byteLength(text))
    expect(plain.headers.get('Last-Modified')).toBe('Fri, 20 Nov 2026 10:00:00 GMT')
    expect(await plain.text()).toBe(text)
    expect(made).toBe(1)

    const again = await feedResponse(db, get({ 'If-None-Match': first.headers.get('ETag')! }), feed())
    expect(again.status).toBe(304)
    expect(made).toBe(1)
  })

  test('makes the file again once anything it reads has changed, and keeps only the newest copy', async () => {
    made = 0
    const before = await feedResponse(db, get(), feed())
    await before.body?.cancel()
    await touchAnAward()
    const after = await feedResponse(db, get({ 'Accept-Encoding': 'gzip', 'If-None-Match': before.headers.get('ETag')! }), feed())
    expect(after.status).toBe(200)
    expect(after.headers.get('ETag')).not.toBe(before.headers.get('ETag'))
    expect(after.headers.get('Content-Encoding')).toBe('gzip') // the new copy's, waited for
    expect(gunzipSync(Buffer.from(await after.arrayBuffer())).toString('utf8')).toBe(text)
    expect(made).toBe(1)
    await keptFeedsSettled()
    const key = after.headers.get('ETag')!.slice(3, -1)
    expect(keptFiles().every((f) => f.startsWith(`csv-${key}.`))).toBe(true)
  })

  test('makes the file once for all the downloads that ask while it is being made', async () => {
    await touchAnAward()
    made = 0
    const asking: Record<string, string>[] = [{}, { 'Accept-Encoding': 'br' }, { 'Accept-Encoding': 'gzip' }, {}, { 'Accept-Encoding': 'gzip, deflate, br' }]
    const responses = await Promise.all(asking.map((headers) => feedResponse(db, get(headers), feed())))
    expect(made).toBe(1)
    expect(new Set(responses.map((r) => r.headers.get('ETag'))).size).toBe(1)
    expect(responses.map((r) => r.headers.get('Content-Encoding'))).toEqual([null, 'br', 'gzip', null, 'br'])
    for (const r of responses) {
      const bytes = Buffer.from(await r.arrayBuffer())
      const coding = r.headers.get('Content-Encoding')
      expect((coding === 'br' ? brotliDecompressSync(bytes) : coding === 'gzip' ? gunzipSync(bytes) : bytes).toString('utf8')).toBe(text)
    }
  })

  test('keeps no copy of a file during whose making something changed: that download has it made again, the next makes the copy', async () => {
    await touchAnAward()
    made = 0
    let changes = 1
    const racing = await feedResponse(db, get(), feed({ during: async () => (changes-- > 0 ? touchAnAward() : undefined) }))
    expect(racing.status).toBe(200)
    expect(racing.headers.get('ETag')).toBeNull() // a copy of no one count
    expect(racing.headers.get('Cache-Control')).toBe('no-cache')
    expect(await racing.text()).toBe(text)
    expect(made).toBe(2)
    await keptFeedsSettled()
    expect(keptFiles().filter((f) => f.endsWith('.tmp'))).toEqual([])
    const next = await feedResponse(db, get({ 'Accept-Encoding': 'gzip' }), feed())
    expect(next.headers.get('Content-Encoding')).toBe('gzip')
    await next.body?.cancel()
    expect(made).toBe(3)
    const kept = await feedResponse(db, get({ 'Accept-Encoding': 'gzip' }), feed())
    expect(kept.headers.get('ETag')).toBe(next.headers.get('ETag'))
    await kept.body?.cancel()
    expect(made).toBe(3)
  })

  test('finishes and keeps the copy when the download that began it goes away: others may be waiting for it', async () => {
    await touchAnAward()
    made = 0
    const abort = new AbortController()
    const aborted = await feedResponse(db, get({}, { signal: abort.signal }), feed({ during: async () => abort.abort() }))
    await aborted.body?.cancel()
    await keptFeedsSettled()
    expect(keptFiles().filter((f) => f.endsWith('.tmp'))).toEqual([])
    const next = await feedResponse(db, get({ 'Accept-Encoding': 'gzip' }), feed())
    expect(next.headers.get('ETag')).toBe(aborted.headers.get('ETag'))
    expect(gunzipSync(Buffer.from(await next.arrayBuffer())).toString('utf8')).toBe(text)
    expect(made).toBe(1)
  })

  test('answers a HEAD with the headers alone, making nothing', async () => {
    await touchAnAward()
    made = 0
    const head = await feedResponse(db, get({}, { method: 'HEAD' }), feed())
    expect(head.status).toBe(200)
    expect(head.headers.get('ETag')).toMatch(/^W\/".+"$/)
    expect(head.body).toBeNull()
    expect(made).toBe(0)
  })
})
