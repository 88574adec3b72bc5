/**
 * The return page and the fund manager's review page render on the server (as they do with JavaScript off) from their
 * loaders' data: every field has its label, a 400's messages appear beside the fields and in the error summary, and
 * SWEMWBS shows its copyright line when the round offers it.
 */
import { createElement, type ReactNode } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, test, vi } from 'vitest'
import type * as RemixReact from '@remix-run/react'
import { createReturnScenario, fullReturnData } from '../../tests/factories/returns.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { SWEMWBS_COPYRIGHT } from '~/domain/returns/measures.ts'
import { submitReturn } from '~/domain/returns/returns.server.ts'
import { db } from '~/lib/db.server.ts'

const page = vi.hoisted(() => ({ loaderData: undefined as unknown, actionData: undefined as unknown }))
vi.mock('@remix-run/react', async (original) => {
  const actual = await original<typeof RemixReact>()
  return {
    ...actual,
    useLoaderData: () => page.loaderData,
    useActionData: () => page.actionData,
    Form: ({ children, reloadDocument: _r, ...props }: { children: ReactNode; reloadDocument?: boolean }) => createElement('form', props, children),
    Link: ({ to, children, ...props }: { to: string; children: ReactNode }) => createElement('a', { href: to, ...props }, children),
  }
})

const { default: ImpactReturn, action, loader } = await import('./awards.$awardId_.returns.$returnId.tsx')
const review = await import('./manage.returns.$returnId.tsx')
const context = { cspNonce: '', clientIp: '127.0.0.1' }

describe('rendering the return pages', () => {
  test('the form renders every section with its labels, and after a 400 the messages beside the fields', async () => {
    const s = await createReturnScenario(db)
    await db.updateTable('rounds').set({ swemwbs_enabled: 1 }).where('id', '=', s.roundId).execute()
    const award = await s.awardWithReturns({ amountPence: 2_000_000 })
    const params = { awardId: String(award.awardId), returnId: String(award.returnIds[0]) }
    const url = `/awards/${award.awardId}/returns/${award.returnIds[0]}`
    const request = await signedInRequest(url, { userId: award.adminUserId })
    page.loaderData = await (await respond(() => loader({ request, params, context }))).json()
    page.actionData = undefined
    let html = renderToStaticMarkup(createElement(ImpactReturn))
    for (const label of ['People reached', 'Sessions delivered', 'Social prescribing link worker', 'Life satisfaction (ONS4): each person’s scores', 'Loneliness (UCLA 3-item): each person’s scores', 'Spent on Staff: Session leader', 'Match funding received', 'Your story', 'Plans for the next period', 'Everyone in photo 1 agreed to it being used', 'Save as draft', 'Send the return']) {
      expect(html).toContain(label)
    }
    expect(html).toContain(SWEMWBS_COPYRIGHT)
    expect(html).toContain('name="spendLines[0].spent"')
    expect(html).toMatch(/<form[^>]*enctype="multipart\/form-data"/i)

    const form = new FormData()
    for (const [k, v] of Object.entries({ intent: 'submit', peopleReached: '-1', ons4Basis: 'participants', 'scores-ons4_happy': '5, 11' })) form.append(k, v)
    const bad = await respond(async () => action({ request: await signedInRequest(url, { userId: award.adminUserId, body: form }), params, context }))
    expect(bad.status).toBe(400)
    page.actionData = await bad.json()
    html = renderToStaticMarkup(createElement(ImpactReturn))
    expect(html).toContain('There is a problem')
    expect(html).toContain('The number of people reached cannot be below zero')
    expect(html).toContain('Happiness yesterday (ONS4), person 1: the score after (11) must be a whole number from 0 to 10')
    expect(html).toMatch(/class="error-message"[^>]*>.*The number of people reached cannot be below zero/)
  })

  test('the review page shows the outcome summary per measure and the review buttons', async () => {
    const s = await createReturnScenario(db)
    const manager = await createUserWithRole(db, 'fund_manager')
    const award = await s.awardWithReturns({ amountPence: 2_000_000 })
    await db.transaction().execute((trx) => submitReturn(trx, award.adminUserId, { returnId: award.returnIds[0], data: fullReturnData() }))
    const request = await signedInRequest(`/manage/returns/${award.returnIds[0]}`, { userId: manager.id })
    page.loaderData = await (await respond(() => review.loader({ request, params: { returnId: String(award.returnIds[0]) }, context }))).json()
    page.actionData = undefined
    const html = renderToStaticMarkup(createElement(review.default))
    for (const text of ['Life satisfaction (ONS4, 0-10)', 'Loneliness (UCLA 3-item, 3-9, lower is better)', '95% confidence interval', 'Accept the return', 'Return for changes', 'Comments for the group', 'Version 1']) {
      expect(html).toContain(text)
    }
  })
})

