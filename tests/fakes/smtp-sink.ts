/**
 * A local SMTP server that accepts every message on 127.0.0.1 (no TLS, no authentication) and keeps it in memory,
 * parsed. Unit tests and browser journeys point the app's real nodemailer transport at it (SMTP_URL=sink.url) and
 * read what was sent, e.g. the link in a password-reset email:
 *
 *   const sink = await startSmtpSink()
 *   const mail = await sink.waitFor((m) => m.to === 'ada@example.org' && m.subject.includes('Reset'))
 *   await sink.close()
 */
import { EventEmitter } from 'node:events'
import { simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface SunkMessage {
  /** The envelope recipients, comma-separated (one address for the app's emails). */
  to: string
  from: string
  subject: string
  text: string
  /** The HTML part, or null if the message had none. */
  html: string | null
}

export interface SmtpSink {
  port: number
  /** smtp://127.0.0.1:<port>, ready for SMTP_URL. */
  url: string
  messages: SunkMessage[]
  /** The first message (already received or arriving within timeoutMs) that matches; rejects on timeout. */
  waitFor(predicate: (message: SunkMessage) => boolean, timeoutMs?: number): Promise<SunkMessage>
  close(): Promise<void>
}

export async function startSmtpSink(options: { port?: number } = {}): Promise<SmtpSink> {
  const messages: SunkMessage[] = []
  const arrivals = new EventEmitter()

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    closeTimeout: 1_000,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const message: SunkMessage = {
            to: session.envelope.rcptTo.map((r) => r.address).join(', '),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : null,
          }
          messages.push(message)
          arrivals.emit('message', message)
          callback()
        })
        .catch((error: Error) => callback(error))
    },
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.server.address()
  if (!address || typeof address === 'string') throw new Error('The SMTP sink did not get a TCP port.')

  return {
    port: address.port,
    url: `smtp://127.0.0.1:${address.port}`,
    messages,
    waitFor(predicate, timeoutMs = 5_000) {
      const existing = messages.find(predicate)
      if (existing) return Promise.resolve(existing)
      return new Promise((resolve, reject) => {
        const onMessage = (message: SunkMessage) => {
          if (!predicate(message)) return
          clearTimeout(timer)
          arrivals.off('message', onMessage)
          resolve(message)
        }
        const timer = setTimeout(() => {
          arrivals.off('message', onMessage)
          const seen = messages.map((m) => `"${m.subject}" to ${m.to}`).join('; ') || 'none'
          reject(new Error(`No matching email arrived within ${timeoutMs} ms (received: ${seen}).`))
        }, timeoutMs)
        arrivals.on('message', onMessage)
      })
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
