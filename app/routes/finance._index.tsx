import { parseWithZod } from '~/lib/form-submission.ts'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { SubmitButton } from '~/components/forms.tsx'
import { PaymentRunsTable, paymentRunRow } from '~/components/payment-runs-table.tsx'
import { PlainLink } from '~/components/plain-link.tsx'
import { RAIL_LABELS } from '~/domain/awards/award-labels.ts'
import { bankDetailsToCheckCount } from '~/domain/payments/bank-details.server.ts'
import { listRuns, prepareRun, RunInputError } from '~/domain/payments/payment-runs.server.ts'
import { paymentSettings } from '~/domain/payments/settings.server.ts'
import { dueTranchesPage, formatDueCursor, parseDueCursor, payableTrancheIds, reasonsNotPayable, type DuePayment } from '~/domain/payments/tranches.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { formatPence } from '~/lib/money.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idText } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Payments – Finance – Commonpot' }]

/** How many of the latest payment runs the page lists; every run is on /finance/payment-runs. */
const RECENT_RUNS = 5

const PrepareSchema = z.object({
  rail: z.enum(['bacs', 'stripe'], { errorMap: () => ({ message: 'Choose how to pay: BACS or Stripe' }) }),
  scope: z.enum(['ticked', 'every']).default('ticked'),
  trancheIds: z.array(idText).default([]),
  idempotencyKey: z.string().min(1).max(100),
})

/**
 * GET /finance (prepare:payment-run:any): payments due now, 25 a page (?after= / ?before= a due date and id), with
 * why any cannot be paid yet, how many are due in all and their total, and recent runs. Sent as the page shows it:
 * amounts and labels as text, and for each payment whether it can be paid in words.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'prepare:payment-run:any', context)
  const params = new URL(request.url).searchParams
  const [page, runs, settings, toCheck] = await Promise.all([
    dueTranchesPage(db, { after: parseDueCursor(params.get('after')), before: parseDueCursor(params.get('before')) }),
    listRuns(db, { limit: RECENT_RUNS }),
    paymentSettings(db),
    bankDetailsToCheckCount(db),
  ])
  return {
    dueCount: page.count,
    dueTotal: formatPence(page.totalPence),
    next: page.next ? formatDueCursor(page.next) : null,
    previous: page.previous ? formatDueCursor(page.previous) : null,
    due: page.tranches.map(dueRow),
    runs: runs.map(paymentRunRow),
    threshold: formatPence(settings.approvalThresholdPence),
    bankDetailsToCheck: toCheck,
    idempotencyKey: globalThis.crypto.randomUUID(),
  }
}

/**
 * A payment due as its row shows it: whether it can be paid ("Yes, by BACS", "Yes, by Stripe" or "Not yet: " and the
 * reasons BACS cannot take it), ticked when it can, and the organisation to link to while Stripe cannot pay it.
 */
function dueRow(t: DuePayment) {
  const bacs = reasonsNotPayable(t, 'bacs')
  const stripe = reasonsNotPayable(t, 'stripe')
  return {
    id: t.id,
    reference: t.reference,
    awardId: t.awardId,
    organisationName: t.organisationName,
    amount: formatPence(t.amountPence),
    dueDate: t.dueDate,
    ready: bacs.length === 0 || stripe.length === 0,
    canPay: bacs.length === 0 ? 'Yes, by BACS' : stripe.length === 0 ? 'Yes, by Stripe' : `Not yet: ${bacs.join('; ')}`,
    stripeOrganisationId: stripe.length > 0 ? t.organisationId : null,
  }
}

