/**
 * Creating an account, signing in and out, and resetting a forgotten password, as a person does it in the browser:
 * every journey runs with JavaScript on and again with it off. Fields are found by their labels and buttons by their
 * text; every page shown is checked with axe, and a browser error (a CSP violation is one) fails the journey.
 */
import { describe, expect, test } from 'vitest'
import { checkA11y, createAccount, errorSummary, expectFieldError, flash, heading, landOn, linkIn, mailboxMark, newPage, pathAndQuery, readLatestEmail, signIn, submit, uniqueEmail, visit } from './support/journey.ts'

const PASSWORD = 'wandle valley sings on tuesdays'
const NEW_PASSWORD = 'a different tune every thursday'
const WRONG_CREDENTIALS = 'Enter a correct email address and password'

for (const javaScriptEnabled of [true, false]) {
  describe(`with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    test('a new person signs up and lands on their home page, signed in, with a welcome message', async () => {
      const page = await newPage({ javaScriptEnabled })
      const email = uniqueEmail('signup')
      await visit(page, '/signup')
      await page.getByLabel('Full name', { exact: true }).fill('Ada Lovelace')
      await page.getByLabel('Email address', { exact: true }).fill(email)
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
      await submit(page, 'Create account')
      await landOn(page, '/home')

      expect(await flash(page)).toBe('Welcome to Commonpot, Ada Lovelace. Your account has been created.')
      expect(await heading(page)).toBe('Welcome, Ada Lovelace')
      expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true)
    })

    test('sign-up with no name, a malformed email address and a short password lists each problem, linked to its field, and shows it beside the field', async () => {
      const page = await newPage({ javaScriptEnabled })
      await visit(page, '/signup')
      await page.getByLabel('Email address', { exact: true }).fill('not-an-email-address')
      await page.getByLabel('Password', { exact: true }).fill('too short')
      await submit(page, 'Create account')
      await errorSummary(page).getByRole('link', { name: 'Enter your full name' }).waitFor()
      await checkA11y(page)

      expect(new URL(page.url()).pathname).toBe('/signup')
      await expectFieldError(page, 'Full name', 'Enter your full name')
      await expectFieldError(page, 'Email address', 'Enter an email address in the correct format, like name@example.com')
      await expectFieldError(page, 'Password', 'Password must be 12 characters or more')
      expect(await page.getByLabel('Email address', { exact: true }).inputValue()).toBe('not-an-email-address')
    })

    test('signing out returns to the front page, after which the home page asks them to sign in', async () => {
      const email = await createAccount('Grace Hopper', PASSWORD, 'person')
      const page = await newPage({ javaScriptEnabled })
      await signIn(page, email, PASSWORD)
      await landOn(page, '/home')

      await page.getByRole('button', { name: 'Sign out' }).click()
      await landOn(page, '/')
      expect(await flash(page)).toBe('You have signed out')
      expect(await page.getByRole('banner').getByRole('link', { name: 'Sign in' }).isVisible()).toBe(true)

      await visit(page, '/home')
      expect(pathAndQuery(page)).toBe('/login?redirectTo=%2Fhome')
      expect(await heading(page)).toBe('Sign in')
    })

    test('signing in with the wrong password is refused, and with the right one lands on the home page', async () => {
      const email = await createAccount('Mary Seacole', PASSWORD, 'person')
      const page = await newPage({ javaScriptEnabled })
      await signIn(page, email, 'not the password at all')
      await errorSummary(page).waitFor()
      await checkA11y(page)
      expect(await errorSummary(page).innerText()).toContain(WRONG_CREDENTIALS)
      expect(new URL(page.url()).pathname).toBe('/login')
      // The server never sends a password back in a page (with JavaScript on, the browser keeps what was typed).
      if (!javaScriptEnabled) expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('')

      await page.getByLabel('Email address', { exact: true }).fill(email)
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
      await submit(page, 'Sign in')
      await landOn(page, '/home')
      expect(await heading(page)).toBe('Welcome, Mary Seacole')
    })

    test('a forgotten password is reset from the emailed link; the new password signs in and the old one no longer does', async () => {
      const email = await createAccount('Florence Nightingale', PASSWORD, 'person')
      const page = await newPage({ javaScriptEnabled })
      await visit(page, '/login')
      await page.getByRole('link', { name: 'Forgotten your password?' }).click()
      await landOn(page, '/forgot-password')
      const mark = await mailboxMark()
      await page.getByLabel('Email address', { exact: true }).fill(email)
      await submit(page, 'Send reset link')
      await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor()
      await checkA11y(page)
      const checkYourEmail = await page.locator('main').innerText()
      expect(checkYourEmail).toContain(`If there is a Commonpot account for ${email}, we have sent it a link to reset the password.`)
      expect(checkYourEmail).toContain('The link works once, for 60 minutes.')

      const resetEmail = await readLatestEmail(email, 'Reset your Commonpot password', { since: mark })
      await visit(page, linkIn(resetEmail, '/reset-password'))
      expect(await heading(page)).toBe('Choose a new password')
      await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD)
      await page.getByLabel('Confirm new password', { exact: true }).fill(NEW_PASSWORD)
      await submit(page, 'Change password')
      await landOn(page, '/login')
      expect(await flash(page)).toBe('Your password has been changed. Sign in with your new password.')

      await page.getByLabel('Email address', { exact: true }).fill(email)
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
      await submit(page, 'Sign in')
      await errorSummary(page).waitFor()
      await checkA11y(page)
      expect(await errorSummary(page).innerText()).toContain(WRONG_CREDENTIALS)

      await page.getByLabel('Email address', { exact: true }).fill(email)
      await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD)
      await submit(page, 'Sign in')
      await landOn(page, '/home')
      expect(await heading(page)).toBe('Welcome, Florence Nightingale')
    })
  })
}
