import { describe, expect, test } from 'vitest'
import { assignRaw, createPanelRound, submitScoresRaw } from '../../../tests/factories/assessment.ts'
import { db } from '~/lib/db.server.ts'
import { roundRanking, roundScoreboard } from './scoreboard.server.ts'
import { weightedScoreMilli } from './scoring.ts'

describe('the round scoreboard', () => {
  test('each bid has its submitted assessors’ scores, mean, spread, disagreement, moderated total and rank', async () => {
    const panel = await createPanelRound(db, { bids: 3, assessors: 3, settings: { disagreement_threshold: 20 } })
    const [a, b, c] = panel.bids.map((x) => x.applicationId) as [number, number, number]
    const [one, two, three] = panel.assessors.map((x) => x.id) as [number, number, number]
    // Bid a: 100 and 50 points (spread 50 > 20: disagreement). Bid b: 88.3 twice. Bid c: a safeguarding fail.
    await submitScoresRaw(db, panel, { applicationId: a, assessorId: one, scores: [5, 5, 10, 1] })
    await submitScoresRaw(db, panel, { applicationId: a, assessorId: two, scores: [3, 3, 5, 1] })
    await submitScoresRaw(db, panel, { applicationId: b, assessorId: one, scores: [5, 4, 8, 1] })
    await submitScoresRaw(db, panel, { applicationId: b, assessorId: two, scores: [5, 4, 8, 1] })
    await submitScoresRaw(db, panel, { applicationId: c, assessorId: one, scores: [5, 5, 10, 0] })
    // An assessor still scoring, and one with a conflict, count for nothing.
    await assignRaw(db, a, three, 'draft')
    await assignRaw(db, c, three, 'conflict')
    await db.updateTable('assessments').set({ conflict_type: 'financial', conflict_note: 'Treasurer' }).where('application_id', '=', c).where('assessor_user_id', '=', three).execute()

    const board = await roundScoreboard(db, panel.roundId)
    expect(board.bids.map((x) => x.applicationId)).toEqual([b, a, c])
    const bidA = board.bids.find((x) => x.applicationId === a)!
    expect(bidA).toMatchObject({ meanMilli: 75_000, spreadMilli: 50_000, disagreement: true, submittedCount: 2, gatewayFailed: false, rank: 2 })
    expect(bidA.assessors.map((x) => [x.name, x.status, x.weightedMilli])).toEqual([
      ['Assessor 1', 'submitted', 100_000],
      ['Assessor 2', 'submitted', 50_000],
      ['Assessor 3', 'draft', null],
    ])
    // Moderated total: the weighted formula over the per-criterion means (4, 4, 7.5).
    expect(bidA.moderatedTotalMilli).toBe(weightedScoreMilli(panel.criteria, new Map(panel.criteria.map((cr, i) => [cr.id, [4, 4, 7.5, 1][i]!]))))
    const bidC = board.bids.find((x) => x.applicationId === c)!
    expect(bidC).toMatchObject({ gatewayFailed: true, failedGatewayNames: ['Safeguarding policy in place'], rank: 3, meanMilli: 100_000 })
    expect(bidC.conflicts).toEqual([{ assessorId: three, name: 'Assessor 3', conflictType: 'financial', note: 'Treasurer', recordedByUserId: null }])
    expect(bidC.assessors.map((x) => x.assessorId)).toEqual([one])
    expect(board.bids[0]).toMatchObject({ reference: panel.bids[1]!.reference, organisationName: panel.bids[1]!.organisationName, amountRequestedPence: 2_500_000, placeName: expect.any(String) })
  })

  test('a chair’s moderation changes the moderated total and the ranking, never the raw mean', async () => {
    const panel = await createPanelRound(db, { bids: 2, assessors: 1 })
    const [a, b] = panel.bids.map((x) => x.applicationId) as [number, number]
    const assessor = panel.assessors[0]!.id
    await submitScoresRaw(db, panel, { applicationId: a, assessorId: assessor, scores: [5, 5, 10, 1] })
    await submitScoresRaw(db, panel, { applicationId: b, assessorId: assessor, scores: [1, 1, 0, 1] })
    expect((await roundScoreboard(db, panel.roundId)).bids.map((x) => x.applicationId)).toEqual([a, b])
    for (const [i, score] of [5, 5, 10].entries()) {
      await db.insertInto('moderations').values({ application_id: b, criterion_id: panel.criteria[i]!.id, score, rationale: 'Evidence at interview', moderated_by: panel.chair.id }).execute()
    }
    await db.insertInto('moderations').values({ application_id: a, criterion_id: panel.criteria[3]!.id, score: 0, rationale: 'No policy after all', moderated_by: panel.chair.id }).execute()
    const board = await roundScoreboard(db, panel.roundId)
    expect(board.bids.map((x) => [x.applicationId, x.moderatedTotalMilli, x.meanMilli, x.gatewayFailed, x.moderatedCriteria])).toEqual([
      [b, 100_000, 0, false, 3],
      [a, 100_000, 100_000, true, 1],
    ])
  })

  test('bids screened ineligible, drafts and withdrawn applications are not on the scoreboard', async () => {
    const panel = await createPanelRound(db, { bids: 4, assessors: 1 })
    const [a, b, c, d] = panel.bids.map((x) => x.applicationId) as [number, number, number, number]
    await db.updateTable('applications').set({ screening_result: 'ineligible' }).where('id', '=', a).execute()
    await db.updateTable('applications').set({ screening_result: 'ineligible', screening_override: 'eligible' }).where('id', '=', b).execute()
    await db.updateTable('applications').set({ status: 'withdrawn' }).where('id', '=', c).execute()
    const board = await roundScoreboard(db, panel.roundId)
    expect(board.bids.map((x) => x.applicationId).sort()).toEqual([b, d].sort())
    expect(board.bids.every((x) => x.meanMilli === null && x.rank === 1)).toBe(true)
  })

  test('calibration and the normalised ranking: a harsh assessor’s favourite can rank first once normalised', async () => {
    const panel = await createPanelRound(db, { bids: 4, assessors: 2, settings: { normalise_scores: 1 } })
    const [a, b, c, d] = panel.bids.map((x) => x.applicationId) as [number, number, number, number]
    const [generous, harsh] = panel.assessors.map((x) => x.id) as [number, number]
    await submitScoresRaw(db, panel, { applicationId: a, assessorId: generous, scores: [5, 5, 10, 1] })
    await submitScoresRaw(db, panel, { applicationId: b, assessorId: generous, scores: [5, 5, 9, 1] })
    await submitScoresRaw(db, panel, { applicationId: c, assessorId: harsh, scores: [3, 3, 5, 1] })
    await submitScoresRaw(db, panel, { applicationId: d, assessorId: harsh, scores: [1, 1, 0, 1] })
    await submitScoresRaw(db, panel, { applicationId: b, assessorId: harsh, scores: [2, 2, 2, 1] })

    const board = await roundScoreboard(db, panel.roundId)
    expect(board.orderedBy).toBe('normalised')
    expect(board.bids.map((x) => x.normalisedRank)).toEqual([1, 2, 3, 4])
    const byId = new Map(board.bids.map((x) => [x.applicationId, x]))
    expect(byId.get(a)!.rank).toBe(1)
    expect(byId.get(c)!.rank).toBe(3)
    expect(byId.get(c)!.normalisedRank).toBeLessThan(byId.get(c)!.rank)
    const raw = await roundScoreboard(db, panel.roundId, { normalise: false })
    expect(raw.bids.map((x) => x.rank)).toEqual([1, 2, 3, 4])

    const calibration = new Map(board.calibration.map((x) => [x.assessorId, x]))
    const bGenerous = byId.get(b)!.assessors.find((x) => x.assessorId === generous)!.weightedMilli!
    const bHarsh = byId.get(b)!.assessors.find((x) => x.assessorId === harsh)!.weightedMilli!
    expect(calibration.get(generous)).toMatchObject({ offsetMilli: bGenerous - bHarsh, bids: 1, scored: 2, enoughForNormalisation: true })
    expect(calibration.get(harsh)).toMatchObject({ offsetMilli: bHarsh - bGenerous, bids: 1, scored: 3 })
  })

  test('reads the round in a fixed number of queries however many bids it has', async () => {
    const panel = await createPanelRound(db, { bids: 6, assessors: 2 })
    for (const bid of panel.bids) for (const assessor of panel.assessors) await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: assessor.id, scores: [3, 3, 5, 1] })
    const queries: string[] = []
    const counting = db.withPlugin({
      transformQuery: (args) => {
        queries.push(args.node.kind)
        return args.node
      },
      transformResult: async (args) => args.result,
    })
    const board = await roundScoreboard(counting, panel.roundId)
    expect(board.bids).toHaveLength(6)
    expect(queries).toHaveLength(6)
  })

  test('a round that does not exist is not found', async () => {
    await expect(roundScoreboard(db, 999_999)).rejects.toMatchObject({ status: 404 })
  })

  test('the ranked list’s lean ranking (scores aggregated in SQL) agrees with the scoreboard bid for bid, in the same order', async () => {
    const panel = await createPanelRound(db, { bids: 4, assessors: 3, settings: { disagreement_threshold: 20 } })
    const [a, b, c, d] = panel.bids.map((x) => x.applicationId) as [number, number, number, number]
    const [one, two, three] = panel.assessors.map((x) => x.id) as [number, number, number]
    await submitScoresRaw(db, panel, { applicationId: a, assessorId: one, scores: [5, 5, 10, 1] })
    await submitScoresRaw(db, panel, { applicationId: a, assessorId: two, scores: [3, 3, 5, 1] })
    await submitScoresRaw(db, panel, { applicationId: a, assessorId: three, scores: [2, 4, 7, 1] })
    await submitScoresRaw(db, panel, { applicationId: b, assessorId: one, scores: [5, 4, 8, 1] })
    await submitScoresRaw(db, panel, { applicationId: b, assessorId: two, scores: [5, 4, 8, 1] })
    await submitScoresRaw(db, panel, { applicationId: c, assessorId: one, scores: [5, 5, 10, 0] })
    await assignRaw(db, d, one, 'draft')
    await assignRaw(db, c, three, 'conflict')
    const board = await roundScoreboard(db, panel.roundId, { normalise: false })
    const ranking = await roundRanking(db, panel.roundId)
    expect(ranking.map((x) => x.applicationId)).toEqual([b, a, d, c])
    expect(ranking).toEqual(board.bids.map(({ assessors: _a, conflicts: _c, normalisedZ: _z, normalisedRank: _r, ...rest }) => rest))
    expect(ranking.find((x) => x.applicationId === a)).toMatchObject({ submittedCount: 3, spreadMilli: 50_833, disagreement: true })
    await expect(roundRanking(db, 999_999)).rejects.toMatchObject({ status: 404 })
  })
})
