import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData, useRevalidator } from '@remix-run/react'
import { useEffect } from 'react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { db } from '~/lib/db.server.ts'
import { forbidden, notFound, requireUser } from '~/lib/guards.server.ts'
import { getJob } from '~/lib/jobs.server.ts'
import { idParam } from '~/lib/ids.ts'

const REFRESH_SECONDS = 2

/** While the job is queued or running the page refreshes itself every 2 seconds, with or without JavaScript. */
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.title ?? 'Progress'} – Commonpot` },
  ...(data && !data.finished ? [{ httpEquiv: 'refresh', content: String(REFRESH_SECONDS) }] : []),
]

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value : null)
/** Only paths on this site, never another origin. */
const localPath = (value: unknown): string | null => (typeof value === 'string' && /^\/(?!\/)/.test(value) ? value : null)

/** GET /jobs/<id>: a background job's progress, for the person who started it (or an administrator). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context)
  const job = await getJob(db, idParam(params.jobId))
  if (!job) throw notFound()
  if (job.createdBy !== user.id && !user.roles.includes('admin')) throw forbidden()
  const shown = { ...job.payload, ...(job.result ?? {}) }
  const failures = Array.isArray(job.result?.failed) ? (job.result.failed as Array<{ message?: unknown }>).map((f) => text(f.message)).filter((m): m is string => !!m) : []
  return json({
    id: job.id,
    status: job.status,
    finished: job.status === 'done' || job.status === 'failed',
    title: text(shown.title) ?? 'Background job',
    unit: text(shown.unit) ?? 'done',
    total: job.total,
    done: job.done,
    error: job.error,
    failures,
    returnTo: localPath(shown.returnTo),
    returnLabel: text(shown.returnLabel) ?? 'Continue',
  })
}

const STATUS_WORDS = { queued: 'Waiting to start', running: 'In progress', done: 'Finished', failed: 'Stopped with a problem' } as const

export default function JobProgress() {
  const job = useLoaderData<typeof loader>()
  const revalidator = useRevalidator()
  useEffect(() => {
    if (job.finished) return
    const timer = setInterval(() => {
      if (revalidator.state === 'idle') revalidator.revalidate()
    }, REFRESH_SECONDS * 1000)
    return () => clearInterval(timer)
  }, [job.finished, revalidator])
  return (
    <>
      <h1>{job.title}</h1>
      <p>
        <strong>{STATUS_WORDS[job.status]}</strong>
      </p>
      <label className="label" htmlFor="job-progress">
        Progress
      </label>
      <progress id="job-progress" value={job.done} max={Math.max(job.total, 1)} aria-describedby="job-progress-text">
        {job.done} of {job.total}
      </progress>
      <p id="job-progress-text" role="status" aria-live="polite">
        {job.done} of {job.total} {job.unit}
      </p>
      {!job.finished ? <p className="secondary">This page updates itself every few seconds. You can leave it: the work carries on.</p> : null}
      {job.status === 'failed' ? (
        <div className="error-summary" role="alert">
          <h2 className="error-summary__title">There is a problem</h2>
          <p>{job.error ?? 'The job stopped before it finished.'}</p>
        </div>
      ) : null}
      {job.failures.length > 0 ? (
        <>
          <h2>Not done</h2>
          <ul>
            {job.failures.map((f, i) => (
              <li key={`${i}:${f}`}>{f}</li>
            ))}
          </ul>
        </>
      ) : null}
      {job.finished && job.returnTo ? (
        <p>
          <Link to={job.returnTo}>{job.returnLabel}</Link>
        </p>
      ) : null}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
