import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { listPots } from '~/domain/budgets/pots.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'

export const meta: MetaFunction = () => [{ title: 'Pooled pots – Commonpot' }]

const STATUS_LABELS = { draft: 'Draft', open: 'Open', closed: 'Closed' } as const

/** GET /pots: every pooled pot, newest year first. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:pot:any', context)
  return json({ pots: await listPots(db), canManage: user.permissions.has('manage:pot:any') })
}

export default function Pots() {
  const { pots, canManage } = useLoaderData<typeof loader>()
  return (
    <>
      <h1>Pooled pots</h1>
      <p className="lead">Each pot pools money from several funders for one place (or nationally) and one financial year.</p>
      {canManage ? (
        <p>
          <Link className="button" to="/pots/new">
            Create a pot
          </Link>
        </p>
      ) : null}
      {pots.length === 0 ? (
        <p>There are no pots yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>All pots</caption>
            <thead>
              <tr>
                <th scope="col">Pot</th>
                <th scope="col">Place</th>
                <th scope="col">Host</th>
                <th scope="col">Year</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {pots.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Link to={`/pots/${p.id}`}>{p.name}</Link>
                  </td>
                  <td>{p.placeName ?? 'National (no single place)'}</td>
                  <td>{p.hostFunderName}</td>
                  <td>{p.financialYear}</td>
                  <td>{STATUS_LABELS[p.status]}</td>
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
