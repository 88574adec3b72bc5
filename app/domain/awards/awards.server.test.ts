import type { Transaction } from 'kysely'
import { beforeAll, describe, expect, test } from 'vitest'
import type { DB } from '../../../db/schema.ts'
import { createAwardScenario, type AwardScenario } from '../../../tests/factories/award-decisions.ts'
import { CommitmentInputError, SplitRefusedError } from '~/domain/budgets/commitments.server.ts'
import { verifyLedger } from '~/domain/budgets/ledger.server.ts'
import { potDashboard } from '~/domain/budgets/reports.server.ts'
import { db } from '~/lib/db.server.ts'
import { AwardAlreadyMadeError, AwardInputError, awardableBid, awardForApplication, BidNotRecommendedError, canMakeAward, createAwardFromDecision, proposeSplit } from './awards.server.ts'

let s: AwardScenario
beforeAll(async () => {
  s = await createAwardScenario(db)
})

const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => db.transaction().execute(fn)
const HEALTH = ['health_and_wellbeing'] as const
const DATE = '2026-11-21'

async function awardsFor(applicationId: number) {
  return db.selectFrom('awards').select(['id', 'reference', 'status', 'amount_pence', 'organisation_id', 'conditions']).where('application_id', '=', applicationId).execute()
}

describe('awardableBid', () => {
  test("defaults the amount to the panel's, else the amount requested, and lists the round's pots", async () => {
    const withAmount = await awardableBid(db, (await s.bid({ decisionAmountPence: 800_000 })).applicationId)
    expect(withAmount).toMatchObject({ recommendedPence: 800_000, decision: { status: 'recommended', amountPence: 800_000 }, award: null })
    expect(withAmount.pots.map((p) => p.id)).toEqual([s.potId])
    expect(canMakeAward(withAmount)).toBe(true)
    const withoutAmount = await awardableBid(db, (await s.bid({ amountRequestedPence: 900_000 })).applicationId)
    expect(withoutAmount.recommendedPence).toBe(900_000)
    expect(canMakeAward(await awardableBid(db, (await s.bid({ status: 'reserve' })).applicationId))).toBe(false)
  })
})

describe('proposeSplit', () => {
  test('shows the proportional split, each ring-fence in words, and why a contribution cannot fund the bid', async () => {
    const bid = await awardableBid(db, (await s.bid()).applicationId)
    const proposal = await proposeSplit(db, bid, { amountPence: 1_000_000, potId: s.potId, outcomeAreas: [], date: DATE })
    expect(proposal.refusal).toBeNull()
    const byId = new Map(proposal.parts.map((p) => [p.contributionId, p]))
    expect(byId.get(s.contributions.nhs)).toMatchObject({ canFund: false, whyNot: ['Health and wellbeing outcomes only'], ringFence: ['Health and wellbeing outcomes only'], proposedPence: 0 })
    // Lottery would take two thirds by balance but is capped at 50%; the council makes up the rest.
    expect(byId.get(s.contributions.lottery)).toMatchObject({ canFund: true, capPence: 500_000, ringFence: ['At most 50% of any one award'], proposedPence: 500_000 })
    expect(byId.get(s.contributions.council)).toMatchObject({ canFund: true, ringFence: ['Only for projects in NHS South West London'], proposedPence: 500_000 })
  })

  test('says when no split can fund the amount, naming the binding condition', async () => {
    const bid = await awardableBid(db, (await s.bid()).applicationId)
    const proposal = await proposeSplit(db, bid, { amountPence: 3_000_000, potId: s.potId, outcomeAreas: [], date: DATE })
    expect(proposal.refusal).toMatch(/^Only £25,000 of eligible money is available for this award of £30,000: .*Health and wellbeing outcomes only.*limited to 50% of any one award/)
    expect(proposal.parts.every((p) => p.proposedPence === 0)).toBe(true)
  })
})

