import type { Transaction } from 'kysely'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { DatabaseHandle } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { createAward, createFunder, createPotWithContributions, createRound } from '../../../tests/factories/awards.ts'
import { createTestDatabase } from '../../../tests/setup/test-database.ts'
import { commitAward } from './commitments.server.ts'
import { contributionBalances, getContribution } from './contributions.server.ts'
import { verifyLedger } from './ledger.server.ts'
import { createPot, getPot } from './pots.server.ts'
import { closeYear, returnTransfers, YearEndInputError } from './year-end.server.ts'

let h: DatabaseHandle
beforeEach(async () => {
  h = await createTestDatabase()
})
afterEach(async () => {
  await h.close()
})

const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => h.db.transaction().execute(fn)

describe('returning unspent money', () => {
  test('unspent money goes back in proportion to what each contributor put in, to the penny', async () => {
    const { pot, contributions, actorId } = await createPotWithContributions(h.db, {
      yearEndPolicy: 'return',
      contributions: [
        { funderName: 'NHS', pledgedPence: 200_000, receivedPence: 200_000 },
        { funderName: 'Lottery', pledgedPence: 100_000, receivedPence: 100_000 },
      ],
    })
    const { fundId, roundId } = await createRound(h.db)
    const award = await createAward(h.db, { roundId, amountPence: 150_001 })
    await tx((trx) =>
      commitAward(trx, actorId, {
        awardId: award.id,
        potId: pot.id,
        amountPence: 150_001,
        award: { placeId: null, categories: [], fundId, roundId, date: '2026-06-01' },
        split: { [contributions[0].id]: 150_001 },
        overrideReason: 'NHS funds this one',
        idempotencyKey: 'c',
      }),
    )
    // 149,999p unspent (49,999 NHS + 100,000 Lottery), returned 2:1 by what each received.
    const result = await tx((trx) => closeYear(trx, actorId, { potId: pot.id }))
    expect(result.replayed).toBe(false)
    const returned = result.statements.map((s) => [s.funderName.split(' ')[0], s.returnedPence, s.committedPence, s.receivedPence])
    expect(returned).toEqual([
      ['Lottery', 50_000, 0, 100_000],
      ['NHS', 99_999, 150_001, 200_000],
    ])
    const all = await contributionBalances(h.db, contributions.map((c) => c.id))
    expect([...all.values()].reduce((s, b) => s + b.available, 0)).toBe(0)
    expect((await getPot(h.db, pot.id)).status).toBe('closed')
    expect((await verifyLedger(h.db)).ok).toBe(true)

    const again = await tx((trx) => closeYear(trx, actorId, { potId: pot.id }))
    expect(again.replayed).toBe(true)
    expect(again.statements).toEqual(result.statements)
  })

  test('the return transfers match sources to contributors deterministically', () => {
    expect(returnTransfers([{ id: 1, availablePence: 10 }, { id: 2, availablePence: 20 }], [{ id: 1, receivedPence: 1 }, { id: 2, receivedPence: 2 }])).toEqual([
      { fromId: 1, toId: 1, amountPence: 10 },
      { fromId: 2, toId: 2, amountPence: 20 },
    ])
    expect(returnTransfers([{ id: 2, availablePence: 30 }], [{ id: 1, receivedPence: 1 }, { id: 2, receivedPence: 1 }])).toEqual([
      { fromId: 2, toId: 1, amountPence: 15 },
      { fromId: 2, toId: 2, amountPence: 15 },
    ])
  })
})

describe('carrying money forward', () => {
  test('each contribution with money left becomes a contribution in next year\'s pot with the same conditions', async () => {
    const { pot, contributions, actorId, hostFunderId } = await createPotWithContributions(h.db, {
      yearEndPolicy: 'carry_forward',
      contributions: [
        { funderName: 'NHS', pledgedPence: 200_000, receivedPence: 150_000, conditions: { outcomeAreas: ['health_and_wellbeing'] } },
        { funderName: 'Merton', pledgedPence: 50_000 },
      ],
    })
    await expect(tx((trx) => closeYear(trx, actorId, { potId: pot.id }))).rejects.toBeInstanceOf(YearEndInputError)
    const next = await tx((trx) =>
      createPot(trx, actorId, { name: 'Next year', placeId: null, hostFunderId, poolManagerUserId: actorId, financialYear: '2027-28', availableBasis: 'received', yearEndPolicy: 'carry_forward' }),
    )
    const result = await tx((trx) => closeYear(trx, actorId, { potId: pot.id, nextPotId: next.id, closedOn: '2027-03-31' }))
    const nhs = result.statements.find((s) => s.funderName.startsWith('NHS'))!
    expect(nhs).toMatchObject({ carriedForwardPence: 150_000, outstandingPence: 50_000, availablePence: 0 })
    const carried = await h.db.selectFrom('contributions').select('id').where('pot_id', '=', next.id).execute()
    expect(carried).toHaveLength(1)
    const newContribution = await getContribution(h.db, carried[0].id)
    expect(newContribution).toMatchObject({ pledgedPence: 150_000, carriedFromContributionId: contributions[0].id, funderId: contributions[0].funderId })
    expect(newContribution.conditions.outcomeAreas).toEqual(['health_and_wellbeing'])
    expect((await contributionBalances(h.db, [newContribution.id])).get(newContribution.id)).toMatchObject({ available: 150_000, outstanding: 0 })
    expect((await getPot(h.db, next.id)).previousPotId).toBe(pot.id)
    expect((await tx((trx) => closeYear(trx, actorId, { potId: pot.id, nextPotId: next.id }))).replayed).toBe(true)
    expect(await h.db.selectFrom('contributions').select('id').where('pot_id', '=', next.id).execute()).toHaveLength(1)
    expect((await verifyLedger(h.db)).ok).toBe(true)
  })

  test('money cannot be carried into an earlier year\'s pot', async () => {
    const { pot, actorId } = await createPotWithContributions(h.db, { contributions: [{ pledgedPence: 100, receivedPence: 100 }] })
    const host = await createFunder(h.db)
    const earlier = await tx((trx) =>
      createPot(trx, actorId, { name: 'Earlier', placeId: null, hostFunderId: host.id, poolManagerUserId: null, financialYear: '2025-26', availableBasis: 'received', yearEndPolicy: 'return' }),
    )
    await expect(tx((trx) => closeYear(trx, actorId, { potId: pot.id, nextPotId: earlier.id }))).rejects.toMatchObject({ field: 'nextPotId' })
    expect((await getPot(h.db, pot.id)).status).toBe('open')
  })
})
