/**
 * /finance/bank-details and /finance/bank-details/<id>: finance officers check bank details. Only they may, never for
 * details they entered or an organisation they belong to; the list masks account numbers; the check page shows the
 * full number to the checker alone.
 */
import type * as RemixReact from '@remix-run/react'
import { createElement, type FunctionComponent } from 'react'
import { renderToString } from 'react-dom/server'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { addMember, createOrganisationWithAdmin } from '../../tests/factories/organisations.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { enterBankDetails } from '~/domain/payments/bank-details.server.ts'
import { replyErrors, respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import CheckPage, { action as checkAction, loader as checkLoader } from './finance.bank-details.$bankAccountId.tsx'
import ListPage, { loader as listLoader } from './finance.bank-details._index.tsx'

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

type Route = (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>

async function get(route: Route, url: string, userId: number, params: Record<string, string> = {}) {
  const request = await signedInRequest(url, { userId })
  return respond(() => route({ request, params, context }))
}

async function check(id: number, userId: number, body: Record<string, string>) {
  const request = await signedInRequest(`/finance/bank-details/${id}`, { userId, body })
  return respond(() => checkAction({ request, params: { bankAccountId: String(id) }, context }))
}

async function render(page: FunctionComponent, route: Route, url: string, userId: number, params: Record<string, string> = {}): Promise<string> {
  const response = await get(route, url, userId, params)
  expect(response.status).toBe(200)
  state.loaderData = await response.json()
  return renderToString(createElement(page)).replaceAll('<!-- -->', '')
}

async function detailsFor(options: { name?: string; accountName?: string; accountNumber?: string } = {}) {
  const { organisation, admin } = await createOrganisationWithAdmin(db, options.name ? { input: { name: options.name } } : {})
  const account = await db
    .transaction()
    .execute((trx) =>
      enterBankDetails(trx, admin.id, { organisationId: organisation.id, accountName: options.accountName ?? organisation.name, sortCode: '309457', accountNumber: options.accountNumber ?? '12345678' }),
    )
  return { organisation, admin, account }
}

async function statusOf(id: number) {
  return (await db.selectFrom('bank_accounts').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status
}

describe('who may check bank details', () => {
  test('applicants and fund managers get 403 on every finance page', async () => {
    const { admin, account } = await detailsFor()
    const fundManager = await createUserWithRole(db, 'fund_manager')
    for (const userId of [admin.id, fundManager.id]) {
      expect((await get(listLoader, '/finance/bank-details', userId)).status).toBe(403)
      expect((await get(checkLoader, `/finance/bank-details/${account.id}`, userId, { bankAccountId: String(account.id) })).status).toBe(403)
      expect((await check(account.id, userId, { intent: 'verify', note: 'looks fine' })).status).toBe(403)
    }
    expect(await statusOf(account.id)).toBe('unverified')
  })

  test('a finance officer without two-factor authentication is sent to turn it on', async () => {
    const finance = await createUserWithRole(db, 'finance_officer', { totp: false })
    const response = await get(listLoader, '/finance/bank-details', finance.id)
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/account/two-factor?required=1')
  })

  test('a finance officer who belongs to the organisation sees the details masked and cannot check them (403)', async () => {
    const { organisation, account } = await detailsFor()
    const finance = await createUserWithRole(db, 'finance_officer')
    await addMember(db, organisation.id, finance.id)
    const url = `/finance/bank-details/${account.id}`
    const html = await render(CheckPage, checkLoader, url, finance.id, { bankAccountId: String(account.id) })
    expect(html).toContain('You belong to this organisation, so someone else must check its bank details.')
    expect(html).toContain('••••5678')
    expect(html).not.toContain('12345678')
    expect(html).not.toContain('Accept these bank details')
    const response = await check(account.id, finance.id, { intent: 'verify', note: 'mine' })
    expect(response.status).toBe(403)
    expect((await replyErrors(response)).form).toEqual([
      'You belong to this organisation, so someone else must check its bank details.',
    ])
    expect(await statusOf(account.id)).toBe('unverified')
  })

  test('details that do not exist are 404', async () => {
    const finance = await createUserWithRole(db, 'finance_officer')
    expect((await get(checkLoader, '/finance/bank-details/99999999', finance.id, { bankAccountId: '99999999' })).status).toBe(404)
    expect((await get(checkLoader, '/finance/bank-details/abc', finance.id, { bankAccountId: 'abc' })).status).toBe(404)
    expect((await check(99_999_999, finance.id, { intent: 'reject', reason: 'x' })).status).toBe(404)
  })
})

describe('the list of bank details to check', () => {
  test('shows waiting details with flags and masked numbers only', async () => {
    const finance = await createUserWithRole(db, 'finance_officer')
    const { organisation: differs, account: a } = await detailsFor({ name: 'Leeds Youth Choir', accountName: 'J Smith', accountNumber: '11112222' })
    const { organisation: changed, admin } = await detailsFor({ name: 'Hackney Food Hub', accountNumber: '33334444' })
    const b = await db
      .transaction()
      .execute((trx) => enterBankDetails(trx, admin.id, { organisationId: changed.id, accountName: 'Hackney Food Hub Ltd', sortCode: '112233', accountNumber: '55556666' }))

    const response = await get(listLoader, '/finance/bank-details', finance.id)
    const data = await response.json()
    expect(JSON.stringify(data)).not.toMatch(/11112222|33334444|55556666/)
    const html = await render(ListPage, listLoader, '/finance/bank-details', finance.id)
    expect(html).not.toMatch(/11112222|33334444|55556666/)
    expect(html).toContain('••••2222')
    expect(html).toContain('••••6666')
    expect(html).toContain(`href="/finance/bank-details/${a.id}"`)
    expect(html).toContain(`href="/finance/bank-details/${b.id}"`)
    const rowOf = (name: string) => html.split('<tr>').find((r) => r.includes(name))!
    expect(rowOf(differs.name)).toContain('Name differs from organisation')
    expect(rowOf(differs.name)).not.toContain('Changed details')
    expect(rowOf(changed.name)).toContain('Changed details')
    expect(rowOf(changed.name)).not.toContain('Name differs from organisation')
  })
})

describe('checking one set of bank details', () => {
  test('the checker sees the full details, the legal name and earlier details masked', async () => {
    const finance = await createUserWithRole(db, 'finance_officer')
    const { organisation, admin, account: first } = await detailsFor({ name: 'Hackney Food Hub' })
    const second = await db
      .transaction()
      .execute((trx) => enterBankDetails(trx, admin.id, { organisationId: organisation.id, accountName: 'Hackney Food Hub', sortCode: '112233', accountNumber: '87654321' }))
    const html = await render(CheckPage, checkLoader, `/finance/bank-details/${second.id}`, finance.id, { bankAccountId: String(second.id) })
    expect(html).toContain('<dt>Legal name</dt><dd>Hackney Food Hub</dd>')
    expect(html).toContain('<dt>Account number</dt><dd>87654321</dd>')
    expect(html).toContain('<dt>Sort code</dt><dd>11-22-33</dd>')
    expect(html).toContain('These details replace earlier ones.')
    expect(html).toContain('••••5678')
    expect(html).not.toContain('12345678')
    expect(html).toContain('Accept these bank details')
    expect(html).toContain('Do not accept these bank details')
    expect(first.id).toBeLessThan(second.id)
  })

  test('first details are accepted without a note and the checker goes back to the list', async () => {
    const finance = await createUserWithRole(db, 'finance_officer')
    const { account } = await detailsFor()
    const response = await check(account.id, finance.id, { intent: 'verify', note: '' })
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/finance/bank-details')
    expect(await statusOf(account.id)).toBe('verified')
  })

  test('a change needs a note saying how it was confirmed (400 on the note), then is accepted', async () => {
    const finance = await createUserWithRole(db, 'finance_officer')
    const { organisation, admin } = await detailsFor()
    const change = await db
      .transaction()
      .execute((trx) => enterBankDetails(trx, admin.id, { organisationId: organisation.id, accountName: organisation.name, sortCode: '112233', accountNumber: '87654321' }))
    const refused = await check(change.id, finance.id, { intent: 'verify' })
    expect(refused.status).toBe(400)
    const body = await refused.json()
    expect(body.form).toBe('verify')
    expect(body.result.error.note[0]).toMatch(/^Say how you confirmed the details/)
    expect(await statusOf(change.id)).toBe('unverified')

    // The page shows the error beside the note.
    state.loaderData = await (await get(checkLoader, `/finance/bank-details/${change.id}`, finance.id, { bankAccountId: String(change.id) })).json()
    state.actionData = body
    const html = renderToString(createElement(CheckPage)).replaceAll('<!-- -->', '')
    expect(html).toContain('There is a problem')
    expect(html).toContain('href="#verify-note"')

    const accepted = await check(change.id, finance.id, { intent: 'verify', note: 'Phoned the treasurer on the number we hold' })
    expect(accepted.status).toBe(302)
    const row = await db.selectFrom('bank_accounts').select(['status', 'verification_note', 'verified_by']).where('id', '=', change.id).executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'verified', verification_note: 'Phoned the treasurer on the number we hold', verified_by: finance.id })
  })

  test('not accepting needs a reason (400), which the organisation then reads', async () => {
    const finance = await createUserWithRole(db, 'finance_officer')
    const { account } = await detailsFor()
    const refused = await check(account.id, finance.id, { intent: 'reject', reason: '  ' })
    expect(refused.status).toBe(400)
    const body = await refused.json()
    expect(body).toMatchObject({ form: 'reject', result: { error: { reason: ['Say why the details are not accepted, so the organisation can put them right'] } } })
    const rejected = await check(account.id, finance.id, { intent: 'reject', reason: 'The account is closed' })
    expect(rejected.status).toBe(302)
    const row = await db.selectFrom('bank_accounts').select(['status', 'rejected_reason']).where('id', '=', account.id).executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'rejected', rejected_reason: 'The account is closed' })
  })

  test('details already checked are a 409 with the reason', async () => {
    const [first, second] = [await createUserWithRole(db, 'finance_officer'), await createUserWithRole(db, 'finance_officer')]
    const { account } = await detailsFor()
    expect((await check(account.id, first.id, { intent: 'verify' })).status).toBe(302)
    const again = await check(account.id, second.id, { intent: 'reject', reason: 'Too late' })
    expect(again.status).toBe(409)
    expect((await again.json()).result.error['']).toEqual(['These bank details have already been checked and accepted.'])
    expect(await statusOf(account.id)).toBe('verified')
  })

  test('an unknown intent is a 400, changing nothing', async () => {
    const finance = await createUserWithRole(db, 'finance_officer')
    const { account } = await detailsFor()
    expect((await check(account.id, finance.id, { intent: 'approve-everything' })).status).toBe(400)
    expect(await statusOf(account.id)).toBe('unverified')
  })
})
