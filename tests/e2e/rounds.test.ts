/**
 * Fund managers set up rounds in the browser, without code: the demo fund manager creates a round in the Power of
 * Music Fund, fills in its dates and amounts, builds its questions (a yes/no question, and a long text question with a
 * word limit shown only if the answer is yes), publishes it, finds it on the public Open funding page, and copies it
 * to a new draft. With JavaScript off, a closing date before the opening date comes back from the server as a 400
 * with the message next to the field.
 */
import crypto from 'node:crypto'
import { addDays } from 'date-fns'
import type { Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { DEMO_DOMAIN, DEMO_PASSWORD } from '../../db/seed/demo.ts'
import { formatLondon } from '../../app/lib/dates.ts'
import { checkA11y, flash, heading, landOn, newPage, submit, visit } from './support/journey.ts'

const MANAGER = `manager@${DEMO_DOMAIN}`
const YES_NO = 'Do you sing with people living with dementia?'
const LONG_TEXT = 'Tell us about your sessions'

function londonDate(daysFromNow: number): string {
  return formatLondon(addDays(new Date(), daysFromNow), 'yyyy-MM-dd')
}

test('a fund manager creates a round, builds its questions, publishes it, sees it on /funding and copies it', async () => {
  const title = `Singing Together ${crypto.randomBytes(3).toString('hex')}`
  const manager = await newPage()
  await signIn(manager)
  await manager.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Fund management' }).click()
  await landOn(manager, '/manage/funds')
  expect(await heading(manager)).toBe('Fund management')

  const roundId = await createRound(manager, title)
  await manager.getByLabel('Summary', { exact: true }).fill('Music sessions for people living with dementia and their carers.')
  await manager.getByLabel('Guidance', { exact: true }).fill('Tell us about your group.\n\nWe read every application.')
  await fillDates(manager, { opens: londonDate(0), opensTime: '00:00', closes: londonDate(10), closesTime: '12:00' })
  await manager.getByLabel('Smallest grant', { exact: true }).fill('£500')
  await manager.getByLabel('Largest grant', { exact: true }).fill('£1,000')
  await submit(manager, 'Save round')
  await landOn(manager, `/manage/rounds/${roundId}`)
  expect(await flash(manager)).toBe(`${title} saved`)

  // The question builder: a section with a yes/no question, then a long text question shown only if it is yes.
  await manager.getByRole('link', { name: 'Questions', exact: true }).click()
  await landOn(manager, `/manage/rounds/${roundId}/questions`)
  expect(await heading(manager)).toBe('Questions')
  await addQuestion(manager, { section: 'Your choir', type: 'Yes or no', label: YES_NO })
  await landOn(manager, `/manage/rounds/${roundId}/questions`)
  expect(await flash(manager)).toBe('Question added to Your choir')
  await addQuestion(manager, { section: 'Your choir', type: 'Long text (with a word limit)', label: LONG_TEXT, wordLimit: '250', showIf: [`${YES_NO} (Application form)`, 'yes'] })
  await landOn(manager, `/manage/rounds/${roundId}/questions`)
  const builder = await manager.locator('main').innerText()
  expect(builder).toContain(`${LONG_TEXT} (Long text (with a word limit), 250 words)`)
  expect(builder).toContain(`Shown only if “${YES_NO}” is “yes”`)

  // Publish, with a confirmation page first.
  await manager.getByRole('link', { name: title }).click()
  await landOn(manager, `/manage/rounds/${roundId}`)
  await manager.getByRole('link', { name: 'Publish this round' }).click()
  await landOn(manager, `/manage/rounds/${roundId}/publish`)
  expect(await heading(manager)).toBe(`Publish ${title}`)
  await submit(manager, 'Publish round')
  await landOn(manager, `/manage/rounds/${roundId}`)
  expect(await flash(manager)).toBe(`${title} is published. It now appears on the Open funding page.`)

  // The public sees it without signing in.
  const visitor = await newPage()
  await visit(visitor, '/funding')
  const card = visitor.getByRole('listitem').filter({ has: visitor.getByRole('link', { name: title }) })
  expect(await card.innerText()).toContain(`Closes in 10 days, at 12:00 on ${formatLondon(addDays(new Date(), 10), 'EEEE d MMMM')}`)
  expect(await card.innerText()).toContain('Grants: £500 to £1,000')
  await card.getByRole('link', { name: title }).click()
  await landOn(visitor, `/funding/${slugOf(title)}`)
  expect(await heading(visitor)).toBe(title)
  expect(await visitor.locator('main').innerText()).toContain('We read every application.')
  expect(await visitor.getByRole('link', { name: 'Check if you can apply' }).getAttribute('href')).toBe(`/apply/${slugOf(title)}/eligibility`)

  // Copy it into a new draft for next year.
  await manager.getByRole('link', { name: 'Copy this round' }).click()
  await landOn(manager, `/manage/rounds/${roundId}/copy`)
  await manager.getByLabel('Title of the new round', { exact: true }).fill(`${title} next year`)
  await fillDates(manager, { opens: londonDate(365), opensTime: '09:00', closes: londonDate(400), closesTime: '12:00' })
  await submit(manager, 'Copy round')
  await manager.waitForURL((url) => /^\/manage\/rounds\/\d+$/.test(url.pathname) && url.pathname !== `/manage/rounds/${roundId}`)
  await checkA11y(manager)
  expect(await flash(manager)).toBe(`${title} next year created as a draft copy. Check its details before publishing.`)
  expect(await heading(manager)).toBe(`${title} next year`)
  await manager.getByRole('link', { name: 'Questions', exact: true }).click()
  await manager.waitForURL((url) => url.pathname.endsWith('/questions'))
  await checkA11y(manager)
  expect(await manager.locator('main').innerText()).toContain(LONG_TEXT)
}, 180_000)

test('with JavaScript off, a manager creates a round; a closing date before the opening date is a 400 with the message by the field', async () => {
  const title = `Choirs Without Script ${crypto.randomBytes(3).toString('hex')}`
  const manager = await newPage({ javaScriptEnabled: false })
  await signIn(manager)
  await visit(manager, '/manage/funds')
  const roundId = await createRound(manager, title)

  await fillDates(manager, { opens: londonDate(5), opensTime: '09:00', closes: londonDate(2), closesTime: '12:00' })
  const [response] = await Promise.all([manager.waitForResponse((r) => r.request().method() === 'POST'), submit(manager, 'Save round')])
  expect(response.status()).toBe(400)
  await manager.waitForLoadState('load')
  await checkA11y(manager)
  const summary = manager.getByRole('alert')
  expect(await summary.innerText()).toContain('The closing date must be after the opening date')
  const closingGroup = manager.locator('.form-group').filter({ has: manager.getByLabel('Closing date', { exact: true }) })
  expect(await closingGroup.locator('.error-message').innerText()).toContain('The closing date must be after the opening date')

  await fillDates(manager, { opens: londonDate(2), opensTime: '09:00', closes: londonDate(5), closesTime: '12:00' })
  await submit(manager, 'Save round')
  await landOn(manager, `/manage/rounds/${roundId}`)
  expect(await flash(manager)).toBe(`${title} saved`)
  expect(await manager.getByLabel('Closing date', { exact: true }).inputValue()).toBe(londonDate(5))
}, 180_000)

async function signIn(page: Page): Promise<void> {
  await visit(page, '/login')
  await page.getByLabel('Email address', { exact: true }).fill(MANAGER)
  await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD)
  await submit(page, 'Sign in')
  await landOn(page, '/home')
}

