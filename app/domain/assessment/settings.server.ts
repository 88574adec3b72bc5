/**
 * A round's assessment settings (rounds columns, ADR 0009): assessors per bid, blind review, hidden peer scores,
 * required comments, the disagreement threshold and the decline reasons (the fund manager's), and normalisation
 * (the panel chair's switch). Every change is audited.
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { AssessmentSettingsFormSchema, type AssessmentSettings, type AssessmentSettingsInput } from './assessment-settings.ts'

/** A setting breaks a rule; names the form field. */
export class AssessmentSettingsInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'assessment_settings_input', status: 400, field })
  }
}

const COLUMNS = ['assessors_per_bid', 'blind_review', 'hide_peer_scores', 'comments_required', 'disagreement_threshold', 'normalise_scores', 'decline_reasons'] as const

function parseReasons(json: string): string[] {
  const parsed: unknown = JSON.parse(json || '[]')
  return Array.isArray(parsed) ? parsed.filter((r): r is string => typeof r === 'string') : []
}

export async function getAssessmentSettings(db: Db, roundId: number): Promise<AssessmentSettings> {
  const row = await db.selectFrom('rounds').select(COLUMNS).where('id', '=', roundId).executeTakeFirst()
  if (!row) throw new NotFoundError('round')
  return {
    assessorsPerBid: row.assessors_per_bid,
    blindReview: row.blind_review === 1,
    hidePeerScores: row.hide_peer_scores === 1,
    commentsRequired: row.comments_required === 1,
    disagreementThreshold: row.disagreement_threshold,
    normaliseScores: row.normalise_scores === 1,
    declineReasons: parseReasons(row.decline_reasons),
  }
}

/** Saves the fund manager's settings (not normalisation). */
export async function updateAssessmentSettings(trx: Transaction<DB>, actorUserId: number | null, roundId: number, input: AssessmentSettingsInput): Promise<AssessmentSettings> {
  const result = AssessmentSettingsFormSchema.safeParse({ ...input, declineReasons: input.declineReasons.join('\n') })
  if (!result.success) {
    const issue = result.error.issues[0]!
    throw new AssessmentSettingsInputError(String(issue.path[0] ?? 'assessorsPerBid'), issue.message)
  }
  const before = await getAssessmentSettings(trx, roundId)
  await trx
    .updateTable('rounds')
    .set({
      assessors_per_bid: input.assessorsPerBid,
      blind_review: input.blindReview ? 1 : 0,
      hide_peer_scores: input.hidePeerScores ? 1 : 0,
      comments_required: input.commentsRequired ? 1 : 0,
      disagreement_threshold: input.disagreementThreshold,
      decline_reasons: JSON.stringify(input.declineReasons.map((r) => r.trim()).filter(Boolean)),
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', roundId)
    .execute()
  const after = await getAssessmentSettings(trx, roundId)
  await recordAudit(trx, { actorUserId, action: 'round.assessment_settings_changed', entityType: 'round', entityId: roundId, before, after })
  return after
}

/** The chair's switch: rank by normalised (z-) scores as well as raw moderated totals. */
export async function setNormalisation(trx: Transaction<DB>, actorUserId: number | null, roundId: number, on: boolean): Promise<void> {
  const before = await getAssessmentSettings(trx, roundId)
  if (before.normaliseScores === on) return
  await trx.updateTable('rounds').set({ normalise_scores: on ? 1 : 0, updated_at: new Date().toISOString() }).where('id', '=', roundId).execute()
  await recordAudit(trx, { actorUserId, action: on ? 'round.normalisation_on' : 'round.normalisation_off', entityType: 'round', entityId: roundId, before: { normaliseScores: before.normaliseScores }, after: { normaliseScores: on } })
}
