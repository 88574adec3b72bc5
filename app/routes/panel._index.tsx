import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { listPanelRounds } from '~/domain/assessment/panel.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'

export const meta: MetaFunction = () => [{ title: 'Panels – Commonpot' }]

/** GET /panel: the rounds whose panel the user may run (fund managers: all; chairs: the panels they chair). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'decide:application:any', context)
  return json({ rounds: await listPanelRounds(db, user) })
}

export default function Panels() {
  const { rounds } = useLoaderData<typeof loader>()
  return (
    <>
      <h1>Panels</h1>
      {rounds.length === 0 ? (
        <p>There are no panels for you yet. A fund manager puts you on a round’s panel as its chair.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Rounds with a panel</caption>
            <thead>
              <tr>
                <th scope="col">Round</th>
                <th scope="col">Fund</th>
                <th scope="col" className="num">
                  Budget
                </th>
                <th scope="col" className="num">
                  Bids
                </th>
                <th scope="col" className="num">
                  Decided
                </th>
                <th scope="col">Decisions</th>
              </tr>
            </thead>
            <tbody>
              {rounds.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    <Link to={`/panel/${r.id}`}>{r.title}</Link>
                  </th>
                  <td>{r.fundName}</td>
                  <td className="num">{formatPence(r.budgetPence)}</td>
                  <td className="num">{r.bids}</td>
                  <td className="num">{r.decided}</td>
                  <td>{r.decisionsReleasedAt ? 'Released' : 'Not released'}</td>
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
