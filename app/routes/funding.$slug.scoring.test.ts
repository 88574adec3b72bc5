import { describe, expect, test } from 'vitest'
import { createPanelRound } from '../../tests/factories/assessment.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { loader } from './funding.$slug.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

describe('/funding/<slug>: how bids are scored', () => {
  test('applicants see each criterion’s share of the score with its guidance, and gateways as must pass', async () => {
    const panel = await createPanelRound(db, { bids: 0, assessors: 0 })
    const { slug } = await db.selectFrom('rounds').select('slug').where('id', '=', panel.roundId).executeTakeFirstOrThrow()
    const response = await respond(() => loader({ request: new Request(`http://localhost/funding/${slug}`), params: { slug }, context }))
    expect(response.status).toBe(200)
    const { criteria } = await response.json()
    expect(criteria).toEqual([
      { name: 'Need', guidance: 'How well the bid shows local need.', isGateway: false, sharePercent: 50 },
      { name: 'Quality of plan', guidance: '', isGateway: false, sharePercent: 33 },
      { name: 'Value for money', guidance: '', isGateway: false, sharePercent: 17 },
      { name: 'Safeguarding policy in place', guidance: '', isGateway: true, sharePercent: null },
    ])
  })
})
