import fc from 'fast-check'
import type { Transaction } from 'kysely'
import { Worker } from 'node:worker_threads'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createDatabase, type DatabaseHandle } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { createAward, createPotWithContributions, createRound } from '../../../tests/factories/awards.ts'
import { freshDatabaseOptions } from '../../../tests/setup/test-database.ts'
import { AwardAlreadyCommittedError, CommitmentInputError, commitAward, listAwardCommitments, recordAwardPayment, releaseCommitment, SplitRefusedError } from './commitments.server.ts'
import { contributionBalances, recordReceipt } from './contributions.server.ts'
import { verifyLedger } from './ledger.server.ts'
import { checkConditions, maxContributionToAward, OUTCOME_AREAS, type AwardFacts, type Conditions } from './ring-fence.ts'

let h: DatabaseHandle
let options: { url?: string; path?: string }
beforeEach(async () => {
  options = await freshDatabaseOptions()
  h = createDatabase(options)
})
afterEach(async () => {
  await h.close()
})

const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>, handle = h) => handle.db.transaction().execute(fn)

async function setUp(contributions: Parameters<typeof createPotWithContributions>[1]['contributions'], extra: { availableBasis?: 'received' | 'pledged' } = {}) {
  const made = await createPotWithContributions(h.db, { contributions, ...extra })
  const { fundId, roundId } = await createRound(h.db)
  return { ...made, fundId, roundId }
}

function facts(fundId: number, roundId: number, overrides: Partial<Omit<AwardFacts, 'amountPence'>> = {}): Omit<AwardFacts, 'amountPence'> {
  return { placeId: null, categories: ['health_and_wellbeing'], fundId, roundId, date: '2026-06-01', ...overrides }
}

async function balances(ids: number[]) {
  const map = await contributionBalances(h.db, ids)
  return ids.map((id) => map.get(id)!)
}

