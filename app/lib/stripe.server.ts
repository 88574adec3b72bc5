/**
 * The Stripe client, built from the environment. Public donations (Stripe Checkout) are on only when
 * STRIPE_SECRET_KEY is set; the webhook needs STRIPE_WEBHOOK_SECRET too. STRIPE_API_BASE (e.g.
 * http://127.0.0.1:4010) points the real SDK at a Stripe-shaped server: tests use tests/fakes/stripe-server.ts.
 * Only this module and routes import the SDK; domain code receives plain values.
 */
import Stripe from 'stripe'
import { env } from './env.server.ts'

export type { Stripe }

export interface StripeClientConfig {
  secretKey: string
  /** A base URL such as http://127.0.0.1:4010 for a Stripe-shaped test server; Stripe's own API when absent. */
  apiBase?: string
  /** How long to wait for Stripe before giving up (the SDK's default is 80 seconds). */
  timeoutMs?: number
}

/** A Stripe client for the given key, talking to apiBase when set (with no automatic retries there). */
export function createStripeClient(config: StripeClientConfig): Stripe {
  const options: Stripe.StripeConfig = { timeout: config.timeoutMs ?? 20_000, appInfo: { name: 'Commonpot' } }
  if (config.apiBase) {
    const base = new URL(config.apiBase)
    const protocol = base.protocol === 'http:' ? 'http' : 'https'
    options.host = base.hostname
    options.port = base.port ? Number(base.port) : protocol === 'http' ? 80 : 443
    options.protocol = protocol
    options.maxNetworkRetries = 0
  }
  return new Stripe(config.secretKey, options)
}

let cached: { signature: string; client: Stripe } | undefined

/** The configured client, or null when STRIPE_SECRET_KEY is not set (donations are then not offered). */
export function stripeClient(): Stripe | null {
  const { STRIPE_SECRET_KEY: secretKey, STRIPE_API_BASE: apiBase } = env()
  if (!secretKey) return null
  const signature = `${secretKey}\n${apiBase ?? ''}`
  if (cached?.signature !== signature) cached = { signature, client: createStripeClient({ secretKey, apiBase }) }
  return cached.client
}

/** Whether the donate page may take donations: a secret key to create sessions and a webhook secret to record them. */
export function donationsConfigured(): boolean {
  const { STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET } = env()
  return !!STRIPE_SECRET_KEY && !!STRIPE_WEBHOOK_SECRET
}

export class StripeWebhookSignatureError extends Error {
  constructor(cause: unknown) {
    super('The Stripe-Signature header did not match the payload.', { cause })
    this.name = 'StripeWebhookSignatureError'
  }
}

/**
 * Verifies a webhook's signature on its raw body with the SDK and returns the event. Throws
 * StripeWebhookSignatureError on a missing or bad signature, or when no webhook secret is configured.
 */
export function verifyStripeWebhook(rawBody: string, signatureHeader: string | null): Stripe.Event {
  const secret = env().STRIPE_WEBHOOK_SECRET
  if (!secret || !signatureHeader) throw new StripeWebhookSignatureError(secret ? 'no signature' : 'no webhook secret configured')
  try {
    // constructEvent needs no network and no key: it checks the HMAC and the timestamp tolerance (5 minutes).
    return Stripe.webhooks.constructEvent(rawBody, signatureHeader, secret)
  } catch (error) {
    throw new StripeWebhookSignatureError(error)
  }
}
