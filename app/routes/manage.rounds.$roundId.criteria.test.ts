import { describe, expect, test } from 'vitest'
import { createPanelRound, submitScoresRaw } from '../../tests/factories/assessment.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { listCriteria } from '~/domain/assessment/criteria.server.ts'
import { replyErrors, respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { action as editAction, loader as editLoader } from './manage.rounds.$roundId.criteria_.$criterionId.tsx'
import { action, loader } from './manage.rounds.$roundId.criteria.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }
type Handler = (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>

async function call(handler: Handler, params: Record<string, string>, userId: number, body?: Record<string, string>) {
  const path = `/manage/rounds/${params.roundId}/criteria${params.criterionId ? `/${params.criterionId}` : ''}`
  return respond(async () => handler({ request: await signedInRequest(path, { userId, body }), params, context }))
}

const goodCriterion = { intent: 'add', name: 'Partnership with social prescribing link workers', guidance: 'Who refers people, and how.', kind: 'scored', weight: '25', scaleMin: '1', scaleMax: '4', descriptor1: 'No partners named', descriptor4: 'Link workers co-designed it', descriptor7: 'Outside the scale' }

describe('/manage/rounds/<id>/criteria', () => {
  test('lists the criteria with each weight as a share of the total, gateways as must pass', async () => {
    const panel = await createPanelRound(db, { bids: 0, assessors: 0 })
    const response = await call(loader, { roundId: String(panel.roundId) }, panel.manager.id)
    expect(response.status).toBe(200)
    const data = await response.json()
    expect(data.locked).toBe(false)
    expect(data.criteria.map((c: { name: string; sharePercent: number | null; isGateway: boolean }) => [c.name, c.sharePercent, c.isGateway])).toEqual([
      ['Need', 50, false],
      ['Quality of plan', 33, false],
      ['Value for money', 17, false],
      ['Safeguarding policy in place', null, true],
    ])
  })

  test('adding a criterion saves only the descriptors within its scale and goes back to the list', async () => {
    const panel = await createPanelRound(db, { bids: 0, assessors: 0, criteria: [] })
    const response = await call(action, { roundId: String(panel.roundId) }, panel.manager.id, goodCriterion)
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe(`/manage/rounds/${panel.roundId}/criteria`)
    const [saved] = await listCriteria(db, panel.roundId)
    expect(saved).toMatchObject({ name: goodCriterion.name, weight: 25, scaleMin: 1, scaleMax: 4, isGateway: false, descriptors: { 1: 'No partners named', 4: 'Link workers co-designed it' } })
  })

  test('bad input is a 400 with a message next to each field, and nothing is saved', async () => {
    const panel = await createPanelRound(db, { bids: 0, assessors: 0, criteria: [] })
    const response = await call(action, { roundId: String(panel.roundId) }, panel.manager.id, { intent: 'add', name: 'x'.repeat(121), kind: 'scored', weight: '0', scaleMin: '1', scaleMax: '1', descriptor2: 'x'.repeat(301) })
    expect(response.status).toBe(400)
    const { fields } = await replyErrors(response)
    expect(fields).toMatchObject({
      name: ['The name must be 120 characters or fewer'],
      weight: ['Enter a weight of 1 or more'],
      scaleMax: ['The highest score must be more than the lowest'],
      descriptor2: ['The descriptor for a score of 2 must be 300 characters or fewer'],
    })
    expect(await listCriteria(db, panel.roundId)).toEqual([])
    const blank = await call(action, { roundId: String(panel.roundId) }, panel.manager.id, { intent: 'add', name: ' ', kind: 'scored', weight: '5', scaleMin: '1', scaleMax: '5' })
    expect(blank.status).toBe(400)
    expect((await replyErrors(blank)).fields).toEqual({ name: ['Enter the name of the criterion'] })
  })

  test('a pass/fail criterion needs no weight or scale', async () => {
    const panel = await createPanelRound(db, { bids: 0, assessors: 0, criteria: [] })
    const response = await call(action, { roundId: String(panel.roundId) }, panel.manager.id, { intent: 'add', name: 'Safeguarding policy in place', kind: 'gateway' })
    expect(response.status).toBe(302)
    expect((await listCriteria(db, panel.roundId))[0]).toMatchObject({ isGateway: true, weight: 0, scaleMin: 0, scaleMax: 1, descriptors: { 0: 'Fail', 1: 'Pass' } })
  })

  test('move and delete by intent buttons', async () => {
    const panel = await createPanelRound(db, { bids: 0, assessors: 0 })
    const [need, plan] = panel.criteria
    const params = { roundId: String(panel.roundId) }
    expect((await call(action, params, panel.manager.id, { intent: 'move', criterionId: String(plan!.id), direction: 'up' })).status).toBe(302)
    expect((await listCriteria(db, panel.roundId)).map((c) => c.name).slice(0, 2)).toEqual(['Quality of plan', 'Need'])
    expect((await call(action, params, panel.manager.id, { intent: 'delete', criterionId: String(need!.id) })).status).toBe(302)
    expect((await listCriteria(db, panel.roundId)).map((c) => c.name)).toEqual(['Quality of plan', 'Value for money', 'Safeguarding policy in place'])
  })

  test('once scores are submitted, every change is refused with 409 and a clear message', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    await submitScoresRaw(db, panel, { applicationId: panel.bids[0]!.applicationId, assessorId: panel.assessors[0]!.id, scores: [3, 3, 5, 1] })
    const params = { roundId: String(panel.roundId) }
    expect((await (await call(loader, params, panel.manager.id)).json()).locked).toBe(true)
    const bodies: Record<string, string>[] = [goodCriterion, { intent: 'delete', criterionId: String(panel.criteria[0]!.id) }, { intent: 'move', criterionId: String(panel.criteria[0]!.id), direction: 'down' }]
    for (const body of bodies) {
      const response = await call(action, params, panel.manager.id, body)
      expect(response.status).toBe(409)
      expect((await replyErrors(response)).form[0]).toMatch(/already submitted scores in this round, so its criteria cannot change/)
    }
    const edit = await call(editAction, { ...params, criterionId: String(panel.criteria[0]!.id) }, panel.manager.id, { ...goodCriterion, intent: '' })
    expect(edit.status).toBe(409)
    expect((await listCriteria(db, panel.roundId)).map((c) => c.name)).toEqual(panel.criteria.map((c) => c.name))
  })

  test('only people who manage rounds may see or change criteria (403)', async () => {
    const panel = await createPanelRound(db, { bids: 0, assessors: 1 })
    const params = { roundId: String(panel.roundId) }
    for (const user of [panel.assessors[0]!, panel.chair, await createUserWithRole(db, 'finance_officer')]) {
      expect((await call(loader, params, user.id)).status).toBe(403)
      expect((await call(action, params, user.id, goodCriterion)).status).toBe(403)
    }
    expect(await listCriteria(db, panel.roundId)).toHaveLength(4)
  })
})

describe('/manage/rounds/<id>/criteria/<criterionId>', () => {
  test('the form is filled in with the criterion, and saving changes it', async () => {
    const panel = await createPanelRound(db, { bids: 0, assessors: 0 })
    const need = panel.criteria[0]!
    const params = { roundId: String(panel.roundId), criterionId: String(need.id) }
    const data = await (await call(editLoader, params, panel.manager.id)).json()
    expect(data.values).toMatchObject({ name: 'Need', kind: 'scored', weight: '3', scaleMin: '1', scaleMax: '5', descriptor1: 'No evidence', descriptor5: 'Strong local evidence', descriptor0: '' })
    const response = await call(editAction, params, panel.manager.id, { name: 'Local need and reach', kind: 'scored', weight: '30', scaleMin: '0', scaleMax: '10', descriptor10: 'Exceptional' })
    expect(response.status).toBe(302)
    expect((await listCriteria(db, panel.roundId))[0]).toMatchObject({ name: 'Local need and reach', weight: 30, scaleMin: 0, scaleMax: 10, descriptors: { 10: 'Exceptional' } })
  })

  test('a criterion of another round is 404', async () => {
    const a = await createPanelRound(db, { bids: 0, assessors: 0 })
    const b = await createPanelRound(db, { bids: 0, assessors: 0 })
    const params = { roundId: String(a.roundId), criterionId: String(b.criteria[0]!.id) }
    expect((await call(editLoader, params, a.manager.id)).status).toBe(404)
    expect((await call(editAction, params, a.manager.id, { name: 'Hijack', kind: 'gateway' })).status).toBe(404)
  })
})
