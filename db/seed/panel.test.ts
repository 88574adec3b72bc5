import { expect, test } from 'vitest'
import { db } from '../../app/lib/db.server.ts'
import { listConflicts } from '../../app/domain/assessment/conflicts.server.ts'
import { createPanelRound } from '../../tests/factories/assessment.ts'
import { seedPanel } from './panel.ts'

test('puts the panel to work: assignments, one declared conflict given to someone else, varied submitted scores', async () => {
  const panel = await createPanelRound(db, { bids: 4, assessors: 3, settings: { assessors_per_bid: 2 } })
  const [a1, a2, a3] = panel.assessors
  const result = await db.transaction().execute((trx) =>
    seedPanel(trx, { roundId: panel.roundId, managerUserId: panel.manager.id, assessorUserIds: [a1!.id, a2!.id], chairUserId: panel.chair.id, conflictedAssessorUserId: a3!.id, leaveUnscored: 1 }),
  )
  expect(result.conflicts).toHaveLength(1)
  expect(result.assigned).toBe(8)
  expect(result.submitted).toBe(7)
  const conflicts = await listConflicts(db, panel.roundId)
  expect(conflicts.map((c) => [c.assessorUserId, c.typeLabel])).toEqual([[a3!.id, 'Personal relationship']])
  const rows = await db
    .selectFrom('assessments')
    .innerJoin('applications', 'applications.id', 'assessments.application_id')
    .select(['assessments.application_id', 'assessments.status', 'assessments.weighted_score_milli'])
    .where('applications.round_id', '=', panel.roundId)
    .execute()
  // Every bid still has two assessors who did not declare a conflict.
  for (const bid of panel.bids) expect(rows.filter((r) => r.application_id === bid.applicationId && r.status !== 'conflict')).toHaveLength(2)
  const scores = rows.filter((r) => r.status === 'submitted').map((r) => r.weighted_score_milli)
  expect(new Set(scores).size).toBeGreaterThan(3)
  expect(rows.filter((r) => r.status === 'assigned')).toHaveLength(1)
  const comments = await db.selectFrom('criterion_scores').select('comment').execute()
  expect(comments.every((c) => c.comment.length > 20)).toBe(true)
})
