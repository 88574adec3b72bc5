import type { Transaction } from 'kysely'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createDatabase, type DatabaseHandle } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { createPaymentScenario, type PaymentScenario } from '../../../tests/factories/payments.ts'
import { createUser } from '../../../tests/factories/organisations.ts'
import { freshDatabaseOptions } from '../../../tests/setup/test-database.ts'
import { createAwardFromDecision } from './awards.server.ts'
import { buildSchedule, reasonsNotDue, trancheReference } from './schedule.ts'
import { decideCondition, listConditions, listTranches, NotAwardMemberError, sendConditionEvidence, setOfferTerms, TermsLockedError } from './terms.server.ts'

let h: DatabaseHandle
let s: PaymentScenario
beforeEach(async () => {
  h = createDatabase(await freshDatabaseOptions())
  s = await createPaymentScenario(h.db)
})
afterEach(async () => {
  await h.close()
})

const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => h.db.transaction().execute(fn)
const upload = { storageKey: 'abc.pdf', filename: 'safeguarding.pdf', contentType: 'application/pdf' as const, sizeBytes: 1234, sha256: 'f'.repeat(64) }

async function committedAward(amountPence = 600_000) {
  const bid = await s.bid({ decisionAmountPence: amountPence })
  const made = await tx((trx) => createAwardFromDecision(trx, s.managerUserId, { applicationId: bid.applicationId, amountPence, potId: s.potId, outcomeAreas: ['health_and_wellbeing'], idempotencyKey: `k-${bid.applicationId}` }))
  return made.award.id
}

describe('the schedule', () => {
  test('£2,000 a year for 3 years: year 1 on acceptance, each later year a year on and gated on the previous return', () => {
    const draft = buildSchedule(600_000, { kind: 'yearly', years: 3, amountPerYearPence: 200_000, startDate: '2027-02-28' }, 0)
    expect(draft.tranches.map((t) => [t.sequence, t.amountPence, t.dueDate, t.gate, t.returnYear])).toEqual([
      [1, 200_000, '2027-02-28', 'acceptance', null],
      [2, 200_000, '2028-02-28', 'return', 1],
      [3, 200_000, '2029-02-28', 'return', 2],
    ])
    expect(draft.returns.map((r) => [r.periodLabel, r.dueDate])).toEqual([
      ['Year 1', '2028-02-28'],
      ['Year 2', '2029-02-28'],
      ['Year 3', '2030-02-28'],
    ])
  })

  test('refuses schedules that do not add up, unreal dates, out-of-order instalments and a condition gate with no condition', () => {
    expect(() => buildSchedule(600_000, { kind: 'yearly', years: 3, amountPerYearPence: 100_000, startDate: '2027-01-01' }, 0)).toThrow('3 years of £1,000.00 is £3,000.00, but the award is £6,000.00')
    expect(() => buildSchedule(600_000, { kind: 'single', startDate: '2027-02-30' }, 0)).toThrow('as a real date')
    const line = (amountPence: number, dueDate: string, gate: 'acceptance' | 'date' | 'condition' = 'date', conditionIndex: number | null = null) => ({ amountPence, dueDate, gate, conditionIndex })
    expect(() => buildSchedule(600_000, { kind: 'instalments', tranches: [line(300_000, '2027-06-01'), line(300_000, '2027-01-01')] }, 0)).toThrow('Instalment 2 is due before instalment 1')
    expect(() => buildSchedule(600_000, { kind: 'instalments', tranches: [line(300_000, '2027-01-01', 'condition', 0), line(300_000, '2027-06-01')] }, 0)).toThrow('Choose which condition instalment 1 waits for')
    expect(() => buildSchedule(600_000, { kind: 'instalments', tranches: [line(100_000, '2027-01-01')] }, 0)).toThrow('The instalments add up to £1,000.00, but the award is £6,000.00')
  })

  test('a tranche is due only when accepted, scheduled, dated today or earlier, its gate and every condition met', () => {
    const due = { status: 'scheduled', dueDate: '2026-11-21', awardStatus: 'accepted', gateMet: true, conditionsMet: true }
    expect(reasonsNotDue(due, '2026-11-21')).toEqual([])
    expect(reasonsNotDue({ ...due, dueDate: '2026-11-22' }, '2026-11-21')).toEqual(['it is not due until 2026-11-22'])
    expect(reasonsNotDue({ ...due, gateMet: false, conditionsMet: false }, '2026-11-21')).toEqual(['what it waits for has not happened yet', 'the conditions before payment are not all met'])
    expect(reasonsNotDue({ ...due, awardStatus: 'offered', status: 'offered' }, '2026-11-21')).toEqual(['the offer has not been accepted'])
    expect(reasonsNotDue({ ...due, status: 'paid' }, '2026-11-21')).toEqual(['it has been paid'])
  })

  test('a payment reference fits the 18 characters a BACS reference holds', () => {
    expect(trancheReference('TCF-2026-00006', 1, 41)).toBe('TCF-2026-00006/1')
    expect(trancheReference('THRIVING-2026-000123', 1, 41)).toBe('CP-T41')
  })
})

