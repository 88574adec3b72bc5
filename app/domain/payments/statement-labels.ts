/** How each statement line's result reads on the finance pages. Isomorphic: pages import it. */
import type { ReconciliationStatus } from './statement.ts'

export const STATEMENT_LINE_STATUS_LABELS: Record<ReconciliationStatus, string> = {
  matched: 'Matched: marked paid',
  already_paid: 'Already paid',
  unmatched: 'Not matched',
  invalid: 'Could not be read',
}

/** The order the counts are shown in. */
export const STATEMENT_LINE_STATUSES: readonly ReconciliationStatus[] = ['matched', 'already_paid', 'unmatched', 'invalid']
