/**
 * Giving bids to assessors (docs/decisions/0009-assessment-and-panels.md): by hand, or automatically so that each
 * eligible bid has the round's `assessors_per_bid`, with the workload balanced (fewest current assignments first, ties
 * by user id, so the same data always gives the same assignments), never to a member of the bid's organisation, never
 * to an assessor who has declared a conflict on it, and, when asked, preferring assessors who know the bid's place.
 *
 * Eligible bids: submitted applications in the round that screening has not found ineligible. Every panel member,
 * chairs included, can be given bids. An assignment starts `assigned`: the assessor confirms they have no conflict
 * before they see the bid (conflicts.server.ts).
 */
import { sql, type Transaction } from 'kysely'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'

export interface Actor {
  id: number
}

export class AssignmentInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'assignment_input', status: 400, field })
  }
}

interface EligibleBid {
  id: number
  reference: string
  organisationId: number
  placeId: number | null
}

/** A bid's screening result that counts: the fund manager's override, else the automatic result (unscreened counts). */
const ELIGIBLE = sql<string>`coalesce(applications.screening_override, applications.screening_result, 'eligible')`

/** Submitted bids of the round that screening has not ruled out, by id. */
export async function eligibleBids(db: Db, roundId: number): Promise<EligibleBid[]> {
  const rows = await db
    .selectFrom('applications')
    .select(['id', 'reference', 'organisation_id', 'place_id'])
    .where('round_id', '=', roundId)
    .where('status', '=', 'submitted')
    .where(ELIGIBLE, '!=', 'ineligible')
    .orderBy('id')
    .execute()
  return rows.map((r) => ({ id: r.id, reference: r.reference, organisationId: r.organisation_id, placeId: r.place_id }))
}

async function bidForAssignment(db: Db, applicationId: number) {
  const bid = await db
    .selectFrom('applications')
    .select(['id', 'reference', 'round_id', 'organisation_id', 'status', 'screening_result', 'screening_override'])
    .where('id', '=', applicationId)
    .executeTakeFirst()
  if (!bid) throw new NotFoundError('bid')
  return bid
}

/**
 * Gives one bid to one assessor of the round's panel. Refused: a bid not submitted or screened ineligible (409), an
 * assessor not on the panel or a member of the bid's organisation (400), an assessor already on the bid or with a
 * declared conflict on it (409). Audited.
 */
