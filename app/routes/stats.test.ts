/** /stats is public: no sign-in needed, and each round's figures are in captioned tables with row headers. */
import type * as RemixReact from '@remix-run/react'
import { createElement, type ReactNode } from 'react'
import { renderToString } from 'react-dom/server'
import { beforeAll, describe, expect, test, vi } from 'vitest'
import { respond } from '~/domain/identity/test-support.server.ts'
import { rebuildRoundStats } from '~/domain/stats/round-counts.server.ts'
import { db } from '~/lib/db.server.ts'
import Page, { headers, loader } from './stats.tsx'

const state = vi.hoisted(() => ({ loaderData: undefined as unknown }))
vi.mock('@remix-run/react', async (importOriginal) => {
  const actual = await importOriginal<typeof RemixReact>()
  return {
    ...actual,
    useLoaderData: () => state.loaderData,
    Link: ({ children, to, ...rest }: { children?: ReactNode; to: string } & Record<string, unknown>) => createElement('a', { href: to, ...rest }, children),
  }
})

beforeAll(async () => {
  const fund = await db.insertInto('funds').values({ name: 'Healthy Walks', slug: 'healthy-walks', shape: 'other' }).returning('id').executeTakeFirstOrThrow()
  const round = await db.insertInto('rounds').values({ fund_id: fund.id, title: 'Spring 2026', slug: 'spring-2026', status: 'closed', closes_at: '2026-03-02T12:00:00.000Z' }).returning('id').executeTakeFirstOrThrow()
  const org = await db.insertInto('organisations').values({ name: 'Ramblers of Tooting', legal_type: 'unincorporated_group' }).returning('id').executeTakeFirstOrThrow()
  await db.insertInto('applications').values({ reference: 'SP-1', round_id: round.id, organisation_id: org.id, status: 'submitted', title: 'Walks', submitted_at: '2026-03-01T10:00:00.000Z' }).execute()
  await db.insertInto('rounds').values({ fund_id: fund.id, title: 'Secret draft', slug: 'secret', status: 'draft' }).execute()
  await db.insertInto('rounds').values({ fund_id: fund.id, title: 'Autumn 2099', slug: 'autumn-2099', status: 'published', closes_at: '2099-10-01T11:00:00.000Z' }).execute()
  // Made here row by row, so the maintained counts are recounted as after a bulk load.
  await rebuildRoundStats(db)
})

async function render(path: string): Promise<string> {
  const response = await respond(() => loader({ request: new Request(`http://localhost${path}`), params: {}, context: { cspNonce: '', clientIp: '127.0.0.1' } }))
  expect(response.status).toBe(200)
  state.loaderData = await response.json()
  return renderToString(createElement(Page)).replaceAll('<!-- -->', '').replaceAll('&amp;', '&')
}

describe('GET /stats', () => {
  test('anyone can read it; drafts are not shown; figures are in accessible tables with links to the 360Giving files', async () => {
    const html = await render('/stats')
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
    // The same figures for everyone, so browsers and proxies may keep them a while.
    expect(new Headers(headers({} as Parameters<typeof headers>[0])).get('Cache-Control')).toBe('public, max-age=300')
  })

  test('ten rounds a page, latest first, with Next page and Previous page links that work without JavaScript', async () => {
    const fund = await db.insertInto('funds').values({ name: 'Many Rounds', slug: 'many-rounds', shape: 'other' }).returning('id').executeTakeFirstOrThrow()
    for (let month = 1; month <= 12; month++) {
      await db.insertInto('rounds').values({ fund_id: fund.id, title: `Round of 2030 month ${month}`, slug: `many-${month}`, status: 'closed', closes_at: `2030-${String(month).padStart(2, '0')}-01T12:00:00.000Z` }).execute()
    }
    // 14 public rounds: Autumn 2099, the twelve of 2030 (December first), then Spring 2026.
    const first = await render('/stats')
    expect(first).toContain('14 funding rounds, latest closing date first, 10 on this page.')
    expect(first).toContain('<caption>Round of 2030 month 4 in figures</caption>')
    expect(first).not.toContain('Round of 2030 month 3 in')
    expect(first).not.toContain('Previous page')
    const next = first.match(/href="(\/stats\?after=\d+)">Next page</)![1]!

    const second = await render(next)
    expect(second).toContain('<caption>Round of 2030 month 3 in figures</caption>')
    expect(second).toContain('<caption>Spring 2026 in figures</caption>')
    expect(second).not.toContain('Round of 2030 month 4 in')
    expect(second).not.toContain('Next page')
    const previous = second.match(/href="(\/stats\?before=\d+)">Previous page</)![1]!
    expect(await render(previous)).toBe(first)
  })
})
