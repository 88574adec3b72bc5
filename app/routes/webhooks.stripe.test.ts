import Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { signWebhook, startFakeStripe, type FakeStripe } from '../../tests/fakes/stripe-server.ts'
import { createUser } from '../../tests/factories/organisations.ts'
import { createPaymentScenario } from '../../tests/factories/payments.ts'
import { createUserWithRole } from '../../tests/factories/sessions.ts'
import { PUBLIC_FUNDER_NAME } from '~/domain/budgets/donations.server.ts'
import { verifyLedger } from '~/domain/budgets/ledger.server.ts'
import { createPot, openPot } from '~/domain/budgets/pots.server.ts'
import { potDashboard } from '~/domain/budgets/reports.server.ts'
import { createFunder } from '~/domain/funds/funds.server.ts'
import { sendRunTransfers } from '~/domain/payments/stripe-transfers.server.ts'
import { db } from '~/lib/db.server.ts'
import { resetEnvForTests } from '~/lib/env.server.ts'
import { action as donateAction, loader as donateLoader } from './pots.$potId.donate.tsx'
import { action as webhookAction } from './webhooks.stripe.ts'

const context = { cspNonce: '', clientIp: '127.0.0.1' }
const WEBHOOK_SECRET = 'whsec_test_commonpot'
let fake: FakeStripe
let stripe: Stripe
let potId: number

beforeAll(async () => {
  fake = await startFakeStripe()
  stripe = new Stripe('sk_test_commonpot', fake.clientOptions())
  process.env.STRIPE_SECRET_KEY = 'sk_test_commonpot'
  process.env.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
  process.env.STRIPE_API_BASE = fake.url
  resetEnvForTests()
  const manager = await createUser(db)
  potId = await db.transaction().execute(async (trx) => {
    const host = await createFunder(trx, null, { name: 'NHS Test ICB', kind: 'nhs', orgIdentifier: null, placeId: null })
    const pot = await createPot(trx, manager.id, {
      name: 'Dementia choirs pot',
      placeId: null,
      hostFunderId: host.id,
      poolManagerUserId: manager.id,
      financialYear: '2026-27',
      availableBasis: 'received',
      yearEndPolicy: 'carry_forward',
    })
    await openPot(trx, manager.id, pot.id)
    return pot.id
  })
})

afterAll(async () => {
  delete process.env.STRIPE_SECRET_KEY
  delete process.env.STRIPE_WEBHOOK_SECRET
  delete process.env.STRIPE_API_BASE
  resetEnvForTests()
  await fake.close()
})

function donate(body: Record<string, string>) {
  const request = new Request(`http://localhost/pots/${potId}/donate`, { method: 'POST', body: new URLSearchParams(body), headers: { Origin: 'http://localhost' } })
  return donateAction({ request, params: { potId: String(potId) }, context })
}

function webhook(payload: string, signature: string | null) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  if (signature) headers['Stripe-Signature'] = signature
  return webhookAction({ request: new Request('http://localhost/webhooks/stripe', { method: 'POST', body: payload, headers }), params: {}, context })
}

const signed = (payload: string) => stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET })

