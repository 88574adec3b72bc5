/** The versions of an impact return sent so far, newest first, with the fund manager's decision and comments on each. */
import { Link } from '@remix-run/react'
import { formatLondon } from '~/lib/dates.ts'

export interface ReturnVersionRow {
  version: number
  submittedAt: string
  submittedByName: string
  reviewOutcome: 'accepted' | 'changes_requested' | null
  reviewComments: string | null
  reviewedAt: string | null
  reviewedByName: string | null
}

const OUTCOME_LABELS = { accepted: 'Accepted', changes_requested: 'Changes asked for' } as const

export function ReturnVersionsTable({ versions, hrefFor }: { versions: ReturnVersionRow[]; hrefFor: (version: number) => string }) {
  return (
    <>
      <h2>Versions sent</h2>
      <div className="table-wrap">
        <table>
          <caption>Every version of this return that has been sent, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Sent</th>
              <th scope="col">Decision</th>
              <th scope="col">Comments</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version}>
                <th scope="row">
                  <Link to={hrefFor(v.version)}>Version {v.version}</Link>
                </th>
                <td>
                  {formatLondon(v.submittedAt, "d MMM yyyy 'at' HH:mm")} by {v.submittedByName}
                </td>
                <td>{v.reviewOutcome ? `${OUTCOME_LABELS[v.reviewOutcome]}${v.reviewedByName ? ` by ${v.reviewedByName}` : ''}` : 'Waiting for review'}</td>
                <td>{v.reviewComments ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}
