/**
 * Ring-fence conditions: the one rules module that says what a contribution's money may fund. Pure (no database),
 * so the same rules run in the commit split, in tests and on screen.
 *
 * Conditions are data, stored as JSON in contributions.conditions and read with ConditionsSchema. Every list is
 * either null (no restriction) or a non-empty list of what is allowed; an empty list allows nothing and is reported
 * by findContradictions. The rules:
 * - placeIds: the award's place must be one of them (an award with no place fails).
 * - outcomeAreas: at least one of the award's outcome areas / activity categories must be allowed (the award must
 *   deliver an allowed outcome; other outcomes it also delivers do not disqualify it).
 * - fundIds, roundIds: the award's fund / round must be one of them.
 * - spendBy: the award's date (when the money is committed) must be on or before it.
 * - maxSharePercent: this contribution may provide at most that share of any one award (rounded down to the penny);
 *   it caps the split rather than making an award ineligible.
 */
import { z } from 'zod'
import { notAnImpossibleDate } from '~/lib/calendar-date.ts'
import { formatPence, percentOfPence } from '~/lib/money.ts'
import { parseFinancialYear } from './financial-year.ts'
import { idField } from '~/lib/ids.ts'

export const OUTCOME_AREAS = [
  'health_and_wellbeing',
  'loneliness',
  'mental_health',
  'physical_activity',
  'arts_and_culture',
  'nature',
  'financial_advice',
  'dementia',
] as const
export type OutcomeArea = (typeof OUTCOME_AREAS)[number]

export const OUTCOME_AREA_LABELS: Record<OutcomeArea, string> = {
  health_and_wellbeing: 'Health and wellbeing',
  loneliness: 'Loneliness and isolation',
  mental_health: 'Mental health',
  physical_activity: 'Physical activity',
  arts_and_culture: 'Arts and culture',
  nature: 'Nature and green spaces',
  financial_advice: 'Financial advice',
  dementia: 'Dementia',
}

const DATE = /^\d{4}-\d{2}-\d{2}$/
const ids = z.array(idField()).nullable().default(null)

export const ConditionsSchema = z
  .object({
    placeIds: ids,
    outcomeAreas: z.array(z.enum(OUTCOME_AREAS)).nullable().default(null),
    fundIds: ids,
    roundIds: ids,
    spendBy: z.string().regex(DATE, 'Enter the spend-by date as YYYY-MM-DD').refine(notAnImpossibleDate, 'Enter the spend-by date as a real date, like 2027-03-31').nullable().default(null),
    maxSharePercent: z.number().int().nullable().default(null),
  })
  .strict()
export type Conditions = z.infer<typeof ConditionsSchema>

export const NO_CONDITIONS: Conditions = { placeIds: null, outcomeAreas: null, fundIds: null, roundIds: null, spendBy: null, maxSharePercent: null }

/** Reads the JSON stored in contributions.conditions ('{}' means no conditions). */
export function parseConditions(json: string): Conditions {
  return ConditionsSchema.parse(JSON.parse(json))
}

/** What the rules need to know about an award. */
export interface AwardFacts {
  placeId: number | null
  categories: readonly string[]
  fundId: number
  roundId: number
  /** The day the money is committed (YYYY-MM-DD). */
  date: string
  amountPence: number
}

/** Names for the ids conditions mention, so sentences read "NHS South West London" rather than "place 11". */
export interface ConditionNames {
  places?: Record<number, string>
  funds?: Record<number, string>
  rounds?: Record<number, string>
}

export type CheckResult = { ok: true } | { ok: false; reasons: string[] }

/** Whether the award is one this contribution's money may fund, with a sentence per condition it breaks. */
export function checkConditions(conditions: Conditions, award: AwardFacts, names: ConditionNames = {}): CheckResult {
  const reasons: string[] = []
  if (conditions.placeIds !== null && (award.placeId === null || !conditions.placeIds.includes(award.placeId))) {
    reasons.push(describePlaces(conditions.placeIds, names))
  }
  if (conditions.outcomeAreas !== null && !award.categories.some((c) => (conditions.outcomeAreas as readonly string[]).includes(c))) {
    reasons.push(describeOutcomes(conditions.outcomeAreas))
  }
  if (conditions.fundIds !== null && !conditions.fundIds.includes(award.fundId)) reasons.push(describeFunds(conditions.fundIds, names))
  if (conditions.roundIds !== null && !conditions.roundIds.includes(award.roundId)) reasons.push(describeRounds(conditions.roundIds, names))
  if (conditions.spendBy !== null && award.date > conditions.spendBy) reasons.push(describeSpendBy(conditions.spendBy))
  if (conditions.maxSharePercent !== null && conditions.maxSharePercent <= 0) reasons.push(describeMaxShare(conditions.maxSharePercent))
  return reasons.length === 0 ? { ok: true } : { ok: false, reasons }
}

/** The most this contribution may provide towards an award of `awardAmountPence` (its share cap, rounded down). */
export function maxContributionToAward(conditions: Conditions, awardAmountPence: number): number {
  return conditions.maxSharePercent === null ? awardAmountPence : percentOfPence(awardAmountPence, conditions.maxSharePercent)
}

