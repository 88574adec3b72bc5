import { describe, expect, test } from 'vitest'
import { createFunder, createPotWithContributions } from '../../tests/factories/awards.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { action as contributionAction, loader as contributionLoader } from './pots.$potId.contributions.$contributionId.tsx'
import { action as newContributionAction } from './pots.$potId.contributions.new.tsx'
import { action as potAction, loader as potLoader } from './pots.$potId._index.tsx'
import { action as yearEndAction } from './pots.$potId.year-end.tsx'
import { loader as potsLoader } from './pots._index.tsx'
import { action as newPotAction } from './pots.new.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function call(fn: (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>, url: string, userId: number, params: Record<string, string> = {}, body?: Record<string, string> | URLSearchParams) {
  const request = await signedInRequest(url, { userId, body })
  return respond(() => fn({ request, params, context }))
}

async function count(table: 'pots' | 'contributions' | 'contribution_receipts') {
  const { n } = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(n)
}

describe('/pots', () => {
  test('a funder viewer may not see the pots; a finance officer may', async () => {
    const viewer = await createUserWithRole(db, 'funder_viewer')
    expect((await call(potsLoader, '/pots', viewer.id)).status).toBe(403)
    const finance = await createUserWithRole(db, 'finance_officer')
    expect((await call(potsLoader, '/pots', finance.id)).status).toBe(200)
  })

  test('a pot with no host is refused with a field message and nothing is written', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const before = await count('pots')
    const response = await call(newPotAction, '/pots/new', manager.id, {}, { name: 'A pot', place: 'national', financialYear: '2026-27', availableBasis: 'received', yearEndPolicy: 'return' })
    expect(response.status).toBe(400)
    expect((await response.json()).error).toMatchObject({ hostFunderId: ['Select the funder that hosts the pot'] })
    expect(await count('pots')).toBe(before)
  })

  test('a fund manager creates a national pot and is taken to it', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const host = await createFunder(db)
    const response = await call(newPotAction, '/pots/new', manager.id, {}, { name: 'National pot', place: 'national', hostFunderId: String(host.id), financialYear: '2026-27', availableBasis: 'received', yearEndPolicy: 'return' })
    expect(response.status).toBe(302)
    const pot = await db.selectFrom('pots').select(['id', 'place_id', 'status']).where('name', '=', 'National pot').executeTakeFirstOrThrow()
    expect(pot).toMatchObject({ place_id: null, status: 'draft' })
    expect(response.headers.get('Location')).toBe(`/pots/${pot.id}`)
    const opened = await call(potAction, `/pots/${pot.id}`, manager.id, { potId: String(pot.id) }, { intent: 'open' })
    expect(opened.status).toBe(302)
    const page = await call(potLoader, `/pots/${pot.id}`, manager.id, { potId: String(pot.id) })
    expect((await page.json()).overview.pot.status).toBe('open')
  })

  test('a pledge with malformed money or instalments that do not add up is refused and nothing is written', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const { pot } = await createPotWithContributions(db, { contributions: [] })
    const funder = await createFunder(db)
    const base = { funderId: String(funder.id), 'instalments[0].dueDate': '2026-04-01', 'instalments[0].amount': '£500' }
    const before = await count('contributions')
    const malformed = await call(newContributionAction, '', manager.id, { potId: String(pot.id) }, { ...base, pledged: '-£1,000' })
    expect(malformed.status).toBe(400)
    expect((await malformed.json()).error.pledged[0]).toContain('without a minus sign')
    const mismatch = await call(newContributionAction, '', manager.id, { potId: String(pot.id) }, { ...base, pledged: '£1,000' })
    expect(mismatch.status).toBe(400)
    expect((await mismatch.json()).error.instalments).toEqual(['The instalments add up to £500.00 but the pledge is £1,000.00'])
    const contradiction = await call(newContributionAction, '', manager.id, { potId: String(pot.id) }, { ...base, pledged: '£500', spendBy: '2025-12-31' })
    expect(contradiction.status).toBe(400)
    expect((await contradiction.json()).error.spendBy[0]).toContain("before the pot's year starts")
    expect(await count('contributions')).toBe(before)
  })

  test('a pledge with conditions ticked is recorded and shown in words', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const { pot } = await createPotWithContributions(db, { contributions: [] })
    const funder = await createFunder(db)
    const body = new URLSearchParams({ funderId: String(funder.id), pledged: '£1,000', 'instalments[0].dueDate': '2026-04-01', 'instalments[0].amount': '600', 'instalments[1].dueDate': '2026-07-01', 'instalments[1].amount': '400', maxSharePercent: '50' })
    body.append('outcomeAreas', 'health_and_wellbeing')
    body.append('outcomeAreas', 'loneliness')
    const response = await call(newContributionAction, '', manager.id, { potId: String(pot.id) }, body)
    expect(response.status).toBe(302)
    const page = await call(potLoader, '', manager.id, { potId: String(pot.id) })
    const [contribution] = (await page.json()).overview.contributions
    expect(contribution.conditionSentences).toEqual(['Only for health and wellbeing or loneliness and isolation outcomes', 'At most 50% of any one award'])
    expect(contribution.instalments).toHaveLength(2)
  })

  test('a receipt over the pledge is refused (409) without a reason and recorded with one', async () => {
    const finance = await createUserWithRole(db, 'finance_officer')
    const { pot, contributions } = await createPotWithContributions(db, { contributions: [{ pledgedPence: 100_000 }] })
    const params = { potId: String(pot.id), contributionId: String(contributions[0].id) }
    const page = await (await call(contributionLoader, '', finance.id, params)).json()
    const body = { amount: '£1,200', receivedOn: '2026-04-03', reference: 'BACS 1', idempotencyKey: page.idempotencyKey }
    const refused = await call(contributionAction, '', finance.id, params, body)
    expect(refused.status).toBe(409)
    expect((await refused.json()).error.overPledgeReason[0]).toContain('Give a reason to record it anyway')
    expect(await count('contribution_receipts')).toBe(0)
    const recorded = await call(contributionAction, '', finance.id, params, { ...body, overPledgeReason: 'Top-up agreed' })
    expect(recorded.status).toBe(302)
    const replay = await call(contributionAction, '', finance.id, params, { ...body, overPledgeReason: 'Top-up agreed' })
    expect(replay.status).toBe(302)
    expect(await count('contribution_receipts')).toBe(1)
  })

  test('a funder viewer cannot record receipts', async () => {
    const viewer = await createUserWithRole(db, 'funder_viewer')
    const { pot, contributions } = await createPotWithContributions(db, { contributions: [{ pledgedPence: 100 }] })
    const response = await call(contributionAction, '', viewer.id, { potId: String(pot.id), contributionId: String(contributions[0].id) }, { amount: '1', receivedOn: '2026-04-03', reference: 'x', idempotencyKey: 'k' })
    expect(response.status).toBe(403)
  })

  test('closing a carry-forward year without next year\'s pot is a field error', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const { pot } = await createPotWithContributions(db, { yearEndPolicy: 'carry_forward', contributions: [{ pledgedPence: 100, receivedPence: 100 }] })
    const response = await call(yearEndAction, '', manager.id, { potId: String(pot.id) }, {})
    expect(response.status).toBe(400)
    expect((await response.json()).error.nextPotId[0]).toContain("Select next year's pot")
  })
})
