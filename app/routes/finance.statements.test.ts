/**
 * /finance/statements and /finance/statements/<id>: finance officers import bank statement CSVs and see what each line
 * matched. Only they may (403 for everyone else); an unusable file comes back as a message beside the file field.
 */
import type * as RemixReact from '@remix-run/react'
import { createElement, type FunctionComponent } from 'react'
import { renderToString } from 'react-dom/server'
import { beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import { createPaymentScenario, type PaymentScenario } from '../../tests/factories/payments.ts'
import { createOrganisationWithAdmin } from '../../tests/factories/organisations.ts'
import { createUserWithRole, signedInRequest, type TestUser } from '../../tests/factories/sessions.ts'
import { replyErrors, respond } from '~/domain/identity/test-support.server.ts'
import { exportRun } from '~/domain/payments/exports.server.ts'
import { trancheForPayment } from '~/domain/payments/tranches.server.ts'
import { db } from '~/lib/db.server.ts'
import ImportPage, { loader as importLoader } from './finance.statements.$importId.tsx'
import StatementsPage, { action as uploadAction, loader as listLoader } from './finance.statements._index.tsx'

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
let finance: TestUser

beforeAll(async () => {
  s = await createPaymentScenario(db)
  finance = await createUserWithRole(db, 'finance_officer')
})

beforeEach(() => {
  state.loaderData = undefined
  state.actionData = undefined
})

async function get(route: Route, url: string, userId: number, params: Record<string, string> = {}) {
  return respond(async () => route({ request: await signedInRequest(url, { userId }), params, context }))
}

async function upload(userId: number, text: string | null, filename = 'statement.csv') {
  const body = new FormData()
  body.append('statement', text === null ? new File([], '') : new File([text], filename, { type: 'text/csv' }))
  return respond(async () => uploadAction({ request: await signedInRequest('/finance/statements', { userId, body }), params: {}, context }))
}

async function render(page: FunctionComponent, data: unknown, actionData?: unknown): Promise<string> {
  state.loaderData = data
  state.actionData = actionData
  return renderToString(createElement(page)).replaceAll('<!-- -->', '')
}

const importCount = async () => (await db.selectFrom('bank_statement_imports').select('id').execute()).length

describe('who may import statements', () => {
  test('applicants and fund managers get 403 on the list, the upload and an import', async () => {
    const { admin } = await createOrganisationWithAdmin(db)
    const fundManager = await createUserWithRole(db, 'fund_manager')
    for (const userId of [admin.id, fundManager.id]) {
      expect((await get(listLoader, '/finance/statements', userId)).status).toBe(403)
      expect((await upload(userId, 'Date,Reference,Amount\r\n2026-11-23,X,1.00\r\n')).status).toBe(403)
      expect((await get(importLoader, '/finance/statements/1', userId, { importId: '1' })).status).toBe(403)
    }
    expect(await importCount()).toBe(0)
  })
})

describe('uploading a statement', () => {
  test('a CSV without an amount column is a 400 with the message beside the file field, and nothing is imported', async () => {
    const response = await upload(finance.id, 'Date,Reference,Balance\r\n2026-11-23,X,1.00\r\n')
    expect(response.status).toBe(400)
    const errors = await replyErrors(response)
    expect(errors.fields.statement).toEqual([
      'The statement has no amount (Amount, Paid out or Debit) column. Download it from your bank as CSV with its column headings.',
    ])
    expect(await importCount()).toBe(0)
    const html = await render(StatementsPage, { imports: [] }, await response.json())
    expect(html).toContain('There is a problem')
    expect(html).toMatch(/<p class="error-message" id="[^"]+"><span class="visually-hidden">Error: <\/span>The statement has no amount/)
    expect(html).toContain('aria-invalid="true"')
  })

  test('no file chosen, or an empty one, is a 400 saying what to do', async () => {
    const response = await upload(finance.id, null)
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).fields.statement).toEqual(['Choose the statement CSV file you downloaded from your bank'])
  })

  test('a statement is imported, shown line by line, and the same file again is a 409 beside the field', async () => {
    const award = await s.acceptedAward({ amountPence: 25_000 })
    const run = await s.run(finance.id, award.trancheIds)
    await db.transaction().execute((trx) => exportRun(trx, finance.id, { runId: run.id, format: 'standard18' }))
    const reference = (await trancheForPayment(db, award.trancheIds[0]))!.reference
    const text = `Date,Description,Amount\r\n23/11/2026,${reference.toUpperCase()},-250.00\r\n24/11/2026,UNKNOWN,-3.00\r\n`

    const response = await upload(finance.id, text, 'november.csv')
    expect(response.status).toBe(302)
    const location = response.headers.get('Location')!
    const importId = location.split('/').pop()!
    expect(location).toBe(`/finance/statements/${importId}`)
    expect((await db.selectFrom('tranches').select('status').where('id', '=', award.trancheIds[0]).executeTakeFirstOrThrow()).status).toBe('paid')

    const page = await get(importLoader, location, finance.id, { importId })
    expect(page.status).toBe(200)
    const html = await render(ImportPage, await page.json())
    expect(html).toContain('<h1>november.csv</h1>')
    expect(html).toContain('<caption>Each line of the statement and what it matched</caption>')
    expect(html).toContain(`Matched: marked paid</strong>: ${reference} to ${award.organisationName}`)
    expect(html).toContain('No payment with this reference.')
    expect(html).toContain('£250.00')

    const list = await get(listLoader, '/finance/statements', finance.id)
    const listHtml = await render(StatementsPage, await list.json())
    expect(listHtml).toContain(`<a href="/finance/statements/${importId}">november.csv</a>`)

    const again = await upload(finance.id, text, 'copy.csv')
    expect(again.status).toBe(409)
    expect((await replyErrors(again)).fields.statement?.[0]).toMatch(/^This statement was already imported on \d{1,2} \w+ \d{4}\.$/)
  })

  test('an import that does not exist is 404', async () => {
    expect((await get(importLoader, '/finance/statements/99999999', finance.id, { importId: '99999999' })).status).toBe(404)
    expect((await get(importLoader, '/finance/statements/abc', finance.id, { importId: 'abc' })).status).toBe(404)
  })
})
