import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { Checkbox } from '~/components/choice-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SelectField, SubmitButton, TextArea, TextField } from '~/components/forms.tsx'
import { QUESTION_TYPE_LABELS, SHOW_IF_SOURCE_TYPES, comparableValues } from '~/domain/funds/question-types.ts'
import { getQuestionOfRound, listQuestionsInOrder, QuestionDependencyError, QuestionInputError, updateQuestion } from '~/domain/funds/questions.server.ts'
import { getRound, RoundNotEditableError } from '~/domain/funds/rounds.server.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Edit the question${data ? ` “${data.question.label}”` : ''} – Commonpot` }]

const EditSchema = z
  .object({
    section: z.string({ required_error: 'Enter the name of the section' }).trim().min(1, 'Enter the name of the section').max(120, 'The section name must be 120 characters or fewer'),
    label: z.string({ required_error: 'Enter the question' }).trim().min(1, 'Enter the question').max(500, 'The question must be 500 characters or fewer'),
    helpText: z.string().trim().max(2000, 'The help text must be 2,000 characters or fewer').optional(),
    required: z.boolean().optional(),
    wordLimit: z.number({ invalid_type_error: 'Enter the word limit as a whole number' }).int('Enter the word limit as a whole number').min(1, 'Enter a word limit of 1 or more').max(10000, 'Enter a word limit of 10,000 or less').optional(),
    options: z.string().max(5000, 'The options must be 5,000 characters or fewer').optional(),
    showIfQuestion: z.string().optional(),
    showIfValue: z.string().trim().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.showIfQuestion && !v.showIfValue) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['showIfValue'], message: 'Enter the answer that shows this question' })
    if (!v.showIfQuestion && v.showIfValue) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['showIfQuestion'], message: 'Choose the question whose answer shows this one' })
  })

function optionLines(text: string | undefined): string[] {
  return (text ?? '').split('\n').map((l) => l.trim()).filter(Boolean)
}

function idsFrom(params: { roundId?: string; questionId?: string }): { roundId: number; questionId: number } {
  return { roundId: idParam(params.roundId), questionId: idParam(params.questionId) }
}

/** GET /manage/rounds/<id>/questions/<questionId>/edit: the question's settings, ready to change. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const { roundId, questionId } = idsFrom(params)
  const question = await getQuestionOfRound(db, roundId, questionId).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  const round = await getRound(db, roundId)
  const earlier = (await listQuestionsInOrder(db, roundId, question.stage)).filter((q) => q.position < question.position)
  const sources = earlier.filter((q) => SHOW_IF_SOURCE_TYPES.includes(q.type)).map((q) => ({ key: q.key, label: q.label, values: comparableValues(q.type, q.config) ?? [] }))
  return json({
    round: { id: round.id, title: round.title, isDraft: round.status === 'draft' },
    question: {
      label: question.label,
      type: question.type,
      section: question.section,
      helpText: question.helpText ?? '',
      required: question.required,
      wordLimit: question.config.wordLimit === undefined ? '' : String(question.config.wordLimit),
      options: (question.config.options ?? []).join('\n'),
      showIfQuestion: question.config.showIf?.questionKey ?? '',
      showIfValue: question.config.showIf?.equals ?? '',
    },
    sources,
  })
}

/** POST /manage/rounds/<id>/questions/<questionId>/edit: saves the changed settings (the type stays as it is). */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:round:any')
  const { roundId, questionId } = idsFrom(params)
  const submission = parseWithZod(await request.formData(), { schema: EditSchema })
  if (submission.status !== 'success') {
    await getQuestionOfRound(db, roundId, questionId).catch((e: unknown) => {
      throw e instanceof NotFoundError ? notFound() : e
    })
    return json(submission.reply(), { status: 400 })
  }
  const input = submission.value
  try {
    const question = await db.transaction().execute(async (trx) => {
      const before = await getQuestionOfRound(trx, roundId, questionId)
      return updateQuestion(trx, user.id, before.id, {
        section: input.section,
        type: before.type,
        label: input.label,
        helpText: input.helpText ?? null,
        required: !!input.required,
        config: {
          wordLimit: input.wordLimit,
          options: optionLines(input.options),
          showIf: input.showIfQuestion && input.showIfValue ? { questionKey: input.showIfQuestion, equals: input.showIfValue } : undefined,
        },
      })
    })
    return redirect(`/manage/rounds/${roundId}/questions`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: `Question “${question.label}” updated` }) } })
  } catch (e) {
    if (e instanceof QuestionInputError) return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: e.status })
    if (e instanceof QuestionDependencyError || e instanceof RoundNotEditableError) return json(submission.reply({ formErrors: [e.message] }), { status: e.status })
    if (e instanceof NotFoundError) throw notFound()
    throw e
  }
}

export default function EditQuestion() {
  const { round, question, sources } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'edit-question',
    lastResult,
    defaultValue: { ...question, required: question.required ? 'on' : undefined },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: EditSchema }),
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
  })
  const usesWordLimit = question.type === 'long_text'
  const usesOptions = question.type === 'single_choice' || question.type === 'multiple_choice'
  return (
    <>
      <p className="secondary">
        <Link to={`/manage/rounds/${round.id}/questions`}>Questions: {round.title}</Link>
      </p>
      <h1>Edit the question</h1>
      {!round.isDraft ? <p className="inset">This round has been published, so its questions are fixed. Copy the round to change them.</p> : null}
      <ErrorSummary
        form={form}
        fields={{ section: fields.section, label: fields.label, helpText: fields.helpText, wordLimit: fields.wordLimit, options: fields.options, showIfQuestion: fields.showIfQuestion, showIfValue: fields.showIfValue }}
        labels={{ section: 'Section', label: 'Question', helpText: 'Help text', wordLimit: 'Word limit', options: 'Options', showIfQuestion: 'Show only if', showIfValue: 'Answer' }}
      />
      <p>Type of question: {QUESTION_TYPE_LABELS[question.type]}</p>
      <Form method="post" {...getFormProps(form)}>
        <TextField field={fields.section} label="Section" hint="Moving the question to another section puts it at the end of that section." />
        <TextField field={fields.label} label="Question" />
        <TextArea field={fields.helpText} label="Help text (optional)" rows={3} />
        <Checkbox field={fields.required} label="Applicants must answer this question" />
        {usesWordLimit ? <TextField field={fields.wordLimit} label="Word limit" width="narrow" inputMode="numeric" /> : null}
        {usesOptions ? <TextArea field={fields.options} label="Options" hint="One option on each line." rows={4} /> : null}
        <fieldset className="fieldset">
          <legend>Show only if (optional)</legend>
          <SelectField field={fields.showIfQuestion} label="Show this question only if the answer to" placeholder="Always show this question" width="full">
            {sources.map((q) => (
              <option key={q.key} value={q.key}>
                {q.label}
              </option>
            ))}
          </SelectField>
          <TextField field={fields.showIfValue} label="is" width="medium" hint="Yes or no questions: yes or no. Choice questions: one of the options, as written." />
        </fieldset>
        <SubmitButton>Save the question</SubmitButton>
      </Form>
      <p>
        <Link to={`/manage/rounds/${round.id}/questions`}>Back to the questions</Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
