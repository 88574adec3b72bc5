import type { Transaction } from 'kysely'
import { expect, test } from 'vitest'
import type { DB } from '../../../db/schema.ts'
import { db } from '~/lib/db.server.ts'
import { assignRaw, createPanelRound, submitScoresRaw } from '../../../tests/factories/assessment.ts'
import { createUser } from '../../../tests/factories/organisations.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { addAssessorToRound, listPanelCandidates, listRoundAssessors, removeAssessorFromRound, setAssessorPlaces } from './panel-members.server.ts'

const inTrx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => db.transaction().execute(fn)

test('only people with the assessor or panel chair role join a panel, and only panel chairs chair it', async () => {
  const panel = await createPanelRound(db, { bids: 1, assessors: 0 })
  const newcomer = await createUserWithRole(db, 'assessor', { name: 'Nia Newcomer' })
  const stranger = await createUser(db, { name: 'Sam Stranger' })
  expect((await listPanelCandidates(db, panel.roundId)).map((c) => c.userId)).toContain(newcomer.id)
  await expect(inTrx((trx) => addAssessorToRound(trx, panel.manager, { roundId: panel.roundId, userId: stranger.id, isChair: false }))).rejects.toMatchObject({ status: 400, field: 'userId' })
  await expect(inTrx((trx) => addAssessorToRound(trx, panel.manager, { roundId: panel.roundId, userId: newcomer.id, isChair: true }))).rejects.toMatchObject({ status: 400, field: 'role' })
  await inTrx((trx) => addAssessorToRound(trx, panel.manager, { roundId: panel.roundId, userId: newcomer.id, isChair: false }))
  await expect(inTrx((trx) => addAssessorToRound(trx, panel.manager, { roundId: panel.roundId, userId: newcomer.id, isChair: false }))).rejects.toMatchObject({ status: 409 })
  const members = await listRoundAssessors(db, panel.roundId)
  expect(members.map((m) => [m.name, m.isChair])).toEqual([
    ['Chair Person', true],
    ['Nia Newcomer', false],
  ])
  expect((await listPanelCandidates(db, panel.roundId)).map((c) => c.userId)).not.toContain(newcomer.id)
  const audit = await db.selectFrom('audit_events').select('action').where('action', '=', 'panel.member_added').where('entity_id', '=', String(panel.roundId)).execute()
  expect(audit).toHaveLength(1)
})

test('the panel list counts each member’s work in the round', async () => {
  const panel = await createPanelRound(db, { bids: 3, assessors: 1 })
  const [a] = panel.assessors
  await assignRaw(db, panel.bids[0]!.applicationId, a!.id)
  await assignRaw(db, panel.bids[1]!.applicationId, a!.id, 'conflict')
  await submitScoresRaw(db, panel, { applicationId: panel.bids[2]!.applicationId, assessorId: a!.id, scores: [3, 3, 5, 1] })
  const member = (await listRoundAssessors(db, panel.roundId)).find((m) => m.userId === a!.id)!
  expect(member.workload).toEqual({ assigned: 1, draft: 0, submitted: 1, conflict: 1, total: 2 })
})

test('someone with submitted scores cannot be taken off the panel; otherwise their unscored bids go with them', async () => {
  const panel = await createPanelRound(db, { bids: 2, assessors: 2 })
  const [scorer, other] = panel.assessors
  await submitScoresRaw(db, panel, { applicationId: panel.bids[0]!.applicationId, assessorId: scorer!.id, scores: [3, 3, 5, 1] })
  await expect(inTrx((trx) => removeAssessorFromRound(trx, panel.manager, { roundId: panel.roundId, userId: scorer!.id }))).rejects.toMatchObject({ status: 409 })
  await assignRaw(db, panel.bids[1]!.applicationId, other!.id, 'draft')
  const result = await inTrx((trx) => removeAssessorFromRound(trx, panel.manager, { roundId: panel.roundId, userId: other!.id }))
  expect(result).toEqual({ unassigned: 1 })
  expect(await db.selectFrom('assessments').select('id').where('assessor_user_id', '=', other!.id).execute()).toEqual([])
  expect((await listRoundAssessors(db, panel.roundId)).map((m) => m.userId)).not.toContain(other!.id)
})

test('an assessor’s places replace what was there, and must be real places', async () => {
  const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
  const [a] = panel.assessors
  const places = await db.selectFrom('places').select('id').orderBy('id').limit(3).execute()
  await inTrx((trx) => setAssessorPlaces(trx, panel.manager, { userId: a!.id, placeIds: [places[0]!.id, places[1]!.id] }))
  await inTrx((trx) => setAssessorPlaces(trx, panel.manager, { userId: a!.id, placeIds: [places[2]!.id] }))
  expect((await listRoundAssessors(db, panel.roundId)).find((m) => m.userId === a!.id)!.places.map((p) => p.id)).toEqual([places[2]!.id])
  await expect(inTrx((trx) => setAssessorPlaces(trx, panel.manager, { userId: a!.id, placeIds: [999_999] }))).rejects.toMatchObject({ status: 400, field: 'placeIds' })
})
