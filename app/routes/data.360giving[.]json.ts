import type { LoaderFunctionArgs } from '@remix-run/node'
import { feedResponse } from '~/domain/open-data/feed-cache.server.ts'
import { feedLastModified, packageHeader, packageJsonStream } from '~/domain/open-data/package.server.ts'
import { openDataSettings } from '~/domain/open-data/settings.server.ts'
import { bulkReadDb, db } from '~/lib/db.server.ts'
import { env } from '~/lib/env.server.ts'

/**
 * GET /data/360giving.json (public, a stable address): every published award as a 360Giving 1.4.3 package. Made (a
 * batch of grants at a time) only when something in it could have changed, and sent from the copy kept then,
 * compressed to clients that accept it; a client that sends the ETag it already has gets 304 (feed-cache.server.ts).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const settings = await openDataSettings(db)
  const origin = new URL(request.url).origin
  return feedResponse(db, request, {
    format: 'json',
    settings,
    origin,
    dataDir: env().DATA_DIR,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Content-Disposition': 'inline; filename="360giving.json"' },
    lastModified: () => feedLastModified(db),
    make: async (modified, signal) => packageJsonStream(bulkReadDb, settings, packageHeader(settings, { origin, modified }), { signal }),
  })
}
