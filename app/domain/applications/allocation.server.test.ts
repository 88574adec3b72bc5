import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { createOrganisationWithAdmin, createUser, addMember } from '../../../tests/factories/organisations.ts'
import { db } from '~/lib/db.server.ts'
import {
  allocateFirstComeFirstServed,
  allocateInOrder,
  decideArrival,
  EMPTY_TALLY,
  fcfsLimits,
  fcfsState,
  fcfsStatusMessage,
  GRANTS_EXHAUSTED_MESSAGE,
  NotFirstComeFirstServedError,
  PRIORITY_RESERVE_REASON,
  setPriorityCommunity,
  withAllocation,
  type Arrival,
  type FcfsLimits,
  type FcfsTally,
} from './allocation.server.ts'
import { createApplicant, createFcfsRound, markSubmitted, placesByRegion } from './fcfs-fixtures.server.ts'

describe('quota arithmetic', () => {
  test.each([
    { grantCount: 100, region: 40, priority: 20, regionCap: 40, reserve: 20, nonPriorityCap: 80 },
    { grantCount: 7, region: 40, priority: 20, regionCap: 2, reserve: 2, nonPriorityCap: 5 },
    { grantCount: 10, region: 33.3, priority: 33.3, regionCap: 3, reserve: 4, nonPriorityCap: 6 },
    { grantCount: 1, region: 100, priority: 100, regionCap: 1, reserve: 1, nonPriorityCap: 0 },
    { grantCount: 50, region: null, priority: null, regionCap: null, reserve: 0, nonPriorityCap: 50 },
    { grantCount: 3, region: 0, priority: 0, regionCap: 0, reserve: 0, nonPriorityCap: 3 },
  ])('$grantCount grants, at most $region% a region and at least $priority% priority: region cap $regionCap, reserve $reserve', (row) => {
    expect(fcfsLimits({ grantCount: row.grantCount, maxPercentPerRegion: row.region, minPercentPriorityCommunity: row.priority })).toEqual({
      grantCount: row.grantCount,
      regionCap: row.regionCap,
      priorityReserve: row.reserve,
      nonPriorityCap: row.nonPriorityCap,
    })
  })

  const limits = fcfsLimits({ grantCount: 100, maxPercentPerRegion: 40, minPercentPriorityCommunity: 20 })
  const tally = (allocated: number, byRegion: Record<string, number>, priorityAllocated: number): FcfsTally => ({ allocated, byRegion, priorityAllocated })

  test.each([
    { name: 'the first arrival is allocated', tally: EMPTY_TALLY, arrival: { region: 'London', priority: false }, reason: null },
    { name: 'an arrival after the last grant is wait-listed', tally: tally(100, { London: 40, Midlands: 40, 'North West': 20 }, 20), arrival: { region: 'South West', priority: true }, reason: 'All 100 grants have been allocated' },
    { name: 'a region at its cap is wait-listed, priority or not', tally: tally(40, { London: 40 }, 10), arrival: { region: 'London', priority: true }, reason: 'The limit for London has been reached' },
    { name: 'a region one below its cap is allocated', tally: tally(39, { London: 39 }, 10), arrival: { region: 'London', priority: false }, reason: null },
    { name: 'a non-priority group is wait-listed once only the reserve is left', tally: tally(80, { London: 40, Midlands: 40 }, 0), arrival: { region: 'South West', priority: false }, reason: PRIORITY_RESERVE_REASON },
    { name: 'a priority group may take a reserved grant', tally: tally(80, { London: 40, Midlands: 40 }, 0), arrival: { region: 'South West', priority: true }, reason: null },
    { name: 'a non-priority group is allocated while priority groups have used the reserve', tally: tally(95, { London: 40, Midlands: 40, 'South West': 15 }, 20), arrival: { region: 'South West', priority: false }, reason: null },
  ])('$name', ({ tally: before, arrival, reason }) => {
    const decision = decideArrival(limits, before, arrival)
    expect(decision.reason).toBe(reason)
    expect(decision.outcome).toBe(reason === null ? 'allocated' : 'waitlisted')
  })

  test('wait-listing reasons are checked in order: grants first, then the region, then the reserve', () => {
    const full = tally(100, { London: 40, Midlands: 40, 'South West': 20 }, 0)
    expect(decideArrival(limits, full, { region: 'London', priority: false }).rule).toBe('grants_exhausted')
    expect(decideArrival(limits, tally(80, { London: 40, Midlands: 40 }, 0), { region: 'London', priority: false }).rule).toBe('region_cap')
  })
})

