import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  assessorZScores,
  bidSummary,
  calibrationOffsets,
  formatPoints,
  normalisedScores,
  rankBids,
  weightedScoreMilli,
  type CriterionForScoring,
  type WeightedRow,
} from './scoring.ts'

const NEED: CriterionForScoring = { id: 1, name: 'Need', weight: 3, scaleMin: 1, scaleMax: 5, isGateway: false }
const PLAN: CriterionForScoring = { id: 2, name: 'Quality of plan', weight: 2, scaleMin: 1, scaleMax: 5, isGateway: false }
const VALUE: CriterionForScoring = { id: 3, name: 'Value for money', weight: 1, scaleMin: 0, scaleMax: 10, isGateway: false }
const SAFE: CriterionForScoring = { id: 4, name: 'Safeguarding policy in place', weight: 0, scaleMin: 0, scaleMax: 1, isGateway: true }
const CRITERIA = [NEED, PLAN, VALUE, SAFE]

const scores = (need: number, plan: number, value: number, safe = 1) =>
  new Map([
    [1, need],
    [2, plan],
    [3, value],
    [4, safe],
  ])
const NONE = new Map<number, { score: number }>()

describe('weighted scores', () => {
  test('criteria on different scales combine on one 0-100 scale by weight', () => {
    // Need 5/5 (full), plan 3/5 (half-way), value 0/10: (3×1 + 2×0.5 + 1×0) / 6 × 100 = 66.667
    expect(weightedScoreMilli(CRITERIA, scores(5, 3, 0))).toBe(66_667)
    expect(weightedScoreMilli(CRITERIA, scores(1, 1, 0))).toBe(0)
    expect(weightedScoreMilli(CRITERIA, scores(5, 5, 10))).toBe(100_000)
    expect(formatPoints(66_667)).toBe('66.7')
  })

  test('an unscored weighted criterion gives no total', () => {
    expect(weightedScoreMilli(CRITERIA, new Map([[1, 5]]))).toBeNull()
  })

  const criteriaArb = fc
    .array(
      fc.record({ weight: fc.integer({ min: 1, max: 100 }), scaleMin: fc.constantFrom(0, 1), span: fc.integer({ min: 1, max: 9 }) }),
      { minLength: 1, maxLength: 6 },
    )
    .map((specs) => specs.map((s, i): CriterionForScoring => ({ id: i + 1, name: `C${i + 1}`, weight: s.weight, scaleMin: s.scaleMin, scaleMax: s.scaleMin + s.span, isGateway: false })))
  const withScores = criteriaArb.chain((criteria) =>
    fc.tuple(fc.constant(criteria), fc.tuple(...criteria.map((c) => fc.integer({ min: c.scaleMin, max: c.scaleMax })))),
  )

  test('any scores within their scales give a total within 0..100 points', () => {
    fc.assert(
      fc.property(withScores, ([criteria, values]) => {
        const total = weightedScoreMilli(criteria, new Map(criteria.map((c, i) => [c.id, values[i]!])))!
        expect(Number.isInteger(total)).toBe(true)
        expect(total).toBeGreaterThanOrEqual(0)
        expect(total).toBeLessThanOrEqual(100_000)
      }),
    )
  })

  test('raising any one score never lowers the total', () => {
    fc.assert(
      fc.property(withScores, fc.nat(), ([criteria, values], pick) => {
        const i = pick % criteria.length
        if (values[i]! >= criteria[i]!.scaleMax) return
        const before = weightedScoreMilli(criteria, new Map(criteria.map((c, j) => [c.id, values[j]!])))!
        const after = weightedScoreMilli(criteria, new Map(criteria.map((c, j) => [c.id, j === i ? values[j]! + 1 : values[j]!])))!
        expect(after).toBeGreaterThanOrEqual(before)
      }),
    )
  })
})

