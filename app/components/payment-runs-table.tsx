import { RAIL_LABELS, RUN_STATUS_LABELS } from '~/domain/awards/award-labels.ts'
import { formatPence } from '~/lib/money.ts'
import { PlainLink } from './plain-link.tsx'

/** A payment run as its row shows it, as the loaders send it. */
export interface PaymentRunRow {
  id: number
  reference: string
  rail: string
  trancheCount: number
  total: string
  createdByName: string
  status: string
}

/** A run (as listRuns gives it) in the words its row shows. */
export function paymentRunRow(r: { id: number; reference: string; rail: string; trancheCount: number; totalPence: number; createdByName: string; status: string }): PaymentRunRow {
  return {
    id: r.id,
    reference: r.reference,
    rail: RAIL_LABELS[r.rail] ?? r.rail,
    trancheCount: r.trancheCount,
    total: formatPence(r.totalPence),
    createdByName: r.createdByName,
    status: RUN_STATUS_LABELS[r.status] ?? r.status,
  }
}

/** Payment runs, each linked to its page: on the payments due page (the latest few) and on the list of every run. */
export function PaymentRunsTable({ caption, runs }: { caption: string; runs: readonly PaymentRunRow[] }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Paid by</th>
            <th scope="col" className="num">
              Payments
            </th>
            <th scope="col" className="num">
              Total
            </th>
            <th scope="col">Prepared by</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id}>
              <th scope="row">
                <PlainLink to={`/finance/payment-runs/${r.id}`}>{r.reference}</PlainLink>
              </th>
              <td>{r.rail}</td>
              <td className="num">{r.trancheCount}</td>
              <td className="num">{r.total}</td>
              <td>{r.createdByName}</td>
              <td>{r.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
