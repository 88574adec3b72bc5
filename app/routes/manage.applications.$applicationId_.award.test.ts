import { beforeAll, describe, expect, test } from 'vitest'
import { createAwardScenario, type AwardScenario } from '../../tests/factories/award-decisions.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { db } from '~/lib/db.server.ts'
import { action, loader } from './manage.applications.$applicationId_.award.tsx'
import { loader as manageLoader } from './manage.applications.$applicationId.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }
let s: AwardScenario
let manager: { id: number }
let assessor: { id: number }

beforeAll(async () => {
  s = await createAwardScenario(db)
  manager = await createUserWithRole(db, 'fund_manager')
  assessor = await createUserWithRole(db, 'assessor')
})

async function respond(run: () => Promise<unknown>): Promise<Response> {
  try {
    return (await run()) as Response
  } catch (thrown) {
    if (thrown instanceof Response) return thrown
    throw thrown
  }
}

const url = (applicationId: number, query = '') => `/manage/applications/${applicationId}/award${query}`
const get = (applicationId: number, userId: number, query = '') =>
  respond(async () => loader({ request: await signedInRequest(url(applicationId, query), { userId }), params: { applicationId: String(applicationId) }, context }))
const post = (applicationId: number, userId: number, body: URLSearchParams) =>
  respond(async () => action({ request: await signedInRequest(url(applicationId), { userId, body }), params: { applicationId: String(applicationId) }, context }))

/** The form as the page would post it: amount, pot, outcome areas, the split choice and the key. */
function form(fields: { amount: string; splitChoice?: 'proposed' | 'own'; split?: Record<number, string>; overrideReason?: string; key?: string; outcomeAreas?: string[] }) {
  const body = new URLSearchParams({ amount: fields.amount, potId: String(s.potId), splitChoice: fields.splitChoice ?? 'proposed', idempotencyKey: fields.key ?? crypto.randomUUID() })
  for (const area of fields.outcomeAreas ?? ['health_and_wellbeing']) body.append('outcomeAreas', area)
  for (const [id, pounds] of Object.entries(fields.split ?? {})) body.append(`split.${id}`, pounds)
  if (fields.overrideReason !== undefined) body.append('overrideReason', fields.overrideReason)
  return body
}

async function commitmentsOf(applicationId: number) {
  return db
    .selectFrom('award_commitments')
    .innerJoin('awards', 'awards.id', 'award_commitments.award_id')
    .select(['award_commitments.contribution_id as contributionId', 'award_commitments.amount_pence as pence', 'award_commitments.override_reason as reason'])
    .where('awards.application_id', '=', applicationId)
    .orderBy('award_commitments.contribution_id')
    .execute()
}

describe('GET /manage/applications/:id/award', () => {
  test("shows the bid, the panel's amount, the round's pots and the proposed split with each ring-fence in words", async () => {
    const { applicationId, reference } = await s.bid({ decisionAmountPence: 600_000 })
    const response = await get(applicationId, manager.id)
    expect(response.status).toBe(200)
    const data = await response.json()
    expect(data.bid).toMatchObject({ reference, recommendedPence: 600_000, pots: [expect.objectContaining({ id: s.potId })] })
    expect(data.terms).toEqual({ amount: '6000.00', amountPence: 600_000, potId: s.potId, outcomeAreas: [] })
    expect(typeof data.idempotencyKey).toBe('string')
    const nhs = data.proposal.parts.find((p: { contributionId: number }) => p.contributionId === s.contributions.nhs)
    expect(nhs).toMatchObject({ canFund: false, whyNot: ['Health and wellbeing outcomes only'], ringFence: ['Health and wellbeing outcomes only'], proposedPence: 0 })
  })

  test('works the split out again for the amount and outcome areas asked for, and says what is wrong with a bad amount', async () => {
    const { applicationId } = await s.bid()
    const data = await (await get(applicationId, manager.id, `?amount=9000&potId=${s.potId}&outcomeAreas=health_and_wellbeing`)).json()
    expect(data.terms).toMatchObject({ amountPence: 900_000, outcomeAreas: ['health_and_wellbeing'] })
    expect(data.proposal.parts.map((p: { proposedPence: number }) => p.proposedPence)).toEqual([450_000, 300_000, 150_000])
    const bad = await (await get(applicationId, manager.id, `?amount=lots&potId=${s.potId}`)).json()
    expect(bad.termsResult.error.amount).toEqual(['Enter the amount to award in pounds and pence, like £1,250.50'])
    expect(bad.terms.amountPence).toBe(1_000_000)
  })

  test('is 403 for someone who cannot make awards, 409 for a bid the panel did not recommend, 404 for no bid', async () => {
    const recommended = await s.bid()
    expect((await get(recommended.applicationId, assessor.id)).status).toBe(403)
    expect((await post(recommended.applicationId, assessor.id, form({ amount: '100' }))).status).toBe(403)
    for (const options of [{ status: 'reserve' as const }, { decided: false }]) {
      const { applicationId } = await s.bid(options)
      expect((await get(applicationId, manager.id)).status).toBe(409)
      expect((await post(applicationId, manager.id, form({ amount: '100' }))).status).toBe(409)
    }
    expect((await get(999_999, manager.id)).status).toBe(404)
  })
})

