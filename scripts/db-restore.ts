/**
 * `npm run db:restore -- <backup file> [--force]`: puts a backup made by `npm run db:backup` in place of the configured
 * database (DATABASE_URL for PostgreSQL, otherwise DATABASE_PATH or data/commonpot.sqlite). Stop the server first.
 * The backup is checked before anything changes (a corrupt or truncated file is refused); an existing database is only
 * replaced with --force (SQLite keeps it beside the new one). Prints the row counts restored.
 * Exits 1 when it refused or failed (nothing was changed), 2 on a usage mistake.
 */
import { BackupError, formatTables, restoreDatabase } from '../db/backup.ts'
import { databaseOptionsFromEnv } from '../db/connect.ts'

const args = process.argv.slice(2)
const force = args.includes('--force')
const files = args.filter((a) => a !== '--force')
if (files.length !== 1 || files[0]!.startsWith('-')) {
  console.error('usage: npm run db:restore -- <backup file> [--force]')
  process.exit(2)
}
try {
  const result = await restoreDatabase(databaseOptionsFromEnv(), files[0]!, { force })
  console.log(`Restored ${result.file} into ${result.location} (${result.engine}${result.created ? ', a new database' : ''})`)
  for (const line of formatTables(result.tables)) console.log(line)
  if (result.keptAt) console.log(`The database it replaced is kept at ${result.keptAt}`)
} catch (error) {
  console.error(error instanceof BackupError ? error.message : `The restore failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
}