/** POST: prepares a run of the chosen payments; refused (400) with each payment that cannot be paid and why. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'prepare:payment-run:any')
  const submission = parseWithZod(await request.formData(), { schema: PrepareSchema })
  if (submission.status !== 'success') return json({ errors: Object.values(submission.reply().error ?? {}).flat() }, { status: 400 })
  const { scope, rail, idempotencyKey } = submission.value
  const trancheIds = scope === 'every' ? await payableTrancheIds(db, rail) : submission.value.trancheIds
  if (trancheIds.length === 0) {
    return json({ errors: [scope === 'every' ? `No payment due can be paid by ${RAIL_LABELS[rail]} yet` : 'Choose at least one payment to include'] }, { status: 400 })
  }
  try {
    const run = await db.transaction().execute((trx) => prepareRun(trx, user.id, { rail, trancheIds, idempotencyKey }))
    const message = run.needsApproval
      ? `Payment run ${run.reference} for ${formatPence(run.totalPence)} is waiting for a second finance officer to approve it`
      : `Payment run ${run.reference} for ${formatPence(run.totalPence)} is approved and ready to send`
    return redirect(`/finance/payment-runs/${run.id}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof RunInputError) return json({ errors: e.problems }, { status: 400 })
    if (e instanceof DomainError) return json({ errors: [e.message] }, { status: e.status })
    throw e
  }
}

export default function FinanceHome() {
  const d = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  return (
    <>
      <h1>Payments</h1>
      <ul className="actions-list">
        <li>
          <PlainLink to="/finance/bank-details">{`Bank details to check (${d.bankDetailsToCheck})`}</PlainLink>
        </li>
        <li>
          <PlainLink to="/finance/statements">Import a bank statement</PlainLink>
        </li>
      </ul>
      {actionData?.errors?.length ? (
        <div className="error-summary" role="alert" aria-labelledby="run-problem" tabIndex={-1}>
          <h2 className="error-summary__title" id="run-problem">
            The payment run was not made
          </h2>
          <ul>
            {actionData.errors.map((m, i) => (
              <li key={i}>
                <a href="#due-payments">{m}</a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <h2 id="due-payments">Payments due</h2>
      {d.dueCount > 0 ? <p>{dueSentence(d.dueCount, d.dueTotal, d.due.length)}</p> : null}
      {d.due.length === 0 ? (
        <p>No payments are due.</p>
      ) : (
        <Form method="post" key={d.idempotencyKey}>
          <input type="hidden" name="idempotencyKey" value={d.idempotencyKey} />
          <p>{`Runs over ${d.threshold} need a second finance officer to approve them.`}</p>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Payments due, with anything stopping them</caption>
              <thead>
                <tr>
                  <th scope="col">Include</th>
                  <th scope="col">Payment</th>
                  <th scope="col">Organisation</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col">Due</th>
                  <th scope="col">Can it be paid?</th>
                </tr>
              </thead>
              <tbody>
                {d.due.map((t) => (
                  <DueRow key={t.id} t={t} />
                ))}
              </tbody>
            </table>
          </div>
          <DuePager previous={d.previous} next={d.next} />
          {d.dueCount > d.due.length ? (
            <fieldset className="fieldset form-group">
              <legend>Which payments</legend>
              <div className="checkbox">
                <input type="radio" id="scope-ticked" name="scope" value="ticked" defaultChecked />
                <label htmlFor="scope-ticked">The payments ticked on this page</label>
              </div>
              <div className="checkbox">
                <input type="radio" id="scope-every" name="scope" value="every" />
                <label htmlFor="scope-every">{`Every payment that can be paid by the method below, on every page (${d.dueCount} due in all)`}</label>
              </div>
            </fieldset>
          ) : null}
          <fieldset className="fieldset form-group">
            <legend>Pay by</legend>
            {(['bacs', 'stripe'] as const).map((rail) => (
              <div className="checkbox" key={rail}>
                <input type="radio" id={`rail-${rail}`} name="rail" value={rail} defaultChecked={rail === 'bacs'} />
                <label htmlFor={`rail-${rail}`}>{RAIL_LABELS[rail]}</label>
              </div>
            ))}
          </fieldset>
          <SubmitButton>Prepare the payment run</SubmitButton>
        </Form>
      )}
      <h2>Payment runs</h2>
      {d.runs.length === 0 ? (
        <p>No payment runs yet.</p>
      ) : (
        <>
          <PaymentRunsTable caption="The latest payment runs" runs={d.runs} />
          <p>
            <PlainLink to="/finance/payment-runs">All payment runs</PlainLink>
          </p>
        </>
      )}
    </>
  )
}

/** "1,409 payments are due, £10,626,250.00 in all. This page shows 25 of them, soonest due first." */
function dueSentence(count: number, total: string, shown: number): string {
  const due = `${count === 1 ? '1 payment is' : `${count} payments are`} due, ${total} in all.`
  return count > shown ? `${due} This page shows ${shown} of them, soonest due first.` : due
}

/**
 * One payment due: ticked when it can be paid, labelled for screen readers by its reference (aria-label: one element
 * fewer a row than a hidden <label>), plain links to its award and, while Stripe cannot pay it, the Stripe account.
 */
function DueRow({ t }: { t: ReturnType<typeof dueRow> }) {
  return (
    <tr>
      <td>
        <input type="checkbox" name="trancheIds" value={t.id} defaultChecked={t.ready} aria-label={`Include ${t.reference}`} />
      </td>
      <th scope="row">
        <PlainLink to={`/manage/awards/${t.awardId}`}>{t.reference}</PlainLink>
      </th>
      <td>{t.organisationName}</td>
      <td className="num">{t.amount}</td>
      <td>{t.dueDate}</td>
      <td>
        {t.stripeOrganisationId === null ? (
          t.canPay
        ) : (
          <>
            {`${t.canPay} `}
            <PlainLink to={`/finance/organisations/${t.stripeOrganisationId}/stripe`}>{`Stripe account for ${t.organisationName}`}</PlainLink>
          </>
        )}
      </td>
    </tr>
  )
}

/** Links to the previous and next pages of payments due (plain links: they work without JavaScript). */
function DuePager({ previous, next }: { previous: string | null; next: string | null }) {
  if (!previous && !next) return null
  return (
    <nav aria-label="Pages of payments due">
      <ul className="actions-list">
        {previous ? (
          <li>
            <PlainLink to={`/finance?before=${encodeURIComponent(previous)}`}>Previous page</PlainLink>
          </li>
        ) : null}
        {next ? (
          <li>
            <PlainLink to={`/finance?after=${encodeURIComponent(next)}`}>Next page</PlainLink>
          </li>
        ) : null}
      </ul>
    </nav>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
