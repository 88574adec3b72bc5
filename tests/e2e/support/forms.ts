/**
 * What journeys do with forms and pages, written once: sign in, press a button, read the error summary and a field's
 * message, the flash message, the page heading; and the demo accounts' two-factor secrets from the journey database.
 */
import fs from 'node:fs'
import PDFDocument from 'pdfkit'
import type { Page } from 'playwright-core'
import { expect } from 'vitest'
import { createDatabase } from '../../../db/connect.ts'
import { DEMO_PASSWORD } from '../../../db/seed/demo.ts'
import { appOrigin, fetchApp, uniqueEmail } from './app.ts'
import { expectSubmission, landOn, visit } from './browser.ts'
import { journeyEnvironment } from './provided.ts'

/**
 * Clicks a form's button. The field last typed in is left first: forms that check a field when it loses focus could
 * otherwise show its error and move the button between the press and the release of the click.
 */
export async function submit(page: Page, buttonName: string): Promise<void> {
  const focused = page.locator(':focus')
  if ((await focused.count()) > 0) await focused.blur()
  const button = page.getByRole('button', { name: buttonName, exact: true })
  await button.waitFor()
  await expectSubmission(page)
  await button.click()
}

/** Signs in through the form (the journey checks where it lands). */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await visit(page, '/login')
  await page.getByLabel('Email address', { exact: true }).fill(email)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await submit(page, 'Sign in')
}

/** Signs a demo account (no two-factor) in and waits for its home page. */
export async function signInToHome(page: Page, email: string): Promise<void> {
  await signIn(page, email, DEMO_PASSWORD)
  await landOn(page, '/home')
}

/**
 * An account made the way the sign-up form makes one (a same-origin form post), for journeys about what comes after.
 * Its session cookie is dropped: the journey signs in itself.
 */
export async function createAccount(name: string, password: string, label = 'person'): Promise<string> {
  const email = uniqueEmail(label)
  const res = await fetchApp('/signup', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: appOrigin() },
    body: new URLSearchParams({ name, email, password }),
  })
  expect(res.status, `sign-up of ${email}`).toBe(302)
  return email
}

export function errorSummary(page: Page) {
  return page.getByRole('alert').filter({ has: page.getByRole('heading', { name: 'There is a problem' }) })
}

/** The summary links to the field (by its id), the field is marked invalid, and its description carries the message. */
export async function expectFieldError(page: Page, label: string, message: string): Promise<void> {
  const field = page.getByLabel(label, { exact: true })
  const id = await field.getAttribute('id')
  expect(await errorSummary(page).getByRole('link', { name: message, exact: true }).getAttribute('href'), `summary link for ${label}`).toBe(`#${id}`)
  expect(await field.getAttribute('aria-invalid'), `${label} marked invalid`).toBe('true')
  const describedBy = (await field.getAttribute('aria-describedby'))?.split(/\s+/) ?? []
  const descriptions = await Promise.all(describedBy.map((ref) => page.locator(`[id="${ref}"]`).innerText()))
  expect(descriptions.join('\n'), `message beside ${label}`).toContain(message)
}

export async function flash(page: Page): Promise<string> {
  return (await page.getByRole('status').innerText()).trim()
}

export async function heading(page: Page): Promise<string> {
  return (await page.getByRole('heading', { level: 1 }).innerText()).trim()
}

export function pathAndQuery(page: Page): string {
  const url = new URL(page.url())
  return `${url.pathname}${url.search}`
}

/** A small real PDF, as a scanner or a word processor would make one. */
export function pdfWithText(text: string): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4' })
  const chunks: Buffer[] = []
  doc.on('data', (chunk: Buffer) => chunks.push(chunk))
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  doc.fontSize(14).text(text)
  doc.end()
  return done
}

/**
 * A demo account's TOTP secret, from the database the journeys' global setup made for this run (each journey
 * process has its own).
 */
export async function totpSecretOf(email: string): Promise<string> {
  const handle = createDatabase(journeyDatabase())
  try {
    const row = await handle.db.selectFrom('users').select('totp_secret').where('email', '=', email).executeTakeFirstOrThrow()
    if (!row.totp_secret) throw new Error(`${email} has no two-factor secret in the journey database`)
    return row.totp_secret
  } finally {
    await handle.close()
  }
}

/** Where the journey database is (the one the global setup made and the app under test uses). */
export function journeyDatabase(): { url?: string; path?: string } {
  const { database } = journeyEnvironment()
  if (database.path && !fs.existsSync(database.path)) throw new Error(`The journey database is not at ${database.path}`)
  return { ...database }
}
