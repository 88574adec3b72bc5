import { expect, test } from 'vitest'
import { db } from '~/lib/db.server.ts'
import { createPanelRound, submitScoresRaw } from '../factories/assessment.ts'

test('a panel round has criteria, submitted bids and a panel', async () => {
  const panel = await createPanelRound(db, { bids: 2, assessors: 2 })
  expect(panel.criteria).toHaveLength(4)
  const id = await submitScoresRaw(db, panel, { applicationId: panel.bids[0]!.applicationId, assessorId: panel.assessors[0]!.id, scores: [5, 5, 10, 1] })
  const row = await db.selectFrom('assessments').select(['weighted_score_milli', 'status']).where('id', '=', id).executeTakeFirstOrThrow()
  expect(row).toEqual({ weighted_score_milli: 100_000, status: 'submitted' })
  const statuses = await db.selectFrom('applications').select('status').where('round_id', '=', panel.roundId).execute()
  expect(statuses.map((s) => s.status)).toEqual(['submitted', 'submitted'])
})
