/**
 * `npm run ledger:verify`: proves the ledger in the configured database is sound (see verifyLedger): debits equal
 * credits, every account's posted totals equal the sums of its entries, and no entry is reversed twice.
 * Prints "ledger OK: ..." and exits 0, or "ledger BROKEN: N problems" followed by one line per problem and exits 1.
 * Exits 2 when the check could not run at all (no database, or it cannot be read).
 */
import fs from 'node:fs'
import { verifyLedger } from '../app/domain/budgets/ledger.server.ts'
import { formatPence } from '../app/lib/money.ts'
import { createDatabase, databaseOptionsFromEnv } from '../db/connect.ts'

const options = databaseOptionsFromEnv()
if (options.path && !fs.existsSync(options.path)) {
  console.error(`ledger could not be checked: there is no database at ${options.path}`)
  process.exit(2)
}
const handle = createDatabase(options)
try {
  const report = await verifyLedger(handle.db)
  if (report.ok) {
    console.log(`ledger OK: ${report.entries} entries across ${report.accounts} accounts, ${formatPence(report.entriesTotalPence)} moved in total`)
  } else {
    console.error(`ledger BROKEN: ${report.problems.length} ${report.problems.length === 1 ? 'problem' : 'problems'}`)
    for (const problem of report.problems) console.error(`- ${problem}`)
    process.exitCode = 1
  }
} catch (error) {
  console.error(`ledger could not be checked in ${handle.location}: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 2
} finally {
  await handle.close()
}
