/**
 * Shared pieces of the pot dashboard and the funder view: the summary cards of a set of figures and the table of
 * awards a contribution funds.
 */
import type { FundedAward, MoneyFigures } from '~/domain/budgets/reports.server.ts'
import { formatPence } from '~/lib/money.ts'

/** Five cards: pledged, received, committed, paid, available; `basis` says what counts as available. */
export function FiguresSummary({
  totals,
  basis,
  headingLevel = 2,
}: {
  totals: Pick<MoneyFigures, 'pledgedPence' | 'receivedPence' | 'committedPence' | 'paidPence' | 'availablePence'>
  basis?: string; headingLevel?: 2 | 3 }) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3'
  const cards: Array<[string, number, string]> = [
    ['Pledged', totals.pledgedPence, 'Promised by contributors'],
    ['Received', totals.receivedPence, 'Arrived in the bank'],
    ['Committed', totals.committedPence, 'Reserved for awards, including what has been paid'],
    ['Paid', totals.paidPence, 'Paid to grantees'],
    ['Available', totals.availablePence, basis ? `Can be committed now. Counts: ${basis.toLowerCase()}` : 'Can be committed now'],
  ]
  return (
    <ul className="cards">
      {cards.map(([label, pence, hint]) => (
        <li className="card" key={label}>
          <Heading>{label}</Heading>
          <p className="lead">{formatPence(pence)}</p>
          <p className="secondary">{hint}</p>
        </li>
      ))}
    </ul>
  )
}

/**
 * Awards with the money in each. `contributorsOf`, when given, adds a last column in words (a pot's awards: which
 * contributors' money each draws on).
 */
export function AwardsTable<A extends FundedAward>({ awards, caption, contributorsOf }: { awards: A[]; caption?: string; contributorsOf?: (award: A) => string }) {
  if (awards.length === 0) return <p>No awards funded yet.</p>
  return (
    <div className="table-wrap">
      <table>
        {caption ? <caption>{caption}</caption> : null}
        <thead>
          <tr>
            <th scope="col">Award</th>
            <th scope="col">Organisation</th>
            <th scope="col">Place</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Committed
            </th>
            <th scope="col" className="num">
              Paid
            </th>
            {contributorsOf ? <th scope="col">Contributors (committed, paid)</th> : null}
          </tr>
        </thead>
        <tbody>
          {awards.map((a) => (
            <tr key={a.awardId}>
              <th scope="row">{a.reference}</th>
              <td>{a.organisationName}</td>
              <td>{a.placeName ?? 'Not recorded'}</td>
              <td>{a.status}</td>
              <td className="num">{formatPence(a.committedPence)}</td>
              <td className="num">{formatPence(a.paidPence)}</td>
              {contributorsOf ? <td>{contributorsOf(a)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
