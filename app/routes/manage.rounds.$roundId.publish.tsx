import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { SubmitButton } from '~/components/forms.tsx'
import { getRound, publishProblems, publishRound, RoundNotEditableError, RoundNotReadyError } from '~/domain/funds/rounds.server.ts'
import { describeDeadline, describeOpening } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Publish a round – Commonpot' }]

function roundIdFrom(params: { roundId?: string }): number {
  return idParam(params.roundId)
}

/** GET /manage/rounds/<id>/publish: what is still missing, or a confirmation. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const round = await getRound(db, roundIdFrom(params)).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  const now = new Date()
  return json({
    round: { id: round.id, title: round.title, slug: round.slug, status: round.status },
    problems: round.status === 'draft' ? await publishProblems(db, round, now) : [],
    opening: round.opensAt ? describeOpening(round.opensAt, now) : null,
    closing: round.closesAt ? describeDeadline(round.closesAt, now) : null,
  })
}

/** POST /manage/rounds/<id>/publish: publishes the round (409 with what is missing if it is not ready). */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:round:any')
  const roundId = roundIdFrom(params)
  try {
    const round = await db.transaction().execute((trx) => publishRound(trx, user.id, roundId, new Date()))
    const message = `${round.title} is published. It now appears on the Open funding page.`
    return redirect(`/manage/rounds/${round.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof RoundNotReadyError) return json({ problems: e.reasons }, { status: 409 })
    if (e instanceof RoundNotEditableError) return json({ problems: [e.message] }, { status: 409 })
    if (e instanceof NotFoundError) throw notFound()
    throw e
  }
}

export default function PublishRound() {
  const { round, problems: loaded, opening, closing } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const problems = actionData?.problems ?? loaded
  if (round.status !== 'draft') {
    return (
      <>
        <h1>{round.title} is already published</h1>
        <p>
          <Link to={`/manage/rounds/${round.id}`}>Back to the round</Link>
        </p>
      </>
    )
  }
  return (
    <>
      <p className="secondary">
        <Link to={`/manage/rounds/${round.id}`}>{round.title}</Link>
      </p>
      <h1>Publish {round.title}</h1>
      {problems.length > 0 ? (
        <div className="error-summary" role="alert" aria-labelledby="publish-problems" tabIndex={-1}>
          <h2 className="error-summary__title" id="publish-problems">
            This round is not ready to publish
          </h2>
          <ul className="error-summary__list">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      ) : (
        <>
          <p>
            Once published, the round appears on the public Open funding page at <code>/funding/{round.slug}</code>. It {opening} and {closing}.
          </p>
          <p>After publishing you can still change its title, summary and guidance, and move its closing date later. Its questions, amounts and rules are then fixed.</p>
          <Form method="post">
            <SubmitButton>Publish round</SubmitButton>
          </Form>
        </>
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
