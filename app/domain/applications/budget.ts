/**
 * A bid's money, worked out from its budget table and the amount it asks for: the project cost is every budget line
 * (cash and in-kind); match funding is the cash not asked of us plus, when the round counts it, the in-kind support.
 *
 *   Project cost £50,000 = £42,000 cash + £8,000 in-kind; asking for £40,000
 *   -> match cash £2,000 + match in-kind £8,000 = £10,000 = 20% of the project cost.
 *
 * Integer pence throughout; the percentage is only for showing (the rule is checked with whole numbers).
 * Isomorphic: no Node APIs.
 */
import type { BudgetLine } from './answers.ts'

export interface MatchFundingRule {
  percentOfProjectCost: number
  inKindCounts: boolean
}

export interface BudgetSummary {
  projectCostPence: number
  cashPence: number
  inKindPence: number
  amountRequestedPence: number
  /** Cash from other sources: the cash costs less what is asked of us (never below 0). */
  matchCashPence: number
  matchInKindPence: number
  /** The match funding the round counts (in-kind only if the round allows it). */
  matchCountedPence: number
  /** matchCounted as a share of the project cost, to one decimal place (0 when there is no cost yet). */
  matchPercent: number
  /** The amount asked for is more than the budget's cash costs. */
  requestExceedsCash: boolean
  /** Whether the round's match-funding rule is met (true when the round has none). */
  meetsMatchFunding: boolean
}

export function summariseBudget(lines: readonly BudgetLine[], amountRequestedPence: number, rule: MatchFundingRule | null): BudgetSummary {
  const cashPence = lines.filter((l) => l.kind === 'cash').reduce((sum, l) => sum + l.amountPence, 0)
  const inKindPence = lines.filter((l) => l.kind === 'in_kind').reduce((sum, l) => sum + l.amountPence, 0)
  const projectCostPence = cashPence + inKindPence
  const matchCashPence = Math.max(0, cashPence - amountRequestedPence)
  const matchInKindPence = inKindPence
  const matchCountedPence = matchCashPence + (rule && !rule.inKindCounts ? 0 : matchInKindPence)
  const matchPercent = projectCostPence === 0 ? 0 : Math.floor((matchCountedPence * 1000) / projectCostPence) / 10
  // Whole-number comparison: counted / cost >= percent / 100.
  const meetsMatchFunding = !rule || rule.percentOfProjectCost === 0 || (projectCostPence > 0 && matchCountedPence * 100 >= rule.percentOfProjectCost * projectCostPence)
  return {
    projectCostPence,
    cashPence,
    inKindPence,
    amountRequestedPence,
    matchCashPence,
    matchInKindPence,
    matchCountedPence,
    matchPercent,
    requestExceedsCash: amountRequestedPence > cashPence && lines.length > 0,
    meetsMatchFunding,
  }
}
