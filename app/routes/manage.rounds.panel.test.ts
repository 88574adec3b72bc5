import { describe, expect, test } from 'vitest'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { assignRaw, createPanelRound, submitScoresRaw } from '../../tests/factories/assessment.ts'
import { addMember } from '../../tests/factories/organisations.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { action as assignmentsAction, loader as assignmentsLoader } from './manage.rounds.$roundId.assignments.tsx'
import { action as panelAction, loader as panelLoader } from './manage.rounds.$roundId.panel.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }
type Route = (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>

async function call(fn: Route, path: string, roundId: number, userId: number, body?: Record<string, string> | URLSearchParams) {
  const request = await signedInRequest(`/manage/rounds/${roundId}/${path}`, { userId, body })
  return respond(() => fn({ request, params: { roundId: String(roundId) }, context }))
}

describe('/manage/rounds/<id>/panel', () => {
  test('a fund manager sees the panel with workloads; an assessor may not', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 2 })
    await assignRaw(db, panel.bids[0]!.applicationId, panel.assessors[0]!.id)
    const response = await call(panelLoader, 'panel', panel.roundId, panel.manager.id)
    expect(response.status).toBe(200)
    const data = await response.json()
    expect(data.members.map((m: { name: string; workload: { total: number } }) => [m.name, m.workload.total])).toEqual([
      ['Chair Person', 0],
      ['Assessor 1', 1],
      ['Assessor 2', 0],
    ])
    expect((await call(panelLoader, 'panel', panel.roundId, panel.assessors[0]!.id)).status).toBe(403)
    expect((await call(panelAction, 'panel', panel.roundId, panel.assessors[0]!.id, { intent: 'remove', userId: String(panel.assessors[1]!.id) })).status).toBe(403)
  })

  test('adds an assessor, refuses someone without the role next to the person field, and sets places', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 0 })
    const newcomer = await createUserWithRole(db, 'assessor')
    const manager = await createUserWithRole(db, 'fund_manager')
    const added = await call(panelAction, 'panel', panel.roundId, panel.manager.id, { intent: 'add', userId: String(newcomer.id), role: 'assessor' })
    expect(added.status).toBe(302)
    const refused = await call(panelAction, 'panel', panel.roundId, panel.manager.id, { intent: 'add', userId: String(manager.id), role: 'assessor' })
    expect(refused.status).toBe(400)
    expect((await refused.json()).result.error.userId[0]).toContain('does not have the assessor or panel chair role')
    const place = await db.selectFrom('places').select('id').orderBy('id').executeTakeFirstOrThrow()
    const body = new URLSearchParams({ intent: 'places', userId: String(newcomer.id) })
    body.append('placeIds', String(place.id))
    expect((await call(panelAction, 'panel', panel.roundId, panel.manager.id, body)).status).toBe(302)
    expect(await db.selectFrom('assessor_places').select('place_id').where('user_id', '=', newcomer.id).execute()).toEqual([{ place_id: place.id }])
  })

  test('taking off someone who has submitted scores is refused with 409', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    await submitScoresRaw(db, panel, { applicationId: panel.bids[0]!.applicationId, assessorId: panel.assessors[0]!.id, scores: [3, 3, 5, 1] })
    const response = await call(panelAction, 'panel', panel.roundId, panel.manager.id, { intent: 'remove', userId: String(panel.assessors[0]!.id) })
    expect(response.status).toBe(409)
    expect((await response.json()).result.error['']).toEqual(['Assessor 1 has submitted scores in this round, so cannot be taken off the panel'])
  })
})

describe('/manage/rounds/<id>/assignments', () => {
  test('automatic assignment tops bids up, never to the bid’s own organisation, and the table shows it', async () => {
    const panel = await createPanelRound(db, { bids: 2, assessors: 2, settings: { assessors_per_bid: 2 } })
    const insider = panel.assessors[0]!
    await addMember(db, panel.bids[0]!.organisationId, insider.id)
    const response = await call(assignmentsAction, 'assignments', panel.roundId, panel.manager.id, { intent: 'auto', preferPlace: 'on' })
    expect(response.status).toBe(302)
    const data = await (await call(assignmentsLoader, 'assignments', panel.roundId, panel.manager.id)).json()
    const first = data.rows.find((r: { applicationId: number }) => r.applicationId === panel.bids[0]!.applicationId)
    expect(first.assessments.map((a: { assessorUserId: number }) => a.assessorUserId)).not.toContain(insider.id)
    expect(first.assessments).toHaveLength(2)
    expect(first.assessments[0].statusLabel).toBe('Not started (conflict check due)')
    expect(data.rows.every((r: { needed: number }) => r.needed === 0)).toBe(true)
  })

  test('assigning by hand to someone off the panel is 400 next to the assessor; unassigning another round’s assignment is 404', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const other = await createPanelRound(db, { bids: 1, assessors: 1 })
    const bid = panel.bids[0]!.applicationId
    const refused = await call(assignmentsAction, 'assignments', panel.roundId, panel.manager.id, { intent: 'assign', applicationId: String(bid), assessorUserId: String(other.assessors[0]!.id) })
    expect(refused.status).toBe(400)
    expect((await refused.json()).result.error).toEqual({ assessorUserId: ['Choose an assessor on this round’s panel'] })
    const elsewhere = await assignRaw(db, other.bids[0]!.applicationId, other.assessors[0]!.id)
    expect((await call(assignmentsAction, 'assignments', panel.roundId, panel.manager.id, { intent: 'take-back', assessmentId: String(elsewhere) })).status).toBe(404)
    expect((await call(assignmentsAction, 'assignments', panel.roundId, panel.manager.id, { intent: 'assign', applicationId: String(bid), assessorUserId: String(panel.assessors[0]!.id) })).status).toBe(302)
  })

  test('a fund manager records a conflict for an assessor, who then gets 403 on the bid', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const assessor = panel.assessors[0]!
    const id = await assignRaw(db, panel.bids[0]!.applicationId, assessor.id, 'draft')
    const missingNote = await call(assignmentsAction, 'assignments', panel.roundId, panel.manager.id, { intent: 'conflict', applicationId: String(panel.bids[0]!.applicationId), assessorUserId: String(assessor.id), type: 'other' })
    expect(missingNote.status).toBe(400)
    expect((await missingNote.json()).result.error).toEqual({ note: ['Describe the conflict of interest'] })
    const recorded = await call(assignmentsAction, 'assignments', panel.roundId, panel.manager.id, {
      intent: 'conflict',
      applicationId: String(panel.bids[0]!.applicationId),
      assessorUserId: String(assessor.id),
      type: 'financial',
      note: 'Paid to run their sessions last year',
    })
    expect(recorded.status).toBe(302)
    const row = await db.selectFrom('assessments').select(['status', 'conflict_recorded_by']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'conflict', conflict_recorded_by: panel.manager.id })
    const data = await (await call(assignmentsLoader, 'assignments', panel.roundId, panel.manager.id)).json()
    expect(data.conflicts).toEqual([expect.objectContaining({ assessorName: 'Assessor 1', typeLabel: 'Financial', recordedByName: 'Fund Manager' })])
    const { loader: assessLoader } = await import('./assess.$assessmentId.tsx')
    const page = await respond(async () => assessLoader({ request: await signedInRequest(`/assess/${id}`, { userId: assessor.id }), params: { assessmentId: String(id) }, context }))
    expect(page.status).toBe(403)
  })
})
