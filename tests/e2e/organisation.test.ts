/**
 * Organisations in the browser: an organisation admin invites a colleague, who gets the email, creates an account from
 * its link, accepts and finds themselves a member; and someone new registers their organisation (with JavaScript
 * off), first with a charity number in the wrong format.
 */
import crypto from 'node:crypto'
import type { Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { DEMO_DOMAIN, DEMO_PASSWORD } from '../../db/seed/demo.ts'
import { checkA11y, createAccount, errorSummary, expectFieldError, flash, heading, landOn, linkIn, mailboxMark, newPage, pathAndQuery, readLatestEmail, signIn, submit, uniqueEmail, visit } from './support/journey.ts'

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
  const email = await createAccount('Esi Mensah', PASSWORD, 'organisation')
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

function rowFor(page: Page, table: string, text: string) {
  return page.getByRole('table', { name: table }).getByRole('row').filter({ has: page.getByRole('cell', { name: text, exact: true }) })
}

async function selectedLabel(page: Page, label: string): Promise<string> {
  return (await page.getByLabel(label, { exact: true }).locator('option:checked').innerText()).trim()
}

/** The value beside a term in the page's summary list. */
async function summaryValue(page: Page, term: string): Promise<string> {
  return (await page.locator('main dl > div').filter({ has: page.locator('dt', { hasText: term }) }).locator('dd').innerText()).trim()
}
