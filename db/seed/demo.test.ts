import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { DatabaseHandle } from '../connect.ts'
import { createTestDatabase } from '../../tests/setup/test-database.ts'
import { authenticate } from '../../app/domain/identity/sign-in.server.ts'
import { verifyAuditChain } from '../../app/lib/audit.server.ts'
import { DEMO_ACCOUNTS, DEMO_PASSWORD, seedDemo } from './demo.ts'
import { PANEL_ROUND_TITLE } from './panel-round.ts'
import { SOUTH_WEST_LONDON_POT } from './budgets.ts'
import { ukToday } from '../../app/domain/places/places.server.ts'

// The whole demo is seeded once (offer letters and all, several seconds of work) and each test reads what it made;
// the last one seeds again to show that a second run changes nothing.
let h: DatabaseHandle
let seeded: { seeded: boolean }
beforeAll(async () => {
  h = await createTestDatabase()
  seeded = await seedDemo(h.db)
}, 180_000)
afterAll(async () => {
  await h.close()
})

describe('the demo seed', { timeout: 120_000 }, () => {
  test('creates funders, both fund shapes, organisations in several places and one account per role', async () => {
    expect(seeded).toEqual({ seeded: true })
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
    const run = await h.db.selectFrom('payment_runs').select(['status', 'created_by', 'approved_by', 'file_sha256']).orderBy('id').executeTakeFirstOrThrow()
    expect(run.status).toBe('completed')
    expect(run.approved_by).not.toBe(run.created_by)
    expect(run.file_sha256).toMatch(/^[0-9a-f]{64}$/)
    const firstImport = await h.db.selectFrom('bank_statement_imports').select('id').orderBy('id').executeTakeFirstOrThrow()
    const lines = await h.db.selectFrom('bank_statement_lines').select('status').where('import_id', '=', firstImport.id).orderBy('line_number').execute()
    expect(lines.map((l) => l.status)).toEqual(['matched', 'unmatched'])
  })

  test('has history: last year’s community round decided and released, single-funder and pooled awards paid in several ICBs, one to an unregistered group, and a declined bid with its reason', async () => {
    const today = ukToday()
    const round = await h.db.selectFrom('rounds').select(['id', 'closes_at', 'decisions_released_at', 'decline_reasons', 'rules']).where('title', 'like', 'Thriving Communities %: community round').executeTakeFirstOrThrow()
    expect(round.closes_at! < round.decisions_released_at!).toBe(true)
    expect(round.decisions_released_at!.slice(0, 10) < today).toBe(true)
    expect(JSON.parse(round.rules).eligibleOrganisationTypes).toContain('unincorporated_group')

    const awards = await h.db
      .selectFrom('awards')
      .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
      .innerJoin('applications', 'applications.id', 'awards.application_id')
      .innerJoin('places', 'places.id', 'applications.place_id')
      .select(['awards.id', 'awards.reference', 'awards.amount_pence', 'organisations.name', 'organisations.legal_type', 'organisations.charity_number', 'organisations.company_number', 'places.ods_code'])
      .where('awards.round_id', '=', round.id)
      .orderBy('awards.id')
      .execute()
    expect(awards.map((a) => [a.name, a.ods_code, a.amount_pence])).toEqual([
      ['Hackney Food and Friendship Hub', 'QMF', 4_000_000],
      ['Salford Stitchers CIC', 'QOP', 3_000_000],
      ['Tyneside Allotment Friends', 'QHM', 800_000],
    ])
    const tyneside = awards[2]!
    expect([tyneside.legal_type, tyneside.charity_number, tyneside.company_number]).toEqual(['unincorporated_group', null, null])

    // Who paid for each: Arts Council England alone for Hackney; pooled NHS and lottery money for Salford and Tyneside,
    // all from last financial year's pots, so this year's pots' figures are untouched.
    const commitments = await h.db
      .selectFrom('award_commitments')
      .innerJoin('contributions', 'contributions.id', 'award_commitments.contribution_id')
      .innerJoin('funders', 'funders.id', 'contributions.funder_id')
      .innerJoin('pots', 'pots.id', 'contributions.pot_id')
      .select(['award_commitments.award_id', 'funders.name', 'award_commitments.amount_pence', 'pots.financial_year'])
      .where('award_commitments.award_id', 'in', awards.map((a) => a.id))
      .orderBy('award_commitments.award_id')
      .orderBy('funders.name')
      .execute()
    const fundersOf = (awardId: number) => commitments.filter((c) => c.award_id === awardId).map((c) => c.name)
    expect(fundersOf(awards[0]!.id)).toEqual(['Arts Council England'])
    expect(fundersOf(awards[1]!.id)).toEqual(['NHS Greater Manchester Integrated Care Board', 'National Lottery Community Fund'])
    expect(fundersOf(tyneside.id)).toEqual(['NHS North East and North Cumbria Integrated Care Board', 'National Lottery Community Fund'])
    const thisYear = await h.db.selectFrom('pots').select('financial_year').where('name', '=', SOUTH_WEST_LONDON_POT).executeTakeFirstOrThrow()
    const years = [...new Set(commitments.map((c) => c.financial_year))]
    expect(years).toHaveLength(1)
    expect(years[0] < thisYear.financial_year).toBe(true)
    for (const a of awards) expect(commitments.filter((c) => c.award_id === a.id).reduce((s, c) => s + c.amount_pence, 0)).toBe(a.amount_pence)

    // Paid on dates in the past through a completed four-eyes run, except Salford's year 2: due by date, it waits for
    // the year 1 impact return, which is overdue.
    const tranches = await h.db.selectFrom('tranches').select(['award_id', 'amount_pence', 'status', 'paid_at', 'payment_run_id', 'gate', 'due_date']).where('award_id', 'in', awards.map((a) => a.id)).orderBy('id').execute()
    expect(tranches).toHaveLength(4)
    const paid = tranches.filter((t) => t.status === 'paid')
    expect(paid).toHaveLength(3)
    expect(paid.every((t) => t.paid_at! < today)).toBe(true)
    const waiting = tranches.find((t) => t.status !== 'paid')!
    expect([waiting.award_id, waiting.amount_pence, waiting.status, waiting.gate]).toEqual([awards[1]!.id, 1_500_000, 'scheduled', 'return'])
    expect(waiting.due_date < today).toBe(true)
    for (const a of [awards[0]!, tyneside]) expect(paid.filter((t) => t.award_id === a.id).reduce((s, t) => s + t.amount_pence, 0)).toBe(a.amount_pence)
    const runs = await h.db.selectFrom('payment_runs').select(['status', 'created_by', 'approved_by']).where('id', 'in', [...new Set(paid.map((t) => t.payment_run_id!))]).execute()
    expect(runs.length).toBe(1)
    for (const run of runs) {
      expect(run.status).toBe('completed')
      expect(run.approved_by).not.toBe(run.created_by)
    }

    // The declined bid: a reason from the round's list and the panel's feedback, released to the club.
    const declined = await h.db
      .selectFrom('applications')
      .innerJoin('organisations', 'organisations.id', 'applications.organisation_id')
      .innerJoin('panel_decisions', 'panel_decisions.application_id', 'applications.id')
      .select(['organisations.name', 'applications.status', 'panel_decisions.decline_reason', 'panel_decisions.feedback'])
      .where('applications.round_id', '=', round.id)
      .where('panel_decisions.status', '=', 'declined')
      .execute()
    expect(declined.map((d) => [d.name, d.status])).toEqual([['Bristol Walking Football Club', 'unsuccessful']])
    expect(JSON.parse(round.decline_reasons)).toContain(declined[0]!.decline_reason)
    expect(declined[0]!.feedback).toMatch(/link workers/)

    // Scored by the demo assessors, all submitted (nothing of this round waits on anyone's list).
    const assessments = await h.db.selectFrom('assessments').innerJoin('applications', 'applications.id', 'assessments.application_id').select('assessments.status').where('applications.round_id', '=', round.id).execute()
    expect(assessments.length).toBe(8)
    expect(assessments.every((a) => a.status === 'submitted')).toBe(true)
  })

  test('has impact returns in every state and four awards published as open data, one for each kind of funding', async () => {
    const returns = await h.db
      .selectFrom('returns')
      .innerJoin('awards', 'awards.id', 'returns.award_id')
      .select(['awards.reference', 'returns.period_label', 'returns.status', 'returns.version', 'returns.due_date'])
      .where('awards.reference', 'like', 'TCF-2025-%')
      .orderBy('awards.reference')
      .orderBy('returns.due_date')
      .execute()
    expect(returns.map((r) => [r.reference, r.period_label, r.status, r.version])).toEqual([
      ['TCF-2025-00001-AWD', 'Interim (first 6 months)', 'accepted', 1],
      ['TCF-2025-00001-AWD', 'Final', 'submitted', 1],
      ['TCF-2025-00002-AWD', 'Year 1', 'expected', 0],
      ['TCF-2025-00002-AWD', 'Year 2', 'expected', 0],
      ['TCF-2025-00003-AWD', 'Interim (first 6 months)', 'accepted', 2],
      ['TCF-2025-00003-AWD', 'Final', 'expected', 0],
    ])
    // Salford's year 1 return is overdue, and Tyneside's was sent back once before it was accepted.
    expect(returns[2]!.due_date < ukToday()).toBe(true)
    const tyneside = await h.db
      .selectFrom('return_versions')
      .innerJoin('returns', 'returns.id', 'return_versions.return_id')
      .innerJoin('awards', 'awards.id', 'returns.award_id')
      .select(['return_versions.version', 'return_versions.review_outcome'])
      .where('awards.reference', '=', 'TCF-2025-00003-AWD')
      .orderBy('return_versions.version')
      .execute()
    expect(tyneside).toEqual([
      { version: 1, review_outcome: 'changes_requested' },
      { version: 2, review_outcome: 'accepted' },
    ])
    // Accepted returns carry the roll-up's outcome statistics: ONS4 and UCLA-3 per person for Hackney, a UCLA-3 group summary for Tyneside.
    const outcomes = await h.db.selectFrom('return_outcomes').select(['measure', 'basis', 'n']).orderBy('measure').orderBy('basis').execute()
    expect(outcomes.filter((o) => o.basis === 'cohort')).toEqual([{ measure: 'ucla3', basis: 'cohort', n: 18 }])
    expect(outcomes.filter((o) => o.measure === 'ons4_anxious').length).toBeGreaterThan(0)

    const published = await h.db.selectFrom('awards').select('reference').where('published_at', 'is not', null).orderBy('reference').execute()
    expect(published.map((a) => a.reference)).toEqual(['TCF-2025-00001-AWD', 'TCF-2025-00002-AWD', 'TCF-2025-00003-AWD', 'TCF-2026-00004-AWD'])
  })

  test('every demo account signs in with the published password, and finance and admin accounts have two-factor on', async () => {
    for (const account of DEMO_ACCOUNTS) {
      const result = await h.db.transaction().execute((trx) => authenticate(trx, { email: account.email, password: DEMO_PASSWORD, ip: '10.0.0.1' }))
      expect(result.status, account.email).toBe('authenticated')
      const user = await h.db.selectFrom('users').select('totp_enabled_at').where('email', '=', account.email).executeTakeFirstOrThrow()
      expect(!!user.totp_enabled_at, account.email).toBe(account.twoFactor)
    }
  })

  test('runs through the domain, so the audit chain records it and verifies', async () => {
    const audit = await verifyAuditChain(h.db)
    expect(audit.ok).toBe(true)
    expect(audit.events).toBeGreaterThan(30)
  })

  test('a second run changes nothing', async () => {
    const before = await h.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    expect(await seedDemo(h.db)).toEqual({ seeded: false })
    const after = await h.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    expect(Number(after.n)).toBe(Number(before.n))
  })
})
