/**
 * The returns list page's data: the query string read leniently, and each row as the page shows it, its status only
 * in the views whose returns do not all share one.
 */
import { describe, expect, test } from 'vitest'
import { createReturnScenario, shortReturnData } from '../../../tests/factories/returns.ts'
import { db } from '~/lib/db.server.ts'
import { ukToday } from '../places/places.server.ts'
import { submitReturn } from './returns.server.ts'
import { parseReturnListQuery, returnListPage } from './review-list.server.ts'

describe('parseReturnListQuery', () => {
  test('no query is the first page waiting for review; a view or id that is not one is as if not given', () => {
    expect(parseReturnListQuery(new URLSearchParams(''))).toEqual({ view: 'awaiting_review' })
    expect(parseReturnListQuery(new URLSearchParams('view=overdue&fund=3&round=4&after=5'))).toEqual({ view: 'overdue', fund: 3, round: 4, after: 5 })
    expect(parseReturnListQuery(new URLSearchParams('view=nope&fund=x&round=0&before=99999999999'))).toEqual({ view: 'awaiting_review' })
  })
})

describe('returnListPage', () => {
  test('rows carry their status only where the table shows one, with its overdue mark', async () => {
    const s = await createReturnScenario(db)
    const award = await s.awardWithReturns({ startDate: '2020-01-01' })
    await db.transaction().execute((trx) => submitReturn(trx, award.adminUserId, { returnId: award.returnIds[0], data: shortReturnData() }))
    const today = ukToday()
    const waiting = await returnListPage(db, { view: 'awaiting_review', round: s.roundId }, today)
    expect(waiting.showStatus).toBe(false)
    expect(waiting).toMatchObject({ fundId: s.fundId, roundId: s.roundId, counts: { awaiting_review: 1 } })
    expect(waiting.returns.map((r) => r.id)).toEqual([award.returnIds[0]])
    expect(waiting.returns[0]).not.toHaveProperty('statusLabel')
    expect(waiting.returns[0]!.dueText).toMatch(/^[A-Z][a-z]+day \d{1,2} [A-Z][a-z]+ \d{4}$/)
    const overdue = await returnListPage(db, { view: 'overdue', round: s.roundId }, today)
    expect(overdue.showStatus).toBe(true)
    expect(overdue.returns.map((r) => [r.id, 'statusLabel' in r && r.statusLabel, 'overdue' in r && r.overdue])).toEqual([[award.returnIds[1], 'Not started', true]])
  })
})
