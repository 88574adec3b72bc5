/**
 * A round's rules (the `rounds.rules` JSON column): match funding, partnership, eligible organisation types, the
 * multi-year shape, eligibility questions answered before starting, first-come-first-served quotas and decline
 * reasons. One zod schema, with defaults, so an empty `{}` is a valid "no special rules" round and every reader sees
 * the same shape. Isomorphic: the manager's forms and the public round page both read it.
 */
import { z } from 'zod'
import { formatPence } from '~/lib/money.ts'
import { LEGAL_TYPE_LABELS, LEGAL_TYPES, type LegalType } from '~/domain/organisations/identifiers.ts'

const pence = z.number().int().nonnegative()

export const MatchFundingSchema = z.object({
  /** The share of the whole project cost the applicant must find elsewhere, 0-100. */
  percentOfProjectCost: z.number().min(0).max(100),
  /** Whether in-kind support (staff time, venue hire, materials) counts towards it. */
  inKindCounts: z.boolean(),
})

export const PartnershipSchema = z.object({
  /** Types the lead organisation may be (empty = any type). */
  leadOrganisationTypes: z.array(z.enum(LEGAL_TYPES)).default([]),
  /** Partners besides the lead. */
  minimumPartners: z.number().int().min(1),
})

export const MultiYearSchema = z.object({
  years: z.number().int().min(2).max(10),
  /** The amounts a year an applicant may choose between, e.g. [100000, 200000] for "£1,000 or £2,000 a year". */
  amountsPerYearPence: z.array(pence.positive()).min(1),
})

/** Applicants pick one of `options`; picking one of `blockingAnswers` stops them, and `reason` says why. */
export const EligibilityQuestionSchema = z.object({
  key: z.string().min(1),
  label: z.string().min(1),
  options: z.array(z.string().min(1)).min(2).default(['Yes', 'No']),
  blockingAnswers: z.array(z.string().min(1)).min(1),
  reason: z.string().min(1),
})

export const FcfsSchema = z.object({
  grantCount: z.number().int().positive(),
  grantAmountPence: pence.positive(),
  /** At most this share of the grants to one NHS region (null = no cap). */
  maxPercentPerRegion: z.number().min(0).max(100).nullable().default(null),
  /** At least this share of the grants kept for groups led by or serving a priority community (null = none). */
  minPercentPriorityCommunity: z.number().min(0).max(100).nullable().default(null),
})

export const RoundRulesSchema = z.object({
  matchFunding: MatchFundingSchema.nullable().default(null),
  partnership: PartnershipSchema.nullable().default(null),
  /** Empty = any type of organisation may apply. */
  eligibleOrganisationTypes: z.array(z.enum(LEGAL_TYPES)).default([]),
  multiYear: MultiYearSchema.nullable().default(null),
  eligibilityQuestions: z.array(EligibilityQuestionSchema).default([]),
  fcfs: FcfsSchema.nullable().default(null),
  declineReasons: z.array(z.string().min(1)).optional(),
})

export type RoundRules = z.infer<typeof RoundRulesSchema>
export type EligibilityQuestion = z.infer<typeof EligibilityQuestionSchema>
export type FcfsRules = z.infer<typeof FcfsSchema>

/** The rules stored in a round's `rules` column. Throws (a ZodError) if the stored JSON does not fit the schema. */
export function parseRoundRules(json: string | null | undefined): RoundRules {
  return RoundRulesSchema.parse(json ? JSON.parse(json) : {})
}

