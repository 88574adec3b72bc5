import type { LoaderFunctionArgs } from '@remix-run/node'
import { panelPackLayout } from '../../templates/pdf/panel-pack.ts'
import { packDocumentData, panelPack } from '~/domain/assessment/minutes.server.ts'
import { requirePanelAccess } from '~/domain/assessment/panel.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { forbidden, notFound, requirePermission } from '~/lib/guards.server.ts'
import { pdfResponse, renderPdf } from '~/lib/pdf.server.ts'
import { idParam } from '~/lib/ids.ts'

/** GET /panel/<roundId>/pack.pdf: the panel pack (cover, ranked summary, each bid's scores, conflicts, budget). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'decide:application:any', context)
  const roundId = idParam(params.roundId)
  const round = await requirePanelAccess(db, user, roundId).catch((e: unknown) => {
    if (e instanceof NotFoundError) throw notFound()
    if (e instanceof DomainError && e.status === 403) throw forbidden(e.message)
    throw e
  })
  const pack = await panelPack(db, roundId)
  const pdf = await renderPdf(panelPackLayout(pack.bids.length), packDocumentData(pack, new Date()))
  return pdfResponse(pdf, `panel-pack-${round.title}.pdf`)
}
