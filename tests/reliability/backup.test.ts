/**
 * Backup and restore (issue 9, item 5): `npm run db:backup` and `npm run db:restore` (db/backup.ts) on the demo world.
 * A backup taken while the app runs, restored, gives back every table exactly (a content hash of each table, rows in
 * primary-key order), with an audit chain and a ledger that verify; a restore over a changed database brings it back
 * exactly; a backup taken while writes carry on is a consistent snapshot; a corrupt, truncated, empty or foreign file is
 * refused with a clear message and the live database left untouched; a restore is refused while the database is in
 * use, or over an existing database without --force. SQLite uses the online backup API, PostgreSQL pg_dump/pg_restore
 * (restoring into a new database as well as over the live one).
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { verifyLedger } from '../../app/domain/budgets/ledger.server.ts'
import { recordAudit, verifyAuditChain } from '../../app/lib/audit.server.ts'
import { closeDatabase, db } from '../../app/lib/db.server.ts'
import { BackupError, backupDatabase, backupFileName, restoreDatabase, type DatabaseOptions } from '../../db/backup.ts'
import { createDatabase, databaseOptionsFromEnv, isPostgresUrl } from '../../db/connect.ts'
import { withDatabaseName } from '../setup/test-database.ts'
import { differingTables, tableDigests } from './support/backup-digest.ts'
import { recordCheck } from './support/record.ts'
import { seedWorld } from './support/world.ts'

const AREA = 'Backup and restore'
const run = promisify(execFile)

let live: DatabaseOptions
let dir: string
const extraDatabases: string[] = []

/** Options for a database next to this file's that does not exist yet. */
function elsewhere(suffix: string): DatabaseOptions {
  if (isPostgresUrl(live.url)) {
    const name = `${new URL(live.url).pathname.slice(1)}_${suffix}`
    extraDatabases.push(name)
    return { url: withDatabaseName(live.url, name) }
  }
  return { path: path.join(dir, `${suffix}.sqlite`) }
}

async function inspect(options: DatabaseOptions) {
  const handle = createDatabase(options)
  try {
    return { digests: await tableDigests(handle.db), audit: await verifyAuditChain(handle.db), ledger: await verifyLedger(handle.db) }
  } finally {
    await handle.close()
  }
}

async function backup(name = backupFileName(isPostgresUrl(live.url) ? 'postgres' : 'sqlite')) {
  return backupDatabase(live, path.join(dir, 'backups', name))
}

/** A day's work after the backup: a new person, a renamed organisation, sessions ended, an audited change. */
async function makeChanges(): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const organisation = await trx.selectFrom('organisations').select(['id', 'name']).orderBy('id').executeTakeFirstOrThrow()
    await trx.updateTable('organisations').set({ name: `${organisation.name} (renamed)` }).where('id', '=', organisation.id).execute()
    const now = new Date().toISOString()
    await trx.insertInto('users').values({ email: `after-backup-${Date.now()}@example.org`, name: 'Joined after the backup', updated_at: now }).execute()
    await trx.deleteFrom('sign_in_attempts').execute()
    await recordAudit(trx, { actorUserId: null, action: 'organisation.renamed', entityType: 'organisation', entityId: organisation.id, after: { name: `${organisation.name} (renamed)` } })
  })
}

beforeAll(async () => {
  await seedWorld()
  live = databaseOptionsFromEnv()
  dir = fs.mkdtempSync(path.join(process.env.DATA_DIR!, 'backup-'))
})

afterAll(async () => {
  if (isPostgresUrl(live?.url) && extraDatabases.length > 0) {
    await closeDatabase()
    const client = new pg.Client({ connectionString: withDatabaseName(live.url, 'postgres') })
    await client.connect()
    for (const name of extraDatabases) await client.query(`drop database if exists "${name}" with (force)`)
    await client.end()
  }
})

