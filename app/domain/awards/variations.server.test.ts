import crypto from 'node:crypto'
import type { Transaction } from 'kysely'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createDatabase, type DatabaseHandle } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { createPaymentScenario, type AcceptedAward, type PaymentScenario } from '../../../tests/factories/payments.ts'
import { createUser } from '../../../tests/factories/organisations.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { freshDatabaseOptions } from '../../../tests/setup/test-database.ts'
import { SplitRefusedError } from '../budgets/commitments.server.ts'
import { contributionBalances } from '../budgets/contributions.server.ts'
import { verifyLedger } from '../budgets/ledger.server.ts'
import { markTranchePaid, markTranchesSent } from '../payments/tranches.server.ts'
import { ukToday } from '../places/places.server.ts'
import type { ScheduleInput } from './schedule.ts'
import {
  decideVariation,
  listVariations,
  requestVariation,
  VariationConflictError,
  VariationForbiddenError,
  VariationFourEyesError,
  VariationInputError,
  type RequestVariationInput,
} from './variations.server.ts'

let h: DatabaseHandle
let s: PaymentScenario
let managers: number[]
let finance: number
beforeEach(async () => {
  h = createDatabase(await freshDatabaseOptions())
  s = await createPaymentScenario(h.db)
  managers = [(await createUserWithRole(h.db, 'fund_manager')).id, (await createUserWithRole(h.db, 'fund_manager')).id]
  finance = (await createUserWithRole(h.db, 'finance_officer')).id
})
afterEach(async () => {
  await h.close()
})

const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => h.db.transaction().execute(fn)
const key = () => crypto.randomBytes(6).toString('hex')
const today = ukToday()

function instalments(...lines: Array<[number, string]>): ScheduleInput {
  return { kind: 'instalments', tranches: lines.map(([amountPence, dueDate]) => ({ amountPence, dueDate, gate: 'date' as const })) }
}

function ask(actor: number, input: Omit<RequestVariationInput, 'idempotencyKey' | 'reason'> & { reason?: string }) {
  return tx((trx) => requestVariation(trx, actor, { reason: 'The venue costs more than we planned', idempotencyKey: key(), ...input }))
}

function approve(actor: number, variationId: number) {
  return tx((trx) => decideVariation(trx, actor, { variationId, decision: 'approved', note: '' }))
}

async function potBalances() {
  const ids = Object.values(s.contributions)
  const map = await contributionBalances(h.db, ids)
  const total = (bucket: 'available' | 'committed' | 'scheduled' | 'paid') => ids.reduce((acc, id) => acc + map.get(id)![bucket], 0)
  return { available: total('available'), committed: total('committed'), scheduled: total('scheduled'), paid: total('paid') }
}

async function tranchesOf(awardId: number) {
  return h.db.selectFrom('tranches').select(['id', 'sequence', 'amount_pence', 'due_date', 'status', 'cancelled_at']).where('award_id', '=', awardId).orderBy('sequence').execute()
}

/**
 * The invariant: for every contribution, its scheduled balance in the ledger is exactly its parts of the live, unpaid
 * tranches (scheduled, in a run or sent), and its commitments to each award add up to that award's live tranches.
 */
