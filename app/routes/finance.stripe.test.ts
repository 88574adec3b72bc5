/**
 * The finance pages for Stripe Connect: an organisation's connected account (/finance/organisations/<id>/stripe) and
 * sending a Stripe run's transfers (POST /finance/payment-runs/<runId>/stripe). Finance only; the real SDK talks to the
 * fake Stripe through STRIPE_API_BASE.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startFakeStripe, type FakeStripe } from '../../tests/fakes/stripe-server.ts'
import { createOrganisationWithAdmin } from '../../tests/factories/organisations.ts'
import { createPaymentScenario, type PaymentScenario } from '../../tests/factories/payments.ts'
import { createUserWithRole, signedInRequest, type TestUser } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { resetEnvForTests } from '~/lib/env.server.ts'
import { takeFlash } from '~/lib/session.server.ts'
import { action as accountAction, loader as accountLoader } from './finance.organisations.$organisationId.stripe.tsx'
import { action as sendAction, loader as sendLoader } from './finance.payment-runs.$runId_.stripe.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }
let fake: FakeStripe
let s: PaymentScenario
let finance: TestUser
let applicant: TestUser

beforeAll(async () => {
  fake = await startFakeStripe()
  process.env.STRIPE_SECRET_KEY = 'sk_test_commonpot'
  process.env.STRIPE_API_BASE = fake.url
  resetEnvForTests()
  s = await createPaymentScenario(db)
  finance = await createUserWithRole(db, 'finance_officer')
  applicant = (await createOrganisationWithAdmin(db)).admin
})

afterAll(async () => {
  delete process.env.STRIPE_SECRET_KEY
  delete process.env.STRIPE_API_BASE
  resetEnvForTests()
  await fake.close()
})

type RouteFn = (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>

async function call(fn: RouteFn, url: string, userId: number, params: Record<string, string>, body?: Record<string, string>) {
  const request = await signedInRequest(url, { userId, body })
  return respond(() => fn({ request, params, context }))
}

async function flashOf(response: Response): Promise<string | undefined> {
  const cookie = response.headers.get('Set-Cookie')?.split(';')[0]
  const { flash } = await takeFlash(new Request('http://localhost/', { headers: { Cookie: cookie ?? '' } }))
  return flash?.message
}

const stripeAccountOf = async (organisationId: number) => (await db.selectFrom('organisations').select('stripe_account_id').where('id', '=', organisationId).executeTakeFirstOrThrow()).stripe_account_id

describe('/finance/organisations/:organisationId/stripe', () => {
  test('applicants and fund managers get 403 and change nothing', async () => {
    const award = await s.acceptedAward()
    const manager = await createUserWithRole(db, 'fund_manager')
    const url = `/finance/organisations/${award.organisationId}/stripe`
    const params = { organisationId: String(award.organisationId) }
    for (const userId of [applicant.id, award.adminUserId, manager.id]) {
      expect((await call(accountLoader, url, userId, params)).status).toBe(403)
      expect((await call(accountAction, url, userId, params, { intent: 'save', stripeAccountId: 'acct_Thief123' })).status).toBe(403)
    }
    expect(await stripeAccountOf(award.organisationId)).toBeNull()
  })

  test('a malformed id comes back beside the field with 400, and nothing is written', async () => {
    const award = await s.acceptedAward()
    const url = `/finance/organisations/${award.organisationId}/stripe`
    const params = { organisationId: String(award.organisationId) }
    for (const stripeAccountId of ['', '12345', 'acct_with space', 'acct_']) {
      const response = await call(accountAction, url, finance.id, params, { intent: 'save', stripeAccountId })
      expect(response.status).toBe(400)
      expect((await response.json()).error.stripeAccountId[0]).toMatch(/connected account ID/)
    }
    expect(await stripeAccountOf(award.organisationId)).toBeNull()
  })

  test('a finance officer records the account, sees whether Stripe will pay it out, and can remove it', async () => {
    const award = await s.acceptedAward()
    const account = fake.addConnectedAccount({ payouts_enabled: false })
    const url = `/finance/organisations/${award.organisationId}/stripe`
    const params = { organisationId: String(award.organisationId) }
    const saved = await call(accountAction, url, finance.id, params, { intent: 'save', stripeAccountId: account.id })
    expect(saved.status).toBe(302)
    expect(saved.headers.get('Location')).toBe(url)
    expect(await flashOf(saved)).toBe(`Stripe account ${account.id} recorded`)
    expect(await stripeAccountOf(award.organisationId)).toBe(account.id)
    const audit = await db.selectFrom('audit_events').select(['actor_user_id', 'entity_id']).where('action', '=', 'organisation.stripe_account_set').execute()
    expect(audit).toContainEqual({ actor_user_id: finance.id, entity_id: String(award.organisationId) })

    const page = await call(accountLoader, url, finance.id, params)
    expect(page.status).toBe(200)
    expect(await page.json()).toMatchObject({ organisation: { id: award.organisationId, stripeAccountId: account.id }, state: 'payouts_disabled' })
    account.payouts_enabled = true
    expect((await (await call(accountLoader, url, finance.id, params)).json()).state).toBe('ready')

    const removed = await call(accountAction, url, finance.id, params, { intent: 'remove' })
    expect(removed.status).toBe(302)
    expect(await stripeAccountOf(award.organisationId)).toBeNull()
  })

  test('an unknown organisation is 404', async () => {
    expect((await call(accountLoader, '/finance/organisations/999999/stripe', finance.id, { organisationId: '999999' })).status).toBe(404)
  })
})

describe('POST /finance/payment-runs/:runId/stripe', () => {
  async function approvedStripeRun() {
    const account = fake.addConnectedAccount()
    const award = await s.acceptedAward({ amountPence: 120_000, stripeAccountId: account.id })
    const run = await s.run(finance.id, award.trancheIds, 'stripe')
    return { run, trancheId: award.trancheIds[0] }
  }
  const send = (runId: number, userId: number) => call(sendAction, `/finance/payment-runs/${runId}/stripe`, userId, { runId: String(runId) }, {})
  const trancheStatus = async (id: number) => (await db.selectFrom('tranches').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status

  test('a run waiting for its second approval is refused with 409 and the reason', async () => {
    const account = fake.addConnectedAccount()
    const award = await s.acceptedAward({ amountPence: 700_000, stripeAccountId: account.id })
    const run = await s.run(finance.id, award.trancheIds, 'stripe')
    const response = await send(run.id, finance.id)
    expect(response.status).toBe(409)
    expect(await response.text()).toMatch(/waiting for a second finance officer to approve it/)
  })

  test('applicants get 403 and nothing reaches Stripe', async () => {
    const { run, trancheId } = await approvedStripeRun()
    const before = fake.requests.length
    expect((await send(run.id, applicant.id)).status).toBe(403)
    expect(fake.requests.length).toBe(before)
    expect(await trancheStatus(trancheId)).toBe('in_run')
  })

  test('a finance officer sends the transfers and is taken back to the run with a summary', async () => {
    const { run, trancheId } = await approvedStripeRun()
    const response = await send(run.id, finance.id)
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe(`/finance/payment-runs/${run.id}`)
    expect(await flashOf(response)).toBe('1 transfer sent. The run is sent: payments are marked paid when Stripe confirms them.')
    expect(await trancheStatus(trancheId)).toBe('sent')
    expect([...fake.transfers.values()].filter((t) => t.metadata.tranche_id === String(trancheId))).toHaveLength(1)
    // Posting again (a double click) sends nothing more: the run is sent.
    const again = await send(run.id, finance.id)
    expect(again.status).toBe(302)
    expect(await flashOf(again)).toBe('There were no transfers waiting to be sent. The run is sent: payments are marked paid when Stripe confirms them.')
    expect([...fake.transfers.values()].filter((t) => t.metadata.tranche_id === String(trancheId))).toHaveLength(1)
  })

  test('a transfer Stripe does not confirm is reported for retry, and the retry button sends it once', async () => {
    const { run, trancheId } = await approvedStripeRun()
    fake.failNext({ kind: 'status', status: 503 }, { method: 'POST', path: '/v1/transfers' })
    const first = await send(run.id, finance.id)
    expect(first.status).toBe(302)
    expect(await flashOf(first)).toMatch(/^1 transfer not confirmed by Stripe yet: nothing was paid twice/)
    expect(await trancheStatus(trancheId)).toBe('in_run')
    const retry = await send(run.id, finance.id)
    expect(await flashOf(retry)).toMatch(/^1 transfer sent\./)
    expect(fake.requests.filter((r) => r.path === '/v1/transfers' && r.idempotencyKey === `tranche_${trancheId}`)).toHaveLength(2)
  })

  test('without Stripe keys the post is refused with 409 and a GET goes back to the run', async () => {
    const { run } = await approvedStripeRun()
    delete process.env.STRIPE_SECRET_KEY
    resetEnvForTests()
    try {
      const response = await send(run.id, finance.id)
      expect(response.status).toBe(409)
      expect(await response.text()).toBe('Stripe is not set up on this site, so no transfers were sent.')
    } finally {
      process.env.STRIPE_SECRET_KEY = 'sk_test_commonpot'
      resetEnvForTests()
    }
    const get = await call(sendLoader, `/finance/payment-runs/${run.id}/stripe`, finance.id, { runId: String(run.id) })
    expect(get.status).toBe(302)
    expect(get.headers.get('Location')).toBe(`/finance/payment-runs/${run.id}`)
  })
})
