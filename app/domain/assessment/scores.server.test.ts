import type { Transaction } from 'kysely'
import { describe, expect, test } from 'vitest'
import type { DB } from '../../../db/schema.ts'
import { db } from '~/lib/db.server.ts'
import { assignRaw, createPanelRound, submitScoresRaw, type PanelRound } from '../../../tests/factories/assessment.ts'
import { declareConflict } from './conflicts.server.ts'
import { peerScores, saveDraftScores, scoresOf, submitScores, type ScoreInput } from './scores.server.ts'

const inTrx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => db.transaction().execute(fn)

/** Scores in the order of panel.criteria (Need 1-5 x3, Plan 1-5 x2, Value 0-10 x1, gateway 0-1). */
const scores = (panel: PanelRound, values: number[], comment = 'Clear evidence from the local survey'): ScoreInput[] => panel.criteria.map((c, i) => ({ criterionId: c.id, score: values[i]!, comment }))

async function draftFor(panel: PanelRound, assessor = panel.assessors[0]!) {
  return assignRaw(db, panel.bids[0]!.applicationId, assessor.id, 'draft')
}

describe('saving drafts', () => {
  test('saves some scores, keeps them when others are saved later, and audits', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const id = await draftFor(panel)
    const me = panel.assessors[0]!.id
    await inTrx((trx) => saveDraftScores(trx, me, { assessmentId: id, scores: scores(panel, [4]).slice(0, 1) }))
    await inTrx((trx) => saveDraftScores(trx, me, { assessmentId: id, scores: [{ criterionId: panel.criteria[1]!.id, score: 2, comment: '' }] }))
    expect((await scoresOf(db, id)).map((s) => s.score)).toEqual([4, 2])
    expect(await db.selectFrom('audit_events').select('id').where('action', '=', 'assessment.draft_saved').where('entity_id', '=', String(id)).execute()).toHaveLength(2)
  })

  test('a score outside its criterion’s scale or not a whole number is refused next to its field', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const id = await draftFor(panel)
    const need = panel.criteria[0]!
    for (const score of [6, 0, 2.5]) {
      await expect(inTrx((trx) => saveDraftScores(trx, panel.assessors[0]!.id, { assessmentId: id, scores: [{ criterionId: need.id, score, comment: '' }] }))).rejects.toMatchObject({
        status: 400,
        field: `score_${need.id}`,
        message: 'The score for Need must be a whole number from 1 to 5',
      })
    }
    expect(await scoresOf(db, id)).toEqual([])
  })

  test('before the conflict check, and for someone else’s bid, scoring is refused', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 2 })
    const id = await assignRaw(db, panel.bids[0]!.applicationId, panel.assessors[0]!.id)
    await expect(inTrx((trx) => saveDraftScores(trx, panel.assessors[0]!.id, { assessmentId: id, scores: scores(panel, [3, 3, 5, 1]) }))).rejects.toMatchObject({ status: 409 })
    await expect(inTrx((trx) => submitScores(trx, panel.assessors[1]!.id, { assessmentId: id, scores: scores(panel, [3, 3, 5, 1]) }))).rejects.toMatchObject({ status: 403 })
  })
})

