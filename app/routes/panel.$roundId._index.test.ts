import { describe, expect, test } from 'vitest'
import { createPanelRound, submitScoresRaw } from '../../tests/factories/assessment.ts'
import { signedInRequest } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { panelView } from '~/domain/assessment/panel.server.ts'
import { db } from '~/lib/db.server.ts'
import { loader } from './panel.$roundId._index.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function get(roundId: number, userId: number, query = '') {
  const request = await signedInRequest(`/panel/${roundId}${query}`, { userId })
  return respond(async () => loader({ request, params: { roundId: String(roundId) }, context }))
}

describe('/panel/<roundId>: the ranked list, a page at a time', () => {
  test('a long list is sent 50 rows at a time, with the running totals of the whole list, and a bad cursor is a 400', async () => {
    const panel = await createPanelRound(db, { bids: 55, assessors: 1 })
    for (const [i, bid] of panel.bids.entries()) {
      await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: panel.assessors[0]!.id, scores: [5 - (i % 5), 3, 6, 1] })
    }
    const first = await (await get(panel.roundId, panel.chair.id)).json()
    expect(first.page).toMatchObject({ first: 1, last: 50, total: 55, previousBefore: null, nextAfter: 50 })
    expect(first.page.rows).toHaveLength(50)
    expect(first.view.totals.bids).toBe(55)

    const second = await (await get(panel.roundId, panel.chair.id, '?after=50')).json()
    expect(second.page).toMatchObject({ first: 51, last: 55, previousBefore: 51, nextAfter: null })
    expect(second.page.rows).toHaveLength(5)
    // The last row's running total is the whole list's counted total.
    expect(second.page.rows.at(-1).runningTotalPence).toBe(second.view.totals.countedPence)
    const shown = new Set([...first.page.rows, ...second.page.rows].map((r: { applicationId: number }) => r.applicationId))
    expect(shown.size).toBe(55)

    expect((await get(panel.roundId, panel.chair.id, '?after=-3')).status).toBe(400)
    expect((await get(panel.roundId, panel.chair.id, '?before=abc')).status).toBe(400)
  })

  test('rows 51 to 100 carry the same running totals and money left as the whole list worked out at once', async () => {
    const panel = await createPanelRound(db, { bids: 120, assessors: 1, budgetPence: 100_000_000 })
    for (const [i, bid] of panel.bids.entries()) {
      await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: panel.assessors[0]!.id, scores: [5 - (i % 5), 3, 6, 1] })
    }
    const whole = await panelView(db, panel.roundId)
    const second = await (await get(panel.roundId, panel.chair.id, '?after=50')).json()
    expect(second.page).toMatchObject({ first: 51, last: 100, total: 120, previousBefore: 51, nextAfter: 100 })
    const pick = (r: { applicationId: number; rank: number; runningTotalPence: number; roundLeftPence: number; counted: boolean }) => [r.applicationId, r.rank, r.runningTotalPence, r.roundLeftPence, r.counted]
    expect(second.page.rows.map(pick)).toEqual(whole.rows.slice(50, 100).map(pick))
    const back = await (await get(panel.roundId, panel.chair.id, '?before=101')).json()
    expect(back.page.rows.map(pick)).toEqual(whole.rows.slice(50, 100).map(pick))
  })
})
