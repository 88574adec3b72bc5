/**
 * /organisation/bank-details: members enter and change their organisation's bank details; the page only ever shows the
 * account number masked. Loaders and actions are called directly; the page is rendered to HTML with their data.
 */
import type * as RemixReact from '@remix-run/react'
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { addMember, createOrganisationWithAdmin, createUser } from '../../tests/factories/organisations.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { rejectBankDetails } from '~/domain/payments/bank-details.server.ts'
import { replyErrors, respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import BankDetailsPage, { action, loader } from './organisation.bank-details.tsx'

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

async function get(url: string, userId?: number) {
  const request = userId === undefined ? new Request(new URL(url, 'http://localhost')) : await signedInRequest(url, { userId })
  return respond(() => loader({ request, params: {}, context }))
}

async function post(url: string, userId: number, body: Record<string, string>) {
  const request = await signedInRequest(url, { userId, body })
  return respond(() => action({ request, params: {}, context }))
}

async function render(url: string, userId: number): Promise<string> {
  const response = await get(url, userId)
  expect(response.status).toBe(200)
  state.loaderData = await response.json()
  // Without React's text separators, so assertions read as the page does.
  return renderToString(createElement(BankDetailsPage)).replaceAll('<!-- -->', '')
}

const GOOD = { accountName: 'Hackney Food Hub', sortCode: '30-94-57', accountNumber: '1234 5678' }

async function rowsOf(organisationId: number) {
  return db.selectFrom('bank_accounts').select(['id', 'status', 'account_number', 'sort_code', 'account_name', 'name_mismatch']).where('organisation_id', '=', organisationId).orderBy('id').execute()
}

describe('/organisation/bank-details', () => {
  test('a visitor who is not signed in is sent to sign in', async () => {
    const response = await get('/organisation/bank-details')
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/login?redirectTo=%2Forganisation%2Fbank-details')
  })

  test('someone in no organisation, or a finance officer, gets 403', async () => {
    const person = await createUser(db)
    expect((await get('/organisation/bank-details', person.id)).status).toBe(403)
    const finance = await createUserWithRole(db, 'finance_officer')
    expect((await get('/organisation/bank-details', finance.id)).status).toBe(403)
    expect((await post('/organisation/bank-details', finance.id, GOOD)).status).toBe(403)
  })

  test("a member of organisation A cannot see or change organisation B's bank details (403)", async () => {
    const { admin: adminOfA } = await createOrganisationWithAdmin(db)
    const { organisation: b } = await createOrganisationWithAdmin(db)
    expect((await get(`/organisation/bank-details?org=${b.id}`, adminOfA.id)).status).toBe(403)
    expect((await post(`/organisation/bank-details?org=${b.id}`, adminOfA.id, GOOD)).status).toBe(403)
    expect(await rowsOf(b.id)).toEqual([])
    expect((await get('/organisation/bank-details?org=abc', adminOfA.id)).status).toBe(404)
  })

  test('malformed details are refused with 400 and a message next to each field, and nothing is saved', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const response = await post(`/organisation/bank-details?org=${organisation.id}`, admin.id, { accountName: '', sortCode: '30-94', accountNumber: '1234567' })
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).fields).toEqual({
      accountName: ['Enter the name on the account'],
      sortCode: ['Enter a sort code, like 30-94-57'],
      accountNumber: ['Enter an 8-digit account number'],
    })
    const unprintable = await post(`/organisation/bank-details?org=${organisation.id}`, admin.id, { ...GOOD, accountName: 'Café Together!' })
    expect(unprintable.status).toBe(400)
    expect((await replyErrors(unprintable)).fields.accountName).toEqual([
      "The name on the account can only use letters, numbers, spaces and . & / - ' , ( ), because banks cannot carry other characters in a payment",
    ])
    expect(await rowsOf(organisation.id)).toEqual([])

    // The page shows the errors in a summary and beside each field.
    state.loaderData = await (await get(`/organisation/bank-details?org=${organisation.id}`, admin.id)).json()
    state.actionData = await response.json()
    const html = renderToString(createElement(BankDetailsPage))
    expect(html).toContain('There is a problem')
    expect(html).toContain('href="#bank-details-sortCode"')
    expect(html).toMatch(/<p class="error-message" id="[^"]+">.*Enter an 8-digit account number<\/p>/)
  })

  test('a member saves details; the page then shows them masked, waiting for a check, and never the full number', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db, { input: { name: 'Hackney Food Hub' } })
    const colleague = await createUser(db)
    await addMember(db, organisation.id, colleague.id)
    const url = `/organisation/bank-details?org=${organisation.id}`
    const response = await post(url, colleague.id, GOOD)
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe(url)
    expect(response.headers.getSetCookie().some((c) => c.startsWith('cp_flash='))).toBe(true)
    expect(await rowsOf(organisation.id)).toEqual([
      expect.objectContaining({ status: 'unverified', account_number: '12345678', sort_code: '309457', account_name: 'Hackney Food Hub', name_mismatch: 0 }),
    ])

    const data = await (await get(url, admin.id)).json()
    expect(JSON.stringify(data)).not.toContain('12345678')
    const html = await render(url, admin.id)
    expect(html).toContain('••••5678')
    expect(html).toContain('30-94-57')
    expect(html).toContain('Waiting for our finance team to check')
    expect(html).toContain('Change your bank details')
    expect(html).not.toContain('12345678')
    expect(html).not.toContain('1234 5678')
    expect(html).not.toContain('The name on the account is different')
  })

  test('a name that differs from the organisation is saved, with a warning that finance will check it', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db, { input: { name: 'Hackney Food Hub' } })
    const url = `/organisation/bank-details?org=${organisation.id}`
    expect((await post(url, admin.id, { ...GOOD, accountName: 'J Smith' })).status).toBe(302)
    expect((await rowsOf(organisation.id))[0]).toMatchObject({ name_mismatch: 1, status: 'unverified' })
    const html = await render(url, admin.id)
    expect(html).toContain('The name on the account is different from Hackney Food Hub.')
    expect(html).toContain('our finance team will check with you')
  })

  test('details a finance officer did not accept show the reason; new ones replace them', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const url = `/organisation/bank-details?org=${organisation.id}`
    await post(url, admin.id, GOOD)
    const finance = await createUserWithRole(db, 'finance_officer')
    const [row] = await rowsOf(organisation.id)
    await db.transaction().execute((trx) => rejectBankDetails(trx, finance.id, { bankAccountId: row!.id, reason: 'The bank says this account is closed' }))
    expect(await render(url, admin.id)).toContain('Not accepted: The bank says this account is closed')

    expect((await post(url, admin.id, { ...GOOD, accountNumber: '87654321' })).status).toBe(302)
    expect((await rowsOf(organisation.id)).map((r) => r.status)).toEqual(['superseded', 'unverified'])
    const html = await render(url, admin.id)
    expect(html).toContain('••••4321')
    expect(html).not.toContain('87654321')
    const emails = await db.selectFrom('outbox_messages').select('to_address').where('template', '=', 'bank-details-changed').where('to_address', '=', admin.email).execute()
    expect(emails).toHaveLength(1)
  })
})
