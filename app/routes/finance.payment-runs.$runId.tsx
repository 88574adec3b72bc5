import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { SubmitButton } from '~/components/forms.tsx'
import { SummaryRow } from '~/components/summary-list.tsx'
import { RAIL_LABELS, RUN_STATUS_LABELS, TRANCHE_STATUS_LABELS } from '~/domain/awards/award-labels.ts'
import { approvalSentence, approveRun, cancelRun, runSummary } from '~/domain/payments/payment-runs.server.ts'
import { runTransferSummary } from '~/domain/payments/stripe-transfers.server.ts'
import { markTrancheFailed } from '~/domain/payments/tranches.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { notFound, requireAnyPermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam, idText } from '~/lib/ids.ts'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? `Payment run ${data.run.reference}` : 'Payment run'} – Finance – Commonpot` }]

const FINANCE = ['prepare:payment-run:any', 'approve:payment-run:any'] as const

const ActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('approve') }),
  z.object({ intent: z.literal('cancel'), reason: z.string().trim().min(1, 'Say why the run is cancelled').max(2000) }),
  z.object({
    intent: z.literal('failed'),
    trancheId: idText,
    reason: z.string().trim().min(1, 'Say why the payment failed or came back, as the bank reported it').max(2000),
  }),
])

function runIdOf(param: string | undefined): number {
  return idParam(param)
}

async function loadRun(param: string | undefined) {
  return runSummary(db, runIdOf(param)).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
}

