import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { getApplicationForMember } from '~/domain/applications/applications.server.ts'
import { canWithdraw, withdrawApplication } from '~/domain/applications/submission.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Withdraw your application – Commonpot' }]

const WithdrawSchema = z.object({ reason: z.string().trim().max(1000, 'The reason must be 1,000 characters or fewer').optional() })

/** GET /applications/<id>/withdraw: are you sure? */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'write:application:own', context)
  const id = idParam(params.applicationId)
  const application = await getApplicationForMember(db, user, id).catch((e) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  return json({ id: application.id, reference: application.reference, roundTitle: application.round.title, withdrawable: canWithdraw(application.status) })
}

/** POST: withdraws (audited); 409 once a decision has been made. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'write:application:own')
  const id = idParam(params.applicationId)
  const submission = parseWithZod(await request.formData(), { schema: WithdrawSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  try {
    await db.transaction().execute((trx) => withdrawApplication(trx, user, { applicationId: id, reason: submission.value.reason ?? null, now: new Date() }))
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound()
    if (e instanceof DomainError && e.status === 409) return json(submission.reply({ formErrors: [e.message] }), { status: 409 })
    throw e
  }
  return redirect(`/applications/${id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: 'Your application has been withdrawn.' }) } })
}

export default function Withdraw() {
  const d = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const formErrors = result?.error?.['']?.filter(Boolean) ?? []
  return (
    <>
      {formErrors.length > 0 ? (
        <div className="error-summary" role="alert" aria-labelledby="withdraw-error-title" tabIndex={-1}>
          <h2 className="error-summary__title" id="withdraw-error-title">
            There is a problem
          </h2>
          <ul className="error-summary__list">
            {formErrors.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <h1>Are you sure you want to withdraw application {d.reference}?</h1>
      {d.withdrawable ? (
        <>
          <p>Withdrawing takes your application out of {d.roundTitle}. It will not be assessed, and you cannot undo this.</p>
          <Form method="post">
            <div className="form-group">
              <label className="label" htmlFor="reason">
                Why are you withdrawing? (optional)
              </label>
              <textarea className="textarea" id="reason" name="reason" rows={3} />
            </div>
            <button type="submit" className="button button--warning">
              Withdraw application
            </button>
          </Form>
        </>
      ) : (
        <p>This application can no longer be withdrawn.</p>
      )}
      <p>
        <Link to={`/applications/${d.id}`}>No, go back to the application</Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
