import type { LoaderFunctionArgs } from '@remix-run/node'
import { panelMinutesLayout } from '../../templates/pdf/panel-minutes.ts'
import { minutesDocumentData, panelMinutes } from '~/domain/assessment/minutes.server.ts'
import { requirePanelAccess } from '~/domain/assessment/panel.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { forbidden, notFound, requirePermission } from '~/lib/guards.server.ts'
import { pdfResponse, renderPdf } from '~/lib/pdf.server.ts'
import { idParam } from '~/lib/ids.ts'

/** GET /panel/<roundId>/minutes.pdf: the minutes (attendees, conflicts, decisions, changes to the proposal). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'decide:application:any', context)
  const roundId = idParam(params.roundId)
  const round = await requirePanelAccess(db, user, roundId).catch((e: unknown) => {
    if (e instanceof NotFoundError) throw notFound()
    if (e instanceof DomainError && e.status === 403) throw forbidden(e.message)
    throw e
  })
  const pdf = await renderPdf(panelMinutesLayout, minutesDocumentData(await panelMinutes(db, roundId), new Date()))
  return pdfResponse(pdf, `panel-minutes-${round.title}.pdf`)
}
