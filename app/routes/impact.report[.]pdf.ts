import type { LoaderFunctionArgs } from '@remix-run/node'
import { impactReportPdf } from '~/domain/impact/report.server.ts'
import { scopeFromSearchParams } from '~/domain/impact/scope.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requireAnyPermission } from '~/lib/guards.server.ts'
import { pdfResponse } from '~/lib/pdf.server.ts'

/**
 * GET /impact/report.pdf?fund=<id> (or pot=, round=, place=, funder=, in any mix): the impact report PDF with its
 * charts, measure table and SROI arithmetic. read:report:any sees any scope; a funder viewer (read:report:funder) gets
 * the same report limited to the awards their own funders' money is in.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, permission } = await requireAnyPermission(request, ['read:report:any', 'read:report:funder'], context)
  const scope = scopeFromSearchParams(new URL(request.url).searchParams)
  const access = permission === 'read:report:any' ? {} : { funderIds: user.funderIds }
  try {
    const { pdf, scopeLabel } = await impactReportPdf(db, scope, access)
    return pdfResponse(pdf, `impact-report-${scopeLabel.slice(0, 60)}.pdf`)
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound(e.message)
    throw e
  }
}
