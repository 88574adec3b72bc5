import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton } from '~/components/forms.tsx'
import { paymentRows, VariationFields, VariationHistory } from '~/components/variation-fields.tsx'
import { formFieldOf, scheduleFromForm, VARIATION_FIELD_LABELS, VARIATION_ROWS, VariationSchema } from '~/domain/awards/variation-form.ts'
import { awardForVariation, listVariations, requestVariation, summariseVariation } from '~/domain/awards/variations.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { notFound, requirePermission, type CurrentUser } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idText } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Ask to change your grant – Commonpot' }]

/** The award, if it is for one of the user's organisations; otherwise 404 (we do not say whether it exists). */
async function loadAward(user: CurrentUser, param: string | undefined) {
  const id = idText.safeParse(param)
  if (!id.success) throw notFound()
  const award = await awardForVariation(db, id.data, { organisationIds: user.organisationIds })
  if (!award) throw notFound()
  return award
}

/** GET /awards/<id>/variation (accept:offer:own, members only): the grant's payments, changes asked for, and the form. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'accept:offer:own', context)
  const award = await loadAward(user, params.awardId)
  const variations = (await listVariations(db, award.id)).map(summariseVariation)
  return json({ award, variations, idempotencyKey: globalThis.crypto.randomUUID() })
}

/** POST: asks for the change (400 with field errors; 409 when one is already waiting or the offer is not accepted). */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'accept:offer:own')
  const award = await loadAward(user, params.awardId)
  const submission = parseWithZod(await request.formData(), { schema: VariationSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const { schedule, rows } = scheduleFromForm(submission.value)
  try {
    await db.transaction().execute((trx) =>
      requestVariation(trx, user.id, { awardId: award.id, reason: submission.value.reason, amountPence: submission.value.amount, schedule, idempotencyKey: submission.value.idempotencyKey }),
    )
  } catch (e) {
    if (e instanceof DomainError) {
      const field = formFieldOf(e.field, rows)
      return json(field && field !== 'idempotencyKey' ? submission.reply({ fieldErrors: { [field]: [e.message] } }) : submission.reply({ formErrors: [e.message] }), { status: e.status })
    }
    throw e
  }
  const message = 'We have your request. A fund manager will look at it and we will let you know their decision here.'
  return redirect(`/awards/${award.id}/variation`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
}

export default function AskToChangeGrant() {
  const { award, variations, idempotencyKey } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'ask-variation',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: VariationSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    defaultValue: { tranches: Array.from({ length: VARIATION_ROWS }, () => ({ amount: '', dueDate: '', gate: 'date' })) },
  })
  const rows = paymentRows(fields.tranches)
  const pending = variations.some((v) => v.status === 'pending')
  return (
    <>
      <span className="secondary">
        {award.reference} · {award.organisationName}
      </span>
      <h1>Ask to change your grant</h1>
      <p>
        Your grant for {award.projectTitle} is {formatPence(award.amountPence)}. If your project has changed, you can ask for a different amount or for the
        payments still to come to be made at different times. A fund manager will decide.
      </p>
      <div className="table-wrap">
        <table>
          <caption>Your payments</caption>
          <thead>
            <tr>
              <th scope="col">Payment</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">Due</th>
              <th scope="col">Where it is</th>
            </tr>
          </thead>
          <tbody>
            {award.tranches.map((t) => (
              <tr key={t.id}>
                <th scope="row">{t.sequence}</th>
                <td className="num">{formatPence(t.amountPence)}</td>
                <td>{t.dueDate}</td>
                <td>{t.status === 'paid' ? 'Paid' : t.status === 'sent' || t.status === 'in_run' ? 'On its way' : 'To come'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {variations.length > 0 ? (
        <>
          <h2>Changes you have asked for</h2>
          <VariationHistory variations={variations} />
        </>
      ) : null}

      {award.status !== 'accepted' ? (
        <p>You can ask to change your grant once you have accepted the offer.</p>
      ) : pending ? (
        <p>We are still looking at the change you asked for. You can ask for another once we have decided.</p>
      ) : (
        <>
          <h2>What would you like to change?</h2>
          <Form method="post" {...getFormProps(form)}>
            <ErrorSummary form={form} fields={{ amount: fields.amount, tranches: fields.tranches, reason: fields.reason }} labels={VARIATION_FIELD_LABELS} />
            {award.keptPence > 0 ? <p>{formatPence(award.keptPence)} has already been paid or is on its way to you: that part cannot change.</p> : null}
            <VariationFields fields={fields} rows={rows} keyValue={idempotencyKey} reasonHint="For example, what has changed in your project and what the money will now pay for." />
            <SubmitButton>Send your request</SubmitButton>
          </Form>
        </>
      )}
      <p>
        <Link to={`/awards/${award.id}`}>Back to your grant</Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
