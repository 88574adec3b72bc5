/**
 * Eligibility screening by fund managers: an automatic result computed from the round's rules (the same check an
 * applicant passes before starting, judged at the moment the application was submitted), and a manual override with
 * the reason for it, which is required and audited. The override wins wherever a result is shown or filtered on.
 *
 * The round's own eligibility questions are not judged again: an application only exists if its answers to them
 * passed when it was started. The rules the system checks by itself (organisation type, places, the round's window)
 * may have changed since, and are.
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { getRound } from '~/domain/funds/rounds.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { checkEligibility } from './eligibility.server.ts'

export { SCREENING_LABELS, SCREENING_RESULTS, type ScreeningResult } from './screening-labels.ts'
import { SCREENING_RESULTS, type ScreeningResult } from './screening-labels.ts'

/** A screening value the form should have caught; names its field. */
export class ScreeningInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'screening_input', status: 400, field })
  }
}

/** The result that counts: the fund manager's override when there is one, otherwise the automatic result. */
export function effectiveScreening(row: { screening_result: string | null; screening_override: string | null }): ScreeningResult | null {
  return (row.screening_override ?? row.screening_result) as ScreeningResult | null
}

export interface AutomaticScreening {
  result: ScreeningResult
  /** Why not, in plain English (empty when eligible). */
  reasons: string[]
}

async function loadForScreening(db: Db, applicationId: number) {
  const application = await db
    .selectFrom('applications')
    .select(['id', 'round_id', 'organisation_id', 'status', 'submitted_at', 'created_at', 'screening_result', 'screening_override', 'screening_reason'])
    .where('id', '=', applicationId)
    .executeTakeFirst()
  if (!application) throw new NotFoundError('application')
  return application
}

/** What the round's rules say about the application, as things stood when it was submitted. */
export async function automaticScreening(db: Db, applicationId: number): Promise<AutomaticScreening> {
  const application = await loadForScreening(db, applicationId)
  const current = await getRound(db, application.round_id)
  const at = new Date(application.submitted_at ?? application.created_at)
  // A bid that arrived while the round was open stays eligible after the round is closed or decided: the round was
  // published when it was submitted, and its window (opens/closes) is checked against the submission time.
  const round = current.status === 'closed' || current.status === 'decided' ? { ...current, status: 'published' as const } : current
  const check = await checkEligibility(db, { round, organisationId: application.organisation_id, answers: {}, now: at })
  const reasons = check.reasons.filter((r) => r.field === undefined).map((r) => r.message)
  if (application.status === 'refused') reasons.push('It was refused when it was submitted (first come, first served).')
  return { result: reasons.length === 0 ? 'eligible' : 'ineligible', reasons }
}

/**
 * Screens every application in the round that has arrived and not been screened yet, storing the automatic result.
 * Returns how many were screened.
 */
export async function screenNewApplications(trx: Transaction<DB>, actorUserId: number, input: { roundId: number; now: Date }): Promise<number> {
  const waiting = await trx
    .selectFrom('applications')
    .select('id')
    .where('round_id', '=', input.roundId)
    .where('status', '!=', 'draft')
    .where('screening_result', 'is', null)
    .orderBy('id')
    .execute()
  for (const { id } of waiting) {
    const { result, reasons } = await automaticScreening(trx, id)
    await trx.updateTable('applications').set({ screening_result: result, updated_at: input.now.toISOString() }).where('id', '=', id).execute()
    await recordAudit(trx, { actorUserId, action: 'application.screened', entityType: 'application', entityId: id, after: { screening_result: result, reasons } })
  }
  return waiting.length
}

export interface OverrideScreeningInput {
  applicationId: number
  result: ScreeningResult
  reason: string
  now: Date
}

/** Records a fund manager's screening decision over the automatic one, with the reason for it (required). */
export async function overrideScreening(trx: Transaction<DB>, actorUserId: number, input: OverrideScreeningInput): Promise<void> {
  const reason = input.reason.trim()
  if (!reason) throw new ScreeningInputError('reason', 'Enter the reason for your screening decision')
  if (!(SCREENING_RESULTS as readonly string[]).includes(input.result)) throw new ScreeningInputError('result', 'Select eligible or not eligible')
  const application = await loadForScreening(trx, input.applicationId)
  if (application.status === 'draft') throw new NotFoundError('application')
  const automatic = application.screening_result ?? (await automaticScreening(trx, application.id)).result
  const values = {
    screening_result: automatic,
    screening_override: input.result,
    screening_reason: reason,
    screened_by: actorUserId,
    screened_at: input.now.toISOString(),
    updated_at: input.now.toISOString(),
  }
  await trx.updateTable('applications').set(values).where('id', '=', application.id).execute()
  await recordAudit(trx, {
    actorUserId,
    action: 'application.screening_overridden',
    entityType: 'application',
    entityId: application.id,
    before: { screening_result: application.screening_result, screening_override: application.screening_override, screening_reason: application.screening_reason },
    after: values,
  })
}

export interface ScreeningView {
  automatic: AutomaticScreening
  storedResult: ScreeningResult | null
  override: ScreeningResult | null
  reason: string | null
  screenedBy: string | null
  screenedAt: string | null
  effective: ScreeningResult
}

/** The screening panel of the application page: the live automatic result, and any override with who made it. */
export async function screeningView(db: Db, applicationId: number): Promise<ScreeningView> {
  const [automatic, row] = await Promise.all([
    automaticScreening(db, applicationId),
    db
      .selectFrom('applications')
      .leftJoin('users', 'users.id', 'applications.screened_by')
      .select(['applications.screening_result', 'applications.screening_override', 'applications.screening_reason', 'applications.screened_at', 'users.name as screened_by_name'])
      .where('applications.id', '=', applicationId)
      .executeTakeFirstOrThrow(),
  ])
  const override = row.screening_override as ScreeningResult | null
  return {
    automatic,
    storedResult: row.screening_result as ScreeningResult | null,
    override,
    reason: row.screening_reason,
    screenedBy: row.screened_by_name,
    screenedAt: row.screened_at,
    effective: override ?? automatic.result,
  }
}
