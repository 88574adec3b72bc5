import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { nextFinancialYear, parseFinancialYear } from './financial-year.ts'
import { ConditionsSchema, NO_CONDITIONS, checkConditions, describeConditions, findContradictions, maxContributionToAward, type AwardFacts, type Conditions } from './ring-fence.ts'
import { checkOverrideSplit, proportionalSplit, type SplitCandidate } from './split.ts'

const award: AwardFacts = { placeId: 11, categories: ['health_and_wellbeing', 'loneliness'], fundId: 1, roundId: 2, date: '2026-06-01', amountPence: 500_000 }
const c = (conditions: Partial<Conditions>): Conditions => ({ ...NO_CONDITIONS, ...conditions })

describe('financial years', () => {
  test('2026-27 runs from 1 April 2026 to 31 March 2027', () => {
    expect(parseFinancialYear('2026-27')).toEqual({ ok: true, label: '2026-27', starts: '2026-04-01', ends: '2027-03-31' })
    expect(nextFinancialYear('2099-00')).toBe('2100-01')
  })
  test('a year whose halves do not follow each other is refused with how to write it', () => {
    expect(parseFinancialYear('2026-28')).toMatchObject({ ok: false, message: expect.stringContaining('2026-27') })
    expect(parseFinancialYear('2026/27').ok).toBe(false)
    expect(parseFinancialYear('2026-2027').ok).toBe(false)
  })
})

describe('checking conditions', () => {
  test('money with no conditions may fund any award', () => {
    expect(checkConditions(NO_CONDITIONS, award)).toEqual({ ok: true })
  })
  test('each broken condition is explained in words', () => {
    const result = checkConditions(c({ placeIds: [12], outcomeAreas: ['dementia'], fundIds: [9], roundIds: [8], spendBy: '2026-05-31' }), award, {
      places: { 12: 'NHS South West London Integrated Care Board' },
    })
    expect(result).toEqual({
      ok: false,
      reasons: ['Only for projects in NHS South West London', 'Dementia outcomes only', 'Only for awards from fund 9', 'Only for awards in round 8', 'Must be spent by 31 May 2026'],
    })
  })
  test('an award delivering at least one allowed outcome is eligible', () => {
    expect(checkConditions(c({ outcomeAreas: ['health_and_wellbeing'] }), award).ok).toBe(true)
    expect(checkConditions(c({ outcomeAreas: ['health_and_wellbeing'] }), { ...award, categories: [] }).ok).toBe(false)
  })
  test('an award with no place cannot use place-restricted money', () => {
    expect(checkConditions(c({ placeIds: [11] }), { ...award, placeId: null }).ok).toBe(false)
  })
  test('money may be committed on its spend-by date but not after it', () => {
    expect(checkConditions(c({ spendBy: '2026-06-01' }), award).ok).toBe(true)
    expect(checkConditions(c({ spendBy: '2026-06-01' }), { ...award, date: '2026-06-02' }).ok).toBe(false)
  })
  test('a maximum share caps the contribution, rounding down to the penny', () => {
    expect(maxContributionToAward(c({ maxSharePercent: 50 }), 500_001)).toBe(250_000)
    expect(maxContributionToAward(NO_CONDITIONS, 500_001)).toBe(500_001)
  })
})

describe('describing conditions', () => {
  test('the issue\'s examples read as plain English sentences', () => {
    const sentences = describeConditions(c({ placeIds: [11], outcomeAreas: ['health_and_wellbeing'], spendBy: '2027-03-31', maxSharePercent: 50 }), {
      places: { 11: 'NHS South West London Integrated Care Board' },
    })
    expect(sentences).toEqual(['Only for projects in NHS South West London', 'Health and wellbeing outcomes only', 'Must be spent by 31 March 2027', 'At most 50% of any one award'])
  })
  test('several allowed values read as a list with "or"', () => {
    expect(describeConditions(c({ outcomeAreas: ['mental_health', 'nature', 'dementia'] }))).toEqual(['Only for mental health, nature and green spaces or dementia outcomes'])
  })
  test('money without conditions says so', () => {
    expect(describeConditions(NO_CONDITIONS)).toEqual(['No conditions: this money may fund any award from the pot'])
  })
})

describe('contradictions', () => {
  test('a spend-by date before the pot\'s year starts is reported on the spend-by field', () => {
    expect(findContradictions(c({ spendBy: '2026-03-31' }), { financialYear: '2026-27' })).toEqual([
      { field: 'spendBy', message: "The spend-by date (31 March 2026) is before the pot's year starts (1 April 2026)" },
    ])
  })
  test('an empty allowed list and an impossible share are reported', () => {
    const found = findContradictions(c({ placeIds: [], outcomeAreas: [], maxSharePercent: 0 }))
    expect(found.map((f) => f.field)).toEqual(['placeIds', 'outcomeAreas', 'maxSharePercent'])
    expect(findContradictions(c({ maxSharePercent: 101 }))[0].field).toBe('maxSharePercent')
  })
  test('an allowed round from a fund that is not allowed is a contradiction', () => {
    const found = findContradictions(c({ fundIds: [1], roundIds: [2] }), { roundFundIds: { 2: 7 }, names: { rounds: { 2: 'Spring 2027' } } })
    expect(found).toEqual([{ field: 'roundIds', message: 'Spring 2027 belongs to a fund this money may not fund' }])
  })
  test('sound conditions have no contradictions', () => {
    expect(findContradictions(c({ placeIds: [1], spendBy: '2027-03-31', maxSharePercent: 100 }), { financialYear: '2026-27' })).toEqual([])
  })
  test('conditions are strict data: unknown keys and outcome areas are refused', () => {
    expect(ConditionsSchema.safeParse({ ...NO_CONDITIONS, colour: 'red' }).success).toBe(false)
    expect(ConditionsSchema.safeParse({ ...NO_CONDITIONS, outcomeAreas: ['gardening'] }).success).toBe(false)
  })
})

