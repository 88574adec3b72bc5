/**
 * A round's assessment criteria (ADR 0009): name, guidance for assessors, weight, scale and a descriptor per score, or
 * a pass/fail gateway. Kept in `position` order 1, 2, 3 ... Criteria are fixed once any assessment of the round has
 * been submitted: changing them would change what the submitted scores mean.
 */
import type { Selectable, Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { engineOf } from '../../../db/connect.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import { CriterionFormSchema, criterionFromForm, SCORE_POINTS, type CriterionInput } from './criterion-input.ts'
import { weightShares, type CriterionForScoring } from './scoring.ts'
import { refreshRoundScoreSummaries } from './score-summaries.server.ts'

export interface Criterion extends CriterionForScoring {
  roundId: number
  position: number
  guidance: string
  /** Score -> what it means. */
  descriptors: Record<number, string>
}

/** A criterion's settings break a rule; names the form field. */
export class CriterionInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'criterion_input', status: 400, field })
  }
}

/** Scores have been submitted, so the criteria are fixed. */
export class CriteriaLockedError extends ConflictError {
  constructor() {
    super('Assessors have already submitted scores in this round, so its criteria cannot change: the scores would no longer mean the same thing.', 'criteria_locked')
  }
}

function parseDescriptors(json: string): Record<number, string> {
  const parsed: unknown = JSON.parse(json || '{}')
  const out: Record<number, string> = {}
  if (parsed && typeof parsed === 'object') {
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string' && Number.isInteger(Number(k))) out[Number(k)] = v
  }
  return out
}

function toCriterion(r: Selectable<DB['criteria']>): Criterion {
  return {
    id: r.id,
    roundId: r.round_id,
    position: r.position,
    name: r.name,
    guidance: r.guidance,
    weight: r.weight,
    scaleMin: r.scale_min,
    scaleMax: r.scale_max,
    isGateway: r.is_gateway === 1,
    descriptors: parseDescriptors(r.descriptors),
  }
}

/** A round's criteria in order. */
export async function listCriteria(db: Db, roundId: number): Promise<Criterion[]> {
  const rows = await db.selectFrom('criteria').selectAll().where('round_id', '=', roundId).orderBy('position').orderBy('id').execute()
  return rows.map(toCriterion)
}

/** One criterion of a round (404 when it is not that round's). */
export async function getCriterion(db: Db, roundId: number, criterionId: number): Promise<Criterion> {
  const row = await db.selectFrom('criteria').selectAll().where('id', '=', criterionId).where('round_id', '=', roundId).executeTakeFirst()
  if (!row) throw new NotFoundError('criterion')
  return toCriterion(row)
}

/** True once any assessment of the round has been submitted. */
export async function criteriaLocked(db: Db, roundId: number): Promise<boolean> {
  const row = await db
    .selectFrom('assessments')
    .innerJoin('applications', 'applications.id', 'assessments.application_id')
    .select('assessments.id')
    .where('applications.round_id', '=', roundId)
    .where('assessments.status', '=', 'submitted')
    .limit(1)
    .executeTakeFirst()
  return !!row
}

/** Locks the round (PostgreSQL row lock; SQLite writes are serialised) and refuses once scores are submitted. */
async function assertEditable(trx: Transaction<DB>, roundId: number): Promise<void> {
  let query = trx.selectFrom('rounds').select('id').where('id', '=', roundId)
  if (engineOf(trx) === 'postgres') query = query.forUpdate()
  if (!(await query.executeTakeFirst())) throw new NotFoundError('round')
  if (await criteriaLocked(trx, roundId)) throw new CriteriaLockedError()
}

/** Checks an input with the form's rules; returns it normalised (gateway fixed, descriptors within the scale). */
function checked(input: CriterionInput): CriterionInput {
  const result = CriterionFormSchema.safeParse({
    name: input.name,
    guidance: input.guidance,
    kind: input.isGateway ? 'gateway' : 'scored',
    weight: input.isGateway ? undefined : input.weight,
    scaleMin: input.scaleMin,
    scaleMax: input.scaleMax,
    ...Object.fromEntries(SCORE_POINTS.map((n) => [`descriptor${n}`, input.descriptors[n]])),
  })
  if (!result.success) {
    const issue = result.error.issues[0]!
    throw new CriterionInputError(String(issue.path[0] ?? 'name'), issue.message)
  }
  return criterionFromForm(result.data)
}

function columns(input: CriterionInput) {
  return {
    name: input.name,
    guidance: input.guidance,
    weight: input.weight,
    scale_min: input.scaleMin,
    scale_max: input.scaleMax,
    descriptors: JSON.stringify(input.descriptors),
    is_gateway: input.isGateway ? 1 : 0,
  }
}

function auditView(c: Pick<Criterion, 'name' | 'guidance' | 'weight' | 'scaleMin' | 'scaleMax' | 'isGateway' | 'descriptors'>) {
  return { name: c.name, guidance: c.guidance, weight: c.weight, scaleMin: c.scaleMin, scaleMax: c.scaleMax, isGateway: c.isGateway, descriptors: c.descriptors }
}

