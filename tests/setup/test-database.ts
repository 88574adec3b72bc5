/**
 * Fresh, migrated databases for tests. SQLite: the template file migrated once per run by global-setup is copied
 * (a few milliseconds). PostgreSQL (DATABASE_URL set): a new database is created from the run's migrated template.
 * Each `vitest run` has its own run id, so two runs at once (two engineers, or unit and browser tests) never share or
 * drop each other's databases.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { createDatabase, isPostgresUrl, type DatabaseHandle } from '../../db/connect.ts'

export const PG_TEST_PREFIX = 'commonpot_test_'

/** The run id global-setup chose (inherited by the test workers through the environment). */
export function testRunId(): string {
  const id = process.env.COMMONPOT_TEST_RUN
  if (!id) throw new Error('COMMONPOT_TEST_RUN is not set: run tests through vitest (tests/setup/global-setup.ts sets it)')
  return id
}

export function testDir(runId = testRunId()): string {
  return path.resolve('.cache/test', runId)
}

export function sqliteTemplate(runId = testRunId()): string {
  return path.join(testDir(runId), 'template.sqlite')
}

export function pgTemplateName(runId = testRunId()): string {
  return `${PG_TEST_PREFIX}${runId}_template`
}

/** The URL of the PostgreSQL server the suite runs against, or undefined for SQLite. */
export function testPostgresUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL
  return isPostgresUrl(url) ? url : undefined
}

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

/** Options for a brand-new migrated database, e.g. `createDatabase(await freshDatabaseOptions())`. */
export async function freshDatabaseOptions(): Promise<{ url?: string; path?: string }> {
  const runId = testRunId()
  const pgUrl = testPostgresUrl()
  const id = `${process.pid}_${crypto.randomBytes(4).toString('hex')}`
  if (pgUrl) {
    const name = `${PG_TEST_PREFIX}${runId}_${id}`
    const client = new pg.Client({ connectionString: pgUrl })
    await client.connect()
    try {
      await client.query(`create database "${name}" template "${pgTemplateName(runId)}"`)
    } finally {
      await client.end()
    }
    return { url: withDatabaseName(pgUrl, name) }
  }
  const dir = path.join(testDir(runId), 'dbs')
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${id}.sqlite`)
  fs.copyFileSync(sqliteTemplate(runId), file)
  return { path: file }
}

/** A fresh migrated database for one test; close it when done. */
export async function createTestDatabase(): Promise<DatabaseHandle> {
  return createDatabase(await freshDatabaseOptions())
}
