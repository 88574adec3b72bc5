/**
 * Copying a round: a new draft in the same fund with the earlier round's wording, amounts, stages, allocation method,
 * rules, eligible places, questions (every stage, same order and keys) and assessment criteria, and its own title,
 * web address and dates. The copy remembers where it came from (`copied_from_round_id`).
 */
import { isBefore } from 'date-fns'
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import { createRound, getRound, RoundInputError, type Round } from './rounds.server.ts'

export interface CopyRoundInput {
  fromRoundId: number
  title: string
  /** The new round's web address part; made from the title when not given. */
  slug?: string
  opensAt: string | null
  closesAt: string | null
}

export async function copyRound(trx: Transaction<DB>, actorUserId: number | null, input: CopyRoundInput): Promise<Round> {
  const from = await getRound(trx, input.fromRoundId)
  if (input.opensAt && input.closesAt && !isBefore(input.opensAt, input.closesAt)) {
    throw new RoundInputError('closesDate', 'The closing date must be after the opening date')
  }
  const created = await createRound(trx, actorUserId, { fundId: from.fundId, title: input.title, slug: input.slug })
  await trx
    .updateTable('rounds')
    .set({
      summary: from.summary,
      guidance: from.guidance,
      opens_at: input.opensAt,
      closes_at: input.closesAt,
      budget_pence: from.budgetPence,
      min_grant_pence: from.minGrantPence,
      max_grant_pence: from.maxGrantPence,
      years: from.years,
      stages: from.stages,
      allocation_method: from.allocationMethod,
      rules: JSON.stringify(from.rules),
      copied_from_round_id: from.id,
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', created.id)
    .execute()

  const places = await trx.selectFrom('round_places').select('place_id').where('round_id', '=', from.id).execute()
  for (const p of places) await trx.insertInto('round_places').values({ round_id: created.id, place_id: p.place_id }).execute()

  const questions = await trx
    .selectFrom('questions')
    .select(['stage', 'section', 'position', 'key', 'type', 'label', 'help_text', 'required', 'config'])
    .where('round_id', '=', from.id)
    .orderBy('stage')
    .orderBy('position')
    .execute()
  for (const q of questions) await trx.insertInto('questions').values({ ...q, round_id: created.id }).execute()

  const criteria = await trx
    .selectFrom('criteria')
    .select(['position', 'name', 'guidance', 'weight', 'scale_min', 'scale_max', 'descriptors', 'is_gateway'])
    .where('round_id', '=', from.id)
    .orderBy('position')
    .execute()
  for (const c of criteria) await trx.insertInto('criteria').values({ ...c, round_id: created.id }).execute()

  await recordAudit(trx, {
    actorUserId,
    action: 'round.copied',
    entityType: 'round',
    entityId: created.id,
    after: { fromRoundId: from.id, title: created.title, slug: created.slug, questions: questions.length, criteria: criteria.length, places: places.length },
  })
  return getRound(trx, created.id)
}
