/**
 * Fund managers see what arrived: once a group has submitted a partnership bid to the demo's open Thriving
 * Communities round, the demo fund manager finds the round's applications from Fund management, filters them by status
 * (a GET form), opens the bid, overrides its screening (a reason is required), and downloads the list as CSV. Another
 * organisation's member asking for the bid's address gets the 404 page.
 */
import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import { parse } from 'csv-parse/sync'
import type { Locator, Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { DEMO_DOMAIN } from '../../db/seed/demo.ts'
import { checkA11y, errorSummary, expectFieldError, heading, landOn, newPage, pdfWithText, signInToHome, submit, uniqueEmail, visit } from './support/journey.ts'

const ROUND = 'Thriving Communities 2026/27'
const ROUND_SLUG = 'thriving-communities-2026-27'
const CSV_HEADER = ['Reference', 'Organisation', 'Legal type', 'Place', 'Region', 'Status', 'Amount requested (£)', 'Submitted at (London time)', 'Screening result']
const REASON_REQUIRED = 'Enter the reason for your screening decision'

test('a fund manager filters the round’s applications by status, overrides a bid’s screening with a reason, and downloads the list as CSV', async () => {
  const bid = await submitPartnershipBid()

  const manager = await newPage()
  await signInToHome(manager, `manager@${DEMO_DOMAIN}`)
  await manager.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Fund management' }).click()
  await landOn(manager, '/manage/funds')
  await manager.getByRole('link', { name: 'Thriving Communities Fund' }).click()
  await manager.waitForURL((url) => /^\/manage\/funds\/\d+$/.test(url.pathname))
  await checkA11y(manager)
  await manager.getByRole('link', { name: ROUND, exact: true }).click()
  await manager.waitForURL((url) => /^\/manage\/rounds\/\d+$/.test(url.pathname))
  await checkA11y(manager)
  const roundPath = new URL(manager.url()).pathname
  await manager.getByRole('link', { name: 'Applications', exact: true }).click()
  await landOn(manager, `${roundPath}/applications`)
  expect(await heading(manager)).toBe('Applications')
  expect(await rowOf(manager, bid.reference).count()).toBe(1)

  // Filter by status: a GET form, so the filter is in the address.
  await manager.getByLabel('Status', { exact: true }).selectOption({ label: 'Submitted' })
  await submit(manager, 'Apply filters')
  await manager.waitForURL((url) => url.searchParams.get('status') === 'submitted')
  await checkA11y(manager)
  const statuses = await manager.getByRole('table', { name: 'Applications to this round' }).locator('tbody tr td:nth-child(4)').allInnerTexts()
  expect(statuses.length).toBeGreaterThan(0)
  expect(new Set(statuses)).toEqual(new Set(['Submitted']))
  const row = await rowOf(manager, bid.reference).innerText()
  expect(row).toContain(bid.organisation)
  expect(row).toContain('NHS South West London Integrated Care Board')
  expect(row).toContain('£40,000.00')
  expect(row).toContain('Not screened yet')

  // Open the bid and override its screening: without a reason first.
  await manager.getByRole('link', { name: bid.reference, exact: true }).click()
  await landOn(manager, `/manage/applications/${bid.id}`)
  expect(await heading(manager)).toBe(`${bid.reference}: ${bid.organisation}`)
  await manager.getByLabel('Your screening decision', { exact: true }).selectOption({ label: 'Not eligible' })
  await submit(manager, 'Record screening decision')
  await errorSummary(manager).getByRole('link', { name: REASON_REQUIRED }).waitFor()
  await checkA11y(manager)
  await expectFieldError(manager, 'Reason for your decision', REASON_REQUIRED)

  const reason = 'The letter of support from the primary care network is unsigned.'
  await manager.getByLabel('Reason for your decision', { exact: true }).fill(reason)
  await submit(manager, 'Record screening decision')
  await manager.getByRole('status').filter({ hasText: 'Screening recorded: Not eligible' }).waitFor()
  await checkA11y(manager)
  expect(await summaryValue(manager, 'Fund manager’s decision')).toMatch(new RegExp(`^Not eligible, by Helen Carter on \\d{2}:\\d{2} on .+: “${reason}”$`))

  // Back on the list, the override shows; the CSV has the same row.
  await manager.getByRole('link', { name: `Applications to ${ROUND}` }).click()
  await landOn(manager, `${roundPath}/applications`)
  expect(await rowOf(manager, bid.reference).innerText()).toContain('Not eligible (overridden)')
  const [download] = await Promise.all([manager.waitForEvent('download'), manager.getByRole('link', { name: 'Download these applications (CSV)' }).click()])
  expect(download.suggestedFilename()).toBe(`${ROUND_SLUG}-applications.csv`)
  const records = parse(await fs.readFile(await download.path(), 'utf8'), { bom: true }) as string[][]
  expect(records[0]).toEqual(CSV_HEADER)
  const record = records.find((r) => r[0] === bid.reference)
  expect(record, `a CSV row for ${bid.reference}`).toBeDefined()
  expect(record!.slice(0, 7)).toEqual([
    bid.reference,
    bid.organisation,
    'Charitable incorporated organisation (CIO)',
    'NHS South West London Integrated Care Board',
    'London',
    'Submitted',
    '40000.00',
  ])
  expect(record![7]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/)
  expect(record![8]).toBe('Not eligible')
}, 240_000)

test('a member of another organisation asking for a bid’s address gets the 404 page', async () => {
  const bid = await submitPartnershipBid()
  const other = await newPage()
  await signInToHome(other, `applicant@${DEMO_DOMAIN}`)
  for (const path of [`/applications/${bid.id}`, `/applications/${bid.id}/check`, `/applications/${bid.id}/sections/1`]) {
    await visit(other, path, { status: 404 })
    expect(await heading(other)).toBe('Page not found')
    expect(await other.locator('main').innerText()).not.toContain(bid.organisation)
  }
}, 240_000)

/**
 * A new group's complete partnership bid to the Thriving Communities round, made in the browser as an applicant makes
 * it (tests/e2e/apply.test.ts follows the same journey step by step). Returns its id, reference and organisation.
 */
async function submitPartnershipBid(): Promise<{ id: number; reference: string; organisation: string }> {
  const organisation = `Streatham Green Minds ${crypto.randomBytes(3).toString('hex')}`
  const page = await newPage()
  await visit(page, '/signup')
  await page.getByLabel('Full name', { exact: true }).fill('Yusuf Adeyemi')
  await page.getByLabel('Email address', { exact: true }).fill(uniqueEmail('bid'))
  await page.getByLabel('Password', { exact: true }).fill('green minds meet on thursdays')
  await submit(page, 'Create account')
  await landOn(page, '/home')

  await visit(page, '/organisation/new')
  await page.getByLabel('Organisation name', { exact: true }).fill(organisation)
  await page.getByLabel('Type of organisation', { exact: true }).selectOption({ label: 'Charitable incorporated organisation (CIO)' })
  await page.getByLabel('Charity number', { exact: true }).fill(String(crypto.randomInt(2_000_000, 10_000_000)))
  await page.getByLabel('Address line 1', { exact: true }).fill('3 Streatham High Road')
  await page.getByLabel('Town or city', { exact: true }).fill('London')
  await page.getByLabel('Postcode', { exact: true }).fill('SW16 1DB')
  await page.getByLabel('Integrated care board area', { exact: true }).selectOption({ label: 'NHS South West London Integrated Care Board (London)' })
  await submit(page, 'Register organisation')
  await landOn(page, '/organisation')

  await visit(page, `/apply/${ROUND_SLUG}/eligibility`)
  await submit(page, 'Check and start my application')
  await page.waitForURL((url) => /^\/applications\/\d+$/.test(url.pathname))
  await checkA11y(page)
  const id = Number(new URL(page.url()).pathname.split('/').pop())
  const reference = /Your application reference is (\S+)\.$/.exec((await page.getByRole('status').innerText()).trim())?.[1]
  if (!reference) throw new Error('No application reference in the flash message')

  await visit(page, `/applications/${id}/sections/1`)
  await page.getByLabel('Partner organisation name, line 1', { exact: true }).fill('Streatham Library')
  await page.getByLabel('Partner’s role, line 1', { exact: true }).fill('Hosts the sessions')
  await page.getByLabel('Letter of support, line 1', { exact: true }).setInputFiles({ name: 'library-letter.pdf', mimeType: 'application/pdf', buffer: await pdfWithText('Streatham Library supports this bid.') })
  await page.getByLabel('Partner organisation name, line 2', { exact: true }).fill('Streatham Primary Care Network')
  await page.getByLabel('Partner’s role, line 2', { exact: true }).fill('Link workers refer people')
  await page.getByLabel('How will your partnership work with social prescribing link workers?', { exact: true }).fill('Link workers refer people to weekly gardening sessions.')
  await page.getByRole('group', { name: 'Have any of the partners worked with link workers before?' }).getByLabel('No', { exact: true }).check()
  await submit(page, 'Save and continue')
  await landOn(page, `/applications/${id}/sections/2`)

  await page.getByLabel('Project title', { exact: true }).fill('Growing together in Streatham')
  await page.getByLabel('What will you do, and who will take part?', { exact: true }).fill('Weekly gardening for people referred by link workers.')
  await page.getByLabel('About how many people will take part?', { exact: true }).fill('30')
  await page.getByLabel('When will the project start?', { exact: true }).fill('2027-05-01')
  await page.getByLabel('Nature and green space', { exact: true }).check()
  await submit(page, 'Save and continue')
  await landOn(page, `/applications/${id}/sections/3`)

  const lines = [
    { category: 'Staff and freelance fees', description: 'Gardening leaders', amount: '42,000', kind: 'Cash' },
    { category: 'Venue hire', description: 'Allotment, given free', amount: '8,000', kind: 'In-kind' },
  ]
  for (const [i, l] of lines.entries()) {
    await page.getByLabel(`Category, line ${i + 1}`, { exact: true }).selectOption({ label: l.category })
    await page.getByLabel(`Description, line ${i + 1}`, { exact: true }).fill(l.description)
    await page.getByLabel(`Amount in pounds, line ${i + 1}`, { exact: true }).fill(l.amount)
    await page.getByLabel(`Cash or in-kind, line ${i + 1}`, { exact: true }).selectOption({ label: l.kind })
  }
  await page.getByLabel('Amount you are asking for', { exact: true }).fill('40,000')
  await submit(page, 'Save and continue')
  await landOn(page, `/applications/${id}/sections/4`)

  await page.getByLabel('Your governing document', { exact: true }).setInputFiles({ name: 'constitution.pdf', mimeType: 'application/pdf', buffer: await pdfWithText(`The constitution of ${organisation}.`) })
  await submit(page, 'Save and continue')
  await landOn(page, `/applications/${id}/check`)
  await page.getByLabel('I confirm that the information in this application is true and complete, and that I am authorised to apply for my organisation.', { exact: true }).check()
  await submit(page, 'Submit application')
  await landOn(page, `/applications/${id}/submitted`)
  return { id, reference, organisation }
}

function rowOf(page: Page, reference: string): Locator {
  return page.getByRole('table', { name: 'Applications to this round' }).getByRole('row').filter({ has: page.getByRole('link', { name: reference, exact: true }) })
}

/** The value beside a term in the page's first summary list that has it. */
async function summaryValue(page: Page, term: string): Promise<string> {
  return (await page.locator('main dl > div').filter({ has: page.locator('dt', { hasText: term }) }).locator('dd').first().innerText()).trim()
}
