import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { Checkbox } from '~/components/choice-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextArea, TextField } from '~/components/forms.tsx'
import { AssessmentSettingsFormSchema, settingsFromForm } from '~/domain/assessment/assessment-settings.ts'
import { AssessmentSettingsInputError, getAssessmentSettings, updateAssessmentSettings } from '~/domain/assessment/settings.server.ts'
import { getRound } from '~/domain/funds/rounds.server.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Assessment settings: ${data?.round.title ?? 'round'} – Commonpot` }]

function roundIdFrom(params: { roundId?: string }): number {
  return idParam(params.roundId)
}

const LABELS = {
  assessorsPerBid: 'Assessors for each bid',
  disagreementThreshold: 'Disagreement threshold',
  declineReasons: 'Reasons for declining a bid',
}

/** GET /manage/rounds/<id>/assessment: how the round's bids are assessed. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const round = await getRound(db, roundIdFrom(params)).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  const settings = await getAssessmentSettings(db, round.id)
  return json({ round: { id: round.id, title: round.title }, settings })
}

/** POST /manage/rounds/<id>/assessment: saves the settings. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:round:any')
  const round = await getRound(db, roundIdFrom(params)).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  const submission = parseWithZod(await request.formData(), { schema: AssessmentSettingsFormSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  try {
    await db.transaction().execute((trx) => updateAssessmentSettings(trx, user.id, round.id, settingsFromForm(submission.value)))
  } catch (e) {
    if (e instanceof AssessmentSettingsInputError) return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: 400 })
    throw e
  }
  return redirect(`/manage/rounds/${round.id}/assessment`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: 'Assessment settings saved' }) } })
}

export default function AssessmentSettingsPage() {
  const { round, settings } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'assessment-settings',
    lastResult,
    defaultValue: {
      assessorsPerBid: String(settings.assessorsPerBid),
      blindReview: settings.blindReview ? 'on' : undefined,
      hidePeerScores: settings.hidePeerScores ? 'on' : undefined,
      commentsRequired: settings.commentsRequired ? 'on' : undefined,
      disagreementThreshold: String(settings.disagreementThreshold),
      declineReasons: settings.declineReasons.join('\n'),
    },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: AssessmentSettingsFormSchema }),
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
  })
  return (
    <>
      <p className="secondary">
        <Link to={`/manage/rounds/${round.id}`}>{round.title}</Link> · <Link to={`/manage/rounds/${round.id}/criteria`}>Assessment criteria</Link>
      </p>
      <h1>Assessment settings</h1>
      <ErrorSummary form={form} fields={fields} labels={LABELS} />
      <Form method="post" {...getFormProps(form)}>
        <TextField field={fields.assessorsPerBid} label={LABELS.assessorsPerBid} hint="How many assessors score each bid when assessors are assigned automatically: 1 to 10." width="narrow" inputMode="numeric" />
        <fieldset className="fieldset">
          <legend>What assessors see</legend>
          <Checkbox field={fields.blindReview} label="Blind review: hide the organisation’s name, identifiers, people and address from assessors" />
          <Checkbox field={fields.hidePeerScores} label="Assessors see other assessors’ scores only after submitting their own" />
          <Checkbox field={fields.commentsRequired} label="Assessors must comment on every criterion" />
        </fieldset>
        <TextField
          field={fields.disagreementThreshold}
          label={LABELS.disagreementThreshold}
          hint="Points out of 100. A bid is flagged when its assessors’ weighted scores differ by more than this."
          width="narrow"
          inputMode="numeric"
        />
        <TextArea field={fields.declineReasons} label={LABELS.declineReasons} hint="One reason on each line, up to 12. The panel chooses from these when it declines a bid, and the applicant sees the reason." rows={6} />
        <p className="secondary">Normalising scores (ranking by each assessor’s z-scores as well) is the panel chair’s choice, on the panel’s calibration page.</p>
        <SubmitButton>Save settings</SubmitButton>
      </Form>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
