/**
 * The home page's figures for fund managers and finance officers: impact returns waiting for review and overdue, and
 * payments payable today exactly as /finance lists them (a payment waiting for its return is not counted).
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { createReturnScenario, fullReturnData, type AwardWithReturns, type ReturnScenario } from '../../../tests/factories/returns.ts'
import { db } from '~/lib/db.server.ts'
import { ukToday } from '../places/places.server.ts'
import { submitReturn } from '../returns/returns.server.ts'
import { financeOverview, fundManagerOverview } from './home.server.ts'

let s: ReturnScenario
let yearly: AwardWithReturns
beforeAll(async () => {
  s = await createReturnScenario(db)
  // Paid in two years from a year ago: year 1 is payable now, year 2 waits for the Year 1 return (due today).
  yearly = await s.awardWithReturns({ amountPence: 2_000_000, yearly: true })
})

describe('home figures', () => {
  test('finance sees the payments payable today, not one still waiting for its impact return', async () => {
    const overview = await financeOverview(db, ukToday())
    expect(overview.tranchesDue).toBe(1)
    expect(overview.tranchesDuePence).toBe(1_000_000)
  })

  test('a fund manager sees returns waiting for review and overdue ones', async () => {
    const tomorrow = new Date(Date.now() + 36 * 3600_000).toISOString().slice(0, 10)
    expect(await fundManagerOverview(db, tomorrow)).toMatchObject({ returnsAwaitingReview: 0, returnsOverdue: 1 })
    await db.transaction().execute((trx) => submitReturn(trx, yearly.adminUserId, { returnId: yearly.returnIds[0]!, data: fullReturnData() }))
    expect(await fundManagerOverview(db, tomorrow)).toMatchObject({ returnsAwaitingReview: 1, returnsOverdue: 0 })
  })
})
