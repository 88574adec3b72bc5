import { describe, expect, test } from 'vitest'
import { assignRaw, createPanelRound, submitScoresRaw } from '../../tests/factories/assessment.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { replyErrors, respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { action, loader } from './panel.$roundId.bids.$applicationId._index.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function call(handler: typeof loader | typeof action, ids: { roundId: number; applicationId: number }, userId: number, body?: Record<string, string>) {
  const request = await signedInRequest(`/panel/${ids.roundId}/bids/${ids.applicationId}`, { userId, body })
  return respond(async () => handler({ request, params: { roundId: String(ids.roundId), applicationId: String(ids.applicationId) }, context }))
}

async function scoredBid() {
  const panel = await createPanelRound(db, { bids: 1, assessors: 3, settings: { disagreement_threshold: 20 } })
  const applicationId = panel.bids[0]!.applicationId
  await submitScoresRaw(db, panel, { applicationId, assessorId: panel.assessors[0]!.id, scores: [5, 5, 10, 1], comment: 'Excellent reach' })
  await submitScoresRaw(db, panel, { applicationId, assessorId: panel.assessors[1]!.id, scores: [1, 1, 6, 0], comment: 'No safeguarding policy attached' })
  await assignRaw(db, applicationId, panel.assessors[2]!.id, 'conflict')
  await db.updateTable('assessments').set({ conflict_type: 'member_or_trustee', conflict_note: 'Sits on the board' }).where('assessor_user_id', '=', panel.assessors[2]!.id).execute()
  return { panel, ids: { roundId: panel.roundId, applicationId } }
}

describe('/panel/<roundId>/bids/<applicationId>', () => {
  test('the chair sees each assessor’s scores and comments, the summary, the disagreement and the conflicts', async () => {
    const { panel, ids } = await scoredBid()
    const response = await call(loader, ids, panel.chair.id)
    expect(response.status).toBe(200)
    const { view, canModerate } = await response.json()
    expect(canModerate).toBe(true)
    expect(view.bid).toMatchObject({ reference: panel.bids[0]!.reference, organisationName: panel.bids[0]!.organisationName })
    expect(view.assessors.map((a: { name: string; weightedMilli: number }) => [a.name, a.weightedMilli])).toEqual([
      ['Assessor 1', 100_000],
      ['Assessor 2', 10_000],
    ])
    expect(view).toMatchObject({ meanMilli: 55_000, spreadMilli: 90_000, disagreement: true, gatewayFailed: true, failedGatewayNames: ['Safeguarding policy in place'] })
    expect(view.conflicts).toEqual([{ assessorId: panel.assessors[2]!.id, name: 'Assessor 3', conflictType: 'member_or_trustee', note: 'Sits on the board', recordedByName: null }])
    expect(view.criteria[0]).toMatchObject({ name: 'Need', moderatedScore: 3, moderation: null, raw: [{ assessorName: 'Assessor 1', score: 5, comment: 'Excellent reach' }, { assessorName: 'Assessor 2', score: 1, comment: 'No safeguarding policy attached' }] })
  })

  test('the chair moderates a criterion with a rationale; raw scores stay and the page shows both', async () => {
    const { panel, ids } = await scoredBid()
    const need = panel.criteria[0]!
    const response = await call(action, ids, panel.chair.id, { intent: 'moderate', criterionId: String(need.id), score: '4', rationale: 'Agreed at the panel' })
    expect(response.status).toBe(302)
    const { view } = await (await call(loader, ids, panel.chair.id)).json()
    expect(view.criteria[0]).toMatchObject({ moderatedScore: 4, moderation: { score: 4, rationale: 'Agreed at the panel', moderatedByName: 'Chair Person' } })
    expect(view.criteria[0].raw.map((r: { score: number }) => r.score)).toEqual([5, 1])
    expect((await call(action, ids, panel.chair.id, { intent: 'clear', criterionId: String(need.id) })).status).toBe(302)
    expect(await db.selectFrom('moderations').select('id').where('application_id', '=', ids.applicationId).execute()).toEqual([])
  })

  test('a score outside the scale or a missing rationale is a 400 next to the field', async () => {
    const { panel, ids } = await scoredBid()
    const need = panel.criteria[0]!
    const outside = await call(action, ids, panel.chair.id, { intent: 'moderate', criterionId: String(need.id), score: '9', rationale: 'Because' })
    expect(outside.status).toBe(400)
    expect((await outside.clone().json()).criterionId).toBe(need.id)
    expect((await replyErrors(outside)).fields).toEqual({ score: ['Choose a score from 1 to 5 for Need'] })
    const blank = await call(action, ids, panel.chair.id, { intent: 'moderate', criterionId: String(need.id), score: '3', rationale: ' ' })
    expect(blank.status).toBe(400)
    expect((await replyErrors(blank)).fields).toEqual({ rationale: ['Explain why you are moderating this score'] })
    expect(await db.selectFrom('moderations').select('id').where('application_id', '=', ids.applicationId).execute()).toEqual([])
  })

  test('a fund manager may read but not moderate; an assessor may do neither', async () => {
    const { panel, ids } = await scoredBid()
    const manager = await createUserWithRole(db, 'fund_manager')
    const read = await call(loader, ids, manager.id)
    expect(read.status).toBe(200)
    expect((await read.json()).canModerate).toBe(false)
    expect((await call(action, ids, manager.id, { intent: 'moderate', criterionId: String(panel.criteria[0]!.id), score: '4', rationale: 'x' })).status).toBe(403)
    expect((await call(loader, ids, panel.assessors[0]!.id)).status).toBe(403)
  })

  test('a chair who declared a conflict on the bid, or chairs another round, gets 403', async () => {
    const { panel, ids } = await scoredBid()
    await assignRaw(db, ids.applicationId, panel.chair.id, 'conflict')
    expect((await call(loader, ids, panel.chair.id)).status).toBe(403)
    expect((await call(action, ids, panel.chair.id, { intent: 'moderate', criterionId: String(panel.criteria[0]!.id), score: '4', rationale: 'x' })).status).toBe(403)
    const otherChair = await createUserWithRole(db, 'panel_chair')
    expect((await call(loader, ids, otherChair.id)).status).toBe(403)
  })

  test('a bid of another round is 404', async () => {
    const { panel, ids } = await scoredBid()
    const other = await createPanelRound(db, { bids: 1, assessors: 0 })
    expect((await call(loader, { roundId: ids.roundId, applicationId: other.bids[0]!.applicationId }, panel.manager.id)).status).toBe(404)
  })
})
