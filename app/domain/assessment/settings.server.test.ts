import { describe, expect, test } from 'vitest'
import { createPanelRound } from '../../../tests/factories/assessment.ts'
import { db } from '~/lib/db.server.ts'
import { getAssessmentSettings, setNormalisation, updateAssessmentSettings } from './settings.server.ts'

const valid = { assessorsPerBid: 3, blindReview: true, hidePeerScores: false, commentsRequired: true, disagreementThreshold: 15, declineReasons: ['Not enough local need', 'Outside priorities'] }

describe('assessment settings', () => {
  test('saves the fund manager’s settings and audits them', async () => {
    const panel = await createPanelRound(db, { bids: 0, assessors: 0 })
    await db.transaction().execute((trx) => updateAssessmentSettings(trx, panel.manager.id, panel.roundId, valid))
    expect(await getAssessmentSettings(db, panel.roundId)).toEqual({ ...valid, normaliseScores: false })
    const event = await db.selectFrom('audit_events').select(['before', 'after']).where('action', '=', 'round.assessment_settings_changed').where('entity_id', '=', String(panel.roundId)).executeTakeFirstOrThrow()
    expect(JSON.parse(event.after!)).toMatchObject({ assessorsPerBid: 3, blindReview: true })
  })

  test.each([
    [{ assessorsPerBid: 0 }, 'assessorsPerBid'],
    [{ assessorsPerBid: 11 }, 'assessorsPerBid'],
    [{ disagreementThreshold: 0 }, 'disagreementThreshold'],
    [{ disagreementThreshold: 101 }, 'disagreementThreshold'],
    [{ declineReasons: [] }, 'declineReasons'],
    [{ declineReasons: Array.from({ length: 13 }, (_, i) => `Reason ${i}`) }, 'declineReasons'],
    [{ declineReasons: ['x'.repeat(201)] }, 'declineReasons'],
  ])('%o is refused (400) and nothing changes', async (overrides, field) => {
    const panel = await createPanelRound(db, { bids: 0, assessors: 0 })
    const before = await getAssessmentSettings(db, panel.roundId)
    await expect(db.transaction().execute((trx) => updateAssessmentSettings(trx, panel.manager.id, panel.roundId, { ...valid, ...overrides }))).rejects.toMatchObject({ status: 400, field })
    expect(await getAssessmentSettings(db, panel.roundId)).toEqual(before)
  })

  test('the chair’s normalisation switch is audited once per change', async () => {
    const panel = await createPanelRound(db, { bids: 0, assessors: 0 })
    await db.transaction().execute((trx) => setNormalisation(trx, panel.chair.id, panel.roundId, true))
    await db.transaction().execute((trx) => setNormalisation(trx, panel.chair.id, panel.roundId, true))
    expect((await getAssessmentSettings(db, panel.roundId)).normaliseScores).toBe(true)
    await db.transaction().execute((trx) => setNormalisation(trx, panel.chair.id, panel.roundId, false))
    const actions = (await db.selectFrom('audit_events').select('action').where('entity_id', '=', String(panel.roundId)).where('action', 'like', 'round.normalisation%').orderBy('id').execute()).map((e) => e.action)
    expect(actions).toEqual(['round.normalisation_on', 'round.normalisation_off'])
  })
})