export async function assignByHand(trx: Transaction<DB>, actor: Actor, input: { applicationId: number; assessorUserId: number; roundId?: number }): Promise<{ assessmentId: number }> {
  const bid = await bidForAssignment(trx, input.applicationId)
  if (input.roundId !== undefined && bid.round_id !== input.roundId) throw new NotFoundError('bid')
  if (bid.status !== 'submitted' || (bid.screening_override ?? bid.screening_result) === 'ineligible') {
    throw new ConflictError(`${bid.reference} is not a submitted, eligible bid, so it cannot be assessed`, 'bid_not_assessable')
  }
  const assessor = await trx
    .selectFrom('round_assessors')
    .innerJoin('users', 'users.id', 'round_assessors.user_id')
    .select(['users.id', 'users.name'])
    .where('round_assessors.round_id', '=', bid.round_id)
    .where('round_assessors.user_id', '=', input.assessorUserId)
    .executeTakeFirst()
  if (!assessor) throw new AssignmentInputError('assessorUserId', 'Choose an assessor on this round’s panel')
  const member = await trx.selectFrom('memberships').select('id').where('user_id', '=', assessor.id).where('organisation_id', '=', bid.organisation_id).executeTakeFirst()
  if (member) throw new AssignmentInputError('assessorUserId', `${assessor.name} is a member of the organisation that made this bid, so cannot assess it`)
  const existing = await trx.selectFrom('assessments').select('status').where('application_id', '=', bid.id).where('assessor_user_id', '=', assessor.id).executeTakeFirst()
  if (existing?.status === 'conflict') throw new ConflictError(`${assessor.name} has declared a conflict of interest on ${bid.reference}`, 'assessor_conflicted')
  if (existing) throw new ConflictError(`${assessor.name} is already assessing ${bid.reference}`, 'already_assigned')
  const now = new Date().toISOString()
  const row = await trx
    .insertInto('assessments')
    .values({ application_id: bid.id, assessor_user_id: assessor.id, status: 'assigned', assigned_by: actor.id, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(trx, {
    actorUserId: actor.id,
    action: 'assessment.assigned',
    entityType: 'assessment',
    entityId: row.id,
    after: { applicationId: bid.id, assessorUserId: assessor.id, how: 'by hand' },
  })
  return { assessmentId: row.id }
}

/**
 * Takes a bid back from an assessor who has not submitted scores (their draft scores go with it); with roundId, only
 * an assignment in that round. Audited.
 */
export async function unassign(trx: Transaction<DB>, actor: Actor, input: { assessmentId: number; roundId?: number }): Promise<void> {
  const assessment = await trx
    .selectFrom('assessments')
    .innerJoin('applications', 'applications.id', 'assessments.application_id')
    .select(['assessments.id', 'assessments.application_id', 'assessments.assessor_user_id', 'assessments.status', 'applications.round_id'])
    .where('assessments.id', '=', input.assessmentId)
    .executeTakeFirst()
  if (!assessment || (input.roundId !== undefined && assessment.round_id !== input.roundId)) throw new NotFoundError('assignment')
  if (assessment.status === 'submitted') throw new ConflictError('The assessor has submitted scores for this bid, so it cannot be taken back', 'assessment_submitted')
  if (assessment.status === 'conflict') throw new ConflictError('A declared conflict of interest stays on record, so it cannot be removed', 'assessment_conflict')
  await trx.deleteFrom('criterion_scores').where('assessment_id', '=', assessment.id).execute()
  await trx.deleteFrom('assessments').where('id', '=', assessment.id).execute()
  await recordAudit(trx, {
    actorUserId: actor.id,
    action: 'assessment.unassigned',
    entityType: 'assessment',
    entityId: assessment.id,
    before: { applicationId: assessment.application_id, assessorUserId: assessment.assessor_user_id, status: assessment.status },
  })
}

export interface Shortfall {
  applicationId: number
  reference: string
  needed: number
  reason: string
}

export interface AutoAssignResult {
  created: { assessmentId: number; applicationId: number; assessorUserId: number }[]
  shortfalls: Shortfall[]
}

/** What autoAssign needs to know, so the choice itself is a pure function (tested with fast-check). */
export interface AssignmentProblem {
  perBid: number
  preferPlaceKnowledge: boolean
  bids: EligibleBid[]
  /** Panel members' user ids. */
  assessors: number[]
  /** Existing assessments of these bids (any status: a conflict blocks, the others count towards the bid's total). */
  existing: { applicationId: number; assessorUserId: number; status: string }[]
  /** Which organisations each assessor is a member of. */
  memberships: { userId: number; organisationId: number }[]
  /** Which places each assessor knows. */
  knownPlaces: { userId: number; placeId: number }[]
}

/**
 * Chooses new assignments: for each bid in id order, while it has fewer than `perBid` active (not conflict)
 * assessments, the candidate who knows the bid's place (when preferred), then with the fewest current assignments in
 * the round, then with the lowest id. Candidates exclude anyone already on the bid (in any status, so a declared
 * conflict is never re-assigned) and members of the bid's organisation.
 */
export function chooseAssignments(problem: AssignmentProblem): { picks: { applicationId: number; assessorUserId: number }[]; shortfalls: Shortfall[] } {
  const workload = new Map<number, number>(problem.assessors.map((id) => [id, 0]))
  const onBid = new Map<number, Set<number>>()
  const active = new Map<number, number>()
  for (const e of problem.existing) {
    onBid.set(e.applicationId, (onBid.get(e.applicationId) ?? new Set()).add(e.assessorUserId))
    if (e.status === 'conflict') continue
    active.set(e.applicationId, (active.get(e.applicationId) ?? 0) + 1)
    if (workload.has(e.assessorUserId)) workload.set(e.assessorUserId, workload.get(e.assessorUserId)! + 1)
  }
  const orgsOf = new Map<number, Set<number>>()
  for (const m of problem.memberships) orgsOf.set(m.userId, (orgsOf.get(m.userId) ?? new Set()).add(m.organisationId))
  const placesOf = new Map<number, Set<number>>()
  for (const k of problem.knownPlaces) placesOf.set(k.userId, (placesOf.get(k.userId) ?? new Set()).add(k.placeId))

  const picks: { applicationId: number; assessorUserId: number }[] = []
  const shortfalls: Shortfall[] = []
  for (const bid of problem.bids) {
    const taken = onBid.get(bid.id) ?? new Set<number>()
    let needed = problem.perBid - (active.get(bid.id) ?? 0)
    if (needed <= 0) continue
    const knows = (id: number) => (problem.preferPlaceKnowledge && bid.placeId !== null && placesOf.get(id)?.has(bid.placeId) ? 0 : 1)
    const ownOrganisation = problem.assessors.filter((id) => orgsOf.get(id)?.has(bid.organisationId))
    const conflicted = problem.existing.filter((e) => e.applicationId === bid.id && e.status === 'conflict').length
    while (needed > 0) {
      const candidates = problem.assessors
        .filter((id) => !taken.has(id) && !orgsOf.get(id)?.has(bid.organisationId))
        .sort((a, b) => knows(a) - knows(b) || workload.get(a)! - workload.get(b)! || a - b)
      const chosen = candidates[0]
      if (chosen === undefined) break
      picks.push({ applicationId: bid.id, assessorUserId: chosen })
      taken.add(chosen)
      workload.set(chosen, workload.get(chosen)! + 1)
      needed--
    }
    if (needed > 0) {
      const reasons: string[] = []
      if (problem.assessors.length === 0) reasons.push('nobody is on the panel yet')
      else reasons.push(`the panel has ${problem.assessors.length} ${problem.assessors.length === 1 ? 'member' : 'members'}`)
      if (ownOrganisation.length > 0) reasons.push(`${ownOrganisation.length} ${ownOrganisation.length === 1 ? 'is a member' : 'are members'} of the organisation`)
      if (conflicted > 0) reasons.push(`${conflicted} declared a conflict of interest`)
      shortfalls.push({ applicationId: bid.id, reference: bid.reference, needed, reason: `Not enough assessors: ${reasons.join(', ')}. Add people to the panel.` })
    }
  }
  return { picks, shortfalls }
}

/**
 * Tops every eligible bid of the round up to the round's assessors per bid (see chooseAssignments) and records the
 * new assignments; bids that cannot be filled are returned as shortfalls with the reason. Audited as one event.
 */
export async function autoAssign(trx: Transaction<DB>, actor: Actor, input: { roundId: number; preferPlaceKnowledge: boolean }): Promise<AutoAssignResult> {
  // One automatic assignment of a round at a time (PostgreSQL row lock; SQLite write transactions are serialised).
  let roundQuery = trx.selectFrom('rounds').select(['id', 'assessors_per_bid']).where('id', '=', input.roundId)
  if (engineOf(trx) === 'postgres') roundQuery = roundQuery.forUpdate()
  const round = await roundQuery.executeTakeFirst()
  if (!round) throw new NotFoundError('round')
  const bids = await eligibleBids(trx, round.id)
  const assessors = (await trx.selectFrom('round_assessors').select('user_id').where('round_id', '=', round.id).orderBy('user_id').execute()).map((r) => r.user_id)
  const existing = await trx
    .selectFrom('assessments')
    .innerJoin('applications', 'applications.id', 'assessments.application_id')
    .select(['assessments.application_id', 'assessments.assessor_user_id', 'assessments.status'])
    .where('applications.round_id', '=', round.id)
    .execute()
  const memberships = assessors.length ? await trx.selectFrom('memberships').select(['user_id', 'organisation_id']).where('user_id', 'in', assessors).execute() : []
  const knownPlaces = assessors.length ? await trx.selectFrom('assessor_places').select(['user_id', 'place_id']).where('user_id', 'in', assessors).execute() : []
  const { picks, shortfalls } = chooseAssignments({
    perBid: round.assessors_per_bid,
    preferPlaceKnowledge: input.preferPlaceKnowledge,
    bids,
    assessors,
    existing: existing.map((e) => ({ applicationId: e.application_id, assessorUserId: e.assessor_user_id, status: e.status })),
    memberships: memberships.map((m) => ({ userId: m.user_id, organisationId: m.organisation_id })),
    knownPlaces: knownPlaces.map((k) => ({ userId: k.user_id, placeId: k.place_id })),
  })
  const now = new Date().toISOString()
  const created: AutoAssignResult['created'] = []
  for (const pick of picks) {
    const row = await trx
      .insertInto('assessments')
      .values({ application_id: pick.applicationId, assessor_user_id: pick.assessorUserId, status: 'assigned', assigned_by: actor.id, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow()
    created.push({ assessmentId: row.id, ...pick })
  }
  await recordAudit(trx, {
    actorUserId: actor.id,
    action: 'assessment.auto_assigned',
    entityType: 'round',
    entityId: round.id,
    after: { preferPlaceKnowledge: input.preferPlaceKnowledge, assessorsPerBid: round.assessors_per_bid, created, shortfalls },
  })
  return { created, shortfalls }
}

export interface AssignmentRow {
  applicationId: number
  reference: string
  title: string
  organisationName: string
  placeName: string | null
  /** Active (not conflict) assessments still needed to reach the round's assessors per bid. */
  needed: number
  assessments: { id: number; assessorUserId: number; assessorName: string; status: DB['assessments']['status']; conflictType: string | null }[]
}

/** Every eligible bid of the round with its assessors and how many more it needs, for the fund manager's table. */
export async function listAssignments(db: Db, roundId: number): Promise<{ assessorsPerBid: number; rows: AssignmentRow[] }> {
  const round = await db.selectFrom('rounds').select(['id', 'assessors_per_bid']).where('id', '=', roundId).executeTakeFirst()
  if (!round) throw new NotFoundError('round')
  const bids = await db
    .selectFrom('applications')
    .innerJoin('organisations', 'organisations.id', 'applications.organisation_id')
    .leftJoin('places', 'places.id', 'applications.place_id')
    .select(['applications.id', 'applications.reference', 'applications.title', 'organisations.name as organisation_name', 'places.name as place_name'])
    .where('applications.round_id', '=', roundId)
    .where('applications.status', '=', 'submitted')
    .where(ELIGIBLE, '!=', 'ineligible')
    .orderBy('applications.id')
    .execute()
  const assessments = await db
    .selectFrom('assessments')
    .innerJoin('applications', 'applications.id', 'assessments.application_id')
    .innerJoin('users', 'users.id', 'assessments.assessor_user_id')
    .select(['assessments.id', 'assessments.application_id', 'assessments.assessor_user_id', 'assessments.status', 'assessments.conflict_type', 'users.name'])
    .where('applications.round_id', '=', roundId)
    .orderBy('assessments.id')
    .execute()
  return {
    assessorsPerBid: round.assessors_per_bid,
    rows: bids.map((b) => {
      const mine = assessments.filter((a) => a.application_id === b.id)
      return {
        applicationId: b.id,
        reference: b.reference,
        title: b.title,
        organisationName: b.organisation_name,
        placeName: b.place_name,
        needed: Math.max(0, round.assessors_per_bid - mine.filter((a) => a.status !== 'conflict').length),
        assessments: mine.map((a) => ({ id: a.id, assessorUserId: a.assessor_user_id, assessorName: a.name, status: a.status, conflictType: a.conflict_type })),
      }
    }),
  }
}
