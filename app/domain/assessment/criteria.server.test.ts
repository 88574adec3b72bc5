import { describe, expect, test } from 'vitest'
import { createPanelRound, submitScoresRaw } from '../../../tests/factories/assessment.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { db } from '~/lib/db.server.ts'
import { addCriterion, CriteriaLockedError, CriterionInputError, deleteCriterion, listCriteria, moveCriterion, publicCriteria, updateCriterion } from './criteria.server.ts'
import type { CriterionInput } from './criterion-input.ts'

const scored = (overrides: Partial<CriterionInput> = {}): CriterionInput => ({
  name: 'Local need and reach',
  guidance: 'How well the bid shows who needs it.',
  isGateway: false,
  weight: 30,
  scaleMin: 1,
  scaleMax: 5,
  descriptors: { 1: 'No evidence', 5: 'Strong local evidence', 9: 'Outside the scale' },
  ...overrides,
})

async function emptyRound() {
  const panel = await createPanelRound(db, { criteria: [], bids: 1, assessors: 1 })
  return { ...panel, manager: await createUserWithRole(db, 'fund_manager') }
}

const auditActions = async (action: string, ids: number[]) => (await db.selectFrom('audit_events').select('after').where('action', '=', action).where('entity_id', 'in', ids.map(String)).execute()).length

