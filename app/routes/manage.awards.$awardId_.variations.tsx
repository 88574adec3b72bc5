import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextArea } from '~/components/forms.tsx'
import { paymentRows, VariationFields, VariationHistory } from '~/components/variation-fields.tsx'
import { awardStatusLabel } from '~/domain/awards/offer-labels.ts'
import { formFieldOf, scheduleFromForm, VARIATION_FIELD_LABELS, VARIATION_ROWS, VariationSchema, type VariationSummary } from '~/domain/awards/variation-form.ts'
import { awardForVariation, decideVariation, listVariations, requestVariation, summariseVariation, VariationNotFoundError } from '~/domain/awards/variations.server.ts'
import { AwardNotFoundError } from '~/domain/awards/terms.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { formatPence } from '~/lib/money.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField, idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Change an award – Commonpot' }]

const DecisionSchema = z
  .object({
    variationId: idField(),
    decision: z.enum(['approved', 'rejected'], { required_error: 'Choose approve or reject' }),
    note: z.string().trim().max(2000, 'The note must be 2,000 characters or fewer').optional(),
  })
  .superRefine((v, ctx) => {
    if (v.decision === 'rejected' && !v.note) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['note'], message: 'Say why the change is rejected' })
  })

function awardIdOf(param: string | undefined): number {
  return idParam(param)
}

async function loadAward(param: string | undefined) {
  const award = await awardForVariation(db, awardIdOf(param))
  if (!award) throw notFound()
  return award
}

