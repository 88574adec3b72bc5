/**
 * The assessment pages render on the server with real loader and action data (no browser needed): labels, legends,
 * error messages, and nothing that would throw in a component.
 */
import type * as RemixReact from '@remix-run/react'
import { renderToString } from 'react-dom/server'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { assignRaw, createPanelRound, submitScoresRaw } from '../../tests/factories/assessment.ts'
import { signedInRequest } from '../../tests/factories/sessions.ts'

const state = vi.hoisted(() => ({ loaderData: undefined as unknown, actionData: undefined as unknown }))

vi.mock('@remix-run/react', async (importOriginal) => {
  const actual = await importOriginal<typeof RemixReact>()
  const React = await import('react')
  return {
    ...actual,
    useLoaderData: () => state.loaderData,
    useActionData: () => state.actionData,
    Form: ({ children, method, ...rest }: { children?: React.ReactNode; method?: string } & Record<string, unknown>) => React.createElement('form', { method, ...rest }, children),
    Link: ({ children, to, ...rest }: { children?: React.ReactNode; to: string } & Record<string, unknown>) => React.createElement('a', { href: to, ...rest }, children),
  }
})

const context = { cspNonce: '', clientIp: '127.0.0.1' }

beforeEach(() => {
  state.loaderData = undefined
  state.actionData = undefined
})

async function load(fn: (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>, url: string, userId: number, params: Record<string, string>) {
  const response = await respond(async () => fn({ request: await signedInRequest(url, { userId }), params, context }))
  expect(response.status).toBe(200)
  return response.json()
}

describe('assessment pages render', () => {
  test('the conflict check, then the scoring form with a field error, then the submitted scores', async () => {
    const route = await import('./assess.$assessmentId.tsx')
    const panel = await createPanelRound(db, { bids: 1, assessors: 2, settings: { hide_peer_scores: 0 } })
    const me = panel.assessors[0]!
    const id = await assignRaw(db, panel.bids[0]!.applicationId, me.id)
    const params = { assessmentId: String(id) }
    state.loaderData = await load(route.loader, `/assess/${id}`, me.id, params)
    let html = renderToString(<route.default />)
    expect(html).toContain('Do you have a conflict of interest with this bid?')
    expect(html).toContain('I have no conflict of interest')
    expect(html).not.toContain('Your scores')

    await db.updateTable('assessments').set({ status: 'draft' }).where('id', '=', id).execute()
    await submitScoresRaw(db, panel, { applicationId: panel.bids[0]!.applicationId, assessorId: panel.assessors[1]!.id, scores: [2, 2, 4, 1] })
    state.loaderData = await load(route.loader, `/assess/${id}`, me.id, params)
    const bad = await respond(async () => route.action({ request: await signedInRequest(`/assess/${id}`, { userId: me.id, body: { intent: 'save', [`score_${panel.criteria[0]!.id}`]: '9' } }), params, context }))
    expect(bad.status).toBe(400)
    state.actionData = await bad.json()
    html = renderToString(<route.default />)
    expect(html).toContain('There is a problem')
    expect(html).toContain('The score for Need must be a whole number from 1 to 5')
    expect(html).toContain('<legend>Need (50% of the total score)</legend>')
    expect(html).toContain('5: Strong local evidence')
    expect(html).toContain('I have scored every criterion and cannot change my scores after submitting')
    expect(html).toContain('Other assessors’ scores')

    await submitScoresRaw(db, panel, { applicationId: panel.bids[0]!.applicationId, assessorId: me.id, scores: [5, 3, 5, 1] })
    state.actionData = undefined
    state.loaderData = await load(route.loader, `/assess/${id}`, me.id, params)
    html = renderToString(<route.default />)
    expect(html).toContain('Your submitted scores')
    expect(html).toContain('75.0')
  })

  test('the bids-to-assess list, the panel page and the assignments page', async () => {
    const panel = await createPanelRound(db, { bids: 2, assessors: 2 })
    await assignRaw(db, panel.bids[0]!.applicationId, panel.assessors[0]!.id)
    await assignRaw(db, panel.bids[1]!.applicationId, panel.assessors[0]!.id, 'conflict')
    const list = await import('./assess._index.tsx')
    state.loaderData = await load(list.loader, '/assess', panel.assessors[0]!.id, {})
    expect(renderToString(<list.default />)).toContain('Check for conflicts')

    const params = { roundId: String(panel.roundId) }
    const panelPage = await import('./manage.rounds.$roundId.panel.tsx')
    state.loaderData = await load(panelPage.loader, `/manage/rounds/${panel.roundId}/panel`, panel.manager.id, params)
    const panelHtml = renderToString(<panelPage.default />)
    expect(panelHtml).toContain('Panel members and their bids in this round')
    expect(panelHtml).toContain('Places Assessor 1 knows')

    const assignments = await import('./manage.rounds.$roundId.assignments.tsx')
    state.loaderData = await load(assignments.loader, `/manage/rounds/${panel.roundId}/assignments`, panel.manager.id, params)
    const html = renderToString(<assignments.default />)
    expect(html).toContain('Prefer assessors who know the place')
    expect(html).toContain(`Assessor for ${panel.bids[0]!.reference}`)
    expect(html).toContain('Record a conflict for an assessor')
  })
})