describe('committing an award', () => {
  test('the default split is proportional to available balances and moves available to committed', async () => {
    const { pot, contributions, fundId, roundId, actorId } = await setUp([
      { pledgedPence: 300_000, receivedPence: 200_000 },
      { pledgedPence: 100_000, receivedPence: 100_000 },
    ])
    const award = await createAward(h.db, { roundId, amountPence: 100_000 })
    const result = await tx((trx) => commitAward(trx, actorId, { awardId: award.id, potId: pot.id, amountPence: 100_000, award: facts(fundId, roundId), idempotencyKey: 'commit-1' }))
    expect(result.parts.map((p) => [p.contributionId, p.amountPence])).toEqual([
      [contributions[0].id, 66_667],
      [contributions[1].id, 33_333],
    ])
    const [a, b] = await balances(contributions.map((c) => c.id))
    expect([a.available, a.committed, b.available, b.committed]).toEqual([133_333, 66_667, 66_667, 33_333])
    const audit = await h.db.selectFrom('audit_events').select('action').where('action', '=', 'award.committed').execute()
    expect(audit).toHaveLength(1)
    expect((await verifyLedger(h.db)).ok).toBe(true)
  })

  test('repeating a commitment with the same key replays it; a different key is refused', async () => {
    const { pot, fundId, roundId, actorId } = await setUp([{ pledgedPence: 100_000, receivedPence: 100_000 }])
    const award = await createAward(h.db, { roundId, amountPence: 10_000 })
    const input = { awardId: award.id, potId: pot.id, amountPence: 10_000, award: facts(fundId, roundId), idempotencyKey: 'k' }
    await tx((trx) => commitAward(trx, actorId, input))
    const again = await tx((trx) => commitAward(trx, actorId, input))
    expect(again.replayed).toBe(true)
    await expect(tx((trx) => commitAward(trx, actorId, { ...input, idempotencyKey: 'other' }))).rejects.toBeInstanceOf(AwardAlreadyCommittedError)
    expect(await h.db.selectFrom('ledger_entries').select('id').where('reason_code', '=', 'award.committed').execute()).toHaveLength(1)
  })

  test('ring-fenced money is left out and the refusal names the binding condition', async () => {
    const { pot, fundId, roundId, actorId } = await setUp([
      { funderName: 'NHS', pledgedPence: 300_000, receivedPence: 300_000, conditions: { outcomeAreas: ['dementia'] } },
      { funderName: 'National Lottery', pledgedPence: 600_000, receivedPence: 600_000, conditions: { maxSharePercent: 50 } },
      { funderName: 'Merton', pledgedPence: 70_000, receivedPence: 70_000 },
    ])
    const award = await createAward(h.db, { roundId, amountPence: 500_000 })
    const error = await tx((trx) => commitAward(trx, actorId, { awardId: award.id, potId: pot.id, amountPence: 500_000, award: facts(fundId, roundId), idempotencyKey: 'x' })).catch((e) => e)
    expect(error).toBeInstanceOf(SplitRefusedError)
    expect(error.status).toBe(409)
    expect(error.message).toMatch(/^Only £3,200 of eligible money is available for this award of £5,000: the NHS \w+ contribution cannot fund this award \(Dementia outcomes only\); the National Lottery \w+ contribution is limited to 50% of any one award$/)
    expect(await h.db.selectFrom('award_commitments').selectAll().execute()).toEqual([])
  })

  test('an override split with a reason is recorded; one breaking a cap is refused', async () => {
    const { pot, contributions, fundId, roundId, actorId } = await setUp([
      { pledgedPence: 100_000, receivedPence: 100_000, conditions: { maxSharePercent: 50 } },
      { pledgedPence: 100_000, receivedPence: 100_000 },
    ])
    const [a, b] = contributions.map((c) => c.id)
    const award = await createAward(h.db, { roundId, amountPence: 10_000 })
    const base = { awardId: award.id, potId: pot.id, amountPence: 10_000, award: facts(fundId, roundId), idempotencyKey: 'o' }
    await expect(tx((trx) => commitAward(trx, actorId, { ...base, split: { [a]: 2_000, [b]: 8_000 } }))).rejects.toBeInstanceOf(CommitmentInputError)
    await expect(tx((trx) => commitAward(trx, actorId, { ...base, split: { [a]: 6_000, [b]: 4_000 }, overrideReason: 'Lottery asked' }))).rejects.toThrow('limited to 50% of any one award')
    await tx((trx) => commitAward(trx, actorId, { ...base, split: { [a]: 2_000, [b]: 8_000 }, overrideReason: 'Merton wants visibility' }))
    const rows = await listAwardCommitments(h.db, award.id)
    expect(rows.map((r) => [r.contributionId, r.amountPence, r.overrideReason])).toEqual([
      [a, 2_000, 'Merton wants visibility'],
      [b, 8_000, 'Merton wants visibility'],
    ])
  })

  test('on a pledged-basis pot, pledges not yet received can be committed', async () => {
    const { pot, contributions, fundId, roundId, actorId } = await setUp([{ pledgedPence: 100_000, receivedPence: 20_000 }], { availableBasis: 'pledged' })
    const award = await createAward(h.db, { roundId, amountPence: 50_000 })
    await tx((trx) => commitAward(trx, actorId, { awardId: award.id, potId: pot.id, amountPence: 50_000, award: facts(fundId, roundId), idempotencyKey: 'p' }))
    const [b] = await balances([contributions[0].id])
    expect(b).toMatchObject({ available: 0, outstanding: 50_000, committed: 50_000 })
    // The rest of the pledge arrives: only what is neither received nor committed moves to available.
    await tx((trx) => recordReceipt(trx, actorId, { contributionId: contributions[0].id, amountPence: 80_000, receivedOn: '2026-07-01', reference: 'r', idempotencyKey: 'r2' }))
    const [after] = await balances([contributions[0].id])
    expect(after).toMatchObject({ available: 50_000, outstanding: 0, committed: 50_000 })
    expect((await verifyLedger(h.db)).ok).toBe(true)
  })

  test('releasing a commitment returns what is unpaid to available; payments move committed to paid', async () => {
    const { pot, contributions, fundId, roundId, actorId } = await setUp([
      { pledgedPence: 100_000, receivedPence: 100_000 },
      { pledgedPence: 100_000, receivedPence: 100_000 },
    ])
    const award = await createAward(h.db, { roundId, amountPence: 10_001 })
    await tx((trx) => commitAward(trx, actorId, { awardId: award.id, potId: pot.id, amountPence: 10_001, award: facts(fundId, roundId), idempotencyKey: 'c' }))
    const paid = await tx((trx) => recordAwardPayment(trx, actorId, { awardId: award.id, amountPence: 4_001, idempotencyKey: 'tranche-1' }))
    expect(paid.parts.reduce((s, p) => s + p.amountPence, 0)).toBe(4_001)
    expect((await tx((trx) => recordAwardPayment(trx, actorId, { awardId: award.id, amountPence: 4_001, idempotencyKey: 'tranche-1' }))).replayed).toBe(true)
    await expect(tx((trx) => recordAwardPayment(trx, actorId, { awardId: award.id, amountPence: 6_001, idempotencyKey: 'tranche-2' }))).rejects.toThrow('more than the award has committed')
    const released = await tx((trx) => releaseCommitment(trx, actorId, { awardId: award.id, reason: 'Group closed', idempotencyKey: 'rel' }))
    expect(released).toEqual({ releasedPence: 6_000, replayed: false })
    expect(await tx((trx) => releaseCommitment(trx, actorId, { awardId: award.id, reason: 'Group closed', idempotencyKey: 'rel' }))).toEqual({ releasedPence: 0, replayed: true })
    const all = await balances(contributions.map((c) => c.id))
    expect(all.reduce((s, b) => s + b.available, 0)).toBe(200_000 - 4_001)
    expect(all.reduce((s, b) => s + b.committed, 0)).toBe(0)
    expect(all.reduce((s, b) => s + b.paid, 0)).toBe(4_001)
    expect((await verifyLedger(h.db)).ok).toBe(true)
  })
})

