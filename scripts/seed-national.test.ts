import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { contributionFiguresDifferences } from '../app/domain/budgets/contribution-figures.server.ts'
import { verifyLedger } from '../app/domain/budgets/ledger.server.ts'
import { verifyPassword } from '../app/domain/identity/passwords.server.ts'
import { publishedGrants } from '../app/domain/open-data/grants.server.ts'
import { sendReturnReminders } from '../app/domain/returns/reminders.server.ts'
import { packageHeader } from '../app/domain/open-data/package.server.ts'
import { DEFAULT_OPEN_DATA_SETTINGS } from '../app/domain/open-data/settings.ts'
import { packageValidator } from '../app/domain/open-data/test-support.server.ts'
import { verifyAuditChain } from '../app/lib/audit.server.ts'
import { createDatabase, type DatabaseHandle } from '../db/connect.ts'
import {
  NATIONAL_ACCOUNTS,
  NATIONAL_FINANCE_EMAIL,
  NATIONAL_FINANCE_TOTP_SECRET,
  NATIONAL_FUNDER_EMAIL,
} from '../db/national/accounts.ts'
import { DatabaseNotEmptyError, NATIONAL_META_KEY, generateNationalDataset, parseNationalMeta, type GenerateResult } from '../db/national/generate.ts'
import { FULL_SCALE, scaledCount } from '../db/national/plan.ts'
import { DEMO_PASSWORD } from '../db/seed/demo.ts'
import { freshDatabaseOptions } from '../tests/setup/test-database.ts'

const SCALE = 0.002
let options: { url?: string; path?: string }
let h: DatabaseHandle
let result: GenerateResult

beforeAll(async () => {
  options = await freshDatabaseOptions()
  result = await generateNationalDataset({ database: options, scale: SCALE, fresh: true })
  h = createDatabase(options)
}, 120_000)
afterAll(async () => {
  await h?.close()
})

