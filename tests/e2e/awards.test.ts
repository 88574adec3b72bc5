/**
 * From a panel recommendation to money committed in a pooled pot, in the browser: the demo fund manager opens a bid
 * the autumn panel recommended (Croydon Walk and Talk, £40,000, in NHS South West London), sees that the South West
 * London pot cannot fund all of it (the refusal names why), awards £30,000 instead, chooses their own split across the
 * ring-fenced NHS money, the National Lottery (at most 50% of any award) and the borough council, is asked for the
 * reason, gives it, and sees where the award's money comes from. Every page shown is checked with axe.
 */
import { describe, expect, test } from 'vitest'
import { DEMO_DOMAIN } from '../../db/seed/demo.ts'
import { PANEL_ROUND_TITLE } from '../../db/seed/panel-round.ts'
import { checkA11y, expectFieldError, flash, heading, landOn, newPage, signInToHome, submit } from './support/journey.ts'

const BID = 'TCF-2026-00006'
const POT = 'NHS South West London shared investment pot 2026-27'

describe('making an award from a panel recommendation', () => {
  test('a fund manager awards less than asked, with their own split across the ring-fenced contributions and a reason', async () => {
    const page = await newPage()
    await signInToHome(page, `manager@${DEMO_DOMAIN}`)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Fund management' }).click()
    await landOn(page, '/manage/funds')
    await page.getByRole('link', { name: 'Thriving Communities Fund' }).click()
    await page.waitForURL(/\/manage\/funds\/\d+$/)
    await checkA11y(page)
    await page.getByRole('link', { name: PANEL_ROUND_TITLE }).click()
    await page.waitForURL(/\/manage\/rounds\/\d+$/)
    await checkA11y(page)
    await page.getByRole('link', { name: 'Applications', exact: true }).click()
    await page.waitForURL(/\/applications$/)
    await checkA11y(page)
    await page.getByRole('link', { name: BID, exact: true }).click()
    await page.waitForURL(/\/manage\/applications\/\d+$/)
    const bidPath = new URL(page.url()).pathname
    await landOn(page, bidPath)
    expect(await heading(page)).toBe(`${BID}: Croydon Walk and Talk`)

    await page.getByRole('link', { name: 'Make the award and commit it to a pot' }).click()
    await landOn(page, `${bidPath}/award`)
    // The panel recommended the £40,000 asked for; the local pot has less than that left for this bid.
    expect(await page.getByLabel('Amount to award', { exact: true }).inputValue()).toBe('40000.00')
    expect(await page.getByLabel('Health and wellbeing', { exact: true }).isChecked()).toBe(true)
    expect(await page.getByRole('alert').innerText()).toContain('Only £35,000 of eligible money is available for this award of £40,000')

    await page.getByLabel('Amount to award', { exact: true }).fill('30000')
    await page.getByLabel('Pot', { exact: true }).selectOption({ label: POT })
    await submit(page, 'Work out the split')
    await page.waitForURL(/award\?/)
    await landOn(page, new URL(page.url()).pathname + new URL(page.url()).search)
    const proposal = page.getByRole('table', { name: 'How the award would be split across the pot’s contributions' })
    expect(await proposal.getByRole('row', { name: /National Lottery Community Fund/ }).innerText()).toContain('Yes, up to £7,777.78')

    // Their own split without a reason is refused, with the message by the reason.
    await page.getByLabel('Choose my own split', { exact: true }).check()
    await page.getByLabel('From NHS South West London Integrated Care Board', { exact: true }).fill('20000')
    await page.getByLabel('From National Lottery Community Fund', { exact: true }).fill('7000')
    await page.getByLabel('From London Borough of Merton', { exact: true }).fill('3000')
    await submit(page, `Make the award of £30,000.00 and commit it to ${POT}`)
    await expectFieldError(page, 'Reason for choosing your own split', 'Give a reason for choosing your own split')
    await checkA11y(page)

    await page.getByLabel('Reason for choosing your own split', { exact: true }).fill('The council asked that its money go to walking groups first; the ICB tops up the rest.')
    await submit(page, `Make the award of £30,000.00 and commit it to ${POT}`)
    await page.waitForURL((url) => url.pathname === bidPath)
    await landOn(page, bidPath)
    expect(await flash(page)).toBe(`Award ${BID}-AWD made: £30,000.00 committed from ${POT}.`)
    const commitments = page.getByRole('table', { name: 'Where the award’s money comes from' })
    const rows = await commitments.getByRole('row').allInnerTexts()
    expect(rows.slice(1).map((r) => r.split('\t').slice(0, 3).join(' | '))).toEqual([
      `NHS South West London Integrated Care Board | ${POT} | £20,000.00`,
      `National Lottery Community Fund | ${POT} | £7,000.00`,
      `London Borough of Merton | ${POT} | £3,000.00`,
    ])
    expect(rows[1]).toContain('The council asked that its money go to walking groups first')
    await page.close()
  })
})