/** Adds a criterion at the end of the round's list. */
export async function addCriterion(trx: Transaction<DB>, actorUserId: number | null, roundId: number, input: CriterionInput): Promise<Criterion> {
  const value = checked(input)
  await assertEditable(trx, roundId)
  const last = await trx.selectFrom('criteria').select((eb) => eb.fn.max('position').as('position')).where('round_id', '=', roundId).executeTakeFirst()
  const row = await trx
    .insertInto('criteria')
    .values({ round_id: roundId, position: Number(last?.position ?? 0) + 1, ...columns(value) })
    .returningAll()
    .executeTakeFirstOrThrow()
  const criterion = toCriterion(row)
  await refreshRoundScoreSummaries(trx, roundId)
  await recordAudit(trx, { actorUserId, action: 'criterion.added', entityType: 'criterion', entityId: criterion.id, after: { roundId, ...auditView(criterion) } })
  return criterion
}

/** Changes a criterion's settings. */
export async function updateCriterion(trx: Transaction<DB>, actorUserId: number | null, ref: { roundId: number; criterionId: number }, input: CriterionInput): Promise<Criterion> {
  const value = checked(input)
  const before = await getCriterion(trx, ref.roundId, ref.criterionId)
  await assertEditable(trx, ref.roundId)
  const row = await trx.updateTable('criteria').set(columns(value)).where('id', '=', before.id).returningAll().executeTakeFirstOrThrow()
  const after = toCriterion(row)
  await refreshRoundScoreSummaries(trx, ref.roundId)
  await recordAudit(trx, { actorUserId, action: 'criterion.updated', entityType: 'criterion', entityId: after.id, before: auditView(before), after: auditView(after) })
  return after
}

/** Removes a criterion, with any draft scores and moderations given against it, and closes up the order. */
export async function deleteCriterion(trx: Transaction<DB>, actorUserId: number | null, ref: { roundId: number; criterionId: number }): Promise<void> {
  const before = await getCriterion(trx, ref.roundId, ref.criterionId)
  await assertEditable(trx, ref.roundId)
  const drafts = await trx.deleteFrom('criterion_scores').where('criterion_id', '=', before.id).executeTakeFirst()
  await trx.deleteFrom('moderations').where('criterion_id', '=', before.id).execute()
  await trx.deleteFrom('criteria').where('id', '=', before.id).execute()
  await renumber(trx, ref.roundId)
  await refreshRoundScoreSummaries(trx, ref.roundId)
  await recordAudit(trx, {
    actorUserId,
    action: 'criterion.deleted',
    entityType: 'criterion',
    entityId: before.id,
    before: { roundId: ref.roundId, ...auditView(before), draftScoresRemoved: Number(drafts.numDeletedRows) },
  })
}

/** Moves a criterion one place up or down the list (no change at either end). */
export async function moveCriterion(trx: Transaction<DB>, actorUserId: number | null, ref: { roundId: number; criterionId: number; direction: 'up' | 'down' }): Promise<void> {
  await getCriterion(trx, ref.roundId, ref.criterionId)
  await assertEditable(trx, ref.roundId)
  const list = await listCriteria(trx, ref.roundId)
  const from = list.findIndex((c) => c.id === ref.criterionId)
  const to = ref.direction === 'up' ? from - 1 : from + 1
  if (to < 0 || to >= list.length) return
  const ordered = [...list]
  ;[ordered[from], ordered[to]] = [ordered[to]!, ordered[from]!]
  await writeOrder(trx, list, ordered)
  await recordAudit(trx, {
    actorUserId,
    action: 'criterion.moved',
    entityType: 'criterion',
    entityId: ref.criterionId,
    before: { position: from + 1 },
    after: { position: to + 1, direction: ref.direction },
  })
}

async function renumber(trx: Transaction<DB>, roundId: number): Promise<void> {
  const list = await listCriteria(trx, roundId)
  await writeOrder(trx, list, list)
}

async function writeOrder(trx: Transaction<DB>, current: readonly Criterion[], ordered: readonly Criterion[]): Promise<void> {
  const was = new Map(current.map((c) => [c.id, c.position]))
  for (const [index, c] of ordered.entries()) {
    if (was.get(c.id) !== index + 1) await trx.updateTable('criteria').set({ position: index + 1 }).where('id', '=', c.id).execute()
  }
}

/** What applicants see on the round page: each criterion's share of the score (gateways: must pass). */
export interface PublicCriterion {
  name: string
  guidance: string
  isGateway: boolean
  /** Whole percent of the total weight; the shares add up to 100. Null for a gateway. */
  sharePercent: number | null
}

export function publicCriteria(criteria: readonly Criterion[]): PublicCriterion[] {
  const shares = weightShares(criteria)
  return criteria.map((c) => ({ name: c.name, guidance: c.guidance, isGateway: c.isGateway, sharePercent: c.isGateway ? null : (shares.get(c.id) ?? 0) }))
}
