import { describe, expect, test } from 'vitest'
import { describeAllocation, describeAmounts, describeEligibility, parseRoundRules, RoundRulesSchema } from './round-rules.ts'

describe('RoundRulesSchema', () => {
  test('an empty object is a round with no special rules', () => {
    expect(parseRoundRules('{}')).toEqual({
      matchFunding: null,
      partnership: null,
      eligibleOrganisationTypes: [],
      multiYear: null,
      eligibilityQuestions: [],
      fcfs: null,
    })
  })

  test('fills in defaults inside rules: yes/no options, no quotas', () => {
    const rules = RoundRulesSchema.parse({
      eligibilityQuestions: [{ key: 'members', label: 'Does your group have 10 or more members?', blockingAnswers: ['No'], reason: 'This fund is for groups of 10 or more people.' }],
      fcfs: { grantCount: 100, grantAmountPence: 100000 },
    })
    expect(rules.eligibilityQuestions[0].options).toEqual(['Yes', 'No'])
    expect(rules.fcfs).toEqual({ grantCount: 100, grantAmountPence: 100000, maxPercentPerRegion: null, minPercentPriorityCommunity: null })
  })

  test('refuses a match-funding percentage above 100 and an unknown organisation type', () => {
    expect(RoundRulesSchema.safeParse({ matchFunding: { percentOfProjectCost: 120, inKindCounts: true } }).success).toBe(false)
    expect(RoundRulesSchema.safeParse({ eligibleOrganisationTypes: ['sole_trader'] }).success).toBe(false)
  })
})

describe('describeEligibility', () => {
  test('a Thriving-Communities-style round in plain English', () => {
    const rules = RoundRulesSchema.parse({
      eligibleOrganisationTypes: ['registered_charity', 'cic', 'community_benefit_society'],
      partnership: { leadOrganisationTypes: ['registered_charity', 'cic'], minimumPartners: 2 },
      matchFunding: { percentOfProjectCost: 20, inKindCounts: true },
    })
    expect(describeEligibility(rules, ['NHS South West London', 'NHS Greater Manchester'])).toEqual([
      'Your organisation must be one of these types: Registered charity, Community interest company (CIC) or Community benefit society.',
      'Your project must be in one of these areas: NHS South West London or NHS Greater Manchester.',
      'You must lead a partnership with at least 2 other local organisations.',
      'The lead organisation must be one of these types: Registered charity or Community interest company (CIC).',
      'You must find at least 20% of the project cost from other sources (match funding). In-kind support, like staff time, venue hire or materials, counts.',
    ])
  })

  test('a round open to anyone anywhere, with an eligibility question, and cash-only match funding', () => {
    const rules = RoundRulesSchema.parse({
      matchFunding: { percentOfProjectCost: 10, inKindCounts: false },
      eligibilityQuestions: [{ key: 'members', label: 'Ten or more members?', blockingAnswers: ['No'], reason: 'This fund is for groups of 10 or more people.' }],
    })
    expect(describeEligibility(rules, [])).toEqual([
      'Any type of not-for-profit organisation or constituted group may apply.',
      'Your project can be anywhere in England.',
      'You must find at least 10% of the project cost from other sources (match funding). It must be cash; in-kind support does not count.',
      'This fund is for groups of 10 or more people.',
    ])
  })
})

describe('describeAmounts and describeAllocation', () => {
  const panel = { min_grant_pence: 2_500_000, max_grant_pence: 5_000_000, allocation_method: 'panel' as const }

  test('a grant range, a multi-year shape, and first come, first served grants', () => {
    expect(describeAmounts(panel, RoundRulesSchema.parse({}))).toBe('£25,000 to £50,000')
    expect(describeAmounts(panel, RoundRulesSchema.parse({ multiYear: { years: 3, amountsPerYearPence: [100000, 200000] } }))).toBe('£1,000 or £2,000 a year for 3 years')
    const fcfs = RoundRulesSchema.parse({ fcfs: { grantCount: 100, grantAmountPence: 100000, maxPercentPerRegion: 40, minPercentPriorityCommunity: 20 } })
    expect(describeAmounts({ min_grant_pence: null, max_grant_pence: null, allocation_method: 'fcfs' }, fcfs)).toBe('100 grants of £1,000')
    expect(describeAmounts({ ...panel, min_grant_pence: null, max_grant_pence: null }, RoundRulesSchema.parse({}))).toBeNull()
    expect(describeAllocation({ allocation_method: 'fcfs' }, fcfs)).toEqual([
      'Grants are given first come, first served: 100 grants of £1,000, in the order complete applications arrive.',
      'No more than 40% of the grants go to any one NHS region.',
      'At least 20% of the grants are kept for groups led by or mainly serving a priority community.',
      'When the grants run out, new applications join a waiting list.',
    ])
  })
})
