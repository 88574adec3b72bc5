/**
 * A local Stripe-shaped HTTP server on 127.0.0.1, so the real `stripe` SDK can be tested without a network. It speaks
 * the parts of Stripe's API the app uses: form-encoded POST bodies (`line_items[0][price_data][currency]=gbp`), JSON
 * responses, Stripe's error shape, and Stripe's idempotency (a repeated Idempotency-Key replays the first response;
 * the same key with different parameters is refused with an idempotency_error, as Stripe does).
 *
 *   const fake = await startFakeStripe()
 *   const stripe = new Stripe('sk_test_x', fake.clientOptions())
 *   await stripe.checkout.sessions.create({ ... })
 *   fake.requests[0].idempotencyKey        // what the SDK sent
 *   fake.failNext({ kind: 'status', status: 500 })  // the next request gets a 500
 *   fake.failNext({ kind: 'timeout' })              // the next request is never answered
 *   fake.failNext({ kind: 'drop_after_processing' }) // the next request is carried out, then the connection dropped
 *   await fake.close()
 *
 * Stripe Connect payouts (issue 6): `fake.addConnectedAccount()` opens a connected account (GET /v1/accounts/:id);
 * POST /v1/transfers moves money to one (kept in `fake.transfers`; an unknown destination is refused as Stripe does);
 * `fake.transferEvent('transfer.reversed', id)` gives the event Stripe would send, and `signWebhook(event, secret)`
 * signs it with the SDK for the webhook route.
 *
 * Routes live in a table: add a new Stripe endpoint with
 * `fake.route('POST', '/v1/payouts', (request, fake) => ({ status: 200, body: {...} }))`. Path segments starting with
 * a colon are parameters (`/v1/checkout/sessions/:id`).
 */
import crypto from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Stripe from 'stripe'

/** A form-decoded parameter value: Stripe's bracket notation turned back into objects and arrays. */
export type FormValue = string | FormValue[] | { [key: string]: FormValue }
export type FormParams = { [key: string]: FormValue }

export interface RecordedStripeRequest {
  method: string
  /** The path without the query string, e.g. /v1/checkout/sessions. */
  path: string
  /** Parameters from the form body (POST) or the query string (GET), decoded from bracket notation. */
  params: FormParams
  /** Path parameters from the route pattern (`:id`). */
  pathParams: Record<string, string>
  idempotencyKey: string | null
  /** The bearer token the SDK sent (the secret key). */
  apiKey: string | null
  headers: http.IncomingHttpHeaders
  rawBody: string
}

export interface FakeStripeResponse {
  status: number
  body: unknown
}

export type FakeStripeHandler = (request: RecordedStripeRequest, fake: FakeStripe) => FakeStripeResponse

export type FakeStripeFailure =
  /** The request is read and recorded but never answered (the client's timeout fires). */
  | { kind: 'timeout' }
  /** The request is answered with this status and a Stripe-shaped error body. */
  | { kind: 'status'; status: number; message?: string }
  /**
   * The request is carried out (a transfer is created, its idempotent response stored) and then the connection is
   * dropped without an answer: Stripe accepted it but the client never heard, as in a crash or a network cut. The SDK
   * retries a reset connection once by itself with the same Idempotency-Key; that retry is dropped too (after
   * replaying), so the caller ends with a StripeConnectionError while Stripe holds the transfer.
   */
  | { kind: 'drop_after_processing'; /** set on the follow-up that catches the SDK's own retry */ retry?: boolean }

export interface FakeCheckoutSession {
  id: string
  object: 'checkout.session'
  mode: string
  currency: string
  amount_total: number
  metadata: Record<string, string>
  success_url: string | null
  cancel_url: string | null
  client_reference_id: string | null
  status: 'open' | 'complete'
  payment_status: 'unpaid' | 'paid'
  payment_intent: string | null
  url: string | null
  created: number
  line_items: FormValue[]
}

export interface FakeConnectedAccount {
  id: string
  object: 'account'
  type: 'express' | 'standard' | 'custom'
  country: string
  default_currency: string
  business_profile: { name: string | null }
  charges_enabled: boolean
  payouts_enabled: boolean
  details_submitted: boolean
  created: number
}

