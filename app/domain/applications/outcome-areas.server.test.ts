import { describe, expect, test } from 'vitest'
import { db } from '~/lib/db.server.ts'
import { action, loader } from '~/routes/manage.applications.$applicationId.tsx'
import { createPanelRound } from '../../../tests/factories/assessment.ts'
import { createUserWithRole, signedInRequest } from '../../../tests/factories/sessions.ts'
import { outcomeAreasOf, parseOutcomeAreas, setOutcomeAreas } from './outcome-areas.server.ts'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function respond(run: () => Promise<unknown>): Promise<Response> {
  try {
    return (await run()) as Response
  } catch (thrown) {
    if (thrown instanceof Response) return thrown
    throw thrown
  }
}

function form(entries: [string, string][]): FormData {
  const data = new FormData()
  for (const [k, v] of entries) data.append(k, v)
  return data
}

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

  test('a fund manager records them on the bid’s page; an assessor may not', async () => {
    const panel = await createPanelRound(db, { bids: 1 })
    const applicationId = panel.bids[0]!.applicationId
    const params = { applicationId: String(applicationId) }
    const post = async (userId: number) => {
      const request = await signedInRequest(`/manage/applications/${applicationId}`, { userId, method: 'POST', body: form([['intent', 'outcomes'], ['outcomeAreas', 'health_and_wellbeing'], ['outcomeAreas', 'arts_and_culture']]) })
      return respond(() => action({ request, params, context }))
    }
    const assessor = await createUserWithRole(db, 'assessor')
    expect((await post(assessor.id)).status).toBe(403)
    expect(await outcomeAreasOf(db, applicationId)).toEqual([])
    expect((await post(panel.manager.id)).status).toBe(302)
    expect(await outcomeAreasOf(db, applicationId)).toEqual(['health_and_wellbeing', 'arts_and_culture'])
    const page = await respond(async () => loader({ request: await signedInRequest(`/manage/applications/${applicationId}`, { userId: panel.manager.id }), params, context }))
    expect((await page.json()).outcomeAreas).toEqual(['health_and_wellbeing', 'arts_and_culture'])
  })
})
