import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { TimeField } from '~/components/choice-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextField } from '~/components/forms.tsx'
import { copyRound } from '~/domain/funds/copy.server.ts'
import { getRound, RoundInputError } from '~/domain/funds/rounds.server.ts'
import { parseLondonDateTime } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Copy a round – Commonpot' }]

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/
const required = (message: string) => z.string({ required_error: message }).trim().min(1, message)

const CopySchema = z
  .object({
    title: required('Enter the title of the new round').pipe(z.string().max(200, 'The title must be 200 characters or fewer')),
    opensDate: required('Enter the opening date'),
    opensTime: required('Enter the opening time, like 09:00').pipe(z.string().regex(TIME, 'Enter the opening time in 24-hour format, like 09:00')),
    closesDate: required('Enter the closing date'),
    closesTime: required('Enter the closing time, like 12:00').pipe(z.string().regex(TIME, 'Enter the closing time in 24-hour format, like 12:00')),
  })
  .superRefine((v, ctx) => {
    const opensAt = parseLondonDateTime(v.opensDate, v.opensTime)
    const closesAt = parseLondonDateTime(v.closesDate, v.closesTime)
    if (!opensAt) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['opensDate'], message: 'Enter a real opening date' })
    if (!closesAt) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['closesDate'], message: 'Enter a real closing date' })
    if (opensAt && closesAt && closesAt <= opensAt) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['closesDate'], message: 'The closing date must be after the opening date' })
  })

function roundIdFrom(params: { roundId?: string }): number {
  return idParam(params.roundId)
}

/** GET /manage/rounds/<id>/copy: the form to start a new draft round from this one. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const round = await getRound(db, roundIdFrom(params)).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  return json({ round: { id: round.id, title: round.title } })
}

/** POST /manage/rounds/<id>/copy: copies questions, criteria, rules and places into a new draft round. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:round:any')
  const fromRoundId = roundIdFrom(params)
  const submission = parseWithZod(await request.formData(), { schema: CopySchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const v = submission.value
  try {
    const round = await db.transaction().execute((trx) =>
      copyRound(trx, user.id, { fromRoundId, title: v.title, opensAt: parseLondonDateTime(v.opensDate, v.opensTime), closesAt: parseLondonDateTime(v.closesDate, v.closesTime) }),
    )
    const message = `${round.title} created as a draft copy. Check its details before publishing.`
    return redirect(`/manage/rounds/${round.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof RoundInputError) return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: e.status })
    if (e instanceof NotFoundError) throw notFound()
    throw e
  }
}

export default function CopyRound() {
  const { round } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'copy-round',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: CopySchema }),
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
  })
  return (
    <>
      <p className="secondary">
        <Link to={`/manage/rounds/${round.id}`}>{round.title}</Link>
      </p>
      <h1>Copy {round.title}</h1>
      <p className="lead">The new round starts as a draft with this round's summary, guidance, amounts, rules, eligible areas, questions and assessment criteria.</p>
      <ErrorSummary
        form={form}
        fields={{ title: fields.title, opensDate: fields.opensDate, opensTime: fields.opensTime, closesDate: fields.closesDate, closesTime: fields.closesTime }}
        labels={{ title: 'Title', opensDate: 'Opening date', opensTime: 'Opening time', closesDate: 'Closing date', closesTime: 'Closing time' }}
      />
      <Form method="post" {...getFormProps(form)}>
        <TextField field={fields.title} label="Title of the new round" />
        <p className="hint">Times are UK time (London), on the 24-hour clock.</p>
        <TextField field={fields.opensDate} label="Opening date" type="date" width="medium" />
        <TimeField field={fields.opensTime} label="Opening time" />
        <TextField field={fields.closesDate} label="Closing date" type="date" width="medium" />
        <TimeField field={fields.closesTime} label="Closing time" />
        <SubmitButton>Copy round</SubmitButton>
      </Form>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