describe('createAwardFromDecision', () => {
  test('makes a committed award for a recommended bid, split proportionally by default, with match funding and an audit trail', async () => {
    const { applicationId, reference } = await s.bid({ decisionAmountPence: 1_000_000, matchCashPence: 250_000, matchInKindPence: 50_000 })
    const before = await potDashboard(db, s.potId)
    const result = await tx((trx) =>
      createAwardFromDecision(trx, s.managerUserId, { applicationId, amountPence: 1_000_000, potId: s.potId, outcomeAreas: HEALTH, date: DATE, idempotencyKey: 'award-default' }),
    )
    expect(result.replayed).toBe(false)
    expect(result.award).toMatchObject({ reference: `${reference}-AWD`, amountPence: 1_000_000, potId: s.potId })
    // Available 30,000 : 20,000 : 10,000, largest remainder to the penny.
    expect(result.parts.map((p) => [p.contributionId, p.amountPence])).toEqual([
      [s.contributions.nhs, 500_000],
      [s.contributions.lottery, 333_333],
      [s.contributions.council, 166_667],
    ])
    const [award] = await awardsFor(applicationId)
    const application = await db.selectFrom('applications').select('organisation_id').where('id', '=', applicationId).executeTakeFirstOrThrow()
    expect(award).toMatchObject({ reference: `${reference}-AWD`, status: 'committed', amount_pence: 1_000_000, organisation_id: application.organisation_id, conditions: '[]' })
    const audit = await db.selectFrom('audit_events').select(['action', 'after']).where('entity_type', '=', 'award').where('entity_id', '=', String(award.id)).orderBy('id').execute()
    expect(audit.map((a) => a.action)).toEqual(['award.committed', 'award.created'])
    expect(JSON.parse(audit[1].after!)).toMatchObject({ applicationId, amountPence: 1_000_000, potId: s.potId, matchCashPence: 250_000, matchInKindPence: 50_000, overrideReason: null })
    // The pot's leverage now counts this award's match funding: each contribution's share, rounded down to the penny
    // (£2,500 × 5/10 + × 3.33333/10 + × 1.66667/10 = £1,250 + £833.33 + £416.66).
    const after = await potDashboard(db, s.potId)
    expect(after.leverage.matchCashPence - before.leverage.matchCashPence).toBe(249_999)
    expect(after.leverage.matchInKindPence - before.leverage.matchInKindPence).toBe(49_999)
    expect((await awardForApplication(db, applicationId))!.commitments.map((c) => c.amountPence)).toEqual([500_000, 333_333, 166_667])
    expect((await verifyLedger(db)).ok).toBe(true)
  })

  test("a fund manager's own split is kept with its reason", async () => {
    const { applicationId } = await s.bid()
    const split = { [s.contributions.nhs]: 600_000, [s.contributions.lottery]: 400_000 }
    const result = await tx((trx) =>
      createAwardFromDecision(trx, s.managerUserId, { applicationId, amountPence: 1_000_000, potId: s.potId, outcomeAreas: HEALTH, date: DATE, split, overrideReason: 'The council asked to hold its money for winter', idempotencyKey: 'award-own' }),
    )
    expect(result.parts.map((p) => [p.contributionId, p.amountPence])).toEqual([
      [s.contributions.nhs, 600_000],
      [s.contributions.lottery, 400_000],
    ])
    const award = await awardForApplication(db, applicationId)
    expect(award!.commitments.map((c) => [c.funderName, c.amountPence, c.overrideReason])).toEqual([
      [s.funders.nhs, 600_000, 'The council asked to hold its money for winter'],
      [s.funders.lottery, 400_000, 'The council asked to hold its money for winter'],
    ])
  })

  test('an own split without a reason is refused and nothing is written', async () => {
    const { applicationId } = await s.bid()
    const error = await tx((trx) =>
      createAwardFromDecision(trx, s.managerUserId, { applicationId, amountPence: 1_000_000, potId: s.potId, outcomeAreas: HEALTH, date: DATE, split: { [s.contributions.nhs]: 1_000_000 }, overrideReason: ' ', idempotencyKey: 'no-reason' }),
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CommitmentInputError)
    expect(error).toMatchObject({ field: 'overrideReason', status: 400 })
    expect(await awardsFor(applicationId)).toEqual([])
  })

  test('an own split that breaks a ring-fence is refused naming the condition, and nothing is written', async () => {
    const { applicationId } = await s.bid()
    const entriesBefore = await db.selectFrom('ledger_entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    const arts = ['arts_and_culture'] as const
    const breaksNhs = tx((trx) =>
      createAwardFromDecision(trx, s.managerUserId, { applicationId, amountPence: 1_000_000, potId: s.potId, outcomeAreas: arts, date: DATE, split: { [s.contributions.nhs]: 500_000, [s.contributions.council]: 500_000 }, overrideReason: 'NHS asked', idempotencyKey: 'breaks-nhs' }),
    )
    await expect(breaksNhs).rejects.toBeInstanceOf(SplitRefusedError)
    await expect(breaksNhs).rejects.toThrow(`The ${s.funders.nhs} contribution cannot fund this award: Health and wellbeing outcomes only`)
    const breaksShare = tx((trx) =>
      createAwardFromDecision(trx, s.managerUserId, { applicationId, amountPence: 1_000_000, potId: s.potId, outcomeAreas: HEALTH, date: DATE, split: { [s.contributions.lottery]: 1_000_000 }, overrideReason: 'Lottery asked', idempotencyKey: 'breaks-share' }),
    )
    await expect(breaksShare).rejects.toThrow(`The ${s.funders.lottery} contribution is limited to 50% of any one award (£5,000.00); the split gives it £10,000.00`)
    expect(await awardsFor(applicationId)).toEqual([])
    expect(await db.selectFrom('ledger_entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual(entriesBefore)
  })

  test('more than the pot can fund is refused (no over-commitment) and nothing is written', async () => {
    const { applicationId } = await s.bid({ amountRequestedPence: 10_000_000 })
    const error = await tx((trx) =>
      createAwardFromDecision(trx, s.managerUserId, { applicationId, amountPence: 10_000_000, potId: s.potId, outcomeAreas: HEALTH, date: DATE, idempotencyKey: 'too-much' }),
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SplitRefusedError)
    expect((error as Error).message).toMatch(/^Only £[\d,.]+ of eligible money is available for this award of £100,000/)
    expect(await awardsFor(applicationId)).toEqual([])
  })

  test('a bid the panel did not recommend, or never decided, cannot be awarded', async () => {
    for (const options of [{ status: 'reserve' as const }, { status: 'declined' as const }, { decided: false }]) {
      const { applicationId } = await s.bid(options)
      await expect(
        tx((trx) => createAwardFromDecision(trx, s.managerUserId, { applicationId, amountPence: 100_000, potId: s.potId, outcomeAreas: HEALTH, date: DATE, idempotencyKey: `nr-${applicationId}` })),
      ).rejects.toBeInstanceOf(BidNotRecommendedError)
      expect(await awardsFor(applicationId)).toEqual([])
    }
  })

  test('a replay with the same key returns the same award; another key is told an award exists', async () => {
    const { applicationId } = await s.bid()
    const input = { applicationId, amountPence: 200_000, potId: s.potId, outcomeAreas: HEALTH, date: DATE, idempotencyKey: 'replay-key' }
    const first = await tx((trx) => createAwardFromDecision(trx, s.managerUserId, input))
    const entries = await db.selectFrom('ledger_entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    const again = await tx((trx) => createAwardFromDecision(trx, s.managerUserId, input))
    expect(again.replayed).toBe(true)
    expect(again.award).toEqual(first.award)
    expect(again.parts.map((p) => [p.contributionId, p.amountPence])).toEqual(first.parts.map((p) => [p.contributionId, p.amountPence]))
    expect(await awardsFor(applicationId)).toHaveLength(1)
    expect(await db.selectFrom('ledger_entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual(entries)
    await expect(tx((trx) => createAwardFromDecision(trx, s.managerUserId, { ...input, idempotencyKey: 'another-key' }))).rejects.toBeInstanceOf(AwardAlreadyMadeError)
  })

  test('a pot the round does not draw on, and an amount of £0, are refused with the field named', async () => {
    const { applicationId } = await s.bid()
    const otherPot = await createAwardScenario(db)
    await expect(tx((trx) => createAwardFromDecision(trx, s.managerUserId, { applicationId, amountPence: 100_000, potId: otherPot.potId, date: DATE, idempotencyKey: 'wrong-pot' }))).rejects.toMatchObject({
      field: 'potId',
      status: 400,
    })
    await expect(tx((trx) => createAwardFromDecision(trx, s.managerUserId, { applicationId, amountPence: 0, potId: s.potId, date: DATE, idempotencyKey: 'zero' }))).rejects.toBeInstanceOf(AwardInputError)
    expect(await awardsFor(applicationId)).toEqual([])
  })
})
