import { beforeAll, describe, expect, test } from 'vitest'
import { pdfText } from '../../tests/factories/pdf-text.ts'
import { commitAward } from '~/domain/budgets/commitments.server.ts'
import { ukToday } from '~/domain/places/places.server.ts'
import { createAward, createPotScenario, type PotScenario } from '../../tests/factories/pot-reports.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { db } from '~/lib/db.server.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { loader as funderLoader } from './funder._index.tsx'
import { loader as statementLoader } from './pots.$potId.contributions.$contributionId.statement[.]pdf.ts'
import { loader as dashboardLoader } from './pots.$potId.dashboard.tsx'
import { loader as ledgerLoader } from './pots.$potId.ledger[.]csv.ts'

const context = { cspNonce: '', clientIp: '127.0.0.1' }
let s: PotScenario
let manager: { id: number }
let nhsViewer: { id: number }
let plainApplicant: { id: number }

beforeAll(async () => {
  s = await createPotScenario(db)
  manager = await createUserWithRole(db, 'fund_manager')
  nhsViewer = await createUserWithRole(db, 'funder_viewer', { name: 'Nadia NHS' })
  await db.updateTable('user_roles').set({ funder_id: s.funders.nhs }).where('user_id', '=', nhsViewer.id).execute()
  plainApplicant = await createUserWithRole(db, 'assessor')
})