describe('submitting', () => {
  test('stores the weighted score computed on the server and marks the assessment submitted', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const id = await draftFor(panel)
    const result = await inTrx((trx) => submitScores(trx, panel.assessors[0]!.id, { assessmentId: id, scores: scores(panel, [5, 3, 5, 0]) }))
    // (3 x 4/4 + 2 x 2/4 + 1 x 5/10) / 6 x 100 = 75
    expect(result).toMatchObject({ weightedScoreMilli: 75_000, failedGateways: ['Safeguarding policy in place'], repeated: false })
    const row = await db.selectFrom('assessments').select(['status', 'weighted_score_milli', 'submitted_at']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'submitted', weighted_score_milli: 75_000 })
    expect(row.submitted_at).toBe(result.submittedAt)
  })

  test('every criterion must be scored, and commented when the round requires comments', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1, settings: { comments_required: 1 } })
    const id = await draftFor(panel)
    const me = panel.assessors[0]!.id
    await expect(inTrx((trx) => submitScores(trx, me, { assessmentId: id, scores: scores(panel, [5, 3, 5, 1]).slice(0, 3) }))).rejects.toMatchObject({
      status: 400,
      field: `score_${panel.criteria[3]!.id}`,
      message: 'Choose pass or fail for Safeguarding policy in place',
    })
    const withoutComment = scores(panel, [5, 3, 5, 1]).map((s, i) => (i === 1 ? { ...s, comment: ' ' } : s))
    await expect(inTrx((trx) => submitScores(trx, me, { assessmentId: id, scores: withoutComment }))).rejects.toMatchObject({ status: 400, field: `comment_${panel.criteria[1]!.id}`, message: 'Enter a comment on Quality of plan' })
    expect((await db.selectFrom('assessments').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('draft')
  })

  test('comments may be left out when the round does not require them', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1, settings: { comments_required: 0 } })
    const id = await draftFor(panel)
    await expect(inTrx((trx) => submitScores(trx, panel.assessors[0]!.id, { assessmentId: id, scores: scores(panel, [5, 3, 5, 1], '') }))).resolves.toMatchObject({ weightedScoreMilli: 75_000 })
  })

  test('the same scores submitted again return the stored result; different ones are refused with 409', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const id = await draftFor(panel)
    const me = panel.assessors[0]!.id
    const first = await inTrx((trx) => submitScores(trx, me, { assessmentId: id, scores: scores(panel, [4, 4, 8, 1]) }))
    const again = await inTrx((trx) => submitScores(trx, me, { assessmentId: id, scores: scores(panel, [4, 4, 8, 1]) }))
    expect(again).toEqual({ ...first, repeated: true })
    await expect(inTrx((trx) => submitScores(trx, me, { assessmentId: id, scores: scores(panel, [2, 4, 8, 1]) }))).rejects.toMatchObject({
      status: 409,
      message: 'You have already submitted your scores for this bid',
    })
    await expect(inTrx((trx) => saveDraftScores(trx, me, { assessmentId: id, scores: scores(panel, [2, 4, 8, 1]) }))).rejects.toMatchObject({ status: 409 })
    expect((await scoresOf(db, id)).map((s) => s.score)).toEqual([4, 4, 8, 1])
    expect(await db.selectFrom('audit_events').select('id').where('action', '=', 'assessment.submitted').where('entity_id', '=', String(id)).execute()).toHaveLength(1)
  })

  test('the same submission sent twice at once is stored once and both get the result', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const id = await draftFor(panel)
    const send = () => inTrx((trx) => submitScores(trx, panel.assessors[0]!.id, { assessmentId: id, scores: scores(panel, [4, 4, 8, 1]) }))
    const results = await Promise.all([send(), send()])
    expect(results.map((r) => r.repeated).sort()).toEqual([false, true])
    expect(results[0]!.weightedScoreMilli).toBe(results[1]!.weightedScoreMilli)
    expect(await db.selectFrom('audit_events').select('id').where('action', '=', 'assessment.submitted').where('entity_id', '=', String(id)).execute()).toHaveLength(1)
  })

  test('a conflicted assessor cannot score the bid (403)', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const id = await draftFor(panel)
    const me = panel.assessors[0]!.id
    await inTrx((trx) => declareConflict(trx, me, { assessmentId: id, type: 'financial', note: '', onBehalf: false }))
    await expect(inTrx((trx) => submitScores(trx, me, { assessmentId: id, scores: scores(panel, [4, 4, 8, 1]) }))).rejects.toMatchObject({ status: 403 })
  })
})

describe('peer scores', () => {
  test('are hidden until the assessor submits when the round hides them, and never include conflicts', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 3, settings: { hide_peer_scores: 1 } })
    const [me, peer, conflicted] = panel.assessors
    const bid = panel.bids[0]!.applicationId
    await submitScoresRaw(db, panel, { applicationId: bid, assessorId: peer!.id, scores: [2, 2, 4, 1] })
    const gone = await submitScoresRaw(db, panel, { applicationId: bid, assessorId: conflicted!.id, scores: [5, 5, 10, 1] })
    await inTrx((trx) => declareConflict(trx, panel.manager.id, { assessmentId: gone, type: 'financial', note: '', onBehalf: true }))
    const mine = await assignRaw(db, bid, me!.id, 'draft')
    expect(await peerScores(db, mine)).toEqual({ visible: false, peers: [] })
    await inTrx((trx) => submitScores(trx, me!.id, { assessmentId: mine, scores: scores(panel, [4, 4, 8, 1]) }))
    const after = await peerScores(db, mine)
    expect(after.visible).toBe(true)
    expect(after.peers.map((p) => [p.assessorName, p.scores.map((s) => s.score)])).toEqual([['Assessor 2', [2, 2, 4, 1]]])
  })

  test('are shown before submitting when the round does not hide them', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 2, settings: { hide_peer_scores: 0 } })
    await submitScoresRaw(db, panel, { applicationId: panel.bids[0]!.applicationId, assessorId: panel.assessors[1]!.id, scores: [2, 2, 4, 1] })
    const mine = await draftFor(panel)
    expect((await peerScores(db, mine)).peers).toHaveLength(1)
  })
})
