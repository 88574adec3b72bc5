import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { getApplicationForMember } from '~/domain/applications/applications.server.ts'
import { listVersions } from '~/domain/applications/submission.server.ts'
import { applicationTimelines } from '~/domain/applications/timeline.server.ts'
import { formatDeadline } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Application history – Commonpot' }]

/** GET /applications/<id>/history: the timeline and every submitted version. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:application:own', context)
  const id = idParam(params.applicationId)
  const application = await getApplicationForMember(db, user, id).catch((e) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  const [versions, timelines] = await Promise.all([listVersions(db, user, id), applicationTimelines(db, [id])])
  const labels = new Map(application.questions.map((q) => [q.key, q.label]))
  return json({
    id,
    reference: application.reference,
    timeline: (timelines.get(id) ?? []).map((e) => ({ at: formatDeadline(e.at), what: e.what })),
    versions: versions.map((v) => ({
      version: v.version,
      submittedAt: formatDeadline(v.submittedAt),
      submittedBy: v.submittedBy,
      answered: Object.keys(v.answers).map((k) => labels.get(k) ?? k),
    })),
  })
}

export default function History() {
  const d = useLoaderData<typeof loader>()
  return (
    <>
      <p className="secondary">Reference {d.reference}</p>
      <h1>History of your application</h1>
      <h2>What has happened</h2>
      <ol>
        {d.timeline.map((e, i) => (
          <li key={i}>
            {e.at}: {e.what}
          </li>
        ))}
      </ol>
      <h2>Submitted versions</h2>
      {d.versions.length === 0 ? (
        <p>This application has not been submitted yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Submitted versions</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Submitted</th>
                <th scope="col">By</th>
                <th scope="col">Questions answered</th>
              </tr>
            </thead>
            <tbody>
              {d.versions.map((v) => (
                <tr key={v.version}>
                  <td>{v.version}</td>
                  <td>{v.submittedAt}</td>
                  <td>{v.submittedBy ?? 'Unknown'}</td>
                  <td>{v.answered.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p>
        <Link to={`/applications/${d.id}`}>Back to your application</Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
