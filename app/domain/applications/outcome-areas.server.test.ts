import { describe, expect, test } from 'vitest'
import { db } from '~/lib/db.server.ts'
import { createPanelRound } from '../../../tests/factories/assessment.ts'
import { outcomeAreasOf, parseOutcomeAreas, setOutcomeAreas } from './outcome-areas.server.ts'

describe('a bid’s outcome areas', () => {
  test('are stored in the list’s order, audited, and unknown codes are refused', async () => {
    const panel = await createPanelRound(db, { bids: 1 })
    const applicationId = panel.bids[0]!.applicationId
    expect(await outcomeAreasOf(db, applicationId)).toEqual([])
    await db.transaction().execute((trx) => setOutcomeAreas(trx, panel.manager.id, { applicationId, outcomeAreas: ['loneliness', 'health_and_wellbeing'] }))
    expect(await outcomeAreasOf(db, applicationId)).toEqual(['health_and_wellbeing', 'loneliness'])
    const audit = await db.selectFrom('audit_events').select('after').where('action', '=', 'application.outcome_areas_set').where('entity_id', '=', String(applicationId)).executeTakeFirstOrThrow()
    expect(JSON.parse(audit.after!)).toEqual({ outcome_areas: ['health_and_wellbeing', 'loneliness'] })
    await expect(db.transaction().execute((trx) => setOutcomeAreas(trx, panel.manager.id, { applicationId, outcomeAreas: ['astrology'] }))).rejects.toMatchObject({ status: 400, field: 'outcomeAreas' })
    expect(await outcomeAreasOf(db, applicationId)).toEqual(['health_and_wellbeing', 'loneliness'])
    expect(parseOutcomeAreas('not json')).toEqual([])
  })

})