async function expectScheduledMatchesTranches() {
  const ids = Object.values(s.contributions)
  const balances = await contributionBalances(h.db, ids)
  const parts = await h.db
    .selectFrom('tranche_parts')
    .innerJoin('tranches', 'tranches.id', 'tranche_parts.tranche_id')
    .select(['tranche_parts.contribution_id', 'tranche_parts.amount_pence', 'tranches.status', 'tranches.award_id'])
    .where('tranche_parts.contribution_id', 'in', ids)
    .execute()
  for (const id of ids) {
    const unpaid = parts.filter((p) => p.contribution_id === id && !['paid', 'cancelled'].includes(p.status)).reduce((a, p) => a + p.amount_pence, 0)
    expect({ contribution: id, scheduled: balances.get(id)!.scheduled }).toEqual({ contribution: id, scheduled: unpaid })
  }
  const awards = await h.db.selectFrom('awards').select(['id', 'amount_pence']).where('status', 'in', ['accepted', 'completed']).execute()
  for (const award of awards) {
    const live = (await tranchesOf(award.id)).filter((t) => t.status !== 'cancelled').reduce((a, t) => a + t.amount_pence, 0)
    const committed = await h.db.selectFrom('award_commitments').select('amount_pence').where('award_id', '=', award.id).where('released_at', 'is', null).execute()
    expect(live).toBe(award.amount_pence)
    expect(committed.reduce((a, c) => a + c.amount_pence, 0)).toBe(award.amount_pence)
  }
  expect((await verifyLedger(h.db)).ok).toBe(true)
}

async function pay(trancheId: number) {
  await s.run(finance, [trancheId])
  await tx((trx) => markTranchesSent(trx, finance, { trancheIds: [trancheId] }))
  await tx((trx) => markTranchePaid(trx, finance, { trancheId, paidOn: today, source: 'manual' }))
}

async function threeInstalments(): Promise<AcceptedAward> {
  return s.acceptedAward({ amountPence: 300_000, schedule: instalments([100_000, today], [100_000, '2099-01-01'], [100_000, '2099-06-01']) })
}

describe('asking for a change', () => {
  test('a member of the organisation asks; the request keeps the award as it stands and what is proposed', async () => {
    const award = await threeInstalments()
    const { variation } = await ask(award.adminUserId, { awardId: award.awardId, amountPence: 350_000, schedule: instalments([350_000, '2099-01-01']) })
    expect(variation.status).toBe('pending')
    expect(variation.current.amountPence).toBe(300_000)
    expect(variation.current.replaced.map((t) => t.amountPence)).toEqual([100_000, 100_000, 100_000])
    expect(variation.proposed.tranches).toMatchObject([{ amountPence: 350_000, dueDate: '2099-01-01', gate: 'date' }])
    expect(variation.requestedBy.id).toBe(award.adminUserId)
  })

  test('the new payments must add up to the new amount less what is already paid or on its way', async () => {
    const award = await threeInstalments()
    await pay(award.trancheIds[0])
    const e = await ask(award.adminUserId, { awardId: award.awardId, amountPence: 350_000, schedule: instalments([100_000, '2099-01-01']) }).catch((x) => x)
    expect(e.status).toBe(400)
    expect(e.field).toBe('tranches')
    expect(e.message).toBe('The payments add up to £1,000.00, but £2,500.00 is left to pay (the new amount of £3,500.00 less £1,000.00 already paid or being paid)')
    const tooSmall = await ask(award.adminUserId, { awardId: award.awardId, amountPence: 50_000, schedule: instalments([1, '2099-01-01']) }).catch((x) => x)
    expect(tooSmall).toBeInstanceOf(VariationInputError)
    expect(tooSmall.field).toBe('amount')
    expect(tooSmall.message).toContain('cannot be less than £1,000.00')
    expect(await listVariations(h.db, award.awardId)).toHaveLength(0)
  })

  test('a reason is required, and someone outside the organisation who is not a fund manager is refused', async () => {
    const award = await threeInstalments()
    await expect(ask(award.adminUserId, { awardId: award.awardId, amountPence: 300_000, reason: '  ', schedule: instalments([200_000, '2099-02-01']) })).rejects.toMatchObject({ field: 'reason', status: 400 })
    const stranger = await createUser(h.db)
    await expect(ask(stranger.id, { awardId: award.awardId, amountPence: 300_000, schedule: instalments([300_000, '2099-02-01']) })).rejects.toBeInstanceOf(VariationForbiddenError)
  })

  test('only one change may wait for a decision at a time', async () => {
    const award = await threeInstalments()
    await ask(award.adminUserId, { awardId: award.awardId, amountPence: 300_000, schedule: instalments([300_000, '2099-02-01']) })
    const second = await ask(managers[0], { awardId: award.awardId, amountPence: 320_000, schedule: instalments([320_000, '2099-02-01']) }).catch((x) => x)
    expect(second).toBeInstanceOf(VariationConflictError)
    expect(second.status).toBe(409)
    expect(second.message).toContain('already waiting for a decision')
  })

  test('an offer not yet accepted cannot be varied, and a repeated form returns the first request', async () => {
    const award = await threeInstalments()
    const input = { awardId: award.awardId, amountPence: 300_000, reason: 'Later start', schedule: instalments([300_000, '2099-02-01']), idempotencyKey: key() }
    const first = await tx((trx) => requestVariation(trx, award.adminUserId, input))
    const again = await tx((trx) => requestVariation(trx, award.adminUserId, input))
    expect(again).toMatchObject({ replayed: true, variation: { id: first.variation.id } })
    await h.db.updateTable('awards').set({ status: 'offered' }).where('id', '=', award.awardId).execute()
    await expect(ask(award.adminUserId, { awardId: award.awardId, amountPence: 300_000, schedule: instalments([300_000, '2099-02-01']) })).rejects.toMatchObject({ status: 409, code: 'award_not_accepted' })
  })
})

