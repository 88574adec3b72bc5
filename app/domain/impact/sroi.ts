/**
 * A social return on investment (SROI) estimate: the social value created by the people whose outcomes improved,
 * divided by the money paid. Isomorphic: the SROI settings form validates with SroiInputsSchema in the browser and on
 * the server; the roll-up and the report PDF compute with estimateSroi. The estimate is never shown without its inputs
 * and its arithmetic (each step is returned as a sentence).
 *
 * For each outcome measure with a value:
 *   people improved            net people improved (see netPeopleImproved)
 *   gross value                people improved × value per person improved
 *   less deadweight            what would have happened anyway
 *   less attribution           the share owed to others (other services, family, the NHS)
 *   = year 1 value
 *   year k (k ≥ 2)             year k-1 × (1 − drop-off), for `durationYears` years
 *   present value              each year ÷ (1 + discount rate)^year (the SROI guide's convention; 0% switches it off)
 * SROI = Σ present values ÷ money paid (paid tranches net of repayments), "£x of social value for every £1 paid".
 *
 * Money is integer pence throughout: percentages are taken to a tenth of a percent and every step rounds down to the
 * penny (in BigInt), so the arithmetic shown adds up exactly.
 */
import jstat from 'jstat'
import { z } from 'zod'
import { formatPence, MAX_PENCE, moneyField, penceToDecimalPounds } from '~/lib/money.ts'
import { MEASURES, MEASURE_BY_CODE, type MeasureCode } from '../returns/measures.ts'
import type { OutcomeSummary } from './outcome-statistics.ts'

export interface SroiInputs {
  /** Value, in pence, of one person's improvement on each measure for one year; missing or 0 means not valued. */
  valuesPence: Partial<Record<MeasureCode, number>>
  /** Percentages, 0-100, to one decimal place. */
  deadweightPercent: number
  attributionPercent: number
  /** How much of the value is lost each year after the first. */
  dropOffPercent: number
  /** How many years the improvement is counted for (1-10). */
  durationYears: number
  /** 0 switches discounting off; HM Treasury's Green Book rate is 3.5%. */
  discountRatePercent: number
}

/**
 * Defaults for a fund that has not set its own. ILLUSTRATIVE ASSUMPTIONS, not evidence: the page says so and asks the
 * fund manager to replace them with values from a source they trust (for example HACT's Social Value Bank or HM
 * Treasury's Green Book supplementary guidance on wellbeing). Only one ONS4 item and UCLA-3 are valued, so a person
 * who improves on all four ONS4 items is not counted four times. The discount rate is the Green Book's 3.5%.
 */
export const DEFAULT_SROI_INPUTS: SroiInputs = {
  valuesPence: { ons4_life_satisfaction: 100_000, ucla3: 100_000 },
  deadweightPercent: 25,
  attributionPercent: 30,
  dropOffPercent: 50,
  durationYears: 2,
  discountRatePercent: 3.5,
}

/** Where the defaults and the context figures come from, shown beside every estimate and on the settings page. */
export const SROI_SOURCES = {
  defaults:
    'The starting values (£1,000 for each person whose life satisfaction improves, £1,000 for each person who becomes less lonely, 25% deadweight, 30% attribution, 50% drop-off a year over 2 years) are illustrative assumptions, not evidence. Replace them with values from a source your fund trusts, such as HACT’s Social Value Bank or HM Treasury’s Green Book supplementary guidance on wellbeing. The 3.5% discount rate is the Green Book’s.',
  context:
    'For context: published SROI studies of social prescribing report wide ranges. NHS England’s social prescribing SROI guide cites £3.42 of social value for every £1; a National Academy for Social Prescribing evidence review reports £2.14 to £8.56; a University of the West of England study of one holistic service found £2.90. An estimate outside that range is worth checking.',
  method:
    'Method: the Cabinet Office’s “A guide to Social Return on Investment” (value × (1 − deadweight) × (1 − attribution), reduced by drop-off each year and discounted). People improved are estimated from each measure’s mean change and its spread: those who improved minus those who got worse, assuming changes are roughly normally distributed.',
} as const

// ---------------------------------------------------------------- the form

/** Measures a fund manager can put a value on, in the order of MEASURES. */
export const VALUED_MEASURES = MEASURES.map((m) => m.code)

const percentField = (label: string) =>
  z
    .string({ required_error: `Enter the ${label}, from 0 to 100` })
    .trim()
    .transform((v, ctx) => {
      if (!/^\d{1,3}(\.\d)?$/.test(v)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `Enter the ${label} as a number from 0 to 100, like 25 or 12.5` })
        return z.NEVER
      }
      const n = Number(v)
      if (n > 100) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `The ${label} must be from 0 to 100` })
        return z.NEVER
      }
      return n
    })

