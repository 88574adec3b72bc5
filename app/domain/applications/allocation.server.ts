/**
 * First come, first served (the Power of Music pilot: 100 grants of £1,000, weighted for geography and diversity).
 *
 * Each submission is allocated, wait-listed or refused the moment it is submitted, inside the submitting transaction,
 * in the order those transactions commit. Allocation is serialised per round: on PostgreSQL by locking the round's row
 * first (`SELECT ... FOR UPDATE`); on SQLite every write transaction already holds the database's write lock from its
 * first statement (BEGIN IMMEDIATE, see db/connect.ts). Under that lock the submission takes the next arrival number
 * and is judged against what earlier arrivals were given:
 *
 * - grants left: at most `grantCount` are allocated;
 * - the region cap: at most floor(grantCount x maxPercentPerRegion / 100) to one NHS England region (of the
 *   application's place, or the organisation's main place);
 * - the priority reserve: ceil(grantCount x minPercentPriorityCommunity / 100) grants are kept for groups led by or
 *   serving a priority community, so other groups may take at most grantCount minus that; priority groups may take any.
 *
 * A submission that fails one of them is wait-listed, with the reason; one that cannot take part at all (its
 * organisation already holds a grant from the round, or we do not know its place) is refused.
 */
import type { Transaction } from 'kysely'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { parseRoundRules, type FcfsRules } from '~/domain/funds/round-rules.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { refreshRoundStats } from '~/domain/stats/round-counts.server.ts'

/** What the quotas come to in grants, for a round's rules. */
export interface FcfsLimits {
  grantCount: number
  /** The most grants one region may have; null when there is no cap. */
  regionCap: number | null
  /** Grants kept for priority-community groups. */
  priorityReserve: number
  /** The most grants groups outside a priority community may have. */
  nonPriorityCap: number
}

export function fcfsLimits(rules: Pick<FcfsRules, 'grantCount' | 'maxPercentPerRegion' | 'minPercentPriorityCommunity'>): FcfsLimits {
  const { grantCount, maxPercentPerRegion, minPercentPriorityCommunity } = rules
  const regionCap = maxPercentPerRegion === null ? null : Math.floor((grantCount * maxPercentPerRegion) / 100)
  const priorityReserve = minPercentPriorityCommunity === null ? 0 : Math.ceil((grantCount * minPercentPriorityCommunity) / 100)
  return { grantCount, regionCap, priorityReserve, nonPriorityCap: grantCount - priorityReserve }
}

/** The grants allocated so far in a round. */
export interface FcfsTally {
  allocated: number
  byRegion: Record<string, number>
  priorityAllocated: number
}

export const EMPTY_TALLY: FcfsTally = Object.freeze({ allocated: 0, byRegion: Object.freeze({}), priorityAllocated: 0 }) as FcfsTally

/** One submission as the quotas see it. */
export interface Arrival {
  region: string
  priority: boolean
}

export type WaitlistRule = 'grants_exhausted' | 'region_cap' | 'priority_reserve'

export type QuotaDecision = { outcome: 'allocated'; rule: null; reason: null } | { outcome: 'waitlisted'; rule: WaitlistRule; reason: string }

export const PRIORITY_RESERVE_REASON = 'The remaining grants are reserved for groups led by or serving priority communities'

/** Whether a submission arriving now, after `tally`, gets a grant; and if not, which limit stopped it. */
export function decideArrival(limits: FcfsLimits, tally: FcfsTally, arrival: Arrival): QuotaDecision {
  if (tally.allocated >= limits.grantCount) {
    return { outcome: 'waitlisted', rule: 'grants_exhausted', reason: `All ${limits.grantCount} grants have been allocated` }
  }
  if (limits.regionCap !== null && (tally.byRegion[arrival.region] ?? 0) >= limits.regionCap) {
    return { outcome: 'waitlisted', rule: 'region_cap', reason: `The limit for ${arrival.region} has been reached` }
  }
  if (!arrival.priority && tally.allocated - tally.priorityAllocated >= limits.nonPriorityCap) {
    return { outcome: 'waitlisted', rule: 'priority_reserve', reason: PRIORITY_RESERVE_REASON }
  }
  return { outcome: 'allocated', rule: null, reason: null }
}

/** The tally after one more allocated grant. */
export function withAllocation(tally: FcfsTally, arrival: Arrival): FcfsTally {
  return {
    allocated: tally.allocated + 1,
    byRegion: { ...tally.byRegion, [arrival.region]: (tally.byRegion[arrival.region] ?? 0) + 1 },
    priorityAllocated: tally.priorityAllocated + (arrival.priority ? 1 : 0),
  }
}

/** Replays arrivals in order (what the database does one transaction at a time); for tests and explanations. */
export function allocateInOrder(limits: FcfsLimits, arrivals: Arrival[]): QuotaDecision[] {
  let tally = EMPTY_TALLY
  return arrivals.map((arrival) => {
    const decision = decideArrival(limits, tally, arrival)
    if (decision.outcome === 'allocated') tally = withAllocation(tally, arrival)
    return decision
  })
}

