import { describe, expect, test } from 'vitest'
import { createPanelRound, submitScoresRaw } from '../../tests/factories/assessment.ts'
import { createPotWithContributions } from '../../tests/factories/awards.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { linkRoundToPot } from '~/domain/budgets/pots.server.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { placesValidOn, ukToday } from '~/domain/places/places.server.ts'
import { db } from '~/lib/db.server.ts'
import { loader } from './panel.$roundId.money.tsx'
import { loader as rankedLoader } from './panel.$roundId._index.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function get(roundId: number | string, userId: number) {
  const request = await signedInRequest(`/panel/${roundId}/money`, { userId })
  return respond(async () => loader({ request, params: { roundId: String(roundId) }, context }))
}

describe('/panel/<roundId>/money: the money at the foot of the ranked list', () => {
  test('each pot and ring-fenced contribution with what it has now and has left after the list, as the ranked list walks it', async () => {
    const places = await placesValidOn(db, ukToday())
    const here = places[0]!
    const panel = await createPanelRound(db, { bids: [{ placeId: here.id }, { placeId: here.id }], assessors: 1, budgetPence: 2_000_000 })
    for (const bid of panel.bids) await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: panel.assessors[0]!.id, scores: [5, 3, 6, 1] })
    const { pot } = await createPotWithContributions(db, {
      placeId: here.id,
      contributions: [
        { funderName: 'Council', pledgedPence: 3_000_000, receivedPence: 3_000_000 },
        { funderName: 'NHS', pledgedPence: 2_000_000, receivedPence: 2_000_000, conditions: { placeIds: [here.id] } },
      ],
    })
    await db.transaction().execute((trx) => linkRoundToPot(trx, null, { potId: pot.id, roundId: panel.roundId }))

    const money = await (await get(panel.roundId, panel.chair.id)).json()
    expect(money.round).toMatchObject({ id: panel.roundId, budget: '£20,000.00' })
    expect(money.pots).toEqual([{ potId: pot.id, name: pot.name, placeName: here.name, start: '£50,000.00', left: expect.any(String) }])
    expect(money.ringFenced).toEqual([
      expect.objectContaining({ funderName: expect.stringMatching(/^NHS /), potName: pot.name, conditions: expect.stringContaining('Only for projects in'), start: '£20,000.00' }),
    ])
    // The foot of the list is the last row's balances on the ranked list.
    const request = await signedInRequest(`/panel/${panel.roundId}`, { userId: panel.chair.id })
    const ranked = await (await respond(async () => rankedLoader({ request, params: { roundId: String(panel.roundId) }, context }))).json()
    const last = ranked.page.rows.at(-1)
    expect(money.totals.counted).toBe(ranked.view.totals.counted)
    expect(last.moneyLines[0]).toEqual([pot.name, money.pots[0].left])
    expect(last.moneyLines[1]![1]).toBe(money.ringFenced[0].left)
    expect(ranked.view).not.toHaveProperty('pots')
  })

  test('only fund managers and the round’s chair see it; no such round is a 404', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    expect((await get(panel.roundId, panel.chair.id)).status).toBe(200)
    const otherChair = await createUserWithRole(db, 'panel_chair')
    expect((await get(panel.roundId, otherChair.id)).status).toBe(403)
    expect((await get(panel.roundId, panel.assessors[0]!.id)).status).toBe(403)
    expect((await get(99_999_999, panel.chair.id)).status).toBe(404)
  })
})
