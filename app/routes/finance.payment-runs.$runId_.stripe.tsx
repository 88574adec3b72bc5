import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { LARGE_STRIPE_RUN, STRIPE_RUN_JOB_KIND, sendRunTransfers, transfersWaiting, type SendRunTransfersResult } from '~/domain/payments/stripe-transfers.server.ts'
import { enqueueJob } from '~/lib/jobs.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { requireAnyPermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { stripeClient } from '~/lib/stripe.server.ts'
import { idParam } from '~/lib/ids.ts'

const PERMISSIONS = ['approve:payment-run:any', 'prepare:payment-run:any'] as const

function runIdFrom(params: { runId?: string }): number {
  return idParam(params.runId)
}

/** GET: nothing to show here; the buttons live on the run's page. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireAnyPermission(request, PERMISSIONS, context)
  return redirect(`/finance/payment-runs/${runIdFrom(params)}`)
}

/**
 * POST /finance/payment-runs/<runId>/stripe: "Send transfers" and "Retry unconfirmed transfers" on an approved Stripe
 * run. Sends every tranche still waiting (unconfirmed ones again with their own idempotency keys, so nothing is paid
 * twice) and goes back to the run with a summary.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  const { user } = await requireAnyPermission(request, PERMISSIONS)
  const runId = runIdFrom(params)
  const stripe = stripeClient()
  if (!stripe) throw new Response('Stripe is not set up on this site, so no transfers were sent.', { status: 409 })
  const waiting = await transfersWaiting(db, runId)
  if (waiting > LARGE_STRIPE_RUN) {
    // A large run sends its transfers in the background, with a progress page (which refreshes itself without JavaScript).
    const { job } = await db.transaction().execute((trx) =>
      enqueueJob(trx, {
        kind: STRIPE_RUN_JOB_KIND,
        payload: { runId, title: `Sending the Stripe transfers of payment run ${runId}`, unit: 'transfers', returnTo: `/finance/payment-runs/${runId}`, returnLabel: 'Back to the payment run' },
        total: waiting,
        createdBy: user.id,
        idempotencyKey: `stripe-run:${runId}:${waiting}`,
      }),
    )
    return redirect(`/jobs/${job.id}`)
  }
  let result: SendRunTransfersResult
  try {
    result = await sendRunTransfers(db, stripe, user.id, runId)
  } catch (e) {
    if (e instanceof DomainError) throw new Response(e.message, { status: e.status })
    throw e
  }
  return redirect(`/finance/payment-runs/${runId}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: result.retryLater + result.failed > 0 ? 'info' : 'success', message: transferSummary(result) }) } })
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

/** One plain sentence per outcome, e.g. "2 transfers sent. 1 not confirmed by Stripe yet: ...". */
function transferSummary(r: Pick<SendRunTransfersResult, 'sent' | 'alreadySent' | 'retryLater' | 'failed' | 'runSent'>): string {
  const parts: string[] = []
  if (r.sent > 0) parts.push(`${plural(r.sent, 'transfer', 'transfers')} sent.`)
  if (r.alreadySent > 0) parts.push(`${plural(r.alreadySent, 'transfer was', 'transfers were')} already sent.`)
  if (r.retryLater > 0) parts.push(`${plural(r.retryLater, 'transfer', 'transfers')} not confirmed by Stripe yet: nothing was paid twice. Use “Retry unconfirmed transfers” in a few minutes.`)
  if (r.failed > 0) parts.push(`${plural(r.failed, 'transfer was', 'transfers were')} refused by Stripe and went back to the payments due, with the reason.`)
  if (parts.length === 0) parts.push('There were no transfers waiting to be sent.')
  if (r.runSent) parts.push('The run is sent: payments are marked paid when Stripe confirms them.')
  return parts.join(' ')
}

export default function StripeTransfers() {
  return null
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
