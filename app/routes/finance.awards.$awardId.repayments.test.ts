/**
 * /finance/awards/<id>/repayments: finance records money coming back from an organisation. Applicants get 403, a
 * missing award 404, bad input 400 beside its field; a repeated form records once.
 */
import type * as RemixReact from '@remix-run/react'
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { beforeAll, describe, expect, test, vi } from 'vitest'
import { createPaymentScenario, type PaymentScenario } from '../../tests/factories/payments.ts'
import { createUserWithRole, signedInRequest, type TestUser } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { markTranchePaid, markTranchesSent } from '~/domain/payments/tranches.server.ts'
import { ukToday } from '~/domain/places/places.server.ts'
import { db } from '~/lib/db.server.ts'
import Page, { action, loader } from './finance.awards.$awardId.repayments.tsx'

const state = vi.hoisted(() => ({ loaderData: undefined as unknown }))

vi.mock('@remix-run/react', async (importOriginal) => {
  const actual = await importOriginal<typeof RemixReact>()
  const React = await import('react')
  return {
    ...actual,
    useLoaderData: () => state.loaderData,
    useActionData: () => undefined,
    Form: ({ children, method, ...rest }: { children?: React.ReactNode; method?: string } & Record<string, unknown>) => React.createElement('form', { method, ...rest }, children),
    Link: ({ children, to, ...rest }: { children?: React.ReactNode; to: string } & Record<string, unknown>) => React.createElement('a', { href: to, ...rest }, children),
  }
})

const context = { cspNonce: '', clientIp: '127.0.0.1' }

let s: PaymentScenario
let finance: TestUser
beforeAll(async () => {
  s = await createPaymentScenario(db)
  finance = await createUserWithRole(db, 'finance_officer')
})

async function paidAward() {
  const award = await s.acceptedAward({ amountPence: 200_000 })
  const trancheId = award.trancheIds[0]
  await s.run(finance.id, [trancheId])
  await db.transaction().execute((trx) => markTranchesSent(trx, finance.id, { trancheIds: [trancheId] }))
  await db.transaction().execute((trx) => markTranchePaid(trx, finance.id, { trancheId, paidOn: ukToday(), source: 'manual' }))
  return award
}

const url = (id: number | string) => `/finance/awards/${id}/repayments`
async function get(id: number | string, userId: number) {
  return respond(async () => loader({ request: await signedInRequest(url(id), { userId }), params: { awardId: String(id) }, context }))
}
async function post(id: number | string, userId: number, body: Record<string, string>) {
  return respond(async () => action({ request: await signedInRequest(url(id), { userId, body }), params: { awardId: String(id) }, context }))
}
const form = (fields: Record<string, string> = {}) => ({ kind: 'repayment', amount: '250', receivedOn: ukToday(), reason: 'Underspend', idempotencyKey: `k-${Math.random()}`, ...fields })
const count = async (awardId: number) => (await db.selectFrom('award_repayments').select('id').where('award_id', '=', awardId).execute()).length

describe('recording money back', () => {
  test('applicants get 403 and a missing award 404', async () => {
    const award = await paidAward()
    expect((await get(award.awardId, award.adminUserId)).status).toBe(403)
    expect((await post(award.awardId, award.adminUserId, form())).status).toBe(403)
    expect((await get(999_999, finance.id)).status).toBe(404)
    expect((await post('abc', finance.id, form())).status).toBe(404)
    expect(await count(award.awardId)).toBe(0)
  })

  test('bad input is 400 with each message beside its field, including more than was paid', async () => {
    const award = await paidAward()
    const bad = await post(award.awardId, finance.id, form({ kind: '', amount: 'lots', receivedOn: 'yesterday', reason: ' ' }))
    expect(bad.status).toBe(400)
    const errors = ((await bad.json()) as { error: Record<string, string[]> }).error
    expect(errors.kind).toEqual(['Choose whether this is a repayment or a clawback'])
    expect(errors.amount).toEqual(['Enter the amount received in pounds and pence, like £1,250.50'])
    expect(errors.receivedOn).toEqual(['Enter the date as YYYY-MM-DD, like 2027-01-31'])
    expect(errors.reason).toEqual(['Say why the money came back'])
    const tooMuch = await post(award.awardId, finance.id, form({ amount: '2,000.01' }))
    expect(tooMuch.status).toBe(400)
    expect(((await tooMuch.json()) as { error: Record<string, string[]> }).error.amount).toEqual(['At most £2,000.00 can come back: that is what was paid for this award, less earlier repayments'])
    expect(await count(award.awardId)).toBe(0)
  })

  test('finance records a clawback once, however often the form is sent, and the page lists it', async () => {
    const award = await paidAward()
    const fields = form({ kind: 'clawback', amount: '500', reason: 'Breach of the terms' })
    const first = await post(award.awardId, finance.id, fields)
    expect(first.status).toBe(302)
    expect(first.headers.get('Location')).toBe(url(award.awardId))
    expect((await post(award.awardId, finance.id, fields)).status).toBe(302)
    expect(await count(award.awardId)).toBe(1)
    const page = await get(award.awardId, finance.id)
    state.loaderData = await page.json()
    const html = renderToString(createElement(Page)).replaceAll('<!-- -->', '')
    expect(html).toContain('Clawback')
    expect(html).toContain('Breach of the terms')
    expect(html).toContain('£1,500.00')
    expect(html).toContain('<label class="label" for="record-repayment-amount">Amount received</label>')
  })
})
