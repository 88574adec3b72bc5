import Stripe from 'stripe'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { decodeStripeForm, signWebhook, startFakeStripe, type FakeStripe } from './stripe-server.ts'

let fake: FakeStripe
let stripe: Stripe

beforeEach(async () => {
  fake = await startFakeStripe()
  stripe = new Stripe('sk_test_fake', { ...fake.clientOptions(), timeout: 500 })
})

afterEach(async () => {
  await fake.close()
})

const donation = {
  mode: 'payment' as const,
  line_items: [{ quantity: 1, price_data: { currency: 'gbp', unit_amount: 2500, product_data: { name: 'Donation' } } }],
  metadata: { potId: '7' },
  success_url: 'http://localhost/done',
  cancel_url: 'http://localhost/cancelled',
}

describe('the fake Stripe server', () => {
  test('decodes Stripe bracket notation into objects and arrays', () => {
    expect(decodeStripeForm('a[b][0][c]=1&a[b][1][c]=2&a[d]=x&e=%C2%A3')).toEqual({ a: { b: [{ c: '1' }, { c: '2' }], d: 'x' }, e: '£' })
  })

  test('the real SDK creates a checkout session and the request is recorded with its idempotency key', async () => {
    const session = await stripe.checkout.sessions.create(donation, { idempotencyKey: 'donate-1' })
    expect(session).toMatchObject({ object: 'checkout.session', amount_total: 2500, currency: 'gbp', metadata: { potId: '7' } })
    expect(session.id).toMatch(/^cs_test_/)
    expect(session.url).toBe(`${fake.url}/checkout/${session.id}`)
    expect(fake.requests).toHaveLength(1)
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/v1/checkout/sessions', idempotencyKey: 'donate-1', apiKey: 'sk_test_fake' })
    expect((await stripe.checkout.sessions.retrieve(session.id)).id).toBe(session.id)
  })

  test('a repeated idempotency key replays the first response, and one reused with other parameters is refused', async () => {
    const first = await stripe.checkout.sessions.create(donation, { idempotencyKey: 'same-key' })
    const second = await stripe.checkout.sessions.create(donation, { idempotencyKey: 'same-key' })
    expect(second.id).toBe(first.id)
    expect(fake.checkoutSessions.size).toBe(1)
    await expect(stripe.checkout.sessions.create({ ...donation, metadata: { potId: '8' } }, { idempotencyKey: 'same-key' })).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
    })
  })

  test('a simulated 500 reaches the SDK as an API error and the next request succeeds', async () => {
    fake.failNext({ kind: 'status', status: 500 })
    await expect(stripe.checkout.sessions.create(donation)).rejects.toMatchObject({ type: 'StripeAPIError', statusCode: 500 })
    await expect(stripe.checkout.sessions.create(donation)).resolves.toMatchObject({ amount_total: 2500 })
  })

  test('a simulated timeout reaches the SDK as a connection error', async () => {
    fake.failNext({ kind: 'timeout' }, { method: 'POST', path: '/v1/checkout/sessions' })
    await expect(stripe.checkout.sessions.create(donation)).rejects.toMatchObject({ type: 'StripeConnectionError' })
    expect(fake.requests).toHaveLength(1)
  })

  test('new endpoints are added through the route table', async () => {
    fake.route('POST', '/v1/payouts', (request) => ({
      status: 200,
      body: { id: 'po_test_1', object: 'payout', amount: Number(request.params.amount), currency: request.params.currency },
    }))
    const payout = await stripe.payouts.create({ amount: 100000, currency: 'gbp' })
    expect(payout).toMatchObject({ id: 'po_test_1', amount: 100000 })
  })

  test('a completed session gives a checkout.session.completed event that the SDK can sign and verify', async () => {
    const session = await stripe.checkout.sessions.create(donation)
    const event = fake.completeCheckoutSession(session.id)
    expect(event.data.object).toMatchObject({ id: session.id, payment_status: 'paid', amount_total: 2500 })
    const payload = JSON.stringify(event)
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_test' })
    expect(stripe.webhooks.constructEvent(payload, header, 'whsec_test').id).toBe(event.id)
  })
})

