import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { recordAudit } from '../app/lib/audit.server.ts'
import { createDatabase, type DatabaseHandle } from '../db/connect.ts'
import { freshDatabaseOptions } from '../tests/setup/test-database.ts'

const run = promisify(execFile)

let h: DatabaseHandle
let env: NodeJS.ProcessEnv
beforeEach(async () => {
  const options = await freshDatabaseOptions()
  h = createDatabase(options)
  env = { ...process.env, DATABASE_URL: options.url ?? '', DATABASE_PATH: options.path ?? '' }
})
afterEach(async () => {
  await h.close()
})

/** Runs the script as `npm run audit:verify` does (tsx) against this test's database; resolves with its exit code and output. */
async function auditVerify(): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node_modules/.bin/tsx', ['scripts/audit-verify.ts'], { env })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('npm run audit:verify', () => {
  test('says the chain is OK and exits 0, then reports the edited event and exits 1', { timeout: 60_000 }, async () => {
    for (let i = 1; i <= 3; i++) {
      await h.db.transaction().execute((trx) => recordAudit(trx, { actorUserId: null, action: 'test.happened', entityType: 'thing', entityId: i, after: { n: i } }))
    }
    const before = await auditVerify()
    expect(before).toEqual({ code: 0, stdout: 'audit chain OK: 3 events\n', stderr: '' })

    const [, second] = await h.db.selectFrom('audit_events').select('id').orderBy('id').execute()
    await h.db.updateTable('audit_events').set({ after: '{"n":999}' }).where('id', '=', second.id).execute()
    const after = await auditVerify()
    expect(after.code).toBe(1)
    expect(after.stderr).toContain(`audit chain BROKEN at event ${second.id}: event ${second.id} was changed after it was written`)
  })
})
