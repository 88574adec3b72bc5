import { describe, expect, test } from 'vitest'
import { createPanelRound, submitScoresRaw } from '../../tests/factories/assessment.ts'
import { signedInRequest } from '../../tests/factories/sessions.ts'
import { getAssessmentSettings } from '~/domain/assessment/settings.server.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { action, loader } from './panel.$roundId.calibration.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function call(handler: typeof loader | typeof action, roundId: number, userId: number, body?: Record<string, string>) {
  const request = await signedInRequest(`/panel/${roundId}/calibration`, { userId, body })
  return respond(async () => handler({ request, params: { roundId: String(roundId) }, context }))
}

describe('/panel/<roundId>/calibration', () => {
  test('shows each assessor’s offset and bid count, says who has too few bids, and both rankings', async () => {
    const panel = await createPanelRound(db, { bids: 3, assessors: 3 })
    const [a, b, c] = panel.bids.map((x) => x.applicationId) as [number, number, number]
    const [generous, harsh, newcomer] = panel.assessors.map((x) => x.id) as [number, number, number]
    await submitScoresRaw(db, panel, { applicationId: a, assessorId: generous, scores: [5, 5, 10, 1] })
    await submitScoresRaw(db, panel, { applicationId: a, assessorId: harsh, scores: [3, 3, 5, 1] })
    await submitScoresRaw(db, panel, { applicationId: b, assessorId: generous, scores: [4, 4, 6, 1] })
    await submitScoresRaw(db, panel, { applicationId: c, assessorId: harsh, scores: [2, 2, 4, 1] })
    await submitScoresRaw(db, panel, { applicationId: c, assessorId: newcomer, scores: [2, 2, 4, 1] })

    const response = await call(loader, panel.roundId, panel.chair.id)
    expect(response.status).toBe(200)
    const data = await response.json()
    const byName = Object.fromEntries(data.calibration.map((x: { name: string }) => [x.name, x]))
    expect(byName['Assessor 1']).toMatchObject({ offsetMilli: 50_000, bids: 1, scored: 2, enoughForNormalisation: true })
    expect(byName['Assessor 2']).toMatchObject({ offsetMilli: -25_000, bids: 2, scored: 2 })
    expect(byName['Assessor 3']).toMatchObject({ offsetMilli: 0, bids: 1, scored: 1, enoughForNormalisation: false })
    expect(data.byModerated.map((x: { applicationId: number }) => x.applicationId)).toEqual([a, b, c])
    expect(data.byNormalised).toHaveLength(3)
    expect(data.byNormalised.map((x: { normalisedRank: number }) => x.normalisedRank)).toEqual([...data.byNormalised.map((x: { normalisedRank: number }) => x.normalisedRank)].sort())
    expect(data).toMatchObject({ normaliseScores: false, canSwitch: true })
  })

  test('the chair switches normalisation on and off; a fund manager may look but not switch', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    expect((await call(action, panel.roundId, panel.chair.id, { normalise: 'on' })).status).toBe(302)
    expect((await getAssessmentSettings(db, panel.roundId)).normaliseScores).toBe(true)
    expect((await (await call(loader, panel.roundId, panel.manager.id)).json()).canSwitch).toBe(false)
    expect((await call(action, panel.roundId, panel.manager.id, { normalise: 'off' })).status).toBe(403)
    expect((await getAssessmentSettings(db, panel.roundId)).normaliseScores).toBe(true)
    expect((await call(action, panel.roundId, panel.chair.id, { normalise: 'off' })).status).toBe(302)
    expect((await getAssessmentSettings(db, panel.roundId)).normaliseScores).toBe(false)
  })

  test('assessors cannot see calibration (403)', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    expect((await call(loader, panel.roundId, panel.assessors[0]!.id)).status).toBe(403)
  })
})