/** GET /manage/awards/<id>/variations (issue:award:any): the award's changes, the form to propose one, and decisions. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'issue:award:any', context)
  const award = await loadAward(params.awardId)
  const variations = (await listVariations(db, award.id)).map(summariseVariation)
  return json({ award, variations, userId: user.id, idempotencyKey: globalThis.crypto.randomUUID() })
}

/**
 * POST (issue:award:any): intent=propose asks for a change (400 with field errors, 409 when one is waiting or the
 * award is not accepted); intent=decide approves or rejects one (403 for the person who asked it, 409 when the pot
 * cannot fund an increase or the schedule moved on).
 */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'issue:award:any')
  const award = await loadAward(params.awardId)
  const formData = await request.formData()
  if (formData.get('intent') === 'decide') {
    const submission = parseWithZod(formData, { schema: DecisionSchema })
    if (submission.status !== 'success') return json({ form: 'decide' as const, result: submission.reply() }, { status: 400 })
    try {
      const { variation } = await db.transaction().execute((trx) => decideVariation(trx, user.id, { ...submission.value, note: submission.value.note ?? '', awardId: award.id }))
      const message = variation.status === 'approved' ? `Change approved: the award is now ${formatPence(variation.proposed.amountPence)}.` : 'Change rejected.'
      return redirect(`/manage/awards/${award.id}/variations`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
    } catch (e) {
      if (e instanceof VariationNotFoundError) throw notFound()
      if (e instanceof DomainError) {
        const result = e.field === 'note' ? submission.reply({ fieldErrors: { note: [e.message] } }) : submission.reply({ formErrors: [e.message] })
        return json({ form: 'decide' as const, result }, { status: e.status })
      }
      throw e
    }
  }
  const submission = parseWithZod(formData, { schema: VariationSchema })
  if (submission.status !== 'success') return json({ form: 'propose' as const, result: submission.reply() }, { status: 400 })
  const { schedule, rows } = scheduleFromForm(submission.value)
  try {
    await db.transaction().execute((trx) =>
      requestVariation(trx, user.id, { awardId: award.id, reason: submission.value.reason, amountPence: submission.value.amount, schedule, idempotencyKey: submission.value.idempotencyKey }),
    )
  } catch (e) {
    if (e instanceof AwardNotFoundError) throw notFound()
    if (e instanceof DomainError) {
      const field = formFieldOf(e.field, rows)
      const result = field && field !== 'idempotencyKey' ? submission.reply({ fieldErrors: { [field]: [e.message] } }) : submission.reply({ formErrors: [e.message] })
      return json({ form: 'propose' as const, result }, { status: e.status })
    }
    throw e
  }
  const message = 'Change proposed. A different fund manager must approve it before it takes effect.'
  return redirect(`/manage/awards/${award.id}/variations`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
}

export default function AwardVariations() {
  const { award, variations, userId } = useLoaderData<typeof loader>()
  const pending = variations.find((v) => v.status === 'pending')
  return (
    <>
      <span className="secondary">
        {award.reference} · {award.organisationName}
      </span>
      <h1>Change this award</h1>
      <p>
        {award.projectTitle}: {formatPence(award.amountPence)}, {awardStatusLabel(award.status).toLowerCase()}.
      </p>
      <CurrentPayments tranches={award.tranches} />

      {variations.length > 0 ? (
        <>
          <h2>Changes asked for</h2>
          <VariationHistory variations={variations} actions={(v) => <DecisionForm variation={v} userId={userId} />} />
        </>
      ) : null}

      <h2>Propose a change</h2>
      {award.status !== 'accepted' ? (
        <p>Only an accepted award can be changed. Before the offer is accepted, change the offer terms on the award's page instead.</p>
      ) : pending ? (
        <p>A change is already waiting for a decision. It must be approved or rejected before another is proposed.</p>
      ) : (
        <ProposeForm keptPence={award.keptPence} />
      )}
      <p>
        <Link to={`/manage/awards/${award.id}`}>Back to the award</Link>
      </p>
    </>
  )
}

function CurrentPayments({ tranches }: { tranches: Array<{ id: number; sequence: number; amountPence: number; dueDate: string; status: string }> }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>Payments now</caption>
        <thead>
          <tr>
            <th scope="col">Payment</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Due</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {tranches.map((t) => (
            <tr key={t.id}>
              <th scope="row">{t.sequence}</th>
              <td className="num">{formatPence(t.amountPence)}</td>
              <td>{t.dueDate}</td>
              <td>{t.status === 'in_run' ? 'In a payment run' : t.status === 'sent' ? 'Sent' : t.status === 'paid' ? 'Paid' : 'To come'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function ProposeForm({ keptPence }: { keptPence: number }) {
  const { idempotencyKey } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'propose-variation',
    lastResult: actionData?.form === 'propose' ? actionData.result : undefined,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: VariationSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    defaultValue: { tranches: Array.from({ length: VARIATION_ROWS }, () => ({ amount: '', dueDate: '', gate: 'date' })) },
  })
  const rows = paymentRows(fields.tranches)
  return (
    <Form method="post" {...getFormProps(form)}>
      <ErrorSummary form={form} fields={{ amount: fields.amount, tranches: fields.tranches, reason: fields.reason }} labels={VARIATION_FIELD_LABELS} />
      <input type="hidden" name="intent" value="propose" />
      {keptPence > 0 ? <p>{formatPence(keptPence)} has been paid or is on its way: that part cannot change.</p> : null}
      <VariationFields fields={fields} rows={rows} keyValue={idempotencyKey} reasonHint="This is kept with the award's record and shown to the organisation." />
      <SubmitButton>Propose the change</SubmitButton>
    </Form>
  )
}

function DecisionForm({ variation, userId }: { variation: VariationSummary; userId: number }) {
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: `decide-variation-${variation.id}`,
    lastResult: actionData?.form === 'decide' ? actionData.result : undefined,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: DecisionSchema }),
    shouldValidate: 'onSubmit',
  })
  return (
    <Form method="post" {...getFormProps(form)}>
      <ErrorSummary form={form} fields={{ note: fields.note }} labels={{ note: 'Note' }} />
      <input type="hidden" name="intent" value="decide" />
      <input type="hidden" name="variationId" value={variation.id} />
      {variation.requestedById === userId ? <p className="inset">You proposed this change, so a different fund manager must approve or reject it.</p> : null}
      <TextArea field={fields.note} label="Note about your decision" hint="Needed if you reject the change. The organisation will see it." rows={3} />
      <SubmitButton name="decision" value="approved">
        Approve the change
      </SubmitButton>
      <SubmitButton name="decision" value="rejected" secondary>
        Reject the change
      </SubmitButton>
    </Form>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
