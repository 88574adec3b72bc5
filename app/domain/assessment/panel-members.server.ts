/**
 * Who sits on a round's assessment panel (`round_assessors`, one or more chairs) and which places each assessor knows
 * (`assessor_places`, used to prefer local knowledge when bids are assigned). Only people holding the assessor or
 * panel chair role can sit on a panel; a chair must hold the panel chair role.
 * See docs/decisions/0009-assessment-and-panels.md.
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'

export interface Actor {
  id: number
}

/** A panel change the form should have caught, next to its field. */
export class PanelInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'panel_input', status: 400, field })
  }
}

const PANEL_ROLES = ['assessor', 'panel_chair'] as const

async function rolesOf(db: Db, userId: number): Promise<string[]> {
  const rows = await db.selectFrom('user_roles').select('role').where('user_id', '=', userId).execute()
  return rows.map((r) => r.role)
}

async function personOf(db: Db, userId: number): Promise<{ id: number; name: string }> {
  const user = await db.selectFrom('users').select(['id', 'name']).where('id', '=', userId).where('anonymised_at', 'is', null).executeTakeFirst()
  if (!user) throw new PanelInputError('userId', 'Select a person to put on the panel')
  return user
}

async function assertRoundExists(db: Db, roundId: number): Promise<void> {
  const round = await db.selectFrom('rounds').select('id').where('id', '=', roundId).executeTakeFirst()
  if (!round) throw new NotFoundError('round')
}

/**
 * Puts an assessor (or a chair) on the round's panel; a member already on it has their chair flag changed.
 * Refuses people without the assessor or panel chair role (400) and a repeat of the same membership (409). Audited.
 */
export async function addAssessorToRound(trx: Transaction<DB>, actor: Actor, input: { roundId: number; userId: number; isChair: boolean }): Promise<void> {
  await assertRoundExists(trx, input.roundId)
  const person = await personOf(trx, input.userId)
  const roles = await rolesOf(trx, input.userId)
  if (!roles.some((r) => (PANEL_ROLES as readonly string[]).includes(r))) {
    throw new PanelInputError('userId', `${person.name} does not have the assessor or panel chair role: an administrator can grant it`)
  }
  if (input.isChair && !roles.includes('panel_chair')) throw new PanelInputError('role', `${person.name} does not have the panel chair role, so cannot chair the panel`)
  const existing = await trx.selectFrom('round_assessors').select(['id', 'is_chair']).where('round_id', '=', input.roundId).where('user_id', '=', input.userId).executeTakeFirst()
  const isChair = input.isChair ? 1 : 0
  if (existing && existing.is_chair === isChair) throw new ConflictError(`${person.name} is already on this round’s panel`, 'already_on_panel')
  if (existing) {
    await trx.updateTable('round_assessors').set({ is_chair: isChair }).where('id', '=', existing.id).execute()
  } else {
    await trx.insertInto('round_assessors').values({ round_id: input.roundId, user_id: input.userId, is_chair: isChair, added_by: actor.id }).execute()
  }
  await recordAudit(trx, {
    actorUserId: actor.id,
    action: existing ? 'panel.member_changed' : 'panel.member_added',
    entityType: 'round',
    entityId: input.roundId,
    before: existing ? { userId: input.userId, isChair: existing.is_chair === 1 } : undefined,
    after: { userId: input.userId, isChair: input.isChair },
  })
}

/**
 * Takes someone off the round's panel, with the bids they were given but have not scored. Refused (409) once they have
 * submitted scores for a bid in the round: those scores count, so the panel member stays on record. Declared conflicts
 * stay on record too (they are listed in the panel minutes). Audited.
 */
export async function removeAssessorFromRound(trx: Transaction<DB>, actor: Actor, input: { roundId: number; userId: number }): Promise<{ unassigned: number }> {
  const member = await trx.selectFrom('round_assessors').select(['id', 'is_chair']).where('round_id', '=', input.roundId).where('user_id', '=', input.userId).executeTakeFirst()
  if (!member) throw new NotFoundError('panel member')
  const person = await personOf(trx, input.userId)
  const theirs = await trx
    .selectFrom('assessments')
    .innerJoin('applications', 'applications.id', 'assessments.application_id')
    .select(['assessments.id', 'assessments.status'])
    .where('applications.round_id', '=', input.roundId)
    .where('assessments.assessor_user_id', '=', input.userId)
    .execute()
  if (theirs.some((a) => a.status === 'submitted')) {
    throw new ConflictError(`${person.name} has submitted scores in this round, so cannot be taken off the panel`, 'assessor_has_scores')
  }
  const unscored = theirs.filter((a) => a.status === 'assigned' || a.status === 'draft').map((a) => a.id)
  if (unscored.length > 0) {
    await trx.deleteFrom('criterion_scores').where('assessment_id', 'in', unscored).execute()
    await trx.deleteFrom('assessments').where('id', 'in', unscored).execute()
  }
  await trx.deleteFrom('round_assessors').where('id', '=', member.id).execute()
  await recordAudit(trx, {
    actorUserId: actor.id,
    action: 'panel.member_removed',
    entityType: 'round',
    entityId: input.roundId,
    before: { userId: input.userId, isChair: member.is_chair === 1, unassignedAssessmentIds: unscored },
  })
  return { unassigned: unscored.length }
}

