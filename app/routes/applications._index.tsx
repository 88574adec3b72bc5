import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { listApplicationsForMember } from '~/domain/applications/applications.server.ts'
import { applicationTimelines } from '~/domain/applications/timeline.server.ts'
import { statusLabel } from '~/domain/applications/status-labels.ts'
import { formatDeadline } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { requireUser } from '~/lib/guards.server.ts'

export const meta: MetaFunction = () => [{ title: 'Your applications – Commonpot' }]

/** GET /applications: each of your organisations' applications, its status and what has happened to it. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context)
  const applications = await listApplicationsForMember(db, user)
  const timelines = await applicationTimelines(
    db,
    applications.map((a) => a.id),
  )
  return json({
    applications: applications.map((a) => ({
      ...a,
      statusLabel: statusLabel(a.status),
      timeline: (timelines.get(a.id) ?? []).map((e) => ({ at: formatDeadline(e.at), what: e.what })),
    })),
  })
}

export default function Applications() {
  const { applications } = useLoaderData<typeof loader>()
  return (
    <>
      <h1>Your applications</h1>
      {applications.length === 0 ? (
        <p>
          You have not started an application yet. <Link to="/funding">See open funding</Link>.
        </p>
      ) : (
        applications.map((a) => (
          <section key={a.id} className="card" aria-labelledby={`application-${a.id}`}>
            <h2 id={`application-${a.id}`}>
              <Link to={`/applications/${a.id}`}>{a.title}</Link>
            </h2>
            <p>
              {a.reference} · {a.roundTitle} · {a.organisationName}
            </p>
            <p>
              Status: <strong className="tag">{a.statusLabel}</strong>
            </p>
            <h3>Timeline</h3>
            <ol>
              {a.timeline.map((e, i) => (
                <li key={i}>
                  {e.at}: {e.what}
                </li>
              ))}
            </ol>
          </section>
        ))
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