async function counts() {
  const [events, receipts, entries] = await Promise.all([
    db.selectFrom('webhook_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('contribution_receipts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('ledger_entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ])
  return { events: Number(events.n), receipts: Number(receipts.n), entries: Number(entries.n) }
}

const TOKEN = 'a'.repeat(32)

describe('POST /pots/:potId/donate', () => {
  test('creates a GBP Checkout Session for the amount in pence, tagged with the pot, and sends the donor to it', async () => {
    const response = await donate({ amount: '£25.50', donorName: 'Ada Donor', formToken: TOKEN })
    expect(response.status).toBe(302)
    const request = fake.requests.at(-1)!
    expect(request).toMatchObject({ method: 'POST', path: '/v1/checkout/sessions', idempotencyKey: `donate:${potId}:${TOKEN}:2550` })
    expect(request.params).toMatchObject({
      mode: 'payment',
      line_items: [{ quantity: '1', price_data: { currency: 'gbp', unit_amount: '2550' } }],
      metadata: { potId: String(potId), donorName: 'Ada Donor' },
      success_url: `http://localhost/pots/${potId}/donate?thanks=1`,
      cancel_url: `http://localhost/pots/${potId}/donate?cancelled=1`,
    })
    const session = [...fake.checkoutSessions.values()].at(-1)!
    expect(response.headers.get('Location')).toBe(session.url)
  })

  test('refuses a malformed or negative amount with a message next to the field, and calls Stripe for nothing', async () => {
    const before = fake.requests.length
    for (const amount of ['-5', 'ten pounds', '0.50', '1.234']) {
      const response = await donate({ amount, formToken: TOKEN })
      expect(response.status).toBe(400)
      const body = await response.json()
      expect(body.error?.amount?.[0]).toMatch(/amount/i)
    }
    expect(fake.requests.length).toBe(before)
  })

  test('says nothing was charged when Stripe answers with an error', async () => {
    fake.failNext({ kind: 'status', status: 500 })
    const response = await donate({ amount: '10', formToken: TOKEN })
    expect(response.status).toBe(502)
    expect((await response.json()).error?.['']).toEqual(['We could not reach our payment provider, so nothing was charged. Please try again in a few minutes.'])
  })

  test('the page offers the form when donations are configured', async () => {
    const response = await donateLoader({ request: new Request(`http://localhost/pots/${potId}/donate`), params: { potId: String(potId) }, context })
    expect(await response.json()).toMatchObject({ configured: true, pot: { id: potId, name: 'Dementia choirs pot', takingDonations: true } })
  })
})

describe('POST /webhooks/stripe', () => {
  test('a signed checkout.session.completed records the donation into the pot as a public contribution', async () => {
    await donate({ amount: '40', formToken: 'b'.repeat(32) })
    const session = [...fake.checkoutSessions.values()].at(-1)!
    const payload = JSON.stringify(fake.completeCheckoutSession(session.id))
    const response = await webhook(payload, signed(payload))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ received: true, recorded: true })
    const dashboard = await potDashboard(db, potId)
    const publicMoney = dashboard.contributions.find((c) => c.funderName === PUBLIC_FUNDER_NAME)!
    expect(publicMoney.figures).toMatchObject({ pledgedPence: 4000, receivedPence: 4000, availablePence: 4000 })
    const funder = await db.selectFrom('funders').select('kind').where('name', '=', PUBLIC_FUNDER_NAME).executeTakeFirstOrThrow()
    expect(funder.kind).toBe('public')
  })

  test('a replayed event is recorded once and answered 200 both times', async () => {
    await donate({ amount: '15', formToken: 'c'.repeat(32) })
    const session = [...fake.checkoutSessions.values()].at(-1)!
    const payload = JSON.stringify(fake.completeCheckoutSession(session.id))
    const first = await webhook(payload, signed(payload))
    const afterFirst = await counts()
    const second = await webhook(payload, signed(payload))
    expect([first.status, second.status]).toEqual([200, 200])
    expect(await second.json()).toEqual({ received: true, recorded: false })
    expect(await counts()).toEqual(afterFirst)
    const dashboard = await potDashboard(db, potId)
    expect(dashboard.contributions.find((c) => c.funderName === PUBLIC_FUNDER_NAME)!.figures).toMatchObject({ pledgedPence: 5500, receivedPence: 5500 })
    expect((await verifyLedger(db)).ok).toBe(true)
  })

  test('the same event delivered twice at once is recorded once', async () => {
    await donate({ amount: '12', formToken: 'f'.repeat(32) })
    const session = [...fake.checkoutSessions.values()].at(-1)!
    const payload = JSON.stringify(fake.completeCheckoutSession(session.id))
    const before = await counts()
    const responses = await Promise.all([webhook(payload, signed(payload)), webhook(payload, signed(payload)), webhook(payload, signed(payload))])
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200])
    const recorded = await Promise.all(responses.map(async (r) => ((await r.json()) as { recorded?: boolean }).recorded))
    expect(recorded.filter(Boolean)).toHaveLength(1)
    const after = await counts()
    expect([after.events - before.events, after.receipts - before.receipts]).toEqual([1, 1])
  })

  test('a second event about the same payment does not record it twice', async () => {
    await donate({ amount: '7', formToken: 'd'.repeat(32) })
    const session = [...fake.checkoutSessions.values()].at(-1)!
    const event = fake.completeCheckoutSession(session.id)
    const payload = JSON.stringify(event)
    await webhook(payload, signed(payload))
    const before = await counts()
    const again = JSON.stringify({ ...event, id: 'evt_test_other', type: 'checkout.session.async_payment_succeeded' })
    const response = await webhook(again, signed(again))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ received: true, recorded: false })
    expect((await counts()).receipts).toBe(before.receipts)
  })

  test('a bad, missing or stale signature is refused with 400 and changes nothing', async () => {
    await donate({ amount: '99', formToken: 'e'.repeat(32) })
    const session = [...fake.checkoutSessions.values()].at(-1)!
    const payload = JSON.stringify(fake.completeCheckoutSession(session.id))
    const before = await counts()
    const forged = stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_someone_else' })
    const stale = stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - 3600 })
    const tampered = payload.replace('"amount_total":9900', '"amount_total":990000')
    for (const [body, signature] of [[payload, forged], [payload, stale], [payload, null], [tampered, signed(payload)]] as const) {
      const response = await webhook(body, signature)
      expect(response.status).toBe(400)
    }
    expect(await counts()).toEqual(before)
  })

  test('events that are not paid donations are acknowledged and ignored', async () => {
    const before = await counts()
    const other = JSON.stringify({ id: 'evt_test_ignored', object: 'event', type: 'customer.created', created: 1, data: { object: { id: 'cus_1' } } })
    const response = await webhook(other, signed(other))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ received: true, recorded: false })
    expect(await counts()).toEqual(before)
  })
})

