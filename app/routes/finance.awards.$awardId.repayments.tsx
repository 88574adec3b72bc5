import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { notAnImpossibleDate } from '~/lib/calendar-date.ts'
import { RadioGroup } from '~/components/choice-fields.tsx'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SelectField, SubmitButton, TextArea, TextField } from '~/components/forms.tsx'
import { SummaryRow } from '~/components/summary-list.tsx'
import { awardForVariation } from '~/domain/awards/variations.server.ts'
import { listRepayments, paidTranches, recordRepayment, repaymentTotals } from '~/domain/payments/repayments.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { notFound, requireAnyPermission } from '~/lib/guards.server.ts'
import { formatPence, moneyField } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idField, idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Repayments and clawbacks – Finance – Commonpot' }]

const PERMISSIONS = ['record:receipt:any', 'prepare:payment-run:any'] as const
const KIND_LABELS = { repayment: 'Repayment: the organisation returned money it did not use', clawback: 'Clawback: we recovered money, for example after a breach of the terms' }
const KIND_SHORT = { repayment: 'Repayment', clawback: 'Clawback' }
const LABELS = { kind: 'Kind', amount: 'Amount received', receivedOn: 'Date received', trancheId: 'Payment', reason: 'Reason' }

const RepaymentSchema = z.object({
  kind: z.enum(['repayment', 'clawback'], { required_error: 'Choose whether this is a repayment or a clawback', invalid_type_error: 'Choose whether this is a repayment or a clawback' }),
  amount: moneyField({ label: 'amount received', min: 1 }),
  receivedOn: z.string({ required_error: 'Enter the date the money arrived' }).trim().regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the date as YYYY-MM-DD, like 2027-01-31').refine(notAnImpossibleDate, 'Enter a real date, like 2027-01-31'),
  trancheId: idField().optional(),
  reason: z.string({ required_error: 'Say why the money came back' }).trim().min(1, 'Say why the money came back').max(2000, 'The reason must be 2,000 characters or fewer'),
  idempotencyKey: z.string({ required_error: 'The form is missing its key: reload the page and try again' }).min(1).max(100),
})

async function loadAward(param: string | undefined) {
  const award = await awardForVariation(db, idParam(param))
  if (!award) throw notFound()
  return award
}

/** GET /finance/awards/<id>/repayments (finance): what was paid and has come back, and the form to record more. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireAnyPermission(request, PERMISSIONS, context)
  const award = await loadAward(params.awardId)
  const [repayments, totals, tranches] = await Promise.all([listRepayments(db, award.id), repaymentTotals(db, award.id), paidTranches(db, award.id)])
  return json({
    award: { id: award.id, reference: award.reference, organisationName: award.organisationName, projectTitle: award.projectTitle, amountPence: award.amountPence },
    repayments,
    totals,
    tranches,
    idempotencyKey: globalThis.crypto.randomUUID(),
  })
}

/** POST (finance): records a repayment or clawback. 400 with the field for bad input or more than was paid. */
export async function action({ request, params }: ActionFunctionArgs) {
  const { user } = await requireAnyPermission(request, PERMISSIONS)
  const award = await loadAward(params.awardId)
  const submission = parseWithZod(await request.formData(), { schema: RepaymentSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const v = submission.value
  let replayed = false
  try {
    const result = await db.transaction().execute((trx) =>
      recordRepayment(trx, user.id, { awardId: award.id, kind: v.kind, amountPence: v.amount, reason: v.reason, receivedOn: v.receivedOn, trancheId: v.trancheId ?? null, idempotencyKey: v.idempotencyKey }),
    )
    replayed = result.replayed
  } catch (e) {
    if (e instanceof DomainError) {
      const field = e.field && e.field !== 'idempotencyKey' ? e.field : null
      return json(field ? submission.reply({ fieldErrors: { [field]: [e.message] } }) : submission.reply({ formErrors: [e.message] }), { status: e.status })
    }
    throw e
  }
  const message = replayed ? 'That was already recorded.' : `${KIND_SHORT[v.kind]} of ${formatPence(v.amount)} recorded: the money is back in the pot.`
  return redirect(`/finance/awards/${award.id}/repayments`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
}

export default function Repayments() {
  const { award, repayments, totals, tranches, idempotencyKey } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'record-repayment',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: RepaymentSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <>
      <span className="secondary">
        {award.reference} · {award.organisationName}
      </span>
      <h1>Repayments and clawbacks</h1>
      <dl className="summary-list">
        <SummaryRow label="Project">{award.projectTitle}</SummaryRow>
        <SummaryRow label="Award">{formatPence(award.amountPence)}</SummaryRow>
        <SummaryRow label="Paid">{formatPence(totals.paidPence)}</SummaryRow>
        <SummaryRow label="Come back so far">{formatPence(totals.repaidPence)}</SummaryRow>
        <SummaryRow label="Could still come back">{formatPence(totals.repayablePence)}</SummaryRow>
      </dl>

      <h2>Money that has come back</h2>
      {repayments.length === 0 ? (
        <p>Nothing has come back from this award.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Repayments and clawbacks, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Kind</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">Back to</th>
                <th scope="col">Reason</th>
                <th scope="col">Recorded by</th>
              </tr>
            </thead>
            <tbody>
              {repayments.map((r) => (
                <tr key={r.id}>
                  <td>{r.receivedOn}</td>
                  <td>{KIND_SHORT[r.kind]}</td>
                  <td className="num">{formatPence(r.amountPence)}</td>
                  <td>{r.parts.map((p) => `${p.funderName}: ${formatPence(p.amountPence)}`).join('; ')}</td>
                  <td>{r.reason}</td>
                  <td>{r.recordedBy.name}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Record money back</h2>
      {totals.repayablePence === 0 ? (
        <p>Nothing has been paid for this award that has not already come back, so there is nothing to record.</p>
      ) : (
        <Form method="post" {...getFormProps(form)}>
          <ErrorSummary form={form} fields={fields} labels={LABELS} />
          <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
          <RadioGroup field={fields.kind} legend="What kind of money is this?" options={Object.entries(KIND_LABELS).map(([value, label]) => ({ value, label }))} />
          <TextField field={fields.amount} label="Amount received" hint={`In pounds. At most ${formatPence(totals.repayablePence)}.`} inputMode="decimal" width="medium" />
          <TextField field={fields.receivedOn} label="Date received" hint="As it shows on the bank statement, YYYY-MM-DD" width="medium" />
          <SelectField field={fields.trancheId} label="Which payment is it for? (optional)" placeholder="The award as a whole" width="medium">
            {tranches.map((t) => (
              <option key={t.id} value={t.id}>
                Payment {t.sequence}: {formatPence(t.amountPence)}
                {t.paidAt ? `, paid ${t.paidAt}` : ''}
              </option>
            ))}
          </SelectField>
          <TextArea field={fields.reason} label="Why did the money come back?" rows={3} />
          <SubmitButton>Record it</SubmitButton>
        </Form>
      )}
      <p>
        <Link to="/finance">Back to finance</Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
