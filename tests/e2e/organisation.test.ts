/**
 * Organisations in the browser: an organisation admin invites a colleague, who gets the email, creates an account from
 * its link, accepts and finds themselves a member; and someone new registers their organisation (with JavaScript
 * off), first with a charity number in the wrong format.
 */
import crypto from 'node:crypto'
import type { Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { DEMO_DOMAIN, DEMO_PASSWORD } from '../../db/seed/demo.ts'
import { appOrigin, checkA11y, fetchApp, landOn, linkIn, mailboxMark, newPage, readLatestEmail, uniqueEmail, visit } from './support/journey.ts'

const CHOIR = 'Wandle Valley Dementia Choir'
const PASSWORD = 'singing together on the common'
const CHARITY_FORMAT = 'Enter a charity number in the correct format, like 1090095, SC042386 or NIC100002'

test('an organisation admin invites a colleague, who creates an account from the emailed link, accepts and joins the organisation', async () => {
  const colleagueEmail = uniqueEmail('colleague')
  const admin = await newPage()
  await signIn(admin, `orgadmin@${DEMO_DOMAIN}`, DEMO_PASSWORD)
  await landOn(admin, '/home')
  await admin.getByRole('link', { name: 'Invite colleagues and manage members' }).click()
  await admin.waitForURL((url) => url.pathname === '/organisation/members')
  await checkA11y(admin)
  expect(await heading(admin)).toBe('Members and invitations')

  const mark = await mailboxMark()
  await admin.getByLabel('Email address', { exact: true }).fill(colleagueEmail)
  await admin.getByLabel('Role', { exact: true }).selectOption({ label: 'Member' })
  await submit(admin, 'Send invitation')
  await admin.getByRole('status').filter({ hasText: `Invitation sent to ${colleagueEmail}` }).waitFor()
  await checkA11y(admin)
  const membersPage = pathAndQuery(admin)
  expect(membersPage).toMatch(/^\/organisation\/members\?org=\d+$/)
  expect(await rowFor(admin, 'Invitations waiting to be accepted', colleagueEmail).count()).toBe(1)

  const invitation = await readLatestEmail(colleagueEmail, `Grace Okafor invited you to join ${CHOIR}`, { since: mark })
  const invitationPath = linkIn(invitation, '/invitations/')

  const colleague = await newPage()
  await visit(colleague, invitationPath)
  expect(await heading(colleague)).toBe(`Join ${CHOIR}`)
  expect(await colleague.locator('main').innerText()).toContain(`You have been invited to join ${CHOIR} on Commonpot as a member.`)
  await colleague.getByRole('link', { name: 'Create an account' }).click()
  await landOn(colleague, `/signup?redirectTo=${encodeURIComponent(invitationPath)}`)
  await colleague.getByLabel('Full name', { exact: true }).fill('Kofi Boateng')
  await colleague.getByLabel('Email address', { exact: true }).fill(colleagueEmail)
  await colleague.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await submit(colleague, 'Create account')
  await landOn(colleague, invitationPath)
  expect(await colleague.locator('main').innerText()).toContain(`You are signed in as ${colleagueEmail}.`)

  await submit(colleague, 'Accept invitation')
  await landOn(colleague, '/organisation')
  expect(await flash(colleague)).toBe(`You have joined ${CHOIR}`)
  expect(await heading(colleague)).toBe(CHOIR)
  expect(await rowFor(colleague, `Members of ${CHOIR}`, colleagueEmail).innerText()).toContain('Kofi Boateng')
  expect(await colleague.locator('main').innerText()).toContain('To invite a colleague or change someone\'s role, ask one of your organisation admins.')

  // The admin now sees the colleague among the members, and no longer among the invitations.
  await visit(admin, membersPage)
  expect(await rowFor(admin, `Members of ${CHOIR}`, colleagueEmail).innerText()).toContain('Member')
  expect(await admin.getByRole('table', { name: 'Invitations waiting to be accepted' }).getByRole('cell', { name: colleagueEmail }).count()).toBe(0)
})

test('with JavaScript off, someone new registers their organisation, after correcting a charity number in the wrong format', async () => {
  const email = await createAccount('Esi Mensah')
  const name = `Merton Singing Circle ${crypto.randomBytes(3).toString('hex')}`
  const charityNumber = String(crypto.randomInt(2_000_000, 10_000_000))
  const page = await newPage({ javaScriptEnabled: false })
  await signIn(page, email, PASSWORD)
  await landOn(page, '/home')
  await page.getByRole('link', { name: 'Register your organisation' }).click()
  await landOn(page, '/organisation')
  expect(await heading(page)).toBe('Your organisation')
  await page.getByRole('link', { name: 'Register your organisation' }).click()
  await landOn(page, '/organisation/new')

  await page.getByLabel('Organisation name', { exact: true }).fill(name)
  await page.getByLabel('Type of organisation', { exact: true }).selectOption({ label: 'Registered charity' })
  await page.getByLabel('Charity number', { exact: true }).fill('12345')
  await page.getByLabel('Address line 1', { exact: true }).fill('1 London Road')
  await page.getByLabel('Town or city', { exact: true }).fill('Morden')
  await page.getByLabel('Postcode', { exact: true }).fill('sm4 5dx')
  await page.getByLabel('Integrated care board area', { exact: true }).selectOption({ label: 'NHS South West London Integrated Care Board (London)' })
  await submit(page, 'Register organisation')
  await errorSummary(page).waitFor()
  await checkA11y(page)

  expect(new URL(page.url()).pathname).toBe('/organisation/new')
  expect(await errorSummary(page).getByRole('link').allInnerTexts()).toEqual([CHARITY_FORMAT])
  await expectFieldError(page, 'Charity number', CHARITY_FORMAT)
  // What was typed is kept, so only the mistake needs correcting.
  expect(await page.getByLabel('Organisation name', { exact: true }).inputValue()).toBe(name)
  expect(await page.getByLabel('Charity number', { exact: true }).inputValue()).toBe('12345')
  expect(await page.getByLabel('Postcode', { exact: true }).inputValue()).toBe('sm4 5dx')
  expect(await selectedLabel(page, 'Type of organisation')).toBe('Registered charity')
  expect(await selectedLabel(page, 'Integrated care board area')).toBe('NHS South West London Integrated Care Board (London)')

  await page.getByLabel('Charity number', { exact: true }).fill(charityNumber)
  await submit(page, 'Register organisation')
  await landOn(page, '/organisation')
  expect(await flash(page)).toBe(`${name} is registered. You are its organisation admin.`)
  expect(await heading(page)).toBe(name)
  const details = await page.locator('main dl').innerText()
  expect(details).toContain(charityNumber)
  expect(details).toContain(`GB-CHC-${charityNumber}`)
  expect(details).toContain('SM4 5DX')
  expect(details).toContain('NHS South West London Integrated Care Board')
  expect(await summaryValue(page, 'Your role')).toBe('Organisation admin')
})

/** An account made the way the sign-up form makes one (a same-origin form post); the journey signs in itself. */
async function createAccount(name: string): Promise<string> {
  const email = uniqueEmail('organisation')
  const res = await fetchApp('/signup', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: appOrigin() },
    body: new URLSearchParams({ name, email, password: PASSWORD }),
  })
  expect(res.status, `sign-up of ${email}`).toBe(302)
  return email
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await visit(page, '/login')
  await page.getByLabel('Email address', { exact: true }).fill(email)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await submit(page, 'Sign in')
}

