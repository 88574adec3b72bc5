import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { awardStatusLabel } from '~/domain/awards/offer-labels.ts'
import { organisationAwards } from '~/domain/awards/offer-views.server.ts'
import { ukToday } from '~/domain/places/places.server.ts'
import { awardsWithOverdueReturns } from '~/domain/returns/returns.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'

export const meta: MetaFunction = () => [{ title: 'Your awards – Commonpot' }]

/** GET /awards: the awards of the organisations the user belongs to, with where each offer has got to. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'accept:offer:own', context)
  const awards = await organisationAwards(db, user.organisationIds)
  const overdue = await awardsWithOverdueReturns(db, awards.map((a) => a.id), ukToday())
  return json({ awards: awards.map((a) => ({ ...a, statusLabel: awardStatusLabel(a.status), returnOverdue: overdue.has(a.id) })) })
}

export default function Awards() {
  const { awards } = useLoaderData<typeof loader>()
  return (
    <>
      <h1>Your awards</h1>
      {awards.length === 0 ? (
        <p>Your organisation has no awards yet. When a panel recommends one of your applications, its offer appears here.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>Grants awarded to your organisation, whether each offer needs a reply, and any impact return overdue</caption>
            <thead>
              <tr>
                <th scope="col">Award</th>
                <th scope="col">Project</th>
                <th scope="col">Organisation</th>
                <th scope="col">Round</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {awards.map((a) => (
                <tr key={a.id}>
                  <th scope="row">
                    <Link to={`/awards/${a.id}`}>{a.reference}</Link>
                  </th>
                  <td>{a.projectTitle}</td>
                  <td>{a.organisationName}</td>
                  <td>{a.roundTitle}</td>
                  <td className="num">{formatPence(a.amountPence)}</td>
                  <td>
                    {a.status === 'offered' ? <strong>{a.statusLabel}</strong> : a.statusLabel}
                    {a.returnOverdue ? (
                      <>
                        {' '}
                        <Link to={`/awards/${a.id}#impact-returns`} className="tag tag--red">
                          Impact return overdue
                        </Link>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