/** The conditions as plain-English sentences for the screen, one per condition. */
export function describeConditions(conditions: Conditions, names: ConditionNames = {}): string[] {
  const sentences: string[] = []
  if (conditions.placeIds !== null) sentences.push(describePlaces(conditions.placeIds, names))
  if (conditions.outcomeAreas !== null) sentences.push(describeOutcomes(conditions.outcomeAreas))
  if (conditions.fundIds !== null) sentences.push(describeFunds(conditions.fundIds, names))
  if (conditions.roundIds !== null) sentences.push(describeRounds(conditions.roundIds, names))
  if (conditions.spendBy !== null) sentences.push(describeSpendBy(conditions.spendBy))
  if (conditions.maxSharePercent !== null) sentences.push(describeMaxShare(conditions.maxSharePercent))
  return sentences.length > 0 ? sentences : ['No conditions: this money may fund any award from the pot']
}

export interface Contradiction {
  field: keyof Conditions
  message: string
}

export interface ContradictionContext {
  /** The pot's financial year ("2026-27"): a spend-by date before it starts can never be met. */
  financialYear?: string
  /** Which fund each round belongs to: an allowed round outside the allowed funds can never be used. */
  roundFundIds?: Record<number, number>
  names?: ConditionNames
}

/** Conditions that can never all be met, or that allow nothing, as field errors. */
export function findContradictions(conditions: Conditions, context: ContradictionContext = {}): Contradiction[] {
  const found: Contradiction[] = []
  const emptyList = (field: keyof Conditions, what: string) => found.push({ field, message: `Choose at least one ${what}, or allow any ${what}` })
  if (conditions.placeIds?.length === 0) emptyList('placeIds', 'place')
  if (conditions.outcomeAreas?.length === 0) emptyList('outcomeAreas', 'outcome area')
  if (conditions.fundIds?.length === 0) emptyList('fundIds', 'fund')
  if (conditions.roundIds?.length === 0) emptyList('roundIds', 'round')
  if (conditions.maxSharePercent !== null && (conditions.maxSharePercent <= 0 || conditions.maxSharePercent > 100)) {
    found.push({ field: 'maxSharePercent', message: 'The maximum share of any one award must be between 1% and 100%' })
  }
  if (conditions.spendBy !== null && context.financialYear) {
    const year = parseFinancialYear(context.financialYear)
    if (year.ok && conditions.spendBy < year.starts) {
      found.push({
        field: 'spendBy',
        message: `The spend-by date (${longDate(conditions.spendBy)}) is before the pot's year starts (${longDate(year.starts)})`,
      })
    }
  }
  if (conditions.fundIds?.length && conditions.roundIds?.length && context.roundFundIds) {
    const outside = conditions.roundIds.filter((r) => context.roundFundIds![r] !== undefined && !conditions.fundIds!.includes(context.roundFundIds![r]))
    if (outside.length > 0) {
      const rounds = outside.map((r) => context.names?.rounds?.[r] ?? `round ${r}`).join(', ')
      found.push({ field: 'roundIds', message: `${rounds} belongs to a fund this money may not fund` })
    }
  }
  return found
}

/** A refusal message for a split: how much eligible money there is and which conditions hold it back. */
export function bindingConditionMessage(eligiblePence: number, requestedPence: number, binding: string[]): string {
  const start = `Only ${formatPence(eligiblePence, { pence: 'auto' })} of eligible money is available for this award of ${formatPence(requestedPence, { pence: 'auto' })}`
  return binding.length > 0 ? `${start}: ${binding.join('; ')}` : start
}

// ---------- sentences ----------

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`
}

function describePlaces(placeIds: number[], names: ConditionNames): string {
  const list = placeIds.map((id) => shortPlaceName(names.places?.[id] ?? `place ${id}`))
  return list.length === 0 ? 'No place may be funded' : `Only for projects in ${orList(list)}`
}

/** "NHS South West London Integrated Care Board" reads as "NHS South West London" in a sentence. */
function shortPlaceName(name: string): string {
  return name.replace(/ Integrated Care Board$/, '')
}

function describeOutcomes(areas: readonly OutcomeArea[]): string {
  if (areas.length === 0) return 'No outcome area may be funded'
  if (areas.length === 1) return `${OUTCOME_AREA_LABELS[areas[0]]} outcomes only`
  return `Only for ${orList(areas.map((a) => OUTCOME_AREA_LABELS[a].toLowerCase()))} outcomes`
}

function describeFunds(fundIds: number[], names: ConditionNames): string {
  return fundIds.length === 0 ? 'No fund may be used' : `Only for awards from ${orList(fundIds.map((id) => names.funds?.[id] ?? `fund ${id}`))}`
}

function describeRounds(roundIds: number[], names: ConditionNames): string {
  return roundIds.length === 0 ? 'No round may be used' : `Only for awards in ${orList(roundIds.map((id) => names.rounds?.[id] ?? `round ${id}`))}`
}

function describeSpendBy(date: string): string {
  return `Must be spent by ${longDate(date)}`
}

function describeMaxShare(percent: number): string {
  return `At most ${percent}% of any one award`
}

const LONG_DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })

/** Dates already put in words (the dashboards say the same few spend-by dates on every view; formatting one costs ~6 µs). */
const longDates = new Map<string, string>()

/** "31 March 2027" from "2027-03-31". */
export function longDate(date: string): string {
  let text = longDates.get(date)
  if (text === undefined) {
    text = LONG_DATE.format(new Date(`${date}T00:00:00Z`))
    // Bounded: a few thousand distinct dates at most are kept.
    if (longDates.size >= 5000) longDates.clear()
    longDates.set(date, text)
  }
  return text
}