export interface FakeTransfer {
  id: string
  object: 'transfer'
  amount: number
  amount_reversed: number
  currency: string
  destination: string
  transfer_group: string | null
  description: string | null
  metadata: Record<string, string>
  reversed: boolean
  reversals: { object: 'list'; data: FakeTransferReversal[]; has_more: false; url: string }
  livemode: false
  created: number
}

export interface FakeTransferReversal {
  id: string
  object: 'transfer_reversal'
  amount: number
  currency: string
  transfer: string
  created: number
}

export type FakeTransferEventType = 'transfer.created' | 'transfer.reversed' | 'transfer.failed'

export interface FakeStripeEvent<T extends string = string, O = unknown> {
  id: string
  object: 'event'
  type: T
  created: number
  livemode: false
  data: { object: O }
}

export interface FakeStripe {
  port: number
  /** http://127.0.0.1:<port>, ready for STRIPE_API_BASE. */
  url: string
  /** Every request received, in order (including ones that were made to fail). */
  requests: RecordedStripeRequest[]
  checkoutSessions: Map<string, FakeCheckoutSession>
  /** Connected accounts (Stripe Connect) known to this platform, by id. */
  connectedAccounts: Map<string, FakeConnectedAccount>
  /** Transfers created through POST /v1/transfers, by id, in creation order. */
  transfers: Map<string, FakeTransfer>
  /** The platform's available balance in pence; a transfer above it is refused (balance_insufficient). Unlimited when null. */
  availableBalancePence: number | null
  /** Options for `new Stripe(key, options)` that point the real SDK at this server. */
  clientOptions(): { host: string; port: number; protocol: 'http'; maxNetworkRetries: number }
  /** Adds (or replaces) the handler for a method and path pattern. */
  route(method: string, pattern: string, handler: FakeStripeHandler): void
  /** Makes the next request (or the next one matching method and path) fail this way. */
  failNext(failure: FakeStripeFailure, match?: { method?: string; path?: string }): void
  /**
   * Marks a checkout session paid and returns the `checkout.session.completed` event Stripe would send to the
   * webhook endpoint (sign it with `stripe.webhooks.generateTestHeaderString`).
   */
  completeCheckoutSession(sessionId: string): { id: string; object: 'event'; type: 'checkout.session.completed'; created: number; data: { object: FakeCheckoutSession } }
  /** Opens a connected account (payouts and charges enabled unless said otherwise) and returns it. */
  addConnectedAccount(overrides?: Partial<Omit<FakeConnectedAccount, 'object'>>): FakeConnectedAccount
  /** Reverses a transfer in full (as a platform does from its dashboard) and returns it. */
  reverseTransfer(transferId: string): FakeTransfer
  /**
   * The event Stripe would send about a transfer: `transfer.created` as it is, `transfer.reversed` after reversing it
   * in full (unless it already is), `transfer.failed` as it is. Sign it with `signWebhook`.
   */
  transferEvent<T extends FakeTransferEventType>(type: T, transferId: string): FakeStripeEvent<T, FakeTransfer>
  /** A Stripe-style object id with a random tail: `newId('cs_test')` gives `cs_test_a1b2...`. */
  newId(prefix: string): string
  close(): Promise<void>
}

interface Route {
  method: string
  segments: string[]
  handler: FakeStripeHandler
}

interface PendingFailure {
  failure: FakeStripeFailure
  match: { method?: string; path?: string; idempotencyKey?: string }
}

/** Decodes `a[b][0][c]=1&a[d]=2` into `{ a: { b: [{ c: '1' }], d: '2' } }`, as Stripe's server reads it. */
export function decodeStripeForm(text: string): FormParams {
  const root: FormParams = {}
  for (const [key, value] of new URLSearchParams(text)) {
    const path = key.split(/\[|\]\[|\]/).filter((part) => part !== '')
    let node: Record<string, FormValue> | FormValue[] = root
    path.forEach((part, i) => {
      const last = i === path.length - 1
      const container = node as Record<string, FormValue>
      if (last) {
        container[part] = value
        return
      }
      const nextIsIndex = /^\d+$/.test(path[i + 1])
      container[part] ??= nextIsIndex ? [] : {}
      node = container[part] as Record<string, FormValue> | FormValue[]
    })
  }
  return root
}

function stripeError(
  status: number,
  message: string,
  type = status >= 500 ? 'api_error' : 'invalid_request_error',
  extra: { code?: string; param?: string } = {},
): FakeStripeResponse {
  return { status, body: { error: { type, message, ...extra } } }
}

