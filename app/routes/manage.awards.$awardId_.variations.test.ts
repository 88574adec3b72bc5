/**
 * /manage/awards/<id>/variations (fund managers) and /awards/<id>/variation (the organisation's members): asking to
 * change an award, and a different fund manager deciding. Others get 403 (or 404 for the organisation's page).
 */
import type * as RemixReact from '@remix-run/react'
import { createElement, type FunctionComponent } from 'react'
import { renderToString } from 'react-dom/server'
import { beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import { createOrganisationWithAdmin } from '../../tests/factories/organisations.ts'
import { createPaymentScenario, type PaymentScenario } from '../../tests/factories/payments.ts'
import { createUserWithRole, signedInRequest, type TestUser } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import AskPage, { action as askAction, loader as askLoader } from './awards.$awardId_.variation.tsx'
import ManagePage, { action as manageAction, loader as manageLoader } from './manage.awards.$awardId_.variations.tsx'

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
type Route = (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>

let s: PaymentScenario
let managers: TestUser[]
beforeAll(async () => {
  s = await createPaymentScenario(db)
  managers = [await createUserWithRole(db, 'fund_manager'), await createUserWithRole(db, 'fund_manager')]
})
beforeEach(() => {
  state.loaderData = undefined
  state.actionData = undefined
})

let n = 0
const key = () => `route-test-${Date.now()}-${++n}`

async function call(route: Route, url: string, awardId: number, userId: number, body?: Record<string, string>) {
  const request = await signedInRequest(url, { userId, body })
  return respond(() => route({ request, params: { awardId: String(awardId) }, context }))
}

const manageUrl = (id: number) => `/manage/awards/${id}/variations`
const askUrl = (id: number) => `/awards/${id}/variation`

function proposal(fields: Record<string, string> = {}): Record<string, string> {
  return { intent: 'propose', amount: '3,500', 'tranches[0].amount': '3500', 'tranches[0].dueDate': '2099-01-01', 'tranches[0].gate': 'date', reason: 'More sessions', idempotencyKey: key(), ...fields }
}

async function render(page: FunctionComponent, route: Route, url: string, awardId: number, userId: number): Promise<string> {
  const response = await call(route, url, awardId, userId)
  expect(response.status).toBe(200)
  state.loaderData = await response.json()
  return renderToString(createElement(page)).replaceAll('<!-- -->', '')
}

const pendingOf = async (awardId: number) => db.selectFrom('award_variations').select(['id', 'status', 'requested_by']).where('award_id', '=', awardId).orderBy('id', 'desc').execute()

describe('who may see and use the pages', () => {
  test('applicants get 403 on the fund manager page; people outside the organisation get 404 on its page', async () => {
    const award = await s.acceptedAward()
    const { admin: outsider } = await createOrganisationWithAdmin(db)
    expect((await call(manageLoader, manageUrl(award.awardId), award.awardId, award.adminUserId)).status).toBe(403)
    expect((await call(manageAction, manageUrl(award.awardId), award.awardId, award.adminUserId, proposal())).status).toBe(403)
    expect((await call(askLoader, askUrl(award.awardId), award.awardId, outsider.id)).status).toBe(404)
    expect((await call(askAction, askUrl(award.awardId), award.awardId, outsider.id, proposal())).status).toBe(404)
    expect((await call(askLoader, askUrl(999_999), 999_999, award.adminUserId)).status).toBe(404)
    expect((await call(manageLoader, manageUrl(999_999), 999_999, managers[0].id)).status).toBe(404)
    expect(await pendingOf(award.awardId)).toHaveLength(0)
  })
})

describe('asking for a change', () => {
  test('bad input is 400 with the message beside its field, and nothing is saved', async () => {
    const award = await s.acceptedAward({ amountPence: 300_000 })
    const blank = await call(askAction, askUrl(award.awardId), award.awardId, award.adminUserId, proposal({ amount: '', reason: '' }))
    expect(blank.status).toBe(400)
    const body = (await blank.json()) as { error: Record<string, string[]> }
    expect(body.error.amount).toEqual(['Enter the new amount of the grant'])
    expect(body.error.reason).toEqual(['Say why the grant should change'])
    const noDate = await call(askAction, askUrl(award.awardId), award.awardId, award.adminUserId, proposal({ 'tranches[0].dueDate': '' }))
    expect(noDate.status).toBe(400)
    expect(((await noDate.json()) as { error: Record<string, string[]> }).error['tranches[0].dueDate']).toEqual(['Enter the date payment 1 is due'])
    // The domain's sum check lands on the payments.
    const sums = await call(askAction, askUrl(award.awardId), award.awardId, award.adminUserId, proposal({ 'tranches[2].amount': '100', 'tranches[2].dueDate': '2099-02-01' }))
    expect(sums.status).toBe(400)
    expect(((await sums.json()) as { error: Record<string, string[]> }).error.tranches).toEqual(['The payments add up to £3,600.00, but the new amount is £3,500.00'])
    // A date the schedule rules refuse lands on that row (row 3 on the form, the 2nd payment).
    const date = await call(askAction, askUrl(award.awardId), award.awardId, award.adminUserId, proposal({ 'tranches[0].amount': '3000', 'tranches[2].amount': '500', 'tranches[2].dueDate': '2098-01-01' }))
    expect(date.status).toBe(400)
    expect(((await date.json()) as { error: Record<string, string[]> }).error['tranches[2].dueDate']).toEqual(['Instalment 2 is due before instalment 1'])
    expect(await pendingOf(award.awardId)).toHaveLength(0)
  })

  test('a member asks, a second request is 409, and the fund manager page shows it with its decision form', async () => {
    const award = await s.acceptedAward({ amountPence: 300_000 })
    const asked = await call(askAction, askUrl(award.awardId), award.awardId, award.adminUserId, proposal())
    expect(asked.status).toBe(302)
    expect(asked.headers.get('Location')).toBe(askUrl(award.awardId))
    const again = await call(askAction, askUrl(award.awardId), award.awardId, award.adminUserId, proposal())
    expect(again.status).toBe(409)
    expect(((await again.json()) as { error: Record<string, string[]> }).error['']).toEqual([expect.stringContaining('already waiting for a decision')])
    const html = await render(ManagePage, manageLoader, manageUrl(award.awardId), award.awardId, managers[0].id)
    expect(html).toContain('Waiting for a decision')
    expect(html).toContain('More sessions')
    expect(html).toContain('Approve the change')
    const own = await render(AskPage, askLoader, askUrl(award.awardId), award.awardId, award.adminUserId)
    expect(own).toContain('Ask to change your grant')
    expect(own).toContain('We are still looking at the change you asked for')
  })
})

describe('deciding a change', () => {
  test('the fund manager who proposed it gets a clear 403; another approves it', async () => {
    const award = await s.acceptedAward({ amountPence: 300_000 })
    expect((await call(manageAction, manageUrl(award.awardId), award.awardId, managers[0].id, proposal())).status).toBe(302)
    const [variation] = await pendingOf(award.awardId)
    const decide = (userId: number, fields: Record<string, string>) => call(manageAction, manageUrl(award.awardId), award.awardId, userId, { intent: 'decide', variationId: String(variation.id), ...fields })
    const own = await decide(managers[0].id, { decision: 'approved' })
    expect(own.status).toBe(403)
    expect(((await own.json()) as { result: { error: Record<string, string[]> } }).result.error['']).toEqual(['You asked for this change, so a different fund manager must approve or reject it.'])
    const noNote = await decide(managers[1].id, { decision: 'rejected', note: '' })
    expect(noNote.status).toBe(400)
    expect(((await noNote.json()) as { result: { error: Record<string, string[]> } }).result.error.note).toEqual(['Say why the change is rejected'])
    expect((await pendingOf(award.awardId))[0].status).toBe('pending')
    const ok = await decide(managers[1].id, { decision: 'approved' })
    expect(ok.status).toBe(302)
    expect((await pendingOf(award.awardId))[0].status).toBe('approved')
    expect((await db.selectFrom('awards').select('amount_pence').where('id', '=', award.awardId).executeTakeFirstOrThrow()).amount_pence).toBe(350_000)
    // A variation of another award is not found through this award's page.
    const other = await s.acceptedAward()
    expect((await call(manageAction, manageUrl(other.awardId), other.awardId, managers[1].id, { intent: 'decide', variationId: String(variation.id), decision: 'rejected', note: 'x' })).status).toBe(404)
  })
})