const REGIONS = ['London', 'Midlands', 'North West', 'South West', 'East of England', 'South East', 'North East and Yorkshire']
const arrivalArb: fc.Arbitrary<Arrival> = fc.record({ region: fc.constantFrom(...REGIONS), priority: fc.boolean() })
const limitsArb: fc.Arbitrary<FcfsLimits> = fc
  .record({
    grantCount: fc.integer({ min: 1, max: 60 }),
    maxPercentPerRegion: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
    minPercentPriorityCommunity: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
  })
  .map(fcfsLimits)

describe('any arrival sequence', () => {
  test('never allocates more than the grants, a region more than its cap, or other groups more than the reserve leaves, and wait-lists only when it had to', () => {
    fc.assert(
      fc.property(limitsArb, fc.array(arrivalArb, { maxLength: 150 }), (limits, arrivals) => {
        const decisions = allocateInOrder(limits, arrivals)
        let tally = EMPTY_TALLY
        arrivals.forEach((arrival, i) => {
          const decision = decisions[i]!
          if (decision.outcome === 'allocated') {
            tally = withAllocation(tally, arrival)
            return
          }
          // Maximal: at its arrival, a grant for it would have broken a limit.
          const wouldBreak =
            tally.allocated + 1 > limits.grantCount ||
            (limits.regionCap !== null && (tally.byRegion[arrival.region] ?? 0) + 1 > limits.regionCap) ||
            (!arrival.priority && tally.allocated - tally.priorityAllocated + 1 > limits.nonPriorityCap)
          expect(wouldBreak).toBe(true)
        })
        expect(tally.allocated).toBeLessThanOrEqual(limits.grantCount)
        for (const n of Object.values(tally.byRegion)) expect(n).toBeLessThanOrEqual(limits.regionCap ?? Infinity)
        expect(tally.allocated - tally.priorityAllocated).toBeLessThanOrEqual(limits.nonPriorityCap)
      }),
      { numRuns: 500 },
    )
  })
})

