/**
 * Run by `npm start` (and `npm run dev`) before the server starts: creates the database if needed, migrates it to the
 * latest version, and seeds the demo data into a brand-new database only (never when SEED_DEMO=false).
 */
import { createDatabase, databaseOptionsFromEnv } from './connect.ts'
import { isBrandNew, migrateToLatest } from './migrator.ts'

const handle = createDatabase(databaseOptionsFromEnv())
try {
  const brandNew = await isBrandNew(handle.db)
  const result = await migrateToLatest(handle.db)
  const applied = result.results?.filter((r) => r.status === 'Success').length ?? 0
  console.log(`database: ${handle.engine} (${handle.location}), ${applied} migration(s) applied`)
  if (brandNew && process.env.SEED_DEMO !== 'false') {
    const { seedDemo } = await import('./seed/demo.ts')
    await seedDemo(handle.db)
    console.log('demo data seeded (set SEED_DEMO=false for a real deployment)')
  }
} finally {
  await handle.close()
}
