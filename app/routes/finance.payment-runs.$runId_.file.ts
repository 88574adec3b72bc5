import type { LoaderFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { exportRun } from '~/domain/payments/exports.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { idParam } from '~/lib/ids.ts'

const FileQuery = z.object({ format: z.enum(['standard18', 'csv']) })

/**
 * GET /finance/payment-runs/<runId>/file?format=standard18|csv: the bank file of a run already exported (sent), byte
 * for byte as first made; each download is audited. 409 with the reason for a run not exported yet, or completed.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'prepare:payment-run:any', context)
  const runId = idParam(params.runId, 'We could not find that payment run.')
  const query = FileQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams))
  if (!query.success) throw new Response('Choose the kind of bank file: format=standard18 or format=csv.', { status: 400 })
  const status = await db.selectFrom('payment_runs').select('status').where('id', '=', runId).executeTakeFirst()
  if (!status) throw notFound('We could not find that payment run.')
  if (status.status !== 'sent') throw new Response('Export the run from its page first: this address only gives the file of a run already sent.', { status: 409 })
  try {
    const file = await db.transaction().execute((trx) => exportRun(trx, user.id, { runId, format: query.data.format }))
    return new Response(file.body, {
      headers: {
        'Content-Type': file.contentType,
        'Content-Disposition': `attachment; filename="${file.filename}"`,
        'Cache-Control': 'private, no-store',
        'X-Content-Type-Options': 'nosniff',
      },
    })
  } catch (e) {
    if (e instanceof DomainError) throw new Response(e.message, { status: e.status })
    throw e
  }
}
