import fc from 'fast-check'
import type { Transaction } from 'kysely'
import { describe, expect, test } from 'vitest'
import type { DB } from '../../../db/schema.ts'
import { db } from '~/lib/db.server.ts'
import { addMember } from '../../../tests/factories/organisations.ts'
import { assignRaw, createPanelRound, submitScoresRaw } from '../../../tests/factories/assessment.ts'
import { assignByHand, autoAssign, chooseAssignments, listAssignments, unassign, type AssignmentProblem } from './assignment.server.ts'
import { recordConflictOnBehalf } from './conflicts.server.ts'
import { setAssessorPlaces } from './panel-members.server.ts'

const inTrx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => db.transaction().execute(fn)

async function assignmentsOf(roundId: number) {
  return db
    .selectFrom('assessments')
    .innerJoin('applications', 'applications.id', 'assessments.application_id')
    .select(['assessments.application_id', 'assessments.assessor_user_id', 'assessments.status', 'assessments.assigned_by'])
    .where('applications.round_id', '=', roundId)
    .orderBy('assessments.application_id')
    .orderBy('assessments.assessor_user_id')
    .execute()
}

describe('autoAssign', () => {
  test('tops every bid up to the assessors per bid with the workload balanced, and says so in the audit trail', async () => {
    const panel = await createPanelRound(db, { bids: 4, assessors: 3, settings: { assessors_per_bid: 2 } })
    const result = await inTrx((trx) => autoAssign(trx, panel.manager, { roundId: panel.roundId, preferPlaceKnowledge: false }))
    expect(result.shortfalls).toEqual([])
    // 4 bids x 2 = 8 assignments over 4 panel members (3 assessors and the chair): 2 each.
    expect(result.created).toHaveLength(8)
    const rows = await assignmentsOf(panel.roundId)
    const perAssessor = new Map<number, number>()
    for (const r of rows) perAssessor.set(r.assessor_user_id, (perAssessor.get(r.assessor_user_id) ?? 0) + 1)
    expect([...perAssessor.values()]).toEqual([2, 2, 2, 2])
    for (const bid of panel.bids) expect(rows.filter((r) => r.application_id === bid.applicationId)).toHaveLength(2)
    expect(rows.every((r) => r.status === 'assigned' && r.assigned_by === panel.manager.id)).toBe(true)
    const audit = await db.selectFrom('audit_events').select(['action', 'entity_id']).where('action', '=', 'assessment.auto_assigned').where('entity_id', '=', String(panel.roundId)).execute()
    expect(audit).toEqual([{ action: 'assessment.auto_assigned', entity_id: String(panel.roundId) }])
  })

  test('is deterministic, and running it again adds nothing', async () => {
    const panel = await createPanelRound(db, { bids: 3, assessors: 3, settings: { assessors_per_bid: 2 } })
    const first = await inTrx((trx) => autoAssign(trx, panel.manager, { roundId: panel.roundId, preferPlaceKnowledge: false }))
    // Fewest first, ties by id: the first bid goes to the two lowest ids.
    const ids = [...panel.assessors.map((a) => a.id), panel.chair.id].sort((a, b) => a - b)
    expect(first.created.filter((c) => c.applicationId === panel.bids[0]!.applicationId).map((c) => c.assessorUserId)).toEqual([ids[0], ids[1]])
    const again = await inTrx((trx) => autoAssign(trx, panel.manager, { roundId: panel.roundId, preferPlaceKnowledge: false }))
    expect(again).toEqual({ created: [], shortfalls: [] })
  })

  test('never picks a member of the bid’s organisation or an assessor with a declared conflict, and reports the shortfall', async () => {
    const panel = await createPanelRound(db, { bids: 2, assessors: 2, settings: { assessors_per_bid: 3 } })
    const [a1, a2] = panel.assessors
    const bid = panel.bids[0]!
    await addMember(db, bid.organisationId, a1!.id)
    await inTrx((trx) => recordConflictOnBehalf(trx, panel.manager.id, { applicationId: bid.applicationId, assessorUserId: a2!.id, type: 'financial', note: '' }))
    const result = await inTrx((trx) => autoAssign(trx, panel.manager, { roundId: panel.roundId, preferPlaceKnowledge: false }))
    const onBid = result.created.filter((c) => c.applicationId === bid.applicationId).map((c) => c.assessorUserId)
    expect(onBid).toEqual([panel.chair.id])
    expect(result.shortfalls).toEqual([
      { applicationId: bid.applicationId, reference: bid.reference, needed: 2, reason: expect.stringContaining('1 is a member of the organisation, 1 declared a conflict of interest') },
    ])
    // The other bid gets all three panel members.
    expect(result.created.filter((c) => c.applicationId === panel.bids[1]!.applicationId)).toHaveLength(3)
    const conflict = await db.selectFrom('assessments').select('status').where('application_id', '=', bid.applicationId).where('assessor_user_id', '=', a2!.id).executeTakeFirstOrThrow()
    expect(conflict.status).toBe('conflict')
  })

  test('prefers assessors who know the bid’s place when asked', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 3, settings: { assessors_per_bid: 1 } })
    const local = panel.assessors[2]!
    await inTrx((trx) => setAssessorPlaces(trx, panel.manager, { userId: local.id, placeIds: [panel.bids[0]!.placeId] }))
    const result = await inTrx((trx) => autoAssign(trx, panel.manager, { roundId: panel.roundId, preferPlaceKnowledge: true }))
    expect(result.created.map((c) => c.assessorUserId)).toEqual([local.id])
  })

  test('ignores bids screened ineligible and counts submitted assessments towards the bid', async () => {
    const panel = await createPanelRound(db, { bids: 2, assessors: 2, settings: { assessors_per_bid: 1 } })
    await db.updateTable('applications').set({ screening_override: 'ineligible' }).where('id', '=', panel.bids[0]!.applicationId).execute()
    await submitScoresRaw(db, panel, { applicationId: panel.bids[1]!.applicationId, assessorId: panel.assessors[0]!.id, scores: [3, 3, 5, 1] })
    const result = await inTrx((trx) => autoAssign(trx, panel.manager, { roundId: panel.roundId, preferPlaceKnowledge: false }))
    expect(result).toEqual({ created: [], shortfalls: [] })
  })

  test('with nobody on the panel every bid is a shortfall', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 0 })
    await db.deleteFrom('round_assessors').where('round_id', '=', panel.roundId).execute()
    const result = await inTrx((trx) => autoAssign(trx, panel.manager, { roundId: panel.roundId, preferPlaceKnowledge: false }))
    expect(result.shortfalls).toEqual([{ applicationId: panel.bids[0]!.applicationId, reference: panel.bids[0]!.reference, needed: 2, reason: expect.stringContaining('nobody is on the panel yet') }])
  })
})

