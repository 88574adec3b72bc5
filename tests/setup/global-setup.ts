/**
 * Runs once per `vitest run`: migrates a template database (SQLite file, or a PostgreSQL template database when
 * DATABASE_URL is a postgres:// URL) that every test copies. Tears down the test databases afterwards.
 */
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { createDatabase, openSqlite } from '../../db/connect.ts'
import { migrateToLatest } from '../../db/migrator.ts'
import { PG_TEMPLATE_DB, PG_TEST_PREFIX, SQLITE_TEMPLATE, TEST_DIR, testPostgresUrl, withDatabaseName } from './test-database.ts'

async function dropTestDatabases(client: pg.Client, includeTemplate: boolean) {
  const { rows } = await client.query<{ datname: string }>(`select datname from pg_database where datname like $1`, [`${PG_TEST_PREFIX}%`])
  for (const { datname } of rows) {
    if (datname === PG_TEMPLATE_DB && !includeTemplate) continue
    await client.query(`drop database if exists "${datname}" with (force)`)
  }
}

export async function setup() {
  const pgUrl = testPostgresUrl()
  if (pgUrl) {
    const client = new pg.Client({ connectionString: pgUrl })
    await client.connect()
    await dropTestDatabases(client, true)
    await client.query(`create database "${PG_TEMPLATE_DB}"`)
    const h = createDatabase({ url: withDatabaseName(pgUrl, PG_TEMPLATE_DB) })
    await migrateToLatest(h.db)
    await h.close()
    await client.end()
    return async () => {
      const c = new pg.Client({ connectionString: pgUrl })
      await c.connect()
      await dropTestDatabases(c, true)
      await c.end()
    }
  }
  fs.rmSync(TEST_DIR, { recursive: true, force: true })
  fs.mkdirSync(path.dirname(SQLITE_TEMPLATE), { recursive: true })
  const h = createDatabase({ path: SQLITE_TEMPLATE })
  await migrateToLatest(h.db)
  await h.close()
  // Fold the WAL into the main file so a plain file copy is a complete database.
  const raw = openSqlite(SQLITE_TEMPLATE)
  raw.pragma('wal_checkpoint(TRUNCATE)')
  raw.close()
  return () => fs.rmSync(path.join(TEST_DIR, 'dbs'), { recursive: true, force: true })
}
