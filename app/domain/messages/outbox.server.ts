/**
 * The outbox: emails are rendered and stored in outbox_messages inside the caller's transaction, so an email exists
 * only if the change that caused it committed. A deliverer (the in-process worker, or `npm run outbox:deliver`) sends
 * pending messages later and records the outcome.
 *
 * Audit: enqueueing writes no audit event of its own. The caller's action (a sign-up, a reset request, an invitation)
 * is audited already in the same transaction, and message bodies may hold secrets such as password-reset links,
 * which must never reach the append-only audit trail. The outbox row itself is the record of what was sent and when.
 *
 * Delivery is at-least-once and safe to run in parallel: each message is claimed with a conditional UPDATE before it
 * is sent (see `claimMessage`), so two deliverers never send the same attempt twice.
 */
import type { Transaction } from 'kysely'
import type { DB, OutboxMessage } from '../../../db/schema.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, NotFoundError } from '~/lib/errors.ts'
import type { MailTransport } from '~/lib/mail.server.ts'
import type { OutboxStatus } from './outbox-status.ts'
import { renderEmail, type EmailData, type EmailTemplate } from './templates.server.ts'

export type { EmailTemplate, EmailData } from './templates.server.ts'

export interface EnqueueEmailInput {
  template: EmailTemplate
  to: string
  data: EmailData
  /** Namespace it by purpose, e.g. `password-reset:<token id>`. The same key returns the message already queued. */
  idempotencyKey?: string
}

export class IdempotencyKeyReusedError extends ConflictError {
  constructor() {
    super('That idempotency key was already used for a different message.', 'outbox_idempotency_key_reused')
  }
}

