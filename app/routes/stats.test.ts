/** /stats is public: no sign-in needed, and each round's figures are in captioned tables with row headers. */
import type * as RemixReact from '@remix-run/react'
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { beforeAll, describe, expect, test, vi } from 'vitest'
import { db } from '~/lib/db.server.ts'
import Page, { loader } from './stats.tsx'

const state = vi.hoisted(() => ({ loaderData: undefined as unknown }))
vi.mock('@remix-run/react', async (importOriginal) => {
  const actual = await importOriginal<typeof RemixReact>()
  return { ...actual, useLoaderData: () => state.loaderData }
})

beforeAll(async () => {
  const fund = await db.insertInto('funds').values({ name: 'Healthy Walks', slug: 'healthy-walks', shape: 'other' }).returning('id').executeTakeFirstOrThrow()
  const round = await db.insertInto('rounds').values({ fund_id: fund.id, title: 'Spring 2026', slug: 'spring-2026', status: 'closed', closes_at: '2026-03-02T12:00:00.000Z' }).returning('id').executeTakeFirstOrThrow()
  const org = await db.insertInto('organisations').values({ name: 'Ramblers of Tooting', legal_type: 'unincorporated_group' }).returning('id').executeTakeFirstOrThrow()
  await db.insertInto('applications').values({ reference: 'SP-1', round_id: round.id, organisation_id: org.id, status: 'submitted', title: 'Walks', submitted_at: '2026-03-01T10:00:00.000Z' }).execute()
  await db.insertInto('rounds').values({ fund_id: fund.id, title: 'Secret draft', slug: 'secret', status: 'draft' }).execute()
  await db.insertInto('rounds').values({ fund_id: fund.id, title: 'Autumn 2099', slug: 'autumn-2099', status: 'published', closes_at: '2099-10-01T11:00:00.000Z' }).execute()
})

describe('GET /stats', () => {
  test('anyone can read it; drafts are not shown; figures are in accessible tables with links to the 360Giving files', async () => {
    const response = await loader()
    expect(response.status).toBe(200)
    state.loaderData = await response.json()
    const html = renderToString(createElement(Page)).replaceAll('<!-- -->', '')
    expect(html).toContain('<caption>Spring 2026 in figures</caption>')
    expect(html).toContain('<th scope="row">Applications received</th><td class="num">1</td>')
    expect(html).toContain('<td class="num">No decisions yet</td>')
    expect(html).toContain('<td class="num">Not known yet</td>')
    expect(html).toContain('href="/data/360giving.json"')
    expect(html).toContain('href="/data/360giving.csv"')
    expect(html).not.toContain('Secret draft')
    // A closed round says when it closed; one still open says its figures are so far.
    expect(html).toContain('Closed for applications on Monday 2 March 2026.')
    expect(html).toContain('Open for applications until Thursday 1 October 2099: figures so far.')
  })
})