describe('chooseAssignments (property)', () => {
  const problems = fc
    .record({
      perBid: fc.integer({ min: 1, max: 4 }),
      assessorCount: fc.integer({ min: 0, max: 7 }),
      bidCount: fc.integer({ min: 0, max: 12 }),
      preferPlaceKnowledge: fc.boolean(),
      seed: fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 200, maxLength: 200 }),
    })
    .map(({ perBid, assessorCount, bidCount, preferPlaceKnowledge, seed }): AssignmentProblem => {
      let i = 0
      const next = () => seed[i++ % seed.length]!
      const assessors = Array.from({ length: assessorCount }, (_, k) => 100 + k * 3)
      const bids = Array.from({ length: bidCount }, (_, k) => ({ id: k + 1, reference: `B-${k + 1}`, organisationId: 1 + (next() % 4), placeId: 1 + (next() % 3) }))
      const existing: AssignmentProblem['existing'] = []
      for (const bid of bids) for (const a of assessors) if (next() < 8) existing.push({ applicationId: bid.id, assessorUserId: a, status: next() < 50 ? 'conflict' : 'draft' })
      const memberships = assessors.flatMap((a) => (next() < 20 ? [{ userId: a, organisationId: 1 + (next() % 4) }] : []))
      const knownPlaces = assessors.flatMap((a) => (next() < 40 ? [{ userId: a, placeId: 1 + (next() % 3) }] : []))
      return { perBid, preferPlaceKnowledge, bids, assessors, existing, memberships, knownPlaces }
    })

  test('never own organisation, never a conflict, never twice, as many as possible, and deterministic', () => {
    fc.assert(
      fc.property(problems, (p) => {
        const { picks, shortfalls } = chooseAssignments(p)
        expect(chooseAssignments(p)).toEqual({ picks, shortfalls })
        for (const bid of p.bids) {
          const mine = picks.filter((x) => x.applicationId === bid.id).map((x) => x.assessorUserId)
          const already = p.existing.filter((e) => e.applicationId === bid.id)
          for (const a of mine) {
            expect(p.memberships.some((m) => m.userId === a && m.organisationId === bid.organisationId)).toBe(false)
            expect(already.some((e) => e.assessorUserId === a)).toBe(false)
          }
          expect(new Set(mine).size).toBe(mine.length)
          const active = already.filter((e) => e.status !== 'conflict').length
          const available = p.assessors.filter((a) => !already.some((e) => e.assessorUserId === a) && !p.memberships.some((m) => m.userId === a && m.organisationId === bid.organisationId)).length
          const want = Math.max(0, p.perBid - active)
          expect(mine.length).toBe(Math.min(want, available))
          const shortfall = shortfalls.find((s) => s.applicationId === bid.id)
          expect(shortfall?.needed ?? 0).toBe(want - mine.length)
        }
      }),
      { numRuns: 300 },
    )
  })

  test('with no exclusions and no place preference, workloads differ by at most one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 8 }), (assessorCount, bidCount, perBid) => {
        const assessors = Array.from({ length: assessorCount }, (_, k) => k + 1)
        const bids = Array.from({ length: bidCount }, (_, k) => ({ id: k + 1, reference: `B-${k + 1}`, organisationId: 1, placeId: null }))
        const { picks } = chooseAssignments({ perBid, preferPlaceKnowledge: false, bids, assessors, existing: [], memberships: [], knownPlaces: [] })
        const load = assessors.map((a) => picks.filter((p) => p.assessorUserId === a).length)
        expect(Math.max(...load) - Math.min(...load)).toBeLessThanOrEqual(1)
      }),
      { numRuns: 200 },
    )
  })
})

