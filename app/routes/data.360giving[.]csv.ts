import type { LoaderFunctionArgs } from '@remix-run/node'
import { feedResponse } from '~/domain/open-data/feed-cache.server.ts'
import { feedLastModified, grantCsv } from '~/domain/open-data/package.server.ts'
import { openDataSettings } from '~/domain/open-data/settings.server.ts'
import { csvResponse } from '~/lib/csv.server.ts'
import { bulkReadDb, db } from '~/lib/db.server.ts'
import { env } from '~/lib/env.server.ts'

/**
 * GET /data/360giving.csv (public, a stable address): the same grants as /data/360giving.json with the standard's
 * flat column titles, made through csv-stringify when something in it could have changed and otherwise sent from
 * the copy kept then (feed-cache.server.ts).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const settings = await openDataSettings(db)
  return feedResponse(db, request, {
    format: 'csv',
    settings,
    origin: new URL(request.url).origin,
    dataDir: env().DATA_DIR,
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="360giving.csv"' },
    lastModified: () => feedLastModified(db),
    make: async (_modified, signal) => {
      const { columns, grants } = await grantCsv(bulkReadDb, settings, { signal })
      return csvResponse('360giving.csv', columns, grants).body!
    },
  })
}
