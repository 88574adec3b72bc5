import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { SubmitButton } from '~/components/forms.tsx'
import { closeRound, getRound, RoundNotEditableError } from '~/domain/funds/rounds.server.ts'
import { describeDeadline } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Close a round – Commonpot' }]

function roundIdFrom(params: { roundId?: string }): number {
  return idParam(params.roundId)
}

/** GET /manage/rounds/<id>/close: asks the manager to confirm closing the round now. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const round = await getRound(db, roundIdFrom(params)).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  return json({ round: { id: round.id, title: round.title, status: round.status }, closing: round.closesAt ? describeDeadline(round.closesAt, new Date()) : null })
}

/** POST /manage/rounds/<id>/close: closes the round now; it takes no more applications. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:round:any')
  const roundId = roundIdFrom(params)
  try {
    const round = await db.transaction().execute((trx) => closeRound(trx, user.id, roundId, new Date()))
    return redirect(`/manage/rounds/${round.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: `${round.title} is closed` }) } })
  } catch (e) {
    if (e instanceof RoundNotEditableError) return json({ message: e.message }, { status: e.status })
    if (e instanceof NotFoundError) throw notFound()
    throw e
  }
}

export default function CloseRound() {
  const { round, closing } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  return (
    <>
      <p className="secondary">
        <Link to={`/manage/rounds/${round.id}`}>{round.title}</Link>
      </p>
      <h1>Close {round.title} now?</h1>
      {actionData?.message ? (
        <div className="error-summary" role="alert" aria-labelledby="close-problem" tabIndex={-1}>
          <h2 className="error-summary__title" id="close-problem">
            There is a problem
          </h2>
          <p>{actionData.message}</p>
        </div>
      ) : null}
      {round.status === 'published' ? (
        <>
          <p>The round {closing}. Closing it now stops new applications at once; applications already submitted are kept. This cannot be undone.</p>
          <Form method="post">
            <SubmitButton>Close round now</SubmitButton>
          </Form>
        </>
      ) : (
        <p>Only a published round can be closed.</p>
      )}
      <p>
        <Link to={`/manage/rounds/${round.id}`}>Back to the round</Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