/** Clicks a form's button, leaving the field last typed in first (so a check on leaving it cannot move the button). */
async function submit(page: Page, buttonName: string): Promise<void> {
  const focused = page.locator(':focus')
  if ((await focused.count()) > 0) await focused.blur()
  await page.getByRole('button', { name: buttonName, exact: true }).click()
}

function rowFor(page: Page, table: string, text: string) {
  return page.getByRole('table', { name: table }).getByRole('row').filter({ has: page.getByRole('cell', { name: text, exact: true }) })
}

function errorSummary(page: Page) {
  return page.getByRole('alert').filter({ has: page.getByRole('heading', { name: 'There is a problem' }) })
}

/** The summary links to the field (by its id), the field is marked invalid, and its description carries the message. */
async function expectFieldError(page: Page, label: string, message: string): Promise<void> {
  const field = page.getByLabel(label, { exact: true })
  const id = await field.getAttribute('id')
  expect(await errorSummary(page).getByRole('link', { name: message, exact: true }).getAttribute('href'), `summary link for ${label}`).toBe(`#${id}`)
  expect(await field.getAttribute('aria-invalid'), `${label} marked invalid`).toBe('true')
  const describedBy = (await field.getAttribute('aria-describedby'))?.split(/\s+/) ?? []
  const descriptions = await Promise.all(describedBy.map((ref) => page.locator(`[id="${ref}"]`).innerText()))
  expect(descriptions.join('\n'), `message beside ${label}`).toContain(message)
}

async function selectedLabel(page: Page, label: string): Promise<string> {
  return (await page.getByLabel(label, { exact: true }).locator('option:checked').innerText()).trim()
}

/** The value beside a term in the page's summary list. */
async function summaryValue(page: Page, term: string): Promise<string> {
  return (await page.locator('main dl > div').filter({ has: page.locator('dt', { hasText: term }) }).locator('dd').innerText()).trim()
}

async function flash(page: Page): Promise<string> {
  return (await page.getByRole('status').innerText()).trim()
}

async function heading(page: Page): Promise<string> {
  return (await page.getByRole('heading', { level: 1 }).innerText()).trim()
}

function pathAndQuery(page: Page): string {
  const url = new URL(page.url())
  return `${url.pathname}${url.search}`
}
