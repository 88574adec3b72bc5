import type { LoaderFunctionArgs } from '@remix-run/node'
import { findViewableDocument } from '~/domain/applications/documents.server.ts'
import { db } from '~/lib/db.server.ts'
import { env } from '~/lib/env.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requireUser } from '~/lib/guards.server.ts'
import { readUpload } from '~/lib/uploads.server.ts'
import { idParam } from '~/lib/ids.ts'

/**
 * GET /documents/<id>: an uploaded file, for members of its organisation, fund managers and assessors assigned to
 * its application; 404 for everyone else. Sent as an attachment with its checked content type, never sniffed.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context)
  const id = idParam(params.documentId)
  const doc = await findViewableDocument(db, { id: user.id, readsAnyApplication: user.permissions.has('read:application:any') }, id).catch((e) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  const bytes = await readUpload(env().DATA_DIR, doc.storageKey)
  return new Response(new Uint8Array(bytes), {
    headers: {
      'Content-Type': doc.contentType,
      'Content-Length': String(bytes.byteLength),
      'Content-Disposition': `attachment; filename="${doc.filename.replace(/["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(doc.filename)}`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, no-store',
    },
  })
}
