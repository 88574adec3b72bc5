/** The round's budget at the foot of the panel's ranked list, as the ranked bids and the money page both show it. */
import type { ReactNode } from 'react'
import { SummaryRow } from './summary-list.tsx'

export function PanelBudgetSummary({ budget, counted, roundLeft, children }: { budget: string; counted: string; roundLeft: { text: string; over: boolean }; children?: ReactNode }) {
  return (
    <dl className="summary-list">
      <SummaryRow label="Round budget">{budget}</SummaryRow>
      <SummaryRow label="Running total at the foot of the list">{counted}</SummaryRow>
      <SummaryRow label="Left in the round budget">{roundLeft.over ? <strong>{roundLeft.text}</strong> : roundLeft.text}</SummaryRow>
      {children}
    </dl>
  )
}
