import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { notAnImpossibleDate } from '~/lib/calendar-date.ts'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { issueOffer, OfferInputError, OfferNotReadyError } from '~/domain/awards/offers.server.ts'
import { AwardNotFoundError } from '~/domain/awards/terms.server.ts'
import { db } from '~/lib/db.server.ts'
import { appOrigin, env } from '~/lib/env.server.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

const IssueSchema = z.object({ respondBy: z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/).refine(notAnImpossibleDate).optional().or(z.literal('')) })

function awardIdOf(param: string | undefined): number {
  return idParam(param)
}

/** GET: there is nothing to see here; the award's page has the button. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'issue:award:any', context)
  return redirect(`/manage/awards/${awardIdOf(params.awardId)}`)
}

/**
 * POST /manage/awards/<id>/offer (issue:award:any): sends this award's offer letter now (optional respondBy,
 * YYYY-MM-DD) and goes back to the award's page with a flash. An award without its terms is 409, a bad date 400.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'issue:award:any')
  const awardId = awardIdOf(params.awardId)
  const parsed = IssueSchema.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) throw new Response('Enter the reply-by date as a date, like 2027-01-31.', { status: 400, statusText: 'Bad Request' })
  try {
    const result = await db.transaction().execute((trx) => issueOffer(trx, user.id, { awardId, respondBy: parsed.data.respondBy || null, dataDir: env().DATA_DIR, appOrigin: appOrigin(request) }))
    const message = result.replayed ? 'The offer letter had already been sent.' : `Offer letter sent to ${result.emails} member${result.emails === 1 ? '' : 's'} of the organisation.`
    return redirect(`/manage/awards/${awardId}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof AwardNotFoundError) throw notFound()
    if (e instanceof OfferNotReadyError || e instanceof OfferInputError) throw new Response(e.message, { status: e.status })
    throw e
  }
}

export default function IssueOffer() {
  return null
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
