/** Runs the frozen migrations in db/migrations against a Kysely instance (either engine). */
import { Migrator, type Kysely, type MigrationResultSet } from 'kysely'
import { migrations } from './migrations/index.ts'

export function migratorFor(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } })
}

export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const result = await migratorFor(db).migrateToLatest()
  if (result.error) throw result.error
  return result
}

/** True when the database has never been migrated (no Kysely migration table yet). */
export async function isBrandNew(db: Kysely<any>): Promise<boolean> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true })
  return !tables.some((t) => t.name === 'kysely_migration')
}
