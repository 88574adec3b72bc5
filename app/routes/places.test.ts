import fs from 'node:fs'
import { describe, expect, test } from 'vitest'
import { createUser } from '../../tests/factories/organisations.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { findPlaceByOdsCode } from '~/domain/places/places.server.ts'
import { db } from '~/lib/db.server.ts'
import { action as importAction, loader as importLoader } from './admin.places.import.tsx'
import { loader as placeLoader } from './places.$placeId.tsx'
import { loader as placesLoader } from './places._index.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }
const CSV_2026 = fs.readFileSync('db/reference/icb_2026.csv', 'utf8')

describe('/places', () => {
  test('lists the places in force on a date', async () => {
    const before = await respond(() => placesLoader({ request: new Request('http://localhost/places?on=2026-03-31'), params: {}, context }))
    expect((await before.json()).places).toHaveLength(42)
    const after = await respond(() => placesLoader({ request: new Request('http://localhost/places?on=2026-04-01'), params: {}, context }))
    expect((await after.json()).places).toHaveLength(36)
    const bad = await respond(() => placesLoader({ request: new Request('http://localhost/places?on=31-03-2026'), params: {}, context }))
    expect(bad.status).toBe(400)
    const offTheCalendar = await respond(() => placesLoader({ request: new Request('http://localhost/places?on=2026-02-29'), params: {}, context }))
    expect(offTheCalendar.status).toBe(400)
  })

  test('a place page shows its successors and the split rule', async () => {
    const herts = await findPlaceByOdsCode(db, 'QM7', '2025-06-01')
    const response = await respond(() => placeLoader({ request: new Request('http://localhost/'), params: { placeId: String(herts!.id) }, context }))
    const data = await response.json()
    expect(data.history.successors.map((s: { odsCode: string; transfer: string }) => `${s.odsCode}:${s.transfer}`).sort()).toEqual(['D7T5G:part', 'S1Y5D:part'])
    expect(data.splitRule).toContain('shared equally')
    const missing = await respond(() => placeLoader({ request: new Request('http://localhost/'), params: { placeId: '999999' }, context }))
    expect(missing.status).toBe(404)
  })
})

describe('/admin/places/import', () => {
  async function post(userId: number, fields: Record<string, string>) {
    const request = await signedInRequest('/admin/places/import', { userId, body: fields })
    return respond(() => importAction({ request, params: {}, context }))
  }

  test('only people who manage places may import', async () => {
    const person = await createUser(db)
    const request = await signedInRequest('/admin/places/import', { userId: person.id })
    expect((await respond(() => importLoader({ request, params: {}, context }))).status).toBe(403)
  })

  test('a preview shows what would change and applies nothing; applying makes exactly those changes', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const edited = CSV_2026.replace('NHS South West London Integrated Care Board', 'NHS South West London ICB').replace('E54000029', 'E54000099') + 'Q9Z9Z,E54000100,NHS Test Integrated Care Board,London,Y56,E40000003,new 2027-04-01\n'
    const withoutKent = edited
      .split('\n')
      .filter((line) => !line.startsWith('QKS,'))
      .join('\n')
    const preview = await post(admin.id, { intent: 'preview', csv: withoutKent, effectiveDate: '2027-04-01' })
    expect(preview.status).toBe(200)
    const { changes } = (await preview.json()).preview
    expect(changes.map((c: { kind: string }) => c.kind).sort()).toEqual(['closed', 'new', 'updated', 'updated'])
    expect(await findPlaceByOdsCode(db, 'Q9Z9Z', '2027-04-01')).toBeUndefined()

    const applied = await post(admin.id, { intent: 'apply', csv: withoutKent, effectiveDate: '2027-04-01' })
    expect(applied.status).toBe(302)
    expect((await findPlaceByOdsCode(db, 'QWE', '2027-04-01'))?.name).toBe('NHS South West London ICB')
    expect((await findPlaceByOdsCode(db, 'QWE', '2027-03-31'))?.name).toBe('NHS South West London Integrated Care Board')
    expect(await findPlaceByOdsCode(db, 'QKS', '2027-04-01')).toBeUndefined()
    expect((await findPlaceByOdsCode(db, 'QMF', '2027-04-01'))?.gssCode).toBe('E54000099')
    expect(await findPlaceByOdsCode(db, 'Q9Z9Z', '2027-04-01')).toBeDefined()
    const audit = await db.selectFrom('audit_events').select('action').where('action', '=', 'places.imported').execute()
    expect(audit).toHaveLength(1)
  })

  test('a file with a bad row is refused with the row named, and nothing changes', async () => {
    const admin = await createUserWithRole(db, 'admin')
    const before = await db.selectFrom('places').select('id').execute()
    const response = await post(admin.id, { intent: 'apply', csv: `${CSV_2026}bad code,E5,,London,Y56,E40000003,x\n`, effectiveDate: '2027-04-01' })
    expect(response.status).toBe(400)
    const { problems } = await response.json()
    expect(problems[0]).toMatch(/^Row 38: /)
    expect(await db.selectFrom('places').select('id').execute()).toEqual(before)
  })
})
