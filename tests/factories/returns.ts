/**
 * Impact returns for tests: accepted awards (the payment scenario) whose returns are attached, an approved budget for
 * the full form, and return data that passes (ONS4 and UCLA-3 per participant).
 *
 *   const s = await createReturnScenario(db)
 *   const award = await s.awardWithReturns({ amountPence: 2_000_000, yearly: true })   // full form, Year 1 gates tranche 2
 *   await db.transaction().execute((trx) => submitReturn(trx, award.adminUserId, { returnId: award.returnIds[0], data: fullReturnData() }))
 */
import { format, subYears } from 'date-fns'
import type { Kysely } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { BudgetLine } from '../../app/domain/applications/answers.ts'
import { ukToday } from '../../app/domain/places/places.server.ts'
import { emptyReturnData, type ReturnData } from '../../app/domain/returns/return-form.ts'
import { createPaymentScenario, type AcceptedAward, type PaymentScenario } from './payments.ts'

export const TEST_BUDGET: BudgetLine[] = [
  { category: 'Staff', description: 'Session leader', amountPence: 1_200_000, kind: 'cash' },
  { category: 'Venue', description: 'Hall hire', amountPence: 600_000, kind: 'cash' },
  { category: 'Materials', description: 'Art materials', amountPence: 200_000, kind: 'cash' },
]

export interface AwardWithReturns extends AcceptedAward {
  /** In the order they are due. */
  returnIds: number[]
}

export interface ReturnScenario extends PaymentScenario {
  /**
   * An accepted award with its returns. `yearly` pays it in two equal years from a year ago, so the Year 1 return is
   * due today and tranche 2 waits for it; otherwise one payment and the round's schedule. `budget` gives the
   * application a budget table (the full form's spend lines).
   */
  awardWithReturns(options?: { amountPence?: number; yearly?: boolean; budget?: BudgetLine[] | null; startDate?: string }): Promise<AwardWithReturns>
}

export async function createReturnScenario(db: Kysely<DB>): Promise<ReturnScenario> {
  const s = await createPaymentScenario(db)
  let budgetQuestion = false

  async function giveBudget(applicationId: number, lines: BudgetLine[]) {
    if (!budgetQuestion) {
      await db
        .insertInto('questions')
        .values({ round_id: s.roundId, stage: 'full', section: 'Money', position: 1, key: 'budget', type: 'budget_table', label: 'Your budget' })
        .onConflict((oc) => oc.doNothing())
        .execute()
      budgetQuestion = true
    }
    await db.updateTable('applications').set({ answers: JSON.stringify({ budget: lines }), stage: 'full' }).where('id', '=', applicationId).execute()
  }

  async function awardWithReturns(options: { amountPence?: number; yearly?: boolean; budget?: BudgetLine[] | null; startDate?: string } = {}): Promise<AwardWithReturns> {
    const amountPence = options.amountPence ?? 300_000
    const start = options.startDate ?? (options.yearly ? format(subYears(new Date(`${ukToday()}T12:00:00Z`), 1), 'yyyy-MM-dd') : ukToday())
    const award = await s.acceptedAward({
      amountPence,
      schedule: options.yearly ? { kind: 'yearly', years: 2, amountPerYearPence: amountPence / 2, startDate: start } : { kind: 'single', startDate: start },
    })
    const budget = options.budget === undefined ? TEST_BUDGET : options.budget
    if (budget) await giveBudget(award.applicationId, budget)
    const returns = await db.selectFrom('returns').select('id').where('award_id', '=', award.awardId).orderBy('due_date').orderBy('id').execute()
    return { ...award, returnIds: returns.map((r) => r.id) }
  }

  return { ...s, awardWithReturns }
}

/** A complete short-form return: 40 people, ONS4 per participant. */
export function shortReturnData(overrides: Partial<ReturnData> = {}): ReturnData {
  return {
    ...emptyReturnData(),
    peopleReached: 40,
    sessionsDelivered: 24,
    referrals: { link_worker: 20, health_professional: 10, self: 10 },
    outcomes: {
      ons4: {
        basis: 'participants',
        participants: {
          ons4_life_satisfaction: [
            { before: 4, after: 6 },
            { before: 5, after: 7 },
            { before: 6, after: 6 },
          ],
          ons4_anxious: [
            { before: 7, after: 4 },
            { before: 6, after: 5 },
            { before: 5, after: 5 },
          ],
        },
      },
    },
    spentPence: 250_000,
    story: 'Mary came every week and now runs the tea rota.',
    plans: 'Keep the Tuesday group going and start a second one.',
    ...overrides,
  }
}

/** A complete full-form return for TEST_BUDGET: ONS4 and UCLA-3 per participant, demographics, every budget line. */
export function fullReturnData(overrides: Partial<ReturnData> = {}): ReturnData {
  const short = shortReturnData()
  return {
    ...short,
    demographics: { age_band: { '65_79': 25, '80_plus': 15 }, sex: { female: 30, male: 10 } },
    outcomes: {
      ...short.outcomes,
      ucla3: {
        basis: 'participants',
        participants: {
          ucla3: [
            { before: 8, after: 5 },
            { before: 7, after: 6 },
            { before: 9, after: 6 },
          ],
        },
      },
    },
    spentPence: null,
    spendLines: [
      { line: 1, spentPence: 1_200_000, reason: null },
      { line: 2, spentPence: 650_000, reason: null },
      { line: 3, spentPence: 100_000, reason: 'Volunteers brought their own materials.' },
    ],
    matchFundingPence: 150_000,
    ...overrides,
  }
}