describe('Stripe Connect transfers in the fake', () => {
  const transfer = (destination: string, amount = 250_000) => ({
    amount,
    currency: 'gbp',
    destination,
    transfer_group: 'PR-2027-0001',
    metadata: { tranche_id: '12', reference: 'TCF-2026-00006/1' },
  })

  test('a transfer to a connected account is created, kept, and can be read back', async () => {
    const account = fake.addConnectedAccount()
    const created = await stripe.transfers.create(transfer(account.id), { idempotencyKey: 'tranche_12' })
    expect(created.id).toMatch(/^tr_/)
    expect(created).toMatchObject({ object: 'transfer', amount: 250_000, currency: 'gbp', destination: account.id, transfer_group: 'PR-2027-0001', metadata: { tranche_id: '12', reference: 'TCF-2026-00006/1' }, reversed: false })
    expect([...fake.transfers.keys()]).toEqual([created.id])
    expect((await stripe.transfers.retrieve(created.id)).amount).toBe(250_000)
    expect(fake.requests.at(-2)).toMatchObject({ path: '/v1/transfers', idempotencyKey: 'tranche_12' })
  })

  test('a repeated key replays the first transfer; the same key for a different amount is refused', async () => {
    const account = fake.addConnectedAccount()
    const first = await stripe.transfers.create(transfer(account.id), { idempotencyKey: 'tranche_7' })
    const again = await stripe.transfers.create(transfer(account.id), { idempotencyKey: 'tranche_7' })
    expect(again.id).toBe(first.id)
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true')
    await expect(stripe.transfers.create(transfer(account.id, 1), { idempotencyKey: 'tranche_7' })).rejects.toMatchObject({ type: 'StripeIdempotencyError' })
    expect(fake.transfers.size).toBe(1)
  })

  test('an unknown destination is refused with Stripe\'s error shape and creates nothing', async () => {
    const error = await stripe.transfers.create(transfer('acct_nobody')).catch((e: unknown) => e)
    expect(error).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, code: 'resource_missing', param: 'destination', message: "No such destination: 'acct_nobody'" })
    expect(fake.transfers.size).toBe(0)
  })

  test('a transfer above the platform balance is refused as balance_insufficient', async () => {
    const account = fake.addConnectedAccount()
    fake.availableBalancePence = 100_000
    await expect(stripe.transfers.create(transfer(account.id, 100_001))).rejects.toMatchObject({ statusCode: 400, code: 'balance_insufficient' })
    await stripe.transfers.create(transfer(account.id, 100_000))
    expect(fake.availableBalancePence).toBe(0)
  })

  test('drop_after_processing creates the transfer but the SDK hears only a broken connection; the same key then replays it', async () => {
    const account = fake.addConnectedAccount()
    fake.failNext({ kind: 'drop_after_processing' }, { method: 'POST', path: '/v1/transfers' })
    await expect(stripe.transfers.create(transfer(account.id), { idempotencyKey: 'tranche_9' })).rejects.toMatchObject({ type: 'StripeConnectionError' })
    // The SDK retried the reset connection once by itself, with the same key; both were dropped.
    expect(fake.requests.filter((r) => r.idempotencyKey === 'tranche_9')).toHaveLength(2)
    expect(fake.transfers.size).toBe(1)
    const replayed = await stripe.transfers.create(transfer(account.id), { idempotencyKey: 'tranche_9' })
    expect(replayed.id).toBe([...fake.transfers.keys()][0])
    expect(fake.transfers.size).toBe(1)
  })

  test('a timeout does not create the transfer', async () => {
    const account = fake.addConnectedAccount()
    fake.failNext({ kind: 'timeout' })
    await expect(stripe.transfers.create(transfer(account.id), { idempotencyKey: 'tranche_10' })).rejects.toMatchObject({ type: 'StripeConnectionError' })
    expect(fake.transfers.size).toBe(0)
  })

  test('connected accounts are read back; an unknown one is 404 resource_missing', async () => {
    const account = fake.addConnectedAccount({ payouts_enabled: false, business_profile: { name: 'Hackney Food Hub' } })
    expect(await stripe.accounts.retrieve(account.id)).toMatchObject({ id: account.id, payouts_enabled: false, charges_enabled: true, business_profile: { name: 'Hackney Food Hub' } })
    await expect(stripe.accounts.retrieve('acct_missing')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' })
  })

  test('transfer events are built, reversed in full for transfer.reversed, and signed so the SDK verifies them', async () => {
    const account = fake.addConnectedAccount()
    const created = await stripe.transfers.create(transfer(account.id))
    const event = fake.transferEvent('transfer.created', created.id)
    expect(event).toMatchObject({ object: 'event', type: 'transfer.created', data: { object: { id: created.id, reversed: false } } })
    const reversed = fake.transferEvent('transfer.reversed', created.id)
    expect(reversed.data.object).toMatchObject({ reversed: true, amount_reversed: 250_000 })
    expect(reversed.data.object.reversals.data).toHaveLength(1)
    expect(event.data.object.reversed).toBe(false)
    const { payload, signature } = signWebhook(reversed, 'whsec_test')
    expect(stripe.webhooks.constructEvent(payload, signature, 'whsec_test')).toMatchObject({ id: reversed.id, type: 'transfer.reversed' })
  })
})
