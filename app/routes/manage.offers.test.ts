import { beforeAll, describe, expect, test } from 'vitest'
import { createAwardScenario, type AwardScenario } from '../../tests/factories/award-decisions.ts'
import { createOfferReadyAward } from '../../tests/factories/offers.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { OFFER_JOB_KIND, offerJobHandler } from '~/domain/awards/offers.server.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { drainJobs, enqueueJob, registerJobHandler } from '~/lib/jobs.server.ts'
import { loader as jobLoader, meta as jobMeta } from './jobs.$jobId.tsx'
import { action as issueAction } from './manage.awards.$awardId_.offer.tsx'
import { action as roundAction, loader as roundLoader } from './manage.rounds.$roundId.offers.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }
type Fn = (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>
async function call(fn: Fn, url: string, userId: number, params: Record<string, string>, body?: Record<string, string>) {
  const request = await signedInRequest(url, { userId, body })
  return respond(() => fn({ request, params, context }))
}

let s: AwardScenario
let manager: { id: number }
beforeAll(async () => {
  s = await createAwardScenario(db)
  manager = await createUserWithRole(db, 'fund_manager')
  registerJobHandler(OFFER_JOB_KIND, offerJobHandler(process.env.DATA_DIR!))
})

const status = async (awardId: number) => (await db.selectFrom('awards').select('status').where('id', '=', awardId).executeTakeFirstOrThrow()).status
const roundPage = (userId: number, roundId = s.roundId) => call(roundLoader, `/manage/rounds/${roundId}/offers`, userId, { roundId: String(roundId) })
const sendAll = (userId: number, body: Record<string, string>) => call(roundAction, `/manage/rounds/${s.roundId}/offers`, userId, { roundId: String(s.roundId) }, body)
const jobPage = (jobId: number, userId: number) => call(jobLoader, `/jobs/${jobId}`, userId, { jobId: String(jobId) })

describe('/manage/rounds/:roundId/offers and /jobs/:jobId', () => {
  test('lists the awards with their offer status, sends every ready letter in one job, and the job page shows the progress', async () => {
    const ready = await createOfferReadyAward(db, s)
    const bare = await createOfferReadyAward(db, s)
    await db.deleteFrom('tranches').where('award_id', '=', bare.awardId).execute() // its terms are not set yet
    const page = await roundPage(manager.id)
    expect(page.status).toBe(200)
    const data = await page.json()
    const progress = Object.fromEntries(data.awards.map((a: { id: number; progress: string }) => [a.id, a.progress]))
    expect(progress[ready.awardId]).toBe('Ready to send')
    expect(progress[bare.awardId]).toBe('Terms not set yet')
    expect(data.readyCount).toBe(1)

    const response = await sendAll(manager.id, { idempotencyKey: data.idempotencyKey, respondBy: '' })
    expect(response.status).toBe(302)
    const location = response.headers.get('Location')!
    expect(location).toMatch(/^\/jobs\/\d+$/)
    const jobId = Number(location.split('/').pop())
    // The same form posted twice goes to the same job.
    expect((await sendAll(manager.id, { idempotencyKey: data.idempotencyKey })).headers.get('Location')).toBe(location)

    const queued = await (await jobPage(jobId, manager.id)).json()
    expect(queued).toMatchObject({ status: 'queued', finished: false, done: 0, total: 1, unit: 'letters made', title: expect.stringContaining('Offer letters for') })
    expect(jobMeta({ data: queued } as Parameters<typeof jobMeta>[0])).toContainEqual({ httpEquiv: 'refresh', content: '2' })

    await drainJobs(db)
    const done = await (await jobPage(jobId, manager.id)).json()
    expect(done).toMatchObject({ status: 'done', finished: true, done: 1, total: 1, returnTo: `/manage/rounds/${s.roundId}/offers`, failures: [] })
    expect(jobMeta({ data: done } as Parameters<typeof jobMeta>[0])).not.toContainEqual(expect.objectContaining({ httpEquiv: 'refresh' }))
    expect(await status(ready.awardId)).toBe('offered')
    expect(await status(bare.awardId)).toBe('committed')

    // Nothing ready now: 409 with the reason, and no new job.
    const none = await sendAll(manager.id, { idempotencyKey: crypto.randomUUID() })
    expect(none.status).toBe(409)
    expect((await none.json()).error['']).toEqual([expect.stringContaining('No award in this round is ready')])
  })

  test('a reply-by date in the past is 400 beside its field', async () => {
    await createOfferReadyAward(db, s)
    const response = await sendAll(manager.id, { idempotencyKey: crypto.randomUUID(), respondBy: '2001-01-01' })
    expect(response.status).toBe(400)
    expect((await response.json()).error).toMatchObject({ respondBy: ['Enter a reply-by date that is today or later'] })
  })

  test('is 403 without issue:award:any, 404 for no such round; a job page is 403 for anyone but its creator or an admin', async () => {
    const assessor = await createUserWithRole(db, 'assessor')
    expect((await roundPage(assessor.id)).status).toBe(403)
    expect((await sendAll(assessor.id, { idempotencyKey: 'x' })).status).toBe(403)
    expect((await roundPage(manager.id, 999_999)).status).toBe(404)
    const { job } = await db.transaction().execute((trx) => enqueueJob(trx, { kind: 'test.unhandled', payload: {}, total: 1, createdBy: manager.id, idempotencyKey: crypto.randomUUID() }))
    const other = await createUserWithRole(db, 'fund_manager')
    expect((await jobPage(job.id, other.id)).status).toBe(403)
    const admin = await createUserWithRole(db, 'admin')
    expect((await jobPage(job.id, admin.id)).status).toBe(200)
    expect((await jobPage(999_999, manager.id)).status).toBe(404)
  })
})

describe('POST /manage/awards/:awardId/offer', () => {
  test('sends one offer now and goes back to the award page; again is a replay; no terms is 409; others 403', async () => {
    const award = await createOfferReadyAward(db, s)
    const post = (userId: number, awardId = award.awardId, body: Record<string, string> = {}) => call(issueAction, `/manage/awards/${awardId}/offer`, userId, { awardId: String(awardId) }, body)
    const response = await post(manager.id)
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe(`/manage/awards/${award.awardId}`)
    expect(await status(award.awardId)).toBe('offered')
    expect((await post(manager.id)).status).toBe(302)
    expect(await db.selectFrom('documents').select('id').where('owner_type', '=', 'award').where('owner_id', '=', award.awardId).execute()).toHaveLength(1)

    const bare = await createOfferReadyAward(db, s)
    await db.deleteFrom('tranches').where('award_id', '=', bare.awardId).execute()
    const refused = await post(manager.id, bare.awardId)
    expect(refused.status).toBe(409)
    expect(await refused.text()).toContain('Set the payment schedule')
    expect((await post(manager.id, bare.awardId, { respondBy: 'soon' })).status).toBe(400)
    expect((await post(manager.id, 999_999)).status).toBe(404)
    const applicant = award.memberUserId
    expect((await post(applicant, bare.awardId)).status).toBe(403)
    expect(await status(bare.awardId)).toBe('committed')
  })
})
