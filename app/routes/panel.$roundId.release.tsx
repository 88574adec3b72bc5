import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { SubmitButton } from '~/components/forms.tsx'
import { DECISION_LABELS, DECISION_STATUSES } from '~/domain/assessment/panel-labels.ts'
import { panelRound } from '~/domain/assessment/panel.server.ts'
import { releaseDecisions, releasePreview } from '~/domain/assessment/release.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Release decisions – Panels – Commonpot' }]

function roundIdOf(param: string | undefined): number {
  return idParam(param)
}

async function roundOr404(roundId: number) {
  return panelRound(db, roundId).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
}

/** GET /panel/<roundId>/release: the fund manager checks what releasing will do. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const round = await roundOr404(roundIdOf(params.roundId))
  return json({ round: { id: round.id, title: round.title }, preview: await releasePreview(db, round.id) })
}

/** POST: releases every decision (409 with the bids still to decide, or when already released). */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:round:any')
  const round = await roundOr404(roundIdOf(params.roundId))
  try {
    const result = await db.transaction().execute((trx) => releaseDecisions(trx, user.id, { roundId: round.id, now: new Date() }))
    const message = `Decisions released for ${result.released} bids; ${result.emails} emails are on their way`
    return redirect(`/panel/${round.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof DomainError && e.status === 409) return json({ message: e.message }, { status: 409 })
    throw e
  }
}

export default function ReleaseDecisions() {
  const { round, preview } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  return (
    <>
      <p className="secondary">
        <Link to={`/panel/${round.id}`}>{round.title}: ranked bids</Link>
      </p>
      <h1>Release decisions for {round.title}</h1>
      {actionData?.message ? (
        <div className="error-summary" role="alert" aria-labelledby="release-problem" tabIndex={-1}>
          <h2 className="error-summary__title" id="release-problem">
            There is a problem
          </h2>
          <p>{actionData.message}</p>
        </div>
      ) : null}
      {preview.releasedAt ? (
        <p className="inset">Decisions were released on {new Date(preview.releasedAt).toLocaleDateString('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric' })}.</p>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <caption>What releasing will do</caption>
              <thead>
                <tr>
                  <th scope="col">Decision</th>
                  <th scope="col" className="num">
                    Bids
                  </th>
                  <th scope="col">Applicants are told</th>
                </tr>
              </thead>
              <tbody>
                {DECISION_STATUSES.map((s) => (
                  <tr key={s}>
                    <th scope="row">{DECISION_LABELS[s]}</th>
                    <td className="num">{preview.counts[s]}</td>
                    <td>{s === 'recommended' ? 'Successful' : s === 'reserve' ? 'On the reserve list' : 'Not successful, with the reason and feedback'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p>
            Recommended in total: {formatPence(preview.recommendedPence)}. {preview.emails} {preview.emails === 1 ? 'email' : 'emails'} will be sent to the organisations’ admins.
          </p>
          {preview.missing.length > 0 ? (
            <p className="inset">
              {preview.missing.length} of {preview.bids} bids still need a decision: {preview.missing.join(', ')}. Every bid needs a decision before you can release them.
            </p>
          ) : (
            <>
              <p>Releasing tells every applicant their outcome at once. Decisions cannot be changed afterwards.</p>
              <Form method="post">
                <SubmitButton>Release decisions</SubmitButton>
              </Form>
            </>
          )}
        </>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