/**
 * Signs an event as Stripe signs webhook deliveries (through the SDK's own test helper), returning the exact payload
 * to send and its Stripe-Signature header.
 */
export function signWebhook(event: unknown, secret: string, options: { timestamp?: number } = {}): { payload: string; signature: string } {
  const payload = JSON.stringify(event)
  return { payload, signature: Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: options.timestamp }) }
}

function asString(value: FormValue | undefined): string | null {
  return typeof value === 'string' ? value : null
}

function asObject(value: FormValue | undefined): Record<string, FormValue> {
  return value !== undefined && typeof value === 'object' && !Array.isArray(value) ? value : {}
}

/** The amount a line item costs: price_data.unit_amount times quantity. */
function lineItemTotal(item: FormValue): number {
  const fields = asObject(item)
  const unitAmount = Number(asString(asObject(fields.price_data).unit_amount) ?? 0)
  const quantity = Number(asString(fields.quantity) ?? 1)
  return unitAmount * quantity
}

const createCheckoutSession: FakeStripeHandler = (request, fake) => {
  const p = request.params
  const lineItems = Array.isArray(p.line_items) ? p.line_items : []
  if (lineItems.length === 0) return stripeError(400, 'You must provide at least one line item.')
  const currencies = new Set(lineItems.map((item) => asString(asObject(asObject(item).price_data).currency)))
  if (currencies.size !== 1 || currencies.has(null)) return stripeError(400, 'Every line item needs the same currency.')
  const amountTotal = lineItems.reduce<number>((sum, item) => sum + lineItemTotal(item), 0)
  if (!Number.isSafeInteger(amountTotal) || amountTotal <= 0) return stripeError(400, 'The amount must be a positive whole number of the smallest currency unit.')
  const id = fake.newId('cs_test')
  const metadata = Object.fromEntries(Object.entries(asObject(p.metadata)).map(([k, v]) => [k, asString(v) ?? '']))
  const session: FakeCheckoutSession = {
    id,
    object: 'checkout.session',
    mode: asString(p.mode) ?? 'payment',
    currency: [...currencies][0]!,
    amount_total: amountTotal,
    metadata,
    success_url: asString(p.success_url),
    cancel_url: asString(p.cancel_url),
    client_reference_id: asString(p.client_reference_id),
    status: 'open',
    payment_status: 'unpaid',
    payment_intent: null,
    url: `${fake.url}/checkout/${id}`,
    created: Math.floor(Date.now() / 1000),
    line_items: lineItems,
  }
  fake.checkoutSessions.set(id, session)
  return { status: 200, body: session }
}

const retrieveCheckoutSession: FakeStripeHandler = (request, fake) => {
  const session = fake.checkoutSessions.get(request.pathParams.id)
  return session ? { status: 200, body: session } : stripeError(404, `No such checkout.session: '${request.pathParams.id}'`)
}

const createTransfer: FakeStripeHandler = (request, fake) => {
  const p = request.params
  const amount = Number(asString(p.amount))
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    return stripeError(400, 'Invalid positive integer', 'invalid_request_error', { code: 'parameter_invalid_integer', param: 'amount' })
  }
  const currency = asString(p.currency)
  if (currency !== 'gbp') return stripeError(400, `Invalid currency: ${currency ?? ''}. This platform transfers in gbp.`, 'invalid_request_error', { code: 'parameter_invalid_empty', param: 'currency' })
  const destination = asString(p.destination)
  if (!destination) return stripeError(400, 'Missing required param: destination.', 'invalid_request_error', { code: 'parameter_missing', param: 'destination' })
  if (!fake.connectedAccounts.has(destination)) {
    return stripeError(400, `No such destination: '${destination}'`, 'invalid_request_error', { code: 'resource_missing', param: 'destination' })
  }
  if (fake.availableBalancePence !== null) {
    if (amount > fake.availableBalancePence) {
      return stripeError(400, 'You have insufficient available funds in your Stripe account. Try adding funds directly to your available balance.', 'invalid_request_error', {
        code: 'balance_insufficient',
      })
    }
    fake.availableBalancePence -= amount
  }
  const id = fake.newId('tr')
  const transfer: FakeTransfer = {
    id,
    object: 'transfer',
    amount,
    amount_reversed: 0,
    currency,
    destination,
    transfer_group: asString(p.transfer_group),
    description: asString(p.description),
    metadata: Object.fromEntries(Object.entries(asObject(p.metadata)).map(([k, v]) => [k, asString(v) ?? ''])),
    reversed: false,
    reversals: { object: 'list', data: [], has_more: false, url: `/v1/transfers/${id}/reversals` },
    livemode: false,
    created: Math.floor(Date.now() / 1000),
  }
  fake.transfers.set(id, transfer)
  return { status: 200, body: transfer }
}

