/** Screening results and how they read. Isomorphic: pages render them in the browser too. */
export const SCREENING_RESULTS = ['eligible', 'ineligible'] as const
export type ScreeningResult = (typeof SCREENING_RESULTS)[number]

export const SCREENING_LABELS: Record<ScreeningResult | 'not_screened', string> = {
  eligible: 'Eligible',
  ineligible: 'Not eligible',
  not_screened: 'Not screened yet',
}
