/**
 * Fresh, migrated databases for tests. SQLite: the template file migrated once per run by global-setup is copied
 * (a few milliseconds). PostgreSQL (DATABASE_URL set): a new database is created from the migrated template database.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { createDatabase, isPostgresUrl, type DatabaseHandle } from '../../db/connect.ts'

export const TEST_DIR = path.resolve('.cache/test')
export const SQLITE_TEMPLATE = path.join(TEST_DIR, 'template.sqlite')
export const PG_TEMPLATE_DB = 'commonpot_test_template'
export const PG_TEST_PREFIX = 'commonpot_test_'

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
  const pgUrl = testPostgresUrl()
  const id = `${process.pid}_${crypto.randomBytes(4).toString('hex')}`
  if (pgUrl) {
    const name = `${PG_TEST_PREFIX}${id}`
    const client = new pg.Client({ connectionString: pgUrl })
    await client.connect()
    try {
      await client.query(`create database "${name}" template "${PG_TEMPLATE_DB}"`)
    } finally {
      await client.end()
    }
    return { url: withDatabaseName(pgUrl, name) }
  }
  fs.mkdirSync(path.join(TEST_DIR, 'dbs'), { recursive: true })
  const file = path.join(TEST_DIR, 'dbs', `${id}.sqlite`)
  fs.copyFileSync(SQLITE_TEMPLATE, file)
  return { path: file }
}

/** A fresh migrated database for one test; close it when done. */
export async function createTestDatabase(): Promise<DatabaseHandle> {
  return createDatabase(await freshDatabaseOptions())
}
