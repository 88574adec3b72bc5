import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { fundedAwardsPage } from '~/domain/funders/dashboard.server.ts'
import { db } from '~/lib/db.server.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Awards funded from ${data?.contribution.potName ?? 'a pot'} – Commonpot` }]

const Cursor = z.coerce.number().int().positive().optional().catch(undefined)

/**
 * GET /funder/contributions/:contributionId (read:report:funder): the awards one of the viewer's own contributions
 * funds, 50 a page (?after= / ?before= a commitment id), with its share of each. 404 for another funder's.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:report:funder')
  const contributionId = Number(params.contributionId)
  if (!Number.isSafeInteger(contributionId) || contributionId <= 0) throw notFound()
  const search = new URL(request.url).searchParams
  const page = await fundedAwardsPage(db, {
    funderIds: user.funderIds,
    contributionId,
    after: Cursor.parse(search.get('after') ?? undefined),
    before: Cursor.parse(search.get('before') ?? undefined),
  })
  if (!page) throw notFound()
  return json(page)
}

export default function FundedAwards() {
  const d = useLoaderData<typeof loader>()
  const base = `/funder/contributions/${d.contribution.id}`
  return (
    <>
      <p>
        <Link to="/funder">Back to what our money did</Link>
      </p>
      <h1>Awards funded from {d.contribution.potName}</h1>
      <p>
        {d.contribution.funderName}&rsquo;s contribution to {d.contribution.potName} ({d.contribution.financialYear}) funds{' '}
        {d.count === 1 ? '1 award' : `${d.count} awards`}, {formatPence(d.committedPence)} committed in all. Amounts are{' '}
        {d.contribution.funderName}&rsquo;s share of each award.
      </p>
      {d.awards.length === 0 ? (
        <p>No awards funded yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>Awards funded from {d.contribution.potName}, oldest first</caption>
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
              </tr>
            </thead>
            <tbody>
              {d.awards.map((a) => (
                <tr key={a.commitmentId}>
                  <th scope="row">{a.reference}</th>
                  <td>{a.organisationName}</td>
                  <td>{a.placeName ?? 'Not recorded'}</td>
                  <td>{a.status}</td>
                  <td className="num">{formatPence(a.committedPence)}</td>
                  <td className="num">{formatPence(a.paidPence)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {d.previous || d.next ? (
        <nav aria-label="Pages of awards">
          <ul className="actions-list">
            {d.previous ? (
              <li>
                <Link to={`${base}?before=${d.previous}`}>Previous page</Link>
              </li>
            ) : null}
            {d.next ? (
              <li>
                <Link to={`${base}?after=${d.next}`}>Next page</Link>
              </li>
            ) : null}
          </ul>
        </nav>
      ) : null}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
