/** The fund manager's application page and the panel: declared conflicts shut it, outcome areas are recorded on it. */
import { describe, expect, test } from 'vitest'
import { hasDeclaredConflict } from '~/domain/assessment/conflicts.server.ts'
import { outcomeAreasOf } from '~/domain/applications/outcome-areas.server.ts'
import { db } from '~/lib/db.server.ts'
import { assignRaw, createPanelRound } from '../../tests/factories/assessment.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { action, loader } from './manage.applications.$applicationId.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function respond(run: () => Promise<unknown>): Promise<Response> {
  try {
    return (await run()) as Response
  } catch (thrown) {
    if (thrown instanceof Response) return thrown
    throw thrown
  }
}

async function statusOf(run: () => Promise<unknown>): Promise<number> {
  return (await respond(run)).status ?? 200
}

function form(entries: [string, string][]): FormData {
  const data = new FormData()
  for (const [k, v] of entries) data.append(k, v)
  return data
}

describe('/manage/applications/<id> and the panel', () => {
  test('stops a panel chair opening the bid on the fund manager’s page, or acting on it', async () => {
    const panel = await createPanelRound(db, { bids: 2 })
    const [conflicted, other] = panel.bids
    await assignRaw(db, conflicted!.applicationId, panel.chair.id, 'conflict')
    expect(await hasDeclaredConflict(db, panel.chair.id, conflicted!.applicationId)).toBe(true)
    const get = async (applicationId: number) =>
      statusOf(async () => loader({ request: await signedInRequest(`/manage/applications/${applicationId}`, { userId: panel.chair.id }), params: { applicationId: String(applicationId) }, context }))
    expect(await get(conflicted!.applicationId)).toBe(403)
    expect(await get(other!.applicationId)).toBe(200)
    const post = await statusOf(async () =>
      action({
        request: await signedInRequest(`/manage/applications/${conflicted!.applicationId}`, { userId: panel.chair.id, body: { intent: 'changes', reason: 'Please add detail' } }),
        params: { applicationId: String(conflicted!.applicationId) },
        context,
      }),
    )
    expect(post).toBe(403)
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