describe('criteria per round', () => {
  test('a scored criterion is added at the end with only the descriptors within its scale, and audited', async () => {
    const panel = await emptyRound()
    const first = await db.transaction().execute((trx) => addCriterion(trx, panel.manager.id, panel.roundId, scored()))
    const added = await db.transaction().execute((trx) => addCriterion(trx, panel.manager.id, panel.roundId, scored({ name: 'Value for money', weight: 20, scaleMin: 0, scaleMax: 10, descriptors: {} })))
    expect(added.position).toBe(2)
    const list = await listCriteria(db, panel.roundId)
    expect(list.map((c) => [c.name, c.weight, c.scaleMin, c.scaleMax, c.isGateway, c.position])).toEqual([
      ['Local need and reach', 30, 1, 5, false, 1],
      ['Value for money', 20, 0, 10, false, 2],
    ])
    expect(list[0]!.descriptors).toEqual({ 1: 'No evidence', 5: 'Strong local evidence' })
    expect(await auditActions('criterion.added', [first.id, added.id])).toBe(2)
  })

  test('a gateway is pass/fail: no weight, scale 0-1, descriptors Fail and Pass, whatever was sent', async () => {
    const panel = await emptyRound()
    const gateway = await db.transaction().execute((trx) => addCriterion(trx, panel.manager.id, panel.roundId, scored({ name: 'Safeguarding policy in place', isGateway: true, weight: 50, scaleMax: 7 })))
    expect(gateway).toMatchObject({ isGateway: true, weight: 0, scaleMin: 0, scaleMax: 1, descriptors: { 0: 'Fail', 1: 'Pass' } })
  })

  test.each([
    [{ name: ' ' }, 'name', 'Enter the name of the criterion'],
    [{ name: 'x'.repeat(121) }, 'name', 'The name must be 120 characters or fewer'],
    [{ weight: 0 }, 'weight', 'Enter a weight of 1 or more'],
    [{ weight: 101 }, 'weight', 'Enter a weight of 100 or less'],
    [{ weight: 2.5 }, 'weight', 'Enter the weight as a whole number from 1 to 100'],
    [{ scaleMin: 2 }, 'scaleMin', 'The lowest score must be 0 or 1'],
    [{ scaleMax: 1 }, 'scaleMax', 'The highest score must be more than the lowest'],
    [{ scaleMax: 11 }, 'scaleMax', 'The highest score must be 10 or less'],
    [{ descriptors: { 3: 'x'.repeat(301) } }, 'descriptor3', 'The descriptor for a score of 3 must be 300 characters or fewer'],
  ])('bad input %o is refused next to its field and nothing is written', async (overrides, field, message) => {
    const panel = await emptyRound()
    const error = await db.transaction().execute((trx) => addCriterion(trx, panel.manager.id, panel.roundId, scored(overrides))).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CriterionInputError)
    expect(error).toMatchObject({ field, message, status: 400 })
    expect(await listCriteria(db, panel.roundId)).toEqual([])
  })

  test('update changes the settings and audits before and after; a criterion of another round is not found', async () => {
    const panel = await emptyRound()
    const other = await emptyRound()
    const c = await db.transaction().execute((trx) => addCriterion(trx, panel.manager.id, panel.roundId, scored()))
    await db.transaction().execute((trx) => updateCriterion(trx, panel.manager.id, { roundId: panel.roundId, criterionId: c.id }, scored({ weight: 40, scaleMax: 4, descriptors: { 4: 'Excellent' } })))
    expect((await listCriteria(db, panel.roundId))[0]).toMatchObject({ weight: 40, scaleMax: 4, descriptors: { 4: 'Excellent' } })
    const event = await db.selectFrom('audit_events').select(['before', 'after']).where('action', '=', 'criterion.updated').where('entity_id', '=', String(c.id)).executeTakeFirstOrThrow()
    expect(JSON.parse(event.before!)).toMatchObject({ weight: 30, scaleMax: 5 })
    expect(JSON.parse(event.after!)).toMatchObject({ weight: 40, scaleMax: 4 })
    await expect(db.transaction().execute((trx) => updateCriterion(trx, panel.manager.id, { roundId: other.roundId, criterionId: c.id }, scored()))).rejects.toMatchObject({ status: 404 })
  })

  test('move swaps with the neighbour; delete closes up the order', async () => {
    const panel = await emptyRound()
    const ids: number[] = []
    for (const name of ['A', 'B', 'C']) ids.push((await db.transaction().execute((trx) => addCriterion(trx, panel.manager.id, panel.roundId, scored({ name })))).id)
    await db.transaction().execute((trx) => moveCriterion(trx, panel.manager.id, { roundId: panel.roundId, criterionId: ids[2]!, direction: 'up' }))
    expect((await listCriteria(db, panel.roundId)).map((x) => [x.name, x.position])).toEqual([['A', 1], ['C', 2], ['B', 3]])
    await db.transaction().execute((trx) => moveCriterion(trx, panel.manager.id, { roundId: panel.roundId, criterionId: ids[0]!, direction: 'up' }))
    await db.transaction().execute((trx) => deleteCriterion(trx, panel.manager.id, { roundId: panel.roundId, criterionId: ids[0]! }))
    expect((await listCriteria(db, panel.roundId)).map((x) => [x.name, x.position])).toEqual([['C', 1], ['B', 2]])
    expect(await auditActions('criterion.deleted', ids)).toBe(1)
  })

  test('once any assessment is submitted the criteria are locked (409) and stay as they were', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    await submitScoresRaw(db, panel, { applicationId: panel.bids[0]!.applicationId, assessorId: panel.assessors[0]!.id, scores: [3, 3, 5, 1] })
    const ref = { roundId: panel.roundId, criterionId: panel.criteria[0]!.id }
    const changes: ((trx: Parameters<typeof addCriterion>[0]) => Promise<unknown>)[] = [
      (trx: Parameters<typeof addCriterion>[0]) => addCriterion(trx, panel.manager.id, panel.roundId, scored()),
      (trx: Parameters<typeof addCriterion>[0]) => updateCriterion(trx, panel.manager.id, ref, scored()),
      (trx: Parameters<typeof addCriterion>[0]) => deleteCriterion(trx, panel.manager.id, ref),
      (trx: Parameters<typeof addCriterion>[0]) => moveCriterion(trx, panel.manager.id, { ...ref, direction: 'down' }),
    ]
    for (const change of changes) {
      const error = await db.transaction().execute(change).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CriteriaLockedError)
      expect(error).toMatchObject({ status: 409 })
    }
    expect((await listCriteria(db, panel.roundId)).map((c) => c.name)).toEqual(panel.criteria.map((c) => c.name))
  })

  test('applicants see each scored criterion’s whole-percent share (adding up to 100) and gateways as must-pass', async () => {
    const panel = await createPanelRound(db, { bids: 0, assessors: 0 })
    const shown = publicCriteria(await listCriteria(db, panel.roundId))
    // Weights 3, 2, 1: 50%, 33.3%, 16.7% -> 50, 33, 17.
    expect(shown.map((c) => [c.name, c.sharePercent, c.isGateway])).toEqual([
      ['Need', 50, false],
      ['Quality of plan', 33, false],
      ['Value for money', 17, false],
      ['Safeguarding policy in place', null, true],
    ])
  })
})
