/**
 * Pooled budgets as people see them: a fund manager reads the dashboard of a shared pot for NHS South West London
 * (ring-fenced NHS money, lottery money and borough council money, with receipts and an award funded from it),
 * downloads its ledger entries and a contributor's statement; a funder viewer from the ICB sees only the ICB's own
 * money; the public donation page says donations are not configured (the journey server has no Stripe keys).
 *
 * The pot, its contributions, receipts and the award are set up through the budgets domain in the journey database
 * (the pot management pages are being built separately); no round is linked because the demo data has no round.
 * Every page visited is checked with axe.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { PDFParse } from 'pdf-parse'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, test } from 'vitest'
import { commitAward, recordAwardPayment } from '../../app/domain/budgets/commitments.server.ts'
import { addContribution, recordReceipt } from '../../app/domain/budgets/contributions.server.ts'
import { createPot, openPot } from '../../app/domain/budgets/pots.server.ts'
import { createDatabase } from '../../db/connect.ts'
import { DEMO_DOMAIN, DEMO_PASSWORD } from '../../db/seed/demo.ts'
import { createAward } from '../factories/pot-reports.ts'
import { testPostgresUrl, withDatabaseName } from '../setup/test-database.ts'
import { appUrl, engineUnderTest, landOn, newPage, visit } from './support/journey.ts'

const NHS = 'NHS South West London Integrated Care Board'
const LOTTERY = 'National Lottery Community Fund'
const COUNCIL = 'London Borough of Merton'
const POT_NAME = `South West London shared investment pot ${crypto.randomBytes(2).toString('hex')}`

let potId: number
let contributions: Record<'nhs' | 'lottery' | 'council', number>

function journeyDatabase(): { url?: string; path?: string } {
  if (engineUnderTest() === 'postgres') {
    const serverUrl = testPostgresUrl()
    if (!serverUrl) throw new Error('The journeys run on PostgreSQL but DATABASE_URL is not a postgres:// URL in this worker')
    return { url: withDatabaseName(serverUrl, `commonpot_e2e_${process.ppid}`) }
  }
  const file = path.resolve('.cache', 'e2e', `run-${process.ppid}`, 'commonpot.sqlite')
  if (!fs.existsSync(file)) throw new Error(`The journey database is not at ${file}`)
  return { path: file }
}

function withJourneyDatabase<T>(work: (db: ReturnType<typeof createDatabase>['db']) => Promise<T>): Promise<T> {
  const handle = createDatabase(journeyDatabase())
  return work(handle.db).finally(() => handle.close())
}

/**
 * An open pot for NHS South West London hosted by the ICB and run by the demo fund manager, pledges from the three
 * contributors, two receipts, and a £10,000 award committed and £4,000 of it paid.
 */
