/**
 * The returns list page's data: the query string read leniently, and each row as the page shows it, its status only
 * in the views whose returns do not all share one.
 */
import { sql, type Transaction } from 'kysely'
import { describe, expect, test } from 'vitest'
import type { DB } from '../../../db/schema.ts'
import { countedTables, statementRecorder } from '../../../tests/factories/change-counts.ts'
import { createReturnScenario, shortReturnData } from '../../../tests/factories/returns.ts'
import { db } from '~/lib/db.server.ts'
import { dataVersion } from '~/lib/kept-until-changed.server.ts'
import { ukToday } from '../places/places.server.ts'
import { RETURN_LIST_VIEWS } from './return-schedule.ts'
import { saveReturnDraft, submitReturn } from './returns.server.ts'
import { parseReturnListQuery, returnListPage } from './review-list.server.ts'
import { acceptReturn, requestReturnChanges } from './review.server.ts'

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

describe('returnListPage kept until the returns count moves', () => {
  const count = () => dataVersion(db, 'returns')
  const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => db.transaction().execute(fn)

  test('every view reads only tables whose changes move the returns count', async () => {
    const s = await createReturnScenario(db)
    const recorder = await statementRecorder(db)
    for (const view of RETURN_LIST_VIEWS) await returnListPage(recorder.db, { view, round: s.roundId }, ukToday())
    await returnListPage(recorder.db, { view: 'due', fund: s.fundId }, ukToday())
    await returnListPage(recorder.db, { view: 'all' }, ukToday())
    const counted = await countedTables(db, 'returns')
    expect(recorder.tables.has('returns')).toBe(true)
    expect([...recorder.tables].filter((t) => t !== 'data_versions' && !counted.has(t))).toEqual([])
  })

  test('a return started, sent, or its due date moved moves the count; its answers saved again do not', async () => {
    const s = await createReturnScenario(db)
    const award = await s.awardWithReturns({ startDate: '2020-01-01' })
    const returnId = award.returnIds[0]!
    let before = await count()
    await tx((trx) => saveReturnDraft(trx, award.adminUserId, { returnId, data: shortReturnData() }))
    // expected -> draft is a change the list shows.
    expect(await count()).toBeGreaterThan(before)
    before = await count()
    await tx((trx) => saveReturnDraft(trx, award.adminUserId, { returnId, data: shortReturnData() }))
    expect(await count()).toBe(before)
    await tx((trx) => submitReturn(trx, award.adminUserId, { returnId, data: shortReturnData() }))
    expect(await count()).toBeGreaterThan(before)
    before = await count()
    await db.updateTable('returns').set({ due_date: '2020-02-02' }).where('id', '=', returnId).execute()
    expect(await count()).toBeGreaterThan(before)
  })

  test('each view is kept while nothing it reads changes, and every change is in the next view', async () => {
    const s = await createReturnScenario(db)
    const award = await s.awardWithReturns({ startDate: '2020-01-01' })
    const [first, second] = award.returnIds as [number, number]
    const today = ukToday()
    const query = { view: 'awaiting_review' as const, round: s.roundId }
    const same = async (what: string) => {
      const kept = await returnListPage(db, query, today)
      expect(kept, what).toEqual(await tx((trx) => returnListPage(trx, query, today)))
      return kept
    }
    const empty = await same('to begin with')
    expect(empty.returns).toEqual([])
    expect(await returnListPage(db, query, today)).toBe(empty)

    await tx((trx) => submitReturn(trx, award.adminUserId, { returnId: first, data: shortReturnData() }))
    expect((await same('after a return is sent')).returns.map((r) => r.id)).toEqual([first])
    await tx((trx) => submitReturn(trx, award.adminUserId, { returnId: second, data: shortReturnData() }))
    expect((await same('after another is sent')).counts.awaiting_review).toBe(2)
    await tx((trx) => requestReturnChanges(trx, s.managerUserId, { returnId: first, comments: 'Please add the attendance figures' }))
    expect((await same('after one is sent back')).returns.map((r) => r.id)).toEqual([second])
    await sql`update organisations set name = 'Renamed group' where id = (select organisation_id from awards where id = ${award.awardId})`.execute(db)
    expect((await same('after the group is renamed')).returns[0]!.organisationName).toBe('Renamed group')
    await sql`update rounds set title = 'Renamed round' where id = ${s.roundId}`.execute(db)
    expect((await same('after the round is renamed')).returns[0]!.roundTitle).toBe('Renamed round')
    await sql`update funds set name = 'Renamed fund' where id = ${s.fundId}`.execute(db)
    expect((await same('after the fund is renamed')).funds.map((f) => f.name)).toContain('Renamed fund')
    await tx((trx) => acceptReturn(trx, s.managerUserId, { returnId: second }))
    expect((await same('after the other is accepted')).returns).toEqual([])
  })

  test('nothing is kept or used in a transaction, whose writes may roll back', async () => {
    const s = await createReturnScenario(db)
    const award = await s.awardWithReturns({ startDate: '2020-01-01' })
    const query = { view: 'awaiting_review' as const, round: s.roundId }
    const before = await returnListPage(db, query, ukToday())
    await tx(async (trx) => {
      await submitReturn(trx, award.adminUserId, { returnId: award.returnIds[0]!, data: shortReturnData() })
      expect((await returnListPage(trx, query, ukToday())).returns.map((r) => r.id)).toEqual([award.returnIds[0]])
      throw new Error('roll back')
    }).catch((e: unknown) => {
      if (!(e instanceof Error) || e.message !== 'roll back') throw e
    })
    expect(await returnListPage(db, query, ukToday())).toBe(before)
  })
})
