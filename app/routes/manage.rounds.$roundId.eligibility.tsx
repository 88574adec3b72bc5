import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextArea, TextField } from '~/components/forms.tsx'
import { addEligibilityQuestion, getRound, removeEligibilityQuestion, RoundInputError, RoundNotEditableError } from '~/domain/funds/rounds.server.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Eligibility questions – Commonpot' }]

const lines = (text: string | undefined) => (text ?? '').split('\n').map((l) => l.trim()).filter(Boolean)

const AddSchema = z.object({
  intent: z.literal('add'),
  label: z.string({ required_error: 'Enter the question' }).trim().min(1, 'Enter the question').max(500, 'The question must be 500 characters or fewer'),
  options: z.string({ required_error: 'Enter at least two answers, one on each line' }).refine((t) => lines(t).length >= 2, 'Enter at least two answers, one on each line'),
  blockingAnswers: z.string({ required_error: 'Enter the answers that mean a group cannot apply' }).refine((t) => lines(t).length >= 1, 'Enter the answers that mean a group cannot apply'),
  reason: z.string({ required_error: 'Enter the reason shown to groups who cannot apply' }).trim().min(1, 'Enter the reason shown to groups who cannot apply').max(1000, 'The reason must be 1,000 characters or fewer'),
})
const RemoveSchema = z.object({ intent: z.literal('remove'), key: z.string().min(1) })
const ActionSchema = z.discriminatedUnion('intent', [AddSchema, RemoveSchema])

function roundIdFrom(params: { roundId?: string }): number {
  return idParam(params.roundId)
}

/** GET /manage/rounds/<id>/eligibility: the questions an applicant answers before starting, with blocking answers. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const round = await getRound(db, roundIdFrom(params)).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  return json({ round: { id: round.id, title: round.title, isDraft: round.status === 'draft' }, questions: round.rules.eligibilityQuestions })
}

/** POST /manage/rounds/<id>/eligibility: add (intent=add) or remove (intent=remove) an eligibility question. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:round:any')
  const roundId = roundIdFrom(params)
  const submission = parseWithZod(await request.formData(), { schema: ActionSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const input = submission.value
  const back = async (message: string) => redirect(`/manage/rounds/${roundId}/eligibility`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  try {
    if (input.intent === 'remove') {
      await db.transaction().execute((trx) => removeEligibilityQuestion(trx, user.id, roundId, input.key))
      return back('Eligibility question removed')
    }
    await db.transaction().execute((trx) =>
      addEligibilityQuestion(trx, user.id, roundId, { label: input.label, options: lines(input.options), blockingAnswers: lines(input.blockingAnswers), reason: input.reason }),
    )
    return back('Eligibility question added')
  } catch (e) {
    if (e instanceof RoundInputError) return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: e.status })
    if (e instanceof RoundNotEditableError) return json(submission.reply({ formErrors: [e.message] }), { status: e.status })
    if (e instanceof NotFoundError) throw notFound()
    throw e
  }
}

export default function EligibilityQuestions() {
  const { round, questions } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'add-eligibility-question',
    lastResult,
    defaultValue: { options: 'Yes\nNo' },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: AddSchema }),
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
  })
  return (
    <>
      <p className="secondary">
        <Link to={`/manage/rounds/${round.id}`}>{round.title}</Link>
      </p>
      <h1>Eligibility questions</h1>
      <p className="lead">Groups answer these before they start an application. An answer you list as blocking stops them, and they see your reason.</p>
      <ErrorSummary form={form} fields={{ label: fields.label, options: fields.options, blockingAnswers: fields.blockingAnswers, reason: fields.reason }} labels={{ label: 'Question', options: 'Answers', blockingAnswers: 'Blocking answers', reason: 'Reason' }} />
      {questions.length === 0 ? <p>This round has no eligibility questions yet.</p> : null}
      <ol>
        {questions.map((q) => (
          <li key={q.key}>
            <p>
              <strong>{q.label}</strong>
            </p>
            <p className="secondary">
              Answers: {q.options.join(', ')}. Cannot apply if: {q.blockingAnswers.join(', ')}. Reason shown: {q.reason}
            </p>
            {round.isDraft ? (
              <Form method="post">
                <input type="hidden" name="intent" value="remove" />
                <input type="hidden" name="key" value={q.key} />
                <button type="submit" className="link-button">
                  Remove<span className="visually-hidden"> “{q.label}”</span>
                </button>
              </Form>
            ) : null}
          </li>
        ))}
      </ol>
      {round.isDraft ? (
        <>
          <h2>Add an eligibility question</h2>
          <Form method="post" {...getFormProps(form)}>
            <input type="hidden" name="intent" value="add" />
            <TextField field={fields.label} label="Question" hint="For example, Does your group have 10 or more members?" />
            <TextArea field={fields.options} label="Answers" hint="One on each line." rows={3} />
            <TextArea field={fields.blockingAnswers} label="Blocking answers" hint="The answers that mean a group cannot apply, one on each line, written as above." rows={2} />
            <TextField field={fields.reason} label="Reason" hint="Shown to a group that cannot apply, for example: This fund is for groups of 10 or more people." />
            <SubmitButton>Add eligibility question</SubmitButton>
          </Form>
        </>
      ) : (
        <p className="inset">This round has been published, so its eligibility questions are fixed.</p>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
