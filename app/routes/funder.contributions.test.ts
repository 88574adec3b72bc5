/**
 * /funder (counts and links instead of every award) and /funder/contributions/<id> (the awards one contribution funds,
 * 50 a page): only a funder viewer's own contributions; another funder's is 404, a fund manager 403.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { createPaymentScenario, type PaymentScenario } from '../../tests/factories/payments.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { loader as funderLoader } from './funder._index.tsx'
import { loader as awardsLoader } from './funder.contributions.$contributionId.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }
type Route = (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>
async function call(route: Route, url: string, userId: number, params: Record<string, string> = {}) {
  const request = await signedInRequest(url, { userId })
  return respond(() => route({ request, params, context }))
}

let s: PaymentScenario
let viewer: { id: number }
let manager: { id: number }
let awardIds: number[]

beforeAll(async () => {
  s = await createPaymentScenario(db)
  awardIds = []
  for (let i = 0; i < 3; i++) awardIds.push((await s.acceptedAward({ amountPence: 100_000 + i * 10_000 })).awardId)
  const nhs = await db.selectFrom('contributions').select('funder_id').where('id', '=', s.contributions.nhs).executeTakeFirstOrThrow()
  viewer = await createUserWithRole(db, 'funder_viewer', { name: 'Nadia NHS' })
  await db.updateTable('user_roles').set({ funder_id: nhs.funder_id }).where('user_id', '=', viewer.id).execute()
  manager = await createUserWithRole(db, 'fund_manager')
}, 120_000)

describe('/funder', () => {
  test('counts the awards each contribution funds instead of listing them', async () => {
    const data = (await (await call(funderLoader, '/funder', viewer.id)).json()) as { contributions: Array<{ contributionId: number; awards: unknown }> }
    expect(data.contributions.map((c) => [c.contributionId, c.awards])).toEqual([[s.contributions.nhs, 3]])
  })

  test('shows the count as a link to the awards in the contributions table, 25 contributions a page', async () => {
    const data = (await (await call(funderLoader, '/funder', viewer.id)).json()) as { next: unknown; previous: unknown; funders: Array<{ contributionCount: number }> }
    expect([data.next, data.previous, data.funders.map((f) => f.contributionCount)]).toEqual([null, null, [1]])
    const other = (await (await call(funderLoader, `/funder?after=${s.contributions.nhs}`, viewer.id)).json()) as { contributions: unknown[] }
    expect(other.contributions).toEqual([])
  })
})

describe('/funder/contributions/:contributionId', () => {
  const url = () => `/funder/contributions/${s.contributions.nhs}`
  const params = () => ({ contributionId: String(s.contributions.nhs) })

  test('lists the awards the contribution funds, with the count of all of them', async () => {
    const res = await call(awardsLoader, url(), viewer.id, params())
    expect(res.status).toBe(200)
    const data = (await res.json()) as { count: number; awards: Array<{ awardId: number; commitmentId: number }>; next: number | null; previous: number | null }
    expect(data.count).toBe(3)
    expect(data.awards.map((a) => a.awardId)).toEqual(awardIds)
    expect(data.next).toBeNull()
    expect(data.previous).toBeNull()
  })

  test('?after= starts after that commitment and ?before= ends before it', async () => {
    const all = ((await (await call(awardsLoader, url(), viewer.id, params())).json()) as { awards: Array<{ awardId: number; commitmentId: number }> }).awards
    const after = (await (await call(awardsLoader, `${url()}?after=${all[0]!.commitmentId}`, viewer.id, params())).json()) as { awards: Array<{ awardId: number }>; previous: number | null }
    expect(after.awards.map((a) => a.awardId)).toEqual(awardIds.slice(1))
    expect(after.previous).toBe(all[1]!.commitmentId)
    const before = (await (await call(awardsLoader, `${url()}?before=${all[2]!.commitmentId}`, viewer.id, params())).json()) as { awards: Array<{ awardId: number }>; next: number | null }
    expect(before.awards.map((a) => a.awardId)).toEqual(awardIds.slice(0, 2))
    expect(before.next).toBe(all[1]!.commitmentId)
    const junk = (await (await call(awardsLoader, `${url()}?after=nonsense`, viewer.id, params())).json()) as { awards: unknown[] }
    expect(junk.awards).toHaveLength(3)
  })

  test("is 404 for another funder's contribution or a made-up one, and 403 for a fund manager", async () => {
    expect((await call(awardsLoader, `/funder/contributions/${s.contributions.lottery}`, viewer.id, { contributionId: String(s.contributions.lottery) })).status).toBe(404)
    expect((await call(awardsLoader, '/funder/contributions/abc', viewer.id, { contributionId: 'abc' })).status).toBe(404)
    expect((await call(awardsLoader, url(), manager.id, params())).status).toBe(403)
  })
})
