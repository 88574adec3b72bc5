import type { AppLoadContext, EntryContext } from '@remix-run/node'
import { isRouteErrorResponse, RemixServer } from '@remix-run/react'
import { NonceProvider } from './components/nonce.tsx'
import { renderDocument } from './lib/render-document.server.ts'
import { OFFER_JOB_KIND, offerJobHandler } from './domain/awards/offers.server.ts'
import { healUnconfirmedTransfers, STRIPE_RUN_JOB_KIND, stripeRunJobHandler } from './domain/payments/stripe-transfers.server.ts'
import { deliverPending } from './domain/messages/outbox.server.ts'
import { ukToday } from './domain/places/places.server.ts'
import { sendReturnReminders } from './domain/returns/reminders.server.ts'
import { db } from './lib/db.server.ts'
import { env } from './lib/env.server.ts'
import { registerJobHandler, startJobWorker } from './lib/jobs.server.ts'
import { startOutboxWorker } from './lib/mail.server.ts'
import { stripeClient } from './lib/stripe.server.ts'

// Background work runs in one process: a single server, or the first of WEB_CONCURRENCY workers (server.mjs sets
// COMMONPOT_BACKGROUND_WORK=false for the others), so request-serving workers never compete for the write lock with a
// sweep. Claims make any number of runners safe; one is simply quieter.
const backgroundWork = process.env.COMMONPOT_BACKGROUND_WORK !== 'false'
registerJobHandler(OFFER_JOB_KIND, offerJobHandler(env().DATA_DIR))
registerJobHandler(STRIPE_RUN_JOB_KIND, stripeRunJobHandler(stripeClient))
if (backgroundWork) {
  // When SMTP_URL is set, the outbox is delivered in the background (claims make that safe).
  startOutboxWorker((transport) => deliverPending(db, { transport }))
  // Queued background jobs (a round's offer letters) run every 500 ms (claims make that safe).
  startJobWorker(db)
  // A Stripe transfer left unconfirmed (Stripe accepted it, then the process stopped before recording it) is sent
  // again with its own idempotency key soon after start and every five minutes, so Stripe replays it and it is
  // recorded once.
  setTimeout(healStripeTransfers, 10_000).unref()
  setInterval(healStripeTransfers, 5 * 60_000).unref()
  // Impact return reminders (14 days before due, and once overdue) are queued in the outbox soon after start and every
  // hour; each is claimed on its return row first, so several processes (or `npm run returns:remind`) send it once.
  setTimeout(remindAboutReturns, 30_000).unref()
  setInterval(remindAboutReturns, 60 * 60_000).unref()
}

function healStripeTransfers(): void {
  const stripe = stripeClient()
  if (stripe) healUnconfirmedTransfers(db, stripe).catch((e: unknown) => console.error('Could not heal unconfirmed Stripe transfers', e))
}

function remindAboutReturns(): void {
  const appUrl = env().APP_URL
  sendReturnReminders(db, { today: ukToday(), baseUrl: appUrl ? new URL(appUrl).origin : '' }).catch((e: unknown) => console.error('Could not send impact return reminders', e))
}

export const streamTimeout = 5_000

/**
 * Every page is rendered completely before it is sent (onAllReady), so it works the same with JavaScript off and for
 * screen readers and crawlers. Security headers are set by server.mjs for every response.
 *
 * As nothing is streamed, the page is sent as one body with its Content-Length: React writes its output in 2 KB
 * pieces, and passing each piece through a Node stream, a web stream and a chunk-encoded socket write cost more than
 * rendering some of the pages (a 30 KB dashboard is 15 pieces). `renderDocument` collects the pieces as React writes
 * them and gives back the whole page.
 */
export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  const nonce = loadContext?.cspNonce ?? ''
  const rendered = await renderDocument(
    <NonceProvider value={nonce}>
      <RemixServer context={remixContext} url={request.url} abortDelay={streamTimeout} nonce={nonce} />
    </NonceProvider>,
    { nonce, timeout: streamTimeout + 1000 },
  )
  responseHeaders.set('Content-Type', 'text/html; charset=utf-8')
  responseHeaders.set('Content-Length', String(rendered.body.byteLength))
  return new Response(rendered.body, { headers: responseHeaders, status: rendered.failed ? 500 : responseStatusCode })
}

export function handleError(error: unknown, { request }: { request: Request }) {
  // Aborted requests (the user navigated away) and answers we meant to give (404 for an unknown address, 403, 409)
  // are not errors worth logging; everything else is a bug and goes to the server log.
  if (request.signal.aborted) return
  if (isRouteErrorResponse(error) && error.status < 500) return
  console.error(error)
}