describe('POST /manage/applications/:id/award', () => {
  test('makes the award with the proportional split and goes back to the bid, which then lists the commitments', async () => {
    const { applicationId, reference } = await s.bid()
    const manage = async () =>
      (await respond(async () => manageLoader({ request: await signedInRequest(`/manage/applications/${applicationId}`, { userId: manager.id }), params: { applicationId: String(applicationId) }, context }))).json()
    expect(await manage()).toMatchObject({ mayMakeAward: true, award: null })
    const response = await post(applicationId, manager.id, form({ amount: '£6,000' }))
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe(`/manage/applications/${applicationId}`)
    expect(response.headers.get('Set-Cookie')).toBeTruthy()
    expect(await commitmentsOf(applicationId)).toEqual([
      { contributionId: s.contributions.nhs, pence: 300_000, reason: null },
      { contributionId: s.contributions.lottery, pence: 200_000, reason: null },
      { contributionId: s.contributions.council, pence: 100_000, reason: null },
    ])
    const page = await manage()
    expect(page.award).toMatchObject({ reference: `${reference}-AWD`, amountPence: 600_000, status: 'committed' })
    expect(page.award.commitments.map((c: { funderName: string; amountPence: number }) => [c.funderName, c.amountPence])).toEqual([
      [s.funders.nhs, 300_000],
      [s.funders.lottery, 200_000],
      [s.funders.council, 100_000],
    ])
    expect(page.mayMakeAward).toBe(false)
    // The page to make it again now says it is made.
    expect((await get(applicationId, manager.id)).status).toBe(409)
  })

  test("keeps a fund manager's own split with its reason", async () => {
    const { applicationId } = await s.bid()
    const body = form({ amount: '6000', splitChoice: 'own', split: { [s.contributions.nhs]: '5,000', [s.contributions.lottery]: '1000.00', [s.contributions.council]: '' }, overrideReason: 'Merton is saving for the winter round' })
    expect((await post(applicationId, manager.id, body)).status).toBe(302)
    expect(await commitmentsOf(applicationId)).toEqual([
      { contributionId: s.contributions.nhs, pence: 500_000, reason: 'Merton is saving for the winter round' },
      { contributionId: s.contributions.lottery, pence: 100_000, reason: 'Merton is saving for the winter round' },
    ])
  })

  test('an own split without a reason is 400 with the message next to the reason, and nothing is written', async () => {
    const { applicationId } = await s.bid()
    const response = await post(applicationId, manager.id, form({ amount: '6000', splitChoice: 'own', split: { [s.contributions.nhs]: '6000' }, overrideReason: '' }))
    expect(response.status).toBe(400)
    expect((await response.json()).error).toEqual({ overrideReason: ['Give a reason for choosing your own split'] })
    expect(await commitmentsOf(applicationId)).toEqual([])
  })

  test('an own split that breaks a ring-fence is 409 naming the condition next to the split, and nothing is written', async () => {
    const { applicationId } = await s.bid()
    const body = form({ amount: '6000', splitChoice: 'own', outcomeAreas: ['arts_and_culture'], split: { [s.contributions.nhs]: '3000', [s.contributions.lottery]: '3000' }, overrideReason: 'NHS asked' })
    const response = await post(applicationId, manager.id, body)
    expect(response.status).toBe(409)
    expect((await response.json()).error).toEqual({ split: [`The ${s.funders.nhs} contribution cannot fund this award: Health and wellbeing outcomes only`] })
    expect(await db.selectFrom('awards').select('id').where('application_id', '=', applicationId).execute()).toEqual([])
  })

  test('more than the pot has available is 409 and nothing is over-committed', async () => {
    const { applicationId } = await s.bid({ amountRequestedPence: 100_000_000 })
    const response = await post(applicationId, manager.id, form({ amount: '1,000,000' }))
    expect(response.status).toBe(409)
    expect((await response.json()).error.split[0]).toMatch(/^Only £[\d,.]+ of eligible money is available for this award of £1,000,000/)
    expect(await db.selectFrom('awards').select('id').where('application_id', '=', applicationId).execute()).toEqual([])
  })

  test('posting the same form twice makes one award; the second is told it was already made', async () => {
    const { applicationId, reference } = await s.bid()
    const key = crypto.randomUUID()
    const first = await post(applicationId, manager.id, form({ amount: '1500', key }))
    const second = await post(applicationId, manager.id, form({ amount: '1500', key }))
    expect([first.status, second.status]).toEqual([302, 302])
    expect(second.headers.get('Location')).toBe(`/manage/applications/${applicationId}`)
    expect(await db.selectFrom('awards').select('reference').where('application_id', '=', applicationId).execute()).toEqual([{ reference: `${reference}-AWD` }])
    expect((await commitmentsOf(applicationId)).reduce((sum, c) => sum + c.pence, 0)).toBe(150_000)
    const other = await post(applicationId, manager.id, form({ amount: '1500' }))
    expect(other.status).toBe(409)
    expect((await other.json()).error).toEqual({ '': [`An award has already been made for this bid (${reference}-AWD).`] })
  })
})
