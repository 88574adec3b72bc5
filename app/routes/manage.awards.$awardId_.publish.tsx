import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { GeneralErrorBoundary } from '~/components/error-boundary.tsx'
import { AwardNotPublishableError, publishAward, unpublishAward } from '~/domain/open-data/publishing.server.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { setFlash } from '~/lib/session.server.ts'
import { idParam } from '~/lib/ids.ts'

const PublishSchema = z.object({ intent: z.enum(['publish', 'unpublish']) })

function awardIdOf(param: string | undefined): number {
  return idParam(param)
}

/** GET: nothing to see here; the award's page has the buttons. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'publish:grant:any', context)
  return redirect(`/manage/awards/${awardIdOf(params.awardId)}`)
}

/**
 * POST /manage/awards/<id>/publish (publish:grant:any), intent=publish|unpublish: puts the award in (or takes it out
 * of) the public 360Giving files and goes back to the award's page with a flash. An award whose offer was not
 * accepted is 409 with the reason; a missing award 404.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'publish:grant:any')
  const awardId = awardIdOf(params.awardId)
  const parsed = PublishSchema.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) throw new Response('Choose whether to publish the award or take it out of the open data.', { status: 400, statusText: 'Bad Request' })
  const publish = parsed.data.intent === 'publish'
  try {
    const change = await db.transaction().execute((trx) => (publish ? publishAward(trx, user.id, awardId) : unpublishAward(trx, user.id, awardId)))
    const message = publish
      ? change.changed ? `Award ${change.reference} is published as open data` : `Award ${change.reference} was already published`
      : change.changed ? `Award ${change.reference} is no longer published as open data` : `Award ${change.reference} was not published`
    return redirect(`/manage/awards/${awardId}`, { headers: { 'Set-Cookie': await setFlash(request, { kind: 'success', message }) } })
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound()
    if (e instanceof AwardNotPublishableError) throw new Response(e.message, { status: 409, statusText: 'Conflict' })
    throw e
  }
}

export default function PublishAward() {
  return null
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
