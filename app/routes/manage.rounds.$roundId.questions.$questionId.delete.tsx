import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { SubmitButton } from '~/components/forms.tsx'
import { getQuestionOfRound, QuestionDependencyError, removeQuestion } from '~/domain/funds/questions.server.ts'
import { RoundNotEditableError } from '~/domain/funds/rounds.server.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Delete a question – Commonpot' }]

function idsFrom(params: { roundId?: string; questionId?: string }): { roundId: number; questionId: number } {
  return { roundId: idParam(params.roundId), questionId: idParam(params.questionId) }
}

/** GET /manage/rounds/<id>/questions/<questionId>/delete: asks the manager to confirm. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const { roundId, questionId } = idsFrom(params)
  const question = await getQuestionOfRound(db, roundId, questionId).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  return json({ roundId, question: { label: question.label, section: question.section } })
}

/** POST /manage/rounds/<id>/questions/<questionId>/delete: deletes the question. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:round:any')
  const { roundId, questionId } = idsFrom(params)
  try {
    const label = await db.transaction().execute(async (trx) => {
      const question = await getQuestionOfRound(trx, roundId, questionId)
      await removeQuestion(trx, user.id, question.id)
      return question.label
    })
    return redirect(`/manage/rounds/${roundId}/questions`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: `Question “${label}” deleted` }) } })
  } catch (e) {
    if (e instanceof QuestionDependencyError || e instanceof RoundNotEditableError) return json({ message: e.message }, { status: e.status })
    if (e instanceof NotFoundError) throw notFound()
    throw e
  }
}

export default function DeleteQuestion() {
  const { roundId, question } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  return (
    <>
      <h1>Delete the question “{question.label}”?</h1>
      {actionData?.message ? (
        <div className="error-summary" role="alert" aria-labelledby="delete-problem" tabIndex={-1}>
          <h2 className="error-summary__title" id="delete-problem">
            There is a problem
          </h2>
          <p>{actionData.message}</p>
        </div>
      ) : null}
      <p>It is in the section {question.section}. Applicants will no longer see it. This cannot be undone.</p>
      <Form method="post">
        <SubmitButton>Delete question</SubmitButton>
      </Form>
      <p>
        <Link to={`/manage/rounds/${roundId}/questions`}>Cancel and go back to the questions</Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