/** Renders the template and queues the email in the caller's transaction. */
export async function enqueueEmail(trx: Transaction<DB>, input: EnqueueEmailInput): Promise<{ id: number }> {
  const rendered = renderEmail(input.template, input.data)
  const key = input.idempotencyKey ?? null
  const inserted = await trx
    .insertInto('outbox_messages')
    .values({
      channel: 'email',
      template: input.template,
      to_address: input.to,
      subject: rendered.subject,
      body_text: rendered.text,
      body_html: rendered.html,
      status: 'pending',
      idempotency_key: key,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst()
  if (inserted) return { id: inserted.id }

  // Only a key clash leaves nothing inserted: hand back the message queued first, if it is the same message.
  const existing = await trx
    .selectFrom('outbox_messages')
    .select(['id', 'template', 'to_address'])
    .where('idempotency_key', '=', key)
    .executeTakeFirstOrThrow()
  if (existing.template !== input.template || existing.to_address !== input.to) throw new IdempotencyKeyReusedError()
  return { id: existing.id }
}

// ---------------------------------------------------------------- delivery

export const MAX_ATTEMPTS = 5
/** How long a claimed message is left alone, so a deliverer that dies mid-send does not strand it. */
const CLAIM_MINUTES = 10
const MINUTE_MS = 60_000

/** Minutes to wait after the nth failed attempt: 1, 5, 25, 125... */
export function retryDelayMinutes(failedAttempts: number): number {
  return 5 ** (failedAttempts - 1)
}

function minutesAfter(now: Date, minutes: number): string {
  return new Date(now.getTime() + minutes * MINUTE_MS).toISOString()
}

export interface DeliveryResult {
  /** Messages this run claimed and tried to send. */
  attempted: number
  sent: number
  /** Failed this time, with another try scheduled. */
  retrying: number
  /** Failed for the last time (status 'failed'). */
  failed: number
}

type DueMessage = Pick<OutboxMessage, 'id' | 'attempts' | 'to_address' | 'subject' | 'body_text' | 'body_html'>

async function dueMessages(db: Db, now: string, limit: number): Promise<DueMessage[]> {
  return db
    .selectFrom('outbox_messages')
    .select(['id', 'attempts', 'to_address', 'subject', 'body_text', 'body_html'])
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
    .orderBy('id')
    .limit(limit)
    .execute()
}

/**
 * Claims one attempt at a message: counts the attempt and pushes next_attempt_at past the claim window, but only if
 * the message is still pending with the attempt count we read. It is a single UPDATE with its condition in the WHERE:
 * SQLite runs writers one at a time, and PostgreSQL re-checks the WHERE on the newest row version after waiting for a
 * concurrent writer's lock, so on both engines exactly one of two racing deliverers updates the row; the other sees
 * zero rows updated and moves on.
 */
async function claimMessage(db: Db, message: DueMessage, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('outbox_messages')
    .set({ attempts: message.attempts + 1, next_attempt_at: minutesAfter(now, CLAIM_MINUTES) })
    .where('id', '=', message.id)
    .where('status', '=', 'pending')
    .where('attempts', '=', message.attempts)
    .executeTakeFirst()
  return result.numUpdatedRows === 1n
}

// The outcome writes also match the attempt count we claimed, so a deliverer whose claim ran out while it waited on
// a slow server cannot overwrite the outcome of a later attempt.
async function markSent(db: Db, id: number, attempts: number, now: Date): Promise<void> {
  await db
    .updateTable('outbox_messages')
    .set({ status: 'sent', sent_at: now.toISOString(), next_attempt_at: null, last_error: null })
    .where('id', '=', id)
    .where('attempts', '=', attempts)
    .execute()
}

async function markAttemptFailed(db: Db, id: number, attempts: number, error: unknown, now: Date): Promise<'retrying' | 'failed'> {
  const outcome = attempts >= MAX_ATTEMPTS ? 'failed' : 'retrying'
  const message = error instanceof Error ? error.message : String(error)
  await db
    .updateTable('outbox_messages')
    .set({
      status: outcome === 'failed' ? 'failed' : 'pending',
      last_error: message.slice(0, 1000),
      next_attempt_at: outcome === 'failed' ? null : minutesAfter(now, retryDelayMinutes(attempts)),
    })
    .where('id', '=', id)
    .where('attempts', '=', attempts)
    .execute()
  return outcome
}

/**
 * Sends pending messages that are due (next_attempt_at empty or past), oldest first. Each message is claimed before
 * it is sent; a failure records the error and schedules a retry with exponential backoff, and the fifth failure marks
 * the message 'failed'. Writes are single statements outside any transaction, so a slow SMTP server holds no locks.
 */
export async function deliverPending(
  db: Db,
  options: { transport: MailTransport; now?: Date; batchSize?: number },
): Promise<DeliveryResult> {
  // A fixed `now` (tests) or the time each step happens, so sent_at is true even when a batch is slow.
  const clock = () => options.now ?? new Date()
  const result: DeliveryResult = { attempted: 0, sent: 0, retrying: 0, failed: 0 }
  for (const message of await dueMessages(db, clock().toISOString(), options.batchSize ?? 50)) {
    if (!(await claimMessage(db, message, clock()))) continue
    result.attempted += 1
    const attempts = message.attempts + 1
    try {
      await options.transport.sendMail({
        to: message.to_address,
        subject: message.subject,
        text: message.body_text,
        html: message.body_html ?? undefined,
      })
    } catch (error) {
      result[await markAttemptFailed(db, message.id, attempts, error, clock())] += 1
      continue
    }
    await markSent(db, message.id, attempts, clock())
    result.sent += 1
  }
  return result
}

// ---------------------------------------------------------------- reading (the admin outbox pages)

export const OUTBOX_PAGE_SIZE = 50

export type OutboxListItem = Pick<OutboxMessage, 'id' | 'created_at' | 'to_address' | 'template' | 'subject' | 'status' | 'attempts'>

/**
 * One page of messages, newest first, optionally of one status. Keyset pagination: `before` is the smallest id on the
 * previous page, and `olderBefore` is what to pass for the next page (null on the last page).
 */
export async function listOutboxMessages(
  db: Db,
  input: { status?: OutboxStatus; before?: number; limit?: number },
): Promise<{ messages: OutboxListItem[]; olderBefore: number | null }> {
  const limit = input.limit ?? OUTBOX_PAGE_SIZE
  let query = db
    .selectFrom('outbox_messages')
    .select(['id', 'created_at', 'to_address', 'template', 'subject', 'status', 'attempts'])
    .orderBy('id', 'desc')
    .limit(limit + 1)
  if (input.status) query = query.where('status', '=', input.status)
  if (input.before !== undefined) query = query.where('id', '<', input.before)
  const rows = await query.execute()
  const messages = rows.slice(0, limit)
  return { messages, olderBefore: rows.length > limit ? messages[messages.length - 1]!.id : null }
}

/** One message with its bodies. Throws NotFoundError. */
export async function getOutboxMessage(db: Db, id: number): Promise<OutboxMessage> {
  const message = await db.selectFrom('outbox_messages').selectAll().where('id', '=', id).executeTakeFirst()
  if (!message) throw new NotFoundError('message')
  return message
}
