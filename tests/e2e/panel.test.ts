/**
 * A panel as people run it, in the browser: on a round of three bids (set up through the domain: bids 2 and 3 are
 * already scored), two demo assessors score bid 1, a third declares a conflict of interest on it and loses access
 * (403), the demo chair moderates a score, proposes the best set of bids with the optimiser, accepts the proposal with
 * one change and its reason, and downloads the panel pack, whose text names the bids and their scores. The minutes
 * name the conflict and the change.
 *
 * Fields are found by their labels and buttons by their text; every page shown is checked with axe. The tests run in
 * order and build on each other.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { pdfText } from '../factories/pdf-text.ts'
import { createDatabase } from '../../db/connect.ts'
import { DEMO_DOMAIN } from '../../db/seed/demo.ts'
import { assignByHand } from '../../app/domain/assessment/assignment.server.ts'
import { confirmNoConflict } from '../../app/domain/assessment/conflicts.server.ts'
import { addAssessorToRound } from '../../app/domain/assessment/panel-members.server.ts'
import { submitScores } from '../../app/domain/assessment/scores.server.ts'
import { createPanelRound, type PanelRound } from '../factories/assessment.ts'
import { checkA11y, errorSummary, expectFieldError, flash, heading, landOn, newPage, journeyDatabase, signInToHome, submit, visit } from './support/journey.ts'

const ROUND_TITLE = `Neighbourhood panel round ${crypto.randomBytes(3).toString('hex')}`
const OVERRIDE_REASON = 'The panel heard its partner has withdrawn, so delivery is at risk this year.'
const CRITERIA = [
  { name: 'Local need', weight: 3, scaleMin: 1, scaleMax: 5 },
  { name: 'Quality of plan', weight: 2, scaleMin: 1, scaleMax: 5 },
  {
    name: 'Safeguarding policy',
    weight: 0,
    scaleMin: 0,
    scaleMax: 1,
    isGateway: true,
  },
]

let panel: PanelRound
const assessmentOf: Record<'assessor' | 'assessor2' | 'assessor3', number> = {
  assessor: 0,
  assessor2: 0,
  assessor3: 0,
}
let handle: ReturnType<typeof createDatabase>

beforeAll(async () => {
  handle = createDatabase(journeyDatabase())
  const db = handle.db
  // Budget £60,000: bid 1 asks £40,000, bids 2 and 3 £30,000 each.
  panel = await createPanelRound(db, {
    bids: [{ amountPence: 4_000_000 }, { amountPence: 3_000_000 }, { amountPence: 3_000_000 }],
    assessors: 0,
    criteria: CRITERIA,
    budgetPence: 6_000_000,
  })
  await db.updateTable('rounds').set({ title: ROUND_TITLE }).where('id', '=', panel.roundId).execute()
  const users = await db
    .selectFrom('users')
    .select(['id', 'email'])
    .where(
      'email',
      'in',
      ['assessor', 'assessor2', 'assessor3', 'chair'].map((a) => `${a}@${DEMO_DOMAIN}`)
    )
    .execute()
  const idOf = (account: string) => users.find((u) => u.email === `${account}@${DEMO_DOMAIN}`)!.id
  const manager = { id: panel.manager.id }
  await db.transaction().execute(async (trx) => {
    for (const account of ['assessor', 'assessor2', 'assessor3'])
      await addAssessorToRound(trx, manager, {
        roundId: panel.roundId,
        userId: idOf(account),
        isChair: false,
      })
    await addAssessorToRound(trx, manager, {
      roundId: panel.roundId,
      userId: idOf('chair'),
      isChair: true,
    })
    for (const account of ['assessor', 'assessor2', 'assessor3'] as const) {
      assessmentOf[account] = (
        await assignByHand(trx, manager, {
          applicationId: panel.bids[0]!.applicationId,
          assessorUserId: idOf(account),
        })
      ).assessmentId
    }
    // Bids 2 and 3 were scored before the meeting: 4 and 4 from both assessors (75 points each).
    for (const bid of panel.bids.slice(1)) {
      for (const account of ['assessor', 'assessor2']) {
        const { assessmentId } = await assignByHand(trx, manager, {
          applicationId: bid.applicationId,
          assessorUserId: idOf(account),
        })
        await confirmNoConflict(trx, idOf(account), assessmentId)
        await submitScores(trx, idOf(account), {
          assessmentId,
          scores: panel.criteria.map((c) => ({
            criterionId: c.id,
            score: c.isGateway ? 1 : 4,
            comment: `Solid ${c.name.toLowerCase()}`,
          })),
        })
      }
    }
  })
})

afterAll(async () => {
  await handle?.close()
})

describe('a panel scores, moderates and decides in the browser', () => {
  test('two assessors score bid 1', async () => {
    for (const [account, plan] of [
      ['assessor', '5'],
      ['assessor2', '3'],
    ] as const) {
      const page = await signInAs(account)
      await visit(page, '/assess')
      // The queue's rows link with PlainLink: once the page is hydrated, following one is a client-side navigation
      // (the window survives it), as it is with Remix's <Link>.
      await page.waitForFunction(() => document.documentElement.dataset.location !== undefined)
      await page.evaluate(() => ((window as unknown as { sameDocument?: boolean }).sameDocument = true))
      await page.getByRole('link', { name: new RegExp(`^${panel.bids[0]!.reference}`) }).click()
      await landOn(page, `/assess/${assessmentOf[account]}`)
      expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true)
      await page.getByRole('radio', { name: 'I have no conflict of interest' }).check()
      await submit(page, 'Continue')
      await landOn(page, `/assess/${assessmentOf[account]}`)
      await page
        .getByRole('group', { name: /^Local need/ })
        .getByLabel('5', { exact: true })
        .check()
      await page.getByLabel('Your comment on Local need', { exact: true }).fill('Clear evidence from the ward profile.')
      await page
        .getByRole('group', { name: /^Quality of plan/ })
        .getByLabel(plan, { exact: true })
        .check()
      await page.getByLabel('Your comment on Quality of plan', { exact: true }).fill(`Plan scored ${plan} by ${account}.`)
      await page
        .getByRole('group', { name: /^Safeguarding policy/ })
        .getByLabel('Pass', { exact: true })
        .check()
      await page.getByLabel('Your comment on Safeguarding policy', { exact: true }).fill('Policy seen.')
      await page.getByLabel('I have scored every criterion and cannot change my scores after submitting', { exact: true }).check()
      await submit(page, 'Submit scores')
      await page.getByRole('heading', { name: 'Your submitted scores' }).waitFor()
      await landOn(page, new URL(page.url()).pathname)
      await page.close()
    }
  })

  test('a third assessor declares a conflict of interest and can no longer open the bid', async () => {
    const page = await signInAs('assessor3')
    await visit(page, `/assess/${assessmentOf.assessor3}`)
    await page.getByRole('radio', { name: 'I have a conflict' }).check()
    await page.getByLabel('Kind of conflict (if you have one)', { exact: true }).selectOption({ label: 'Member or trustee of the organisation' })
    await page.getByLabel('Note (if you have a conflict)', { exact: true }).fill('I am a trustee of this group.')
    await submit(page, 'Continue')
    await landOn(page, '/assess')
    await visit(page, `/assess/${assessmentOf.assessor3}`, { status: 403 })
    await page.close()
  })

  test('the chair moderates a score on bid 1', async () => {
    const page = await signInAs('chair')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Panels' }).click()
    await landOn(page, '/panel')
    await page.getByRole('link', { name: ROUND_TITLE, exact: true }).click()
    await landOn(page, `/panel/${panel.roundId}`)
    await page.getByRole('link', { name: panel.bids[0]!.reference, exact: true }).click()
    await landOn(page, `/panel/${panel.roundId}/bids/${panel.bids[0]!.applicationId}`)
    const form = page.locator('form').filter({
      has: page.getByLabel('Moderated score for Quality of plan', {
        exact: true,
      }),
    })
    await form.getByLabel('Moderated score for Quality of plan', { exact: true }).selectOption('4')
    await form.getByLabel('Rationale for moderating Quality of plan', { exact: true }).fill('The panel agreed the plan sits between the two assessors’ views.')
    await form.getByRole('button', { name: 'Moderate score' }).click()
    await page.getByText('set by David Mensah').waitFor()
    await landOn(page, `/panel/${panel.roundId}/bids/${panel.bids[0]!.applicationId}`)
    await page.close()
  })

  test('the chair opens the money left at the foot of the list from the ranked bids', async () => {
    const page = await signInAs('chair')
    await visit(page, `/panel/${panel.roundId}`)
    await page.getByRole('link', { name: 'Money left in each pot and ring-fenced contribution' }).click()
    await landOn(page, `/panel/${panel.roundId}/money`)
    expect(await heading(page)).toBe(`${ROUND_TITLE}: money left`)
    await page.getByText('This round does not draw on a pot: only the round budget applies.').waitFor()
    await checkA11y(page)
    await page.close()
  })

  test('the chair proposes the best set of bids and accepts it with one change and its reason', async () => {
    const page = await signInAs('chair')
    await visit(page, `/panel/${panel.roundId}`)
    await page.getByRole('link', { name: 'Propose the best set of bids (optimiser)' }).click()
    await landOn(page, `/panel/${panel.roundId}/optimiser`)
    // A place limit whose maximum is below its minimum is refused, with the message beside the maximum.
    const minLabel = (await page.locator('label[for^="min-"]').first().innerText()).trim()
    const maxLabel = minLabel.replace(/^Minimum/, 'Maximum')
    await page.getByLabel(minLabel, { exact: true }).fill('30000')
    await page.getByLabel(maxLabel, { exact: true }).fill('10000')
    await submit(page, `Save limit for ${minLabel.replace(/^Minimum for /, '')}`)
    await expectFieldError(page, maxLabel, 'The maximum must be at least the minimum')
    await checkA11y(page)
    await submit(page, 'Propose the best set of bids')
    await page.getByRole('heading', { name: /^Proposal \d+: £60,000\.00/ }).waitFor()
    await landOn(page, `/panel/${panel.roundId}/optimiser`)
    const table = page.getByRole('table', {
      name: /The proposal beside funding down the list/,
    })
    // Down the list funds bid 1 (£40,000) and nothing else fits; the optimiser funds bids 2 and 3 (£60,000, more points).
    expect(await rowText(table, panel.bids[0]!.reference)).toMatch(/Reserve\s+Fund/)
    expect(await rowText(table, panel.bids[1]!.reference)).toMatch(/Fund\s+Reserve/)
    expect(await page.getByRole('heading', { name: 'Why this proposal' }).locator('xpath=following-sibling::ul[1]/li').count()).toBeGreaterThan(0)

    // The change: bid 3 goes on the reserve list. Without a reason first.
    const bid3 = panel.bids[2]!.reference
    await page.getByLabel(`Decide ${bid3} instead as`, { exact: true }).selectOption({ label: 'Reserve list' })
    await submit(page, 'Accept the proposal')
    await page
      .getByRole('alert')
      .filter({
        hasText: `Give a reason for changing ${bid3} from the proposal`,
      })
      .waitFor()
    await page.getByLabel(`Decide ${bid3} instead as`, { exact: true }).selectOption({ label: 'Reserve list' })
    await page.getByLabel(`Reason for changing ${bid3}`, { exact: true }).fill(OVERRIDE_REASON)
    await submit(page, 'Accept the proposal')
    await landOn(page, `/panel/${panel.roundId}`)
    expect(await flash(page)).toBe('Proposal accepted: 3 bids decided, 1 changed with a reason')
    const list = page.getByRole('table', {
      name: 'Bids in order of moderated score',
    })
    expect(await rowText(list, panel.bids[1]!.reference)).toContain('Recommended for funding')
    expect(await rowText(list, bid3)).toContain('Reserve list')
    expect(await rowText(list, bid3)).toContain('Changed from the proposal')
    await page.close()
  })

  test('the panel pack downloads and names the bids and their scores; the minutes name the conflict and the change', async () => {
    const page = await signInAs('chair')
    await visit(page, `/panel/${panel.roundId}`)
    const scores = await page.getByRole('table', { name: 'Bids in order of moderated score' }).locator('tbody tr td:nth-child(5)').allInnerTexts()
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the panel pack (PDF)' }).click()])
    const text = (await pdfText(fs.readFileSync(await file.path()))).replace(/\s+/g, ' ')
    for (const bid of panel.bids) expect(text).toContain(bid.reference)
    for (const score of scores) expect(text).toContain(score.trim())
    expect(text).toContain('Plan scored 5 by assessor')
    expect(text).toContain('Chloe Davies')

    await page.getByRole('link', { name: 'Attendees and minutes' }).click()
    await landOn(page, `/panel/${panel.roundId}/minutes`)
    expect(await heading(page)).toBe(`Panel minutes: ${ROUND_TITLE}`)
    const main = await page.locator('main').innerText()
    expect(main).toContain('Chloe Davies')
    expect(main).toContain(OVERRIDE_REASON)
    await submit(page, 'Save attendees')
    await landOn(page, `/panel/${panel.roundId}/minutes`)
    expect(await flash(page)).toBe('Attendees saved')
    const [minutes] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the minutes (PDF)' }).click()])
    const minutesText = (await pdfText(fs.readFileSync(await minutes.path()))).replace(/\s+/g, ' ')
    expect(minutesText).toContain('David Mensah')
    expect(minutesText).toContain('Chloe Davies')
    expect(minutesText).toContain(OVERRIDE_REASON)
    await page.close()
  })

  test('a declined decision needs a reason from the round’s list; the fund manager then releases every decision', async () => {
    const chair = await signInAs('chair')
    const bid1 = panel.bids[0]!
    await visit(chair, `/panel/${panel.roundId}/bids/${bid1.applicationId}/decision`)
    await chair.getByRole('radio', { name: 'Declined' }).check()
    await chair.getByLabel('Reason for the decision', { exact: true }).fill('The plan depends on a partner that has not yet agreed.')
    await chair.getByLabel('Reason for changing the proposal', { exact: true }).fill('The panel agreed it cannot wait for the reserve list.')
    await submit(chair, 'Record decision')
    await errorSummary(chair).getByRole('link', { name: 'Choose the reason for declining the bid' }).waitFor()
    await checkA11y(chair)
    await chair.getByLabel('Reason for declining (if declined)', { exact: true }).selectOption({ label: 'Outside the round’s priorities' })
    await submit(chair, 'Record decision')
    await landOn(chair, `/panel/${panel.roundId}`)
    expect(await flash(chair)).toBe(`${bid1.reference}: Declined`)
    await chair.close()

    const manager = await signInAs('manager')
    await visit(manager, `/panel/${panel.roundId}/release`)
    expect(await manager.locator('main').innerText()).toContain('3 emails will be sent')
    await submit(manager, 'Release decisions')
    await landOn(manager, `/panel/${panel.roundId}`)
    expect(await flash(manager)).toBe('Decisions released for 3 bids; 3 emails are on their way')
    expect(await manager.locator('main').innerText()).toContain('Decisions have been released to applicants')
    await manager.close()
  })
})

async function signInAs(account: string): Promise<Page> {
  const page = await newPage()
  await signInToHome(page, `${account}@${DEMO_DOMAIN}`)
  return page
}

async function rowText(table: ReturnType<Page['locator']>, reference: string): Promise<string> {
  return table.locator('tbody tr').filter({ hasText: reference }).innerText()
}

