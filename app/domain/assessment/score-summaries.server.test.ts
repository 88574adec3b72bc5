import type { Transaction } from 'kysely'
import { describe, expect, test } from 'vitest'
import type { DB } from '../../../db/schema.ts'
import { assignRaw, createPanelRound, type PanelRound } from '../../../tests/factories/assessment.ts'
import { db } from '~/lib/db.server.ts'
import { unassign } from './assignment.server.ts'
import { declareConflict, recordConflictOnBehalf } from './conflicts.server.ts'
import { updateCriterion } from './criteria.server.ts'
import { clearModeration, moderate } from './moderation.server.ts'
import { panelMoney, panelRankingPage, panelView } from './panel.server.ts'
import { rebuildBidScoreSummaries } from './score-summaries.server.ts'
import { roundRanking, roundScoreboard } from './scoreboard.server.ts'
import { saveDraftScores, submitScores } from './scores.server.ts'

const inTrx = <T>(f: (trx: Transaction<DB>) => Promise<T>) => db.transaction().execute(f)
const scores = (panel: PanelRound, values: number[]) => panel.criteria.map((c, i) => ({ criterionId: c.id, score: values[i]!, comment: 'Evidence from the local survey' }))

/**
 * The maintained summaries against a recomputation from the base rows, two ways: the ranked list read from them (and the
 * panel's list walked from them) equals the scoreboard (which aggregates every score itself), and rebuilding every row
 * from scratch changes nothing.
 */
async function expectInStep(panel: PanelRound) {
  const board = await roundScoreboard(db, panel.roundId, { normalise: false })
  const ranking = await roundRanking(db, panel.roundId)
  expect(ranking).toEqual(board.bids.map(({ assessors: _a, conflicts: _c, normalisedZ: _z, normalisedRank: _r, ...rest }) => rest))
  // The panel's ranked list (walked from the summaries read as one JSON list) in the same order with the same ranks.
  const listed = (await panelView(db, panel.roundId)).rows.map((r) => [r.applicationId, r.rank, r.moderatedTotalMilli, r.gatewayFailed, r.meanMilli, r.spreadMilli])
  expect(listed).toEqual(ranking.map((r) => [r.applicationId, r.rank, r.moderatedTotalMilli, r.gatewayFailed, r.meanMilli, r.spreadMilli]))
  const maintained = await db.selectFrom('bid_score_summaries').selectAll().orderBy('application_id').execute()
  await rebuildBidScoreSummaries(db)
  expect(await db.selectFrom('bid_score_summaries').selectAll().orderBy('application_id').execute()).toEqual(maintained)
  return ranking
}

