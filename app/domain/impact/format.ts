/**
 * How impact figures read, on the page and in the report PDF alike (isomorphic): scores to two decimal places, changes
 * with their sign, intervals as "−3.06 to −0.61", and each measure's direction in words.
 */
import { formatPence } from '~/lib/money.ts'
import { MEASURE_BY_CODE, type MeasureCode } from '../returns/measures.ts'
import type { SroiInputs } from './sroi.ts'

const MINUS = '−'

export function formatScore(value: number): string {
  const text = Math.abs(value).toFixed(2)
  return value < 0 && text !== '0.00' ? `${MINUS}${text}` : text
}

export function formatChange(value: number): string {
  const text = formatScore(value)
  return value > 0 && text !== '0.00' ? `+${text}` : text
}

export function formatInterval(ci: { low: number; high: number } | null): string {
  return ci ? `${formatChange(ci.low)} to ${formatChange(ci.high)}` : 'needs 2 or more people'
}

export function formatCount(n: number): string {
  return new Intl.NumberFormat('en-GB').format(n)
}

/** "Lower is better" or "Higher is better". */
export function directionText(measure: MeasureCode): string {
  return MEASURE_BY_CODE[measure].lowerIsBetter ? 'Lower is better' : 'Higher is better'
}

/**
 * The measure's result in a sentence: "Loneliness fell by 1.83 on average (lower is better): improved."
 * `verdict` is the roll-up's reading of the 95% interval.
 */
export function changeSentence(m: { measure: MeasureCode; meanChange: number; verdict: string }): string {
  const measure = MEASURE_BY_CODE[m.measure]
  const name = measure.label.replace(/ \(.*$/, '')
  const moved = m.meanChange === 0 ? 'did not change on average' : `${m.meanChange > 0 ? 'rose' : 'fell'} by ${formatScore(Math.abs(m.meanChange))} on average`
  return `${name} ${moved} (${directionText(m.measure).toLowerCase()}): ${m.verdict}.`
}

/** The SROI inputs as label-value rows (pounds per measure valued, then the percentages and years). */
export function sroiInputRows(inputs: SroiInputs): Array<{ label: string; value: string }> {
  const values = (Object.keys(MEASURE_BY_CODE) as MeasureCode[]).map((code) => ({
    label: `Value per person improved: ${MEASURE_BY_CODE[code].label}`,
    value: inputs.valuesPence[code] ? formatPence(inputs.valuesPence[code]!) : 'not valued',
  }))
  return [
    ...values,
    { label: 'Deadweight (would have happened anyway)', value: `${inputs.deadweightPercent}%` },
    { label: 'Attribution (owed to others)', value: `${inputs.attributionPercent}%` },
    { label: 'Drop-off each year after the first', value: `${inputs.dropOffPercent}%` },
    { label: 'Duration', value: `${inputs.durationYears} ${inputs.durationYears === 1 ? 'year' : 'years'}` },
    { label: 'Discount rate', value: inputs.discountRatePercent > 0 ? `${inputs.discountRatePercent}% a year` : 'none (not discounted)' },
  ]
}