describe('allocating a submission', () => {
  async function londonAndMidlands() {
    const regions = await placesByRegion(db)
    return { london: regions.get('London')![0]!, midlands: regions.get('Midlands')![0]! }
  }

  test('allocates in arrival order, numbers each arrival, and wait-lists with the reason once the region cap is reached', async () => {
    const { roundId } = await createFcfsRound(db, { grantCount: 5, grantAmountPence: 100_000, maxPercentPerRegion: 40, minPercentPriorityCommunity: null })
    const { london } = await londonAndMidlands()
    const outcomes = []
    for (let i = 0; i < 3; i++) {
      const { applicationId } = await createApplicant(db, { roundId, placeId: london })
      await markSubmitted(db, applicationId)
      outcomes.push(await db.transaction().execute((trx) => allocateFirstComeFirstServed(trx, { applicationId, now: new Date() })))
    }
    expect(outcomes).toEqual([
      { outcome: 'allocated', reason: null, position: 1 },
      { outcome: 'allocated', reason: null, position: 2 },
      { outcome: 'waitlisted', reason: 'The limit for London has been reached', position: 3 },
    ])
    const rows = await db.selectFrom('applications').select(['status', 'fcfs_region', 'fcfs_reason']).where('round_id', '=', roundId).orderBy('fcfs_position').execute()
    expect(rows.map((r) => r.status)).toEqual(['allocated', 'allocated', 'waitlisted'])
    expect(rows.every((r) => r.fcfs_region === 'London')).toBe(true)
    const audit = await db.selectFrom('audit_events').select('action').where('entity_type', '=', 'application').where('action', 'like', 'application.fcfs_%').execute()
    expect(audit.map((a) => a.action).sort()).toEqual(['application.fcfs_allocated', 'application.fcfs_allocated', 'application.fcfs_waitlisted'])
  })

  test('refuses a second application from an organisation that already has a grant from the round', async () => {
    const { roundId } = await createFcfsRound(db)
    const { london } = await londonAndMidlands()
    const first = await createApplicant(db, { roundId, placeId: london })
    await markSubmitted(db, first.applicationId)
    await db.transaction().execute((trx) => allocateFirstComeFirstServed(trx, { applicationId: first.applicationId, now: new Date() }))
    const second = await db
      .insertInto('applications')
      .values({ reference: `DUP-${first.applicationId}`, round_id: roundId, organisation_id: first.organisation.id, status: 'submitted', title: 'Again', place_id: london })
      .returning('id')
      .executeTakeFirstOrThrow()
    const result = await db.transaction().execute((trx) => allocateFirstComeFirstServed(trx, { applicationId: second.id, now: new Date() }))
    expect(result).toEqual({ outcome: 'refused', reason: 'Your organisation already has a grant from this round: there is one grant per organisation', position: 2 })
  })

  test('answers a repeated call with the outcome already given, without taking another place in the queue', async () => {
    const { roundId } = await createFcfsRound(db)
    const { midlands } = await londonAndMidlands()
    const { applicationId } = await createApplicant(db, { roundId, placeId: midlands, priority: true })
    await markSubmitted(db, applicationId)
    const first = await db.transaction().execute((trx) => allocateFirstComeFirstServed(trx, { applicationId, now: new Date() }))
    const again = await db.transaction().execute((trx) => allocateFirstComeFirstServed(trx, { applicationId, now: new Date() }))
    expect(again).toEqual(first)
    const state = await fcfsState(db, roundId)
    expect(state).toMatchObject({ allocated: 1, remaining: 99, priorityAllocated: 1, priorityReserve: 20, byRegion: [{ region: 'Midlands', allocated: 1, cap: 40 }] })
  })

  test('is refused for a round that is not first come, first served', async () => {
    const { roundId } = await createFcfsRound(db)
    const { london } = await londonAndMidlands()
    const { applicationId } = await createApplicant(db, { roundId, placeId: london })
    await db.updateTable('rounds').set({ allocation_method: 'panel' }).where('id', '=', roundId).execute()
    await expect(db.transaction().execute((trx) => allocateFirstComeFirstServed(trx, { applicationId, now: new Date() }))).rejects.toThrow(NotFirstComeFirstServedError)
    expect(await fcfsState(db, roundId)).toBeNull()
  })

  test('says the grants have run out once every grant is allocated, and later arrivals join the waiting list', async () => {
    const { roundId } = await createFcfsRound(db, { grantCount: 2, grantAmountPence: 100_000, maxPercentPerRegion: null, minPercentPriorityCommunity: null })
    const { london, midlands } = await londonAndMidlands()
    const results = []
    for (const placeId of [london, midlands, midlands]) {
      const { applicationId } = await createApplicant(db, { roundId, placeId })
      await markSubmitted(db, applicationId)
      expect(fcfsStatusMessage(await fcfsState(db, roundId))).toBe(results.length < 2 ? null : GRANTS_EXHAUSTED_MESSAGE)
      results.push(await db.transaction().execute((trx) => allocateFirstComeFirstServed(trx, { applicationId, now: new Date() })))
    }
    expect(results[2]).toEqual({ outcome: 'waitlisted', reason: 'All 2 grants have been allocated', position: 3 })
    const state = await fcfsState(db, roundId)
    expect(state).toMatchObject({ allocated: 2, remaining: 0, waitlisted: 1, refused: 0, exhausted: true })
    expect(fcfsStatusMessage(state)).toBe(GRANTS_EXHAUSTED_MESSAGE)
  })
})

describe('the priority community setting', () => {
  test('an organisation admin sets it, and the change is audited', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    await db.transaction().execute((trx) => setPriorityCommunity(trx, { userId: admin.id }, { organisationId: organisation.id, priorityCommunity: true }))
    const row = await db.selectFrom('organisations').select('priority_community').where('id', '=', organisation.id).executeTakeFirstOrThrow()
    expect(row.priority_community).toBe(1)
    const audit = await db.selectFrom('audit_events').select(['action', 'after']).where('entity_id', '=', String(organisation.id)).where('action', '=', 'organisation.priority_community_changed').execute()
    expect(audit).toEqual([{ action: 'organisation.priority_community_changed', after: JSON.stringify({ priority_community: 1 }) }])
  })

  test('a member who is not an admin cannot change it', async () => {
    const { organisation } = await createOrganisationWithAdmin(db)
    const member = await createUser(db)
    await addMember(db, organisation.id, member.id, 'member')
    await expect(
      db.transaction().execute((trx) => setPriorityCommunity(trx, { userId: member.id }, { organisationId: organisation.id, priorityCommunity: true })),
    ).rejects.toThrow('We could not find that organisation.')
  })
})
