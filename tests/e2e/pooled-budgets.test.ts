/**
 * Pooled budgets as people use them, in the browser: the demo fund manager creates a pot for NHS South West London,
 * records pledges from three contributors (ring-fenced NHS money, the National Lottery Community Fund and the London
 * Borough of Merton) with their instalments, records the money as it arrives, opens the pot, links this year's
 * Thriving Communities round, reads the dashboard and downloads the ledger entries and a contributor's statement; the
 * ICB's funder viewer then signs in and sees only the ICB's own money; the public donation page says donations are not
 * configured (the journey server has no Stripe keys).
 *
 * Fields are found by their labels and buttons by their text; every page shown is checked with axe. The tests run in
 * order and build on each other (the pot the first one creates is the one the others read).
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import type { BrowserContext, Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { pdfText } from '../factories/pdf-text.ts'
import { DEMO_DOMAIN, DEMO_PASSWORD } from '../../db/seed/demo.ts'
import { appUrl, flash, heading, landOn, newPage, submit, visit } from './support/journey.ts'

const NHS = 'NHS South West London Integrated Care Board'
const LOTTERY = 'National Lottery Community Fund'
const COUNCIL = 'London Borough of Merton'
const ROUND = 'Thriving Communities 2026/27'
const POT_NAME = `South West London shared investment pot ${crypto.randomBytes(3).toString('hex')}`

/** What each contributor pledges, in instalments, and what has arrived (odd amounts, so no other pot shows them). */
const PLEDGES = {
  nhs: {
    funder: NHS,
    pledged: '£75,000',
    instalments: [
      ['2026-07-01', '£37,500'],
      ['2026-10-01', '£37,500'],
    ],
    receipt: { amount: '£37,500', on: '2026-07-03', reference: 'SWL-ICB-Q2' },
  },
  lottery: {
    funder: LOTTERY,
    pledged: '£41,700',
    instalments: [
      ['2026-07-01', '£20,850'],
      ['2027-01-04', '£20,850'],
    ],
    receipt: { amount: '£20,850', on: '2026-07-10', reference: 'TNLCF-7781' },
  },
  council: {
    funder: COUNCIL,
    pledged: '£13,350',
    instalments: [['2026-09-01', '£13,350']],
    receipt: { amount: '£13,350', on: '2026-09-02', reference: 'LBM-POOL-26' },
  },
} as const

type Contributor = keyof typeof PLEDGES

let potId: number
const contributionIds = {} as Record<Contributor, number>
let managerSession: Awaited<ReturnType<BrowserContext['storageState']>>

