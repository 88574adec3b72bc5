/**
 * Published grants for the open-data tests, built through the domain functions (the same ones the demo seed can use):
 *
 *   const o = await createOpenDataScenario(db)
 *   const pooled = await o.pooledAward({ amountPence: 300_000 })      // NHS, lottery and council money: FRG040
 *   await o.pay(pooled.trancheIds[0])                                  // through a payment run, marked paid
 *   const single = await o.singleFunderAward({ amountPence: 100_000 })  // from a pot only one trust pays into
 *   await o.publish(pooled.awardId)
 *
 * Pooled awards come from createPaymentScenario's three-funder pot; single-funder awards from a second pot, linked to
 * the same round, that one trust (with a registered org-id) pays into.
 */
import crypto from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { createAwardFromDecision } from '../../app/domain/awards/awards.server.ts'
import { setOfferTerms } from '../../app/domain/awards/terms.server.ts'
import { addContribution, recordReceipt } from '../../app/domain/budgets/contributions.server.ts'
import { createPot, openPot } from '../../app/domain/budgets/pots.server.ts'
import { scheduleAward } from '../../app/domain/budgets/scheduling.server.ts'
import { createFunder } from '../../app/domain/funds/funds.server.ts'
import { publishAward } from '../../app/domain/open-data/publishing.server.ts'
import { markTranchePaid, markTranchesSent } from '../../app/domain/payments/tranches.server.ts'
import { ukToday } from '../../app/domain/places/places.server.ts'
import { createPaymentScenario, type AcceptedAward, type PaymentScenario } from './payments.ts'
import { createUserWithRole, type TestUser } from './sessions.ts'

export interface OpenDataScenario extends PaymentScenario {
  finance: TestUser
  singleFunder: { potId: number; funderId: number; funderName: string; orgIdentifier: string }
  pooledAward(options?: { amountPence?: number }): Promise<AcceptedAward>
  singleFunderAward(options?: { amountPence?: number }): Promise<{ awardId: number; applicationId: number; organisationId: number; trancheIds: number[] }>
  pay(trancheId: number): Promise<void>
  publish(awardId: number): Promise<void>
}

const key = () => crypto.randomBytes(6).toString('hex')

export async function createOpenDataScenario(db: Kysely<DB>): Promise<OpenDataScenario> {
  const s = await createPaymentScenario(db)
  const finance = await createUserWithRole(db, 'finance_officer')
  const manager = s.managerUserId
  const t = key()
  const orgIdentifier = `GB-CHC-${String(1_000_000 + (parseInt(t.slice(0, 5), 16) % 99_999))}`
  const funderName = `Wandle Valley Trust ${t}`
  const single = await db.transaction().execute(async (trx) => {
    const funder = await createFunder(trx, manager, { name: funderName, kind: 'trust', orgIdentifier, placeId: null })
    const pot = await createPot(trx, manager, {
      name: `Wandle Valley Trust pot ${t}`,
      placeId: s.placeId,
      hostFunderId: funder.id,
      poolManagerUserId: manager,
      financialYear: '2026-27',
      availableBasis: 'received',
      yearEndPolicy: 'carry_forward',
    })
    const c = await addContribution(trx, manager, { potId: pot.id, funderId: funder.id, pledgedPence: 5_000_000, instalments: [{ dueDate: '2026-06-30', amountPence: 5_000_000 }], conditions: {} })
    await recordReceipt(trx, manager, { contributionId: c.id, amountPence: 5_000_000, receivedOn: '2026-07-01', reference: `W-${c.id}`, idempotencyKey: `open-data:${t}:${c.id}` })
    await openPot(trx, manager, pot.id)
    await trx.insertInto('round_pots').values({ round_id: s.roundId, pot_id: pot.id }).execute()
    return { potId: pot.id, funderId: funder.id }
  })

  async function singleFunderAward(options: { amountPence?: number } = {}) {
    const amountPence = options.amountPence ?? 100_000
    const bid = await s.bid({ decisionAmountPence: amountPence })
    const made = await db.transaction().execute((trx) =>
      createAwardFromDecision(trx, manager, { applicationId: bid.applicationId, amountPence, potId: single.potId, outcomeAreas: ['health_and_wellbeing'], idempotencyKey: key() }),
    )
    const awardId = made.award.id
    await db.transaction().execute((trx) => setOfferTerms(trx, manager, { awardId, conditions: [], schedule: { kind: 'single', startDate: ukToday() } }))
    const member = await db
      .selectFrom('awards')
      .innerJoin('memberships', 'memberships.organisation_id', 'awards.organisation_id')
      .select(['awards.organisation_id', 'memberships.user_id'])
      .where('awards.id', '=', awardId)
      .executeTakeFirstOrThrow()
    const now = new Date().toISOString()
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('awards').set({ status: 'accepted', offered_at: now, offered_by: manager, accepted_at: now, accepted_by: member.user_id, accepted_name: 'Test Treasurer', accepted_role: 'Treasurer' }).where('id', '=', awardId).execute()
      await scheduleAward(trx, member.user_id, { awardId })
    })
    const tranches = await db.selectFrom('tranches').select('id').where('award_id', '=', awardId).orderBy('sequence').execute()
    return { awardId, applicationId: bid.applicationId, organisationId: member.organisation_id, trancheIds: tranches.map((x) => x.id) }
  }

  async function pay(trancheId: number) {
    await s.run(finance.id, [trancheId])
    await db.transaction().execute((trx) => markTranchesSent(trx, finance.id, { trancheIds: [trancheId] }))
    await db.transaction().execute((trx) => markTranchePaid(trx, finance.id, { trancheId, paidOn: ukToday(), source: 'manual' }))
  }

  async function publish(awardId: number) {
    await db.transaction().execute((trx) => publishAward(trx, manager, awardId))
  }

  return {
    ...s,
    finance,
    singleFunder: { potId: single.potId, funderId: single.funderId, funderName, orgIdentifier },
    pooledAward: (options = {}) => s.acceptedAward({ amountPence: options.amountPence ?? 300_000 }),
    singleFunderAward,
    pay,
    publish,
  }
}
