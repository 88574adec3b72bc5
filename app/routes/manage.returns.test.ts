/**
 * Fund managers' return pages: /manage/returns (waiting for review, overdue, due; by round), /manage/returns/<id>
 * (read the version sent, accept or return for changes), and the round's return settings. The whole cycle: sent,
 * returned for changes, sent again, accepted, and the tranche waiting for it is no longer held.
 */
import { describe, expect, test } from 'vitest'
import { createReturnScenario, fullReturnData } from '../../tests/factories/returns.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { listDueTranches } from '~/domain/payments/tranches.server.ts'
import { submitReturn } from '~/domain/returns/returns.server.ts'
import { db } from '~/lib/db.server.ts'
import { loader as awardLoader } from './awards.$awardId.tsx'
import { loader as awardsLoader } from './awards._index.tsx'
import { loader as listLoader } from './manage.returns._index.tsx'
import { action as reviewAction, loader as reviewLoader } from './manage.returns.$returnId.tsx'
import { action as settingsAction, loader as settingsLoader } from './manage.rounds.$roundId.returns.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function call<T>(fn: (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<T>, url: string, userId: number, params: Record<string, string> = {}, body?: Record<string, string>) {
  const request = await signedInRequest(url, { userId, body })
  return respond(() => fn({ request, params, context }))
}

describe('reviewing impact returns', () => {
  test('sent, returned for changes with comments, sent again, accepted: the tranche that waited for it is due', async () => {
    const s = await createReturnScenario(db)
    const manager = await createUserWithRole(db, 'fund_manager')
    const award = await s.awardWithReturns({ amountPence: 2_000_000, yearly: true })
    const [yearOne] = award.returnIds
    const p = { returnId: String(yearOne) }
    await db.transaction().execute((trx) => submitReturn(trx, award.adminUserId, { returnId: yearOne, data: fullReturnData() }))

    const list = await call(listLoader, `/manage/returns?view=awaiting_review&round=${s.roundId}`, manager.id)
    expect(((await list.json()) as { returns: Array<{ id: number }> }).returns.map((r) => r.id)).toEqual([yearOne])
    expect((await call(listLoader, '/manage/returns', award.adminUserId)).status).toBe(403)

    const page = (await (await call(reviewLoader, `/manage/returns/${yearOne}`, manager.id, p)).json()) as { canReview: boolean; summary: { outcomes: Array<{ measure: string; n: number; ci95: unknown }> } }
    expect(page.canReview).toBe(true)
    expect(page.summary.outcomes.map((o) => [o.measure, o.n])).toEqual([
      ['ons4_life_satisfaction', 3],
      ['ons4_anxious', 3],
      ['ucla3', 3],
    ])

    const noComments = await call(reviewAction, `/manage/returns/${yearOne}`, manager.id, p, { decision: 'changes', comments: ' ' })
    expect(noComments.status).toBe(400)
    expect(((await noComments.json()) as { error: Record<string, string[]> }).error.comments).toEqual(['Say what needs to change'])
    const changes = await call(reviewAction, `/manage/returns/${yearOne}`, manager.id, p, { decision: 'changes', comments: 'Add the hall hire receipts.' })
    expect(changes.status).toBe(302)

    // The group sees the comments on its return page and on the award page the return is back with them.
    const { loader: returnLoader } = await import('./awards.$awardId_.returns.$returnId.tsx')
    const mine = (await (await call(returnLoader, `/awards/${award.awardId}/returns/${yearOne}`, award.adminUserId, { awardId: String(award.awardId), returnId: String(yearOne) })).json()) as { ret: { reviewComments: string; editable: boolean } }
    expect(mine.ret).toMatchObject({ reviewComments: 'Add the hall hire receipts.', editable: true })

    await db.transaction().execute((trx) => submitReturn(trx, award.adminUserId, { returnId: yearOne, data: fullReturnData({ story: 'With receipts' }) }))
    const accepted = await call(reviewAction, `/manage/returns/${yearOne}`, manager.id, p, { decision: 'accept' })
    expect(accepted.status).toBe(302)
    expect((await call(reviewAction, `/manage/returns/${yearOne}`, manager.id, p, { decision: 'accept' })).status).toBe(409)
    const tranche = (await listDueTranches(db, {})).find((t) => t.id === award.trancheIds[1])
    expect(tranche?.reasons).toEqual([])
    const v1 = (await (await call(reviewLoader, `/manage/returns/${yearOne}?version=1`, manager.id, p)).json()) as { shownVersion: number; ret: { versions: Array<{ version: number; reviewOutcome: string }> } }
    expect(v1.shownVersion).toBe(1)
    expect(v1.ret.versions.map((v) => [v.version, v.reviewOutcome])).toEqual([
      [2, 'accepted'],
      [1, 'changes_requested'],
    ])
  })

  test('overdue returns are flagged for the fund manager, on /awards and on the award page', async () => {
    const s = await createReturnScenario(db)
    const manager = await createUserWithRole(db, 'fund_manager')
    const award = await s.awardWithReturns({ startDate: '2020-01-01' })
    const list = (await (await call(listLoader, `/manage/returns?view=overdue&round=${s.roundId}`, manager.id)).json()) as { returns: Array<{ id: number; overdue: boolean }>; counts: { overdue: number } }
    expect(list.returns.map((r) => [r.id, r.overdue])).toEqual(award.returnIds.map((id) => [id, true]))
    expect(list.counts.overdue).toBe(2)
    const mine = (await (await call(awardsLoader, '/awards', award.adminUserId)).json()) as { awards: Array<{ id: number; returnOverdue: boolean }> }
    expect(mine.awards.find((a) => a.id === award.awardId)?.returnOverdue).toBe(true)
    const page = (await (await call(awardLoader, `/awards/${award.awardId}`, award.adminUserId, { awardId: String(award.awardId) })).json()) as { returns: Array<{ overdue: boolean; periodLabel: string }>; canWriteReturns: boolean }
    expect(page.canWriteReturns).toBe(true)
    expect(page.returns.map((r) => [r.periodLabel, r.overdue])).toEqual([
      ['Interim (first 6 months)', true],
      ['Final', true],
    ])
  })
})

