import { describe, expect, test } from 'vitest'
import { createPanelRound, submitScoresRaw } from '../../tests/factories/assessment.ts'
import { signedInRequest } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { panelView } from '~/domain/assessment/panel.server.ts'
import { db } from '~/lib/db.server.ts'
import { formatPence } from '~/lib/money.ts'
import { loader } from './panel.$roundId._index.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function get(roundId: number, userId: number, query = '') {
  const request = await signedInRequest(`/panel/${roundId}${query}`, { userId })
  return respond(async () => loader({ request, params: { roundId: String(roundId) }, context }))
}

describe('/panel/<roundId>: the ranked list, a page at a time', () => {
  test('a long list is sent 25 rows at a time, with the running totals of the whole list, and a bad cursor is a 400', async () => {
    const panel = await createPanelRound(db, { bids: 30, assessors: 1 })
    for (const [i, bid] of panel.bids.entries()) {
      await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: panel.assessors[0]!.id, scores: [5 - (i % 5), 3, 6, 1] })
    }
    const first = await (await get(panel.roundId, panel.chair.id)).json()
    expect(first.page).toMatchObject({ first: 1, last: 25, total: 30, previousBefore: null, nextAfter: 25 })
    expect(first.page.rows).toHaveLength(25)
    expect(first.view.totals.bids).toBe(30)

    const second = await (await get(panel.roundId, panel.chair.id, '?after=25')).json()
    expect(second.page).toMatchObject({ first: 26, last: 30, previousBefore: 26, nextAfter: null })
    expect(second.page.rows).toHaveLength(5)
    // The last row's running total is the whole list's counted total.
    expect(second.page.rows.at(-1).running).toBe(second.view.totals.counted)
    const shown = new Set([...first.page.rows, ...second.page.rows].map((r: { applicationId: number }) => r.applicationId))
    expect(shown.size).toBe(30)

    expect((await get(panel.roundId, panel.chair.id, '?after=-3')).status).toBe(400)
    expect((await get(panel.roundId, panel.chair.id, '?before=abc')).status).toBe(400)
  })

  test('rows 26 to 50 carry the same running totals and money left as the whole list worked out at once', async () => {
    const panel = await createPanelRound(db, { bids: 120, assessors: 1, budgetPence: 100_000_000 })
    for (const [i, bid] of panel.bids.entries()) {
      await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: panel.assessors[0]!.id, scores: [5 - (i % 5), 3, 6, 1] })
    }
    const whole = await panelView(db, panel.roundId)
    const second = await (await get(panel.roundId, panel.chair.id, '?after=25')).json()
    expect(second.page).toMatchObject({ first: 26, last: 50, total: 120, previousBefore: 26, nextAfter: 50 })
    // As the page shows them: the running total (or "Not counted") and the money left in the round.
    const shown = (r: { applicationId: number; rank: number; running: string; roundLeft: { text: string } }) => [r.applicationId, r.rank, r.running, r.roundLeft.text]
    const expected = whole.rows.slice(25, 50).map((r) => [r.applicationId, r.rank, r.counted ? formatPence(r.runningTotalPence) : 'Not counted', r.roundLeftPence < 0 ? `Over by ${formatPence(-r.roundLeftPence)}` : formatPence(r.roundLeftPence)])
    expect(second.page.rows.map(shown)).toEqual(expected)
    const back = await (await get(panel.roundId, panel.chair.id, '?before=51')).json()
    expect(back.page.rows.map(shown)).toEqual(expected)
  })
})