/** Calls a loader and returns its Response, whether it returned one, a bare value or threw one. */
async function call(loader: (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>, url: string, userId: number, params: Record<string, string>) {
  const request = await signedInRequest(url, { userId })
  return respond(() => loader({ request, params, context }))
}


describe('/pots/:potId/dashboard', () => {
  test('shows a fund manager the figures by contributor and by place, and the leverage', async () => {
    const response = await call(dashboardLoader, `/pots/${s.potId}/dashboard`, manager.id, { potId: String(s.potId) })
    expect(response.status).toBe(200)
    const data = await response.json()
    expect(data.totals).toMatchObject({ pledgedPence: 10_000_000, receivedPence: 8_000_000, committedPence: 1_000_000, paidPence: 400_000, availablePence: 7_000_000 })
    expect(data.contributions).toHaveLength(3)
    expect(data.leverage).toBe('Every £1 from the pot brought £0.24 of match funding and £0.10 of in-kind support.')
  })

  test('gives each contributor’s ring-fence in words', async () => {
    const data = await (await call(dashboardLoader, `/pots/${s.potId}/dashboard`, manager.id, { potId: String(s.potId) })).json()
    const nhs = data.contributions.find((c: { contributionId: number }) => c.contributionId === s.contributions.nhs)
    expect(nhs.ringFence).toEqual(['Health and wellbeing outcomes only'])
  })

  test("with ?places=rolled_up rolls an award in a split place into today's places; anything else shows places as they were", async () => {
    const scenario = await createPotScenario(db)
    const oldPlace = await db.selectFrom('places').select('id').where('ods_code', '=', 'QM7').executeTakeFirstOrThrow()
    const successors = await db
      .selectFrom('place_links')
      .select('successor_place_id')
      .where('predecessor_place_id', '=', oldPlace.id)
      .orderBy('successor_place_id')
      .execute()
    expect(successors).toHaveLength(2)
    const award = await createAward(db, { placeId: oldPlace.id, amountPence: 300_000, matchCashPence: 0, matchInKindPence: 0 })
    await db.transaction().execute((trx) =>
      commitAward(trx, manager.id, {
        awardId: award.awardId,
        potId: scenario.potId,
        amountPence: 300_000,
        award: { placeId: oldPlace.id, categories: ['health_and_wellbeing'], fundId: award.fundId, roundId: award.roundId, date: '2026-03-01' },
        idempotencyKey: `award:${award.awardId}:commit`,
      }),
    )
    const url = (query: string) => `/pots/${scenario.potId}/dashboard${query}`
    const params = { potId: String(scenario.potId) }

    const rolled = await (await call(dashboardLoader, url('?places=rolled_up'), manager.id, params)).json()
    expect(rolled.placeView).toEqual({ view: 'rolled_up', date: ukToday() })
    const committed = Object.fromEntries(rolled.byPlace.map((r: { placeId: number; committedPence: number }) => [r.placeId, r.committedPence]))
    expect(committed).toEqual({ [scenario.placeId]: 1_000_000, [successors[0].successor_place_id]: 150_000, [successors[1].successor_place_id]: 150_000 })

    for (const query of ['', '?places=as_they_were', '?places=nonsense']) {
      const asTheyWere = await (await call(dashboardLoader, url(query), manager.id, params)).json()
      expect(asTheyWere.placeView).toEqual({ view: 'as_they_were', date: null })
      expect(asTheyWere.byPlace.map((r: { placeId: number }) => r.placeId).sort()).toEqual([scenario.placeId, oldPlace.id].sort())
    }
  })

  test('says how many awards draw on the pot, in either view of places (the list is /pots/:potId/awards)', async () => {
    const data = await (await call(dashboardLoader, `/pots/${s.potId}/dashboard`, manager.id, { potId: String(s.potId) })).json()
    expect(data.contributions.every((c: object) => !('awards' in c))).toBe(true)
    expect(data.awardCount).toBe(1)
    expect((await (await call(dashboardLoader, `/pots/${s.potId}/dashboard?places=rolled_up`, manager.id, { potId: String(s.potId) })).json()).awardCount).toBe(1)
  })

  test('lists the 10 places with most committed, and every place with ?allPlaces=1', async () => {
    const scenario = await createPotScenario(db)
    const places = await db.selectFrom('places').select('id').where('valid_to', 'is', null).where('id', '<>', scenario.placeId).orderBy('id').limit(11).execute()
    for (const [i, place] of places.entries()) {
      const amountPence = 1_000 * (i + 1)
      const award = await createAward(db, { placeId: place.id, amountPence, matchCashPence: 0, matchInKindPence: 0 })
      await db.transaction().execute((trx) =>
        commitAward(trx, manager.id, {
          awardId: award.awardId,
          potId: scenario.potId,
          amountPence,
          award: { placeId: place.id, categories: ['health_and_wellbeing'], fundId: award.fundId, roundId: award.roundId, date: '2026-11-21' },
          idempotencyKey: `award:${award.awardId}:commit`,
        }),
      )
    }
    const params = { potId: String(scenario.potId) }
    const shown = await (await call(dashboardLoader, `/pots/${scenario.potId}/dashboard`, manager.id, params)).json()
    expect(shown.placeCount).toBe(12)
    expect(shown.allPlaces).toBe(false)
    // The scenario's own award (£10,000) first, then the largest of the others.
    expect(shown.byPlace.map((r: { placeId: number }) => r.placeId)).toEqual([scenario.placeId, ...places.map((p) => p.id).reverse().slice(0, 9)])
    const all = await (await call(dashboardLoader, `/pots/${scenario.potId}/dashboard?allPlaces=1`, manager.id, params)).json()
    expect(all.byPlace).toHaveLength(12)
    expect(all.byPlace.slice(0, 10)).toEqual(shown.byPlace)
    expect(all.awardCount).toBe(12)
  }, 60_000)

  test('is refused to someone without read:pot:any, and 404 for an unknown pot', async () => {
    expect((await call(dashboardLoader, `/pots/${s.potId}/dashboard`, nhsViewer.id, { potId: String(s.potId) })).status).toBe(403)
    expect((await call(dashboardLoader, '/pots/999999/dashboard', manager.id, { potId: '999999' })).status).toBe(404)
    expect((await call(dashboardLoader, '/pots/abc/dashboard', manager.id, { potId: 'abc' })).status).toBe(404)
  })
})

describe('/pots/:potId/ledger.csv', () => {
  test('streams every entry on the pot with amounts in pounds as decimal strings', async () => {
    const response = await call(ledgerLoader, `/pots/${s.potId}/ledger.csv`, manager.id, { potId: String(s.potId) })
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toBe('text/csv; charset=utf-8')
    expect(response.headers.get('Content-Disposition')).toBe(`attachment; filename="pot-${s.potId}-ledger-entries.csv"`)
    const lines = (await response.text()).trim().split('\n')
    expect(lines[0]).toBe('Date,Entry id,Reason,From account,To account,Amount (GBP),Idempotency key,Reference')
    // 3 pledges, 2 receipts, 2 commitment parts, 2 payment parts
    expect(lines).toHaveLength(1 + 9)
    const receipt = lines.find((l) => l.includes('contribution.received') && l.includes(`contribution:${s.contributions.nhs}:outstanding`))!
    expect(receipt.split(',').slice(2, 6)).toEqual(['contribution.received', `contribution:${s.contributions.nhs}:outstanding`, `contribution:${s.contributions.nhs}:available`, '60000.00'])
    expect(lines.some((l) => l.includes('award.paid') && l.includes(',3000.00,'))).toBe(true)
  })

  test('is refused to a funder viewer and 404 for an unknown pot', async () => {
    expect((await call(ledgerLoader, `/pots/${s.potId}/ledger.csv`, nhsViewer.id, { potId: String(s.potId) })).status).toBe(403)
    expect((await call(ledgerLoader, '/pots/999999/ledger.csv', manager.id, { potId: '999999' })).status).toBe(404)
  })
})

describe('/pots/:potId/contributions/:contributionId/statement.pdf', () => {
  const params = (contributionId: number) => ({ potId: String(s.potId), contributionId: String(contributionId) })
  const url = (contributionId: number, query = '') => `/pots/${s.potId}/contributions/${contributionId}/statement.pdf${query}`

  test('gives a PDF with the contributor, the period, balances and movements', async () => {
    const response = await call(statementLoader, url(s.contributions.nhs), manager.id, params(s.contributions.nhs))
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toBe('application/pdf')
    expect(response.headers.get('Content-Disposition')).toMatch(/^attachment; filename="statement-NHS-South-West-London-ICB-[a-f0-9]+-2026-04-01-to-2027-03-31\.pdf"$/)
    const text = await pdfText(response)
    expect(text).toContain('Contribution statement')
    expect(text).toMatch(/NHS South West London ICB [a-f0-9]+/)
    expect(text).toContain('1 April 2026 to 31 March 2027')
    expect(text).toContain('£60,000.00')
    expect(text).toContain('£52,500.00')
    expect(text).toContain('Paid to a grantee')
  })

  test('a funder viewer gets their own statement but 404 for another funder’s', async () => {
    expect((await call(statementLoader, url(s.contributions.nhs), nhsViewer.id, params(s.contributions.nhs))).status).toBe(200)
    expect((await call(statementLoader, url(s.contributions.lottery), nhsViewer.id, params(s.contributions.lottery))).status).toBe(404)
  })

  test('refuses a bad period with 400, and someone with neither permission with 403', async () => {
    expect((await call(statementLoader, url(s.contributions.nhs, '?from=2027-01-01&to=2026-01-01'), manager.id, params(s.contributions.nhs))).status).toBe(400)
    expect((await call(statementLoader, url(s.contributions.nhs), plainApplicant.id, params(s.contributions.nhs))).status).toBe(403)
  })

  test('a contribution that is not in the pot is 404', async () => {
    const wrongPot = { potId: '999999', contributionId: String(s.contributions.nhs) }
    expect((await call(statementLoader, `/pots/999999/contributions/${s.contributions.nhs}/statement.pdf`, manager.id, wrongPot)).status).toBe(404)
  })
})

describe('/funder', () => {
  test("shows a funder viewer only their own funder's money", async () => {
    const response = await call(funderLoader, '/funder', nhsViewer.id, {})
    expect(response.status).toBe(200)
    const data = await response.json()
    expect(data.contributions.map((c: { contributionId: number }) => c.contributionId)).toEqual([s.contributions.nhs])
    expect(data.contributions[0].ringFence).toEqual(['Health and wellbeing outcomes only'])
    expect(data.funders[0].totals).toEqual({ pledgedPence: 6_000_000, receivedPence: 6_000_000, committedPence: 750_000, paidPence: 300_000, availablePence: 5_250_000 })
    expect(data).toMatchObject({ placeCount: 1, allPlaces: false, next: null, previous: null })
    expect(data.byPlace).toEqual([expect.objectContaining({ placeId: s.placeId, committedPence: 750_000, paidPence: 300_000, awards: 1 })])
    expect(JSON.stringify(data)).not.toMatch(/Lottery|Merton/)
  })

  test('is refused to a fund manager (no funder)', async () => {
    expect((await call(funderLoader, '/funder', manager.id, {})).status).toBe(403)
  })
})