beforeAll(async () => {
  await withJourneyDatabase(async (db) => {
    const funder = async (name: string) => (await db.selectFrom('funders').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id
    const manager = await db.selectFrom('users').select('id').where('email', '=', `manager@${DEMO_DOMAIN}`).executeTakeFirstOrThrow()
    const place = await db.selectFrom('places').select('id').where('ods_code', '=', 'QWE').orderBy('valid_from', 'desc').executeTakeFirstOrThrow()
    const ids = { nhs: await funder(NHS), lottery: await funder(LOTTERY), council: await funder(COUNCIL) }
    contributions = await db.transaction().execute(async (trx) => {
      const pot = await createPot(trx, manager.id, {
        name: POT_NAME,
        placeId: place.id,
        hostFunderId: ids.nhs,
        poolManagerUserId: manager.id,
        financialYear: '2026-27',
        availableBasis: 'received',
        yearEndPolicy: 'carry_forward',
      })
      await openPot(trx, manager.id, pot.id)
      potId = pot.id
      const add = (funderId: number, pledgedPence: number, conditions = {}) =>
        addContribution(trx, manager.id, { potId, funderId, pledgedPence, instalments: [{ dueDate: '2026-06-30', amountPence: pledgedPence }], conditions })
      const made = {
        nhs: (await add(ids.nhs, 6_000_000, { outcomeAreas: ['health_and_wellbeing'], placeIds: [place.id] })).id,
        lottery: (await add(ids.lottery, 3_000_000)).id,
        council: (await add(ids.council, 1_000_000)).id,
      }
      const key = crypto.randomBytes(4).toString('hex')
      await recordReceipt(trx, manager.id, { contributionId: made.nhs, amountPence: 6_000_000, receivedOn: '2026-07-01', reference: 'SWL-ICB-0001', idempotencyKey: `e2e:${key}:nhs` })
      await recordReceipt(trx, manager.id, { contributionId: made.lottery, amountPence: 2_000_000, receivedOn: '2026-07-02', reference: 'TNLCF-7781', idempotencyKey: `e2e:${key}:lottery` })
      return made
    })
    const award = await createAward(db, { placeId: place.id, amountPence: 1_000_000, matchCashPence: 240_000, matchInKindPence: 0, organisationName: `Wandle Singers for Health ${crypto.randomBytes(2).toString('hex')}` })
    await db.transaction().execute(async (trx) => {
      await commitAward(trx, manager.id, {
        awardId: award.awardId,
        potId,
        amountPence: 1_000_000,
        award: { placeId: place.id, categories: ['health_and_wellbeing'], fundId: award.fundId, roundId: award.roundId, date: new Date().toISOString().slice(0, 10) },
        idempotencyKey: `award:${award.awardId}:commit`,
      })
      await recordAwardPayment(trx, null, { awardId: award.awardId, amountPence: 400_000, idempotencyKey: `award:${award.awardId}:tranche:1` })
    })
  })
})

describe('a place-based pooled pot', () => {
  test('the fund manager sees the dashboard and downloads the ledger and a statement', async () => {
    const page = await signInAs('manager')
    await visit(page, `/pots/${potId}/dashboard`)
    expect(await heading(page)).toBe(`${POT_NAME}: dashboard`)
    const cards = page.locator('.cards')
    for (const [label, amount] of [
      ['Pledged', '£100,000.00'],
      ['Received', '£80,000.00'],
      ['Committed', '£10,000.00'],
      ['Paid', '£4,000.00'],
      ['Available', '£70,000.00'],
    ]) {
      expect(await cards.getByRole('listitem').filter({ has: page.getByRole('heading', { name: label, exact: true }) }).innerText()).toContain(amount)
    }
    expect(await page.locator('main').innerText()).toContain('Every £1 from the pot brought £0.24 of match funding.')
    expect(await page.getByRole('img', { name: "Each contributor's money" }).count()).toBe(1)
    expect(await page.getByRole('img', { name: 'Committed and paid, running totals by month' }).count()).toBe(1)
    const byContributor = page.getByRole('table', { name: 'Figures by contributor' })
    const nhsRow = byContributor.getByRole('row').filter({ has: page.getByRole('rowheader', { name: NHS, exact: true }) })
    expect(await nhsRow.innerText()).toContain('£60,000.00')

    const csv = await download(page, 'Download ledger entries (CSV)')
    const lines = csv.toString('utf8').trim().split('\n')
    expect(lines[0]).toBe('Date,Entry id,Reason,From account,To account,Amount (GBP),Idempotency key,Reference')
    expect(lines.some((l) => l.includes('contribution.received') && l.includes(`contribution:${contributions.nhs}:available`) && l.includes(',60000.00,'))).toBe(true)

    const pdf = await download(page, `Statement (PDF) for ${NHS}`)
    const text = await pdfText(pdf)
    expect(text).toContain(NHS)
    expect(text).toContain('£60,000.00')
    expect(text).toContain('£52,500.00')
  })

  test('the ICB funder viewer sees only the ICB’s own money', async () => {
    const page = await signInAs('funder')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Our money' }).click()
    await landOn(page, '/funder')
    expect(await heading(page)).toBe('What did our money do?')
    const main = await page.locator('main').innerText()
    expect(main).toContain(POT_NAME)
    expect(main).toContain('£60,000.00')
    expect(main).not.toContain(LOTTERY)
    expect(main).not.toContain(COUNCIL)
    expect(main).not.toContain('£30,000.00')
    const own = await page.request.get(appUrl(`/pots/${potId}/contributions/${contributions.nhs}/statement.pdf`))
    expect(own.status()).toBe(200)
    const others = await page.request.get(appUrl(`/pots/${potId}/contributions/${contributions.lottery}/statement.pdf`))
    expect(others.status()).toBe(404)
    const dashboard = await page.request.get(appUrl(`/pots/${potId}/dashboard`))
    expect(dashboard.status()).toBe(403)
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
  await page.locator(':focus').blur()
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await landOn(page, '/home')
  return page
}

async function heading(page: Page): Promise<string> {
  return (await page.getByRole('heading', { level: 1 }).innerText()).trim()
}

/** Clicks a download link as a person would and returns the file's bytes. */
async function download(page: Page, linkName: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: linkName, exact: true }).click()])
  const saved = await file.path()
  return fs.readFileSync(saved)
}

async function pdfText(pdf: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) })
  try {
    return (await parser.getText()).text
  } finally {
    await parser.destroy()
  }
}
