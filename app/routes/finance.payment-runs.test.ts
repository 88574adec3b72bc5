/**
 * /finance (payments due, prepare a run), /finance/payment-runs/<id> (approve, cancel) and /manage/awards/<id> (offer
 * terms, conditions): only finance officers and fund managers respectively; the officer who prepared a run cannot
 * approve it; bad input comes back as 400 with the reason.
 */
import { describe, expect, test } from 'vitest'
import { createPaymentScenario } from '../../tests/factories/payments.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { replyErrors, respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { action as prepareAction, loader as financeLoader } from './finance._index.tsx'
import { action as runAction, loader as runLoader } from './finance.payment-runs.$runId.tsx'
import { loader as runsLoader } from './finance.payment-runs._index.tsx'
import { paymentRunsPage } from '~/domain/payments/payment-runs.server.ts'
import { action as awardAction, loader as awardLoader } from './manage.awards.$awardId.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }
type Route = (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>

async function call(route: Route, url: string, userId: number, params: Record<string, string> = {}, body?: Record<string, string> | URLSearchParams) {
  const request = await signedInRequest(url, { userId, body })
  return respond(() => route({ request, params, context }))
}

describe('finance pages', () => {
  test('applicants and fund managers cannot see payments; finance officers can', async () => {
    const s = await createPaymentScenario(db)
    const award = await s.acceptedAward()
    const finance = await createUserWithRole(db, 'finance_officer')
    const manager = await createUserWithRole(db, 'fund_manager')
    expect((await call(financeLoader, '/finance', award.adminUserId)).status).toBe(403)
    expect((await call(financeLoader, '/finance', manager.id)).status).toBe(403)
    const res = await call(financeLoader, '/finance', finance.id)
    expect(res.status).toBe(200)
    const data = (await res.json()) as { due: Array<{ id: number; canPay: string }> }
    expect(data.due.find((t) => t.id === award.trancheIds[0])?.canPay).toBe('Yes, by BACS')
  })

  test('preparing a run with a payment whose bank details are not checked is refused with the reason, and nothing is made', async () => {
    const s = await createPaymentScenario(db)
    const award = await s.acceptedAward({ bank: 'unverified' })
    const finance = await createUserWithRole(db, 'finance_officer')
    const body = new URLSearchParams({ rail: 'bacs', trancheIds: String(award.trancheIds[0]), idempotencyKey: 'k-unverified' })
    const res = await call(prepareAction, '/finance', finance.id, {}, body)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { errors: string[] }).errors.join(' ')).toContain('bank details have not been checked by finance')
    expect(await db.selectFrom('payment_runs').select('id').where('idempotency_key', '=', 'k-unverified').execute()).toHaveLength(0)
  })

  test('one officer prepares a run over the threshold, cannot approve it, and a second officer approves it', async () => {
    const s = await createPaymentScenario(db)
    const award = await s.acceptedAward({ amountPence: 900_000 })
    const [first, second] = [await createUserWithRole(db, 'finance_officer'), await createUserWithRole(db, 'finance_officer')]
    const body = new URLSearchParams({ rail: 'bacs', trancheIds: String(award.trancheIds[0]), idempotencyKey: 'k-four-eyes' })
    const prepared = await call(prepareAction, '/finance', first.id, {}, body)
    expect(prepared.status).toBe(302)
    const runId = prepared.headers.get('Location')!.split('/').pop()!
    const page = (await (await call(runLoader, `/finance/payment-runs/${runId}`, first.id, { runId })).json()) as { canApprove: boolean; run: { status: string } }
    expect(page).toMatchObject({ canApprove: false, run: { status: 'awaiting_approval' } })
    const own = await call(runAction, `/finance/payment-runs/${runId}`, first.id, { runId }, { intent: 'approve' })
    expect(own.status).toBe(403)
    expect(((await own.json()) as { message: string }).message).toContain('a different finance officer must approve it')
    const ok = await call(runAction, `/finance/payment-runs/${runId}`, second.id, { runId }, { intent: 'approve' })
    expect(ok.status).toBe(302)
    expect((await db.selectFrom('payment_runs').select(['status', 'approved_by']).where('id', '=', Number(runId)).executeTakeFirstOrThrow())).toEqual({ status: 'approved', approved_by: second.id })
    const again = await call(runAction, `/finance/payment-runs/${runId}`, second.id, { runId }, { intent: 'approve' })
    expect(again.status).toBe(409)
  })

  test('a run that does not exist is 404; cancelling without a reason is 400', async () => {
    const s = await createPaymentScenario(db)
    const award = await s.acceptedAward()
    const finance = await createUserWithRole(db, 'finance_officer')
    expect((await call(runLoader, '/finance/payment-runs/999999', finance.id, { runId: '999999' })).status).toBe(404)
    const run = await s.run(finance.id, award.trancheIds)
    const res = await call(runAction, `/finance/payment-runs/${run.id}`, finance.id, { runId: String(run.id) }, { intent: 'cancel', reason: '' })
    expect(res.status).toBe(400)
  })
})

