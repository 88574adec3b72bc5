/**
 * How panel decisions read to people. Isomorphic: the panel pages render these in the browser too.
 * The rules behind them are in panel.server.ts.
 */
import { formatPence } from '~/lib/money.ts'

export const DECISION_STATUSES = ['recommended', 'reserve', 'declined'] as const
export type DecisionStatus = (typeof DECISION_STATUSES)[number]

export const DECISION_LABELS: Record<DecisionStatus, string> = {
  recommended: 'Recommended for funding',
  reserve: 'Reserve list',
  declined: 'Declined',
}

/** The application status each decision becomes when the fund manager releases decisions. */
export const RELEASED_STATUS: Record<DecisionStatus, 'successful' | 'reserve' | 'unsuccessful'> = {
  recommended: 'successful',
  reserve: 'reserve',
  declined: 'unsuccessful',
}

export function decisionLabel(status: string | null | undefined): string {
  return status && status in DECISION_LABELS ? DECISION_LABELS[status as DecisionStatus] : 'No decision yet'
}

/** Money left as the panel pages show it: "£1,000.00", or what it is over by (which the pages show in bold). */
export function moneyLeftLabel(pence: number): { text: string; over: boolean } {
  return pence < 0 ? { text: `Over by ${formatPence(-pence)}`, over: true } : { text: formatPence(pence), over: false }
}
