/**
 * Email delivery over SMTP (nodemailer), configured by SMTP_URL (e.g. smtp://127.0.0.1:2525 or
 * smtps://user:pass@mail.example.org) and MAIL_FROM.
 *
 * Emails are queued in the outbox by domain code (app/domain/messages/outbox.server.ts). When SMTP_URL is set, each
 * server process runs one small worker that delivers pending messages every few seconds; processes may run side by
 * side because every message is claimed before it is sent. Without SMTP_URL nothing is sent: messages stay 'pending'
 * and admins can read them at /admin/outbox (the quick start's behaviour).
 *
 * This module is infrastructure and imports nothing from the domain: the entry point hands the worker its delivery
 * function, `startOutboxWorker((transport) => deliverPending(db, { transport }))`.
 */
import nodemailer from 'nodemailer'
import { env } from './env.server.ts'

/** What delivery needs from a transport. A nodemailer transport fits, carrying the From address in its defaults. */
export interface MailTransport {
  sendMail(mail: { to: string; subject: string; text: string; html?: string }): Promise<unknown>
}

export type Deliver = (transport: MailTransport) => Promise<unknown>

const POLL_MS = 5_000
// A server that accepts a connection and then stalls must not hold the worker for long.
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 }

export function mailConfigured(): boolean {
  return !!env().SMTP_URL
}

/** A nodemailer SMTP transport for `url`, sending from `from` (MAIL_FROM by default). */
export function createTransport(url: string, from: string = env().MAIL_FROM) {
  return nodemailer.createTransport({ url, ...TIMEOUTS }, { from })
}

interface OutboxWorker {
  transport: ReturnType<typeof createTransport>
  deliver: Deliver
  timer: NodeJS.Timeout
  running: boolean
  again: boolean
}

declare global {
  var __commonpotOutboxWorker: OutboxWorker | undefined
}

async function runWorker(worker: OutboxWorker): Promise<void> {
  if (worker.running) {
    worker.again = true
    return
  }
  worker.running = true
  try {
    do {
      worker.again = false
      await worker.deliver(worker.transport)
    } while (worker.again)
  } catch (error) {
    // A database hiccup must not stop the worker; the next poll tries again.
    console.error('Outbox delivery failed:', error)
  } finally {
    worker.running = false
  }
}

/**
 * Starts this process's outbox worker when SMTP_URL is set (once per process, however often it is called): it calls
 * `deliver` every 5 seconds, one run at a time. Returns whether a worker is running.
 */
export function startOutboxWorker(deliver: Deliver): boolean {
  if (globalThis.__commonpotOutboxWorker) return true
  const url = env().SMTP_URL
  if (!url) return false
  const worker: OutboxWorker = {
    transport: createTransport(url),
    deliver,
    timer: setInterval(() => void runWorker(worker), POLL_MS),
    running: false,
    again: false,
  }
  // The poll never keeps the process alive on its own (tests, scripts, graceful shutdown).
  worker.timer.unref()
  globalThis.__commonpotOutboxWorker = worker
  return true
}

/** Asks the worker to deliver now rather than at the next poll. Call after the transaction that queued an email. */
export function kickOutbox(): void {
  const worker = globalThis.__commonpotOutboxWorker
  if (worker) setImmediate(() => void runWorker(worker))
}

/** Stops this process's worker (tests and shutdown). */
export function stopOutboxWorker(): void {
  const worker = globalThis.__commonpotOutboxWorker
  if (!worker) return
  clearInterval(worker.timer)
  worker.transport.close()
  globalThis.__commonpotOutboxWorker = undefined
}
