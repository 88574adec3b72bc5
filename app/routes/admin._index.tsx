import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { requirePermission } from '~/lib/guards.server.ts'

export const meta: MetaFunction = () => [{ title: 'Administration – Commonpot' }]

/** GET /admin: the administrator's starting point. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'manage:user:any', context)
  return json({ canReadOutbox: user.permissions.has('read:outbox:any'), canReadAudit: user.permissions.has('read:audit:any') })
}

export default function AdminHome() {
  const { canReadOutbox, canReadAudit } = useLoaderData<typeof loader>()
  return (
    <>
      <h1>Administration</h1>
      <ul className="cards">
        <li className="card">
          <h2>
            <Link to="/admin/users">Users</Link>
          </h2>
          <p>Find people, see their organisations, and grant or remove roles such as assessor, fund manager or finance officer.</p>
        </li>
        <li className="card">
          <h2>
            <Link to="/admin/payment-settings">Payment settings</Link>
          </h2>
          <p>The amount above which a payment run needs a second finance officer, and the account payments are made from.</p>
        </li>
        <li className="card">
          <h2>
            <Link to="/admin/privacy">Personal data</Link>
          </h2>
          <p>How long declined applications keep their answers, and how to give someone their data or erase them.</p>
        </li>
        {canReadOutbox ? (
          <li className="card">
            <h2>
              <Link to="/admin/outbox">Outbox</Link>
            </h2>
            <p>Every email Commonpot has queued, and whether it was sent.</p>
          </li>
        ) : null}
        {canReadAudit ? (
          <li className="card">
            <h2>
              <Link to="/admin/audit">Audit trail</Link>
            </h2>
            <p>Who changed what and when, and a check that no record has been altered or removed.</p>
          </li>
        ) : null}
      </ul>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
