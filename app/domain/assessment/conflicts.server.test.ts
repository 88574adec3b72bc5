import type { Transaction } from 'kysely'
import { expect, test } from 'vitest'
import type { DB } from '../../../db/schema.ts'
import { db } from '~/lib/db.server.ts'
import { assignRaw, createPanelRound, submitScoresRaw } from '../../../tests/factories/assessment.ts'
import { confirmNoConflict, declareConflict, listConflicts, recordConflictOnBehalf } from './conflicts.server.ts'
import { saveDraftScores } from './scores.server.ts'

const inTrx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => db.transaction().execute(fn)

const statusOf = async (id: number) => db.selectFrom('assessments').select(['status', 'conflict_type', 'conflict_note', 'conflict_recorded_by', 'conflict_confirmed_at']).where('id', '=', id).executeTakeFirstOrThrow()

test('confirming no conflict opens the bid for scoring, once, and only for its own assessor', async () => {
  const panel = await createPanelRound(db, { bids: 1, assessors: 2 })
  const id = await assignRaw(db, panel.bids[0]!.applicationId, panel.assessors[0]!.id)
  await expect(inTrx((trx) => confirmNoConflict(trx, panel.assessors[1]!.id, id))).rejects.toMatchObject({ status: 403 })
  await inTrx((trx) => confirmNoConflict(trx, panel.assessors[0]!.id, id))
  const row = await statusOf(id)
  expect(row.status).toBe('draft')
  expect(row.conflict_confirmed_at).not.toBeNull()
  await inTrx((trx) => confirmNoConflict(trx, panel.assessors[0]!.id, id))
  expect(await db.selectFrom('audit_events').select('id').where('action', '=', 'assessment.no_conflict_confirmed').where('entity_id', '=', String(id)).execute()).toHaveLength(1)
})

test('a declared conflict needs a type, and a note when the type is other; it deletes the draft scores', async () => {
  const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
  const [a] = panel.assessors
  const id = await assignRaw(db, panel.bids[0]!.applicationId, a!.id, 'draft')
  await inTrx((trx) => saveDraftScores(trx, a!.id, { assessmentId: id, scores: [{ criterionId: panel.criteria[0]!.id, score: 4, comment: 'Good' }] }))
  await expect(inTrx((trx) => declareConflict(trx, a!.id, { assessmentId: id, type: 'gossip', note: '', onBehalf: false }))).rejects.toMatchObject({ status: 400, field: 'type' })
  await expect(inTrx((trx) => declareConflict(trx, a!.id, { assessmentId: id, type: 'other', note: '  ', onBehalf: false }))).rejects.toMatchObject({ status: 400, field: 'note', message: 'Describe the conflict of interest' })
  await inTrx((trx) => declareConflict(trx, a!.id, { assessmentId: id, type: 'other', note: 'My sister runs the choir', onBehalf: false }))
  expect(await statusOf(id)).toMatchObject({ status: 'conflict', conflict_type: 'other', conflict_note: 'My sister runs the choir', conflict_recorded_by: null })
  expect(await db.selectFrom('criterion_scores').select('id').where('assessment_id', '=', id).execute()).toEqual([])
  await expect(inTrx((trx) => declareConflict(trx, a!.id, { assessmentId: id, type: 'financial', note: '', onBehalf: false }))).rejects.toMatchObject({ status: 409 })
})

test('a submitted assessment later declared a conflict keeps its rows but no longer counts as submitted', async () => {
  const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
  const id = await submitScoresRaw(db, panel, { applicationId: panel.bids[0]!.applicationId, assessorId: panel.assessors[0]!.id, scores: [5, 5, 10, 1] })
  await inTrx((trx) => declareConflict(trx, panel.manager.id, { assessmentId: id, type: 'financial', note: 'Paid consultant to the group', onBehalf: true }))
  expect(await statusOf(id)).toMatchObject({ status: 'conflict', conflict_recorded_by: panel.manager.id })
  const counted = await db.selectFrom('assessments').select('id').where('application_id', '=', panel.bids[0]!.applicationId).where('status', '=', 'submitted').execute()
  expect(counted).toEqual([])
  expect(await db.selectFrom('criterion_scores').select('id').where('assessment_id', '=', id).execute()).toHaveLength(4)
})

test('a fund manager records a conflict for a bid the assessor was not given, and the minutes list it', async () => {
  const panel = await createPanelRound(db, { bids: 2, assessors: 1 })
  const [a] = panel.assessors
  const bid = panel.bids[1]!
  await expect(inTrx((trx) => recordConflictOnBehalf(trx, panel.manager.id, { applicationId: bid.applicationId, assessorUserId: panel.manager.id, type: 'financial', note: '' }))).rejects.toMatchObject({
    status: 400,
    field: 'assessorUserId',
  })
  const { assessmentId } = await inTrx((trx) => recordConflictOnBehalf(trx, panel.manager.id, { applicationId: bid.applicationId, assessorUserId: a!.id, type: 'member_or_trustee', note: 'Trustee since 2022' }))
  expect(await listConflicts(db, panel.roundId)).toEqual([
    expect.objectContaining({
      applicationId: bid.applicationId,
      reference: bid.reference,
      assessorName: 'Assessor 1',
      typeLabel: 'Member or trustee of the organisation',
      note: 'Trustee since 2022',
      recordedByName: 'Fund Manager',
    }),
  ])
  const audit = await db.selectFrom('audit_events').select(['actor_user_id']).where('action', '=', 'assessment.conflict_declared').where('entity_id', '=', String(assessmentId)).execute()
  expect(audit).toEqual([{ actor_user_id: panel.manager.id }])
})
