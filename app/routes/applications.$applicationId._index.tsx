import { type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { SECTION_STATUS_LABELS } from '~/domain/applications/answers.ts'
import { getApplicationTaskList } from '~/domain/applications/applications.server.ts'
import { canWithdraw } from '~/domain/applications/submission.server.ts'
import { statusLabel } from '~/domain/applications/status-labels.ts'
import { describeDeadline } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? `${data.reference}: ` : ''}Your application – Commonpot` }]

/** GET /applications/<id>: the task list, one line per section with its status ("3 of 6 sections complete"). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:application:own', context)
  const id = idParam(params.applicationId)
  const application = await getApplicationTaskList(db, user, id).catch((e) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  const { sections } = application
  // A bare object (single fetch serialises it once): the task list and the deadline only while the application can be
  // edited, the only time the page shows them.
  return {
    id: application.id,
    reference: application.reference,
    title: application.title,
    statusLabel: statusLabel(application.status),
    stage: application.stage,
    roundTitle: application.roundTitle,
    organisationName: application.organisationName,
    deadline: sections && application.roundClosesAt ? describeDeadline(application.roundClosesAt, new Date()) : null,
    withdrawable: canWithdraw(application.status),
    sections,
    complete: sections ? sections.filter((s) => s.status === 'completed').length : 0,
  }
}

export default function TaskList() {
  const d = useLoaderData<typeof loader>()
  return (
    <>
      <p className="secondary">{`${d.organisationName} · ${d.roundTitle} · Reference ${d.reference}`}</p>
      <h1>{d.stage === 'eoi' ? 'Your expression of interest' : 'Your application'}</h1>
      <p>
        Status: <strong className="tag">{d.statusLabel}</strong>
      </p>
      {d.deadline ? <p>{`This round ${d.deadline}.`}</p> : null}
      {d.sections ? (
        <>
          <p className="lead">{`${d.complete} of ${d.sections.length} sections complete`}</p>
          <ol className="task-list">
            {d.sections.map((s) => (
              <li key={s.number} className="task-list__item">
                <Link to={`/applications/${d.id}/sections/${s.number}`} aria-describedby={`section-${s.number}-status`}>
                  {s.title}
                </Link>
                <strong id={`section-${s.number}-status`} className={`tag${s.status === 'completed' ? ' tag--green' : s.status === 'in_progress' ? '' : ' tag--grey'}`}>
                  {SECTION_STATUS_LABELS[s.status]}
                </strong>
              </li>
            ))}
          </ol>
          <p>
            <Link className="button" to={`/applications/${d.id}/check`}>
              Check your answers and submit
            </Link>
          </p>
        </>
      ) : (
        <p>
          <Link to={`/applications/${d.id}/check`}>Read your application</Link>
        </p>
      )}
      <ul>
        <li>
          <Link to={`/applications/${d.id}/history`}>History and submitted versions</Link>
        </li>
        {d.withdrawable ? (
          <li>
            <Link to={`/applications/${d.id}/withdraw`}>Withdraw this application</Link>
          </li>
        ) : null}
        <li>
          <Link to="/applications">All your applications</Link>
        </li>
      </ul>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
