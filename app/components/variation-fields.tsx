/**
 * The pieces of the "change a grant" pages that the fund manager's and the organisation's pages share: the form's
 * fields (new amount, the payments still to come, the reason) and a record of each change asked for.
 */
import type { FieldMetadata } from '@conform-to/react'
import type { ReactNode } from 'react'
import { VARIATION_GATE_LABELS, VARIATION_GATES, VARIATION_STATUS_LABELS, type VariationSummary } from '~/domain/awards/variation-form.ts'
import { formatLondonDate } from '~/lib/dates.ts'
import { formatPence } from '~/lib/money.ts'
import { FieldError, SelectField, TextArea, TextField } from './forms.tsx'
import { SummaryRow } from './summary-list.tsx'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyField = FieldMetadata<any, any, any>

/** One payment row's fields (from Conform's getFieldList()[i].getFieldset()). */
export interface PaymentRowFields {
  key: string | undefined
  amount: AnyField
  dueDate: AnyField
  gate: AnyField
}

/**
 * The payment rows' fields. Conform's getFieldset() is a Proxy that makes each field when it is read by name, so it
 * cannot be spread (`{ ...row.getFieldset() }` is empty and the form failed to render).
 */
export function paymentRows(tranches: { getFieldList: () => Array<{ key: string | undefined; getFieldset: () => Omit<PaymentRowFields, 'key'> }> }): PaymentRowFields[] {
  return tranches.getFieldList().map((row) => {
    const fieldset = row.getFieldset()
    return { key: row.key, amount: fieldset.amount, dueDate: fieldset.dueDate, gate: fieldset.gate }
  })
}

export function VariationFields({
  fields,
  rows,
  keyValue,
  reasonHint,
}: {
  fields: { amount: AnyField; tranches: AnyField; reason: AnyField }
  rows: PaymentRowFields[]
  keyValue: string
  reasonHint: ReactNode
}) {
  return (
    <>
      <input type="hidden" name="idempotencyKey" value={keyValue} />
      <TextField field={fields.amount} label="New amount of the grant" hint="The whole grant, including anything already paid. In pounds, like £4,500" inputMode="decimal" width="medium" />
      <fieldset className="fieldset" id={fields.tranches.id} aria-describedby={fields.tranches.errors?.length ? fields.tranches.errorId : undefined}>
        <legend>Payments still to come</legend>
        <p className="hint">
          These replace every payment not yet paid or on its way. Together they must add up to the new amount less what has been paid or is being paid. Leave rows you do not need empty.
        </p>
        <FieldError field={fields.tranches} />
        {rows.map(({ key, amount, dueDate, gate }, i) => {
          return (
            <div key={key ?? i}>
              <TextField field={amount} label={`Payment ${i + 1} amount`} inputMode="decimal" width="medium" />
              <TextField field={dueDate} label={`Payment ${i + 1} due date`} hint="YYYY-MM-DD" width="medium" />
              <SelectField field={gate} label={`Payment ${i + 1} is paid`} defaultValue="date">
                {VARIATION_GATES.map((g) => (
                  <option key={g} value={g}>
                    {VARIATION_GATE_LABELS[g]}
                  </option>
                ))}
              </SelectField>
            </div>
          )
        })}
      </fieldset>
      <TextArea field={fields.reason} label="Why should the grant change?" hint={reasonHint} rows={4} />
    </>
  )
}

function PaymentList({ payments }: { payments: Array<{ amountPence: number; dueDate: string }> }) {
  if (payments.length === 0) return <>No payments</>
  return (
    <ul>
      {payments.map((p, i) => (
        <li key={i}>
          {formatPence(p.amountPence)} due {p.dueDate}
        </li>
      ))}
    </ul>
  )
}

/** Each change asked for: what it changes, why, who asked, and the decision. `actions` renders under a pending one. */
export function VariationHistory({ variations, actions, headingLevel = 3 }: { variations: VariationSummary[]; actions?: (v: VariationSummary) => ReactNode; headingLevel?: 2 | 3 }) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3'
  return (
    <>
      {variations.map((v) => (
        <section key={v.id} className="card" aria-labelledby={`variation-${v.id}`}>
          <Heading id={`variation-${v.id}`}>
            Change asked for on {formatLondonDate(v.requestedAt)}: {VARIATION_STATUS_LABELS[v.status] ?? v.status}
          </Heading>
          <div className="table-wrap">
          <table>
            <caption className="visually-hidden">What the change asks for</caption>
            <thead>
              <tr>
                <th scope="col">What changes</th>
                <th scope="col">Now</th>
                <th scope="col">Asked for</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">Amount of the grant</th>
                <td>{formatPence(v.currentAmountPence)}</td>
                <td>{formatPence(v.proposedAmountPence)}</td>
              </tr>
              <tr>
                <th scope="row">Payments still to come</th>
                <td>
                  <PaymentList payments={v.replaced} />
                </td>
                <td>
                  <PaymentList payments={v.proposed} />
                </td>
              </tr>
            </tbody>
          </table>
          </div>
          <dl className="summary-list">
            <SummaryRow label="Why">{v.reason}</SummaryRow>
            <SummaryRow label="Asked by">{v.requestedByName}</SummaryRow>
            {v.decidedByName ? (
              <SummaryRow label="Decided by">
                {v.decidedByName}
                {v.decidedAt ? ` on ${formatLondonDate(v.decidedAt)}` : ''}
                {v.decisionNote ? `: ${v.decisionNote}` : ''}
              </SummaryRow>
            ) : null}
          </dl>
          {v.status === 'pending' && actions ? actions(v) : null}
        </section>
      ))}
    </>
  )
}