/** The SROI settings form: one money field per measure ("value_<code>", in pounds) and the percentages. */
export const SroiInputsSchema = z
  .object({
    ...Object.fromEntries(VALUED_MEASURES.map((code) => [`value_${code}`, moneyField({ label: `value for ${MEASURE_BY_CODE[code].label.replace(/ \(.*$/, '').toLowerCase()}`, min: 0, max: MAX_PENCE })])),
    deadweightPercent: percentField('deadweight'),
    attributionPercent: percentField('attribution'),
    dropOffPercent: percentField('drop-off'),
    durationYears: z
      .string({ required_error: 'Enter how many years the improvement lasts, from 1 to 10' })
      .trim()
      .transform((v, ctx) => {
        if (!/^\d{1,2}$/.test(v) || Number(v) < 1 || Number(v) > 10) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'Enter how many years the improvement lasts, a whole number from 1 to 10' })
          return z.NEVER
        }
        return Number(v)
      }),
    discountRatePercent: percentField('discount rate'),
  })
  .transform((v) => {
    const record = v as Record<string, number>
    const valuesPence: Partial<Record<MeasureCode, number>> = {}
    for (const code of VALUED_MEASURES) if (record[`value_${code}`] > 0) valuesPence[code] = record[`value_${code}`]
    return {
      valuesPence,
      deadweightPercent: v.deadweightPercent,
      attributionPercent: v.attributionPercent,
      dropOffPercent: v.dropOffPercent,
      durationYears: v.durationYears,
      discountRatePercent: v.discountRatePercent,
    } satisfies SroiInputs
  })

/** The form's starting values (pounds as plain decimals) for saved inputs. */
export function sroiFormDefaults(inputs: SroiInputs): Record<string, string> {
  return {
    ...Object.fromEntries(VALUED_MEASURES.map((code) => [`value_${code}`, penceToDecimalPounds(inputs.valuesPence[code] ?? 0)])),
    deadweightPercent: String(inputs.deadweightPercent),
    attributionPercent: String(inputs.attributionPercent),
    dropOffPercent: String(inputs.dropOffPercent),
    durationYears: String(inputs.durationYears),
    discountRatePercent: String(inputs.discountRatePercent),
  }
}

/** Stored inputs (sroi_models.inputs JSON) read back; anything missing or malformed falls back to the default. */
export function parseSroiInputs(json: string | null | undefined): SroiInputs {
  if (!json) return DEFAULT_SROI_INPUTS
  try {
    const raw = JSON.parse(json) as Partial<SroiInputs>
    const pct = (v: unknown, d: number) => (typeof v === 'number' && v >= 0 && v <= 100 ? v : d)
    const valuesPence: Partial<Record<MeasureCode, number>> = {}
    for (const code of VALUED_MEASURES) {
      const v = raw.valuesPence?.[code]
      if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) valuesPence[code] = v
    }
    return {
      valuesPence,
      deadweightPercent: pct(raw.deadweightPercent, DEFAULT_SROI_INPUTS.deadweightPercent),
      attributionPercent: pct(raw.attributionPercent, DEFAULT_SROI_INPUTS.attributionPercent),
      dropOffPercent: pct(raw.dropOffPercent, DEFAULT_SROI_INPUTS.dropOffPercent),
      durationYears: Number.isInteger(raw.durationYears) && raw.durationYears! >= 1 && raw.durationYears! <= 10 ? raw.durationYears! : DEFAULT_SROI_INPUTS.durationYears,
      discountRatePercent: pct(raw.discountRatePercent, DEFAULT_SROI_INPUTS.discountRatePercent),
    }
  } catch {
    return DEFAULT_SROI_INPUTS
  }
}

// ---------------------------------------------------------------- the arithmetic

/**
 * People whose outcome improved, net of those whose outcome got worse, estimated from the sufficient statistics:
 * with d = (mean change in the better direction) ÷ (standard deviation of the change), and changes assumed roughly
 * normal, the share improving minus the share getting worse is Φ(d) − Φ(−d) = 2Φ(d) − 1. Never below 0; rounded
 * down to whole people. With one person, or no spread, everyone counts when the mean moved the right way.
 */
export function netPeopleImproved(summary: Pick<OutcomeSummary, 'n' | 'meanChange' | 'sdChange'>, lowerIsBetter: boolean): number {
  const better = lowerIsBetter ? -summary.meanChange : summary.meanChange
  if (summary.sdChange === null || summary.sdChange === 0) return better > 0 ? summary.n : 0
  const share = 2 * jstat.jStat.normal.cdf(better / summary.sdChange, 0, 1) - 1
  return Math.max(0, Math.floor(summary.n * share + 1e-9))
}

