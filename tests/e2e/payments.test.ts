/**
 * From an award to money in a group's bank account, in the browser: the demo fund manager sets the Merton Men's Shed
 * award's terms (one payment) and sends the offer; the Shed's admin reads it, accepts it (a wrong bank detail is
 * refused beside its field first) and gives the Shed's bank details; a finance officer checks them and prepares a
 * payment run, which is over the four-eyes threshold, so the same officer cannot approve it; a second finance officer
 * approves it and downloads the Standard 18 file; the bank statement's import marks the payment paid; and the pot
 * dashboard shows the money paid. Every page shown is checked with axe.
 */
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { currentTotpCode } from '../../app/domain/identity/totp.server.ts'
import { DEMO_DOMAIN, DEMO_PASSWORD } from '../../db/seed/demo.ts'
import { checkA11y, expectFieldError, flash, heading, landOn, newPage, signInToHome, submit, totpSecretOf, visit } from './support/journey.ts'

const AWARD = 'TCF-2026-00005-AWD'
const PAYMENT = 'TCF-2026-00005/1'
const SHED = 'Merton Men’s Shed'
const POT = 'NHS South West London shared investment pot 2026-27'

async function signInWithTwoFactor(email: string): Promise<Page> {
  const page = await newPage()
  await visit(page, '/login')
  await page.getByLabel('Email address', { exact: true }).fill(email)
  await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD)
  await submit(page, 'Sign in')
  await landOn(page, '/login/two-factor?redirectTo=%2Fhome')
  await page.getByLabel('Code from your authenticator app', { exact: true }).fill(currentTotpCode(await totpSecretOf(email)))
  await submit(page, 'Continue')
  await landOn(page, '/home')
  return page
}

function ukToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
}