/** "a, b and c"; "a or b" with `or`. */
export function listInWords(items: readonly string[], conjunction: 'and' | 'or' = 'and'): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`
}

function typeNames(types: readonly LegalType[], labels: Readonly<Record<string, string>>): string {
  return listInWords(types.map((t) => labels[t] ?? t), 'or')
}

/**
 * The eligibility rules in plain English, one sentence each, for the public round page and the applicant's check.
 * `places` are the names of the eligible places (empty = anywhere); `orgTypes` names each organisation type
 * (the registration form's labels unless given).
 */
export function describeEligibility(rules: RoundRules, places: readonly string[], orgTypes: Readonly<Record<string, string>> = LEGAL_TYPE_LABELS): string[] {
  const lines: string[] = []
  if (rules.eligibleOrganisationTypes.length === 0 || rules.eligibleOrganisationTypes.length === LEGAL_TYPES.length) {
    lines.push('Any type of not-for-profit organisation or constituted group may apply.')
  } else {
    lines.push(`Your organisation must be one of these types: ${typeNames(rules.eligibleOrganisationTypes, orgTypes)}.`)
  }
  lines.push(places.length === 0 ? 'Your project can be anywhere in England.' : `Your project must be in ${places.length === 1 ? 'the area of' : 'one of these areas:'} ${listInWords(places, 'or')}.`)
  if (rules.partnership) {
    const { minimumPartners, leadOrganisationTypes } = rules.partnership
    const partners = `${minimumPartners} other local organisation${minimumPartners === 1 ? '' : 's'}`
    lines.push(`You must lead a partnership with at least ${partners}.`)
    if (leadOrganisationTypes.length > 0) lines.push(`The lead organisation must be one of these types: ${typeNames(leadOrganisationTypes, orgTypes)}.`)
  }
  if (rules.matchFunding && rules.matchFunding.percentOfProjectCost > 0) {
    const { percentOfProjectCost, inKindCounts } = rules.matchFunding
    lines.push(
      `You must find at least ${percentOfProjectCost}% of the project cost from other sources (match funding).` +
        (inKindCounts ? ' In-kind support, like staff time, venue hire or materials, counts.' : ' It must be cash; in-kind support does not count.'),
    )
  }
  for (const question of rules.eligibilityQuestions) lines.push(question.reason)
  return lines
}

export interface RoundAmounts {
  min_grant_pence: number | null
  max_grant_pence: number | null
  allocation_method: 'panel' | 'fcfs'
}

/**
 * How much applicants may ask for, in words: "£1,000 or £2,000 a year for 3 years", "100 grants of £1,000",
 * "£25,000 to £50,000", "up to £50,000". Null when the round has no amounts yet.
 */
export function describeAmounts(round: RoundAmounts, rules: RoundRules): string | null {
  const money = (p: number) => formatPence(p, { pence: 'auto' })
  if (rules.multiYear) {
    const amounts = listInWords(rules.multiYear.amountsPerYearPence.map(money), 'or')
    return `${amounts} a year for ${rules.multiYear.years} years`
  }
  if (round.allocation_method === 'fcfs' && rules.fcfs) {
    return `${rules.fcfs.grantCount} grant${rules.fcfs.grantCount === 1 ? '' : 's'} of ${money(rules.fcfs.grantAmountPence)}`
  }
  const { min_grant_pence: min, max_grant_pence: max } = round
  if (min !== null && max !== null) return min === max ? money(max) : `${money(min)} to ${money(max)}`
  if (max !== null) return `up to ${money(max)}`
  if (min !== null) return `from ${money(min)}`
  return null
}

/** The first-come-first-served rules in plain English (empty for panel rounds). */
export function describeAllocation(round: { allocation_method: 'panel' | 'fcfs' }, rules: RoundRules): string[] {
  if (round.allocation_method !== 'fcfs' || !rules.fcfs) return ['Applications are scored by an assessment panel after the round closes.']
  const lines = [
    `Grants are given first come, first served: ${rules.fcfs.grantCount} grants of ${formatPence(rules.fcfs.grantAmountPence, { pence: 'auto' })}, in the order complete applications arrive.`,
  ]
  if (rules.fcfs.maxPercentPerRegion !== null) lines.push(`No more than ${rules.fcfs.maxPercentPerRegion}% of the grants go to any one NHS region.`)
  if (rules.fcfs.minPercentPriorityCommunity !== null) {
    lines.push(`At least ${rules.fcfs.minPercentPriorityCommunity}% of the grants are kept for groups led by or mainly serving a priority community.`)
  }
  lines.push('When the grants run out, new applications join a waiting list.')
  return lines
}