// ---------------------------------------------------------------------------------------------------------------------
// The rules as stored on the round, and the database side.

/** The round is not a first-come-first-served round (or its quotas are missing): a set-up mistake, not the applicant's. */
export class NotFirstComeFirstServedError extends DomainError {
  constructor() {
    super('This round does not allocate grants first come, first served.', { code: 'not_fcfs', status: 409 })
  }
}

/** A round's first-come-first-served rules, or null when it has none. */
export function fcfsRulesOf(round: { allocation_method: string; rules: string }): FcfsRules | null {
  if (round.allocation_method !== 'fcfs') return null
  return parseRoundRules(round.rules).fcfs
}

export type FcfsOutcome = 'allocated' | 'waitlisted' | 'refused'

export interface AllocationResult {
  outcome: FcfsOutcome
  /** Why it was wait-listed or refused; null when allocated. */
  reason: string | null
  /** Its arrival number in the round. */
  position: number
}

export interface AllocateInput {
  applicationId: number
  now: Date
  /** Who submitted (for the audit trail). */
  actorUserId?: number | null
}

const OUTCOMES: readonly string[] = ['allocated', 'waitlisted', 'refused'] satisfies FcfsOutcome[]

async function lockRound(trx: Transaction<DB>, roundId: number) {
  let query = trx.selectFrom('rounds').select(['id', 'allocation_method', 'rules']).where('id', '=', roundId)
  if (engineOf(trx) === 'postgres') query = query.forUpdate()
  return query.executeTakeFirstOrThrow()
}

async function loadTally(trx: Db, roundId: number): Promise<FcfsTally> {
  const rows = await trx
    .selectFrom('applications')
    .select(['fcfs_region', 'fcfs_priority', (eb) => eb.fn.countAll<number>().as('n')])
    .where('round_id', '=', roundId)
    .where('status', '=', 'allocated')
    .groupBy(['fcfs_region', 'fcfs_priority'])
    .execute()
  let tally: FcfsTally = { allocated: 0, byRegion: {}, priorityAllocated: 0 }
  for (const row of rows) {
    const n = Number(row.n)
    const region = row.fcfs_region ?? 'Unknown'
    tally = {
      allocated: tally.allocated + n,
      byRegion: { ...tally.byRegion, [region]: (tally.byRegion[region] ?? 0) + n },
      priorityAllocated: tally.priorityAllocated + (row.fcfs_priority ? n : 0),
    }
  }
  return tally
}

async function nextPosition(trx: Transaction<DB>, roundId: number): Promise<number> {
  const row = await trx
    .selectFrom('applications')
    .select((eb) => eb.fn.max('fcfs_position').as('last'))
    .where('round_id', '=', roundId)
    .executeTakeFirst()
  return Number(row?.last ?? 0) + 1
}

async function loadApplicant(trx: Transaction<DB>, applicationId: number) {
  return trx
    .selectFrom('applications')
    .innerJoin('organisations', 'organisations.id', 'applications.organisation_id')
    .leftJoin('places', (join) => join.on((eb) => eb('places.id', '=', eb.fn.coalesce('applications.place_id', 'organisations.place_id'))))
    .select([
      'applications.id',
      'applications.round_id',
      'applications.organisation_id',
      'applications.status',
      'applications.fcfs_position',
      'applications.fcfs_reason',
      'organisations.priority_community',
      'places.region_name',
    ])
    .where('applications.id', '=', applicationId)
    .executeTakeFirst()
}

async function refusalReason(trx: Transaction<DB>, applicant: { id: number; round_id: number; organisation_id: number; region_name: string | null }): Promise<string | null> {
  if (applicant.region_name === null) return 'We do not know which integrated care board area your group works in, so the regional limits cannot be applied'
  const earlier = await trx
    .selectFrom('applications')
    .select('id')
    .where('round_id', '=', applicant.round_id)
    .where('organisation_id', '=', applicant.organisation_id)
    .where('status', '=', 'allocated')
    .where('id', '!=', applicant.id)
    .executeTakeFirst()
  return earlier ? 'Your organisation already has a grant from this round: there is one grant per organisation' : null
}

/**
 * Allocates, wait-lists or refuses a submitted application in a first-come-first-served round; call it inside the
 * submitting transaction. Sets the application's status to the outcome, records its arrival number, the region and
 * priority flag counted, and the reason, and audits the decision. Calling it again for an application that already has
 * its outcome returns that outcome; one re-submitted after changes keeps its arrival number and is judged again.
 */
