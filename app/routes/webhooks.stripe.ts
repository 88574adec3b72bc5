import { json, type ActionFunctionArgs } from '@remix-run/node'
import { recordDonation } from '~/domain/budgets/donations.server.ts'
import { recordTransferEvent, TRANSFER_EVENT_TYPES, type TransferEvent } from '~/domain/payments/stripe-transfers.server.ts'
import { ukToday } from '~/domain/places/places.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { StripeWebhookSignatureError, verifyStripeWebhook, type Stripe } from '~/lib/stripe.server.ts'

/** The events that mean a donation's money has arrived. */
const PAID_EVENTS = new Set(['checkout.session.completed', 'checkout.session.async_payment_succeeded'])
/** The events about Connect transfers paying a tranche: created (paid), reversed, failed. */
const TRANSFER_EVENTS = new Set<string>(TRANSFER_EVENT_TYPES)

/**
 * POST /webhooks/stripe: Stripe's events, authenticated by signature (exempt from the Origin check in server.mjs).
 * The signature is checked on the raw body before anything is read from it: a bad one is refused (400) and changes
 * nothing. A paid Checkout Session for a pot is recorded as a donation exactly once (a replayed event answers 200 and
 * records nothing). A transfer event moves the tranche it pays (paid, or back to the schedule when it failed or was
 * reversed), also exactly once per event id. Events we do not use are acknowledged (200) so Stripe stops sending them.
 */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return json({ error: 'Use POST.' }, { status: 405, headers: { Allow: 'POST' } })
  const rawBody = await request.text()
  let event: Stripe.Event
  try {
    event = verifyStripeWebhook(rawBody, request.headers.get('Stripe-Signature'))
  } catch (e) {
    if (e instanceof StripeWebhookSignatureError) return json({ error: 'The signature did not match.' }, { status: 400 })
    throw e
  }
  if (TRANSFER_EVENTS.has(event.type)) return transferEvent(event as unknown as TransferEvent)
  if (!PAID_EVENTS.has(event.type)) return json({ received: true, recorded: false })
  const session = event.data.object as Stripe.Checkout.Session
  const potId = Number(session.metadata?.potId)
  if (session.payment_status !== 'paid' || !Number.isSafeInteger(potId) || potId <= 0 || !session.amount_total) {
    return json({ received: true, recorded: false })
  }
  try {
    const result = await db.transaction().execute((trx) =>
      recordDonation(trx, {
        eventId: event.id,
        eventType: event.type,
        checkoutSessionId: session.id,
        potId,
        amountPence: session.amount_total!,
        currency: session.currency ?? '',
        receivedOn: ukToday(new Date(event.created * 1000)),
      }),
    )
    return json({ received: true, recorded: result.recorded })
  } catch (e) {
    // Not recorded (e.g. the pot has closed): answer with the error's status so Stripe shows the failure and retries.
    if (e instanceof DomainError) return json({ error: e.message }, { status: e.status })
    throw e
  }
}

async function transferEvent(event: TransferEvent) {
  try {
    const result = await db.transaction().execute((trx) => recordTransferEvent(trx, event))
    return json({ received: true, recorded: result.recorded })
  } catch (e) {
    // Not recorded (e.g. the tranche is in a state that cannot be paid): Stripe shows the failure and retries.
    if (e instanceof DomainError) return json({ error: e.message }, { status: e.status })
    throw e
  }
}
