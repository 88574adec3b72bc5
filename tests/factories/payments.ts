/**
 * Awards ready to pay, for payment tests: a recommended bid in the pooled-pot scenario (award-decisions.ts), its award
 * committed to the pot, terms set, the offer accepted (its money scheduled in the ledger) and the organisation's bank
 * details checked, all through the domain functions.
 *
 *   const s = await createPaymentScenario(db)
 *   const award = await s.acceptedAward({ amountPence: 300_000 })       // one tranche, due today
 *   const finance = [await createUserWithRole(db, 'finance_officer'), await createUserWithRole(db, 'finance_officer')]
 *   const run = await s.run(finance[0].id, [award.trancheIds[0]])
 */
import crypto from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { createAwardFromDecision } from '../../app/domain/awards/awards.server.ts'
import type { ScheduleInput } from '../../app/domain/awards/schedule.ts'
import { decideCondition, setOfferTerms } from '../../app/domain/awards/terms.server.ts'
import { scheduleAward } from '../../app/domain/budgets/scheduling.server.ts'
import { enterBankDetails, verifyBankDetails } from '../../app/domain/payments/bank-details.server.ts'
import { prepareRun, type Rail } from '../../app/domain/payments/payment-runs.server.ts'
import { ukToday } from '../../app/domain/places/places.server.ts'
import { withReturnReviewCounts } from '../../app/domain/returns/review-counts.server.ts'
import { createAwardScenario, type AwardScenario } from './award-decisions.ts'
import { createUser } from './organisations.ts'

export interface AcceptedAwardOptions {
  amountPence?: number
  schedule?: ScheduleInput
  conditions?: string[]
  /** Leave the conditions outstanding (default: met). */
  conditionsOutstanding?: boolean
  /** 'verified' (default), 'unverified' or 'none'. */
  bank?: 'verified' | 'unverified' | 'none'
  stripeAccountId?: string
}

export interface AcceptedAward {
  awardId: number
  applicationId: number
  organisationId: number
  organisationName: string
  adminUserId: number
  trancheIds: number[]
}

export interface PaymentScenario extends AwardScenario {
  acceptedAward(options?: AcceptedAwardOptions): Promise<AcceptedAward>
  run(actorUserId: number, trancheIds: number[], rail?: Rail): Promise<{ id: number; reference: string; status: string }>
}

const key = () => crypto.randomBytes(6).toString('hex')

/** Accepts an offer the way acceptOffer does for the ledger (status, then scheduleAward), without the letter. */
async function acceptForTest(db: Kysely<DB>, awardId: number, userId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // As acceptOffer does: the award's returns start to count on the fund manager's returns list.
    await withReturnReviewCounts(trx, awardId, () =>
      trx.updateTable('awards').set({ status: 'accepted', accepted_at: new Date().toISOString(), accepted_by: userId, accepted_name: 'Test Treasurer', accepted_role: 'Treasurer' }).where('id', '=', awardId).execute(),
    )
    await scheduleAward(trx, userId, { awardId })
  })
}

export async function createPaymentScenario(db: Kysely<DB>): Promise<PaymentScenario> {
  const scenario = await createAwardScenario(db)
  const manager = scenario.managerUserId
  const checker = await createUser(db, { name: 'Fin Checker' })

  async function acceptedAward(options: AcceptedAwardOptions = {}): Promise<AcceptedAward> {
    const amountPence = options.amountPence ?? 300_000
    const bid = await scenario.bid({ decisionAmountPence: amountPence })
    const award = await db.transaction().execute((trx) =>
      createAwardFromDecision(trx, manager, { applicationId: bid.applicationId, amountPence, potId: scenario.potId, outcomeAreas: ['health_and_wellbeing'], idempotencyKey: key() }),
    )
    const conditions = options.conditions ?? []
    await db.transaction().execute((trx) =>
      setOfferTerms(trx, manager, { awardId: award.award.id, conditions, schedule: options.schedule ?? { kind: 'single', startDate: ukToday() } }),
    )
    const org = await db
      .selectFrom('awards')
      .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
      .innerJoin('memberships', 'memberships.organisation_id', 'organisations.id')
      .select(['organisations.id', 'organisations.name', 'memberships.user_id'])
      .where('awards.id', '=', award.award.id)
      .executeTakeFirstOrThrow()
    await db.updateTable('awards').set({ status: 'offered', offered_at: new Date().toISOString(), offered_by: manager }).where('id', '=', award.award.id).execute()
    await acceptForTest(db, award.award.id, org.user_id)
    if (!options.conditionsOutstanding) {
      const rows = await db.selectFrom('award_conditions').select('id').where('award_id', '=', award.award.id).execute()
      for (const c of rows) await db.transaction().execute((trx) => decideCondition(trx, manager, { conditionId: c.id, decision: 'met', note: 'Seen the policy' }))
    }
    const bank = options.bank ?? 'verified'
    if (bank !== 'none') {
      const entered = await db.transaction().execute((trx) =>
        enterBankDetails(trx, org.user_id, { organisationId: org.id, accountName: org.name, sortCode: '30-94-57', accountNumber: String(10_000_000 + org.id).slice(-8) }),
      )
      if (bank === 'verified') await db.transaction().execute((trx) => verifyBankDetails(trx, checker.id, { bankAccountId: entered.id, note: 'Checked against a paying-in slip' }))
    }
    if (options.stripeAccountId) await db.updateTable('organisations').set({ stripe_account_id: options.stripeAccountId }).where('id', '=', org.id).execute()
    const tranches = await db.selectFrom('tranches').select('id').where('award_id', '=', award.award.id).orderBy('sequence').execute()
    return { awardId: award.award.id, applicationId: bid.applicationId, organisationId: org.id, organisationName: org.name, adminUserId: org.user_id, trancheIds: tranches.map((t) => t.id) }
  }

  async function run(actorUserId: number, trancheIds: number[], rail: Rail = 'bacs') {
    return db.transaction().execute((trx) => prepareRun(trx, actorUserId, { rail, trancheIds, idempotencyKey: key() }))
  }

  return { ...scenario, acceptedAward, run }
}