describe('from an award to a payment', () => {
  let shed: Page
  let runPath = ''
  let second: Page

  test('the fund manager sets one payment and sends the offer', async () => {
    const manager = await newPage()
    await signInToHome(manager, `manager@${DEMO_DOMAIN}`)
    await visit(manager, '/manage/funds')
    await manager.getByRole('link', { name: 'Thriving Communities Fund' }).click()
    await manager.waitForURL(/\/manage\/funds\/\d+$/)
    await checkA11y(manager)
    await manager.getByRole('link', { name: /shared investment round, autumn 2026/ }).click()
    await manager.waitForURL(/\/manage\/rounds\/\d+$/)
    await checkA11y(manager)
    await manager.getByRole('link', { name: 'Offers and awards' }).click()
    await manager.waitForURL(/\/offers$/)
    await checkA11y(manager)
    await manager.getByRole('link', { name: AWARD }).click()
    await manager.waitForURL(/\/manage\/awards\/\d+$/)
    const awardPath = new URL(manager.url()).pathname
    await landOn(manager, awardPath)
    expect(await heading(manager)).toBe(`Award ${AWARD}`)
    await manager.getByLabel('One payment', { exact: true }).check()
    await manager.getByLabel('Start date (one payment, or each year)', { exact: true }).fill(ukToday())
    await submit(manager, 'Save the offer terms')
    await manager.getByRole('status').filter({ hasText: 'Offer terms saved' }).waitFor()
    await landOn(manager, awardPath)
    expect(await manager.getByRole('row', { name: new RegExp(PAYMENT) }).innerText()).toContain('once the offer is accepted')
    await submit(manager, `Send the offer to ${SHED}`)
    await manager.getByRole('status').filter({ hasText: /^Offer letter sent to \d+ members? of the organisation\.$/ }).waitFor()
    await landOn(manager, awardPath)
    expect(await manager.locator('main').innerText()).toContain('Offer sent, waiting for a reply')

  })

  test('the group reads the offer, accepts it and gives its bank details (a wrong sort code is refused beside it)', async () => {
    shed = await newPage()
    await signInToHome(shed, `merton@${DEMO_DOMAIN}`)
    await shed.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Your grants' }).click()
    await landOn(shed, '/awards')
    await shed.getByRole('link', { name: AWARD }).click()
    await shed.waitForURL(/\/awards\/\d+$/)
    const offerPath = new URL(shed.url()).pathname
    await landOn(shed, offerPath)
    await shed.getByLabel('Your full name', { exact: true }).fill('Tom Okoro')
    await shed.getByLabel(`Your role in ${SHED}`, { exact: true }).fill('Treasurer')
    await shed.getByLabel('I confirm the declaration', { exact: true }).check()
    await submit(shed, 'Accept the offer of £25,000.00')
    await shed.getByRole('status').filter({ hasText: 'You accepted the offer of £25,000.00' }).waitFor()
    await landOn(shed, offerPath)
    await shed.getByRole('link', { name: 'Give or check your bank details' }).click()
    await shed.waitForURL(/\/organisation\/bank-details/)
    await checkA11y(shed)
    await shed.getByLabel('Name on the account', { exact: true }).fill('Merton Mens Shed')
    await shed.getByLabel('Sort code', { exact: true }).fill('30-94-5')
    await shed.getByLabel('Account number', { exact: true }).fill('41526378')
    await submit(shed, 'Save bank details')
    await expectFieldError(shed, 'Sort code', 'Enter a sort code, like 30-94-57')
    await checkA11y(shed)
    await shed.getByLabel('Sort code', { exact: true }).fill('30-94-57')
    await submit(shed, 'Save bank details')
    await shed.getByRole('status').filter({ hasText: 'Bank details saved.' }).waitFor()
    expect(await shed.locator('main').innerText()).toContain('••••6378')
    expect(await shed.locator('main').innerText()).not.toContain('41526378')

  })

  test('a finance officer checks the bank details and prepares a run, which they cannot approve themselves', async () => {
    const finance = await signInWithTwoFactor(`finance@${DEMO_DOMAIN}`)
    await finance.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Payments' }).click()
    await landOn(finance, '/finance')
    expect(await finance.getByRole('row', { name: new RegExp(PAYMENT) }).innerText()).toContain('bank details have not been checked by finance')
    await finance.getByRole('link', { name: /Bank details to check/ }).click()
    await landOn(finance, '/finance/bank-details')
    await finance.getByRole('link', { name: `Check the bank details of ${SHED}` }).click()
    await finance.waitForURL(/\/finance\/bank-details\/\d+$/)
    await checkA11y(finance)
    await finance.getByLabel(/How you confirmed them/).fill('Matches the paying-in slip; confirmed by phone with the treasurer.')
    await submit(finance, 'Accept these bank details')
    await finance.getByRole('status').filter({ hasText: `Bank details for ${SHED} checked` }).waitFor()
    await landOn(finance, '/finance/bank-details')
    await visit(finance, '/finance')
    expect(await finance.getByRole('row', { name: new RegExp(PAYMENT) }).innerText()).toContain('Yes, by BACS')
    expect(await finance.getByLabel(`Include ${PAYMENT}`, { exact: true }).isChecked()).toBe(true)
    await submit(finance, 'Prepare the payment run')
    await finance.waitForURL(/\/finance\/payment-runs\/\d+$/)
    runPath = new URL(finance.url()).pathname
    expect(await flash(finance)).toContain('is waiting for a second finance officer to approve it')
    expect(await finance.locator('main').innerText()).toContain('You prepared this run, so a different finance officer must approve it.')
    expect(await finance.getByRole('button', { name: /^Approve payment run/ }).count()).toBe(0)
    expect(await finance.getByRole('table', { name: 'By pot' }).innerText()).toContain(`${POT}\t£25,000.00`)
    await checkA11y(finance)

  })

  test('a second finance officer approves the run and downloads the Standard 18 file', async () => {
    second = await signInWithTwoFactor(`finance2@${DEMO_DOMAIN}`)
    await visit(second, runPath)
    await submit(second, await second.getByRole('button', { name: /^Approve payment run/ }).innerText())
    await second.getByRole('status').filter({ hasText: /^Payment run PR-\d+ approved$/ }).waitFor()
    await landOn(second, runPath)
    await second.getByLabel('Standard 18 file', { exact: true }).check()
    const [download] = await Promise.all([second.waitForEvent('download'), submit(second, 'Download the bank file')])
    const file = await fs.readFile(await download.path())
    const records = file.toString('latin1').split('\r\n').filter(Boolean)
    expect(records.every((r) => r.length === 100)).toBe(true)
    const credit = records.find((r) => r.slice(15, 17) === '99')!
    expect(credit.slice(0, 14)).toBe('30945741526378')
    expect(credit.slice(35, 46)).toBe('00002500000')
    expect(credit.slice(64, 82).trim()).toBe(PAYMENT)
    expect(credit.slice(82, 100).trim()).toBe('MERTON MENS SHED')

  })

  test('the bank statement import marks the payment paid, and the pot dashboard and the group see it', async () => {
    second = await signInWithTwoFactor(`finance2@${DEMO_DOMAIN}`)
    const [y, m, d] = ukToday().split('-')
    const statement = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'commonpot-statement-')), 'statement.csv')
    await fs.writeFile(statement, `Date,Description,Amount\r\n${d}/${m}/${y},BACS ${PAYMENT} MERTON MENS SHED,-25000.00\r\n${d}/${m}/${y},BANK CHARGES,-4.50\r\n`)
    await visit(second, '/finance/statements')
    await second.getByLabel('Statement CSV file', { exact: true }).setInputFiles(statement)
    await submit(second, 'Import the statement')
    await second.waitForURL(/\/finance\/statements\/\d+$/)
    const lines = second.getByRole('table', { name: 'Each line of the statement and what it matched' })
    expect(await lines.getByRole('row', { name: new RegExp(PAYMENT) }).innerText()).toContain('Matched: marked paid')
    expect(await lines.getByRole('row', { name: /BANK CHARGES/ }).innerText()).toContain('Not matched')
    await checkA11y(second)
    await visit(second, runPath)
    expect(await second.getByRole('row', { name: new RegExp(PAYMENT) }).innerText()).toContain('Paid')

    // The pot's dashboard shows it: the choir's £10,000 (paid in the demo) and the Shed's £25,000.
    await second.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pooled pots' }).click()
    await landOn(second, '/pots')
    await second.getByRole('link', { name: POT }).click()
    await second.waitForURL(/\/pots\/\d+$/)
    await checkA11y(second)
    await second.getByRole('link', { name: 'See the dashboard' }).click()
    await second.waitForURL(/\/dashboard$/)
    const paidCard = second.locator('li.card', { has: second.getByRole('heading', { name: 'Paid', exact: true }) })
    expect(await paidCard.locator('.lead').innerText()).toBe('£35,000.00')
    await checkA11y(second)

    // The Shed sees its grant paid in full.
    shed = await newPage()
    await signInToHome(shed, `merton@${DEMO_DOMAIN}`)
    await visit(shed, '/awards')
    expect(await shed.getByRole('row', { name: new RegExp(AWARD) }).innerText()).toContain('Paid in full')
  })
})