describe('a bid’s summary', () => {
  test('mean, spread and the disagreement flag over the submitted assessors', () => {
    const a = { assessorId: 10, scores: scores(5, 5, 10), weightedMilli: null }
    const b = { assessorId: 11, scores: scores(3, 3, 5), weightedMilli: null }
    const summary = bidSummary(CRITERIA, [a, b], NONE, 20)
    expect(summary.perAssessor.map((p) => p.weightedMilli)).toEqual([100_000, 50_000])
    expect(summary.meanMilli).toBe(75_000)
    expect(summary.spreadMilli).toBe(50_000)
    expect(summary.disagreement).toBe(true)
    expect(bidSummary(CRITERIA, [a, b], NONE, 50).disagreement).toBe(false)
    expect(bidSummary(CRITERIA, [a, b], NONE, 49).disagreement).toBe(true)
  })

  test('without moderation the moderated score per criterion is the mean of the raw scores, and the total follows', () => {
    const summary = bidSummary(CRITERIA, [{ assessorId: 1, scores: scores(4, 2, 6), weightedMilli: null }, { assessorId: 2, scores: scores(5, 3, 7), weightedMilli: null }], NONE, 20)
    expect(summary.moderatedByCriterion.get(1)).toBe(4.5)
    expect(summary.moderatedByCriterion.get(3)).toBe(6.5)
    // (3×3.5/4 + 2×1.5/4 + 1×6.5/10) / 6 × 100
    expect(summary.moderatedTotalMilli).toBe(Math.round(((3 * 3.5) / 4 + (2 * 1.5) / 4 + 0.65) / 6 * 100_000))
  })

  test('the chair’s moderated score replaces the mean for that criterion only', () => {
    const summary = bidSummary(CRITERIA, [{ assessorId: 1, scores: scores(2, 3, 5), weightedMilli: null }], new Map([[1, { score: 5 }]]), 20)
    expect(summary.moderatedByCriterion.get(1)).toBe(5)
    expect(summary.moderatedByCriterion.get(2)).toBe(3)
    expect(summary.moderatedTotalMilli).toBe(weightedScoreMilli(CRITERIA, scores(5, 3, 5)))
    expect(summary.meanMilli).toBe(weightedScoreMilli(CRITERIA, scores(2, 3, 5)))
  })

  test('one assessor failing a gateway stops the bid whatever its score; the chair can moderate it to a pass, or fail it', () => {
    const assessments = [
      { assessorId: 1, scores: scores(5, 5, 10, 1), weightedMilli: null },
      { assessorId: 2, scores: scores(5, 5, 10, 0), weightedMilli: null },
    ]
    const failed = bidSummary(CRITERIA, assessments, NONE, 20)
    expect(failed).toMatchObject({ gatewayFailed: true, failedGatewayNames: ['Safeguarding policy in place'], meanMilli: 100_000 })
    expect(failed.perAssessor[1]!.failedGatewayNames).toEqual(['Safeguarding policy in place'])
    expect(bidSummary(CRITERIA, assessments, new Map([[4, { score: 1 }]]), 20).gatewayFailed).toBe(false)
    expect(bidSummary(CRITERIA, [assessments[0]!], new Map([[4, { score: 0 }]]), 20).gatewayFailed).toBe(true)
  })

  test('property: a gateway fail always stops the bid unless the chair moderated it to a pass', () => {
    const assessment = fc.record({ need: fc.integer({ min: 1, max: 5 }), plan: fc.integer({ min: 1, max: 5 }), value: fc.integer({ min: 0, max: 10 }), safe: fc.constantFrom(0, 1) })
    fc.assert(
      fc.property(fc.array(assessment, { minLength: 1, maxLength: 5 }), fc.option(fc.constantFrom(0, 1), { nil: undefined }), (rows, chair) => {
        const list = rows.map((r, i) => ({ assessorId: i + 1, scores: scores(r.need, r.plan, r.value, r.safe), weightedMilli: null }))
        const moderations = chair === undefined ? NONE : new Map([[4, { score: chair }]])
        const anyFail = rows.some((r) => r.safe === 0)
        expect(bidSummary(CRITERIA, list, moderations, 20).gatewayFailed).toBe(chair === undefined ? anyFail : chair === 0)
      }),
    )
  })

  test('with no submitted assessments there is nothing to average', () => {
    expect(bidSummary(CRITERIA, [], NONE, 20)).toMatchObject({ meanMilli: null, spreadMilli: null, disagreement: false, moderatedTotalMilli: null, gatewayFailed: false })
  })
})

