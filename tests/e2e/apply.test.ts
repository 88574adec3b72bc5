/**
 * A grassroots group applies, as a volunteer does it in the browser: signs up, registers the group, finds the open
 * Thriving Communities round on /funding, is told why the group cannot lead a bid (its type), registers the charity
 * that will lead it instead, passes the check, completes every section of a partnership bid (partners with a letter
 * of support, a budget with 20% match funding of which part is in-kind, the governing document), checks the answers,
 * ticks the declaration, submits and gets the confirmation email. Once with JavaScript on and once with it off; on the
 * way, more words than a question allows and an amount that is not money come back as 400s with the message by the
 * field. Then a bid submitted a moment after its round closed is refused with 409, naming the deadline.
 */
import crypto from 'node:crypto'
import { addMinutes, startOfMinute } from 'date-fns'
import type { Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { DEMO_DOMAIN, DEMO_PASSWORD } from '../../db/seed/demo.ts'
import { formatDeadline, formatLondon } from '../../app/lib/dates.ts'
import { checkA11y, errorSummary, expectFieldError, flash, heading, landOn, mailboxMark, newPage, pdfWithText, readLatestEmail, submit, uniqueEmail, visit } from './support/journey.ts'

const PASSWORD = 'we sing on the common every tuesday'
const ROUND = 'Thriving Communities 2026/27'
const ROUND_SLUG = 'thriving-communities-2026-27'
const SOUTH_WEST_LONDON = 'NHS South West London Integrated Care Board (London)'
const LINK_WORKERS = 'How will your partnership work with social prescribing link workers?'
const AMOUNT = 'Amount you are asking for'

for (const javaScriptEnabled of [true, false]) {
  describe(`with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    test('a new group fails the eligibility check as a community group, passes it with the charity that leads, completes a partnership bid with 20% match funding and uploads, and submits it', async () => {
      const suffix = crypto.randomBytes(3).toString('hex')
      const choir = `Tooting Memory Choir ${suffix}`
      const trust = `Wandle Arts Trust ${suffix}`
      const email = uniqueEmail('treasurer')
      const page = await newPage({ javaScriptEnabled })

      // Sign up, and register the choir: an unincorporated community group.
      await visit(page, '/signup')
      await page.getByLabel('Full name', { exact: true }).fill('Bernadette Osei')
      await page.getByLabel('Email address', { exact: true }).fill(email)
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD)
      await submit(page, 'Create account')
      await landOn(page, '/home')
      await registerOrganisation(page, { name: choir, type: 'Unincorporated community group' })

      // Find the round on the public Open funding page and check whether the choir can apply: it cannot lead.
      await visit(page, '/funding')
      await page.getByRole('link', { name: ROUND, exact: true }).click()
      await landOn(page, `/funding/${ROUND_SLUG}`)
      expect(await heading(page)).toBe(ROUND)
      await page.getByRole('link', { name: 'Check if you can apply' }).click()
      await landOn(page, `/apply/${ROUND_SLUG}/eligibility`)
      expect(await heading(page)).toBe(`Check if you can apply to ${ROUND}`)
      expect(await page.locator('main').innerText()).toContain(`You are applying for ${choir}.`)
      const refused = await postAndWait(page, 'Check and start my application')
      expect(refused.status()).toBe(400)
      const notEligible = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: 'You cannot apply to this round yet' }) })
      await notEligible.waitFor()
      await checkA11y(page)
      expect(await notEligible.innerText()).toContain(`This round is open to Registered charity, Charitable incorporated organisation (CIO), Community interest company (CIC), Community benefit society or Co-operative society. ${choir} is registered as: Unincorporated community group.`)
      expect(new URL(page.url()).pathname).toBe(`/apply/${ROUND_SLUG}/eligibility`)

      // The arts charity she is a trustee of will lead the partnership; with it, the check passes.
      await registerOrganisation(page, { name: trust, type: 'Charitable incorporated organisation (CIO)', charityNumber: String(crypto.randomInt(2_000_000, 10_000_000)) })
      await visit(page, `/apply/${ROUND_SLUG}/eligibility`)
      await page.getByRole('group', { name: 'Which organisation is applying?' }).getByLabel(trust, { exact: true }).check()
      await submit(page, 'Check and start my application')
      await page.waitForURL((url) => /^\/applications\/\d+$/.test(url.pathname))
      await checkA11y(page)
      const id = Number(new URL(page.url()).pathname.split('/').pop())
      const reference = /Your application reference is (\S+)\.$/.exec(await flash(page))?.[1]
      expect(reference, 'the reference in the flash message').toBeTruthy()
      expect(await heading(page)).toBe('Your application')
      expect(await page.locator('main').innerText()).toContain(`${trust} · ${ROUND} · Reference ${reference}`)
      expect(await progress(page)).toBe('0 of 4 sections complete')

      // Section 1: the partners, one with a letter of support; too many words first.
      await page.getByRole('link', { name: 'About your partnership' }).click()
      await landOn(page, `/applications/${id}/sections/1`)
      await fillPartner(page, 1, 'Tooting Library', 'Hosts the sessions and lends the hall')
      await fillPartner(page, 2, 'Balham Primary Care Network', 'Link workers refer people to the sessions')
      await page.getByLabel(LINK_WORKERS, { exact: true }).fill(words(301))
      await page.getByRole('group', { name: 'Have any of the partners worked with link workers before?' }).getByLabel('Yes', { exact: true }).check()
      const tooLong = await postAndWait(page, 'Save and continue')
      expect(tooLong.status()).toBe(400)
      await errorSummary(page).waitFor()
      await checkA11y(page)
      await expectFieldError(page, LINK_WORKERS, `${LINK_WORKERS} must be 300 words or fewer (you have 301)`)
      expect(await page.getByLabel('Partner organisation name, line 2', { exact: true }).inputValue()).toBe('Balham Primary Care Network')
      await page.getByLabel(LINK_WORKERS, { exact: true }).fill('Link workers in Balham and Tooting refer people who are lonely; the library hosts weekly creative sessions and our volunteers welcome each newcomer.')
      await page.getByLabel('Letter of support, line 1', { exact: true }).setInputFiles({ name: 'tooting-library-letter.pdf', mimeType: 'application/pdf', buffer: await pdfWithText('Tooting Library supports this bid.') })
      await submit(page, 'Save and continue')
      await landOn(page, `/applications/${id}/sections/2`)

      // Section 2: the project; saved for later, so the task list shows the progress.
      expect(await heading(page)).toBe('Your project')
      await page.getByLabel('Project title', { exact: true }).fill('Singing and making in Tooting')
      await page.getByLabel('What will you do, and who will take part?', { exact: true }).fill('Weekly singing and art sessions for older people referred by link workers, with transport for those who need it.')
      await page.getByLabel('About how many people will take part?', { exact: true }).fill('60')
      await page.getByLabel('When will the project start?', { exact: true }).fill('2027-04-01')
      await page.getByLabel('Arts and culture', { exact: true }).check()
      await page.getByLabel('Older people', { exact: true }).check()
      await submit(page, 'Save and come back later')
      await landOn(page, `/applications/${id}`)
      expect(await flash(page)).toBe('Your answers have been saved. You can come back to them at any time before the deadline.')
      expect(await progress(page)).toBe('2 of 4 sections complete')
      expect(await taskStatus(page, 'About your partnership')).toBe('Completed')
      expect(await taskStatus(page, 'Budget and match funding')).toBe('Not started')

      // Section 3: the budget. £42,000 cash and £8,000 in-kind; asking for £40,000 leaves £10,000 (20%) of match funding.
      await page.getByRole('link', { name: 'Budget and match funding' }).click()
      await landOn(page, `/applications/${id}/sections/3`)
      await fillBudgetLine(page, 1, { category: 'Staff and freelance fees', description: 'Singing leaders and artists', amount: '38,000', kind: 'Cash' })
      await fillBudgetLine(page, 2, { category: 'Materials and equipment', description: 'Art materials and a keyboard', amount: '£4,000', kind: 'Cash' })
      await fillBudgetLine(page, 3, { category: 'Venue hire', description: 'Library hall, given free', amount: '8000', kind: 'In-kind' })
      await page.getByLabel(AMOUNT, { exact: true }).fill('forty thousand')
      const notMoney = await postAndWait(page, 'Save and update the totals')
      expect(notMoney.status()).toBe(400)
      await errorSummary(page).waitFor()
      await checkA11y(page)
      await expectFieldError(page, AMOUNT, 'Enter the amount you are asking for in pounds and pence, like £1,250.50')
      expect(await page.getByLabel('Description, line 3', { exact: true }).inputValue()).toBe('Library hall, given free')
      await page.getByLabel(AMOUNT, { exact: true }).fill('£40,000')
      await submit(page, 'Save and update the totals')
      const totals = page.getByRole('region', { name: 'Your budget, as saved' })
      await totals.waitFor()
      await checkA11y(page)
      expect(await summaryValue(totals, 'Total project cost')).toBe('£50,000.00')
      expect(await summaryValue(totals, 'Cash costs')).toBe('£42,000.00')
      expect(await summaryValue(totals, 'In-kind support')).toBe('£8,000.00')
      expect(await summaryValue(totals, 'Amount you ask for')).toBe('£40,000.00')
      expect(await summaryValue(totals, 'Match funding')).toBe('£10,000.00 (20% of the project cost) – this round needs at least 20%, and in-kind support counts')
      await submit(page, 'Save and continue')
      await landOn(page, `/applications/${id}/sections/4`)

      // Section 4: the governing document, then back to the task list: every section complete.
      await page.getByLabel('Your governing document', { exact: true }).setInputFiles({ name: 'constitution.pdf', mimeType: 'application/pdf', buffer: await pdfWithText(`The constitution of ${trust}.`) })
      await submit(page, 'Save and continue')
      await landOn(page, `/applications/${id}/check`)
      await page.getByRole('link', { name: 'Back to your application' }).click()
      await landOn(page, `/applications/${id}`)
      expect(await progress(page)).toBe('4 of 4 sections complete')
      await page.getByRole('link', { name: 'Check your answers and submit' }).click()
      await landOn(page, `/applications/${id}/check`)

      // Check the answers, declare, submit.
      expect(await heading(page)).toBe('Check your answers before submitting your application')
      const answers = await page.locator('main').innerText()
      expect(answers).not.toContain('Before you can submit')
      expect(answers).toContain('Tooting Library: Hosts the sessions and lends the hall (letter of support: tooting-library-letter.pdf)')
      expect(answers).toContain('Balham Primary Care Network: Link workers refer people to the sessions')
      expect(answers).toContain('Venue hire: Library hall, given free, £8,000.00 (in-kind)')
      expect(answers).toContain('constitution.pdf')
      expect(await summaryValue(page.getByRole('region', { name: 'Money' }), 'Match funding')).toBe('£10,000.00 (20%): £2,000.00 cash and £8,000.00 in-kind')
      await page.getByLabel('I confirm that the information in this application is true and complete, and that I am authorised to apply for my organisation.', { exact: true }).check()
      const mark = await mailboxMark()
      await submit(page, 'Submit application')
      await landOn(page, `/applications/${id}/submitted`)
      expect(await heading(page)).toBe('Application submitted')
      const confirmation = await page.locator('main').innerText()
      expect(confirmation).toContain(`Your reference number is ${reference}`)
      expect(confirmation).toContain(`We have sent a confirmation email to ${email}.`)

      const received = await readLatestEmail(email, `We have received your application ${reference}`, { since: mark })
      expect(received.text).toContain(`${trust}'s application to ${ROUND} was submitted at`)
      expect(received.text).toContain(`Your reference is ${reference}.`)

      // Submitted means read-only: the section page now shows the application as sent.
      await page.goto(`/applications/${id}/sections/1`)
      await landOn(page, `/applications/${id}/check`)
      expect(await heading(page)).toBe('Your application')
      expect(await page.locator('main').innerText()).toContain('Status: Submitted. This application can no longer be changed.')
    }, 240_000)
  })
}

