import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { getApplicationForMember } from '~/domain/applications/applications.server.ts'
import { statusLabel } from '~/domain/applications/status-labels.ts'
import { db } from '~/lib/db.server.ts'
import { formatDeadline } from '~/lib/dates.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Application submitted – Commonpot' }]

/** GET /applications/<id>/submitted: the confirmation, with the first-come-first-served outcome when there is one. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:application:own', context)
  const id = idParam(params.applicationId)
  const application = await getApplicationForMember(db, user, id).catch((e) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  if (!application.submittedAt) throw notFound()
  return json({
    id: application.id,
    reference: application.reference,
    status: application.status,
    statusLabel: statusLabel(application.status),
    submittedAt: formatDeadline(application.submittedAt),
    email: user.email,
    reason: application.fcfsReason,
    eoi: application.stage === 'eoi',
  })
}

export default function Submitted() {
  const d = useLoaderData<typeof loader>()
  return (
    <>
      <div className="panel panel--confirmation">
        <h1>{d.eoi ? 'Expression of interest submitted' : 'Application submitted'}</h1>
        <p>
          Your reference number is <strong>{d.reference}</strong>
        </p>
      </div>
      <p>We received it at {d.submittedAt}. We have sent a confirmation email to {d.email}.</p>
      {d.status === 'allocated' ? <p className="lead">A grant has been allocated to you. We will be in touch about the next steps.</p> : null}
      {d.status === 'waitlisted' ? <p className="lead">Your application is on the waiting list. {d.reason}</p> : null}
      {d.status === 'refused' ? <p className="lead">We could not allocate a grant to this application. {d.reason}</p> : null}
      {d.status === 'submitted' || d.status === 'eoi_submitted' ? (
        <>
          <h2>What happens next</h2>
          <p>{d.eoi ? 'The fund manager will read your expression of interest and let you know whether you are invited to make a full application.' : 'The panel will score the applications after the round closes. We will email you with the outcome.'}</p>
        </>
      ) : null}
      <p>
        <Link to={`/applications/${d.id}`}>Go to your application</Link> · Status: {d.statusLabel}
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