describe('without Stripe keys', () => {
  test('the page says donations are not configured and a post creates nothing', async () => {
    delete process.env.STRIPE_SECRET_KEY
    resetEnvForTests()
    try {
      const response = await donateLoader({ request: new Request(`http://localhost/pots/${potId}/donate`), params: { potId: String(potId) }, context })
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ configured: false })
      const before = fake.requests.length
      expect((await donate({ amount: '10', formToken: TOKEN })).status).toBe(409)
      expect(fake.requests.length).toBe(before)
    } finally {
      process.env.STRIPE_SECRET_KEY = 'sk_test_commonpot'
      resetEnvForTests()
    }
  })

  test('an unknown pot is 404', async () => {
    const response = await donateLoader({ request: new Request('http://localhost/pots/999999/donate'), params: { potId: '999999' }, context }).catch((r: Response) => r)
    expect(response.status).toBe(404)
  })
})

describe('POST /webhooks/stripe: Connect transfers paying tranches', () => {
  async function sentTranche() {
    const s = await createPaymentScenario(db)
    const finance = await createUserWithRole(db, 'finance_officer')
    const account = fake.addConnectedAccount()
    const award = await s.acceptedAward({ amountPence: 250_000, stripeAccountId: account.id })
    const run = await s.run(finance.id, award.trancheIds, 'stripe')
    await sendRunTransfers(db, stripe, finance.id, run.id)
    const trancheId = award.trancheIds[0]
    const transfer = [...fake.transfers.values()].find((t) => t.metadata.tranche_id === String(trancheId))!
    return { trancheId, transfer, runId: run.id }
  }
  const tranche = async (id: number) => db.selectFrom('tranches').select(['status', 'attempt', 'failure_reason']).where('id', '=', id).executeTakeFirstOrThrow()
  const paidEntries = async (id: number) => db.selectFrom('ledger_entries').select('id').where('ref_type', '=', 'tranche').where('ref_id', '=', id).execute()

  test('a signed transfer.created marks the tranche paid once; the same event again answers 200 and moves nothing', async () => {
    const { trancheId, transfer, runId } = await sentTranche()
    const { payload, signature } = signWebhook(fake.transferEvent('transfer.created', transfer.id), WEBHOOK_SECRET)
    const first = await webhook(payload, signature)
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ received: true, recorded: true })
    expect(await tranche(trancheId)).toMatchObject({ status: 'paid' })
    const entries = (await paidEntries(trancheId)).length
    expect(entries).toBeGreaterThan(0)
    const second = await webhook(payload, signWebhook(JSON.parse(payload), WEBHOOK_SECRET).signature)
    expect(second.status).toBe(200)
    expect(await second.json()).toEqual({ received: true, recorded: false })
    expect(await paidEntries(trancheId)).toHaveLength(entries)
    expect((await db.selectFrom('payment_runs').select('status').where('id', '=', runId).executeTakeFirstOrThrow()).status).toBe('completed')
    expect((await verifyLedger(db)).ok).toBe(true)
  })

  test('a signed transfer.reversed puts the tranche back in the schedule and reverses the money', async () => {
    const { trancheId, transfer } = await sentTranche()
    const created = signWebhook(fake.transferEvent('transfer.created', transfer.id), WEBHOOK_SECRET)
    await webhook(created.payload, created.signature)
    const reversed = signWebhook(fake.transferEvent('transfer.reversed', transfer.id), WEBHOOK_SECRET)
    const response = await webhook(reversed.payload, reversed.signature)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ received: true, recorded: true })
    expect(await tranche(trancheId)).toEqual({ status: 'scheduled', attempt: 1, failure_reason: 'Stripe reversed the transfer' })
    const entries = await db.selectFrom('ledger_entries').select(['reason_code', 'amount_pence']).where('ref_type', '=', 'tranche').where('ref_id', '=', trancheId).execute()
    const total = (reason: string) => entries.filter((e) => e.reason_code === reason).reduce((sum, e) => sum + Number(e.amount_pence), 0)
    expect([total('award.paid'), total('award.payment_reversed')]).toEqual([250_000, 250_000])
    expect((await verifyLedger(db)).ok).toBe(true)
  })

  test('a forged transfer event is refused with 400 and changes nothing', async () => {
    const { trancheId, transfer } = await sentTranche()
    const { payload } = signWebhook(fake.transferEvent('transfer.created', transfer.id), WEBHOOK_SECRET)
    const forged = signWebhook(JSON.parse(payload), 'whsec_someone_else')
    expect((await webhook(payload, forged.signature)).status).toBe(400)
    expect(await tranche(trancheId)).toMatchObject({ status: 'sent' })
  })

  test('an event about a transfer Commonpot did not make is acknowledged and ignored', async () => {
    const account = fake.addConnectedAccount()
    const other = await stripe.transfers.create({ amount: 900, currency: 'gbp', destination: account.id })
    const before = await counts()
    const { payload, signature } = signWebhook(fake.transferEvent('transfer.created', other.id), WEBHOOK_SECRET)
    const response = await webhook(payload, signature)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ received: true, recorded: false })
    expect((await counts()).entries).toBe(before.entries)
  })
})
