import Stripe from 'stripe'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { decodeStripeForm, startFakeStripe, type FakeStripe } from './stripe-server.ts'

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
    fake.route('POST', '/v1/transfers', (request) => ({
      status: 200,
      body: { id: 'tr_test_1', object: 'transfer', amount: Number(request.params.amount), currency: request.params.currency, destination: request.params.destination },
    }))
    const transfer = await stripe.transfers.create({ amount: 100000, currency: 'gbp', destination: 'acct_123' })
    expect(transfer).toMatchObject({ id: 'tr_test_1', amount: 100000, destination: 'acct_123' })
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
