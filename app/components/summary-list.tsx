/** A row of a GOV.UK-style summary list (`<dl className="summary-list">`): a term and its value. */
import type { ReactNode } from 'react'

export function SummaryRow({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  )
}
