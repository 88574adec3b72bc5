/**
 * How the app connects. On PostgreSQL every pooled connection runs with the JIT compiler off (it only ever added
 * compile time to this app's short queries) and plans a statement kept prepared once, not again on every run (issue 8). On SQLite there is nothing to check here.
 */
import { sql } from 'kysely'
import { afterEach, expect, test } from 'vitest'
import { freshDatabaseOptions, testPostgresUrl } from '../tests/setup/test-database.ts'
import { createDatabase, type DatabaseHandle } from './connect.ts'

let handle: DatabaseHandle | undefined
afterEach(async () => {
  await handle?.close()
  handle = undefined
})

test('each engine opens with its settings: on PostgreSQL the JIT compiler and parallel query workers are off, statements kept prepared are planned once, and options given in the URL are kept', async () => {
  const options = await freshDatabaseOptions()
  if (!testPostgresUrl()) {
    handle = createDatabase(options)
    expect(handle.engine).toBe('sqlite')
    expect(handle.location).toBe(options.path)
    return
  }
  const url = new URL(options.url!)
  url.searchParams.set('options', '-c statement_timeout=123456')
  handle = createDatabase({ url: url.href })
  const jit = await sql<{ jit: string }>`show jit`.execute(handle.db)
  const timeout = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(handle.db)
  const workers = await sql<{ max_parallel_workers_per_gather: string }>`show max_parallel_workers_per_gather`.execute(handle.db)
  const planning = await sql<{ plan_cache_mode: string }>`show plan_cache_mode`.execute(handle.db)
  expect(jit.rows[0]!.jit).toBe('off')
  expect(workers.rows[0]!.max_parallel_workers_per_gather).toBe('0')
  expect(planning.rows[0]!.plan_cache_mode).toBe('force_generic_plan')
  expect(timeout.rows[0]!.statement_timeout).toBe('123456ms')
})
