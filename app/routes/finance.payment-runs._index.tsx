import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { PaymentRunsTable, paymentRunRow } from '~/components/payment-runs-table.tsx'
import { PlainLink } from '~/components/plain-link.tsx'
import { paymentRunsPage } from '~/domain/payments/payment-runs.server.ts'
import { db } from '~/lib/db.server.ts'
import { requirePermission } from '~/lib/guards.server.ts'
import { idText } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Payment runs – Finance – Commonpot' }]

/** An id that is not a run's (or not a number) shows the newest runs rather than an error. */
const PageQuery = z.object({ before: idText.optional().catch(undefined) })

/** GET /finance/payment-runs: every payment run, newest first, 25 a page (?before=<run id> for older ones). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'prepare:payment-run:any', context)
  const { before } = PageQuery.parse(Object.fromEntries(new URL(request.url).searchParams))
  const page = await paymentRunsPage(db, { before })
  return { runs: page.runs.map(paymentRunRow), olderBefore: page.olderBefore, newest: before === undefined }
}

export default function PaymentRuns() {
  const { runs, olderBefore, newest } = useLoaderData<typeof loader>()
  return (
    <>
      <p>
        <PlainLink to="/finance">Back to payments due</PlainLink>
      </p>
      <h1>Payment runs</h1>
      {runs.length === 0 ? (
        <p>{newest ? 'No payment runs yet.' : 'There are no older payment runs.'}</p>
      ) : (
        <PaymentRunsTable caption={newest ? 'Payment runs, newest first' : 'Older payment runs, newest first'} runs={runs} />
      )}
      {newest && olderBefore === null ? null : (
        <nav aria-label="Pages of payment runs">
          <p>
            {newest ? null : <PlainLink to="/finance/payment-runs">Newest runs</PlainLink>}
            {!newest && olderBefore !== null ? ' · ' : null}
            {olderBefore !== null ? <PlainLink to={`/finance/payment-runs?before=${olderBefore}`}>Older runs</PlainLink> : null}
          </p>
        </nav>
      )}
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