test('a bid submitted a moment after its round closed is refused with 409, naming the deadline', async () => {
  const suffix = crypto.randomBytes(3).toString('hex')
  const title = `Late Night Singing ${suffix}`
  const group = `Mitcham Evening Singers ${suffix}`
  const applicant = await newPage()
  await visit(applicant, '/signup')
  await applicant.getByLabel('Full name', { exact: true }).fill('Roshni Mistry')
  await applicant.getByLabel('Email address', { exact: true }).fill(uniqueEmail('late'))
  await applicant.getByLabel('Password', { exact: true }).fill(PASSWORD)
  await submit(applicant, 'Create account')
  await landOn(applicant, '/home')
  await registerOrganisation(applicant, { name: group, type: 'Registered charity', charityNumber: String(crypto.randomInt(2_000_000, 10_000_000)) })

  // The fund manager sets up a round with one question, closing at the first whole minute far enough away for the
  // group to get as far as the declaration first (closing times are whole minutes, so up to a minute more).
  const manager = await newPage()
  await visit(manager, '/login')
  await manager.getByLabel('Email address', { exact: true }).fill(`manager@${DEMO_DOMAIN}`)
  await manager.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD)
  await submit(manager, 'Sign in')
  await landOn(manager, '/home')
  const setupStarted = Date.now()
  await visit(manager, '/manage/funds')
  await manager.getByRole('link', { name: 'Power of Music Fund' }).click()
  await manager.waitForURL((url) => /^\/manage\/funds\/\d+$/.test(url.pathname))
  await checkA11y(manager)
  await manager.getByLabel('Round title', { exact: true }).fill(title)
  await submit(manager, 'Create round')
  await manager.waitForURL((url) => /^\/manage\/rounds\/\d+$/.test(url.pathname))
  await checkA11y(manager)
  const roundPath = new URL(manager.url()).pathname
  await manager.getByRole('link', { name: 'Questions', exact: true }).click()
  await landOn(manager, `${roundPath}/questions`)
  await manager.getByLabel('Section', { exact: true }).fill('Your group')
  await manager.getByLabel('Type of question', { exact: true }).selectOption({ label: 'Short text' })
  await manager.getByLabel('Question', { exact: true }).fill('Name of your choir')
  await submit(manager, 'Add question')
  await manager.getByRole('status').filter({ hasText: 'Question added to Your group' }).waitFor()
  await checkA11y(manager)
  await manager.getByRole('link', { name: title }).click()
  await landOn(manager, roundPath)

  // What is left before the deadline (publishing, then nine pages for the group) takes about one and a half times as
  // long as setting the round up took (seven pages), however busy the machine is: allow three times that, 15 to 35 s.
  const lead = Math.min(35_000, Math.max(15_000, 3 * (Date.now() - setupStarted)))
  const closesAt = startOfMinute(new Date(Date.now() + lead + 59_999))
  const opensAt = addMinutes(startOfMinute(new Date()), -1)
  await manager.getByLabel('Summary', { exact: true }).fill('Small grants for evening singing groups.')
  await manager.getByLabel('Opening date', { exact: true }).fill(formatLondon(opensAt, 'yyyy-MM-dd'))
  await manager.getByLabel('Opening time', { exact: true }).fill(formatLondon(opensAt, 'HH:mm'))
  await manager.getByLabel('Closing date', { exact: true }).fill(formatLondon(closesAt, 'yyyy-MM-dd'))
  await manager.getByLabel('Closing time', { exact: true }).fill(formatLondon(closesAt, 'HH:mm'))
  await manager.getByLabel('Smallest grant', { exact: true }).fill('£500')
  await manager.getByLabel('Largest grant', { exact: true }).fill('£1,000')
  await submit(manager, 'Save round')
  await manager.getByRole('status').filter({ hasText: `${title} saved` }).waitFor()
  await checkA11y(manager)
  await manager.getByRole('link', { name: 'Publish this round' }).click()
  await landOn(manager, `${roundPath}/publish`)
  await submit(manager, 'Publish round')
  await landOn(manager, roundPath)
  expect(await flash(manager)).toBe(`${title} is published. It now appears on the Open funding page.`)

  // The group starts, answers the question and gets as far as the declaration before the deadline.
  await visit(applicant, '/funding')
  await applicant.getByRole('link', { name: title, exact: true }).click()
  await applicant.waitForURL((url) => url.pathname.startsWith('/funding/'))
  await checkA11y(applicant)
  await applicant.getByRole('link', { name: 'Check if you can apply' }).click()
  await applicant.waitForURL((url) => url.pathname.endsWith('/eligibility'))
  await checkA11y(applicant)
  await submit(applicant, 'Check and start my application')
  await applicant.waitForURL((url) => /^\/applications\/\d+$/.test(url.pathname))
  await checkA11y(applicant)
  const id = Number(new URL(applicant.url()).pathname.split('/').pop())
  await applicant.getByRole('link', { name: 'Your group' }).click()
  await landOn(applicant, `/applications/${id}/sections/1`)
  await applicant.getByLabel('Name of your choir', { exact: true }).fill(group)
  await submit(applicant, 'Save and continue')
  await landOn(applicant, `/applications/${id}/check`)
  await applicant.getByLabel('I confirm that the information in this application is true and complete, and that I am authorised to apply for my organisation.', { exact: true }).check()

  // The deadline passes while the declaration is ticked; then the group presses Submit.
  const wait = closesAt.getTime() - Date.now() + 1_000
  expect(wait, 'time left before the deadline once the bid was ready').toBeGreaterThan(0)
  expect(wait).toBeLessThan(95_000)
  await new Promise((resolve) => setTimeout(resolve, wait))
  const late = await postAndWait(applicant, 'Submit application')
  expect(late.status()).toBe(409)
  await errorSummary(applicant).waitFor()
  await checkA11y(applicant)
  expect(await errorSummary(applicant).innerText()).toContain(`This round closed at ${formatDeadline(closesAt.toISOString())}.`)

  await visit(applicant, `/applications/${id}`)
  expect(await applicant.locator('main').innerText()).toContain('Status: Draft')
}, 240_000)

