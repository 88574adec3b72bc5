import { afterEach, describe, expect, test } from 'vitest'
import { createDatabase } from '../../db/connect.ts'
import { closeDatabase, databaseEngine } from '~/lib/db.server.ts'
import { loader } from './healthz.ts'

async function call() {
  const response = (await loader()) as Response
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

afterEach(async () => {
  await closeDatabase()
})

describe('GET /healthz', () => {
  test('answers 200 with the engine when the database is up and migrated', async () => {
    const { status, body } = await call()
    expect(status).toBe(200)
    expect(body).toMatchObject({ status: 'ok', database: databaseEngine() })
  })

  test('answers 503 when the database cannot be reached', async () => {
    // A PostgreSQL server that is not there (a closed port on loopback).
    globalThis.__commonpotDb = createDatabase({ url: 'postgres://nobody@127.0.0.1:9/none' })
    const { status, body } = await call()
    expect(status).toBe(503)
    expect(body).toMatchObject({ status: 'unavailable', database: 'postgres' })
  })
})
