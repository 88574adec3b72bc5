import { afterEach, describe, expect, test } from 'vitest'
import { startSmtpSink, type SmtpSink } from '../../tests/fakes/smtp-sink.ts'
import { deliverPending, enqueueEmail } from '~/domain/messages/outbox.server.ts'
import { db } from './db.server.ts'
import { resetEnvForTests } from './env.server.ts'
import { kickOutbox, mailConfigured, startOutboxWorker, stopOutboxWorker, type MailTransport } from './mail.server.ts'

let sink: SmtpSink | undefined
afterEach(async () => {
  stopOutboxWorker()
  delete process.env.SMTP_URL
  resetEnvForTests()
  await sink?.close()
  sink = undefined
})

const deliver = (transport: MailTransport) => deliverPending(db, { transport })

async function useSink(): Promise<SmtpSink> {
  sink = await startSmtpSink()
  process.env.SMTP_URL = sink.url
  resetEnvForTests()
  return sink
}

describe('the outbox worker', () => {
  test('without SMTP_URL mail is not configured and no worker starts', () => {
    expect(mailConfigured()).toBe(false)
    expect(startOutboxWorker(deliver)).toBe(false)
    expect(globalThis.__commonpotOutboxWorker).toBeUndefined()
    expect(() => kickOutbox()).not.toThrow()
  })

  test('with SMTP_URL one worker starts per process, and a kick delivers a new email from MAIL_FROM', async () => {
    const smtp = await useSink()
    expect(mailConfigured()).toBe(true)
    expect(startOutboxWorker(deliver)).toBe(true)
    const worker = globalThis.__commonpotOutboxWorker
    expect(startOutboxWorker(deliver)).toBe(true)
    expect(globalThis.__commonpotOutboxWorker).toBe(worker)

    await db.transaction().execute((trx) =>
      enqueueEmail(trx, { template: 'password-changed', to: 'ada@example.org', data: { name: 'Ada' } }),
    )
    kickOutbox()
    const mail = await smtp.waitFor((m) => m.to === 'ada@example.org', 3_000)
    expect(mail).toMatchObject({ subject: 'Your Commonpot password was changed', from: 'no-reply@commonpot.local' })
  })

  test('the poll timer does not keep the process alive', async () => {
    await useSink()
    startOutboxWorker(deliver)
    expect(globalThis.__commonpotOutboxWorker?.timer.hasRef()).toBe(false)
  })
})
