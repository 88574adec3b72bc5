/**
 * The figure tables the pot dashboard and the funder view share: money by contribution (with each contribution's
 * ring-fence in words and a link to its statement) and money by place.
 */
import type { MoneyFigures, PlaceRow } from '~/domain/budgets/reports.server.ts'
import { formatPence } from '~/lib/money.ts'

export interface ContributionFiguresRow {
  contributionId: number
  potId: number
  /** The row's header: the contributor on a pot's dashboard, the pot in a funder's view. */
  name: string
  /** Values for the `leadColumns`, in order. */
  lead?: string[]
  figures: Pick<MoneyFigures, 'pledgedPence' | 'receivedPence' | 'committedPence' | 'paidPence' | 'availablePence'>
  ringFence: string[]
  /** With `awardsHref`: how many awards the contribution funds, linked to their list when there are any. */
  awards?: number
  awardsHref?: string
}

const awardsText = (n: number) => (n === 1 ? '1 award' : `${n} awards`)

/**
 * Pledged, received, committed, paid and available per contribution, its ring-fence in words (a sentence for each
 * condition, as one run of text), and its statement. The links in each row are named for screen readers by aria-label
 * ("Statement (PDF) for NHS England"), which starts with the words shown.
 */
export function ContributionFiguresTable({
  caption,
  nameHeader,
  leadColumns = [],
  rows,
  awardsColumn = false,
}: {
  caption: string
  nameHeader: string
  leadColumns?: string[]
  rows: ContributionFiguresRow[]
  /** Adds an "Awards funded" column: each row's count of awards, linked to `awardsHref`. */
  awardsColumn?: boolean
}) {
  if (rows.length === 0) return null
  return (
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{nameHeader}</th>
            {leadColumns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
            {['Pledged', 'Received', 'Committed', 'Paid', 'Available'].map((c) => (
              <th scope="col" className="num" key={c}>
                {c}
              </th>
            ))}
            <th scope="col">Ring-fence</th>
            <th scope="col">Statement</th>
            {awardsColumn ? <th scope="col">Awards funded</th> : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.contributionId}>
              <th scope="row">{r.name}</th>
              {(r.lead ?? []).map((value, i) => (
                <td key={leadColumns[i] ?? i}>{value}</td>
              ))}
              <td className="num">{formatPence(r.figures.pledgedPence)}</td>
              <td className="num">{formatPence(r.figures.receivedPence)}</td>
              <td className="num">{formatPence(r.figures.committedPence)}</td>
              <td className="num">{formatPence(r.figures.paidPence)}</td>
              <td className="num">{formatPence(r.figures.availablePence)}</td>
              <td>{r.ringFence.map((sentence) => `${sentence}.`).join(' ')}</td>
              <td>
                <a href={`/pots/${r.potId}/contributions/${r.contributionId}/statement.pdf`} download aria-label={`Statement (PDF) for ${r.name}`}>
                  Statement (PDF)
                </a>
              </td>
              {awardsColumn ? (
                <td>
                  {r.awards && r.awardsHref ? (
                    <a href={r.awardsHref} aria-label={`${awardsText(r.awards)} funded from ${r.name}${r.lead?.length ? ` (${r.lead.join(', ')})` : ''}`}>
                      {awardsText(r.awards)}
                    </a>
                  ) : (
                    'None yet'
                  )}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** Awards, committed and paid by place. */
export function PlaceFiguresTable({ caption, rows }: { caption: string; rows: PlaceRow[] }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Place</th>
            <th scope="col" className="num">
              Awards
            </th>
            <th scope="col" className="num">
              Committed
            </th>
            <th scope="col" className="num">
              Paid
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => (
            <tr key={p.placeId ?? 'none'}>
              <th scope="row">{p.placeName}</th>
              <td className="num">{p.awards}</td>
              <td className="num">{formatPence(p.committedPence)}</td>
              <td className="num">{formatPence(p.paidPence)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