const candidate = (id: number, availablePence: number, extra: Partial<SplitCandidate> = {}): SplitCandidate => ({
  contributionId: id,
  label: `Funder ${id}`,
  availablePence,
  shareCapPence: Number.MAX_SAFE_INTEGER,
  maxSharePercent: null,
  ineligibleReasons: [],
  ...extra,
})

describe('splitting an award', () => {
  test('an award is shared in proportion to available balances, to the penny', () => {
    const result = proportionalSplit(1000, [candidate(1, 2000), candidate(2, 1000)])
    expect(result).toEqual({ ok: true, parts: [{ contributionId: 1, amountPence: 667 }, { contributionId: 2, amountPence: 333 }] })
  })
  test('what a share cap cuts off is shared among the others', () => {
    const result = proportionalSplit(10_000, [candidate(1, 90_000, { shareCapPence: 5_000, maxSharePercent: 50 }), candidate(2, 10_000), candidate(3, 10_000)])
    expect(result).toEqual({
      ok: true,
      parts: [
        { contributionId: 1, amountPence: 5_000 },
        { contributionId: 2, amountPence: 2_500 },
        { contributionId: 3, amountPence: 2_500 },
      ],
    })
  })
  test('a split no combination can satisfy names the binding condition', () => {
    const result = proportionalSplit(500_000, [
      candidate(1, 300_000, { label: 'NHS South West London', ineligibleReasons: ['Only for projects in NHS South West London'] }),
      candidate(2, 600_000, { label: 'National Lottery', shareCapPence: 250_000, maxSharePercent: 50 }),
      candidate(3, 70_000, { label: 'Merton' }),
    ])
    expect(result).toEqual({
      ok: false,
      eligiblePence: 320_000,
      message:
        'Only £3,200 of eligible money is available for this award of £5,000: the NHS South West London contribution cannot fund this award (Only for projects in NHS South West London); the National Lottery contribution is limited to 50% of any one award',
    })
  })
  test('an override is held to every rule and names the one it breaks', () => {
    const candidates = [candidate(1, 1000, { shareCapPence: 500, maxSharePercent: 50, label: 'Lottery' }), candidate(2, 1000), candidate(3, 1000, { ineligibleReasons: ['Dementia outcomes only'] })]
    expect(checkOverrideSplit(1000, candidates, { 1: 600, 2: 400 })).toMatchObject({ ok: false, message: expect.stringContaining('limited to 50% of any one award') })
    expect(checkOverrideSplit(1000, candidates, { 2: 500, 3: 500 })).toMatchObject({ ok: false, message: expect.stringContaining('Dementia outcomes only') })
    expect(checkOverrideSplit(1000, candidates, { 1: 400, 2: 500 })).toMatchObject({ ok: false, message: 'The split adds up to £9.00 but the award is £10.00' })
    expect(checkOverrideSplit(1000, candidates, { 2: 1001 })).toMatchObject({ ok: false })
    expect(checkOverrideSplit(1000, candidates, { 1: 500, 2: 500, 3: 0 })).toEqual({ ok: true, parts: [{ contributionId: 1, amountPence: 500 }, { contributionId: 2, amountPence: 500 }] })
  })
  test('property: a split always sums exactly and respects every cap and eligibility', () => {
    const arbCandidate = fc.record({
      availablePence: fc.integer({ min: 0, max: 1_000_000 }),
      percent: fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }),
      eligible: fc.boolean(),
    })
    fc.assert(
      fc.property(fc.array(arbCandidate, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 2_000_000 }), (specs, amount) => {
        const candidates = specs.map((s, i) =>
          candidate(i + 1, s.availablePence, {
            maxSharePercent: s.percent,
            shareCapPence: s.percent === null ? amount : Math.floor((amount * s.percent) / 100),
            ineligibleReasons: s.eligible ? [] : ['not allowed'],
          }),
        )
        const result = proportionalSplit(amount, candidates)
        const capTotal = candidates.reduce((sum, x) => sum + (x.ineligibleReasons.length ? 0 : Math.min(x.availablePence, x.shareCapPence)), 0)
        if (!result.ok) {
          expect(capTotal).toBeLessThan(amount)
          return
        }
        expect(result.parts.reduce((sum, p) => sum + p.amountPence, 0)).toBe(amount)
        for (const part of result.parts) {
          const x = candidates[part.contributionId - 1]
          expect(x.ineligibleReasons).toEqual([])
          expect(part.amountPence).toBeLessThanOrEqual(Math.min(x.availablePence, x.shareCapPence))
        }
      }),
      { numRuns: 500 },
    )
  })
})
