/**
 * The 360Giving export on its own, in a child process so its peak memory is its own: `tsx bench/export-child.ts json`
 * (or csv) streams every published grant through the app's export functions (the same ones /data/360giving.json and
 * .csv use) into a null sink that only counts bytes, then prints one JSON line: seconds, grants, bytes, peak RSS (MB)
 * and the process's RSS before the export began (what loading Node, tsx and the app cost).
 */
import { packageHeader, packageJsonChunks, grantCsv } from '../app/domain/open-data/package.server.ts'
import { publishedGrants } from '../app/domain/open-data/grants.server.ts'
import { openDataSettings } from '../app/domain/open-data/settings.server.ts'
import { csvResponse } from '../app/lib/csv.server.ts'
import { createDatabase, databaseOptionsFromEnv } from '../db/connect.ts'

const format = process.argv[2] === 'csv' ? 'csv' : 'json'
// The connection the routes read the files through (app/lib/db.server.ts: bulkReadDb).
const handle = createDatabase({ ...databaseOptionsFromEnv(), use: 'bulk-read' })
try {
  const settings = await openDataSettings(handle.db)
  const baselineMb = Math.round(process.memoryUsage().rss / 1024 / 1024)
  const started = performance.now()
  let grants = 0
  let bytes = 0
  const counted = async function* <T>(items: AsyncIterable<T>) {
    for await (const item of items) {
      grants++
      yield item
    }
  }
  if (format === 'json') {
    const header = packageHeader(settings, { origin: 'http://127.0.0.1', modified: null })
    for await (const chunk of packageJsonChunks(header, counted(publishedGrants(handle.db, { prefix: settings.prefix })))) bytes += Buffer.byteLength(chunk)
  } else {
    const { columns, grants: rows } = await grantCsv(handle.db, settings)
    const reader = csvResponse('360giving.csv', columns, counted(rows)).body!.getReader()
    for (let next = await reader.read(); !next.done; next = await reader.read()) bytes += next.value.byteLength
  }
  const seconds = Math.round((performance.now() - started) / 10) / 100
  const peakMb = Math.round(process.resourceUsage().maxRSS / 1024)
  process.stdout.write(`${JSON.stringify({ format, seconds, grants, bytes, peakMb, baselineMb })}\n`)
} finally {
  await handle.close()
}