/** GET /finance/payment-runs/<runId>: the run's payments, totals by pot and contributor, and what can happen next. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user } = await requireAnyPermission(request, FINANCE, context)
  const run = await loadRun(params.runId)
  const transfers = run.rail === 'stripe' ? await runTransferSummary(db, run.id) : null
  return json({ run, transfers, approval: approvalSentence(run), viewerId: user.id, canApprove: user.permissions.has('approve:payment-run:any') && run.createdBy.id !== user.id })
}

/** POST intent=approve (a second finance officer; 403 for the one who prepared it) or intent=cancel (with a reason). */
export async function action({ request, params }: ActionFunctionArgs) {
  const { user } = await requireAnyPermission(request, FINANCE)
  const run = await loadRun(params.runId)
  const parsed = ActionSchema.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return json({ message: parsed.error.issues[0].message }, { status: 400 })
  try {
    if (parsed.data.intent === 'approve') {
      if (!user.permissions.has('approve:payment-run:any')) throw new Response('You do not have permission to approve payment runs.', { status: 403 })
      await db.transaction().execute((trx) => approveRun(trx, user.id, { runId: run.id }))
    } else if (parsed.data.intent === 'failed') {
      const { trancheId, reason } = parsed.data
      if (!run.tranches.some((t) => t.id === trancheId && (t.status === 'sent' || t.status === 'paid'))) {
        return json({ message: 'Only a payment of this run that was sent or paid can be recorded as failed.' }, { status: 409 })
      }
      await db.transaction().execute((trx) => markTrancheFailed(trx, user.id, { trancheId, reason, reversed: true, baseUrl: new URL(request.url).origin }))
    } else {
      const reason = parsed.data.reason
      await db.transaction().execute((trx) => cancelRun(trx, user.id, { runId: run.id, reason }))
    }
  } catch (e) {
    if (e instanceof DomainError) return json({ message: e.message }, { status: e.status })
    throw e
  }
  const message =
    parsed.data.intent === 'approve'
      ? `Payment run ${run.reference} approved`
      : parsed.data.intent === 'failed'
        ? 'The payment is back among those due, with its reason; finance officers have been emailed'
        : `Payment run ${run.reference} cancelled; its payments are due again`
  return redirect(`/finance/payment-runs/${run.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
}

export default function PaymentRun() {
  const { run, transfers, approval, canApprove } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const open = run.status === 'awaiting_approval' || run.status === 'approved'
  return (
    <>
      <p className="secondary">
        <Link to="/finance">Payments</Link>
      </p>
      <h1>Payment run {run.reference}</h1>
      {actionData?.message ? (
        <div className="error-summary" role="alert" aria-labelledby="run-action-problem" tabIndex={-1}>
          <h2 className="error-summary__title" id="run-action-problem">
            There is a problem
          </h2>
          <p>{actionData.message}</p>
        </div>
      ) : null}
      <dl className="summary-list">
        <SummaryRow label="Status">{RUN_STATUS_LABELS[run.status] ?? run.status}</SummaryRow>
        <SummaryRow label="Paid by">{RAIL_LABELS[run.rail]}</SummaryRow>
        <SummaryRow label="Total">{formatPence(run.totalPence)}</SummaryRow>
        <SummaryRow label="Prepared by">{run.createdBy.name}</SummaryRow>
        <SummaryRow label="Approved by">{run.approvedBy ? run.approvedBy.name : run.status === 'awaiting_approval' ? 'Not yet approved' : 'Within the threshold: no second approval needed'}</SummaryRow>
      </dl>
      <p>{approval}</p>

      {run.status === 'awaiting_approval' ? (
        canApprove ? (
          <Form method="post">
            <input type="hidden" name="intent" value="approve" />
            <SubmitButton>Approve payment run {run.reference}</SubmitButton>
          </Form>
        ) : (
          <p className="inset">You prepared this run, so a different finance officer must approve it.</p>
        )
      ) : null}

      {run.status === 'approved' || run.status === 'sent' || run.status === 'completed' ? (
        run.rail === 'bacs' ? (
          run.status !== 'completed' ? (
            <Form method="post" action={`/finance/payment-runs/${run.id}/export`} reloadDocument>
              <fieldset className="fieldset form-group">
                <legend>{run.status === 'approved' ? 'Download the bank file (this marks the payments as sent)' : 'Download the bank file again'}</legend>
                <div className="checkbox">
                  <input type="radio" id="format-standard18" name="format" value="standard18" defaultChecked />
                  <label htmlFor="format-standard18">Standard 18 file</label>
                </div>
                <div className="checkbox">
                  <input type="radio" id="format-csv" name="format" value="csv" />
                  <label htmlFor="format-csv">Bulk-payment CSV</label>
                </div>
              </fieldset>
              <SubmitButton>Download the bank file</SubmitButton>
            </Form>
          ) : null
        ) : transfers && (transfers.waiting > 0 || transfers.unconfirmed > 0) ? (
          <Form method="post" action={`/finance/payment-runs/${run.id}/stripe`}>
            <SubmitButton>{transfers.unconfirmed > 0 ? `Retry ${transfers.unconfirmed} unconfirmed transfers` : `Send ${transfers.waiting} Stripe transfers`}</SubmitButton>
          </Form>
        ) : null
      ) : null}
      {run.rail === 'bacs' && run.status === 'sent' ? (
        <p>
          When the bank statement shows the payments, <Link to="/finance/statements">import it</Link> to mark them paid.
        </p>
      ) : null}

      <h2>Payments in this run</h2>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">The payments in run {run.reference}</caption>
          <thead>
            <tr>
              <th scope="col">Payment</th>
              <th scope="col">Organisation</th>
              <th scope="col">Paid to</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {run.tranches.map((t) => (
              <tr key={t.id}>
                <th scope="row">
                  <Link to={`/manage/awards/${t.awardId}`}>{t.reference}</Link>
                </th>
                <td>{t.organisationName}</td>
                <td>{run.rail === 'stripe' ? 'Connected Stripe account' : t.accountNumberLast4 ? `${t.accountName}, ••••${t.accountNumberLast4}` : 'Not recorded'}</td>
                <td className="num">{formatPence(t.amountPence)}</td>
                <td>
                  {TRANCHE_STATUS_LABELS[t.status] ?? t.status}
                  {t.paidAt ? ` on ${t.paidAt}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {run.tranches.length === 0 ? <p>This run has no payments left in it.</p> : null}
      {run.tranches.some((t) => t.status === 'sent' || t.status === 'paid') ? (
        <Form method="post">
          <h2>A payment failed or came back</h2>
          <p>If the bank returned a payment (for example, the account was closed), record it here. It goes back among the payments due, with the reason, and any money marked paid is reversed in the ledger.</p>
          <input type="hidden" name="intent" value="failed" />
          <div className="form-group">
            <label className="label" htmlFor="failed-tranche">
              Payment
            </label>
            <select className="select" id="failed-tranche" name="trancheId">
              {run.tranches
                .filter((t) => t.status === 'sent' || t.status === 'paid')
                .map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.reference}: {t.organisationName}
                  </option>
                ))}
            </select>
          </div>
          <div className="form-group">
            <label className="label" htmlFor="failed-reason">
              What the bank said
            </label>
            <input className="input" id="failed-reason" name="reason" />
          </div>
          <SubmitButton secondary>Record the failed payment</SubmitButton>
        </Form>
      ) : null}

      <h2>Whose money it is</h2>
      <div className="table-wrap">
        <table>
          <caption>By pot</caption>
          <thead>
            <tr>
              <th scope="col">Pot</th>
              <th scope="col" className="num">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {run.byPot.map((p) => (
              <tr key={p.potId}>
                <th scope="row">{p.potName}</th>
                <td className="num">{formatPence(p.amountPence)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="table-wrap">
        <table>
          <caption>By contributor</caption>
          <thead>
            <tr>
              <th scope="col">Contributor</th>
              <th scope="col">Pot</th>
              <th scope="col" className="num">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {run.byContributor.map((c, i) => (
              <tr key={i}>
                <th scope="row">{c.funderName}</th>
                <td>{c.potName}</td>
                <td className="num">{formatPence(c.amountPence)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {open ? (
        <Form method="post">
          <h2>Cancel this run</h2>
          <input type="hidden" name="intent" value="cancel" />
          <div className="form-group">
            <label className="label" htmlFor="cancel-reason">
              Why is it cancelled?
            </label>
            <input className="input" id="cancel-reason" name="reason" />
          </div>
          <SubmitButton secondary>Cancel payment run {run.reference}</SubmitButton>
        </Form>
      ) : null}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