export interface PanelMember {
  userId: number
  name: string
  email: string
  isChair: boolean
  /** Bids given to them in this round, by where they are: not started, in progress, submitted, conflict declared. */
  workload: { assigned: number; draft: number; submitted: number; conflict: number; total: number }
  places: { id: number; name: string }[]
}

/** The round's panel, chairs first, with each member's workload in the round and the places they know. */
export async function listRoundAssessors(db: Db, roundId: number): Promise<PanelMember[]> {
  const members = await db
    .selectFrom('round_assessors')
    .innerJoin('users', 'users.id', 'round_assessors.user_id')
    .select(['users.id', 'users.name', 'users.email', 'round_assessors.is_chair'])
    .where('round_assessors.round_id', '=', roundId)
    .orderBy('round_assessors.is_chair', 'desc')
    .orderBy('users.name')
    .orderBy('users.id')
    .execute()
  if (members.length === 0) return []
  const ids = members.map((m) => m.id)
  const [counts, places] = await Promise.all([
    db
      .selectFrom('assessments')
      .innerJoin('applications', 'applications.id', 'assessments.application_id')
      .select(['assessments.assessor_user_id', 'assessments.status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('applications.round_id', '=', roundId)
      .where('assessments.assessor_user_id', 'in', ids)
      .groupBy(['assessments.assessor_user_id', 'assessments.status'])
      .execute(),
    db
      .selectFrom('assessor_places')
      .innerJoin('places', 'places.id', 'assessor_places.place_id')
      .select(['assessor_places.user_id', 'places.id', 'places.name'])
      .where('assessor_places.user_id', 'in', ids)
      .orderBy('places.name')
      .execute(),
  ])
  return members.map((m) => {
    const workload = { assigned: 0, draft: 0, submitted: 0, conflict: 0, total: 0 }
    for (const c of counts) {
      if (c.assessor_user_id !== m.id) continue
      const n = Number(c.n)
      workload[c.status] += n
      if (c.status !== 'conflict') workload.total += n
    }
    return {
      userId: m.id,
      name: m.name,
      email: m.email,
      isChair: m.is_chair === 1,
      workload,
      places: places.filter((p) => p.user_id === m.id).map((p) => ({ id: p.id, name: p.name })),
    }
  })
}

/** People who could join the round's panel: holders of the assessor or panel chair role not on it yet. */
export async function listPanelCandidates(db: Db, roundId: number): Promise<{ userId: number; name: string; email: string; canChair: boolean }[]> {
  const rows = await db
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select(['users.id', 'users.name', 'users.email', 'user_roles.role'])
    .where('user_roles.role', 'in', [...PANEL_ROLES])
    .where('users.anonymised_at', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('round_assessors').select('round_assessors.id').whereRef('round_assessors.user_id', '=', 'users.id').where('round_assessors.round_id', '=', roundId))),
    )
    .orderBy('users.name')
    .orderBy('users.id')
    .execute()
  const byUser = new Map<number, { userId: number; name: string; email: string; canChair: boolean }>()
  for (const r of rows) {
    const entry = byUser.get(r.id) ?? { userId: r.id, name: r.name, email: r.email, canChair: false }
    if (r.role === 'panel_chair') entry.canChair = true
    byUser.set(r.id, entry)
  }
  return [...byUser.values()]
}

/**
 * Sets the places (integrated care boards) an assessor knows, replacing what was there. Only for assessors and chairs;
 * every place must exist. Audited with the before and after.
 */
export async function setAssessorPlaces(trx: Transaction<DB>, actor: Actor, input: { userId: number; placeIds: number[] }): Promise<void> {
  const person = await personOf(trx, input.userId)
  const roles = await rolesOf(trx, input.userId)
  if (!roles.some((r) => (PANEL_ROLES as readonly string[]).includes(r))) throw new PanelInputError('userId', `${person.name} is not an assessor`)
  const wanted = [...new Set(input.placeIds)].sort((a, b) => a - b)
  if (wanted.length > 0) {
    const found = await trx.selectFrom('places').select('id').where('id', 'in', wanted).execute()
    if (found.length !== wanted.length) throw new PanelInputError('placeIds', 'Choose places from the list')
  }
  const before = (await trx.selectFrom('assessor_places').select('place_id').where('user_id', '=', input.userId).orderBy('place_id').execute()).map((r) => r.place_id)
  await trx.deleteFrom('assessor_places').where('user_id', '=', input.userId).execute()
  if (wanted.length > 0) await trx.insertInto('assessor_places').values(wanted.map((placeId) => ({ user_id: input.userId, place_id: placeId }))).execute()
  await recordAudit(trx, { actorUserId: actor.id, action: 'assessor.places_set', entityType: 'user', entityId: input.userId, before: { placeIds: before }, after: { placeIds: wanted } })
}
