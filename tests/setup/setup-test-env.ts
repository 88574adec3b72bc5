/**
 * Runs before each test file: gives the file its own fresh database (the app's `db` points at it), a throwaway data
 * folder, and makes any unexpected console.error fail the test that caused it.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeEach, vi } from 'vitest'
import { closeDatabase } from '../../app/lib/db.server.ts'
import { resetEnvForTests } from '../../app/lib/env.server.ts'
import { freshDatabaseOptions } from './test-database.ts'

// The server the run was given, kept before this file points DATABASE_URL at its own database (files share a worker).
if (process.env.DATABASE_URL?.startsWith('postgres')) process.env.TEST_DATABASE_URL ??= process.env.DATABASE_URL
const options = await freshDatabaseOptions()
process.env.NODE_ENV = 'test'
process.env.SEED_DEMO = 'false'
process.env.DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'commonpot-test-'))
process.env.SESSION_SECRET = 'test-session-secret-that-is-at-least-32-characters'
delete process.env.SMTP_URL
if (options.url) process.env.DATABASE_URL = options.url
else {
  delete process.env.DATABASE_URL
  process.env.DATABASE_PATH = options.path
}
// Test files share their worker's modules (vitest.config.ts): make the app read this file's environment and open this
// file's database, not the ones a file before it used.
resetEnvForTests()
await closeDatabase()

let consoleErrors: unknown[][] = []
beforeEach(() => {
  consoleErrors = []
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    consoleErrors.push(args)
  })
})
afterEach(() => {
  if (consoleErrors.length > 0) {
    const first = consoleErrors[0].map((a) => (a instanceof Error ? a.stack : String(a))).join(' ')
    throw new Error(`Unexpected console.error (${consoleErrors.length}): ${first}`)
  }
})

afterAll(async () => {
  await closeDatabase()
  fs.rmSync(process.env.DATA_DIR!, { recursive: true, force: true })
})
