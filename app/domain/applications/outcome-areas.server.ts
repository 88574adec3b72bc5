/**
 * The outcome areas a bid works towards, confirmed by a fund manager. Ring-fences such as "health and wellbeing
 * outcomes only" are checked against them (app/domain/budgets/ring-fence.ts), by the panel's optimiser and when an
 * award is committed to a pot.
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { OUTCOME_AREAS, type OutcomeArea } from '~/domain/budgets/ring-fence.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'

export class OutcomeAreasInputError extends DomainError {
  constructor(message: string) {
    super(message, { code: 'outcome_areas_invalid', status: 400, field: 'outcomeAreas' })
  }
}

/** Reads the stored JSON list, keeping only known codes, in the order OUTCOME_AREAS lists them. */
export function parseOutcomeAreas(json: string | null | undefined): OutcomeArea[] {
  let value: unknown
  try {
    value = JSON.parse(json ?? '[]')
  } catch {
    return []
  }
  if (!Array.isArray(value)) return []
  return OUTCOME_AREAS.filter((area) => value.includes(area))
}

export async function outcomeAreasOf(db: Db, applicationId: number): Promise<OutcomeArea[]> {
  const row = await db.selectFrom('applications').select('outcome_areas').where('id', '=', applicationId).executeTakeFirst()
  if (!row) throw new NotFoundError('application')
  return parseOutcomeAreas(row.outcome_areas)
}

/** Replaces a submitted bid's outcome areas (none is allowed: it then fits no outcome ring-fence). Audited. */
export async function setOutcomeAreas(trx: Transaction<DB>, actorUserId: number, input: { applicationId: number; outcomeAreas: readonly string[] }): Promise<OutcomeArea[]> {
  const unknown = input.outcomeAreas.filter((a) => !(OUTCOME_AREAS as readonly string[]).includes(a))
  if (unknown.length > 0) throw new OutcomeAreasInputError('Choose outcome areas from the list')
  const row = await trx.selectFrom('applications').select(['id', 'status', 'outcome_areas']).where('id', '=', input.applicationId).executeTakeFirst()
  if (!row || row.status === 'draft') throw new NotFoundError('application')
  const areas = OUTCOME_AREAS.filter((a) => input.outcomeAreas.includes(a))
  const before = parseOutcomeAreas(row.outcome_areas)
  if (before.join() === areas.join()) return areas
  await trx.updateTable('applications').set({ outcome_areas: JSON.stringify(areas), updated_at: new Date().toISOString() }).where('id', '=', row.id).execute()
  await recordAudit(trx, { actorUserId, action: 'application.outcome_areas_set', entityType: 'application', entityId: row.id, before: { outcome_areas: before }, after: { outcome_areas: areas } })
  return areas
}
