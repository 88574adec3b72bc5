/**
 * `npm run db:backup [file]`: backs up the configured database (DATABASE_URL for PostgreSQL, otherwise DATABASE_PATH or
 * data/commonpot.sqlite) into `file`, by default a new timestamped file under backups/. Safe while the server runs.
 * Prints what was written, its size and the row counts. Exits 1 when the backup could not be made.
 * Uploaded files live in DATA_DIR, not the database: back that folder up too.
 */
import path from 'node:path'
import { BackupError, backupDatabase, backupFileName, engineOfOptions, formatBytes, formatTables } from '../db/backup.ts'
import { databaseOptionsFromEnv } from '../db/connect.ts'

const options = databaseOptionsFromEnv()
const target = process.argv[2] ?? path.join('backups', backupFileName(engineOfOptions(options)))
try {
  const result = await backupDatabase(options, target)
  console.log(`Backed up ${result.location} (${result.engine}) to ${result.file} (${formatBytes(result.bytes)})`)
  for (const line of formatTables(result.tables)) console.log(line)
} catch (error) {
  console.error(error instanceof BackupError ? error.message : `The backup failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
}
