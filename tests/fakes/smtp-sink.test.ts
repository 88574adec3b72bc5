import net from 'node:net'
import nodemailer from 'nodemailer'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts'

let sink: SmtpSink
beforeEach(async () => {
  sink = await startSmtpSink()
})
afterEach(async () => {
  await sink.close()
})

function send(mail: { to: string; subject: string; text: string; html?: string }) {
  return nodemailer.createTransport(sink.url).sendMail({ from: 'Commonpot <no-reply@commonpot.local>', ...mail })
}

describe('SMTP sink', () => {
  test('a message sent by nodemailer arrives parsed, with its recipient, subject, text and HTML', async () => {
    await send({ to: 'ada@example.org', subject: 'Hello £ and “quotes”', text: 'Line one\nhttps://x.example/a?b=c', html: '<p>Hi</p>' })
    expect(sink.messages).toEqual([
      {
        to: 'ada@example.org',
        from: 'no-reply@commonpot.local',
        subject: 'Hello £ and “quotes”',
        text: 'Line one\nhttps://x.example/a?b=c',
        html: '<p>Hi</p>',
      },
    ])
    expect(sink.url).toBe(`smtp://127.0.0.1:${sink.port}`)
  })

  test('a message with no HTML part has html null', async () => {
    await send({ to: 'ada@example.org', subject: 'Plain', text: 'Just text' })
    expect(sink.messages[0]?.html).toBeNull()
  })

  test('waitFor resolves with a message that arrives later, and with one already received', async () => {
    const waiting = sink.waitFor((m) => m.to === 'grace@example.org')
    await send({ to: 'ada@example.org', subject: 'First', text: 'a' })
    await send({ to: 'grace@example.org', subject: 'Second', text: 'b' })
    expect((await waiting).subject).toBe('Second')
    expect((await sink.waitFor((m) => m.subject === 'First')).to).toBe('ada@example.org')
  })

  test('waitFor rejects after the timeout, listing what did arrive', async () => {
    await send({ to: 'ada@example.org', subject: 'Something else', text: 'a' })
    await expect(sink.waitFor((m) => m.subject === 'Never', 100)).rejects.toThrow('No matching email arrived within 100 ms (received: "Something else" to ada@example.org).')
  })

  test('close frees the port', async () => {
    const port = sink.port
    await sink.close()
    const server = net.createServer()
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve))
    await new Promise<void>((resolve) => server.close(() => resolve()))
    sink = await startSmtpSink()
  })
})