/** From /manage/funds: opens the Power of Music Fund and creates a draft round; returns its id. */
async function createRound(page: Page, title: string): Promise<number> {
  await page.getByRole('link', { name: 'Power of Music Fund' }).click()
  await page.waitForURL((url) => /^\/manage\/funds\/\d+$/.test(url.pathname))
  await checkA11y(page)
  expect(await heading(page)).toBe('Power of Music Fund')
  await page.getByLabel('Round title', { exact: true }).fill(title)
  await submit(page, 'Create round')
  await page.waitForURL((url) => /^\/manage\/rounds\/\d+$/.test(url.pathname))
  await checkA11y(page)
  expect(await heading(page)).toBe(title)
  expect(await flash(page)).toBe(`${title} created as a draft. Fill in its details, then add its questions.`)
  return Number(new URL(page.url()).pathname.split('/').pop())
}

async function fillDates(page: Page, d: { opens: string; opensTime: string; closes: string; closesTime: string }): Promise<void> {
  await page.getByLabel('Opening date', { exact: true }).fill(d.opens)
  await page.getByLabel('Opening time', { exact: true }).fill(d.opensTime)
  await page.getByLabel('Closing date', { exact: true }).fill(d.closes)
  await page.getByLabel('Closing time', { exact: true }).fill(d.closesTime)
}

async function addQuestion(
  page: Page,
  q: { section: string; type: string; label: string; wordLimit?: string; showIf?: [question: string, value: string] },
): Promise<void> {
  await page.getByLabel('Section', { exact: true }).fill(q.section)
  await page.getByLabel('Type of question', { exact: true }).selectOption({ label: q.type })
  await page.getByLabel('Question', { exact: true }).fill(q.label)
  if (q.wordLimit) await page.getByLabel('Word limit', { exact: true }).fill(q.wordLimit)
  if (q.showIf) {
    await page.getByLabel('Show this question only if the answer to', { exact: true }).selectOption({ label: q.showIf[0] })
    await page.getByLabel('is', { exact: true }).fill(q.showIf[1])
  }
  await submit(page, 'Add question')
}

function slugOf(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-')
}
