import type { LoaderFunctionArgs } from '@remix-run/node'
import { notModified, validatorHeaders } from '~/domain/open-data/http.server.ts'
import { feedVersion, packageHeader, packageJsonStream } from '~/domain/open-data/package.server.ts'
import { openDataSettings } from '~/domain/open-data/settings.server.ts'
import { db } from '~/lib/db.server.ts'

/**
 * GET /data/360giving.json (public, a stable address): every published award as a 360Giving 1.4.3 package, streamed
 * a batch of grants at a time. A client that sends the ETag it already has gets 304 Not Modified.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const settings = await openDataSettings(db)
  const version = await feedVersion(db, settings, 'json')
  if (notModified(request, version)) return new Response(null, { status: 304, headers: validatorHeaders(version) })
  const header = packageHeader(settings, { origin: new URL(request.url).origin, modified: version.lastModified })
  return new Response(packageJsonStream(db, settings, header, { signal: request.signal }), {
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Content-Disposition': 'inline; filename="360giving.json"', ...validatorHeaders(version) },
  })
}