export interface SroiMeasureLine {
  measure: MeasureCode
  label: string
  peopleImproved: number
  valuePence: number
  grossPence: number
  afterDeadweightPence: number
  /** Present value of each year in turn (year 1 first), after drop-off and discounting. */
  years: Array<{ year: number; valuePence: number; presentValuePence: number }>
  presentValuePence: number
  /** The arithmetic in words, one step a sentence. */
  steps: string[]
}

export interface SroiEstimate {
  inputs: SroiInputs
  lines: SroiMeasureLine[]
  valuePence: number
  paidPence: number
  /** Pence of social value per £1 paid (rounded half up); null when nothing has been paid. */
  pencePerPound: number | null
  /** "£2.35 of social value for every £1 paid", or why there is no figure. */
  sentence: string
}

const tenths = (percent: number) => BigInt(Math.round(percent * 10))
const less = (pence: bigint, percent: number) => (pence * (1000n - tenths(percent))) / 1000n
const pct = (p: number) => `${p}%`

/** Pence of value per £1 paid, rounded half up, in integer arithmetic. */
export function valuePerPound(valuePence: number, paidPence: number): number | null {
  if (paidPence <= 0) return null
  return Number((BigInt(valuePence) * 200n + BigInt(paidPence)) / (2n * BigInt(paidPence)))
}

/** One measure's value: people improved × value, less deadweight and attribution, over the years, discounted. */
export function measureValue(inputs: SroiInputs, measure: MeasureCode, peopleImproved: number): SroiMeasureLine {
  const valuePence = inputs.valuesPence[measure] ?? 0
  const label = MEASURE_BY_CODE[measure].label
  const gross = BigInt(peopleImproved) * BigInt(valuePence)
  const afterDeadweight = less(gross, inputs.deadweightPercent)
  let yearValue = less(afterDeadweight, inputs.attributionPercent)
  const rate = 1000n + tenths(inputs.discountRatePercent)
  const years: SroiMeasureLine['years'] = []
  for (let year = 1; year <= inputs.durationYears; year++) {
    if (year > 1) yearValue = less(yearValue, inputs.dropOffPercent)
    const presentValue = (yearValue * 1000n ** BigInt(year)) / rate ** BigInt(year)
    years.push({ year, valuePence: Number(yearValue), presentValuePence: Number(presentValue) })
  }
  const presentValuePence = years.reduce((s, y) => s + y.presentValuePence, 0)
  const f = (p: bigint | number) => formatPence(Number(p))
  const discount = inputs.discountRatePercent > 0 ? ` ÷ ${(1 + inputs.discountRatePercent / 100).toFixed(3).replace(/0+$/, '')}^year` : ''
  const steps = [
    `${peopleImproved} ${peopleImproved === 1 ? 'person' : 'people'} improved × ${f(valuePence)} = ${f(gross)}`,
    `less ${pct(inputs.deadweightPercent)} deadweight = ${f(afterDeadweight)}`,
    `less ${pct(inputs.attributionPercent)} attribution = ${f(years[0]?.valuePence ?? 0)} in year 1`,
    ...(inputs.durationYears > 1 ? [`falling by ${pct(inputs.dropOffPercent)} a year: ${years.map((y) => `year ${y.year} ${f(y.valuePence)}`).join(', ')}`] : []),
    inputs.discountRatePercent > 0
      ? `discounted at ${pct(inputs.discountRatePercent)} a year${discount}: ${years.map((y) => f(y.presentValuePence)).join(' + ')} = ${f(presentValuePence)}`
      : `not discounted: ${years.map((y) => f(y.presentValuePence)).join(' + ')} = ${f(presentValuePence)}`,
  ]
  return { measure, label, peopleImproved, valuePence, grossPence: Number(gross), afterDeadweightPence: Number(afterDeadweight), years, presentValuePence, steps }
}

/**
 * The estimate for a set of measures (people improved on each) against the money paid. Measures with no value set
 * are left out (and listed with the inputs on the page).
 */
export function estimateSroi(inputs: SroiInputs, improved: ReadonlyArray<{ measure: MeasureCode; peopleImproved: number }>, paidPence: number): SroiEstimate {
  const lines = improved.filter((m) => (inputs.valuesPence[m.measure] ?? 0) > 0).map((m) => measureValue(inputs, m.measure, m.peopleImproved))
  const valuePence = lines.reduce((s, l) => s + l.presentValuePence, 0)
  return { inputs, lines, valuePence, paidPence, pencePerPound: valuePerPound(valuePence, paidPence), sentence: sroiSentence(valuePence, paidPence) }
}

export function sroiSentence(valuePence: number, paidPence: number): string {
  const perPound = valuePerPound(valuePence, paidPence)
  if (perPound === null) return 'No money has been paid to these awards yet, so there is no return on it to estimate.'
  return `${formatPence(valuePence)} of social value ÷ ${formatPence(paidPence)} paid = ${formatPence(perPound)} of social value for every £1 paid (an estimate: see the inputs and arithmetic).`
}