describe('the returns list filtered by fund, then round', () => {
  test('a fund chosen offers its rounds; ?round= alone (older links) brings its fund; a round of another fund is dropped', async () => {
    const s = await createReturnScenario(db)
    const manager = await createUserWithRole(db, 'fund_manager')
    await s.awardWithReturns({ startDate: '2020-01-01' })
    type List = { fundId: number | null; roundId: number | null; funds: Array<{ id: number }>; rounds: Array<{ id: number }>; returns: Array<{ id: number }> }
    const list = async (query: string) => (await (await call(listLoader, `/manage/returns${query}`, manager.id)).json()) as List

    const every = await list('?view=overdue')
    expect(every.funds.map((f) => f.id)).toContain(s.fundId)
    expect([every.fundId, every.roundId, every.rounds]).toEqual([null, null, []])

    const fund = await list(`?view=overdue&fund=${s.fundId}`)
    expect(fund.rounds.map((r) => r.id)).toEqual([s.roundId])
    expect(fund.returns.length).toBeGreaterThan(0)

    const round = await list(`?view=overdue&round=${s.roundId}`)
    expect([round.fundId, round.roundId]).toEqual([s.fundId, s.roundId])
    expect(round.returns.map((r) => r.id)).toEqual(fund.returns.map((r) => r.id))

    const other = await createReturnScenario(db)
    const changed = await list(`?view=overdue&fund=${other.fundId}&round=${s.roundId}`)
    expect([changed.fundId, changed.roundId]).toEqual([other.fundId, null])
    expect(changed.returns).toEqual([])
  })
})

describe('round return settings', () => {
  test('SWEMWBS switches on only with the licence confirmed; the schedule and threshold are saved', async () => {
    const s = await createReturnScenario(db)
    const manager = await createUserWithRole(db, 'fund_manager')
    const p = { roundId: String(s.roundId) }
    const url = `/manage/rounds/${s.roundId}/returns`
    const page = (await (await call(settingsLoader, url, manager.id, p)).json()) as { settings: { schedule: { kind: string }; shortReturnMaxPence: number } }
    expect(page.settings).toMatchObject({ schedule: { kind: 'interim_and_final', interimMonths: 6 }, shortReturnMaxPence: 1_000_000 })
    const refused = await call(settingsAction, url, manager.id, p, { kind: 'interim_and_final', interimMonths: '3', shortReturnMax: '£5,000', swemwbsEnabled: 'on' })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: Record<string, string[]> }).error.swemwbsLicence).toEqual(['Confirm that you hold a licence to use SWEMWBS before switching it on'])
    expect((await call(settingsAction, url, manager.id, p, { kind: 'interim_and_final', interimMonths: '40', shortReturnMax: '£5,000' })).status).toBe(400)
    const saved = await call(settingsAction, url, manager.id, p, { kind: 'interim_and_final', interimMonths: '3', shortReturnMax: '£5,000', swemwbsEnabled: 'on', swemwbsLicence: 'on' })
    expect(saved.status).toBe(302)
    const round = await db.selectFrom('rounds').select(['return_schedule', 'short_return_max_pence', 'swemwbs_enabled', 'swemwbs_licence_confirmed_by']).where('id', '=', s.roundId).executeTakeFirstOrThrow()
    expect(round).toEqual({ return_schedule: JSON.stringify({ kind: 'interim_and_final', interimMonths: 3 }), short_return_max_pence: 500_000, swemwbs_enabled: 1, swemwbs_licence_confirmed_by: manager.id })
    const applicant = await s.awardWithReturns()
    expect((await call(settingsLoader, url, applicant.adminUserId, p)).status).toBe(403)
  })
})
