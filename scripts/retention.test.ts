import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createDatabase, type DatabaseHandle } from '../db/connect.ts'
import { createRound } from '../tests/factories/awards.ts'
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

/** Runs the script as `npm run privacy:retention` does (tsx) against this test's database. */
async function retention(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node_modules/.bin/tsx', ['scripts/retention.ts', ...args], { env })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('npm run privacy:retention', () => {
  test('a dry run lists what would be anonymised and changes nothing; a real run anonymises it; a second run does nothing', { timeout: 90_000 }, async () => {
    const { roundId } = await createRound(h.db)
    const organisation = await h.db.insertInto('organisations').values({ name: 'Old Bids Group', legal_type: 'unincorporated_group' }).returning('id').executeTakeFirstOrThrow()
    const values = { round_id: roundId, organisation_id: organisation.id, title: 'Knit and natter', answers: JSON.stringify({ contact: 'Jo Bloggs' }) }
    await h.db
      .insertInto('applications')
      .values([
        { ...values, reference: 'OLD-0001', status: 'unsuccessful', decided_at: '2024-05-01T10:00:00.000Z' },
        { ...values, reference: 'NEW-0002', status: 'unsuccessful', decided_at: '2027-05-01T10:00:00.000Z' },
      ])
      .execute()
    const answers = async () => (await h.db.selectFrom('applications').select(['reference', 'answers']).orderBy('reference').execute()).map((a) => `${a.reference} ${a.answers}`)

    const dry = await retention('--dry-run', '--today=2027-06-15')
    expect(dry).toEqual({ code: 0, stdout: 'retention (dry run, 24 months): 1 application would be anonymised\n- OLD-0001 (unsuccessful, decided 2024-05-01)\n', stderr: '' })
    expect(await answers()).toEqual(['NEW-0002 {"contact":"Jo Bloggs"}', 'OLD-0001 {"contact":"Jo Bloggs"}'])

    const real = await retention('--today=2027-06-15')
    expect(real.stdout).toBe(
      'retention (24 months, decided before 2025-06-15): 1 application anonymised, 0 saved versions blanked, 0 documents deleted\n- OLD-0001 (unsuccessful, decided 2024-05-01)\n',
    )
    expect(await answers()).toEqual(['NEW-0002 {"contact":"Jo Bloggs"}', 'OLD-0001 {}'])

    const again = await retention('--today=2027-06-15')
    expect(again.stdout).toBe('retention (24 months, decided before 2025-06-15): 0 applications anonymised, 0 saved versions blanked, 0 documents deleted\n')
  })

  test('an unknown option is refused with the usage and exit code 2', async () => {
    expect(await retention('--everything')).toEqual({ code: 2, stdout: '', stderr: 'usage: npm run privacy:retention -- [--dry-run] [--today=YYYY-MM-DD]\n' })
  })
})