async function registerOrganisation(page: Page, o: { name: string; type: string; charityNumber?: string }): Promise<void> {
  await visit(page, '/organisation/new')
  await page.getByLabel('Organisation name', { exact: true }).fill(o.name)
  await page.getByLabel('Type of organisation', { exact: true }).selectOption({ label: o.type })
  if (o.charityNumber) await page.getByLabel('Charity number', { exact: true }).fill(o.charityNumber)
  await page.getByLabel('Address line 1', { exact: true }).fill('12 Mitcham Road')
  await page.getByLabel('Town or city', { exact: true }).fill('London')
  await page.getByLabel('Postcode', { exact: true }).fill('SW17 9NH')
  await page.getByLabel('Integrated care board area', { exact: true }).selectOption({ label: SOUTH_WEST_LONDON })
  await submit(page, 'Register organisation')
  await landOn(page, '/organisation')
  expect(await flash(page)).toBe(`${o.name} is registered. You are its organisation admin.`)
}

async function fillPartner(page: Page, line: number, name: string, role: string): Promise<void> {
  await page.getByLabel(`Partner organisation name, line ${line}`, { exact: true }).fill(name)
  await page.getByLabel(`Partner’s role, line ${line}`, { exact: true }).fill(role)
}

async function fillBudgetLine(page: Page, line: number, l: { category: string; description: string; amount: string; kind: 'Cash' | 'In-kind' }): Promise<void> {
  await page.getByLabel(`Category, line ${line}`, { exact: true }).selectOption({ label: l.category })
  await page.getByLabel(`Description, line ${line}`, { exact: true }).fill(l.description)
  await page.getByLabel(`Amount in pounds, line ${line}`, { exact: true }).fill(l.amount)
  await page.getByLabel(`Cash or in-kind, line ${line}`, { exact: true }).selectOption({ label: l.kind })
}

function words(count: number): string {
  return Array.from({ length: count }, (_, i) => `word${i + 1}`).join(' ')
}

/** Presses a form's button and returns the response to its POST (the page's, or Remix's data request with JavaScript on). */
async function postAndWait(page: Page, buttonName: string) {
  const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), submit(page, buttonName)])
  return response
}

/** "2 of 4 sections complete", from the task list. */
async function progress(page: Page): Promise<string> {
  return (await page.locator('main p.lead').innerText()).trim()
}

async function taskStatus(page: Page, section: string): Promise<string> {
  return (await page.locator('.task-list__item').filter({ has: page.getByRole('link', { name: section }) }).locator('.tag').innerText()).trim()
}

/** The value beside a term in a summary list inside `scope`. */
async function summaryValue(scope: ReturnType<Page['locator']>, term: string): Promise<string> {
  return (await scope.locator('dl > div').filter({ has: scope.page().locator('dt', { hasText: term }) }).locator('dd').first().innerText()).trim()
}
