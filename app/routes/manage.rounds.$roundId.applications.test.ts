import { beforeAll, describe, expect, test } from 'vitest'
import { createApplicant, createFcfsRound, placesByRegion, submitInOwnTransaction } from '~/domain/applications/fcfs-fixtures.server.ts'
import { db } from '~/lib/db.server.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { loader as csvLoader } from './manage.rounds.$roundId.applications[.]csv.ts'
import { action, loader } from './manage.rounds.$roundId.applications.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }
let roundId: number
let managerId: number
let reference: string

async function respond(run: () => Promise<unknown>): Promise<Response> {
  try {
    return (await run()) as Response
  } catch (thrown) {
    if (thrown instanceof Response) return thrown
    throw thrown
  }
}

beforeAll(async () => {
  ;({ roundId } = await createFcfsRound(db))
  managerId = (await createUserWithRole(db, 'fund_manager')).id
  const placeId = (await placesByRegion(db)).get('London')![0]!
  for (let i = 0; i < 2; i++) {
    const applicant = await createApplicant(db, { roundId, placeId })
    await submitInOwnTransaction(db, { applicationId: applicant.applicationId, submitter: applicant.admin })
    reference = applicant.reference
  }
})

const list = async (query: string, userId = managerId) =>
  respond(async () => loader({ request: await signedInRequest(`/manage/rounds/${roundId}/applications${query}`, { userId }), params: { roundId: String(roundId) }, context }))

describe('GET /manage/rounds/<id>/applications', () => {
  test('shows a fund manager what arrived, with the first-come-first-served tally', async () => {
    const response = await list('')
    expect(response.status).toBe(200)
    const data = await response.json()
    expect(data.page.rows).toHaveLength(2)
    expect(data.page.rows[1]).toMatchObject({ reference, statusLabel: 'Grant allocated', amount: '£0.00', screeningLabel: 'Not screened yet', fcfsPosition: 2 })
    expect(data.fcfs).toMatchObject({ allocated: 2, remaining: 98 })
  })

  test('answers a bad amount filter with 400 and a message for that field', async () => {
    const response = await list('?min=lots&max=')
    expect(response.status).toBe(400)
    const data = await response.json()
    expect(data.result.error).toEqual({ min: ['Enter the smallest amount in pounds and pence, like £1,250.50'] })
  })

  test('is forbidden to an applicant and not found for a round that does not exist', async () => {
    const applicant = await createUserWithRole(db, 'assessor')
    expect((await list('', applicant.id)).status).toBe(403)
    const missing = await respond(async () => loader({ request: await signedInRequest('/manage/rounds/999999/applications', { userId: managerId }), params: { roundId: '999999' }, context }))
    expect(missing.status).toBe(404)
  })

  test('POST screens the new applications', async () => {
    const other = await createFcfsRound(db)
    const applicant = await createApplicant(db, { roundId: other.roundId, placeId: (await placesByRegion(db)).get('Midlands')![0]! })
    await submitInOwnTransaction(db, { applicationId: applicant.applicationId, submitter: applicant.admin })
    const response = await respond(async () =>
      action({ request: await signedInRequest(`/manage/rounds/${other.roundId}/applications`, { userId: managerId, body: {} }), params: { roundId: String(other.roundId) }, context }),
    )
    expect(response.status).toBe(302)
    const rows = await db.selectFrom('applications').select('screening_result').where('round_id', '=', other.roundId).execute()
    expect(rows.map((r) => r.screening_result)).toEqual(['eligible'])
  })
})

describe('GET /manage/rounds/<id>/applications.csv', () => {
  test('streams the filtered list as CSV with pounds and London times', async () => {
    const response = await respond(async () =>
      csvLoader({ request: await signedInRequest(`/manage/rounds/${roundId}/applications.csv?status=allocated`, { userId: managerId }), params: { roundId: String(roundId) }, context }),
    )
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toBe('text/csv; charset=utf-8')
    const lines = (await response.text()).replace(/^\uFEFF/, '').trim().split('\n')
    expect(lines[0]).toBe('Reference,Organisation,Legal type,Place,Region,Status,Amount requested (£),Submitted at (London time),Screening result')
    expect(lines).toHaveLength(3)
    expect(lines[2]).toMatch(new RegExp(`^${reference},Test Community Group [0-9a-f]+,Unincorporated community group,[^,]+,London,Grant allocated,0\\.00,\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2},Not screened yet$`))
  })

  test('refuses bad filters with 400', async () => {
    const response = await respond(async () =>
      csvLoader({ request: await signedInRequest(`/manage/rounds/${roundId}/applications.csv?screening=maybe`, { userId: managerId }), params: { roundId: String(roundId) }, context }),
    )
    expect(response.status).toBe(400)
  })
})