describe('calibration', () => {
  test('an assessor’s offset is their mean difference from the other assessors on the same bids; lone bids are skipped', () => {
    const rows: WeightedRow[] = [
      { assessorId: 1, applicationId: 100, weightedMilli: 80_000 },
      { assessorId: 2, applicationId: 100, weightedMilli: 60_000 },
      { assessorId: 3, applicationId: 100, weightedMilli: 70_000 },
      { assessorId: 1, applicationId: 101, weightedMilli: 50_000 },
      { assessorId: 2, applicationId: 101, weightedMilli: 40_000 },
      { assessorId: 1, applicationId: 102, weightedMilli: 10_000 },
    ]
    const offsets = calibrationOffsets(rows)
    // Assessor 1: bid 100: 80 − 65 = +15; bid 101: 50 − 40 = +10; bid 102 has no peer. Mean +12.5.
    expect(offsets.get(1)).toEqual({ offsetMilli: 12_500, bids: 2, scored: 3 })
    // Assessor 2: 60 − 75 = −15; 40 − 50 = −10.
    expect(offsets.get(2)).toEqual({ offsetMilli: -12_500, bids: 2, scored: 2 })
    expect(offsets.get(3)).toEqual({ offsetMilli: 0, bids: 1, scored: 1 })
  })

  test('an assessor who only scored bids nobody else scored has no offset', () => {
    expect(calibrationOffsets([{ assessorId: 1, applicationId: 1, weightedMilli: 5 }]).get(1)).toEqual({ offsetMilli: null, bids: 0, scored: 1 })
  })
})

describe('normalisation', () => {
  const rowsArb = fc
    .array(fc.record({ assessorId: fc.integer({ min: 1, max: 4 }), applicationId: fc.integer({ min: 1, max: 8 }), weightedMilli: fc.integer({ min: 0, max: 100_000 }) }), { maxLength: 40 })
    .map((rows) => [...new Map(rows.map((r) => [`${r.assessorId}:${r.applicationId}`, r])).values()])

  test('property: each assessor’s z-scores have mean 0', () => {
    fc.assert(
      fc.property(rowsArb, (rows) => {
        const z = assessorZScores(rows)
        for (const assessorId of new Set(rows.map((r) => r.assessorId))) {
          const own = rows.filter((r) => r.assessorId === assessorId).map((r) => z.get(r)!)
          expect(Math.abs(own.reduce((s, v) => s + v, 0) / own.length)).toBeLessThan(1e-9)
        }
      }),
    )
  })

  test('a generous and a harsh assessor who agree on the order give the same normalised ranking', () => {
    const rows: WeightedRow[] = [
      { assessorId: 1, applicationId: 1, weightedMilli: 90_000 },
      { assessorId: 1, applicationId: 2, weightedMilli: 80_000 },
      { assessorId: 2, applicationId: 3, weightedMilli: 40_000 },
      { assessorId: 2, applicationId: 4, weightedMilli: 20_000 },
    ]
    const z = normalisedScores(rows)
    expect(z.get(1)).toBeCloseTo(1)
    expect(z.get(2)).toBeCloseTo(-1)
    expect(z.get(3)).toBeCloseTo(1)
    expect(z.get(4)).toBeCloseTo(-1)
  })

  test('an assessor who gave every bid the same score (σ = 0) contributes 0', () => {
    const z = normalisedScores([
      { assessorId: 1, applicationId: 1, weightedMilli: 70_000 },
      { assessorId: 1, applicationId: 2, weightedMilli: 70_000 },
    ])
    expect([z.get(1), z.get(2)]).toEqual([0, 0])
  })
})

describe('rankings', () => {
  test('highest score first, equal scores share a rank, unscored then gateway-failed bids last', () => {
    const ranks = rankBids([
      { applicationId: 1, score: 50, gatewayFailed: false },
      { applicationId: 2, score: 90, gatewayFailed: true },
      { applicationId: 3, score: 70, gatewayFailed: false },
      { applicationId: 4, score: 70, gatewayFailed: false },
      { applicationId: 5, score: null, gatewayFailed: false },
    ])
    expect(Object.fromEntries(ranks)).toEqual({ 3: 1, 4: 1, 1: 3, 5: 4, 2: 5 })
  })
})
