import net from 'node:net'
import type { Kysely } from 'kysely'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createDatabase, type DatabaseHandle } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { startSmtpSink, type SmtpSink } from '../../../tests/fakes/smtp-sink.ts'
import { freshDatabaseOptions } from '../../../tests/setup/test-database.ts'
import { createTransport, type MailTransport } from '~/lib/mail.server.ts'
import {
  deliverPending,
  enqueueEmail,
  getOutboxMessage,
  IdempotencyKeyReusedError,
  listOutboxMessages,
  MAX_ATTEMPTS,
  type EnqueueEmailInput,
} from './outbox.server.ts'
import { EmailTemplateDataError } from './templates.server.ts'

const FROM = 'Commonpot <no-reply@commonpot.local>'
const NOW = new Date('2026-11-21T09:00:00.000Z')
const minutesLater = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000)

let options: { url?: string; path?: string }
let h: DatabaseHandle
let sink: SmtpSink | undefined
beforeEach(async () => {
  options = await freshDatabaseOptions()
  h = createDatabase(options)
})
afterEach(async () => {
  await h.close()
  await sink?.close()
  sink = undefined
})

function welcome(to: string, idempotencyKey?: string): EnqueueEmailInput {
  return { template: 'welcome', to, data: { name: 'Ada Lovelace', signInUrl: 'https://commonpot.example/login' }, idempotencyKey }
}

function enqueue(db: Kysely<DB>, input: EnqueueEmailInput) {
  return db.transaction().execute((trx) => enqueueEmail(trx, input))
}

function message(id: number) {
  return getOutboxMessage(h.db, id)
}

/** A port nothing listens on: bound and released again. */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('queueing an email', () => {
  test('the email is stored rendered and pending, and no audit event is written for it', async () => {
    const { id } = await enqueue(h.db, welcome('ada@example.org'))
    const stored = await message(id)
    expect(stored).toMatchObject({
      channel: 'email',
      template: 'welcome',
      to_address: 'ada@example.org',
      subject: 'Welcome to Commonpot',
      status: 'pending',
      attempts: 0,
      next_attempt_at: null,
      sent_at: null,
      idempotency_key: null,
    })
    expect(stored.body_text).toContain('https://commonpot.example/login')
    expect(stored.body_html).toContain('<p>Hello Ada Lovelace,</p>')
    expect(await h.db.selectFrom('audit_events').select('id').execute()).toEqual([])
  })

  test('an email queued in a transaction that rolls back does not exist', async () => {
    const failure = new Error('the change failed after queueing')
    await expect(
      h.db.transaction().execute(async (trx) => {
        await enqueueEmail(trx, welcome('ada@example.org'))
        throw failure
      }),
    ).rejects.toBe(failure)
    expect(await h.db.selectFrom('outbox_messages').select('id').execute()).toEqual([])
  })

  test('the same idempotency key returns the first message and queues no second one', async () => {
    const first = await enqueue(h.db, welcome('ada@example.org', 'welcome:user:1'))
    const second = await enqueue(h.db, welcome('ada@example.org', 'welcome:user:1'))
    expect(second).toEqual(first)
    expect(await h.db.selectFrom('outbox_messages').select('id').execute()).toHaveLength(1)
    const other = await enqueue(h.db, welcome('ada@example.org', 'welcome:user:2'))
    expect(other.id).not.toBe(first.id)
  })

  test('reusing an idempotency key for another recipient is a conflict', async () => {
    await enqueue(h.db, welcome('ada@example.org', 'welcome:user:1'))
    await expect(enqueue(h.db, welcome('grace@example.org', 'welcome:user:1'))).rejects.toThrow(IdempotencyKeyReusedError)
  })

  test('data missing a template value throws and queues nothing', async () => {
    await expect(enqueue(h.db, { template: 'password-reset', to: 'ada@example.org', data: { name: 'Ada' } })).rejects.toThrow(EmailTemplateDataError)
    expect(await h.db.selectFrom('outbox_messages').select('id').execute()).toEqual([])
  })
})

