import { describe, expect, test } from 'vitest'
import { listAwardCommitments } from '../../app/domain/budgets/commitments.server.ts'
import { verifyLedger } from '../../app/domain/budgets/ledger.server.ts'
import { db } from '../../app/lib/db.server.ts'
import { createAwardScenario } from '../../tests/factories/award-decisions.ts'
import { seedAwardCommitments } from './awards.ts'

describe('awards demo seed', () => {
  test("awards recommended bids at the panel's amount and commits them to the pot, and running it again changes nothing", async () => {
    const s = await createAwardScenario(db)
    const first = await s.bid({ decisionAmountPence: 1_200_000 })
    const second = await s.bid({ amountRequestedPence: 600_000 })
    const ctx = { managerUserId: s.managerUserId, potId: s.potId, applicationIds: [first.applicationId, second.applicationId], date: '2026-11-21' }
    const seeded = await db.transaction().execute((trx) => seedAwardCommitments(trx, ctx))
    expect(seeded.map((a) => [a.reference, a.amountPence])).toEqual([
      [`${first.reference}-AWD`, 1_200_000],
      [`${second.reference}-AWD`, 600_000],
    ])
    // Health and wellbeing by default, so the ring-fenced NHS money takes its proportional part.
    expect((await listAwardCommitments(db, seeded[0].awardId)).map((c) => [c.contributionId, c.amountPence])).toEqual([
      [s.contributions.nhs, 600_000],
      [s.contributions.lottery, 400_000],
      [s.contributions.council, 200_000],
    ])
    const again = await db.transaction().execute((trx) => seedAwardCommitments(trx, ctx))
    expect(again).toEqual(seeded)
    expect(await db.selectFrom('awards').select('id').where('round_id', '=', s.roundId).execute()).toHaveLength(2)
    expect((await verifyLedger(db)).ok).toBe(true)
  })

  test('refuses a bid the panel did not recommend', async () => {
    const s = await createAwardScenario(db)
    const reserve = await s.bid({ status: 'reserve' })
    await expect(
      db.transaction().execute((trx) => seedAwardCommitments(trx, { managerUserId: s.managerUserId, potId: s.potId, applicationIds: [reserve.applicationId] })),
    ).rejects.toThrow(`Awards seed: ${reserve.reference} has no recommended panel decision`)
  })
})
