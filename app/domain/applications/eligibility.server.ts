/**
 * "Is this for us?": the check an organisation passes before it starts a bid. The round's own eligibility questions,
 * plus rules the system checks by itself: the round is open, the organisation's legal type may apply (and lead, in a
 * partnership round), and the organisation works in one of the round's places.
 *
 * Places are effective-dated (ICBs merged on 1 April 2026): an organisation registered against a place counts for
 * that place's predecessors and successors too, so a group registered before a merger stays eligible after it.
 * Every "no" comes with what to do about it.
 */
import type { Db } from '~/lib/db.server.ts'
import { legalTypeLabel, LEGAL_TYPE_LABELS } from '~/domain/organisations/identifiers.ts'
import { listInWords } from '~/domain/funds/round-rules.ts'
import { phaseOf, type Round } from '~/domain/funds/rounds.server.ts'
import { formatDeadline } from '~/lib/dates.ts'

export type EligibilityAnswers = Record<string, string>

export interface EligibilityReason {
  /** What stops them, in plain English. */
  message: string
  /** What they can do about it. */
  action: string
  /** The eligibility question it is about, when it is one. */
  field?: string
}

export type EligibilityResult = { eligible: true; reasons: [] } | { eligible: false; reasons: EligibilityReason[] }

/** The organisation's places and the places they were part of or became (one merger each way, following links). */
async function placesCoveredBy(db: Db, organisationId: number): Promise<Set<number>> {
  const [org, extra] = await Promise.all([
    db.selectFrom('organisations').select('place_id').where('id', '=', organisationId).executeTakeFirstOrThrow(),
    db.selectFrom('organisation_places').select('place_id').where('organisation_id', '=', organisationId).execute(),
  ])
  const covered = new Set<number>([...(org.place_id === null ? [] : [org.place_id]), ...extra.map((p) => p.place_id)])
  let frontier = [...covered]
  for (let step = 0; step < 3 && frontier.length > 0; step++) {
    const links = await db
      .selectFrom('place_links')
      .select(['predecessor_place_id', 'successor_place_id'])
      .where((eb) => eb.or([eb('predecessor_place_id', 'in', frontier), eb('successor_place_id', 'in', frontier)]))
      .execute()
    const next: number[] = []
    for (const link of links) {
      for (const id of [link.predecessor_place_id, link.successor_place_id]) {
        if (!covered.has(id)) {
          covered.add(id)
          next.push(id)
        }
      }
    }
    frontier = next
  }
  return covered
}

export interface CheckEligibilityInput {
  round: Round
  organisationId: number
  answers: EligibilityAnswers
  now: Date
}

/** Every reason the organisation cannot apply (none when it can). */
export async function checkEligibility(db: Db, input: CheckEligibilityInput): Promise<EligibilityResult> {
  const { round } = input
  const reasons: EligibilityReason[] = []
  const phase = phaseOf(round, input.now)
  if (phase === 'upcoming') {
    reasons.push({ message: `This round is not open yet: it opens at ${formatDeadline(round.opensAt!)}.`, action: 'Come back when it opens.' })
  } else if (phase !== 'open') {
    reasons.push({
      message: round.closesAt ? `This round closed at ${formatDeadline(round.closesAt)}.` : 'This round is not open for applications.',
      action: 'Look at the other funding that is open now.',
    })
  }

  const organisation = await db.selectFrom('organisations').select(['legal_type', 'name']).where('id', '=', input.organisationId).executeTakeFirstOrThrow()
  const { eligibleOrganisationTypes, partnership } = round.rules
  const typeLabel = legalTypeLabel(organisation.legal_type)
  if (eligibleOrganisationTypes.length > 0 && !(eligibleOrganisationTypes as string[]).includes(organisation.legal_type)) {
    reasons.push({
      message: `This round is open to ${listInWords(eligibleOrganisationTypes.map((t) => LEGAL_TYPE_LABELS[t]), 'or')}. ${organisation.name} is registered as: ${typeLabel}.`,
      action: 'If your organisation’s type is wrong, correct it on your organisation page; otherwise look for another round.',
    })
  } else if (partnership && partnership.leadOrganisationTypes.length > 0 && !(partnership.leadOrganisationTypes as string[]).includes(organisation.legal_type)) {
    reasons.push({
      message: `The lead organisation of a partnership must be a ${listInWords(partnership.leadOrganisationTypes.map((t) => LEGAL_TYPE_LABELS[t]), 'or')}. ${organisation.name} is registered as: ${typeLabel}.`,
      action: 'Ask a partner organisation of one of those types to lead the bid, with you as a partner.',
    })
  }

  const roundPlaces = await db.selectFrom('round_places').select('place_id').where('round_id', '=', round.id).execute()
  if (roundPlaces.length > 0) {
    const covered = await placesCoveredBy(db, input.organisationId)
    if (!roundPlaces.some((p) => covered.has(p.place_id))) {
      const names = await db
        .selectFrom('places')
        .select('name')
        .where(
          'id',
          'in',
          roundPlaces.map((p) => p.place_id),
        )
        .orderBy('name')
        .execute()
      reasons.push({
        message: `This round is only for work in ${listInWords(
          names.map((n) => n.name),
          'or',
        )}, and ${organisation.name} does not work in any of those areas.`,
        action: 'If you do work there, add the area on your organisation page; otherwise look for funding in your area.',
      })
    }
  }

  for (const question of round.rules.eligibilityQuestions) {
    const answer = input.answers[question.key]
    if (answer === undefined || answer === '') {
      reasons.push({ message: `You have not answered “${question.label}”.`, action: 'Answer every question.', field: question.key })
    } else if (question.blockingAnswers.some((b) => b.toLowerCase() === answer.toLowerCase())) {
      reasons.push({ message: question.reason, action: 'Look for another round that fits your project.', field: question.key })
    }
  }
  return reasons.length === 0 ? { eligible: true, reasons: [] } : { eligible: false, reasons }
}
