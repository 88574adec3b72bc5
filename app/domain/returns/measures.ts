/**
 * The outcome measures a return can report, and the fixed lists its aggregated counts use. Isomorphic: the return
 * form, its validation, the impact roll-up and the 360Giving export all read these.
 *
 * - ONS4 personal wellbeing: four items scored 0-10; for anxiety lower is better.
 * - UCLA 3-item loneliness: each item 1 (hardly ever or never) to 3 (often); the total 3-9, higher is lonelier.
 * - SWEMWBS: seven items 1-5, raw total 7-35, converted to a metric score by the published table. Licensed: offered
 *   only when a fund manager has confirmed the licence for the round, and shown with its copyright line.
 */

export type MeasureCode = 'ons4_life_satisfaction' | 'ons4_worthwhile' | 'ons4_happy' | 'ons4_anxious' | 'ucla3' | 'swemwbs'

export interface Measure {
  code: MeasureCode
  /** The instrument it belongs to. */
  instrument: 'ons4' | 'ucla3' | 'swemwbs'
  label: string
  min: number
  max: number
  /** True when a fall is an improvement (ONS4 anxiety, UCLA loneliness). */
  lowerIsBetter: boolean
  /** Whole numbers only (every measure but the SWEMWBS metric score). */
  integer: boolean
}

export const MEASURES: readonly Measure[] = [
  { code: 'ons4_life_satisfaction', instrument: 'ons4', label: 'Life satisfaction (ONS4, 0-10)', min: 0, max: 10, lowerIsBetter: false, integer: true },
  { code: 'ons4_worthwhile', instrument: 'ons4', label: 'Things done in life are worthwhile (ONS4, 0-10)', min: 0, max: 10, lowerIsBetter: false, integer: true },
  { code: 'ons4_happy', instrument: 'ons4', label: 'Happiness yesterday (ONS4, 0-10)', min: 0, max: 10, lowerIsBetter: false, integer: true },
  { code: 'ons4_anxious', instrument: 'ons4', label: 'Anxiety yesterday (ONS4, 0-10, lower is better)', min: 0, max: 10, lowerIsBetter: true, integer: true },
  { code: 'ucla3', instrument: 'ucla3', label: 'Loneliness (UCLA 3-item, 3-9, lower is better)', min: 3, max: 9, lowerIsBetter: true, integer: true },
  { code: 'swemwbs', instrument: 'swemwbs', label: 'Mental wellbeing (SWEMWBS metric score, 7-35)', min: 7, max: 35, lowerIsBetter: false, integer: false },
]

export const MEASURE_BY_CODE: Readonly<Record<MeasureCode, Measure>> = Object.fromEntries(MEASURES.map((m) => [m.code, m])) as Record<MeasureCode, Measure>

export function isMeasureCode(value: string): value is MeasureCode {
  return value in MEASURE_BY_CODE
}

/** Shown wherever SWEMWBS appears (form, review, roll-up, report PDF), as its licence requires. */
export const SWEMWBS_COPYRIGHT =
  'Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS) © University of Warwick, 2006, all rights reserved. Used under licence.'

/** UCLA 3-item loneliness: the three questions and the three answers, scored 1-3. */
export const UCLA3_ITEMS = [
  'How often do you feel that you lack companionship?',
  'How often do you feel left out?',
  'How often do you feel isolated from others?',
] as const
export const UCLA3_ANSWERS = [
  { score: 1, label: 'Hardly ever or never' },
  { score: 2, label: 'Some of the time' },
  { score: 3, label: 'Often' },
] as const

/**
 * SWEMWBS raw score (7-35) to metric score, from the published Rasch conversion table
 * (Stewart-Brown et al., 2009). Index 0 is raw score 7.
 */
const SWEMWBS_METRIC = [
  7.0, 9.51, 11.25, 12.4, 13.33, 14.08, 14.75, 15.32, 15.84, 16.36, 16.88, 17.43, 17.98, 18.59, 19.25, 19.98, 20.73, 21.54, 22.35, 23.21,
  24.11, 25.03, 26.02, 27.03, 28.13, 29.31, 30.7, 32.55, 35.0,
] as const

export function swemwbsMetric(raw: number): number {
  if (!Number.isInteger(raw) || raw < 7 || raw > 35) throw new RangeError(`A SWEMWBS raw score is a whole number from 7 to 35, not ${raw}`)
  return SWEMWBS_METRIC[raw - 7]
}

// ---------------------------------------------------------------- aggregated counts

export const REFERRAL_ROUTES = [
  { code: 'link_worker', label: 'Social prescribing link worker' },
  { code: 'health_professional', label: 'GP or other health professional' },
  { code: 'self', label: 'Self-referral' },
  { code: 'community', label: 'Community organisation' },
  { code: 'other', label: 'Other' },
] as const

/** The optional demographics a return may give, always as counts of people, never per person. */
export const DEMOGRAPHICS = {
  age_band: {
    label: 'Age',
    categories: [
      { code: 'under_18', label: 'Under 18' },
      { code: '18_24', label: '18 to 24' },
      { code: '25_49', label: '25 to 49' },
      { code: '50_64', label: '50 to 64' },
      { code: '65_79', label: '65 to 79' },
      { code: '80_plus', label: '80 or over' },
      { code: 'not_known', label: 'Not known or preferred not to say' },
    ],
  },
  sex: {
    label: 'Sex',
    categories: [
      { code: 'female', label: 'Female' },
      { code: 'male', label: 'Male' },
      { code: 'not_known', label: 'Not known or preferred not to say' },
    ],
  },
  ethnicity: {
    label: 'Ethnic group',
    categories: [
      { code: 'asian', label: 'Asian or Asian British' },
      { code: 'black', label: 'Black, Black British, Caribbean or African' },
      { code: 'mixed', label: 'Mixed or multiple ethnic groups' },
      { code: 'white', label: 'White' },
      { code: 'other', label: 'Other ethnic group' },
      { code: 'not_known', label: 'Not known or preferred not to say' },
    ],
  },
  disability: {
    label: 'Disability',
    categories: [
      { code: 'yes', label: 'Disabled' },
      { code: 'no', label: 'Not disabled' },
      { code: 'not_known', label: 'Not known or preferred not to say' },
    ],
  },
  first_language: {
    label: 'First language',
    categories: [
      { code: 'english', label: 'English' },
      { code: 'not_english', label: 'Not English' },
      { code: 'not_known', label: 'Not known or preferred not to say' },
    ],
  },
} as const

export type DemographicDimension = keyof typeof DEMOGRAPHICS
export type CountDimension = 'referral' | DemographicDimension
