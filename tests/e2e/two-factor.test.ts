/**
 * Two-factor authentication in the browser: a person turns it on with a code from their authenticator app and is
 * asked for a code at every sign-in after; a finance officer cannot reach anything before passing it; and someone
 * given a role that requires it (by an administrator, through the admin pages) is sent to set it up before anything
 * else. Codes are worked out from the secret as an authenticator app would (currentTotpCode), from the set-up page
 * for new people and from the journey database for the demo accounts.
 */
import type { Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { currentTotpCode } from '../../app/domain/identity/totp.server.ts'
import { DEMO_DOMAIN, DEMO_PASSWORD } from '../../db/seed/demo.ts'
import { checkA11y, createAccount, errorSummary, expectFieldError, flash, heading, landOn, newPage, pathAndQuery, signIn, submit, totpSecretOf, visit } from './support/journey.ts'

const PASSWORD = 'a second lock on the front door'
const INVALID_CODE = 'The code is not correct. Enter the 6-digit code your authenticator app shows now'

describe('with JavaScript on', () => {
  test('a person turns on two-factor authentication, and at their next sign-in a wrong code is refused and the right one lets them in', async () => {
    const email = await createAccount('Ada Lovelace', PASSWORD, 'two-factor')
    const page = await newPage()
    await signIn(page, email, PASSWORD)
    await landOn(page, '/home')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Your account' }).click()
    await landOn(page, '/account')
    await page.getByRole('link', { name: 'Set up two-factor authentication' }).click()
    await landOn(page, '/account/two-factor')

    const secret = await enrolWithCodeFromPage(page)
    await landOn(page, '/account')
    expect(await flash(page)).toBe('Two-factor authentication is on')
    expect(await page.locator('main').innerText()).toContain('Manage two-factor authentication')

    await page.getByRole('button', { name: 'Sign out' }).click()
    await landOn(page, '/')
    await signIn(page, email, PASSWORD)
    await landOn(page, '/login/two-factor?redirectTo=%2Fhome')
    expect(await heading(page)).toBe('Enter your security code')

    await page.getByLabel('Code from your authenticator app', { exact: true }).fill(wrongCodeFor(secret))
    await submit(page, 'Continue')
    await errorSummary(page).getByRole('link', { name: INVALID_CODE }).waitFor()
    await checkA11y(page)
    await expectFieldError(page, 'Code from your authenticator app', INVALID_CODE)
    expect(pathAndQuery(page)).toBe('/login/two-factor?redirectTo=%2Fhome')

    await page.getByLabel('Code from your authenticator app', { exact: true }).fill(currentTotpCode(secret))
    await submit(page, 'Continue')
    await landOn(page, '/home')
    expect(await heading(page)).toBe('Welcome, Ada Lovelace')
  })

  test('a finance officer must enter their code before they can reach their home page', async () => {
    const email = `finance@${DEMO_DOMAIN}`
    const page = await newPage()
    await signIn(page, email, DEMO_PASSWORD)
    await landOn(page, '/login/two-factor?redirectTo=%2Fhome')

    // Going straight to a page instead is sent back to the code.
    await visit(page, '/home')
    expect(pathAndQuery(page)).toBe('/login/two-factor?redirectTo=%2Fhome')

    await page.getByLabel('Code from your authenticator app', { exact: true }).fill(currentTotpCode(await totpSecretOf(email)))
    await submit(page, 'Continue')
    await landOn(page, '/home')
    expect(await heading(page)).toBe('Welcome, Sam Rowe')
    expect(await page.getByRole('heading', { level: 2, name: 'Finance' }).isVisible()).toBe(true)
  })

  test('someone an administrator makes a finance officer is sent to set up two-factor authentication at their next page', async () => {
    const email = await createAccount('Jo Bloggs', PASSWORD, 'two-factor')
    const person = await newPage()
    await signIn(person, email, PASSWORD)
    await landOn(person, '/home')

    const admin = await newPage()
    const adminEmail = `admin@${DEMO_DOMAIN}`
    await signIn(admin, adminEmail, DEMO_PASSWORD)
    await landOn(admin, '/login/two-factor?redirectTo=%2Fhome')
    await admin.getByLabel('Code from your authenticator app', { exact: true }).fill(currentTotpCode(await totpSecretOf(adminEmail)))
    await submit(admin, 'Continue')
    await landOn(admin, '/home')
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Administration' }).click()
    await landOn(admin, '/admin')
    await admin.getByRole('link', { name: 'Users', exact: true }).click()
    await landOn(admin, '/admin/users')
    await admin.getByLabel('Search by name or email', { exact: true }).fill(email)
    await submit(admin, 'Search')
    await landOn(admin, `/admin/users?${new URLSearchParams({ q: email })}`)
    await admin.getByRole('link', { name: 'Jo Bloggs', exact: true }).click()
    await admin.waitForURL(/\/admin\/users\/\d+$/)
    await checkA11y(admin)
    const userPage = new URL(admin.url()).pathname
    await admin.getByLabel('Role', { exact: true }).selectOption({ label: 'Finance officer' })
    await submit(admin, 'Grant role')
    await admin.getByRole('status').filter({ hasText: 'Finance officer role granted' }).waitFor()
    await checkA11y(admin)
    expect(new URL(admin.url()).pathname).toBe(userPage)
    expect(await admin.getByRole('table').getByRole('cell', { name: 'Finance officer', exact: true }).isVisible()).toBe(true)

    // The person's very next page load goes to two-factor set-up, and so does every other page until it is done.
    await visit(person, '/home')
    expect(pathAndQuery(person)).toBe('/account/two-factor?required=1')
    expect(await person.locator('main').innerText()).toContain('Your role (finance officer or administrator) lets you move money or manage people')
    await visit(person, '/organisation')
    expect(pathAndQuery(person)).toBe('/account/two-factor?required=1')

    await enrolWithCodeFromPage(person)
    await landOn(person, '/account')
    expect(await flash(person)).toBe('Two-factor authentication is on')
    await visit(person, '/home')
    expect(await person.getByRole('heading', { level: 2, name: 'Finance' }).isVisible()).toBe(true)
  })
})

describe('with JavaScript off', () => {
  test('a person turns on two-factor authentication (a wrong code first), then signs in with a code', async () => {
    const email = await createAccount('Grace Hopper', PASSWORD, 'two-factor')
    const page = await newPage({ javaScriptEnabled: false })
    await signIn(page, email, PASSWORD)
    await landOn(page, '/home')
    await visit(page, '/account/two-factor')
    expect(await heading(page)).toBe('Two-factor authentication')
    const secret = (await page.locator('#totp-secret').innerText()).trim()

    await page.getByLabel('Code from your authenticator app', { exact: true }).fill(wrongCodeFor(secret))
    await submit(page, 'Turn on two-factor authentication')
    await errorSummary(page).getByRole('link', { name: INVALID_CODE }).waitFor()
    await checkA11y(page)
    await expectFieldError(page, 'Code from your authenticator app', INVALID_CODE)
    expect((await page.locator('#totp-secret').innerText()).trim()).toBe(secret)

    await page.getByLabel('Code from your authenticator app', { exact: true }).fill(currentTotpCode(secret))
    await submit(page, 'Turn on two-factor authentication')
    await landOn(page, '/account')
    expect(await flash(page)).toBe('Two-factor authentication is on')

    await page.getByRole('button', { name: 'Sign out' }).click()
    await landOn(page, '/')
    await signIn(page, email, PASSWORD)
    await landOn(page, '/login/two-factor?redirectTo=%2Fhome')
    await page.getByLabel('Code from your authenticator app', { exact: true }).fill(currentTotpCode(secret))
    await submit(page, 'Continue')
    await landOn(page, '/home')
    expect(await heading(page)).toBe('Welcome, Grace Hopper')
  })
})

/** On /account/two-factor: reads the secret key the page shows, and turns two-factor on with a code made from it. */
async function enrolWithCodeFromPage(page: Page): Promise<string> {
  expect(await heading(page)).toBe('Two-factor authentication')
  const secret = (await page.locator('#totp-secret').innerText()).trim()
  expect(secret).toMatch(/^[A-Z2-7]{32}$/)
  await page.getByLabel('Code from your authenticator app', { exact: true }).fill(currentTotpCode(secret))
  await submit(page, 'Turn on two-factor authentication')
  return secret
}

/** A well-formed code that no authenticator holding `secret` shows now, a step before or a step after. */
function wrongCodeFor(secret: string): string {
  const now = Date.now()
  const accepted = new Set([-60_000, -30_000, 0, 30_000, 60_000].map((offset) => currentTotpCode(secret, now + offset)))
  for (let n = 0; ; n += 1) {
    const code = String(n).padStart(6, '0')
    if (!accepted.has(code)) return code
  }
}
