import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { CRITERION_FIELD_LABELS, CriterionFields } from '~/components/criterion-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton } from '~/components/forms.tsx'
import { CriteriaLockedError, criteriaLocked, CriterionInputError, getCriterion, updateCriterion } from '~/domain/assessment/criteria.server.ts'
import { CriterionFormSchema, criterionFromForm, criterionToForm } from '~/domain/assessment/criterion-input.ts'
import { getRound } from '~/domain/funds/rounds.server.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Edit the criterion${data ? ` “${data.name}”` : ''} – Commonpot` }]

function idsFrom(params: { roundId?: string; criterionId?: string }): { roundId: number; criterionId: number } {
  return { roundId: idParam(params.roundId), criterionId: idParam(params.criterionId) }
}

const orNotFound = (e: unknown): never => {
  throw e instanceof NotFoundError ? notFound() : e
}

/** GET /manage/rounds/<id>/criteria/<criterionId>: the criterion's settings, ready to change. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:round:any', context)
  const ref = idsFrom(params)
  const criterion = await getCriterion(db, ref.roundId, ref.criterionId).catch(orNotFound)
  const [round, locked] = await Promise.all([getRound(db, ref.roundId), criteriaLocked(db, ref.roundId)])
  return json({ round: { id: round.id, title: round.title }, name: criterion.name, locked, values: criterionToForm(criterion) })
}

/** POST /manage/rounds/<id>/criteria/<criterionId>: saves the changed criterion. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:round:any')
  const ref = idsFrom(params)
  await getCriterion(db, ref.roundId, ref.criterionId).catch(orNotFound)
  const submission = parseWithZod(await request.formData(), { schema: CriterionFormSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  try {
    const saved = await db.transaction().execute((trx) => updateCriterion(trx, user.id, ref, criterionFromForm(submission.value)))
    return redirect(`/manage/rounds/${ref.roundId}/criteria`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message: `Criterion “${saved.name}” saved` }) } })
  } catch (e) {
    if (e instanceof CriterionInputError) return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: 400 })
    if (e instanceof CriteriaLockedError) return json(submission.reply({ formErrors: [e.message] }), { status: 409 })
    return orNotFound(e)
  }
}

export default function EditCriterion() {
  const { round, name, locked, values } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'edit-criterion',
    lastResult,
    defaultValue: values,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: CriterionFormSchema }),
    shouldValidate: 'onSubmit',
    shouldRevalidate: 'onInput',
  })
  return (
    <>
      <p className="secondary">
        <Link to={`/manage/rounds/${round.id}/criteria`}>Assessment criteria for {round.title}</Link>
      </p>
      <h1>Edit “{name}”</h1>
      <ErrorSummary form={form} fields={fields} labels={CRITERION_FIELD_LABELS} />
      {locked ? (
        <p className="inset">Assessors have already submitted scores in this round, so its criteria are fixed: changing them would change what those scores mean.</p>
      ) : (
        <Form method="post" {...getFormProps(form)}>
          <CriterionFields fields={fields} />
          <SubmitButton>Save criterion</SubmitButton>
        </Form>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