describe('a place-based pooled pot, set up and read in the browser', () => {
  test('the fund manager creates a draft pot for NHS South West London', async () => {
    const page = await signInAs('manager')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pooled pots' }).click()
    await landOn(page, '/pots')
    await page.getByRole('link', { name: 'Create a pot' }).click()
    await landOn(page, '/pots/new')

    await page.getByLabel('Name', { exact: true }).fill(POT_NAME)
    await page.getByLabel('Place', { exact: true }).selectOption({ label: NHS })
    await page.getByLabel('Host', { exact: true }).selectOption({ label: NHS })
    await page.getByLabel('Pool manager', { exact: true }).selectOption({ label: 'Helen Carter' })
    await page.getByLabel('Financial year', { exact: true }).fill('2026-27')
    await page.getByLabel('Available money', { exact: true }).selectOption('received')
    await submit(page, 'Create pot')
    await page.waitForURL(/\/pots\/\d+$/)
    await landOn(page, new URL(page.url()).pathname)
    potId = Number(new URL(page.url()).pathname.split('/').at(-1))

    expect(await flash(page)).toBe(`${POT_NAME} is created as a draft.`)
    expect(await heading(page)).toBe(POT_NAME)
    const facts = page.locator('dl.summary-list').first()
    expect(await factOf(facts, 'Place')).toBe(NHS)
    expect(await factOf(facts, 'Host')).toBe(NHS)
    expect(await factOf(facts, 'Pool manager')).toBe('Helen Carter')
    expect(await factOf(facts, 'Financial year')).toBe('2026-27')
    expect(await factOf(facts, 'Status')).toBe('Draft')
    expect(await page.locator('main').innerText()).toContain('No funder has pledged money to this pot yet.')
    managerSession = await page.context().storageState()
  })

  test('the fund manager records three pledges with their instalments, the NHS money ring-fenced to health and wellbeing in South West London', async () => {
    const page = await newPage({ storageState: managerSession })
    for (const who of ['nhs', 'lottery', 'council'] as const) {
      const pledge = PLEDGES[who]
      await visit(page, `/pots/${potId}`)
      await page.getByRole('link', { name: 'Add a contribution' }).click()
      await landOn(page, `/pots/${potId}/contributions/new`)
      expect(await heading(page)).toBe(`Add a contribution to ${POT_NAME}`)

      await page.getByLabel('Contributor', { exact: true }).selectOption({ label: pledge.funder })
      await page.getByLabel('Amount pledged', { exact: true }).fill(pledge.pledged)
      for (const [i, [dueDate, amount]] of pledge.instalments.entries()) {
        await page.getByLabel(`Instalment ${i + 1} due date`, { exact: true }).fill(dueDate)
        await page.getByLabel(`Instalment ${i + 1} amount`, { exact: true }).fill(amount)
      }
      if (who === 'nhs') {
        await page.getByRole('group', { name: 'Only for projects in these places' }).getByRole('checkbox', { name: NHS, exact: true }).check()
        await page.getByRole('group', { name: 'Only for these outcome areas' }).getByRole('checkbox', { name: 'Health and wellbeing', exact: true }).check()
      }
      await submit(page, 'Record the pledge')
      await page.waitForURL(new RegExp(`/pots/${potId}/contributions/\\d+$`))
      await landOn(page, new URL(page.url()).pathname)
      contributionIds[who] = Number(new URL(page.url()).pathname.split('/').at(-1))

      expect(await flash(page)).toBe('The pledge is recorded.')
      expect(await heading(page)).toBe(pledge.funder)
      const facts = page.locator('dl.summary-list')
      expect(await factOf(facts, 'Pledged')).toBe(`${pledge.pledged}.00`)
      expect(await factOf(facts, 'Received')).toBe('£0.00')
      const instalments = await page.getByRole('heading', { name: 'Instalments', level: 2 }).locator('xpath=following-sibling::ul[1]').innerText()
      for (const [dueDate, amount] of pledge.instalments) expect(instalments).toContain(`${amount}.00 due ${dueDate}`)
    }

    await visit(page, `/pots/${potId}`)
    const table = page.getByRole('table', { name: `Contributions to ${POT_NAME}` })
    const conditionsOf = async (funder: string) => (await table.getByRole('row').filter({ has: page.getByRole('link', { name: funder, exact: true }) }).getByRole('cell').nth(5).innerText()).trim()
    expect((await conditionsOf(NHS)).split('\n')).toEqual(['Only for projects in NHS South West London', 'Health and wellbeing outcomes only'])
    expect(await conditionsOf(LOTTERY)).toBe('No conditions: this money may fund any award from the pot')
    expect(await conditionsOf(COUNCIL)).toBe('No conditions: this money may fund any award from the pot')
  }, 120_000)

  test('the fund manager records the money that has arrived, opens the pot and links this year’s Thriving Communities round', async () => {
    const page = await newPage({ storageState: managerSession })
    for (const who of ['nhs', 'lottery', 'council'] as const) {
      const { funder, receipt } = PLEDGES[who]
      await visit(page, `/pots/${potId}`)
      await page.getByRole('link', { name: funder, exact: true }).click()
      await landOn(page, `/pots/${potId}/contributions/${contributionIds[who]}`)
      expect(await page.locator('main').innerText()).toContain('No money has arrived yet.')

      await page.getByLabel('Amount received', { exact: true }).fill(receipt.amount)
      await page.getByLabel('Date received', { exact: true }).fill(receipt.on)
      await page.getByLabel('Payment reference', { exact: true }).fill(receipt.reference)
      await submit(page, 'Record receipt')
      await page.getByRole('table', { name: `Money received from ${funder}` }).waitFor()
      await landOn(page, `/pots/${potId}/contributions/${contributionIds[who]}`)

      expect(await flash(page)).toBe(`${receipt.amount}.00 from ${funder} is recorded.`)
      expect(await factOf(page.locator('dl.summary-list'), 'Received')).toBe(`${receipt.amount}.00`)
      const rows = await page.getByRole('table', { name: `Money received from ${funder}` }).getByRole('row').allInnerTexts()
      expect(rows.slice(1).map((r) => r.split('\t').map((cell) => cell.trim()))).toEqual([[receipt.on, `${receipt.amount}.00`, receipt.reference, '']])
    }

    await visit(page, `/pots/${potId}`)
    await submit(page, 'Open the pot')
    await page.getByText(`${POT_NAME} is open for commitments.`).waitFor()
    await landOn(page, `/pots/${potId}`)
    expect(await factOf(page.locator('dl.summary-list').first(), 'Status')).toBe('Open')

    expect(await page.locator('main').innerText()).toContain('No round draws on this pot yet.')
    await page.getByLabel('Round', { exact: true }).selectOption({ label: ROUND })
    await submit(page, 'Link the round')
    await page.getByText('The round now draws on this pot.').waitFor()
    await landOn(page, `/pots/${potId}`)
    const rounds = await page.getByRole('heading', { name: 'Rounds drawing on this pot', level: 2 }).locator('xpath=following-sibling::ul[1]').innerText()
    expect(rounds).toMatch(new RegExp(`^${ROUND.replace('/', '\\/')} \\(.+\\)$`))
    expect(await page.getByLabel('Round', { exact: true }).locator('option', { hasText: ROUND }).count()).toBe(0)
  }, 120_000)

  test('the fund manager reads the dashboard and downloads the ledger entries and the NHS statement', async () => {
    const page = await newPage({ storageState: managerSession })
    await visit(page, `/pots/${potId}`)
    await page.getByRole('link', { name: 'See the dashboard' }).click()
    await landOn(page, `/pots/${potId}/dashboard`)
    expect(await heading(page)).toBe(`${POT_NAME}: dashboard`)
    expect(await page.locator('.lead').first().innerText()).toBe(`${NHS}, financial year 2026-27. Hosted by ${NHS}.`)

    const cards = page.locator('.cards')
    for (const [label, amount] of [
      ['Pledged', '£130,050.00'],
      ['Received', '£71,700.00'],
      ['Committed', '£0.00'],
      ['Paid', '£0.00'],
      ['Available', '£71,700.00'],
    ]) {
      expect(await cards.getByRole('listitem').filter({ has: page.getByRole('heading', { name: label, exact: true }) }).innerText(), label).toContain(amount)
    }
    expect(await page.getByRole('img', { name: "Each contributor's money" }).count()).toBe(1)
    const byContributor = page.getByRole('table', { name: 'Figures by contributor' })
    const figuresOf = async (funder: string) =>
      (await byContributor.getByRole('row').filter({ has: page.getByRole('rowheader', { name: funder, exact: true }) }).getByRole('cell').allInnerTexts()).slice(0, 5).map((c) => c.trim())
    expect(await figuresOf(NHS)).toEqual(['£75,000.00', '£37,500.00', '£0.00', '£0.00', '£37,500.00'])
    expect(await figuresOf(LOTTERY)).toEqual(['£41,700.00', '£20,850.00', '£0.00', '£0.00', '£20,850.00'])
    expect(await figuresOf(COUNCIL)).toEqual(['£13,350.00', '£13,350.00', '£0.00', '£0.00', '£13,350.00'])

    const csv = await download(page, 'Download ledger entries (CSV)')
    const lines = csv.toString('utf8').trim().split('\n')
    expect(lines[0]).toBe('Date,Entry id,Reason,From account,To account,Amount (GBP),Idempotency key,Reference')
    const received = lines.filter((l) => l.includes('contribution.received'))
    expect(received).toHaveLength(3)
    const receivedInto = (who: Contributor, amount: string) =>
      received.filter((l) => l.includes(`,contribution:${contributionIds[who]}:available,${amount},`) && /,contribution_receipt \d+$/.test(l))
    expect(receivedInto('nhs', '37500.00'), csv.toString('utf8')).toHaveLength(1)
    expect(receivedInto('lottery', '20850.00'), csv.toString('utf8')).toHaveLength(1)
    expect(receivedInto('council', '13350.00'), csv.toString('utf8')).toHaveLength(1)

    const text = await pdfText(await download(page, `Statement (PDF) for ${NHS}`))
    expect(text).toContain(NHS)
    expect(text).toContain(POT_NAME)
    expect(text).toContain('£75,000.00')
    expect(text).toContain('£37,500.00')
    expect(text).not.toContain(LOTTERY)
  })

  test('the ICB funder viewer sees only the ICB’s own money', async () => {
    const page = await signInAs('funder')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Our money' }).click()
    await landOn(page, '/funder')
    expect(await heading(page)).toBe('What did our money do?')
    const main = await page.locator('main').innerText()
    expect(main).toContain(NHS)
    const ours = page.getByRole('table', { name: `${NHS}: contributions by pot` }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: POT_NAME, exact: true }) })
    expect((await ours.getByRole('cell').allInnerTexts()).slice(0, 6).map((c) => c.trim())).toEqual([NHS, '2026-27', '£75,000.00', '£37,500.00', '£0.00', '£0.00'])
    expect(main).not.toContain(LOTTERY)
    expect(main).not.toContain(COUNCIL)
    for (const theirs of ['£41,700.00', '£20,850.00', '£13,350.00', '£130,050.00', '£71,700.00']) expect(main, theirs).not.toContain(theirs)

    const own = await page.request.get(appUrl(`/pots/${potId}/contributions/${contributionIds.nhs}/statement.pdf`))
    expect(own.status()).toBe(200)
    for (const other of [contributionIds.lottery, contributionIds.council]) {
      expect((await page.request.get(appUrl(`/pots/${potId}/contributions/${other}/statement.pdf`))).status()).toBe(404)
    }
    expect((await page.request.get(appUrl(`/pots/${potId}/dashboard`))).status()).toBe(403)
    expect((await page.request.get(appUrl(`/pots/${potId}/ledger.csv`))).status()).toBe(403)
  })

  test('the public donation page says donations are not configured', async () => {
    const page = await newPage()
    await visit(page, `/pots/${potId}/donate`)
    expect(await heading(page)).toBe(`Donate to ${POT_NAME}`)
    expect(await page.locator('main').innerText()).toContain('Donations are not configured on this site yet')
    expect(await page.getByRole('button', { name: 'Continue to payment' }).count()).toBe(0)
  })
})

async function signInAs(account: string): Promise<Page> {
  const page = await newPage()
  await visit(page, '/login')
  await page.getByLabel('Email address', { exact: true }).fill(`${account}@${DEMO_DOMAIN}`)
  await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD)
  await submit(page, 'Sign in')
  await landOn(page, '/home')
  return page
}

/** The value beside `label` in a summary list (<dl>). */
async function factOf(list: ReturnType<Page['locator']>, label: string): Promise<string> {
  return (await list.locator('div').filter({ has: list.page().locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd').innerText()).trim()
}

/** Clicks a download link as a person would and returns the file's bytes. */
async function download(page: Page, linkName: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: linkName, exact: true }).click()])
  return fs.readFileSync(await file.path())
}

