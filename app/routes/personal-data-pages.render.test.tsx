/**
 * The personal-data pages render on the server with real loader and action data (no browser needed): the download
 * and erase links, plain POST forms (they work without JavaScript), field messages and the error summary.
 */
import type * as RemixReact from '@remix-run/react'
import { renderToString } from 'react-dom/server'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { createUser } from '../../tests/factories/organisations.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { createPersonWithHistory } from '~/domain/privacy/test-support.server.ts'
import { db } from '~/lib/db.server.ts'

const state = vi.hoisted(() => ({ loaderData: undefined as unknown, actionData: undefined as unknown }))

vi.mock('@remix-run/react', async (importOriginal) => {
  const actual = await importOriginal<typeof RemixReact>()
  const React = await import('react')
  return {
    ...actual,
    useLoaderData: () => state.loaderData,
    useActionData: () => state.actionData,
    Form: ({ children, method, ...rest }: { children?: React.ReactNode; method?: string } & Record<string, unknown>) => React.createElement('form', { method, ...rest }, children),
    Link: ({ children, to, reloadDocument: _, ...rest }: { children?: React.ReactNode; to: string; reloadDocument?: boolean } & Record<string, unknown>) =>
      React.createElement('a', { href: to, ...rest }, children),
  }
})

const context = { cspNonce: '', clientIp: '127.0.0.1' }
type Handler = (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>

beforeEach(() => {
  state.loaderData = undefined
  state.actionData = undefined
})

async function load(fn: Handler, url: string, userId: number, params: Record<string, string> = {}) {
  const response = await respond(async () => fn({ request: await signedInRequest(url, { userId }), params, context }))
  expect(response.status).toBe(200)
  return response.json()
}

async function post(fn: Handler, url: string, userId: number, params: Record<string, string>, body: Record<string, string>, status: number) {
  const response = await respond(async () => fn({ request: await signedInRequest(url, { userId, body }), params, context }))
  expect(response.status).toBe(status)
  return response.json()
}

describe('personal data pages render', () => {
  test('the account page explains and links the download of your data', async () => {
    const route = await import('./account._index.tsx')
    const person = await createUser(db)
    state.loaderData = await load(route.loader as Handler, '/account', person.id)
    const html = renderToString(<route.default />)
    expect(html).toContain('<h2>Your data</h2>')
    expect(html).toContain('href="/account/data.json"')
    expect(html).toContain('Download your data (JSON)')
  })

  test('an administrator sees the download and erase links on a person’s page, and no erase link on their own', async () => {
    const route = await import('./admin.users.$userId.tsx')
    const admin = await createUserWithRole(db, 'admin')
    const person = await createUser(db)
    state.loaderData = await load(route.loader as Handler, `/admin/users/${person.id}`, admin.id, { userId: String(person.id) })
    let html = renderToString(<route.default />)
    expect(html).toContain(`href="/admin/users/${person.id}/data.json"`)
    expect(html).toContain(`href="/admin/users/${person.id}/erase"`)

    state.loaderData = await load(route.loader as Handler, `/admin/users/${admin.id}`, admin.id, { userId: String(admin.id) })
    html = renderToString(<route.default />)
    expect(html).toContain(`href="/admin/users/${admin.id}/data.json"`)
    expect(html).not.toContain(`/admin/users/${admin.id}/erase`)
  })

  test('the erase page warns about an organisation left without an admin, and shows field messages and the summary', async () => {
    const route = await import('./admin.users.$userId_.erase.tsx')
    const admin = await createUserWithRole(db, 'admin')
    const h = await createPersonWithHistory()
    const params = { userId: String(h.person.id) }
    const url = `/admin/users/${h.person.id}/erase`
    state.loaderData = await load(route.loader as Handler, url, admin.id, params)
    let html = renderToString(<route.default />)
    expect(html).toContain('Erase Priya Subject’s personal data')
    expect(html).toContain('will have no organisation admin left')
    expect(html).toContain('<form method="post"')
    expect(html).toContain('Type ERASE to confirm')

    state.actionData = await post(route.action as Handler, url, admin.id, params, { reason: '', confirm: 'no' }, 400)
    html = renderToString(<route.default />)
    expect(html).toContain('There is a problem')
    expect(html).toContain('Enter the reason for erasing this person')
    expect(html).toContain('Type ERASE, in capital letters, to confirm')
  })

  test('the privacy page shows the period and an out-of-range message', async () => {
    const route = await import('./admin.privacy.tsx')
    const admin = await createUserWithRole(db, 'admin')
    state.loaderData = await load(route.loader as Handler, '/admin/privacy', admin.id)
    let html = renderToString(<route.default />)
    expect(html).toContain('How long declined applications are kept')
    expect(html).toContain('value="24"')

    state.actionData = await post(route.action as Handler, '/admin/privacy', admin.id, {}, { declinedApplicationMonths: '200' }, 400)
    html = renderToString(<route.default />)
    expect(html).toContain('Keep applications for at most 120 months (10 years)')
  })
})
