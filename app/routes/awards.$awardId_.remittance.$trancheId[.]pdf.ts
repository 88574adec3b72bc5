import type { LoaderFunctionArgs } from '@remix-run/node'
import { remittanceAdvice } from '~/domain/payments/remittance.server.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requireUser } from '~/lib/guards.server.ts'
import { pdfResponse, renderPdf } from '~/lib/pdf.server.ts'
import { remittanceAdviceLayout } from '../../templates/pdf/remittance-advice.ts'
import { idParam } from '~/lib/ids.ts'

/**
 * GET /awards/<awardId>/remittance/<trancheId>.pdf: the remittance advice for a paid payment. For members of the
 * award's organisation, fund managers and finance officers; 404 for anyone else, and for a payment not yet paid.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context)
  const awardId = idParam(params.awardId)
  const trancheId = idParam(params.trancheId)
  const advice = await remittanceAdvice(db, { awardId, trancheId }).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  const readsAll = user.permissions.has('issue:award:any') || user.permissions.has('prepare:payment-run:any')
  if (!readsAll) {
    const member = await db.selectFrom('memberships').select('id').where('user_id', '=', user.id).where('organisation_id', '=', advice.organisationId).executeTakeFirst()
    if (!member) throw notFound()
  }
  return pdfResponse(await renderPdf(remittanceAdviceLayout, advice), `remittance-${advice.values.reference.replace(/[^A-Za-z0-9-]/g, '-')}.pdf`)
}