const WORKER = new URL('./commit-race.worker.ts', import.meta.url).href

describe('concurrency', () => {
  async function raceSetUp() {
    const made = await setUp([
      { pledgedPence: 60_000, receivedPence: 60_000 },
      { pledgedPence: 40_000, receivedPence: 40_000 },
    ])
    const awards = []
    for (let i = 0; i < 500; i++) awards.push(await createAward(h.db, { roundId: made.roundId, amountPence: 300 }))
    return { ...made, awardIds: awards.map((a) => a.id) }
  }

  async function expectExactTotals(contributionIds: number[]) {
    const all = await balances(contributionIds)
    expect(all.reduce((s, b) => s + b.committed, 0)).toBe(99_900)
    expect(all.reduce((s, b) => s + b.available, 0)).toBe(100)
    for (const b of all) expect(b.available).toBeGreaterThanOrEqual(0)
    const { n } = await h.db.selectFrom('award_commitments').select((eb) => eb.fn.sum<number>('amount_pence').as('n')).executeTakeFirstOrThrow()
    expect(Number(n)).toBe(99_900)
    expect((await verifyLedger(h.db)).ok).toBe(true)
  }

  test('500 simultaneous commitments racing one pot never exceed what is available', async () => {
    const { pot, contributions, fundId, roundId, actorId, awardIds } = await raceSetUp()
    const outcomes = await Promise.allSettled(
      awardIds.map((awardId) => tx((trx) => commitAward(trx, actorId, { awardId, potId: pot.id, amountPence: 300, award: facts(fundId, roundId), idempotencyKey: `race-${awardId}` }))),
    )
    for (const r of outcomes.filter((o) => o.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(SplitRefusedError)
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(333)
    await expectExactTotals(contributions.map((c) => c.id))
  }, 120_000)

  test('the same race from two database handles in two threads is just as safe', async () => {
    const { pot, contributions, fundId, roundId, actorId, awardIds } = await raceSetUp()
    const halves = [awardIds.filter((_, i) => i % 2 === 0), awardIds.filter((_, i) => i % 2 === 1)]
    const results = await Promise.all(
      halves.map(
        (ids) =>
          new Promise<{ won: number; refused: number; unexpected: string[] }>((resolve, reject) => {
            // The worker loads TypeScript through tsx's API (vitest's own transform does not reach worker threads).
            const script = `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(WORKER)}, ${JSON.stringify(import.meta.url)}))`
            const worker = new Worker(script, {
              eval: true,
              workerData: { options, potId: pot.id, actorId, amountPence: 300, awardIds: ids, facts: facts(fundId, roundId) },
            })
            worker.once('message', resolve)
            worker.once('error', reject)
          }),
      ),
    )
    expect(results.flatMap((r) => r.unexpected)).toEqual([])
    expect(results[0].won + results[1].won).toBe(333)
    expect(results[0].refused + results[1].refused).toBe(167)
    await expectExactTotals(contributions.map((c) => c.id))
  }, 180_000)
})

describe('properties', () => {
  const arbConditions: fc.Arbitrary<Partial<Conditions>> = fc.record({
    outcomeAreas: fc.option(fc.subarray([...OUTCOME_AREAS], { minLength: 1, maxLength: 3 }), { nil: null }),
    spendBy: fc.option(fc.constantFrom('2026-06-30', '2026-12-31'), { nil: null }),
    maxSharePercent: fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }),
  })
  const arbOp = fc.oneof(
    fc.record({ kind: fc.constant('commit' as const), amount: fc.integer({ min: 1, max: 80_000 }), categories: fc.subarray([...OUTCOME_AREAS], { minLength: 1, maxLength: 2 }), date: fc.constantFrom('2026-05-01', '2026-09-01', '2027-02-01') }),
    fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('receipt' as const), pick: fc.nat(), amount: fc.integer({ min: 1, max: 30_000 }) }),
  )

  test('the ledger balances, splits sum exactly and ring-fences are never broken, whatever happens', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ pledged: fc.integer({ min: 1, max: 100_000 }), receivedShare: fc.integer({ min: 0, max: 100 }), conditions: arbConditions }), { minLength: 1, maxLength: 4 }),
        fc.array(arbOp, { minLength: 1, maxLength: 12 }),
        async (specs, ops) => {
          const { pot, contributions, fundId, roundId, actorId } = await setUp(
            specs.map((s) => ({ pledgedPence: s.pledged, receivedPence: Math.floor((s.pledged * s.receivedShare) / 100), conditions: s.conditions })),
          )
          const committed: Array<{ awardId: number; facts: AwardFacts }> = []
          let n = 0
          for (const op of ops) {
            n++
            if (op.kind === 'commit') {
              const award = await createAward(h.db, { roundId, amountPence: op.amount })
              const f = { ...facts(fundId, roundId, { categories: op.categories, date: op.date }), amountPence: op.amount }
              try {
                const result = await tx((trx) => commitAward(trx, actorId, { awardId: award.id, potId: pot.id, amountPence: op.amount, award: f, idempotencyKey: `p-${award.id}` }))
                expect(result.parts.reduce((s, p) => s + p.amountPence, 0)).toBe(op.amount)
                committed.push({ awardId: award.id, facts: f })
              } catch (e) {
                expect(e).toBeInstanceOf(SplitRefusedError)
              }
            } else if (op.kind === 'release' && committed.length > 0) {
              const { awardId } = committed.splice(op.pick % committed.length, 1)[0]
              await tx((trx) => releaseCommitment(trx, actorId, { awardId, reason: 'cancelled', idempotencyKey: `rel-${awardId}` }))
            } else if (op.kind === 'receipt') {
              const c = contributions[op.pick % contributions.length]
              await tx((trx) => recordReceipt(trx, actorId, { contributionId: c.id, amountPence: op.amount, receivedOn: '2026-05-01', reference: 'r', idempotencyKey: `pr-${pot.id}-${n}`, overPledgeReason: 'more arrived' }))
            }
          }
          expect((await verifyLedger(h.db)).ok).toBe(true)
          const byId = new Map(contributions.map((c) => [c.id, c]))
          for (const { awardId, facts: f } of committed) {
            for (const row of await listAwardCommitments(h.db, awardId)) {
              const c = byId.get(row.contributionId)!
              expect(checkConditions(c.conditions, f)).toEqual({ ok: true })
              expect(row.amountPence).toBeLessThanOrEqual(maxContributionToAward(c.conditions, f.amountPence))
            }
          }
          for (const b of await balances(contributions.map((c) => c.id))) {
            expect(Object.values(b).every((v) => v >= 0)).toBe(true)
          }
        },
      ),
      { numRuns: 25 },
    )
  }, 120_000)
})
