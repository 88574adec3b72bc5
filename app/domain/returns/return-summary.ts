/**
 * A return's data turned into what its pages show: counts with their labels, each measure's n, means, mean change and
 * 95% confidence interval, and the spend against each budget line with its variance. Isomorphic and plain data, so a
 * loader computes it and the page renders it (the applicant's copy, each version, and the fund manager's review).
 */
import { summarise, sumsFromCohort, sumsFromParticipants } from '../impact/outcome-statistics.ts'
import { DEMOGRAPHICS, MEASURE_BY_CODE, REFERRAL_ROUTES, SWEMWBS_COPYRIGHT } from './measures.ts'
import { INSTRUMENTS, needsVarianceReason, scoresForStatistics, spentOf, type BudgetLineRef, type ReturnPhoto, type StoredReturnData } from './return-form.ts'

export interface OutcomeRow {
  measure: string
  label: string
  basis: 'participants' | 'cohort'
  n: number
  meanBefore: number
  meanAfter: number
  meanChange: number
  ci95: { low: number; high: number } | null
  lowerIsBetter: boolean
}

export interface ReturnSummary {
  peopleReached: number | null
  sessionsDelivered: number | null
  referrals: Array<{ label: string; count: number }>
  demographics: Array<{ label: string; rows: Array<{ label: string; count: number }> }>
  outcomes: OutcomeRow[]
  /** Shown with any SWEMWBS figure, as its licence requires. */
  swemwbsCopyright: string | null
  spentPence: number | null
  spendLines: Array<{ line: number; description: string; budgetPence: number; spentPence: number | null; variancePercent: number | null; overThreshold: boolean; reason: string | null }>
  matchFundingPence: number | null
  story: string
  plans: string
  photos: ReturnPhoto[]
}

export function summariseReturn(data: StoredReturnData, budgetLines: readonly BudgetLineRef[]): ReturnSummary {
  const outcomes: OutcomeRow[] = []
  for (const instrument of INSTRUMENTS) {
    const entry = data.outcomes[instrument.code]
    if (!entry) continue
    for (const code of instrument.measures) {
      const pairs = entry.basis === 'participants' ? entry.participants?.[code] : undefined
      const cohort = entry.basis === 'cohort' ? entry.cohort?.[code] : undefined
      const sums = pairs?.length ? sumsFromParticipants(scoresForStatistics(code, pairs)) : cohort ? sumsFromCohort(cohort) : null
      if (!sums) continue
      const s = summarise(sums)
      const m = MEASURE_BY_CODE[code]
      outcomes.push({ measure: code, label: m.label, basis: entry.basis, n: s.n, meanBefore: s.meanBefore, meanAfter: s.meanAfter, meanChange: s.meanChange, ci95: s.ci95, lowerIsBetter: m.lowerIsBetter })
    }
  }
  const byLine = new Map(budgetLines.map((l) => [l.line, l]))
  return {
    peopleReached: data.peopleReached,
    sessionsDelivered: data.sessionsDelivered,
    referrals: REFERRAL_ROUTES.filter((r) => data.referrals[r.code] !== undefined).map((r) => ({ label: r.label, count: data.referrals[r.code]! })),
    demographics: Object.entries(DEMOGRAPHICS)
      .map(([dim, def]) => ({
        label: def.label,
        rows: def.categories.filter((c) => data.demographics[dim as keyof typeof DEMOGRAPHICS]?.[c.code] !== undefined).map((c) => ({ label: c.label, count: data.demographics[dim as keyof typeof DEMOGRAPHICS]![c.code]! })),
      }))
      .filter((d) => d.rows.length > 0),
    outcomes,
    swemwbsCopyright: outcomes.some((o) => o.measure === 'swemwbs') ? SWEMWBS_COPYRIGHT : null,
    spentPence: spentOf(data),
    spendLines: data.spendLines.map((s) => {
      const budget = byLine.get(s.line)
      const budgetPence = budget?.amountPence ?? 0
      const variancePercent = s.spentPence !== null && budgetPence > 0 ? Math.round(((s.spentPence - budgetPence) * 1000) / budgetPence) / 10 : null
      return {
        line: s.line,
        description: budget?.description ?? `Line ${s.line}`,
        budgetPence,
        spentPence: s.spentPence,
        variancePercent,
        overThreshold: s.spentPence !== null && needsVarianceReason(budgetPence, s.spentPence),
        reason: s.reason,
      }
    }),
    matchFundingPence: data.matchFundingPence,
    story: data.story,
    plans: data.plans,
    photos: data.photos,
  }
}
