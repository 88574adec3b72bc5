import { beforeAll, describe, expect, test } from 'vitest'
import { commitAward } from '~/domain/budgets/commitments.server.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { createAward, createPotScenario, type PotScenario } from '../../tests/factories/pot-reports.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { loader } from './pots.$potId.awards.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }
let s: PotScenario
let manager: { id: number }
let viewer: { id: number }

beforeAll(async () => {
  s = await createPotScenario(db)
  manager = await createUserWithRole(db, 'fund_manager')
  viewer = await createUserWithRole(db, 'funder_viewer')
})

async function call(url: string, userId: number, potId: number | string) {
  const request = await signedInRequest(url, { userId })
  return respond(() => loader({ request, params: { potId: String(potId) }, context }))
}

describe('/pots/:potId/awards', () => {
  test('lists the awards once, with the contributors each draws on, named', async () => {
    const data = await (await call(`/pots/${s.potId}/awards`, manager.id, s.potId)).json()
    expect(data.pot).toEqual({ id: s.potId, name: expect.any(String) })
    expect(data.contributors.map((c: { contributionId: number }) => c.contributionId)).toEqual(Object.values(s.contributions).sort((a, b) => a - b))
    expect(data.page).toMatchObject({ total: 1, previousBefore: null, nextAfter: null })
    expect(data.page.awards).toEqual([
      expect.objectContaining({
        awardId: s.awardId,
        reference: s.awardReference,
        committedPence: 1_000_000,
        paidPence: 400_000,
        contributions: [
          expect.objectContaining({ contributionId: s.contributions.nhs, committedPence: 750_000, paidPence: 300_000 }),
          expect.objectContaining({ contributionId: s.contributions.lottery, committedPence: 250_000, paidPence: 100_000 }),
        ],
      }),
    ])
  })

  test('shows 25 awards a page; ?after= gives the next page and ?before= the one before it; a bad cursor gives the first', async () => {
    const scenario = await createPotScenario(db)
    const ids = [scenario.awardId]
    for (let i = 0; i < 26; i++) {
      const award = await createAward(db, { placeId: scenario.placeId, amountPence: 1_000, matchCashPence: 0, matchInKindPence: 0 })
      await db.transaction().execute((trx) =>
        commitAward(trx, manager.id, {
          awardId: award.awardId,
          potId: scenario.potId,
          amountPence: 1_000,
          award: { placeId: scenario.placeId, categories: ['health_and_wellbeing'], fundId: award.fundId, roundId: award.roundId, date: '2026-11-21' },
          idempotencyKey: `award:${award.awardId}:commit`,
        }),
      )
      ids.push(award.awardId)
    }
    const page = async (query: string) => (await (await call(`/pots/${scenario.potId}/awards${query}`, manager.id, scenario.potId)).json()).page
    const awardIds = (p: { awards: { awardId: number }[] }) => p.awards.map((a) => a.awardId)

    const first = await page('')
    expect(first.total).toBe(27)
    expect(awardIds(first)).toEqual(ids.slice(0, 25))
    expect(first.previousBefore).toBeNull()
    expect(first.nextAfter).toBe(ids[24])

    const second = await page(`?after=${first.nextAfter}`)
    expect(awardIds(second)).toEqual(ids.slice(25))
    expect(second).toMatchObject({ total: 27, previousBefore: ids[25], nextAfter: null })

    expect(await page(`?before=${second.previousBefore}`)).toEqual(first)
    expect(awardIds(await page('?after=not-an-award'))).toEqual(ids.slice(0, 25))
    expect(await page(`?after=${ids[26]}`)).toEqual({ awards: [], total: 27, previousBefore: null, nextAfter: null })
  }, 60_000)

  test('is refused to someone without read:pot:any, and 404 for an unknown pot', async () => {
    expect((await call(`/pots/${s.potId}/awards`, viewer.id, s.potId)).status).toBe(403)
    expect((await call('/pots/999999/awards', manager.id, 999_999)).status).toBe(404)
    expect((await call('/pots/abc/awards', manager.id, 'abc')).status).toBe(404)
  })
})
