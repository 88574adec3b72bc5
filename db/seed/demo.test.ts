import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { DatabaseHandle } from '../connect.ts'
import { createTestDatabase } from '../../tests/setup/test-database.ts'
import { authenticate } from '../../app/domain/identity/sign-in.server.ts'
import { verifyAuditChain } from '../../app/lib/audit.server.ts'
import { DEMO_ACCOUNTS, DEMO_PASSWORD, seedDemo } from './demo.ts'
import { PANEL_ROUND_TITLE } from './panel-round.ts'

let h: DatabaseHandle
beforeEach(async () => {
  h = await createTestDatabase()
})
afterEach(async () => {
  await h.close()
})

describe('the demo seed', () => {
  test('creates funders, both fund shapes, organisations in several places and one account per role', async () => {
    expect(await seedDemo(h.db)).toEqual({ seeded: true })
    const funds = await h.db.selectFrom('funds').select(['name', 'shape']).orderBy('name').execute()
    expect(funds).toEqual([
      { name: 'Power of Music Fund', shape: 'power_of_music' },
      { name: 'Thriving Communities Fund', shape: 'thriving_communities' },
    ])
    const funders = await h.db.selectFrom('funders').select('name').execute()
    expect(funders.map((f) => f.name)).toEqual(expect.arrayContaining(['National Academy for Social Prescribing', 'Arts Council England', 'The Utley Foundation', 'National Lottery Community Fund']))
    expect(funders.filter((f) => f.name.startsWith('NHS ')).length).toBeGreaterThanOrEqual(2)
    const places = await h.db.selectFrom('organisations').select('place_id').distinct().execute()
    expect(places.length).toBeGreaterThanOrEqual(4)
    const roles = await h.db.selectFrom('user_roles').select('role').distinct().execute()
    expect(roles.map((r) => r.role).sort()).toEqual(['admin', 'assessor', 'finance_officer', 'fund_manager', 'funder_viewer', 'panel_chair'])
    const memberships = await h.db.selectFrom('memberships').select('role').distinct().execute()
    expect(memberships.map((m) => m.role).sort()).toEqual(['admin', 'member'])
  })

  test('shows a panel at work: a closed round with scored bids, a declared conflict, decisions from the optimiser with one override, and two awards committed to the local pot', async () => {
    await seedDemo(h.db)
    const round = await h.db.selectFrom('rounds').select(['id', 'status']).where('title', '=', PANEL_ROUND_TITLE).executeTakeFirstOrThrow()
    expect(round.status).toBe('closed')
    const criteria = await h.db.selectFrom('criteria').select('is_gateway').where('round_id', '=', round.id).execute()
    expect(criteria.filter((c) => c.is_gateway === 0).length).toBeGreaterThanOrEqual(3)
    const assessments = await h.db
      .selectFrom('assessments')
      .innerJoin('applications', 'applications.id', 'assessments.application_id')
      .select('assessments.status')
      .where('applications.round_id', '=', round.id)
      .execute()
    expect(assessments.filter((a) => a.status === 'conflict')).toHaveLength(1)
    expect(assessments.filter((a) => a.status === 'submitted').length).toBeGreaterThanOrEqual(8)
    const decisions = await h.db.selectFrom('panel_decisions').select(['status', 'override_reason', 'released_at']).where('round_id', '=', round.id).execute()
    expect(decisions).toHaveLength(8)
    expect(decisions.filter((d) => d.override_reason !== null)).toHaveLength(1)
    expect(decisions.every((d) => d.released_at === null)).toBe(true)
    const awards = await h.db.selectFrom('awards').select(['id', 'status']).where('round_id', '=', round.id).orderBy('id').execute()
    expect(awards.map((a) => a.status)).toEqual(['accepted', 'committed'])
    // The choir's award: offered, accepted, year 1 paid through a four-eyes BACS run and a statement import.
    const tranches = await h.db.selectFrom('tranches').select(['status', 'gate', 'amount_pence']).where('award_id', '=', awards[0].id).orderBy('sequence').execute()
    expect(tranches).toEqual([
      { status: 'paid', gate: 'acceptance', amount_pence: 1_000_000 },
      { status: 'scheduled', gate: 'return', amount_pence: 1_000_000 },
      { status: 'scheduled', gate: 'return', amount_pence: 1_000_000 },
    ])
    const run = await h.db.selectFrom('payment_runs').select(['status', 'created_by', 'approved_by', 'file_sha256']).executeTakeFirstOrThrow()
    expect(run.status).toBe('completed')
    expect(run.approved_by).not.toBe(run.created_by)
    expect(run.file_sha256).toMatch(/^[0-9a-f]{64}$/)
    expect((await h.db.selectFrom('bank_statement_lines').select('status').orderBy('line_number').execute()).map((l) => l.status)).toEqual(['matched', 'unmatched'])
  })

  test('every demo account signs in with the published password, and finance and admin accounts have two-factor on', async () => {
    await seedDemo(h.db)
    for (const account of DEMO_ACCOUNTS) {
      const result = await h.db.transaction().execute((trx) => authenticate(trx, { email: account.email, password: DEMO_PASSWORD, ip: '10.0.0.1' }))
      expect(result.status, account.email).toBe('authenticated')
      const user = await h.db.selectFrom('users').select('totp_enabled_at').where('email', '=', account.email).executeTakeFirstOrThrow()
      expect(!!user.totp_enabled_at, account.email).toBe(account.twoFactor)
    }
  })

  test('runs through the domain, so the audit chain records it and verifies', async () => {
    await seedDemo(h.db)
    const audit = await verifyAuditChain(h.db)
    expect(audit.ok).toBe(true)
    expect(audit.events).toBeGreaterThan(30)
  })

  test('a second run changes nothing', async () => {
    await seedDemo(h.db)
    const before = await h.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    expect(await seedDemo(h.db)).toEqual({ seeded: false })
    const after = await h.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    expect(Number(after.n)).toBe(Number(before.n))
  })
})