const retrieveTransfer: FakeStripeHandler = (request, fake) => {
  const transfer = fake.transfers.get(request.pathParams.id)
  return transfer
    ? { status: 200, body: transfer }
    : stripeError(404, `No such transfer: '${request.pathParams.id}'`, 'invalid_request_error', { code: 'resource_missing', param: 'id' })
}

const retrieveAccount: FakeStripeHandler = (request, fake) => {
  const account = fake.connectedAccounts.get(request.pathParams.id)
  return account
    ? { status: 200, body: account }
    : stripeError(404, `No such account: '${request.pathParams.id}'`, 'invalid_request_error', { code: 'resource_missing', param: 'account' })
}

function matchRoute(routes: Route[], method: string, path: string): { route: Route; pathParams: Record<string, string> } | null {
  const segments = path.split('/').filter(Boolean)
  for (const route of routes) {
    if (route.method !== method || route.segments.length !== segments.length) continue
    const pathParams: Record<string, string> = {}
    const matches = route.segments.every((s, i) => {
      if (s.startsWith(':')) {
        pathParams[s.slice(1)] = decodeURIComponent(segments[i])
        return true
      }
      return s === segments[i]
    })
    if (matches) return { route, pathParams }
  }
  return null
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

export async function startFakeStripe(): Promise<FakeStripe> {
  const routes: Route[] = []
  const failures: PendingFailure[] = []
  // Stripe replays the first response for a repeated key (per API key); we key by key + method + path.
  const idempotent = new Map<string, { rawBody: string; response: FakeStripeResponse }>()

  const server = http.createServer((req, res) => {
    void handle(req, res)
  })

  const send = (res: http.ServerResponse, response: FakeStripeResponse, extraHeaders: Record<string, string> = {}) => {
    res.writeHead(response.status, { 'Content-Type': 'application/json', 'Request-Id': fake.newId('req'), ...extraHeaders })
    res.end(JSON.stringify(response.body))
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rawBody = await readBody(req)
    const url = new URL(req.url ?? '/', fake.url)
    const method = (req.method ?? 'GET').toUpperCase()
    const authorization = req.headers.authorization ?? ''
    const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null
    const matched = matchRoute(routes, method, url.pathname)
    const recorded: RecordedStripeRequest = {
      method,
      path: url.pathname,
      params: decodeStripeForm(method === 'GET' || method === 'DELETE' ? url.search.slice(1) : rawBody),
      pathParams: matched?.pathParams ?? {},
      idempotencyKey,
      apiKey: authorization.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : null,
      headers: req.headers,
      rawBody,
    }
    fake.requests.push(recorded)

    const failureIndex = failures.findIndex(
      (f) =>
        (!f.match.method || f.match.method === method) &&
        (!f.match.path || f.match.path === url.pathname) &&
        (!f.match.idempotencyKey || f.match.idempotencyKey === idempotencyKey),
    )
    if (failureIndex >= 0) {
      const [{ failure }] = failures.splice(failureIndex, 1)
      if (failure.kind === 'timeout') return // never answered; close() destroys the connection
      if (failure.kind === 'drop_after_processing') {
        answer(recorded, matched, rawBody)
        // The SDK's own retry of a reset connection carries the same key: drop that one too (first in the queue).
        if (idempotencyKey && !failure.retry) failures.unshift({ failure: { ...failure, retry: true }, match: { method, path: url.pathname, idempotencyKey } })
        req.socket.destroy()
        return
      }
      send(res, stripeError(failure.status, failure.message ?? 'An error occurred with our connection to Stripe.'))
      return
    }
    const { response, headers } = answer(recorded, matched, rawBody)
    send(res, response, headers)
  }

  /** Carries out a request (or replays its idempotent first answer) and returns what Stripe would answer. */
  function answer(
    recorded: RecordedStripeRequest,
    matched: ReturnType<typeof matchRoute>,
    rawBody: string,
  ): { response: FakeStripeResponse; headers?: Record<string, string> } {
    const { method, path: pathname, idempotencyKey } = recorded
    if (!recorded.apiKey) return { response: stripeError(401, 'You did not provide an API key.', 'invalid_request_error') }
    if (!matched) return { response: stripeError(404, `Unrecognized request URL (${method}: ${pathname}).`) }
    const replayKey = idempotencyKey && method === 'POST' ? `${recorded.apiKey} ${method} ${pathname} ${idempotencyKey}` : null
    const previous = replayKey ? idempotent.get(replayKey) : undefined
    if (previous) {
      if (previous.rawBody !== rawBody) {
        return { response: stripeError(400, `Keys for idempotent requests can only be used with the same parameters they were first used with.`, 'idempotency_error') }
      }
      return { response: previous.response, headers: { 'Idempotent-Replayed': 'true' } }
    }
    const response = matched.route.handler(recorded, fake)
    if (replayKey) idempotent.set(replayKey, { rawBody, response })
    return { response }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo

  const fake: FakeStripe = {
    port,
    url: `http://127.0.0.1:${port}`,
    requests: [],
    checkoutSessions: new Map(),
    connectedAccounts: new Map(),
    transfers: new Map(),
    availableBalancePence: null,
    clientOptions: () => ({ host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 }),
    route(method, pattern, handler) {
      const upper = method.toUpperCase()
      const segments = pattern.split('/').filter(Boolean)
      const existing = routes.findIndex((r) => r.method === upper && r.segments.join('/') === segments.join('/'))
      if (existing >= 0) routes.splice(existing, 1)
      routes.push({ method: upper, segments, handler })
    },
    failNext(failure, match = {}) {
      failures.push({ failure, match: { method: match.method?.toUpperCase(), path: match.path } })
    },
    completeCheckoutSession(sessionId) {
      const session = fake.checkoutSessions.get(sessionId)
      if (!session) throw new Error(`The fake Stripe has no checkout session ${sessionId}`)
      session.status = 'complete'
      session.payment_status = 'paid'
      session.payment_intent ??= fake.newId('pi_test')
      return { id: fake.newId('evt_test'), object: 'event', type: 'checkout.session.completed', created: Math.floor(Date.now() / 1000), data: { object: { ...session } } }
    },
    addConnectedAccount(overrides = {}) {
      const account: FakeConnectedAccount = {
        id: overrides.id ?? fake.newId('acct'),
        object: 'account',
        type: 'express',
        country: 'GB',
        default_currency: 'gbp',
        business_profile: { name: null },
        charges_enabled: true,
        payouts_enabled: true,
        details_submitted: true,
        created: Math.floor(Date.now() / 1000),
        ...overrides,
      }
      fake.connectedAccounts.set(account.id, account)
      return account
    },
    reverseTransfer(transferId) {
      const transfer = fake.transfers.get(transferId)
      if (!transfer) throw new Error(`The fake Stripe has no transfer ${transferId}`)
      const remaining = transfer.amount - transfer.amount_reversed
      if (remaining > 0) {
        transfer.reversals.data.push({ id: fake.newId('trr'), object: 'transfer_reversal', amount: remaining, currency: transfer.currency, transfer: transfer.id, created: Math.floor(Date.now() / 1000) })
        transfer.amount_reversed = transfer.amount
        transfer.reversed = true
        if (fake.availableBalancePence !== null) fake.availableBalancePence += remaining
      }
      return transfer
    },
    transferEvent(type, transferId) {
      const transfer = type === 'transfer.reversed' ? fake.reverseTransfer(transferId) : fake.transfers.get(transferId)
      if (!transfer) throw new Error(`The fake Stripe has no transfer ${transferId}`)
      const object: FakeTransfer = structuredClone(transfer)
      return { id: fake.newId('evt_test'), object: 'event', type, created: Math.floor(Date.now() / 1000), livemode: false, data: { object } }
    },
    newId: (prefix) => `${prefix}_${crypto.randomBytes(12).toString('hex')}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
  fake.route('POST', '/v1/checkout/sessions', createCheckoutSession)
  fake.route('GET', '/v1/checkout/sessions/:id', retrieveCheckoutSession)
  fake.route('POST', '/v1/transfers', createTransfer)
  fake.route('GET', '/v1/transfers/:id', retrieveTransfer)
  fake.route('GET', '/v1/accounts/:id', retrieveAccount)
  return fake
}
