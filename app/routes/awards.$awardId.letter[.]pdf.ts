import type { LoaderFunctionArgs } from '@remix-run/node'
import { awardLetterDocument } from '~/domain/awards/offer-views.server.ts'
import { db } from '~/lib/db.server.ts'
import { env } from '~/lib/env.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requireUser } from '~/lib/guards.server.ts'
import { pdfResponse } from '~/lib/pdf.server.ts'
import { readUpload } from '~/lib/uploads.server.ts'
import { idParam } from '~/lib/ids.ts'

const VERSIONS = ['original', 'accepted'] as const

/**
 * GET /awards/<id>/letter.pdf: the offer letter as stored when it was issued (?version=original), or re-issued with
 * its acceptance (?version=accepted; by default the accepted one once there is one). For members of the award's
 * organisation, fund managers and finance officers; 404 for anyone else.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context)
  const awardId = idParam(params.awardId)
  const asked = new URL(request.url).searchParams.get('version')
  const version = VERSIONS.find((v) => v === asked) ?? 'latest'
  const readsAllAwards = user.permissions.has('issue:award:any') || user.permissions.has('prepare:payment-run:any')
  const letter = await awardLetterDocument(db, { userId: user.id, readsAllAwards }, awardId, version).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  return pdfResponse(Buffer.from(await readUpload(env().DATA_DIR, letter.storageKey)), letter.filename)
}