export async function allocateFirstComeFirstServed(trx: Transaction<DB>, input: AllocateInput): Promise<AllocationResult> {
  const first = await trx.selectFrom('applications').select('round_id').where('id', '=', input.applicationId).executeTakeFirst()
  if (!first) throw new NotFoundError('application')
  const round = await lockRound(trx, first.round_id)
  const rules = fcfsRulesOf(round)
  if (!rules) throw new NotFirstComeFirstServedError()
  const applicant = await loadApplicant(trx, input.applicationId)
  if (!applicant) throw new NotFoundError('application')
  if (applicant.fcfs_position !== null && OUTCOMES.includes(applicant.status)) {
    return { outcome: applicant.status as FcfsOutcome, reason: applicant.fcfs_reason, position: applicant.fcfs_position }
  }

  const position = applicant.fcfs_position ?? (await nextPosition(trx, round.id))
  const arrival: Arrival = { region: applicant.region_name ?? 'Unknown', priority: applicant.priority_community === 1 }
  const refusal = await refusalReason(trx, applicant)
  const decision: { outcome: FcfsOutcome; reason: string | null } =
    refusal !== null ? { outcome: 'refused', reason: refusal } : decideArrival(fcfsLimits(rules), await loadTally(trx, round.id), arrival)

  const values = {
    status: decision.outcome,
    fcfs_position: position,
    fcfs_region: applicant.region_name,
    fcfs_priority: arrival.priority ? 1 : 0,
    fcfs_reason: decision.reason,
    updated_at: input.now.toISOString(),
  }
  await trx.updateTable('applications').set(values).where('id', '=', applicant.id).execute()
  await refreshRoundStats(trx, round.id)
  await recordAudit(trx, {
    actorUserId: input.actorUserId ?? null,
    action: `application.fcfs_${decision.outcome}`,
    entityType: 'application',
    entityId: applicant.id,
    before: { status: applicant.status },
    after: values,
  })
  return { outcome: decision.outcome, reason: decision.reason, position }
}

export interface FcfsState {
  grantCount: number
  grantAmountPence: number
  allocated: number
  remaining: number
  /** Every region with an allocation, largest first, with its cap (null when uncapped). */
  byRegion: { region: string; allocated: number; cap: number | null }[]
  priorityAllocated: number
  priorityReserve: number
  waitlisted: number
  refused: number
  /** True when every grant is allocated: new submissions join the waiting list. */
  exhausted: boolean
}

export const GRANTS_EXHAUSTED_MESSAGE = 'All grants have been allocated; new applications join the waiting list'

/** Where a first-come-first-served round stands (for its public page and the fund manager's list); null if not FCFS. */
export async function fcfsState(db: Db, roundId: number): Promise<FcfsState | null> {
  const round = await db.selectFrom('rounds').select(['allocation_method', 'rules']).where('id', '=', roundId).executeTakeFirst()
  if (!round) throw new NotFoundError('round')
  const rules = fcfsRulesOf(round)
  if (!rules) return null
  const limits = fcfsLimits(rules)
  const [tally, others] = await Promise.all([
    loadTally(db, roundId),
    db
      .selectFrom('applications')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('round_id', '=', roundId)
      .where('status', 'in', ['waitlisted', 'refused'])
      .groupBy('status')
      .execute(),
  ])
  const count = (status: string) => Number(others.find((o) => o.status === status)?.n ?? 0)
  return {
    grantCount: rules.grantCount,
    grantAmountPence: rules.grantAmountPence,
    allocated: tally.allocated,
    remaining: Math.max(0, rules.grantCount - tally.allocated),
    byRegion: Object.entries(tally.byRegion)
      .map(([region, allocated]) => ({ region, allocated, cap: limits.regionCap }))
      .sort((a, b) => b.allocated - a.allocated || a.region.localeCompare(b.region)),
    priorityAllocated: tally.priorityAllocated,
    priorityReserve: limits.priorityReserve,
    waitlisted: count('waitlisted'),
    refused: count('refused'),
    exhausted: tally.allocated >= rules.grantCount,
  }
}

/** "All grants have been allocated; new applications join the waiting list", or null while grants remain. */
export function fcfsStatusMessage(state: FcfsState | null): string | null {
  return state?.exhausted ? GRANTS_EXHAUSTED_MESSAGE : null
}

// ---------------------------------------------------------------------------------------------------------------------
// The organisation's answer the priority reserve reads.

/**
 * Records whether an organisation is led by or mainly serves a priority community (the FCFS priority reserve counts
 * these). Only its organisation admins may change it; the change is audited.
 */
export async function setPriorityCommunity(trx: Transaction<DB>, actor: { userId: number }, input: { organisationId: number; priorityCommunity: boolean }) {
  const organisation = await trx
    .selectFrom('organisations')
    .innerJoin('memberships', (join) =>
      join.onRef('memberships.organisation_id', '=', 'organisations.id').on('memberships.user_id', '=', actor.userId).on('memberships.role', '=', 'admin'),
    )
    .select(['organisations.id', 'organisations.priority_community'])
    .where('organisations.id', '=', input.organisationId)
    .executeTakeFirst()
  if (!organisation) throw new NotFoundError('organisation')
  const value = input.priorityCommunity ? 1 : 0
  if (organisation.priority_community === value) return
  await trx.updateTable('organisations').set({ priority_community: value, updated_at: new Date().toISOString() }).where('id', '=', organisation.id).execute()
  await recordAudit(trx, {
    actorUserId: actor.userId,
    action: 'organisation.priority_community_changed',
    entityType: 'organisation',
    entityId: organisation.id,
    before: { priority_community: organisation.priority_community },
    after: { priority_community: value },
  })
}
