/**
 * The roll-up reads what the returns domain writes: a return sent with submitReturn counts only once a fund manager
 * accepts it with acceptReturn (helper factories: tests/factories/returns.ts).
 */
import { expect, test } from 'vitest'
import { createReturnScenario, fullReturnData } from '../../../tests/factories/returns.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { db } from '~/lib/db.server.ts'
import { acceptReturn } from '../returns/review.server.ts'
import { submitReturn } from '../returns/returns.server.ts'
import { impactRollUp } from './rollup.server.ts'

test('a return sent by the group counts in the roll-up only after the fund manager accepts it', async () => {
  const s = await createReturnScenario(db)
  const award = await s.awardWithReturns({ amountPence: 2_000_000 })
  const manager = await createUserWithRole(db, 'fund_manager')
  const returnId = award.returnIds[0]
  await db.transaction().execute((trx) => submitReturn(trx, award.adminUserId, { returnId, data: fullReturnData() }))

  const before = await impactRollUp(db, { fundId: s.fundId })
  expect(before).toMatchObject({ acceptedReturns: 0, peopleReached: 0, measures: [] })

  await db.transaction().execute((trx) => acceptReturn(trx, manager.id, { returnId }))
  const after = await impactRollUp(db, { fundId: s.fundId })
  expect(after).toMatchObject({ acceptedReturns: 1, awards: 1, peopleReached: 40, sessionsDelivered: 24, referralTotal: 40 })
  expect(Object.fromEntries(after.referrals.map((r) => [r.code, r.count]))).toMatchObject({ link_worker: 20, health_professional: 10, self: 10 })
  // UCLA-3 8→5, 7→6, 9→6: changes −3, −1, −3, mean −7/3; life satisfaction 4→6, 5→7, 6→6: mean +4/3.
  const ucla = after.measures.find((m) => m.measure === 'ucla3')!
  expect(ucla.n).toBe(3)
  expect(ucla.meanChange).toBeCloseTo(-7 / 3, 9)
  expect(ucla.meanBefore).toBeCloseTo(8, 9)
  const life = after.measures.find((m) => m.measure === 'ons4_life_satisfaction')!
  expect(life).toMatchObject({ n: 3, meanBefore: 5 })
  expect(life.meanChange).toBeCloseTo(4 / 3, 9)
})
