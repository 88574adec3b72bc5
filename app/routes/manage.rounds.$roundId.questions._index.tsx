import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { Checkbox } from '~/components/choice-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SelectField, SubmitButton, TextArea, TextField } from '~/components/forms.tsx'
import { QUESTION_TYPE_LABELS, QUESTION_TYPES, SHOW_IF_SOURCE_TYPES, comparableValues } from '~/domain/funds/question-types.ts'
import { addQuestion, listQuestions, moveQuestion, moveSection, QuestionDependencyError, QuestionInputError } from '~/domain/funds/questions.server.ts'
import { getRound, RoundNotEditableError, stagesOf } from '~/domain/funds/rounds.server.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField, idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Questions: ${data?.round.title ?? 'round'} – Commonpot` }]

const STAGE_NAMES = { eoi: 'Expression of interest', full: 'Application form' } as const

const AddSchema = z.object({
  intent: z.literal('add'),
  stage: z.enum(['eoi', 'full'], { errorMap: () => ({ message: 'Choose the stage' }) }),
  section: z.string({ required_error: 'Enter the name of the section' }).trim().min(1, 'Enter the name of the section').max(120, 'The section name must be 120 characters or fewer'),
  type: z.enum(QUESTION_TYPES, { errorMap: () => ({ message: 'Select the type of question' }) }),
  label: z.string({ required_error: 'Enter the question' }).trim().min(1, 'Enter the question').max(500, 'The question must be 500 characters or fewer'),
  helpText: z.string().trim().max(2000, 'The help text must be 2,000 characters or fewer').optional(),
  required: z.boolean().optional(),
  wordLimit: z.number({ invalid_type_error: 'Enter the word limit as a whole number' }).int('Enter the word limit as a whole number').min(1, 'Enter a word limit of 1 or more').max(10000, 'Enter a word limit of 10,000 or less').optional(),
  options: z.string().max(5000, 'The options must be 5,000 characters or fewer').optional(),
  showIfQuestion: z.string().optional(),
  showIfValue: z.string().trim().optional(),
}).superRefine((v, ctx) => {
  if (v.type === 'long_text' && v.wordLimit === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['wordLimit'], message: 'Enter a word limit for a long text question' })
  if ((v.type === 'single_choice' || v.type === 'multiple_choice') && optionLines(v.options).length < 2) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['options'], message: 'Enter at least two options, one on each line' })
  }
  if (v.showIfQuestion && !v.showIfValue) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['showIfValue'], message: 'Enter the answer that shows this question' })
  if (!v.showIfQuestion && v.showIfValue) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['showIfQuestion'], message: 'Choose the question whose answer shows this one' })
})

const MoveSchema = z.object({ intent: z.literal('move'), questionId: idField(), direction: z.enum(['up', 'down']) })
const MoveSectionSchema = z.object({ intent: z.literal('move-section'), stage: z.enum(['eoi', 'full']), section: z.string().min(1), direction: z.enum(['up', 'down']) })
const ActionSchema = z.discriminatedUnion('intent', [AddSchema.innerType(), MoveSchema, MoveSectionSchema])

function optionLines(text: string | undefined): string[] {
  return (text ?? '').split('\n').map((l) => l.trim()).filter(Boolean)
}

function roundIdFrom(params: { roundId?: string }): number {
  return idParam(params.roundId)
}

