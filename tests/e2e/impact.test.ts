/**
 * What the money achieved, in the browser: Salford Stitchers CIC (last year's pooled award, year 2 waiting for its
 * overdue year 1 impact return) sends the return with each person's ONS4 and UCLA-3 scores, after an ONS4 of 11 is
 * refused beside its field; the fund manager returns it for changes; the group re-sends it; the fund manager accepts it
 * and the year 2 payment it gated becomes due. Then anyone reads the public statistics and downloads the 360Giving
 * files, which are valid against the standard's schemas. Every page shown is checked with axe.
 */
import fs from 'node:fs/promises'
import type { Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { packageValidator } from '../../app/domain/open-data/test-support.server.ts'
import { DEMO_DOMAIN } from '../../db/seed/demo.ts'
import { checkA11y, expectFieldError, fetchApp, flash, heading, landOn, newPage, signInToHome, submit, visit } from './support/journey.ts'

const AWARD = 'TCF-2025-00002-AWD'
const YEAR_2 = 'TCF-2025-00002/2'
const GROUP = 'Salford Stitchers CIC'
const COMMENTS = 'Thank you. Please tell us how many sessions you ran in the summer holidays too.'

const LIFE = 'Life satisfaction (ONS4): each person’s scores'
const SCORES: Record<string, string> = {
  [LIFE]: '4, 6\n5, 7\n3, 6\n6, 7\n5, 6',
  'Things done in life are worthwhile (ONS4): each person’s scores': '5, 7\n6, 7\n4, 6\n6, 8\n5, 6',
  'Happiness yesterday (ONS4): each person’s scores': '4, 6\n5, 6\n3, 5\n6, 7\n4, 6',
  'Anxiety yesterday (ONS4): each person’s scores': '7, 4\n6, 5\n8, 5\n5, 4\n6, 6',
  'Loneliness (UCLA 3-item): each person’s scores': '8, 6\n7, 5\n9, 6\n6, 5\n7, 7',
}

let awardPath = ''
let returnPath = ''
let reviewPath = ''

async function openReturnAsGroup(): Promise<Page> {
  const page = await newPage()
  await signInToHome(page, `salford@${DEMO_DOMAIN}`)
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Your grants' }).click()
  await landOn(page, '/awards')
  const row = page.getByRole('row', { name: new RegExp(AWARD) })
  expect(await row.innerText()).toContain('Impact return overdue')
  await row.getByRole('link', { name: AWARD }).click()
  await page.waitForURL(/\/awards\/\d+$/)
  awardPath = new URL(page.url()).pathname
  await landOn(page, awardPath)
  await page.getByRole('link', { name: 'Year 1 return' }).click()
  await page.waitForURL(/\/awards\/\d+\/returns\/\d+$/)
  returnPath = new URL(page.url()).pathname
  await landOn(page, returnPath)
  expect(await heading(page)).toBe('Year 1 impact return')
  return page
}

describe('an impact return, from the group to the payment it releases', () => {
  test('the group sends its year 1 return with ONS4 and UCLA-3 scores; an ONS4 of 11 is refused beside its field', async () => {
    const page = await openReturnAsGroup()
    expect(await page.locator('main').innerText()).toContain('Overdue')

    await page.getByLabel('People reached', { exact: true }).fill('30')
    await page.getByLabel('Sessions delivered', { exact: true }).fill('24')
    await page.getByLabel('Social prescribing link worker', { exact: true }).fill('12')
    await page.getByLabel('GP or other health professional', { exact: true }).fill('8')
    await page.getByLabel('Self-referral', { exact: true }).fill('6')
    await page.getByLabel('Community organisation', { exact: true }).fill('4')
    await page.getByLabel('Each person’s ONS4 personal wellbeing scores, before and after', { exact: true }).check()
    await page.getByLabel('Each person’s UCLA 3-item loneliness scores, before and after', { exact: true }).check()
    for (const [label, scores] of Object.entries(SCORES)) await page.getByLabel(label, { exact: true }).fill(label === LIFE ? '4, 6\n5, 11\n3, 6\n6, 7\n5, 6' : scores)
    for (const spent of await page.getByLabel(/^Spent on /).all()) await spent.fill('7500')
    for (const reason of await page.getByLabel(/^Reason for the difference on /).all()) await reason.fill('Year 1 of 2: about half the budget, as planned.')
    await page.getByLabel('Match funding received', { exact: true }).fill('1200')
    await page.getByLabel('Your story', { exact: true }).fill('Eileen had not left her flat since her fall. Her link worker brought her to the Thursday circle; she now teaches the beginners.')
    await page.getByLabel('Plans for the next period', { exact: true }).fill('A second circle in Eccles, and a stall at the summer fair.')

    await submit(page, 'Send the return')
    await expectFieldError(page, LIFE, 'Life satisfaction (ONS4), person 2: the score after (11) must be a whole number from 0 to 10')
    await checkA11y(page)

    await page.getByLabel(LIFE, { exact: true }).fill(SCORES[LIFE]!)
    await submit(page, 'Send the return')
    await landOn(page, awardPath)
    expect(await flash(page)).toBe('Thank you: your Year 1 return was sent (version 1). We will tell you when the fund manager has read it.')
  })

  test('the fund manager reads it, with the change in each measure, and returns it for changes', async () => {
    const manager = await newPage()
    await signInToHome(manager, `manager@${DEMO_DOMAIN}`)
    await manager.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Impact returns' }).click()
    await landOn(manager, '/manage/returns')
    // The list opens on the returns waiting for review.
    await manager.getByRole('row', { name: new RegExp(GROUP) }).getByRole('link', { name: 'Year 1' }).click()
    await manager.waitForURL(/\/manage\/returns\/\d+$/)
    reviewPath = new URL(manager.url()).pathname
    await landOn(manager, reviewPath)
    const text = await manager.locator('main').innerText()
    expect(text).toContain(GROUP)
    expect(text).toContain('Loneliness (UCLA 3-item')
    expect(text).toContain('Life satisfaction (ONS4')

    await submit(manager, 'Return for changes')
    await expectFieldError(manager, 'Comments for the group', 'Say what needs to change')
    await manager.getByLabel('Comments for the group', { exact: true }).fill(COMMENTS)
    await submit(manager, 'Return for changes')
    await landOn(manager, reviewPath)
    expect(await flash(manager)).toBe(`${GROUP}’s Year 1 return is sent back for changes. We have emailed them your comments.`)
  })

  test('the group sees the comments, changes the return and sends it again', async () => {
    const page = await newPage()
    await signInToHome(page, `salford@${DEMO_DOMAIN}`)
    await visit(page, returnPath)
    expect(await page.locator('#review-comments').innerText()).toContain(COMMENTS)
    await page.getByLabel('Sessions delivered', { exact: true }).fill('30')
    await submit(page, 'Send the return')
    await landOn(page, awardPath)
    expect(await flash(page)).toBe('Thank you: your Year 1 return was sent (version 2). We will tell you when the fund manager has read it.')
  })

  test('the fund manager accepts it, and the year 2 payment that waited for it is due', async () => {
    const manager = await newPage()
    await signInToHome(manager, `manager@${DEMO_DOMAIN}`)
    await visit(manager, reviewPath)
    expect(await manager.locator('main').innerText()).toContain('Version 2')
    await submit(manager, 'Accept the return')
    await landOn(manager, reviewPath)
    expect(await flash(manager)).toBe(`${GROUP}’s Year 1 return is accepted. The payment waiting for it can now be paid when it is due.`)
    await manager.getByRole('link', { name: AWARD }).first().click()
    await manager.waitForURL(/\/manage\/awards\/\d+$/)
    await landOn(manager, new URL(manager.url()).pathname)
    expect(await manager.getByRole('row', { name: new RegExp(YEAR_2) }).innerText()).toContain('(due now)')
  })
})

describe('open data', () => {
  test('anyone reads the public statistics and downloads the 360Giving files, valid against the standard', async () => {
    const page = await newPage()
    await visit(page, '/stats')
    expect(await heading(page)).toBe('Statistics')
    const history = page.getByRole('table', { name: 'Thriving Communities 2025/26: community round in figures' })
    expect(await history.getByRole('row', { name: /Success rate/ }).innerText()).toContain('75% (3 of 4)')

    const download = page.waitForEvent('download')
    await page.getByRole('link', { name: '360Giving CSV file' }).click()
    const csv = await fs.readFile(await (await download).path(), 'utf8')
    const [header, ...rows] = csv.trim().split(/\r?\n/)
    expect(header!.startsWith('Identifier,Title,Description,Currency,Amount Awarded,Amount Applied For,Amount Disbursed,Award Date')).toBe(true)
    expect(rows.some((r) => r.startsWith(`360G-commonpot-${AWARD},`))).toBe(true)

    const response = await fetchApp('/data/360giving.json')
    expect(response.status).toBe(200)
    const data = (await response.json()) as { grants: Array<{ id: string; regrantType?: string; recipientOrganization: Array<{ id: string }> }> }
    expect(packageValidator()(data)).toEqual([])
    const salford = data.grants.find((g) => g.id === `360G-commonpot-${AWARD}`)!
    expect(salford.regrantType).toBe('FRG040')
    expect(data.grants.some((g) => g.recipientOrganization[0]!.id.startsWith('360G-commonpot-ORG-'))).toBe(true)
  })
})
