import { describe, expect, test } from 'vitest'
import { createApplicant, createFcfsRound, placesByRegion, submitInOwnTransaction } from '~/domain/applications/fcfs-fixtures.server.ts'
import { db } from '~/lib/db.server.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { action, loader } from './manage.applications.$applicationId.tsx'
import { action as priorityAction } from './organisation.priority.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function respond(run: () => Promise<unknown>): Promise<Response> {
  try {
    return (await run()) as Response
  } catch (thrown) {
    if (thrown instanceof Response) return thrown
    throw thrown
  }
}

async function submitted() {
  const { roundId } = await createFcfsRound(db)
  const placeId = (await placesByRegion(db)).get('London')![0]!
  const applicant = await createApplicant(db, { roundId, placeId })
  await submitInOwnTransaction(db, { applicationId: applicant.applicationId, submitter: applicant.admin })
  return applicant
}

const post = async (applicationId: number, userId: number, body: Record<string, string>) =>
  respond(async () => action({ request: await signedInRequest(`/manage/applications/${applicationId}`, { userId, body }), params: { applicationId: String(applicationId) }, context }))

describe('/manage/applications/<id>', () => {
  test('shows a fund manager the application and its automatic screening', async () => {
    const { applicationId, reference } = await submitted()
    const manager = await createUserWithRole(db, 'fund_manager')
    const response = await respond(async () =>
      loader({ request: await signedInRequest(`/manage/applications/${applicationId}`, { userId: manager.id }), params: { applicationId: String(applicationId) }, context }),
    )
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ reference, statusLabel: 'Grant allocated', screening: { automaticLabel: 'Eligible', override: null }, canDecide: true })
  })

  test('an override without a reason is 400 with the message next to the reason', async () => {
    const { applicationId } = await submitted()
    const manager = await createUserWithRole(db, 'fund_manager')
    const response = await post(applicationId, manager.id, { intent: 'screening', result: 'ineligible', reason: '' })
    expect(response.status).toBe(400)
    expect((await response.json()).result.error).toEqual({ reason: ['Enter the reason for your screening decision'] })
  })

  test('an override with a reason is recorded and the manager is sent back to the application', async () => {
    const { applicationId } = await submitted()
    const manager = await createUserWithRole(db, 'fund_manager')
    const response = await post(applicationId, manager.id, { intent: 'screening', result: 'ineligible', reason: 'Bank account in a person’s name' })
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe(`/manage/applications/${applicationId}`)
    const row = await db.selectFrom('applications').select(['screening_override', 'screening_reason', 'screened_by']).where('id', '=', applicationId).executeTakeFirstOrThrow()
    expect(row).toEqual({ screening_override: 'ineligible', screening_reason: 'Bank account in a person’s name', screened_by: manager.id })
  })

  test('asking for changes on an allocated first-come-first-served grant is a 409 conflict', async () => {
    const { applicationId } = await submitted()
    const manager = await createUserWithRole(db, 'fund_manager')
    const response = await post(applicationId, manager.id, { intent: 'changes', reason: 'Please add your bank details' })
    expect(response.status).toBe(409)
    expect((await response.json()).result.error['']).toEqual(['Only a submitted application can be reopened for changes.'])
  })

  test('an assessor may not screen applications', async () => {
    const { applicationId } = await submitted()
    const assessor = await createUserWithRole(db, 'assessor')
    expect((await post(applicationId, assessor.id, { intent: 'screening', result: 'eligible', reason: 'Fine' })).status).toBe(403)
  })
})

describe('/organisation/priority', () => {
  test('an organisation admin records that their group serves a priority community; a blank answer is 400', async () => {
    const { organisation, admin } = await submitted()
    const url = `/organisation/priority?org=${organisation.id}`
    const blank = await respond(async () => priorityAction({ request: await signedInRequest(url, { userId: admin.id, body: {} }), params: {}, context }))
    expect(blank.status).toBe(400)
    const saved = await respond(async () => priorityAction({ request: await signedInRequest(url, { userId: admin.id, body: { priority: 'yes' } }), params: {}, context }))
    expect(saved.status).toBe(302)
    const row = await db.selectFrom('organisations').select('priority_community').where('id', '=', organisation.id).executeTakeFirstOrThrow()
    expect(row.priority_community).toBe(1)
  })
})
