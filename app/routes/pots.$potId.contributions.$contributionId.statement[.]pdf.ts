import type { LoaderFunctionArgs } from '@remix-run/node'
import { contributionStatementLayout } from '../../templates/pdf/contribution-statement.ts'
import { parseFinancialYear } from '~/domain/budgets/financial-year.ts'
import { getPot } from '~/domain/budgets/pots.server.ts'
import { contributionFunderId, contributorStatement, statementDocumentData, StatementPeriodError } from '~/domain/budgets/reports.server.ts'
import { db } from '~/lib/db.server.ts'
import { notFound, requireAnyPermission } from '~/lib/guards.server.ts'
import { pdfResponse, renderPdf } from '~/lib/pdf.server.ts'
import { idParam } from '~/lib/ids.ts'

/**
 * GET /pots/:potId/contributions/:contributionId/statement.pdf?from=YYYY-MM-DD&to=YYYY-MM-DD: the contributor
 * statement as a PDF, for the pot's financial year unless a period is given. Pot readers see any contribution; a
 * funder viewer only their own funder's (anything else is 404, so other contributions' existence does not leak).
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user, permission } = await requireAnyPermission(request, ['read:pot:any', 'read:report:funder'], context)
  const potId = idParam(params.potId)
  const contributionId = idParam(params.contributionId)
  const funderId = await contributionFunderId(db, potId, contributionId)
  if (funderId === null || (permission === 'read:report:funder' && !user.funderIds.includes(funderId))) throw notFound()
  const pot = await getPot(db, potId)
  const year = parseFinancialYear(pot.financialYear)
  const url = new URL(request.url)
  const period = {
    from: url.searchParams.get('from') ?? (year.ok ? year.starts : ''),
    to: url.searchParams.get('to') ?? (year.ok ? year.ends : ''),
  }
  try {
    const statement = await contributorStatement(db, contributionId, period)
    const pdf = await renderPdf(contributionStatementLayout, statementDocumentData(statement, new Date()))
    return pdfResponse(pdf, `statement-${statement.funderName}-${period.from}-to-${period.to}.pdf`)
  } catch (e) {
    if (e instanceof StatementPeriodError) throw new Response(e.message, { status: 400 })
    throw e
  }
}
