/**
 * `npm run db:reset`: deletes everything in the configured database, migrates it afresh and seeds the demo data
 * (unless SEED_DEMO=false). For development and demos only: it refuses to run with NODE_ENV=production.
 */
import fs from 'node:fs'
import { sql } from 'kysely'
import { createDatabase, databaseOptionsFromEnv } from './connect.ts'
import { migrateToLatest } from './migrator.ts'
import { seedDemo } from './seed/demo.ts'

if (process.env.NODE_ENV === 'production') {
  console.error('db:reset deletes all data; it will not run with NODE_ENV=production')
  process.exit(1)
}
const options = databaseOptionsFromEnv()
if (options.path) {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${options.path}${suffix}`, { force: true })
} else {
  const h = createDatabase(options)
  await sql`drop schema public cascade`.execute(h.db)
  await sql`create schema public`.execute(h.db)
  await h.close()
}
const handle = createDatabase(options)
try {
  await migrateToLatest(handle.db)
  if (process.env.SEED_DEMO !== 'false') await seedDemo(handle.db)
  console.log(`database reset (${handle.engine}, ${handle.location})${process.env.SEED_DEMO !== 'false' ? ' with demo data' : ''}`)
} finally {
  await handle.close()
}
