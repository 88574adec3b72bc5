/**
 * `npm run seed:national -- [--scale 0.1] [--fresh] [--now 2026-11-21T12:00:00Z]`: builds the national dataset
 * (db/national) in the database chosen the usual way (DATABASE_URL or DATABASE_PATH). Prints the rows per table and
 * the seconds it took. Exits 2 with a message when the database already holds applications and --fresh was not given.
 */
import { parseArgs } from 'node:util'
import { databaseOptionsFromEnv } from '../db/connect.ts'
import { DatabaseNotEmptyError, generateNationalDataset } from '../db/national/generate.ts'

const { values } = parseArgs({
  options: { scale: { type: 'string', default: '1' }, fresh: { type: 'boolean', default: false }, now: { type: 'string' }, quiet: { type: 'boolean', default: false } },
})
const scale = Number(values.scale)
if (!(scale > 0 && scale <= 1)) {
  console.error(`--scale must be a number more than 0 and at most 1 (got ${values.scale})`)
  process.exit(2)
}
// --fresh deletes the database: only one named on purpose, never the everyday data/commonpot.sqlite by default.
if (values.fresh && !process.env.DATABASE_URL && !process.env.DATABASE_PATH) {
  console.error('--fresh replaces everything in the database: say which one with DATABASE_PATH (SQLite) or DATABASE_URL (PostgreSQL).')
  process.exit(2)
}
const now = values.now ? new Date(values.now).toISOString() : undefined
try {
  const result = await generateNationalDataset({ database: databaseOptionsFromEnv(), scale, now, fresh: values.fresh, log: values.quiet ? undefined : (line) => console.log(line) })
  console.log(`national dataset (scale ${result.scale}, now ${result.generatedAt}):`)
  for (const [table, count] of Object.entries(result.counts)) console.log(`  ${table.padEnd(32)} ${String(count).padStart(10)}`)
  console.log(`made in ${result.seconds.toFixed(1)} s`)
} catch (error) {
  if (error instanceof DatabaseNotEmptyError) {
    console.error(error.message)
    process.exit(2)
  }
  throw error
}
