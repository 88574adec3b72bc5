import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { SummaryRow } from '~/components/summary-list.tsx'
import { STATEMENT_LINE_STATUS_LABELS, STATEMENT_LINE_STATUSES } from '~/domain/payments/statement-labels.ts'
import { statementImport } from '~/domain/payments/statement-import.server.ts'
import { formatDeadline, formatLondon } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Bank statement – Finance – Commonpot' }]

/** GET /finance/statements/<importId>: every line of an imported statement and what it matched. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'prepare:payment-run:any', context)
  const importId = idParam(params.importId, 'We could not find that statement.')
  try {
    const imported = await statementImport(db, importId)
    const counts = Object.fromEntries(STATEMENT_LINE_STATUSES.map((s) => [s, imported.lines.filter((l) => l.status === s).length]))
    return json({ imported, counts })
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound('We could not find that statement.')
    throw e
  }
}

export default function StatementImport() {
  const { imported, counts } = useLoaderData<typeof loader>()
  return (
    <>
      <p>
        <Link to="/finance/statements">Back to bank statements</Link>
      </p>
      <span className="secondary">Bank statement</span>
      <h1>{imported.filename}</h1>
      <dl className="summary-list">
        <SummaryRow label="Imported">
          {formatDeadline(imported.importedAt)} by {imported.importedBy}
        </SummaryRow>
        {STATEMENT_LINE_STATUSES.map((s) => (
          <SummaryRow key={s} label={STATEMENT_LINE_STATUS_LABELS[s]}>
            {counts[s]} {counts[s] === 1 ? 'line' : 'lines'}
          </SummaryRow>
        ))}
      </dl>
      {imported.lines.length === 0 ? (
        <p>The statement had no lines after its headings.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>Each line of the statement and what it matched</caption>
            <thead>
              <tr>
                <th scope="col" className="num">
                  Line
                </th>
                <th scope="col">Date</th>
                <th scope="col">Reference on the statement</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {imported.lines.map((l) => (
                <tr key={l.lineNumber}>
                  <th scope="row" className="num">
                    {l.lineNumber}
                  </th>
                  <td>{l.postedOn ? formatLondon(l.postedOn, 'd MMM yyyy') : '–'}</td>
                  <td>
                    {l.reference}
                    {l.description ? <span className="hint"> {l.description}</span> : null}
                  </td>
                  <td className="num">{l.amountPence === null ? '–' : formatPence(l.amountPence)}</td>
                  <td>
                    <strong>{STATEMENT_LINE_STATUS_LABELS[l.status]}</strong>
                    {l.payment ? (
                      <>
                        {': '}
                        {l.payment.reference} to {l.payment.organisationName}
                        {l.payment.paymentRunId !== null ? (
                          <>
                            {' '}
                            (run <Link to={`/finance/payment-runs/${l.payment.paymentRunId}`}>{l.payment.paymentRunReference}</Link>)
                          </>
                        ) : null}
                      </>
                    ) : null}
                    {l.note ? <div>{l.note}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p>
        Payments that were not matched stay sent, not paid. If one has been paid, check its reference and amount with the bank; a payment that came back
        is recorded as failed on its payment run.
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
