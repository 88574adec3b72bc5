/**
 * `npm run audit:verify`: checks the audit trail's hash chain in the configured database (DATABASE_URL for
 * PostgreSQL, otherwise DATABASE_PATH or data/commonpot.sqlite).
 * Prints "audit chain OK: N events" and exits 0, or "audit chain BROKEN at event N: reason" and exits 1.
 * Exits 2 when the check could not run at all (no database, or it cannot be read).
 */
import fs from 'node:fs'
import { verifyAuditChain } from '../app/lib/audit.server.ts'
import { createDatabase, databaseOptionsFromEnv } from '../db/connect.ts'

const options = databaseOptionsFromEnv()
if (options.path && !fs.existsSync(options.path)) {
  console.error(`audit chain could not be checked: there is no database at ${options.path}`)
  process.exit(2)
}
const handle = createDatabase(options)
try {
  const result = await verifyAuditChain(handle.db)
  if (result.ok) {
    console.log(`audit chain OK: ${result.events} events`)
  } else {
    console.error(`audit chain BROKEN at event ${result.brokenAt ?? 'unknown'}: ${result.reason}`)
    process.exitCode = 1
  }
} catch (error) {
  console.error(`audit chain could not be checked in ${handle.location}: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 2
} finally {
  await handle.close()
}
