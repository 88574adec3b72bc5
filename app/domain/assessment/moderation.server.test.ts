import { describe, expect, test } from 'vitest'
import { assignRaw, createPanelRound, submitScoresRaw } from '../../../tests/factories/assessment.ts'
import { db } from '~/lib/db.server.ts'
import { clearModeration, ConflictOnBidError, moderate, ModerationInputError } from './moderation.server.ts'
import { panelBidView } from './panel-bid.server.ts'
import { roundScoreboard } from './scoreboard.server.ts'

async function scoredBid() {
  const panel = await createPanelRound(db, { bids: 1, assessors: 2 })
  const applicationId = panel.bids[0]!.applicationId
  await submitScoresRaw(db, panel, { applicationId, assessorId: panel.assessors[0]!.id, scores: [2, 3, 4, 1] })
  await submitScoresRaw(db, panel, { applicationId, assessorId: panel.assessors[1]!.id, scores: [4, 3, 6, 0] })
  return { panel, applicationId }
}

describe('moderation', () => {
  test('the chair’s score replaces the mean for that criterion; raw scores never change; audited with before and after', async () => {
    const { panel, applicationId } = await scoredBid()
    const need = panel.criteria[0]!
    const rawBefore = await db.selectFrom('criterion_scores').select(['id', 'score']).orderBy('id').execute()
    expect(rawBefore).toHaveLength(8)
    await db.transaction().execute((trx) => moderate(trx, panel.chair.id, { applicationId, criterionId: need.id, score: 5, rationale: 'Strong evidence from the ward profile' }))
    await db.transaction().execute((trx) => moderate(trx, panel.chair.id, { applicationId, criterionId: need.id, score: 4, rationale: 'On reflection, strong but not exceptional' }))
    const view = await panelBidView(db, panel.roundId, applicationId)
    const row = view.criteria.find((c) => c.id === need.id)!
    expect(row.raw.map((r) => r.score)).toEqual([2, 4])
    expect(row.moderatedScore).toBe(4)
    expect(row.moderation).toMatchObject({ score: 4, rationale: 'On reflection, strong but not exceptional', moderatedByName: 'Chair Person' })
    expect(view.criteria[1]!.moderatedScore).toBe(3)
    expect(await db.selectFrom('criterion_scores').select(['id', 'score']).orderBy('id').execute()).toEqual(rawBefore)
    expect(await db.selectFrom('moderations').select('score').where('application_id', '=', applicationId).execute()).toEqual([{ score: 4 }])
    const events = await db.selectFrom('audit_events').select(['before', 'after']).where('action', '=', 'moderation.set').where('entity_id', '=', String(applicationId)).orderBy('id').execute()
    expect(events).toHaveLength(2)
    expect(JSON.parse(events[1]!.before!)).toMatchObject({ score: 5 })
    expect(JSON.parse(events[1]!.after!)).toMatchObject({ score: 4, rationale: 'On reflection, strong but not exceptional' })
  })

  test('moderating a failed gateway to a pass lets the bid through; clearing it fails it again', async () => {
    const { panel, applicationId } = await scoredBid()
    const gateway = panel.criteria[3]!
    expect((await roundScoreboard(db, panel.roundId)).bids[0]!.gatewayFailed).toBe(true)
    await db.transaction().execute((trx) => moderate(trx, panel.chair.id, { applicationId, criterionId: gateway.id, score: 1, rationale: 'Policy seen at interview' }))
    expect((await roundScoreboard(db, panel.roundId)).bids[0]!.gatewayFailed).toBe(false)
    expect(await db.transaction().execute((trx) => clearModeration(trx, panel.chair.id, { applicationId, criterionId: gateway.id }))).toBe(true)
    expect((await roundScoreboard(db, panel.roundId)).bids[0]!.gatewayFailed).toBe(true)
    expect(await db.selectFrom('audit_events').select('id').where('action', '=', 'moderation.cleared').where('entity_id', '=', String(applicationId)).execute()).toHaveLength(1)
  })

  test.each([
    [{ score: 6 }, 'score', 'Choose a score from 1 to 5 for Need'],
    [{ score: 0 }, 'score', 'Choose a score from 1 to 5 for Need'],
    [{ score: 2.5 }, 'score', 'Choose a score from 1 to 5 for Need'],
    [{ rationale: '   ' }, 'rationale', 'Explain why you are moderating this score'],
  ])('%o is refused next to its field and nothing is written', async (overrides, field, message) => {
    const { panel, applicationId } = await scoredBid()
    const error = await db
      .transaction()
      .execute((trx) => moderate(trx, panel.chair.id, { applicationId, criterionId: panel.criteria[0]!.id, score: 3, rationale: 'Because', ...overrides }))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ModerationInputError)
    expect(error).toMatchObject({ field, message })
    expect(await db.selectFrom('moderations').select('id').where('application_id', '=', applicationId).execute()).toEqual([])
  })

  test('a chair with a declared conflict on the bid cannot moderate it (403)', async () => {
    const { panel, applicationId } = await scoredBid()
    await assignRaw(db, applicationId, panel.chair.id, 'conflict')
    const error = await db.transaction().execute((trx) => moderate(trx, panel.chair.id, { applicationId, criterionId: panel.criteria[0]!.id, score: 3, rationale: 'x' })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConflictOnBidError)
    expect(error).toMatchObject({ status: 403 })
  })

  test('a criterion of another round is not found, and nothing moderates after decisions are released', async () => {
    const { panel, applicationId } = await scoredBid()
    const other = await createPanelRound(db, { bids: 0, assessors: 0 })
    await expect(db.transaction().execute((trx) => moderate(trx, panel.chair.id, { applicationId, criterionId: other.criteria[0]!.id, score: 3, rationale: 'x' }))).rejects.toMatchObject({ status: 404 })
    await db.updateTable('rounds').set({ decisions_released_at: new Date().toISOString() }).where('id', '=', panel.roundId).execute()
    await expect(db.transaction().execute((trx) => moderate(trx, panel.chair.id, { applicationId, criterionId: panel.criteria[0]!.id, score: 3, rationale: 'x' }))).rejects.toMatchObject({ status: 409 })
  })
})
