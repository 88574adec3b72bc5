import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useActionData, useParams } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { exportRun } from '~/domain/payments/exports.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { idParam } from '~/lib/ids.ts'

export const meta: MetaFunction = () => [{ title: 'Bank file – Finance – Commonpot' }]

const ExportSchema = z.object({
  format: z.enum(['standard18', 'csv'], { errorMap: () => ({ message: 'Choose the kind of bank file: Standard 18 or bulk-payment CSV' }) }),
})

function runIdFrom(params: { runId?: string }): number {
  return idParam(params.runId, 'We could not find that payment run.')
}

/** GET: there is nothing to show here; the download form is on the run's page. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'prepare:payment-run:any', context)
  return redirect(`/finance/payment-runs/${runIdFrom(params)}`)
}

/**
 * POST /finance/payment-runs/<runId>/export (format=standard18|csv): makes the run's bank file and sends the browser
 * to download it (/finance/payment-runs/<runId>/file). The first export of an approved BACS run sends it (its payments
 * become "sent"); later ones give the same file again. A run that cannot be exported gets this page with the reason.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'prepare:payment-run:any')
  const runId = runIdFrom(params)
  const parsed = ExportSchema.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return json({ message: parsed.error.issues[0].message }, { status: 400 })
  try {
    await db.transaction().execute((trx) => exportRun(trx, user.id, { runId, format: parsed.data.format }))
    // Post/redirect/get: the browser downloads the file from a plain GET (a page's POST cannot answer with a file).
    return redirect(`/finance/payment-runs/${runId}/file?format=${parsed.data.format}`, 303)
  } catch (e) {
    if (e instanceof DomainError && e.status === 404) throw notFound(e.message)
    if (e instanceof DomainError) return json({ message: e.message }, { status: e.status })
    throw e
  }
}

/** Shown only when the file could not be made (without JavaScript the form posts here and the page says why). */
export default function BankFileProblem() {
  const data = useActionData<typeof action>()
  const { runId } = useParams()
  return (
    <>
      <span className="secondary">Finance</span>
      <h1>The bank file could not be made</h1>
      {data && 'message' in data ? (
        <div className="error-summary" role="alert" aria-labelledby="export-problem" tabIndex={-1}>
          <h2 className="error-summary__title" id="export-problem">
            There is a problem
          </h2>
          <p>{data.message}</p>
        </div>
      ) : null}
      <p>
        <Link to={`/finance/payment-runs/${runId}`}>Back to the payment run</Link>
      </p>
    </>
  )
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
