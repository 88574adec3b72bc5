import { json } from '@remix-run/node'
import { sql } from 'kysely'
import { migrations } from '../../db/migrations/index.ts'
import { databaseEngine, db } from '~/lib/db.server.ts'

/** GET /healthz: 200 when the database answers and is fully migrated, 503 otherwise. Public, no personal data. */
export async function loader() {
  const engine = databaseEngine()
  const expected = Object.keys(migrations).at(-1)
  try {
    await sql`select 1`.execute(db)
    const latest = await db.selectFrom('kysely_migration' as never).select('name' as never).orderBy('name' as never, 'desc').limit(1).executeTakeFirst() as { name: string } | undefined
    const migrated = latest?.name === expected
    return json(
      { status: migrated ? 'ok' : 'migrations-pending', database: engine, migration: latest?.name ?? null, time: new Date().toISOString() },
      { status: migrated ? 200 : 503, headers: { 'Cache-Control': 'no-store' } },
    )
  } catch {
    return json({ status: 'unavailable', database: engine, time: new Date().toISOString() }, { status: 503, headers: { 'Cache-Control': 'no-store' } })
  }
}
