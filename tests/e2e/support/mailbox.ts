/**
 * The mail the app under test sent, read from the SMTP sink that global-setup.ts runs beside the server (through its
 * loopback "mailbox" endpoint, since the sink lives in vitest's main process and tests in workers).
 *
 *   const mark = await mailboxMark()
 *   ...ask for a password reset...
 *   const email = await readLatestEmail(email, 'Reset your password', { since: mark })
 *   await visit(page, linkIn(email, '/reset-password/'))
 */
import type { SunkMessage } from '../../fakes/smtp-sink.ts'
import { journeyEnvironment } from './provided.ts'

export type Email = SunkMessage

/** Every message received so far in this run, oldest first. */
export async function readEmails(): Promise<Email[]> {
  const res = await fetch(journeyEnvironment().mailboxUrl)
  if (!res.ok) throw new Error(`The test mailbox answered ${res.status}`)
  return (await res.json()) as Email[]
}

/** How many messages have arrived so far: pass it as `since` to read only what comes after an action. */
export async function mailboxMark(): Promise<number> {
  return (await readEmails()).length
}

function addressedTo(email: Email, to: string): boolean {
  return email.to
    .split(',')
    .map((a) => a.trim().toLowerCase())
    .includes(to.toLowerCase())
}

/**
 * The newest email to `to` whose subject contains `subjectIncludes`, waiting up to `timeoutMs` for one to arrive
 * (the app's outbox worker delivers within seconds). `since` ignores messages that arrived before a `mailboxMark()`.
 */
export async function readLatestEmail(
  to: string,
  subjectIncludes: string,
  { timeoutMs = 15_000, since = 0 }: { timeoutMs?: number; since?: number } = {},
): Promise<Email> {
  const deadline = Date.now() + timeoutMs
  let received: Email[] = []
  while (Date.now() < deadline) {
    received = (await readEmails()).slice(since)
    const matches = received.filter((m) => addressedTo(m, to) && m.subject.includes(subjectIncludes))
    if (matches.length > 0) return matches[matches.length - 1]
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const seen = received.map((m) => `"${m.subject}" to ${m.to}`).join('; ') || 'nothing'
  throw new Error(`No email to ${to} with "${subjectIncludes}" in its subject arrived within ${timeoutMs} ms (received: ${seen}).`)
}

/**
 * The first link in the email's text whose path starts with `pathPrefix`, as a path and query (so it opens on the app
 * under test whatever origin the email was written with), e.g. linkIn(email, '/reset-password/').
 */
export function linkIn(email: Email, pathPrefix: string): string {
  for (const match of email.text.matchAll(/https?:\/\/[^\s<>"')\]]+/g)) {
    const url = new URL(match[0])
    if (url.pathname.startsWith(pathPrefix)) return `${url.pathname}${url.search}`
  }
  throw new Error(`The email "${email.subject}" has no link to ${pathPrefix}…:\n${email.text}`)
}