describe('delivering the outbox', () => {
  test('pending emails reach the SMTP server with their subject and bodies, and are marked sent', async () => {
    sink = await startSmtpSink()
    const transport = createTransport(sink.url, FROM)
    const ada = await enqueue(h.db, welcome('ada@example.org'))
    await enqueue(h.db, {
      template: 'password-reset',
      to: 'grace@example.org',
      data: { name: 'Grace', resetUrl: 'https://commonpot.example/reset-password?token=abc', expiresInMinutes: 60 },
    })

    expect(await deliverPending(h.db, { transport, now: NOW })).toEqual({ attempted: 2, sent: 2, retrying: 0, failed: 0 })

    const reset = await sink.waitFor((m) => m.to === 'grace@example.org')
    expect(reset.subject).toBe('Reset your Commonpot password')
    expect(reset.from).toBe('no-reply@commonpot.local')
    expect(reset.text).toContain('https://commonpot.example/reset-password?token=abc')
    expect(reset.html).toContain('Choose a new password')
    expect(await message(ada.id)).toMatchObject({ status: 'sent', sent_at: NOW.toISOString(), attempts: 1, last_error: null, next_attempt_at: null })
    expect(await deliverPending(h.db, { transport, now: minutesLater(1) })).toEqual({ attempted: 0, sent: 0, retrying: 0, failed: 0 })
    expect(sink.messages).toHaveLength(2)
  })

  test('a failed send records the error and retries after 1, 5, 25 and 125 minutes, then gives up', async () => {
    const transport = createTransport(`smtp://127.0.0.1:${await closedPort()}`, FROM)
    const { id } = await enqueue(h.db, welcome('ada@example.org'))

    expect(await deliverPending(h.db, { transport, now: NOW })).toEqual({ attempted: 1, sent: 0, retrying: 1, failed: 0 })
    const afterFirst = await message(id)
    expect(afterFirst).toMatchObject({ status: 'pending', attempts: 1, next_attempt_at: minutesLater(1).toISOString(), sent_at: null })
    expect(afterFirst.last_error).toMatch(/ECONNREFUSED/)

    // Not due yet: left alone.
    expect((await deliverPending(h.db, { transport, now: minutesLater(0.5) })).attempted).toBe(0)

    let at = minutesLater(1)
    for (const [attempt, delay] of [[2, 5], [3, 25], [4, 125]] as const) {
      expect(await deliverPending(h.db, { transport, now: at })).toMatchObject({ attempted: 1, retrying: 1 })
      const next = new Date(at.getTime() + delay * 60_000)
      expect(await message(id)).toMatchObject({ status: 'pending', attempts: attempt, next_attempt_at: next.toISOString() })
      at = next
    }
    expect(await deliverPending(h.db, { transport, now: at })).toEqual({ attempted: 1, sent: 0, retrying: 0, failed: 1 })
    expect(await message(id)).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, next_attempt_at: null })
    expect((await deliverPending(h.db, { transport, now: minutesLater(100_000) })).attempted).toBe(0)
  })

  test('a message claimed by a deliverer that then died is sent once its claim runs out', async () => {
    sink = await startSmtpSink()
    const transport = createTransport(sink.url, FROM)
    const { id } = await enqueue(h.db, welcome('ada@example.org'))
    // What a claim leaves behind: one attempt counted, the message held for ten minutes.
    await h.db.updateTable('outbox_messages').set({ attempts: 1, next_attempt_at: minutesLater(10).toISOString() }).where('id', '=', id).execute()

    expect((await deliverPending(h.db, { transport, now: minutesLater(9) })).attempted).toBe(0)
    expect(await deliverPending(h.db, { transport, now: minutesLater(10) })).toMatchObject({ attempted: 1, sent: 1 })
    expect(await message(id)).toMatchObject({ status: 'sent', attempts: 2 })
  })

  test('two deliverers on separate connections send each message exactly once', async () => {
    sink = await startSmtpSink()
    const smtp = createTransport(sink.url, FROM)
    const sends: string[] = []
    const transport: MailTransport = {
      async sendMail(mail) {
        sends.push(mail.to)
        return smtp.sendMail(mail)
      },
    }
    const recipients = Array.from({ length: 12 }, (_, i) => `person${i}@example.org`)
    for (const to of recipients) await enqueue(h.db, welcome(to))

    const second = createDatabase(options)
    try {
      const results = await Promise.all([deliverPending(h.db, { transport, now: NOW }), deliverPending(second.db, { transport, now: NOW })])
      expect(results[0].sent + results[1].sent).toBe(recipients.length)
    } finally {
      await second.close()
    }

    expect(sends.sort()).toEqual([...recipients].sort())
    expect(sink.messages.map((m) => m.to).sort()).toEqual([...recipients].sort())
    const rows = await h.db.selectFrom('outbox_messages').select(['status', 'attempts']).execute()
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true)
  })
})

describe('listing the outbox', () => {
  test('messages come newest first, one page at a time, optionally of one status', async () => {
    const ids: number[] = []
    for (let i = 0; i < 5; i++) ids.push((await enqueue(h.db, welcome(`person${i}@example.org`))).id)
    await h.db.updateTable('outbox_messages').set({ status: 'sent' }).where('id', 'in', [ids[1]!, ids[3]!]).execute()

    const first = await listOutboxMessages(h.db, { limit: 2 })
    expect(first.messages.map((m) => m.id)).toEqual([ids[4], ids[3]])
    const second = await listOutboxMessages(h.db, { limit: 2, before: first.olderBefore! })
    expect(second.messages.map((m) => m.id)).toEqual([ids[2], ids[1]])
    const last = await listOutboxMessages(h.db, { limit: 2, before: second.olderBefore! })
    expect(last).toEqual({ messages: [expect.objectContaining({ id: ids[0] })], olderBefore: null })

    const sent = await listOutboxMessages(h.db, { status: 'sent' })
    expect(sent).toEqual({ messages: [expect.objectContaining({ id: ids[3] }), expect.objectContaining({ id: ids[1] })], olderBefore: null })
  })
})