/** GET /manage/rounds/<id>/questions: the question builder, stage by stage and section by section. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const round = await getRound(db, roundIdFrom(params)).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  const stages = await Promise.all(stagesOf(round).map(async (stage) => ({ stage, name: STAGE_NAMES[stage], sections: await listQuestions(db, round.id, stage) })))
  const sources = stages.flatMap((s) =>
    s.sections.flatMap((sec) => sec.questions.filter((q) => SHOW_IF_SOURCE_TYPES.includes(q.type)).map((q) => ({ key: q.key, label: q.label, stageName: s.name, values: comparableValues(q.type, q.config) ?? [] }))),
  )
  return json({ round: { id: round.id, title: round.title, isDraft: round.status === 'draft' }, stages, sources })
}

/** POST /manage/rounds/<id>/questions: add a question (intent=add), or move a question or a section up or down. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:round:any')
  const roundId = roundIdFrom(params)
  const formData = await request.formData()
  const isAdd = formData.get('intent') === 'add'
  const submission = parseWithZod(formData, { schema: isAdd ? AddSchema : ActionSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const input = submission.value
  const back = async (message: string) => redirect(`/manage/rounds/${roundId}/questions`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  try {
    if (input.intent === 'add') {
      const question = await db.transaction().execute((trx) =>
        addQuestion(trx, user.id, {
          roundId,
          stage: input.stage,
          section: input.section,
          type: input.type,
          label: input.label,
          helpText: input.helpText ?? null,
          required: !!input.required,
          config: {
            wordLimit: input.wordLimit,
            options: optionLines(input.options),
            showIf: input.showIfQuestion && input.showIfValue ? { questionKey: input.showIfQuestion, equals: input.showIfValue } : undefined,
          },
        }),
      )
      return back(`Question added to ${question.section}`)
    }
    if (input.intent === 'move') {
      await db.transaction().execute(async (trx) => {
        const round = await getRound(trx, roundId)
        const question = await trx.selectFrom('questions').select('id').where('id', '=', input.questionId).where('round_id', '=', round.id).executeTakeFirst()
        if (!question) throw new NotFoundError('question')
        await moveQuestion(trx, user.id, question.id, input.direction)
      })
      return back(`Question moved ${input.direction}`)
    }
    await db.transaction().execute((trx) => moveSection(trx, user.id, { roundId, stage: input.stage, section: input.section, direction: input.direction }))
    return back(`Section ${input.section} moved ${input.direction}`)
  } catch (e) {
    if (e instanceof QuestionInputError) return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: e.status })
    if (e instanceof QuestionDependencyError || e instanceof RoundNotEditableError) return json(submission.reply({ formErrors: [e.message] }), { status: e.status })
    if (e instanceof NotFoundError) throw notFound()
    throw e
  }
}

export default function QuestionBuilder() {
  const { round, stages, sources } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'add-question',
    lastResult,
    defaultValue: { intent: 'add', stage: stages[stages.length - 1].stage, required: 'on' },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: AddSchema }),
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
  })
  const sectionNames = [...new Set(stages.flatMap((s) => s.sections.map((sec) => sec.name)))]
  return (
    <>
      <p className="secondary">
        <Link to={`/manage/rounds/${round.id}`}>{round.title}</Link>
      </p>
      <h1>Questions</h1>
      {!round.isDraft ? <p className="inset">This round has been published, so its questions are fixed. Copy the round to change them.</p> : null}
      <ErrorSummary form={form} fields={{ stage: fields.stage, section: fields.section, type: fields.type, label: fields.label, helpText: fields.helpText, wordLimit: fields.wordLimit, options: fields.options, showIfQuestion: fields.showIfQuestion, showIfValue: fields.showIfValue }} labels={{ section: 'Section', type: 'Type of question', label: 'Question', wordLimit: 'Word limit', options: 'Options', showIfQuestion: 'Show only if', showIfValue: 'Answer' }} />
      {stages.map((s) => (
        <section key={s.stage} aria-labelledby={`stage-${s.stage}`}>
          <h2 id={`stage-${s.stage}`}>{s.name}</h2>
          {s.sections.length === 0 ? <p>No questions yet.</p> : null}
          {s.sections.map((section, sectionIndex) => (
            <div key={section.name} className="card">
              <h3>{section.name}</h3>
              {round.isDraft ? (
                <div>
                  {sectionIndex > 0 ? <MoveSectionButton stage={s.stage} section={section.name} direction="up" /> : null}
                  {sectionIndex < s.sections.length - 1 ? <MoveSectionButton stage={s.stage} section={section.name} direction="down" /> : null}
                </div>
              ) : null}
              <ol>
                {section.questions.map((q, i) => (
                  <li key={q.id}>
                    <p>
                      <strong>{q.label}</strong> <span className="secondary">({QUESTION_TYPE_LABELS[q.type]}{q.required ? '' : ', optional'}{q.config.wordLimit ? `, ${q.config.wordLimit} words` : ''})</span>
                    </p>
                    {q.config.options?.length ? <p className="secondary">Options: {q.config.options.join(', ')}</p> : null}
                    {q.config.showIf ? (
                      <p className="secondary">
                        Shown only if “{sources.find((x) => x.key === q.config.showIf!.questionKey)?.label ?? q.config.showIf.questionKey}” is “{q.config.showIf.equals}”
                      </p>
                    ) : null}
                    {round.isDraft ? (
                      <div>
                        {i > 0 ? <MoveButton questionId={q.id} label={q.label} direction="up" /> : null}
                        {i < section.questions.length - 1 ? <MoveButton questionId={q.id} label={q.label} direction="down" /> : null}
                        <Link to={`/manage/rounds/${round.id}/questions/${q.id}/edit`}>
                          Edit<span className="visually-hidden"> “{q.label}”</span>
                        </Link>{' '}
                        <Link to={`/manage/rounds/${round.id}/questions/${q.id}/delete`}>
                          Delete<span className="visually-hidden"> “{q.label}”</span>
                        </Link>
                      </div>
                    ) : null}
                  </li>
                ))}
              </ol>
            </div>
          ))}
        </section>
      ))}
      {round.isDraft ? (
        <>
          <h2>Add a question</h2>
          <Form method="post" {...getFormProps(form)}>
            <input type="hidden" name="intent" value="add" />
            {stages.length > 1 ? (
              <SelectField field={fields.stage} label="Stage">
                {stages.map((s) => (
                  <option key={s.stage} value={s.stage}>
                    {s.name}
                  </option>
                ))}
              </SelectField>
            ) : (
              <input type="hidden" name="stage" value={stages[0].stage} />
            )}
            <TextField field={fields.section} label="Section" hint={sectionNames.length ? `A new name starts a new section. Sections so far: ${sectionNames.join('; ')}.` : 'For example, About your group.'} />
            <SelectField field={fields.type} label="Type of question" placeholder="Select a type" width="full">
              {QUESTION_TYPES.map((t) => (
                <option key={t} value={t}>
                  {QUESTION_TYPE_LABELS[t]}
                </option>
              ))}
            </SelectField>
            <TextField field={fields.label} label="Question" />
            <TextArea field={fields.helpText} label="Help text (optional)" rows={3} />
            <Checkbox field={fields.required} label="Applicants must answer this question" />
            <TextField field={fields.wordLimit} label="Word limit" width="narrow" inputMode="numeric" hint="For long text questions." />
            <TextArea field={fields.options} label="Options" hint="For choice questions: one option on each line." rows={4} />
            <fieldset className="fieldset">
              <legend>Show only if (optional)</legend>
              <SelectField field={fields.showIfQuestion} label="Show this question only if the answer to" placeholder="Always show this question" width="full">
                {sources.map((q) => (
                  <option key={q.key} value={q.key}>
                    {q.label} ({q.stageName})
                  </option>
                ))}
              </SelectField>
              <TextField field={fields.showIfValue} label="is" width="medium" hint="Yes or no questions: yes or no. Choice questions: one of the options, as written." />
            </fieldset>
            <SubmitButton>Add question</SubmitButton>
          </Form>
        </>
      ) : null}
    </>
  )
}

function MoveButton({ questionId, label, direction }: { questionId: number; label: string; direction: 'up' | 'down' }) {
  return (
    <Form method="post">
      <input type="hidden" name="intent" value="move" />
      <input type="hidden" name="questionId" value={questionId} />
      <input type="hidden" name="direction" value={direction} />
      <button type="submit" className="link-button">
        Move {direction}
        <span className="visually-hidden"> “{label}”</span>
      </button>
    </Form>
  )
}

function MoveSectionButton({ stage, section, direction }: { stage: string; section: string; direction: 'up' | 'down' }) {
  return (
    <Form method="post">
      <input type="hidden" name="intent" value="move-section" />
      <input type="hidden" name="stage" value={stage} />
      <input type="hidden" name="section" value={section} />
      <input type="hidden" name="direction" value={direction} />
      <button type="submit" className="link-button">
        Move section {direction}
        <span className="visually-hidden"> “{section}”</span>
      </button>
    </Form>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