describe('a BACS payment that came back', () => {
  test('is recorded from the run page with the bank’s reason: due again, the ledger reversed, finance emailed', async () => {
    const { markTranchesSent, markTranchePaid } = await import('~/domain/payments/tranches.server.ts')
    const s = await createPaymentScenario(db)
    const award = await s.acceptedAward()
    const finance = await createUserWithRole(db, 'finance_officer')
    const run = await s.run(finance.id, award.trancheIds)
    const trancheId = award.trancheIds[0]
    await db.transaction().execute((trx) => markTranchesSent(trx, finance.id, { trancheIds: [trancheId] }))
    await db.updateTable('payment_runs').set({ status: 'sent' }).where('id', '=', run.id).execute()
    await db.transaction().execute((trx) => markTranchePaid(trx, null, { trancheId, paidOn: '2026-11-21', source: 'bank_statement' }))
    const params = { runId: String(run.id) }
    const blank = await call(runAction, `/finance/payment-runs/${run.id}`, finance.id, params, { intent: 'failed', trancheId: String(trancheId), reason: '' })
    expect(blank.status).toBe(400)
    const res = await call(runAction, `/finance/payment-runs/${run.id}`, finance.id, params, { intent: 'failed', trancheId: String(trancheId), reason: 'ARUCS 2: account closed' })
    expect(res.status).toBe(302)
    expect(await db.selectFrom('tranches').select(['status', 'failure_reason', 'attempt']).where('id', '=', trancheId).executeTakeFirstOrThrow()).toEqual({ status: 'scheduled', failure_reason: 'ARUCS 2: account closed', attempt: 1 })
    const reversed = await db.selectFrom('ledger_entries').select('id').where('ref_type', '=', 'tranche').where('ref_id', '=', trancheId).where('reason_code', '=', 'award.payment_reversed').execute()
    expect(reversed.length).toBeGreaterThan(0)
    expect((await db.selectFrom('outbox_messages').select('id').where('template', '=', 'payment-failed').where('to_address', '=', finance.email).execute()).length).toBe(1)
    const again = await call(runAction, `/finance/payment-runs/${run.id}`, finance.id, params, { intent: 'failed', trancheId: String(trancheId), reason: 'again' })
    expect(again.status).toBe(409)
  })
})

describe('the fund manager’s award page', () => {
  async function committedAward() {
    const s = await createPaymentScenario(db)
    const bid = await s.bid({ decisionAmountPence: 600_000 })
    const { createAwardFromDecision } = await import('~/domain/awards/awards.server.ts')
    const made = await db.transaction().execute((trx) => createAwardFromDecision(trx, s.managerUserId, { applicationId: bid.applicationId, amountPence: 600_000, potId: s.potId, outcomeAreas: ['health_and_wellbeing'], idempotencyKey: `k-${bid.applicationId}` }))
    return made.award.id
  }

  test('sets three yearly payments and a condition; the schedule shows each later year waiting for a return', async () => {
    const awardId = await committedAward()
    const manager = await createUserWithRole(db, 'fund_manager')
    const res = await call(awardAction, `/manage/awards/${awardId}`, manager.id, { awardId: String(awardId) }, {
      intent: 'terms',
      conditions: 'Send us your safeguarding policy',
      kind: 'yearly',
      years: '3',
      amountPerYear: '2000',
      startDate: '2027-01-04',
    })
    expect(res.status).toBe(302)
    const page = (await (await call(awardLoader, `/manage/awards/${awardId}`, manager.id, { awardId: String(awardId) })).json()) as { award: { tranches: Array<{ amountPence: number; dueDate: string; gateText: string }>; conditions: Array<{ text: string }> } }
    expect(page.award.conditions.map((c) => c.text)).toEqual(['Send us your safeguarding policy'])
    expect(page.award.tranches.map((t) => [t.amountPence, t.dueDate, t.gateText])).toEqual([
      [200_000, '2027-01-04', 'once the offer is accepted'],
      [200_000, '2028-01-04', 'once the Year 1 impact return is accepted'],
      [200_000, '2029-01-04', 'once the Year 2 impact return is accepted'],
    ])
  })

  test('instalments that do not add up to the award are refused beside the instalments, and nothing is saved', async () => {
    const awardId = await committedAward()
    const manager = await createUserWithRole(db, 'fund_manager')
    const res = await call(awardAction, `/manage/awards/${awardId}`, manager.id, { awardId: String(awardId) }, {
      intent: 'terms',
      kind: 'instalments',
      'tranches[0].amount': '1000',
      'tranches[0].dueDate': '2027-01-04',
      'tranches[0].gate': 'acceptance',
    })
    expect(res.status).toBe(400)
    expect((await replyErrors(res)).fields.tranches?.[0]).toBe('The instalments add up to £1,000.00, but the award is £6,000.00')
    expect(await db.selectFrom('tranches').select('id').where('award_id', '=', awardId).execute()).toHaveLength(0)
  })

  test('applicants and finance officers cannot open the fund manager’s award page', async () => {
    const awardId = await committedAward()
    const finance = await createUserWithRole(db, 'finance_officer')
    expect((await call(awardLoader, `/manage/awards/${awardId}`, finance.id, { awardId: String(awardId) })).status).toBe(403)
  })
})

