/**
 * The public 360Giving files: anyone can download them (no sign-in), the JSON is a valid package of every published
 * grant, the CSV has the standard's column titles with one row per grant, and a client holding the current ETag gets
 * 304 Not Modified until something published changes.
 */
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createOpenDataScenario, type OpenDataScenario } from '../../tests/factories/open-data.ts'
import { keptFeedsSettled } from '~/domain/open-data/feed-cache.server.ts'
import { packageValidator } from '~/domain/open-data/test-support.server.ts'
import type { Grant } from '~/domain/open-data/three-sixty-giving.ts'
import { db } from '~/lib/db.server.ts'
import { loader as csvLoader } from './data.360giving[.]csv.ts'
import { loader as jsonLoader } from './data.360giving[.]json.ts'

const context = { cspNonce: '', clientIp: '127.0.0.1' }
let o: OpenDataScenario
let pooledId: string
beforeAll(async () => {
  o = await createOpenDataScenario(db)
  const pooled = await o.pooledAward({ amountPence: 250_000 })
  await o.pay(pooled.trancheIds[0])
  await o.publish(pooled.awardId)
  const single = await o.singleFunderAward({ amountPence: 75_000 })
  await o.publish(single.awardId)
  await o.pooledAward() // accepted but not published: never in the files
  pooledId = `360G-commonpot-${(await db.selectFrom('awards').select('reference').where('id', '=', pooled.awardId).executeTakeFirstOrThrow()).reference}`
})

afterAll(keptFeedsSettled) // the copies being kept are written into this file's DATA_DIR

const request = (path: string, headers: Record<string, string> = {}) => new Request(`http://localhost${path}`, { headers })

describe('GET /data/360giving.json', () => {
  test('is public and a valid 360Giving package of the published grants, with its licence and publisher', async () => {
    const response = await jsonLoader({ request: request('/data/360giving.json'), params: {}, context })
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
    const body = (await response.json()) as { version: string; license: string; publisher: { name: string }; downloadURL: string; grants: Grant[] }
    expect(packageValidator()(body)).toEqual([])
    expect(body.version).toBe('1.4')
    expect(body.license).toBe('https://creativecommons.org/licenses/by/4.0/')
    expect(body.publisher.name).toBe('Commonpot')
    expect(body.downloadURL).toBe('http://localhost/data/360giving.json')
    expect(body.grants).toHaveLength(2)
    const pooled = body.grants.find((g) => g.id === pooledId)!
    expect(pooled).toMatchObject({ amountAwarded: 2500, amountDisbursed: 2500, regrantType: 'FRG040' })
  })

  test('answers 304 to a client that already has this version, and changes version when a grant is published', async () => {
    const first = await jsonLoader({ request: request('/data/360giving.json'), params: {}, context })
    const etag = first.headers.get('ETag')!
    expect(etag).toMatch(/^W\/".+"$/)
    expect(first.headers.get('Last-Modified')).toMatch(/GMT$/)
    await first.body?.cancel()
    const again = await jsonLoader({ request: request('/data/360giving.json', { 'If-None-Match': etag }), params: {}, context })
    expect(again.status).toBe(304)
    const more = await o.pooledAward()
    await o.publish(more.awardId)
    const changed = await jsonLoader({ request: request('/data/360giving.json', { 'If-None-Match': etag }), params: {}, context })
    expect(changed.status).toBe(200)
    expect(changed.headers.get('ETag')).not.toBe(etag)
    expect(((await changed.json()) as { grants: unknown[] }).grants).toHaveLength(3)
    await db.updateTable('awards').set({ published_at: null }).where('id', '=', more.awardId).execute()
  })
})

describe('GET /data/360giving.csv', () => {
  test('is public, headed by the standard’s titles, one row per published grant with its funders numbered from 0', async () => {
    const response = await csvLoader({ request: request('/data/360giving.csv'), params: {}, context })
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toBe('text/csv; charset=utf-8')
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=300, must-revalidate')
    const rows = parse(await response.text(), { columns: true }) as Record<string, string>[]
    expect(rows).toHaveLength(2)
    const headers = Object.keys(rows[0]!)
    expect(headers.slice(0, 8)).toEqual(['Identifier', 'Title', 'Description', 'Currency', 'Amount Awarded', 'Amount Applied For', 'Amount Disbursed', 'Award Date'])
    expect(headers).toEqual(expect.arrayContaining(['Recipient Org:Identifier', 'Recipient Org:Name', 'Funding Org:0:Identifier', 'Funding Org:0:Name', 'Beneficiary Location:Geographic Code', 'From An Open Call?', 'For Regrant Type', 'Last Modified']))
    const pooled = rows.find((r) => r.Identifier === pooledId)!
    expect(pooled['Amount Awarded']).toBe('2500')
    expect(pooled['Currency']).toBe('GBP')
    expect(pooled['For Regrant Type']).toBe('FRG040')
    expect(pooled['Funding Org:1:Name']).not.toBe('')
    const single = rows.find((r) => r.Identifier !== pooledId)!
    expect(single['Funding Org:0:Identifier']).toBe(o.singleFunder.orgIdentifier)
    expect(single['Funding Org:1:Identifier']).toBe('')
    expect(single['For Regrant Type']).toBe('')
  })
})
