/**
 * `npm run privacy:retention [-- --dry-run] [-- --today=YYYY-MM-DD]`: anonymises applications that ended without a
 * grant and were decided longer ago than the retention period (/admin/privacy; default 24 months). Answers and saved
 * versions are blanked and uploaded documents deleted; figures stay for statistics. Safe to run again (it skips what
 * is done) and meant for a nightly cron. `--dry-run` lists what would be anonymised and changes nothing.
 * Exits 0 when it ran, 2 when it could not (no database, a bad --today).
 */
import fs from 'node:fs'
import { ukToday } from '../app/domain/places/places.server.ts'
import { anonymiseExpiredApplications, deleteStoredFiles, findExpiredApplications, retentionSettings } from '../app/domain/privacy/retention.server.ts'
import { env } from '../app/lib/env.server.ts'
import { createDatabase, databaseOptionsFromEnv } from '../db/connect.ts'

const args = process.argv.slice(2)
const dryRun = args.includes('--dry-run')
const today = args.find((a) => a.startsWith('--today='))?.slice('--today='.length) ?? ukToday()
const unknown = args.filter((a) => a !== '--dry-run' && !a.startsWith('--today='))
if (unknown.length > 0 || !/^\d{4}-\d{2}-\d{2}$/.test(today)) {
  console.error(`usage: npm run privacy:retention -- [--dry-run] [--today=YYYY-MM-DD]`)
  process.exit(2)
}

const options = databaseOptionsFromEnv()
if (options.path && !fs.existsSync(options.path)) {
  console.error(`retention could not run: there is no database at ${options.path}`)
  process.exit(2)
}
const handle = createDatabase(options)
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`
try {
  const { declinedApplicationMonths: months } = await retentionSettings(handle.db)
  if (dryRun) {
    const due = await findExpiredApplications(handle.db, { today, months })
    console.log(`retention (dry run, ${months} months): ${plural(due.length, 'application')} would be anonymised`)
    for (const a of due) console.log(`- ${a.reference} (${a.status}, decided ${a.decidedAt.slice(0, 10)})`)
  } else {
    const run = await handle.db.transaction().execute((trx) => anonymiseExpiredApplications(trx, { today, months }))
    await deleteStoredFiles(env().DATA_DIR, run.storageKeys)
    console.log(
      `retention (${months} months, decided before ${run.cutoff}): ${plural(run.applications.length, 'application')} anonymised, ` +
        `${plural(run.versionsBlanked, 'saved version')} blanked, ${plural(run.documentsDeleted, 'document')} deleted`,
    )
    for (const a of run.applications) console.log(`- ${a.reference} (${a.status}, decided ${a.decidedAt.slice(0, 10)})`)
  }
} catch (error) {
  console.error(`retention could not run in ${handle.location}: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 2
} finally {
  await handle.close()
}
