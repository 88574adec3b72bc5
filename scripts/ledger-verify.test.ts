import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { ensureAccount, postEntries } from '../app/domain/budgets/ledger.server.ts'
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

/** Runs the script as `npm run ledger:verify` does (tsx) against this test's database; resolves with its exit code and output. */
async function ledgerVerify(): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node_modules/.bin/tsx', ['scripts/ledger-verify.ts'], { env })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('npm run ledger:verify', () => {
  test('says the ledger is OK and exits 0, then reports an account edited by hand and exits 1', { timeout: 60_000 }, async () => {
    await h.db.transaction().execute(async (trx) => {
      await ensureAccount(trx, { code: 'bank', name: 'Bank', kind: 'pot_bank', normalBalance: 'debit' })
      await ensureAccount(trx, { code: 'funder', name: 'Funder', kind: 'contribution', normalBalance: 'credit' })
      await ensureAccount(trx, { code: 'grants', name: 'Grants', kind: 'grants_paid', normalBalance: 'debit' })
      await postEntries(trx, [
        { debit: 'bank', credit: 'funder', amountPence: 125_050, reasonCode: 'contribution.received', idempotencyKey: 'in' },
        { debit: 'grants', credit: 'bank', amountPence: 25_050, reasonCode: 'tranche.paid', idempotencyKey: 'out' },
      ])
    })
    expect(await ledgerVerify()).toEqual({ code: 0, stdout: 'ledger OK: 2 entries across 3 accounts, £1,501.00 moved in total\n', stderr: '' })

    await h.db.updateTable('ledger_accounts').set({ debits_posted_pence: 1 }).where('code', '=', 'grants').execute()
    const after = await ledgerVerify()
    expect(after.code).toBe(1)
    expect(after.stderr).toContain('ledger BROKEN: 3 problems')
    expect(after.stderr).toContain('- account grants (#3) records 1p debits and 0p credits, but its entries sum to 25050p and 0p')
  })
})