describe('assigning by hand', () => {
  test('gives a bid to a panel member once; refuses someone off the panel, an organisation member and a repeat', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 2 })
    const bid = panel.bids[0]!
    const { assessmentId } = await inTrx((trx) => assignByHand(trx, panel.manager, { applicationId: bid.applicationId, assessorUserId: panel.assessors[0]!.id }))
    expect(assessmentId).toBeGreaterThan(0)
    await expect(inTrx((trx) => assignByHand(trx, panel.manager, { applicationId: bid.applicationId, assessorUserId: panel.assessors[0]!.id }))).rejects.toMatchObject({ status: 409 })
    await expect(inTrx((trx) => assignByHand(trx, panel.manager, { applicationId: bid.applicationId, assessorUserId: panel.manager.id }))).rejects.toMatchObject({ status: 400, field: 'assessorUserId' })
    await addMember(db, bid.organisationId, panel.assessors[1]!.id)
    await expect(inTrx((trx) => assignByHand(trx, panel.manager, { applicationId: bid.applicationId, assessorUserId: panel.assessors[1]!.id }))).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('is a member of the organisation that made this bid'),
    })
    expect(await assignmentsOf(panel.roundId)).toHaveLength(1)
  })

  test('unassigning takes back an unscored bid but never a submitted one or a conflict', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 3 })
    const bid = panel.bids[0]!
    const open = await assignRaw(db, bid.applicationId, panel.assessors[0]!.id, 'draft')
    const submitted = await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: panel.assessors[1]!.id, scores: [3, 3, 5, 1] })
    const conflict = await assignRaw(db, bid.applicationId, panel.assessors[2]!.id, 'conflict')
    await inTrx((trx) => unassign(trx, panel.manager, { assessmentId: open }))
    await expect(inTrx((trx) => unassign(trx, panel.manager, { assessmentId: submitted }))).rejects.toMatchObject({ status: 409 })
    await expect(inTrx((trx) => unassign(trx, panel.manager, { assessmentId: conflict }))).rejects.toMatchObject({ status: 409 })
    const { rows } = await listAssignments(db, panel.roundId)
    expect(rows[0]!.assessments.map((a) => a.status)).toEqual(['submitted', 'conflict'])
    expect(rows[0]!.needed).toBe(1)
  })
})
