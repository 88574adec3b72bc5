/** `npm run db:seed`: seeds the demo data into the configured database, unless it has been seeded already. */
import { createDatabase, databaseOptionsFromEnv } from './connect.ts'
import { migrateToLatest } from './migrator.ts'
import { seedDemo } from './seed/demo.ts'

const handle = createDatabase(databaseOptionsFromEnv())
try {
  await migrateToLatest(handle.db)
  const { seeded } = await seedDemo(handle.db)
  console.log(seeded ? `demo data seeded into ${handle.engine} (${handle.location})` : 'demo data was already there: nothing to do')
} finally {
  await handle.close()
}
