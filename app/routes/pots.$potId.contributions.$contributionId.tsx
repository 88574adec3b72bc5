import { getFormProps, useForm } from '@conform-to/react'
import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { notAnImpossibleDate } from '~/lib/calendar-date.ts'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { ErrorSummary, SubmitButton, TextArea, TextField } from '~/components/forms.tsx'
import { ContributionInputError, ReceiptExceedsPledgeError, recordReceipt } from '~/domain/budgets/contributions.server.ts'
import { IdempotencyKeyReusedError } from '~/domain/budgets/ledger.server.ts'
import { potOverview } from '~/domain/budgets/overview.server.ts'
import { PotNotFoundError, PotStatusError } from '~/domain/budgets/pots.server.ts'
import { ukToday } from '~/domain/places/places.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { formatPence, moneyField } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { SummaryRow } from '~/components/summary-list.tsx'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.contribution.funderName ?? 'Contribution'} – Commonpot` }]

const ReceiptSchema = z.object({
  amount: moneyField({ label: 'amount received', min: 1 }),
  receivedOn: z.string({ required_error: 'Enter the date the money arrived' }).trim().regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the date as YYYY-MM-DD, like 2026-04-03').refine(notAnImpossibleDate, 'Enter a real date, like 2026-04-03'),
  reference: z.string({ required_error: 'Enter the payment reference' }).trim().min(1, 'Enter the payment reference').max(100, 'The reference must be 100 characters or fewer'),
  overPledgeReason: z.string().trim().max(500, 'The reason must be 500 characters or fewer').optional(),
  idempotencyKey: z.string().min(1).max(100),
})

async function load(params: { potId?: string; contributionId?: string }) {
  const potId = idParam(params.potId, 'Contribution not found')
  const contributionId = idParam(params.contributionId, 'Contribution not found')
  const overview = await potOverview(db, potId).catch((e) => {
    if (e instanceof PotNotFoundError) throw new Response('Contribution not found', { status: 404 })
    throw e
  })
  const contribution = overview.contributions.find((c) => c.id === contributionId)
  if (!contribution) throw new Response('Contribution not found', { status: 404 })
  return { pot: overview.pot, contribution }
}

/** GET /pots/:potId/contributions/:contributionId: the pledge, conditions, instalments, receipts and the receipt form. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:pot:any', context)
  const { pot, contribution } = await load(params)
  return json({
    pot: { id: pot.id, name: pot.name, status: pot.status },
    contribution,
    canRecord: user.permissions.has('record:receipt:any'),
    idempotencyKey: globalThis.crypto.randomUUID(),
    today: ukToday(),
  })
}

/** POST: records a receipt (finance officers and fund managers). Over the pledge needs a reason (409 without one). */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'record:receipt:any')
  const { pot, contribution } = await load(params)
  const submission = parseWithZod(await request.formData(), { schema: ReceiptSchema })
  if (submission.status !== 'success') return json(submission.reply(), { status: 400 })
  const v = submission.value
  try {
    const result = await db.transaction().execute((trx) =>
      recordReceipt(trx, user.id, { contributionId: contribution.id, amountPence: v.amount, receivedOn: v.receivedOn, reference: v.reference, idempotencyKey: v.idempotencyKey, overPledgeReason: v.overPledgeReason ?? null }),
    )
    const message = result.replayed ? 'That receipt was already recorded.' : `${formatPence(v.amount)} from ${contribution.funderName} is recorded.`
    return redirect(`/pots/${pot.id}/contributions/${contribution.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof ReceiptExceedsPledgeError) return json(submission.reply({ fieldErrors: { overPledgeReason: [e.message] } }), { status: 409 })
    if (e instanceof ContributionInputError) return json(submission.reply({ fieldErrors: { [e.field!]: [e.message] } }), { status: 400 })
    if (e instanceof PotStatusError || e instanceof IdempotencyKeyReusedError) return json(submission.reply({ formErrors: [e.message] }), { status: 409 })
    throw e
  }
}

export default function ContributionPage() {
  const { pot, contribution, canRecord, idempotencyKey, today } = useLoaderData<typeof loader>()
  const lastResult = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'record-receipt',
    lastResult,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ReceiptSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
    defaultValue: { receivedOn: today, idempotencyKey },
  })
  const c = contribution
  return (
    <>
      <p>
        <Link to={`/pots/${pot.id}`}>Back to {pot.name}</Link>
      </p>
      <h1>{c.funderName}</h1>
      <dl className="summary-list">
        <SummaryRow label="Pledged">{formatPence(c.pledgedPence)}</SummaryRow>
        <SummaryRow label="Received">{formatPence(c.receivedPence)}</SummaryRow>
        <SummaryRow label="Still expected">{formatPence(Math.max(0, c.pledgedPence - c.receivedPence))}</SummaryRow>
        <SummaryRow label="Committed, offer not yet accepted">{formatPence(c.balances.committed)}</SummaryRow>
        <SummaryRow label="Accepted, waiting to be paid">{formatPence(c.balances.scheduled)}</SummaryRow>
        <SummaryRow label="Paid">{formatPence(c.balances.paid)}</SummaryRow>
        <SummaryRow label="Available to commit">{formatPence(c.canCommitPence)}</SummaryRow>
        <SummaryRow label="Returned">{formatPence(c.balances.returned)}</SummaryRow>
      </dl>
      <h2>Conditions</h2>
      <ul>
        {c.conditionSentences.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ul>
      <h2>Instalments</h2>
      {c.instalments.length === 0 ? (
        <p>No instalments: this money was carried forward already received.</p>
      ) : (
        <ul>
          {c.instalments.map((line, i) => (
            <li key={i}>
              {formatPence(line.amountPence)} due {line.dueDate}
            </li>
          ))}
        </ul>
      )}
      <h2>Receipts</h2>
      {c.receipts.length === 0 ? (
        <p>No money has arrived yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>Money received from {c.funderName}</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Amount</th>
                <th scope="col">Reference</th>
                <th scope="col">Reason for exceeding the pledge</th>
              </tr>
            </thead>
            <tbody>
              {c.receipts.map((r) => (
                <tr key={r.id}>
                  <td>{r.receivedOn}</td>
                  <td>{formatPence(r.amountPence)}</td>
                  <td>{r.reference}</td>
                  <td>{r.overPledgeReason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canRecord && pot.status !== 'closed' ? (
        <>
          <h2>Record money received</h2>
          <ErrorSummary form={form} fields={{ amount: fields.amount, receivedOn: fields.receivedOn, reference: fields.reference, overPledgeReason: fields.overPledgeReason }} />
          <Form method="post" {...getFormProps(form)}>
            <input type="hidden" name={fields.idempotencyKey.name} value={idempotencyKey} />
            <TextField field={fields.amount} label="Amount received" hint="In pounds, like £10,000" inputMode="decimal" width="medium" />
            <TextField field={fields.receivedOn} label="Date received" hint="YYYY-MM-DD" width="medium" />
            <TextField field={fields.reference} label="Payment reference" width="medium" />
            <TextArea field={fields.overPledgeReason} label="Reason, if this is more than is still expected (optional)" rows={3} />
            <SubmitButton>Record receipt</SubmitButton>
          </Form>
        </>
      ) : null}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