describe('backup and restore', () => {
  test('a backup taken while the app runs restores identical data, with a valid audit chain and ledger, into a new database and over a changed one', async () => {
    const atBackup = await tableDigests(db)
    expect((await verifyAuditChain(db)).ok).toBe(true)
    const made = await backup()
    // The row counts the backup reports are the live database's at that moment.
    expect(Object.fromEntries(made.tables.map((t) => [t.table, t.rows]))).toEqual(Object.fromEntries(Object.entries(atBackup).map(([t, d]) => [t, Number(d.split(':')[0])])))
    expect(made.bytes).toBeGreaterThan(0)
    const tables = Object.keys(atBackup).length

    // Into a new database (the app's own connection stays open: it is another database).
    const fresh = elsewhere('restored')
    const restored = await restoreDatabase(fresh, made.file)
    expect(restored.created).toBe(true)
    const copy = await inspect(fresh)
    const freshDiffers = differingTables(atBackup, copy.digests)
    recordCheck({ area: AREA, check: 'a backup restored into a new database holds every table exactly (content hash in primary-key order)', tried: tables, held: tables - freshDiffers.length })
    expect(freshDiffers).toEqual([])
    const verified = [copy.audit.ok, copy.ledger.ok]
    recordCheck({ area: AREA, check: 'the restored audit chain and ledger verify', tried: 2, held: verified.filter(Boolean).length })
    expect(copy.audit).toMatchObject({ ok: true })
    expect(copy.ledger).toMatchObject({ ok: true })

    // Then the live database changes, and the backup is put back over it.
    await makeChanges()
    const changed = differingTables(atBackup, await tableDigests(db))
    expect(changed).toEqual(expect.arrayContaining(['audit_events', 'organisations', 'users']))

    const refusals: boolean[] = []
    // The app still has the database open: refused, even with --force.
    const inUse = await restoreDatabase(live, made.file, { force: true }).catch((e: unknown) => e)
    refusals.push(inUse instanceof BackupError && /in use/.test(inUse.message))
    expect(inUse).toBeInstanceOf(BackupError)
    expect((inUse as Error).message).toMatch(/is in use .*is the server running\?.*Nothing was changed/)
    await closeDatabase()
    const noForce = await restoreDatabase(live, made.file).catch((e: unknown) => e)
    refusals.push(noForce instanceof BackupError && /already holds a database/.test(noForce.message))
    expect((noForce as Error).message).toMatch(/already holds a database\. Add --force/)
    expect(differingTables(atBackup, await tableDigests(db))).toEqual(changed)
    recordCheck({ area: AREA, check: 'a restore is refused while the database is in use, and over an existing database without --force', tried: 2, held: refusals.filter(Boolean).length })
    expect(refusals).toEqual([true, true])

    await closeDatabase()
    await restoreDatabase(live, made.file, { force: true })
    const back = differingTables(atBackup, await tableDigests(db))
    const chain = await verifyAuditChain(db)
    const ledger = await verifyLedger(db)
    recordCheck({ area: AREA, check: 'a restore over a changed database brings back every table exactly, audit chain and ledger verifying', tried: tables + 2, held: tables - back.length + (chain.ok ? 1 : 0) + (ledger.ok ? 1 : 0) })
    expect(back).toEqual([])
    expect(chain).toMatchObject({ ok: true })
    expect(ledger).toMatchObject({ ok: true })
  })

  test('a backup taken while writes carry on is a consistent snapshot', async () => {
    const eventsBefore = (await verifyAuditChain(db)).events
    let writing = true
    let written = 0
    const writer = (async () => {
      while (writing) {
        await db.transaction().execute((trx) => recordAudit(trx, { actorUserId: null, action: 'test.busy', entityType: 'thing', entityId: written + 1, after: { n: written + 1 } }))
        written++
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    await new Promise((resolve) => setTimeout(resolve, 20))
    const made = await backup(`busy-${backupFileName(isPostgresUrl(live.url) ? 'postgres' : 'sqlite')}`)
    writing = false
    await writer
    const target = elsewhere('busy')
    await restoreDatabase(target, made.file)
    const copy = await inspect(target)
    const events = Number(copy.digests.audit_events!.split(':')[0])
    const held = [copy.audit.ok, copy.ledger.ok, events >= eventsBefore && events <= eventsBefore + written]
    recordCheck({ area: AREA, check: 'a backup taken while writes carry on restores a consistent snapshot (audit chain, ledger)', tried: held.length, held: held.filter(Boolean).length })
    expect(copy.audit).toMatchObject({ ok: true })
    expect(copy.ledger).toMatchObject({ ok: true })
    expect(written).toBeGreaterThan(0)
    expect(events).toBeGreaterThanOrEqual(eventsBefore)
    expect(events).toBeLessThanOrEqual(eventsBefore + written)
  })

  test('a corrupt, truncated, empty or foreign backup file is refused with a clear message and the live database is untouched', async () => {
    const made = await backup(`good-${backupFileName(isPostgresUrl(live.url) ? 'postgres' : 'sqlite')}`)
    const bytes = fs.readFileSync(made.file)
    const bad: Record<string, Buffer | null> = {
      'cut short at half its length': bytes.subarray(0, Math.floor(bytes.length / 2)),
      'cut short by its last 100 bytes': bytes.subarray(0, bytes.length - 100),
      'scribbled over in the middle': Buffer.concat([bytes.subarray(0, Math.floor(bytes.length * 0.4)), Buffer.alloc(16_384, 0xa5), bytes.subarray(Math.floor(bytes.length * 0.4) + 16_384)]),
      empty: Buffer.alloc(0),
      'a text file': Buffer.from('name,amount\nWandle Valley,1000\n'),
      missing: null,
    }
    if (!isPostgresUrl(live.url)) {
      // A sound SQLite database that is not Commonpot's.
      const foreign = path.join(dir, 'foreign.sqlite')
      const h = createDatabase({ path: foreign })
      await h.close()
      bad['a database that is not Commonpot’s'] = fs.readFileSync(foreign)
    }
    await closeDatabase()
    const before = await tableDigests(db)
    await closeDatabase()
    let held = 0
    const misses: string[] = []
    for (const [what, content] of Object.entries(bad)) {
      const file = path.join(dir, `bad-${Object.keys(bad).indexOf(what)}.backup`)
      if (content) fs.writeFileSync(file, content)
      const outcome = await restoreDatabase(live, file, { force: true }).then(
        () => 'restored',
        (e: unknown) => (e instanceof BackupError ? e.message : `unexpected: ${String(e)}`),
      )
      const clear = content ? /is not a usable backup \(.+\)\. Nothing was changed\.$/.test(outcome) : /^There is no backup file at /.test(outcome)
      const untouched = differingTables(before, await tableDigests(db)).length === 0
      await closeDatabase()
      if (clear && untouched) held++
      else misses.push(`${what}: ${outcome}${untouched ? '' : ' (the live database changed)'}`)
    }
    recordCheck({ area: AREA, check: 'a corrupt, truncated, empty, foreign or missing backup is refused with a clear message, the live database untouched', tried: Object.keys(bad).length, held })
    expect(misses).toEqual([])
    const chain = await verifyAuditChain(db)
    expect(chain).toMatchObject({ ok: true })
  })

  test('npm run db:backup and npm run db:restore print what they did and exit 0, or refuse with exit 1', { timeout: 60_000 }, async () => {
    const env = { ...process.env, DATABASE_URL: live.url ?? '', DATABASE_PATH: live.path ?? '' }
    const tsx = 'node_modules/.bin/tsx'
    const target = path.join(dir, 'cli', 'by-script.backup')
    const before = await tableDigests(db)
    const rows = Object.values(before).reduce((sum, d) => sum + Number(d.split(':')[0]), 0)
    const [backedUp, refused] = await Promise.all([
      run(tsx, ['scripts/db-backup.ts', target], { env }),
      run(tsx, ['scripts/db-restore.ts', path.join(dir, 'no-such.backup')], { env }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      ),
    ])
    await closeDatabase()
    const restored = await run(tsx, ['scripts/db-restore.ts', target, '--force'], { env })
    const total = `${rows.toLocaleString('en-GB')} rows in ${Object.keys(before).length} tables`
    const held = [
      backedUp.stdout.includes(`to ${target} (`) && backedUp.stdout.includes(total),
      restored.stdout.includes(`Restored ${target} into`) && restored.stdout.includes(total),
      refused.code === 1 && refused.stderr.includes('There is no backup file at'),
      differingTables(before, await tableDigests(db)).length === 0,
    ]
    recordCheck({ area: AREA, check: 'npm run db:backup then db:restore round trip through the scripts; a missing file exits 1', tried: held.length, held: held.filter(Boolean).length })
    expect(backedUp.stdout).toContain(total)
    expect(restored.stdout).toContain(`Restored ${target} into`)
    expect(restored.stdout).toContain(total)
    expect(refused).toMatchObject({ code: 1 })
    expect(refused.stderr).toContain('There is no backup file at')
    expect(differingTables(before, await tableDigests(db))).toEqual([])
  })
})
