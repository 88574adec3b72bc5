import { describe, expect, test } from 'vitest'
import { createPanelRound } from '../../tests/factories/assessment.ts'
import { db } from '../../app/lib/db.server.ts'
import { listCriteria, publicCriteria } from '../../app/domain/assessment/criteria.server.ts'
import { seedCriteria } from './criteria.ts'

describe('seedCriteria', () => {
  test('adds the demo criteria once, through the domain (audited), with the shares applicants see', async () => {
    const panel = await createPanelRound(db, { bids: 0, assessors: 0, criteria: [] })
    await db.transaction().execute((trx) => seedCriteria(trx, { roundId: panel.roundId, managerUserId: panel.manager.id }))
    await db.transaction().execute((trx) => seedCriteria(trx, { roundId: panel.roundId, managerUserId: panel.manager.id }))
    const criteria = await listCriteria(db, panel.roundId)
    expect(publicCriteria(criteria).map((c) => [c.name, c.sharePercent])).toEqual([
      ['Local need and reach', 30],
      ['Partnership with social prescribing link workers', 25],
      ['Quality of activity plan', 25],
      ['Value for money', 20],
      ['Safeguarding policy in place', null],
    ])
    expect(criteria[4]).toMatchObject({ isGateway: true, descriptors: { 0: 'Fail', 1: 'Pass' } })
    const audited = await db.selectFrom('audit_events').select('id').where('action', '=', 'criterion.added').where('entity_id', 'in', criteria.map((c) => String(c.id))).execute()
    expect(audited).toHaveLength(5)
  })
})