describe('offer terms', () => {
  test('instalments gated on a condition point at that condition; terms can be replaced until the offer is sent', async () => {
    const awardId = await committedAward()
    await tx((trx) => setOfferTerms(trx, s.managerUserId, { awardId, conditions: ['Send us your safeguarding policy'], schedule: { kind: 'single', startDate: '2027-01-04' } }))
    await tx((trx) =>
      setOfferTerms(trx, s.managerUserId, {
        awardId,
        conditions: ['Send us your safeguarding policy', 'Name your volunteer lead'],
        schedule: { kind: 'instalments', tranches: [{ amountPence: 400_000, dueDate: '2027-01-04', gate: 'acceptance' }, { amountPence: 200_000, dueDate: '2027-07-01', gate: 'condition', conditionIndex: 1 }] },
      }),
    )
    const conditions = await listConditions(h.db, awardId)
    const tranches = await listTranches(h.db, awardId)
    expect(conditions.map((c) => c.text)).toEqual(['Send us your safeguarding policy', 'Name your volunteer lead'])
    expect(tranches.map((t) => [t.amountPence, t.gate, t.gateRef, t.status])).toEqual([
      [400_000, 'acceptance', null, 'offered'],
      [200_000, 'condition', String(conditions[1].id), 'offered'],
    ])
    await h.db.updateTable('awards').set({ status: 'offered' }).where('id', '=', awardId).execute()
    await expect(tx((trx) => setOfferTerms(trx, s.managerUserId, { awardId, conditions: [], schedule: { kind: 'single', startDate: '2027-01-04' } }))).rejects.toBeInstanceOf(TermsLockedError)
  })
})

describe('evidence for a condition', () => {
  test('a member sends a file; an outsider cannot; once the condition is met nothing more can be sent', async () => {
    const award = await s.acceptedAward({ conditions: ['Send us your safeguarding policy'], conditionsOutstanding: true })
    const [condition] = await listConditions(h.db, award.awardId)
    const outsider = await createUser(h.db, { name: 'Not A Member' })
    await expect(tx((trx) => sendConditionEvidence(trx, outsider.id, { awardId: award.awardId, conditionId: condition.id, upload }))).rejects.toBeInstanceOf(NotAwardMemberError)
    const { documentId } = await tx((trx) => sendConditionEvidence(trx, award.adminUserId, { awardId: award.awardId, conditionId: condition.id, upload }))
    expect((await listConditions(h.db, award.awardId))[0]).toMatchObject({ status: 'outstanding', evidenceDocumentId: documentId })
    const doc = await h.db.selectFrom('documents').select(['owner_type', 'owner_id', 'organisation_id', 'purpose']).where('id', '=', documentId).executeTakeFirstOrThrow()
    expect(doc).toEqual({ owner_type: 'award', owner_id: award.awardId, organisation_id: award.organisationId, purpose: `condition:${condition.id}` })
    await tx((trx) => decideCondition(trx, s.managerUserId, { conditionId: condition.id, decision: 'met', note: 'Policy read' }))
    await expect(tx((trx) => sendConditionEvidence(trx, award.adminUserId, { awardId: award.awardId, conditionId: condition.id, upload }))).rejects.toThrow('already been decided')
    await expect(tx((trx) => decideCondition(trx, s.managerUserId, { conditionId: condition.id, decision: 'waived', note: 'x' }))).rejects.toThrow('already met')
  })

  test('waiving a condition needs a note', async () => {
    const award = await s.acceptedAward({ conditions: ['Send us your safeguarding policy'], conditionsOutstanding: true })
    const [condition] = await listConditions(h.db, award.awardId)
    await expect(tx((trx) => decideCondition(trx, s.managerUserId, { conditionId: condition.id, decision: 'waived', note: ' ' }))).rejects.toThrow('Say why the condition is waived')
  })
})
