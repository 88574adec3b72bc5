import { describe, expect, test } from 'vitest'
import { panelPage, type PanelRow } from './panel.server.ts'

/** Rows as panelView makes them; only the position and the running total matter to a page. */
function rows(n: number): PanelRow[] {
  return Array.from({ length: n }, (_, i) => ({ rank: i + 1, applicationId: 1000 + i, runningTotalPence: (i + 1) * 100 }) as PanelRow)
}

describe('a page of the ranked list', () => {
  const list = rows(120)

  test('the first page is the first 25 rows, with a link to the next page only', () => {
    const page = panelPage(list, {})
    expect(page).toMatchObject({ first: 1, last: 25, total: 120, previousBefore: null, nextAfter: 25 })
    expect(page.rows.map((r) => r.rank)).toEqual(list.slice(0, 25).map((r) => r.rank))
  })

  test('after a position come the next rows, carrying the running total worked out down the whole list', () => {
    const page = panelPage(list, { after: 50 })
    expect(page).toMatchObject({ first: 51, last: 75, previousBefore: 51, nextAfter: 75 })
    expect(page.rows[0]).toBe(list[50])
    expect(page.rows[0]!.runningTotalPence).toBe(5_100)
    expect(panelPage(list, { after: 100 })).toMatchObject({ first: 101, last: 120, previousBefore: 101, nextAfter: null })
  })

  test('before a position come the rows above it, so "Previous page" returns to where the reader was', () => {
    expect(panelPage(list, { before: 26 })).toMatchObject({ first: 1, last: 25, previousBefore: null, nextAfter: 25 })
    expect(panelPage(list, { before: 101 })).toMatchObject({ first: 76, last: 100 })
    // Near the top, the page is filled from the first row rather than left short.
    expect(panelPage(list, { before: 10 })).toMatchObject({ first: 1, last: 25, previousBefore: null, nextAfter: 25 })
  })

  test('a cursor past the end shows the last row rather than an empty page; a short list has no links', () => {
    expect(panelPage(list, { after: 5_000 })).toMatchObject({ first: 120, last: 120, nextAfter: null })
    expect(panelPage(rows(3), {})).toMatchObject({ first: 1, last: 3, total: 3, previousBefore: null, nextAfter: null })
    expect(panelPage([], {})).toMatchObject({ first: 0, last: 0, total: 0, rows: [] })
  })
})