describe('bid score summaries', () => {
  test('every change to scores, assessments, moderations and criteria keeps each bid’s summary equal to a fresh recomputation', async () => {
    const panel = await createPanelRound(db, { bids: 4, assessors: 3, settings: { disagreement_threshold: 20 } })
    const [a, b, c, d] = panel.bids.map((x) => x.applicationId) as [number, number, number, number]
    const [one, two, three] = panel.assessors.map((x) => x.id) as [number, number, number]
    const assessment = new Map<string, number>()
    for (const [bid, assessor] of [[a, one], [a, two], [a, three], [b, one], [b, two], [c, one], [d, two]] as const) assessment.set(`${bid}/${assessor}`, await assignRaw(db, bid, assessor, 'draft'))
    const id = (bid: number, assessor: number) => assessment.get(`${bid}/${assessor}`)!

    // Before any submission: a criterion's weight changes and a draft is saved; nothing counts yet.
    const need = panel.criteria[0]!
    await inTrx((trx) => updateCriterion(trx, panel.manager.id, { roundId: panel.roundId, criterionId: need.id }, { name: need.name, guidance: '', weight: need.weight + 1, scaleMin: need.scaleMin, scaleMax: need.scaleMax, isGateway: false, descriptors: {} }))
    panel.criteria[0] = { ...need, weight: need.weight + 1 }
    await inTrx((trx) => saveDraftScores(trx, one, { assessmentId: id(a, one), scores: scores(panel, [4, 4, 8, 1]) }))
    expect(await db.selectFrom('bid_score_summaries').selectAll().execute()).toEqual([])
    await expectInStep(panel)

    // Submissions: three assessors on a (fractional means), two agreeing on b, a gateway fail on c, d a draft only.
    for (const [bid, assessor, values] of [
      [a, one, [5, 5, 10, 1]],
      [a, two, [3, 3, 5, 1]],
      [a, three, [2, 4, 7, 1]],
      [b, one, [5, 4, 8, 1]],
      [c, one, [5, 5, 10, 0]],
    ] as const) {
      await inTrx((trx) => submitScores(trx, assessor, { assessmentId: id(bid, assessor), scores: scores(panel, [...values]) }))
      await expectInStep(panel)
    }
    await inTrx((trx) => saveDraftScores(trx, two, { assessmentId: id(d, two), scores: scores(panel, [1, 1, 1, 1]) }))
    await inTrx((trx) => submitScores(trx, two, { assessmentId: id(b, two), scores: scores(panel, [5, 4, 8, 1]) }))
    let ranking = await expectInStep(panel)
    expect(ranking.map((x) => x.applicationId)).toEqual([b, a, d, c])
    expect(ranking.find((x) => x.applicationId === a)).toMatchObject({ submittedCount: 3, disagreement: true })
    expect(ranking.find((x) => x.applicationId === c)).toMatchObject({ gatewayFailed: true, failedGatewayNames: [panel.criteria[3]!.name] })

    // The chair moderates a score, changes it, passes c's failed gateway, and clears each again.
    await inTrx((trx) => moderate(trx, panel.chair.id, { applicationId: a, criterionId: panel.criteria[2]!.id, score: 10, rationale: 'Evidence at interview' }))
    await expectInStep(panel)
    await inTrx((trx) => moderate(trx, panel.chair.id, { applicationId: a, criterionId: panel.criteria[2]!.id, score: 0, rationale: 'On reflection, no evidence' }))
    await expectInStep(panel)
    await inTrx((trx) => moderate(trx, panel.chair.id, { applicationId: c, criterionId: panel.criteria[3]!.id, score: 1, rationale: 'Policy seen at interview' }))
    ranking = await expectInStep(panel)
    expect(ranking.find((x) => x.applicationId === c)).toMatchObject({ gatewayFailed: false, moderatedCriteria: 1, rank: 1 })
    await inTrx((trx) => clearModeration(trx, panel.chair.id, { applicationId: c, criterionId: panel.criteria[3]!.id }))
    await inTrx((trx) => clearModeration(trx, panel.chair.id, { applicationId: a, criterionId: panel.criteria[2]!.id }))
    await expectInStep(panel)

    // A conflict declared on a submitted assessment takes it out of the bid's scores; one recorded for another bid too.
    await inTrx((trx) => declareConflict(trx, panel.manager.id, { assessmentId: id(a, three), type: 'financial', note: 'Treasurer', onBehalf: true }))
    ranking = await expectInStep(panel)
    expect(ranking.find((x) => x.applicationId === a)).toMatchObject({ submittedCount: 2 })
    await inTrx((trx) => recordConflictOnBehalf(trx, panel.manager.id, { applicationId: b, assessorUserId: three, type: 'financial', note: 'Trustee' }))
    await expectInStep(panel)

    // Taking back a draft (its scores go with it) changes nothing counted.
    await inTrx((trx) => unassign(trx, panel.manager, { assessmentId: id(d, two) }))
    await expectInStep(panel)
  })

  test('a page of the ranked list shows the same rows as the whole list', async () => {
    const panel = await createPanelRound(db, { bids: 3, assessors: 2 })
    const [a, b, c] = panel.bids.map((x) => x.applicationId) as [number, number, number]
    const [one, two] = panel.assessors.map((x) => x.id) as [number, number]
    for (const [bid, assessor, values] of [
      [a, one, [2, 2, 4, 1]],
      [b, one, [5, 5, 9, 1]],
      [b, two, [4, 5, 10, 1]],
      [c, two, [5, 5, 10, 0]],
    ] as const) {
      const assessmentId = await assignRaw(db, bid, assessor, 'draft')
      await inTrx((trx) => submitScores(trx, assessor, { assessmentId, scores: scores(panel, [...values]) }))
    }
    const { rows, pots, ringFenced, ...whole } = await panelView(db, panel.roundId)
    const { page, ...view } = await panelRankingPage(db, panel.roundId, {}, 2)
    // The page carries the round, totals and latest run; the pots' balances are the money page's (panelMoney).
    expect(view).toEqual(whole)
    expect(await panelMoney(db, panel.roundId)).toEqual({ ...whole, pots, ringFenced })
    expect(page).toMatchObject({ first: 1, last: 2, total: 3, nextAfter: 2, previousBefore: null })
    expect(page.rows).toEqual(rows.slice(0, 2))
    expect((await panelRankingPage(db, panel.roundId, { after: 2 }, 2)).page.rows).toEqual(rows.slice(2))
    expect(rows.map((r) => r.applicationId)).toEqual([b, a, c])
  })

  // On PostgreSQL the submissions run at once on separate connections; without the lock each saw none of the others'
  // scores and the second insert of the bid's summary met the first's row. On SQLite they run one after another.
  test('assessors submitting on the same bid at the same moment are all counted in its summary', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 3 })
    const bid = panel.bids[0]!.applicationId
    const assigned = await Promise.all(panel.assessors.map(async (a) => ({ assessor: a.id, assessmentId: await assignRaw(db, bid, a.id, 'draft') })))
    await Promise.all(assigned.map(({ assessor, assessmentId }, i) => inTrx((trx) => submitScores(trx, assessor, { assessmentId, scores: scores(panel, [3 + i, 4, 6, 1]) }))))
    const ranking = await expectInStep(panel)
    expect(ranking.find((x) => x.applicationId === bid)).toMatchObject({ submittedCount: 3 })
  })
})
