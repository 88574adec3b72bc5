import { describe, expect, test } from 'vitest'
import { db } from '~/lib/db.server.ts'
import { findPlaceByOdsCode, placeHistory, placesValidOn, ukToday } from './places.server.ts'

describe('places', () => {
  test('42 integrated care boards are in force before 1 April 2026 and 36 from then', async () => {
    expect(await placesValidOn(db, '2026-03-31')).toHaveLength(42)
    expect(await placesValidOn(db, '2026-04-01')).toHaveLength(36)
  })

  test('an unchanged ICB is the same place in both lists', async () => {
    const before = await findPlaceByOdsCode(db, 'QWE', '2025-01-01')
    const after = await findPlaceByOdsCode(db, 'QWE', '2026-11-21')
    expect(before?.name).toBe('NHS South West London Integrated Care Board')
    expect(after?.id).toBe(before?.id)
  })

  test('a closed ICB is not found after it closed, and its successors are recorded with whole or part transfers', async () => {
    expect(await findPlaceByOdsCode(db, 'QM7', '2026-04-01')).toBeUndefined()
    const herts = await findPlaceByOdsCode(db, 'QM7', '2025-06-01')
    const history = await placeHistory(db, herts!.id)
    expect(history.successors.map((s) => [s.odsCode, s.transfer]).sort()).toEqual([
      ['D7T5G', 'part'],
      ['S1Y5D', 'part'],
    ])
  })

  test('Hampshire and Isle of Wight continues under a new GSS code with a whole link and part of Frimley', async () => {
    const now = await findPlaceByOdsCode(db, 'QRL', '2026-11-21')
    expect(now?.gssCode).toBe('E54000067')
    const history = await placeHistory(db, now!.id)
    expect(history.predecessors.map((p) => `${p.odsCode}:${p.transfer}`).sort()).toEqual(['QNQ:part', 'QRL:whole'])
  })

  test('the UK calendar day is used, not the UTC one', () => {
    // 23:30 UTC on 30 June is already 1 July in British Summer Time.
    expect(ukToday(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01')
    expect(ukToday(new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31')
  })
})
