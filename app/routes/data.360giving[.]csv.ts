import type { LoaderFunctionArgs } from '@remix-run/node'
import { notModified, validatorHeaders } from '~/domain/open-data/http.server.ts'
import { feedVersion, grantCsv } from '~/domain/open-data/package.server.ts'
import { openDataSettings } from '~/domain/open-data/settings.server.ts'
import { csvResponse } from '~/lib/csv.server.ts'
import { db } from '~/lib/db.server.ts'

/**
 * GET /data/360giving.csv (public, a stable address): the same grants as /data/360giving.json with the standard's
 * flat column titles, streamed through csv-stringify.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const settings = await openDataSettings(db)
  const version = await feedVersion(db, settings, 'csv')
  if (notModified(request, version)) return new Response(null, { status: 304, headers: validatorHeaders(version) })
  const { columns, grants } = await grantCsv(db, settings, { signal: request.signal })
  const response = csvResponse('360giving.csv', columns, grants)
  for (const [name, value] of Object.entries(validatorHeaders(version))) response.headers.set(name, value)
  return response
}