describe('payment settings', () => {
  test('only an administrator changes the four-eyes threshold; a bad sort code is refused beside its field', async () => {
    const { action: settingsAction } = await import('./admin.payment-settings.tsx')
    const { paymentSettings } = await import('~/domain/payments/settings.server.ts')
    const admin = await createUserWithRole(db, 'admin')
    const finance = await createUserWithRole(db, 'finance_officer')
    const body = { threshold: '2500', sortCode: '20-00-00', accountNumber: '55779911', name: 'Healthy Comms Fund' }
    expect((await call(settingsAction, '/admin/payment-settings', finance.id, {}, body)).status).toBe(403)
    const bad = await call(settingsAction, '/admin/payment-settings', admin.id, {}, { ...body, sortCode: '20-00' })
    expect(bad.status).toBe(400)
    expect((await replyErrors(bad)).fields.sortCode).toEqual(['Enter a sort code, like 30-94-57'])
    expect((await call(settingsAction, '/admin/payment-settings', admin.id, {}, body)).status).toBe(302)
    expect(await paymentSettings(db)).toEqual({ approvalThresholdPence: 250_000, originator: { sortCode: '200000', accountNumber: '55779911', name: 'HEALTHY COMMS FUND' } })
  })

  test('every run is listed newest first, a page at a time, with the latest five on the payments due page', async () => {
    const s = await createPaymentScenario(db)
    const finance = await createUserWithRole(db, 'finance_officer')
    const manager = await createUserWithRole(db, 'fund_manager')
    const made: number[] = []
    for (let i = 0; i < 6; i++) {
      const award = await s.acceptedAward()
      const body = new URLSearchParams({ rail: 'bacs', trancheIds: String(award.trancheIds[0]), idempotencyKey: `k-runs-list-${i}` })
      const prepared = await call(prepareAction, '/finance', finance.id, {}, body)
      expect(prepared.status).toBe(302)
      made.push(Number(prepared.headers.get('Location')!.split('/').pop()))
    }
    const newestFirst = [...made].reverse()
    // The domain's pages: newest first, each older page after the last run of the one before.
    const first = await paymentRunsPage(db, { limit: 4 })
    expect(first.runs.map((r) => r.id)).toEqual(newestFirst.slice(0, 4))
    expect(first.olderBefore).toBe(newestFirst[3])
    const second = await paymentRunsPage(db, { before: first.olderBefore!, limit: 4 })
    expect(second.runs.map((r) => r.id).slice(0, 2)).toEqual(newestFirst.slice(4, 6))

    expect((await call(runsLoader, '/finance/payment-runs', manager.id)).status).toBe(403)
    const page = (await (await call(runsLoader, '/finance/payment-runs', finance.id)).json()) as { runs: Array<{ id: number; reference: string; trancheCount: number; total: string; status: string }>; newest: boolean }
    expect(page.newest).toBe(true)
    expect(page.runs.slice(0, 6).map((r) => r.id)).toEqual(newestFirst)
    expect(page.runs[0]).toMatchObject({ trancheCount: 1, status: expect.any(String), total: expect.stringMatching(/^£/) })
    const older = (await (await call(runsLoader, `/finance/payment-runs?before=${newestFirst[1]}`, finance.id)).json()) as { runs: Array<{ id: number }>; newest: boolean }
    expect(older.newest).toBe(false)
    expect(older.runs.slice(0, 4).map((r) => r.id)).toEqual(newestFirst.slice(2, 6))
    // A cursor that is not an id shows the newest runs rather than failing.
    expect(((await (await call(runsLoader, '/finance/payment-runs?before=x1', finance.id)).json()) as { runs: Array<{ id: number }> }).runs[0]!.id).toBe(newestFirst[0])

    const due = (await (await call(financeLoader, '/finance', finance.id)).json()) as { runs: Array<{ id: number }> }
    expect(due.runs.map((r) => r.id)).toEqual(newestFirst.slice(0, 5))
  })
})
