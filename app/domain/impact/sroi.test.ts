import { describe, expect, test } from 'vitest'
import { DEFAULT_SROI_INPUTS, estimateSroi, measureValue, netPeopleImproved, parseSroiInputs, SroiInputsSchema, valuePerPound } from './sroi.ts'

describe('netPeopleImproved', () => {
  test('counts those who improved less those who got worse, from the mean and spread of the change', () => {
    // d = 2 / 1.5 = 1.333; 2Φ(1.333) − 1 = 0.8176; × 10 = 8.18 → 8.
    expect(netPeopleImproved({ n: 10, meanChange: 2, sdChange: 1.5 }, false)).toBe(8)
    // Lower is better: a fall of 2 is the same improvement.
    expect(netPeopleImproved({ n: 10, meanChange: -2, sdChange: 1.5 }, true)).toBe(8)
  })

  test('is 0 when the mean moved the wrong way or not at all, never negative', () => {
    expect(netPeopleImproved({ n: 10, meanChange: 2, sdChange: 1.5 }, true)).toBe(0)
    expect(netPeopleImproved({ n: 10, meanChange: 0, sdChange: 1.5 }, false)).toBe(0)
  })

  test('with no spread (or one person) everyone counts when the mean moved the right way', () => {
    expect(netPeopleImproved({ n: 4, meanChange: 1, sdChange: 0 }, false)).toBe(4)
    expect(netPeopleImproved({ n: 1, meanChange: -1, sdChange: null }, true)).toBe(1)
    expect(netPeopleImproved({ n: 1, meanChange: 1, sdChange: null }, true)).toBe(0)
  })
})

describe('the SROI arithmetic', () => {
  test('applies deadweight, attribution, drop-off and discounting in whole pence, rounding down at each step', () => {
    // 3 × £333.33 = £999.99; less 10% = £899.99 (899.991 rounded down); less 10% = £809.99; year 2 less 50% = £404.99;
    // ÷ 1.035 = £782.59, ÷ 1.035² = £378.06; total £1,160.65.
    const inputs = { ...DEFAULT_SROI_INPUTS, valuesPence: { ucla3: 33_333 }, deadweightPercent: 10, attributionPercent: 10, dropOffPercent: 50, durationYears: 2, discountRatePercent: 3.5 }
    const line = measureValue(inputs, 'ucla3', 3)
    expect(line.grossPence).toBe(99_999)
    expect(line.afterDeadweightPence).toBe(89_999)
    expect(line.years).toEqual([
      { year: 1, valuePence: 80_999, presentValuePence: 78_259 },
      { year: 2, valuePence: 40_499, presentValuePence: 37_806 },
    ])
    expect(line.presentValuePence).toBe(116_065)
  })

  test('leaves out measures with no value and gives no ratio when nothing has been paid', () => {
    const estimate = estimateSroi(DEFAULT_SROI_INPUTS, [{ measure: 'ons4_happy', peopleImproved: 50 }], 0)
    expect(estimate.lines).toEqual([])
    expect(estimate.pencePerPound).toBeNull()
    expect(estimate.sentence).toBe('No money has been paid to these awards yet, so there is no return on it to estimate.')
  })

  test('rounds the value per £1 half up', () => {
    expect(valuePerPound(977_980, 500_000)).toBe(196)
    expect(valuePerPound(1_005, 1_000)).toBe(101)
    expect(valuePerPound(1_004, 1_000)).toBe(100)
  })
})

describe('the SROI inputs', () => {
  test('the form gives pence and percentages, and drops measures valued at £0', () => {
    const result = SroiInputsSchema.safeParse({
      value_ons4_life_satisfaction: '1,250.50',
      value_ons4_worthwhile: '0',
      value_ons4_happy: '0',
      value_ons4_anxious: '0',
      value_ucla3: '0',
      value_swemwbs: '0',
      deadweightPercent: '12.5',
      attributionPercent: '0',
      dropOffPercent: '100',
      durationYears: '3',
      discountRatePercent: '3.5',
    })
    expect(result.success && result.data).toEqual({ valuesPence: { ons4_life_satisfaction: 125_050 }, deadweightPercent: 12.5, attributionPercent: 0, dropOffPercent: 100, durationYears: 3, discountRatePercent: 3.5 })
  })

  test('stored inputs that are missing or malformed fall back to the defaults', () => {
    expect(parseSroiInputs(null)).toEqual(DEFAULT_SROI_INPUTS)
    expect(parseSroiInputs('not json')).toEqual(DEFAULT_SROI_INPUTS)
    expect(parseSroiInputs(JSON.stringify({ valuesPence: { ucla3: 500 }, deadweightPercent: 150, durationYears: 2.5 }))).toMatchObject({
      valuesPence: { ucla3: 500 },
      deadweightPercent: DEFAULT_SROI_INPUTS.deadweightPercent,
      durationYears: DEFAULT_SROI_INPUTS.durationYears,
    })
  })
})