describe('deciding a change', () => {
  test('the person who asked cannot approve it, in the code and in the database', async () => {
    const award = await threeInstalments()
    const { variation } = await ask(managers[0], { awardId: award.awardId, amountPence: 300_000, schedule: instalments([300_000, '2099-02-01']) })
    await expect(approve(managers[0], variation.id)).rejects.toBeInstanceOf(VariationFourEyesError)
    await expect(h.db.updateTable('award_variations').set({ status: 'approved', decided_by: managers[0] }).where('id', '=', variation.id).execute()).rejects.toThrow()
    await expect(approve(award.adminUserId, variation.id)).rejects.toBeInstanceOf(VariationForbiddenError)
    const decided = await approve(managers[1], variation.id)
    expect(decided.variation).toMatchObject({ status: 'approved', decidedBy: { id: managers[1] } })
    expect((await approve(managers[1], variation.id)).replayed).toBe(true)
  })

  test('a rejection needs a note and changes nothing', async () => {
    const award = await threeInstalments()
    const before = await potBalances()
    const { variation } = await ask(award.adminUserId, { awardId: award.awardId, amountPence: 500_000, schedule: instalments([500_000, '2099-02-01']) })
    await expect(tx((trx) => decideVariation(trx, managers[0], { variationId: variation.id, decision: 'rejected', note: ' ' }))).rejects.toMatchObject({ field: 'note', status: 400 })
    const decided = await tx((trx) => decideVariation(trx, managers[0], { variationId: variation.id, decision: 'rejected', note: 'The panel funded the original plan' }))
    expect(decided.variation).toMatchObject({ status: 'rejected', decisionNote: 'The panel funded the original plan' })
    expect(await potBalances()).toEqual(before)
    expect((await tranchesOf(award.awardId)).map((t) => t.status)).toEqual(['scheduled', 'scheduled', 'scheduled'])
    await expect(approve(managers[1], variation.id)).rejects.toMatchObject({ status: 409, code: 'variation_decided' })
  })

  test('an increase commits the extra from the pot within the ring-fences and schedules it in new tranches', async () => {
    const award = await threeInstalments()
    const before = await potBalances()
    const { variation } = await ask(award.adminUserId, { awardId: award.awardId, amountPence: 400_000, schedule: instalments([150_000, '2099-01-01'], [250_000, '2099-06-01']) })
    await approve(managers[0], variation.id)
    const after = await potBalances()
    expect(after.available).toBe(before.available - 100_000)
    expect(after.scheduled).toBe(400_000)
    expect(after.committed).toBe(0)
    const tranches = await tranchesOf(award.awardId)
    expect(tranches.map((t) => [t.sequence, t.amount_pence, t.status])).toEqual([
      [1, 100_000, 'cancelled'],
      [2, 100_000, 'cancelled'],
      [3, 100_000, 'cancelled'],
      [4, 150_000, 'scheduled'],
      [5, 250_000, 'scheduled'],
    ])
    expect(tranches.slice(0, 3).every((t) => t.cancelled_at !== null)).toBe(true)
    // The cancelled tranches keep their parts, for history.
    expect(await h.db.selectFrom('tranche_parts').select('id').where('tranche_id', 'in', award.trancheIds).execute()).toHaveLength(9)
    const award2 = await h.db.selectFrom('awards').select(['amount_pence', 'status']).where('id', '=', award.awardId).executeTakeFirstOrThrow()
    expect(award2).toEqual({ amount_pence: 400_000, status: 'accepted' })
    // The lottery's ring-fence: at most 50% of the (new) award.
    const lottery = await h.db.selectFrom('award_commitments').select('amount_pence').where('award_id', '=', award.awardId).where('contribution_id', '=', s.contributions.lottery).executeTakeFirstOrThrow()
    expect(lottery.amount_pence).toBeLessThanOrEqual(200_000)
    const entries = await h.db.selectFrom('ledger_entries').select(['idempotency_key', 'reason_code']).where('idempotency_key', 'like', `variation:${variation.id}:%`).execute()
    expect(entries.some((e) => e.reason_code === 'award.committed')).toBe(true)
    expect(entries.some((e) => e.reason_code === 'award.scheduled')).toBe(true)
    const audit = await h.db.selectFrom('audit_events').select(['action', 'before', 'after']).where('action', '=', 'award.variation_approved').executeTakeFirstOrThrow()
    expect(JSON.parse(audit.before!).amountPence).toBe(300_000)
    expect(JSON.parse(audit.after!).amountPence).toBe(400_000)
    await expectScheduledMatchesTranches()
  })

  test('a decrease gives money back to the pot and leaves paid tranches exactly as they were', async () => {
    const award = await threeInstalments()
    await pay(award.trancheIds[0])
    const paidParts = await h.db.selectFrom('tranche_parts').select(['contribution_id', 'amount_pence']).where('tranche_id', '=', award.trancheIds[0]).orderBy('contribution_id').execute()
    const before = await potBalances()
    expect(before).toMatchObject({ scheduled: 200_000, paid: 100_000 })
    const { variation } = await ask(award.adminUserId, { awardId: award.awardId, amountPence: 150_000, reason: 'Fewer sessions', schedule: instalments([50_000, '2099-03-01']) })
    await approve(managers[0], variation.id)
    const after = await potBalances()
    expect(after).toEqual({ available: before.available + 150_000, committed: 0, scheduled: 50_000, paid: 100_000 })
    const tranches = await tranchesOf(award.awardId)
    expect(tranches.map((t) => [t.sequence, t.amount_pence, t.status])).toEqual([
      [1, 100_000, 'paid'],
      [2, 100_000, 'cancelled'],
      [3, 100_000, 'cancelled'],
      [4, 50_000, 'scheduled'],
    ])
    expect(await h.db.selectFrom('tranche_parts').select(['contribution_id', 'amount_pence']).where('tranche_id', '=', award.trancheIds[0]).orderBy('contribution_id').execute()).toEqual(paidParts)
    await expectScheduledMatchesTranches()
  })

  test('a decrease to exactly what is paid leaves nothing to pay, and the award is paid in full', async () => {
    const award = await threeInstalments()
    await pay(award.trancheIds[0])
    const { variation } = await ask(managers[0], { awardId: award.awardId, amountPence: 100_000, reason: 'Project ended early', schedule: { kind: 'instalments', tranches: [] } })
    await approve(managers[1], variation.id)
    expect(await h.db.selectFrom('awards').select(['amount_pence', 'status']).where('id', '=', award.awardId).executeTakeFirstOrThrow()).toEqual({ amount_pence: 100_000, status: 'completed' })
    expect((await potBalances()).scheduled).toBe(0)
    await expectScheduledMatchesTranches()
  })

  test('a change to the schedule alone moves no money between buckets', async () => {
    const award = await threeInstalments()
    const before = await potBalances()
    const { variation } = await ask(award.adminUserId, { awardId: award.awardId, amountPence: 300_000, schedule: { kind: 'single', startDate: '2099-09-01' } })
    await approve(managers[0], variation.id)
    expect(await potBalances()).toEqual(before)
    const live = (await tranchesOf(award.awardId)).filter((t) => t.status !== 'cancelled')
    expect(live.map((t) => [t.amount_pence, t.due_date])).toEqual([[300_000, '2099-09-01']])
    await expectScheduledMatchesTranches()
  })

  test('an increase then a decrease keep the scheduled balance equal to the unpaid tranches', async () => {
    const award = await threeInstalments()
    const other = await s.acceptedAward({ amountPence: 120_000 })
    const up = await ask(award.adminUserId, { awardId: award.awardId, amountPence: 333_333, schedule: instalments([111_111, '2099-01-01'], [111_111, '2099-02-01'], [111_111, '2099-03-01']) })
    await approve(managers[0], up.variation.id)
    await expectScheduledMatchesTranches()
    await pay((await tranchesOf(other.awardId))[0].id)
    const down = await ask(award.adminUserId, { awardId: award.awardId, amountPence: 200_001, schedule: instalments([100_000, '2099-01-01'], [100_001, '2099-04-01']) })
    await approve(managers[1], down.variation.id)
    await expectScheduledMatchesTranches()
    expect((await potBalances()).scheduled).toBe(200_001)
  })

  test('an increase the ring-fences cannot fund is refused, naming the condition, and nothing changes', async () => {
    const award = await threeInstalments()
    // The NHS money is now only for arts and culture, so it cannot fund more of this health award.
    await h.db.updateTable('contributions').set({ conditions: JSON.stringify({ outcomeAreas: ['arts_and_culture'] }) }).where('id', '=', s.contributions.nhs).execute()
    const before = await potBalances()
    const { variation } = await ask(award.adminUserId, { awardId: award.awardId, amountPence: 3_500_000, schedule: instalments([3_500_000, '2099-02-01']) })
    const e = await approve(managers[0], variation.id).catch((x) => x)
    expect(e).toBeInstanceOf(SplitRefusedError)
    expect(e.status).toBe(409)
    expect(e.message).toContain('cannot be increased by £32,000.00')
    expect(e.message).toContain(`the ${s.funders.nhs} contribution cannot fund this award`)
    expect(e.message).toContain(`the ${s.funders.lottery} contribution is limited to 50% of any one award`)
    expect(await potBalances()).toEqual(before)
    expect((await listVariations(h.db, award.awardId))[0].status).toBe('pending')
    expect((await tranchesOf(award.awardId)).map((t) => t.status)).toEqual(['scheduled', 'scheduled', 'scheduled'])
  })

  test('a tranche that went into a payment run after the request makes the request out of date', async () => {
    const award = await threeInstalments()
    const { variation } = await ask(award.adminUserId, { awardId: award.awardId, amountPence: 300_000, schedule: instalments([300_000, '2099-02-01']) })
    await s.run(finance, [award.trancheIds[0]])
    await expect(approve(managers[0], variation.id)).rejects.toMatchObject({ status: 409, code: 'variation_stale' })
    expect((await tranchesOf(award.awardId)).map((t) => t.status)).toEqual(['in_run', 'scheduled', 'scheduled'])
  })
})
