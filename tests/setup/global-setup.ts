/**
 * Runs once per `vitest run`: picks a run id, migrates a template database (SQLite file, or a PostgreSQL template
 * database when DATABASE_URL is a postgres:// URL) that every test copies, and removes this run's databases afterwards.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import pg from 'pg'
import { createDatabase, openSqlite } from '../../db/connect.ts'
import { migrateToLatest } from '../../db/migrator.ts'
import { PG_TEST_PREFIX, pgTemplateName, sqliteTemplate, testDir, testPostgresUrl, withDatabaseName } from './test-database.ts'

async function dropRunDatabases(pgUrl: string, runId: string) {
  const client = new pg.Client({ connectionString: pgUrl })
  await client.connect()
  try {
    const { rows } = await client.query<{ datname: string }>(`select datname from pg_database where datname like $1`, [`${PG_TEST_PREFIX}${runId}_%`])
    for (const { datname } of rows) await client.query(`drop database if exists "${datname}" with (force)`)
  } finally {
    await client.end()
  }
}

export async function setup() {
  const runId = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`
  process.env.COMMONPOT_TEST_RUN = runId
  const pgUrl = testPostgresUrl()
  if (pgUrl) {
    const client = new pg.Client({ connectionString: pgUrl })
    await client.connect()
    await client.query(`create database "${pgTemplateName(runId)}"`)
    await client.end()
    const h = createDatabase({ url: withDatabaseName(pgUrl, pgTemplateName(runId)) })
    await migrateToLatest(h.db)
    await h.close()
    return () => dropRunDatabases(pgUrl, runId)
  }
  fs.mkdirSync(testDir(runId), { recursive: true })
  const h = createDatabase({ path: sqliteTemplate(runId) })
  await migrateToLatest(h.db)
  await h.close()
  // Fold the WAL into the main file so a plain file copy is a complete database.
  const raw = openSqlite(sqliteTemplate(runId))
  raw.pragma('wal_checkpoint(TRUNCATE)')
  raw.close()
  return () => fs.rmSync(testDir(runId), { recursive: true, force: true })
}
