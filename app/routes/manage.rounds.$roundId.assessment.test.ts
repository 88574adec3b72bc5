import { describe, expect, test } from 'vitest'
import { createPanelRound } from '../../tests/factories/assessment.ts'
import { signedInRequest } from '../../tests/factories/sessions.ts'
import { getAssessmentSettings } from '~/domain/assessment/settings.server.ts'
import { replyErrors, respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { action, loader } from './manage.rounds.$roundId.assessment.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function call(handler: typeof loader | typeof action, roundId: number, userId: number, body?: Record<string, string>) {
  const request = await signedInRequest(`/manage/rounds/${roundId}/assessment`, { userId, body })
  return respond(async () => handler({ request, params: { roundId: String(roundId) }, context }))
}

describe('/manage/rounds/<id>/assessment', () => {
  test('a fund manager sees and saves the settings; unticked boxes turn settings off', async () => {
    const panel = await createPanelRound(db, { bids: 0, assessors: 0 })
    const page = await (await call(loader, panel.roundId, panel.manager.id)).json()
    expect(page.settings).toMatchObject({ assessorsPerBid: 2, hidePeerScores: true, commentsRequired: true, disagreementThreshold: 20 })
    const response = await call(action, panel.roundId, panel.manager.id, { assessorsPerBid: '3', blindReview: 'on', disagreementThreshold: '15', declineReasons: 'Not enough local need\n\n  Outside priorities  ' })
    expect(response.status).toBe(302)
    expect(await getAssessmentSettings(db, panel.roundId)).toEqual({
      assessorsPerBid: 3,
      blindReview: true,
      hidePeerScores: false,
      commentsRequired: false,
      disagreementThreshold: 15,
      normaliseScores: false,
      declineReasons: ['Not enough local need', 'Outside priorities'],
    })
  })

  test('out-of-range values are a 400 next to each field and nothing changes', async () => {
    const panel = await createPanelRound(db, { bids: 0, assessors: 0 })
    const before = await getAssessmentSettings(db, panel.roundId)
    const response = await call(action, panel.roundId, panel.manager.id, { assessorsPerBid: '11', disagreementThreshold: '0', declineReasons: ' ' })
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).fields).toEqual({
      assessorsPerBid: ['Enter 10 assessors or fewer'],
      disagreementThreshold: ['Enter a threshold of 1 point or more'],
      declineReasons: ['Enter at least one reason for declining a bid'],
    })
    expect(await getAssessmentSettings(db, panel.roundId)).toEqual(before)
  })

  test('assessors and chairs may not change the settings (403)', async () => {
    const panel = await createPanelRound(db, { bids: 0, assessors: 1 })
    for (const user of [panel.assessors[0]!, panel.chair]) {
      expect((await call(loader, panel.roundId, user.id)).status).toBe(403)
      expect((await call(action, panel.roundId, user.id, { assessorsPerBid: '1', disagreementThreshold: '5', declineReasons: 'No' })).status).toBe(403)
    }
  })
})
