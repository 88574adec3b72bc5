/** `npm run db:migrate`: bring the configured database (DATABASE_URL or DATABASE_PATH) to the latest migration. */
import { createDatabase, databaseOptionsFromEnv } from './connect.ts'
import { migrateToLatest } from './migrator.ts'

const handle = createDatabase(databaseOptionsFromEnv())
try {
  const result = await migrateToLatest(handle.db)
  for (const r of result.results ?? []) console.log(`${r.status === 'Success' ? 'applied' : r.status}: ${r.migrationName}`)
  console.log(`database (${handle.engine}, ${handle.location}) is at the latest migration`)
} finally {
  await handle.close()
}
