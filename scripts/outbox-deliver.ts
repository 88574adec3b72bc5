/**
 * `npm run outbox:deliver`: sends every pending email that is due, once, and prints the counts. Uses SMTP_URL and
 * MAIL_FROM like the server; safe to run while the server's own worker is running (messages are claimed one by one).
 */
import { deliverPending, type DeliveryResult } from '../app/domain/messages/outbox.server.ts'
import { closeDatabase, db } from '../app/lib/db.server.ts'
import { env } from '../app/lib/env.server.ts'
import { createTransport } from '../app/lib/mail.server.ts'

async function main(): Promise<number> {
  const url = env().SMTP_URL
  if (!url) {
    console.error('SMTP_URL is not set, so there is nowhere to send email. Pending messages can be read at /admin/outbox.')
    return 1
  }
  const transport = createTransport(url)
  const total: DeliveryResult = { attempted: 0, sent: 0, retrying: 0, failed: 0 }
  try {
    // Batch after batch until a run finds nothing due: a message that fails is rescheduled, so it is not retried here.
    for (;;) {
      const batch = await deliverPending(db, { transport })
      for (const key of Object.keys(total) as (keyof DeliveryResult)[]) total[key] += batch[key]
      if (batch.attempted === 0) break
    }
  } finally {
    transport.close()
    await closeDatabase()
  }
  console.log(`${total.sent} sent, ${total.retrying} to retry later, ${total.failed} failed for good`)
  return total.retrying + total.failed > 0 ? 2 : 0
}

process.exitCode = await main()