async function count(table: 'applications' | 'criterion_scores' | 'awards' | 'tranches' | 'returns' | 'organisations' | 'rounds' | 'funds' | 'funders'): Promise<number> {
  const row = await h.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** A digest of every row of some tables, in id order: equal digests mean equal data. */
async function digest(handle: DatabaseHandle): Promise<string> {
  const hash = createHash('sha256')
  for (const table of ['applications', 'criterion_scores', 'awards', 'award_commitments', 'tranches', 'tranche_parts', 'returns', 'ledger_entries', 'ledger_accounts', 'contributions'] as const) {
    const rows = await handle.db.selectFrom(table).selectAll().orderBy('id').execute()
    hash.update(`${table}:${JSON.stringify(rows)}`)
  }
  return hash.digest('hex')
}

describe('npm run seed:national', () => {
  test('makes the numbers of rows the scale asks for', async () => {
    const awards = scaledCount(FULL_SCALE.awards, SCALE)
    expect(await count('applications')).toBe(scaledCount(FULL_SCALE.applications, SCALE))
    expect(await count('criterion_scores')).toBe(scaledCount(FULL_SCALE.criterion_scores, SCALE))
    expect(await count('awards')).toBe(awards)
    expect(await count('tranches')).toBe(awards * 4)
    expect(await count('returns')).toBe(awards * 3)
    expect(await count('organisations')).toBe(scaledCount(FULL_SCALE.organisations, SCALE))
    expect(await count('rounds')).toBe(scaledCount(FULL_SCALE.rounds, SCALE))
    expect(await count('funds')).toBe(scaledCount(FULL_SCALE.funds, SCALE))
    expect(await count('funders')).toBe(scaledCount(FULL_SCALE.funders, SCALE))
    const meta = parseNationalMeta((await h.db.selectFrom('app_meta').select('value').where('key', '=', NATIONAL_META_KEY).executeTakeFirst())?.value)
    expect(meta).toMatchObject({ scale: SCALE, generatedAt: '2026-11-21T12:00:00.000Z', counts: { awards, applications: scaledCount(FULL_SCALE.applications, SCALE) } })
    expect(result.counts.ledger_entries).toBeGreaterThan(0)
  })

  test('breaks no foreign key', async () => {
    // SQLite has to be asked; PostgreSQL is given the very same rows (and checks them itself unless the load runs as a superuser).
    if (h.engine !== 'sqlite') return
    const { sql } = await import('kysely')
    const broken = await sql`pragma foreign_key_check`.execute(h.db)
    expect(broken.rows).toEqual([])
  })

  test('leaves a ledger that verifies and an audit chain that is whole', async () => {
    const ledger = await verifyLedger(h.db)
    expect(ledger.problems).toEqual([])
    expect(ledger.entries).toBe(result.counts.ledger_entries)
    const audit = await verifyAuditChain(h.db)
    expect(audit).toMatchObject({ ok: true, events: 1 })
    const event = await h.db.selectFrom('audit_events').select(['action', 'entity_id']).executeTakeFirstOrThrow()
    expect(event).toEqual({ action: 'national_dataset.generated', entity_id: NATIONAL_META_KEY })
  })

  test('builds each contribution’s maintained figures from the ledger accounts and receipts it loaded', async () => {
    expect(await contributionFiguresDifferences(h.db)).toEqual([])
    expect((await h.db.selectFrom('contribution_figures').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n).toBeGreaterThan(0)
  })

  test('never commits more of a contribution than was received, and no bucket is negative', async () => {
    const accounts = await h.db.selectFrom('ledger_accounts').select(['code', 'normal_balance', 'debits_posted_pence', 'credits_posted_pence']).where('owner_type', '=', 'contribution').execute()
    for (const a of accounts) {
      const balance = a.normal_balance === 'credit' ? a.credits_posted_pence - a.debits_posted_pence : a.debits_posted_pence - a.credits_posted_pence
      expect(balance, a.code).toBeGreaterThanOrEqual(0)
    }
    const committed = await h.db
      .selectFrom('award_commitments')
      .select((eb) => ['contribution_id', eb.fn.sum<number>('amount_pence').as('pence')])
      .where('released_at', 'is', null)
      .groupBy('contribution_id')
      .execute()
    const received = new Map(
      (await h.db.selectFrom('contribution_receipts').select((eb) => ['contribution_id', eb.fn.sum<number>('amount_pence').as('pence')]).groupBy('contribution_id').execute()).map((r) => [r.contribution_id, Number(r.pence)]),
    )
    expect(committed.length).toBeGreaterThan(0)
    for (const c of committed) expect(Number(c.pence)).toBeLessThanOrEqual(received.get(c.contribution_id) ?? 0)
  })

  test('splits every tranche across contributions exactly, and every award across its tranches', async () => {
    const awards = await h.db.selectFrom('awards').select(['id', 'amount_pence', 'status']).execute()
    const tranches = await h.db.selectFrom('tranches').select(['id', 'award_id', 'amount_pence', 'status']).execute()
    const parts = await h.db.selectFrom('tranche_parts').select(['tranche_id', 'amount_pence']).execute()
    const partSum = new Map<number, number>()
    for (const p of parts) partSum.set(p.tranche_id, (partSum.get(p.tranche_id) ?? 0) + p.amount_pence)
    for (const a of awards) {
      const own = tranches.filter((t) => t.award_id === a.id)
      expect(own.reduce((s, t) => s + t.amount_pence, 0)).toBe(a.amount_pence)
      for (const t of own) {
        if (a.status === 'accepted' || a.status === 'completed') expect(partSum.get(t.id)).toBe(t.amount_pence)
        else expect(partSum.has(t.id)).toBe(false)
      }
      if (a.status === 'completed') expect(own.every((t) => t.status === 'paid')).toBe(true)
    }
    expect(awards.some((a) => a.status === 'accepted' || a.status === 'completed')).toBe(true)
  })

  test('posts each paid tranche from scheduled to paid, once, for its whole amount', async () => {
    const paid = await h.db.selectFrom('tranches').select(['id', 'amount_pence']).where('status', '=', 'paid').execute()
    expect(paid.length).toBeGreaterThan(0)
    const entries = await h.db.selectFrom('ledger_entries').select(['ref_id', 'amount_pence']).where('reason_code', '=', 'award.paid').where('ref_type', '=', 'tranche').execute()
    const byTranche = new Map<number, number>()
    for (const e of entries) byTranche.set(e.ref_id!, (byTranche.get(e.ref_id!) ?? 0) + e.amount_pence)
    expect(byTranche.size).toBe(paid.length)
    for (const t of paid) expect(byTranche.get(t.id)).toBe(t.amount_pence)
  })

  test('publishes the accepted awards as valid 360Giving grants', async () => {
    const published = await h.db.selectFrom('awards').select((eb) => eb.fn.countAll<number>().as('n')).where('published_at', 'is not', null).where('status', 'in', ['accepted', 'completed']).executeTakeFirstOrThrow()
    const grants = []
    for await (const g of publishedGrants(h.db, { prefix: 'commonpot' })) grants.push(g)
    expect(Number(published.n)).toBeGreaterThan(0)
    expect(grants.length).toBe(Number(published.n))
    const header = packageHeader(DEFAULT_OPEN_DATA_SETTINGS, { origin: 'https://commonpot.example', modified: '2026-11-21T10:00:00.000Z' })
    expect(packageValidator()({ ...header, grants: grants.slice(0, 20) })).toEqual([])
  })

  test('leaves the open-data version counting, and counts the load as a change (the 360Giving files are made afresh)', async () => {
    const version = async () => Number((await h.db.selectFrom('data_versions').select('version').where('name', '=', 'open_data').executeTakeFirstOrThrow()).version)
    const loaded = await version()
    expect(loaded).toBeGreaterThan(0)
    const award = await h.db.selectFrom('awards').select('id').orderBy('id').executeTakeFirstOrThrow()
    await h.db.updateTable('awards').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', award.id).execute()
    expect(await version()).toBe(loaded + 1)
  })

  test('lets every well-known account sign in with the demo password; finance has two-factor on with the fixed secret', async () => {
    for (const account of NATIONAL_ACCOUNTS) {
      const user = await h.db.selectFrom('users').select(['id', 'password_hash', 'totp_secret', 'totp_enabled_at']).where('email', '=', account.email).executeTakeFirstOrThrow()
      expect(await verifyPassword(user.password_hash!, DEMO_PASSWORD), account.email).toBe(true)
      expect(await verifyPassword(user.password_hash!, 'not-the-password')).toBe(false)
    }
    const finance = await h.db.selectFrom('users').select(['totp_secret', 'totp_enabled_at']).where('email', '=', NATIONAL_FINANCE_EMAIL).executeTakeFirstOrThrow()
    expect(finance.totp_secret).toBe(NATIONAL_FINANCE_TOTP_SECRET)
    expect(finance.totp_enabled_at).not.toBeNull()
    const viewer = await h.db.selectFrom('users').innerJoin('user_roles', 'user_roles.user_id', 'users.id').select(['user_roles.role', 'user_roles.funder_id']).where('users.email', '=', NATIONAL_FUNDER_EMAIL).execute()
    expect(viewer).toEqual([{ role: 'funder_viewer', funder_id: 1 }])
  })

  test('refuses a database that already holds applications unless told to start fresh', async () => {
    await expect(generateNationalDataset({ database: options, scale: SCALE })).rejects.toBeInstanceOf(DatabaseNotEmptyError)
    expect(await count('applications')).toBe(scaledCount(FULL_SCALE.applications, SCALE))
  })

  // On PostgreSQL the first load COPYed each table on its own connection as it was planned (the test server lets us
  // turn foreign-key triggers off); this one spools and loads in one transaction with the foreign keys checked, as a
  // server that refuses that would: both give the same rows.
  test('makes exactly the same rows every time for the same scale (and either way of loading PostgreSQL)', { timeout: 120_000 }, async () => {
    const other = await freshDatabaseOptions()
    await generateNationalDataset({ database: other, scale: SCALE, fresh: true, postgresLoad: 'one-transaction' })
    const second = createDatabase(other)
    try {
      expect(await digest(second)).toBe(await digest(h))
    } finally {
      await second.close()
    }
  })
})

describe('impact return reminders', () => {
  test('those the hourly sweep would already have sent are marked sent, so a server started on the dataset has none to catch up on', async () => {
    const overdue = await h.db
      .selectFrom('returns')
      .innerJoin('awards', 'awards.id', 'returns.award_id')
      .select(['returns.reminded_due_at', 'returns.reminded_overdue_at'])
      .where('awards.status', 'in', ['accepted', 'completed'])
      .where('returns.status', '=', 'expected')
      .where('returns.due_date', '<', '2026-11-21')
      .execute()
    expect(overdue.length).toBeGreaterThan(0)
    expect(overdue.filter((r) => r.reminded_due_at === null || r.reminded_overdue_at === null)).toEqual([])
    expect(await sendReturnReminders(h.db, { today: '2026-11-21' })).toEqual({ dueSoon: 0, overdue: 0 })
  })
})
