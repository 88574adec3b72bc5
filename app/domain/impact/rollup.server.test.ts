import { beforeAll, describe, expect, test } from 'vitest'
import { createImpactScenario, insertAcceptedReturn, type ImpactScenario } from '../../../tests/factories/impact.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { impactRollUp } from './rollup.server.ts'
import { fundSroiModel, saveSroiInputs, sroiForRollUp } from './sroi.server.ts'
import { DEFAULT_SROI_INPUTS } from './sroi.ts'

/**
 * Two funds, each with its own pooled pot and funders (createImpactScenario). Fund A has two paid awards with
 * accepted returns in two places, plus a submitted (not accepted) return that must not count; fund B one.
 *
 * Hand-computed figures for fund A:
 * - UCLA-3 changes −2, −1, −3, 0 (award 1) and −2, −3 (award 2): n 6, mean before 41/6 = 6.833, after 5, change
 *   −11/6 = −1.833; Σchange² 27, so sd = √((27 − 6 × (11/6)²) / 5) = 1.1690; t(0.975, 5) = 2.5706, half-width
 *   2.5706 × 1.1690 / √6 = 1.2268: 95% CI −3.0602 to −0.6065 (improved: lower is better).
 * - Life satisfaction, a cohort of 10 from 5 to 7 with sd of change 1.5: t(0.975, 9) = 2.2622, half-width
 *   2.2622 × 1.5 / √10 = 1.0730: 95% CI 0.9270 to 3.0730.
 * - Referrals: link worker 30, self 10, GP or other health professional 20 of 60: 50%, 16.7%, 33.3%.
 */
let a: ImpactScenario
let b: ImpactScenario
let award1: number
let award2: number
let award3: number
let otherPlaceId: number

beforeAll(async () => {
  a = await createImpactScenario(db)
  b = await createImpactScenario(db)
  otherPlaceId = (await db.selectFrom('places').select('id').where('ods_code', '=', 'QMJ').orderBy('valid_from', 'desc').executeTakeFirstOrThrow()).id
  award1 = (await a.paidAward({ amountPence: 300_000 })).awardId
  award2 = (await a.paidAward({ amountPence: 200_000, placeId: otherPlaceId })).awardId
  award3 = (await b.paidAward({ amountPence: 100_000 })).awardId
  await insertAcceptedReturn(db, {
    awardId: award1,
    peopleReached: 40,
    sessionsDelivered: 12,
    referrals: { link_worker: 30, self: 10 },
    outcomes: [
      { measure: 'ucla3', participants: [{ before: 7, after: 5 }, { before: 6, after: 5 }, { before: 8, after: 5 }, { before: 5, after: 5 }] },
      { measure: 'ons4_life_satisfaction', cohort: { n: 10, meanBefore: 5, meanAfter: 7, sdChange: 1.5 } },
    ],
  })
  await insertAcceptedReturn(db, { awardId: award1, peopleReached: 1000, sessionsDelivered: 99, referrals: { other: 1000 }, status: 'submitted', periodLabel: 'Interim' })
  await insertAcceptedReturn(db, {
    awardId: award2,
    peopleReached: 20,
    sessionsDelivered: 6,
    referrals: { health_professional: 20 },
    outcomes: [{ measure: 'ucla3', participants: [{ before: 6, after: 4 }, { before: 9, after: 6 }] }],
  })
  await insertAcceptedReturn(db, {
    awardId: award3,
    peopleReached: 5,
    referrals: { self: 5 },
    outcomes: [{ measure: 'swemwbs', cohort: { n: 5, meanBefore: 20, meanAfter: 23, sdChange: 2 } }],
  })
})

const funderId = async (name: string) => (await db.selectFrom('funders').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id

describe('impactRollUp', () => {
  test('adds up people, sessions and referrals from accepted returns only, for a fund', async () => {
    const r = await impactRollUp(db, { fundId: a.fundId })
    expect(r).toMatchObject({ awards: 2, acceptedReturns: 2, peopleReached: 60, sessionsDelivered: 18, referralTotal: 60, swemwbs: false })
    expect(Object.fromEntries(r.referrals.map((x) => [x.code, [x.count, x.percent]]))).toEqual({
      link_worker: [30, 50],
      health_professional: [20, 33.3],
      self: [10, 16.7],
      community: [0, 0],
      other: [0, 0],
    })
  })

  test('gives each measure its n, means, mean change and a 95% confidence interval matching the hand-computed values', async () => {
    const r = await impactRollUp(db, { fundId: a.fundId })
    const ucla = r.measures.find((m) => m.measure === 'ucla3')!
    expect(ucla.n).toBe(6)
    expect(ucla.meanBefore).toBeCloseTo(41 / 6, 9)
    expect(ucla.meanAfter).toBeCloseTo(5, 9)
    expect(ucla.meanChange).toBeCloseTo(-11 / 6, 9)
    expect(ucla.sdChange).toBeCloseTo(1.16905, 4)
    expect(ucla.ci95!.low).toBeCloseTo(-3.0602, 3)
    expect(ucla.ci95!.high).toBeCloseTo(-0.6065, 3)
    expect(ucla).toMatchObject({ lowerIsBetter: true, verdict: 'improved' })
    const life = r.measures.find((m) => m.measure === 'ons4_life_satisfaction')!
    expect(life).toMatchObject({ n: 10, meanBefore: 5, meanAfter: 7, meanChange: 2, verdict: 'improved' })
    expect(life.ci95!.low).toBeCloseTo(0.927, 3)
    expect(life.ci95!.high).toBeCloseTo(3.073, 3)
    expect(r.measures.map((m) => m.measure)).toEqual(['ons4_life_satisfaction', 'ucla3'])
  })

  test('counts people by the place each project works in, and names the funders whose money is in the awards', async () => {
    const r = await impactRollUp(db, { fundId: a.fundId })
    expect(r.byPlace.map((p) => [p.placeId, p.peopleReached, p.awards])).toEqual([
      [a.placeId, 40, 1],
      [otherPlaceId, 20, 1],
    ])
    expect(r.supportedBy).toEqual(Object.values(a.funders).sort())
  })

  test('narrows by place, round and pot, and a pot or funder scope sees only its own awards', async () => {
    expect((await impactRollUp(db, { fundId: a.fundId, placeId: otherPlaceId })).peopleReached).toBe(20)
    expect((await impactRollUp(db, { roundId: a.roundId })).peopleReached).toBe(60)
    expect((await impactRollUp(db, { potId: b.potId })).peopleReached).toBe(5)
    expect((await impactRollUp(db, { funderId: await funderId(b.funders.nhs) })).peopleReached).toBe(5)
    expect((await impactRollUp(db, {})).peopleReached).toBeGreaterThanOrEqual(65)
  })

  test('a funder viewer sees only the awards their own money funded; a pooled award counts in full for each funder', async () => {
    const nhsA = await funderId(a.funders.nhs)
    const lotteryA = await funderId(a.funders.lottery)
    const mine = await impactRollUp(db, {}, { funderIds: [nhsA] })
    expect(mine.peopleReached).toBe(60)
    expect(mine.measures.some((m) => m.measure === 'swemwbs')).toBe(false)
    expect((await impactRollUp(db, {}, { funderIds: [lotteryA] })).peopleReached).toBe(60)
    expect((await impactRollUp(db, { fundId: b.fundId }, { funderIds: [nhsA] })).peopleReached).toBe(0)
    expect((await impactRollUp(db, {}, { funderIds: [] })).peopleReached).toBe(0)
  })

  test('counts money paid to the reporting awards in full, and each funder’s share from its own tranche parts', async () => {
    const r = await impactRollUp(db, { fundId: a.fundId })
    expect(r.paidPence).toBe(500_000)
    expect(r.funds).toEqual([expect.objectContaining({ fundId: a.fundId, paidPence: 500_000 })])
    const shares = await Promise.all(Object.values(a.funders).map(async (name) => (await impactRollUp(db, {}, { funderIds: [await funderId(name)] })).sharePaidPence!))
    expect(shares.reduce((s, p) => s + p, 0)).toBe(500_000)
    const nhsParts = await db
      .selectFrom('tranche_parts')
      .innerJoin('tranches', 'tranches.id', 'tranche_parts.tranche_id')
      .select((eb) => eb.fn.sum<number>('tranche_parts.amount_pence').as('total'))
      .where('tranche_parts.contribution_id', '=', a.contributions.nhs)
      .where('tranches.status', '=', 'paid')
      .executeTakeFirstOrThrow()
    expect(shares[0]).toBe(Number(nhsParts.total))
  })

  test('flags SWEMWBS when its figures are in the roll-up', async () => {
    const r = await impactRollUp(db, { fundId: b.fundId })
    expect(r.swemwbs).toBe(true)
    expect(r.measures[0]).toMatchObject({ measure: 'swemwbs', n: 5, meanChange: 3 })
  })

  test('an unknown fund, pot or place is not found', async () => {
    await expect(impactRollUp(db, { fundId: 999_999 })).rejects.toBeInstanceOf(NotFoundError)
    await expect(impactRollUp(db, { potId: 999_999 })).rejects.toBeInstanceOf(NotFoundError)
    await expect(impactRollUp(db, { placeId: 999_999 })).rejects.toBeInstanceOf(NotFoundError)
  })
})

describe('SROI for a roll-up', () => {
  test('values the net people improved with the fund’s inputs over the money paid: £9,779.80 ÷ £5,000 = £1.96 per £1', async () => {
    // UCLA-3: d = 1.8333 / 1.1690 = 1.568, 2Φ(d) − 1 = 0.883, × 6 = 5.3 → 5 people; life satisfaction: d = 2 / 1.5,
    // 0.8176 × 10 → 8 people. With the defaults (£1,000 each, 25% deadweight, 30% attribution, 50% drop-off, 2 years,
    // 3.5%): UCLA 5 × £1,000 = £5,000 → £3,750 → £2,625 (year 1), £1,312.50 (year 2); ÷ 1.035 and 1.035²:
    // £2,536.23 + £1,225.23 = £3,761.46. Life: £8,000 → £6,000 → £4,200, £2,100 → £4,057.97 + £1,960.37 = £6,018.34.
    const sroi = await sroiForRollUp(db, await impactRollUp(db, { fundId: a.fundId }))
    const fund = sroi.funds[0]
    expect(fund.isDefault).toBe(true)
    expect(fund.lines.map((l) => [l.measure, l.peopleImproved, l.presentValuePence])).toEqual([
      ['ons4_life_satisfaction', 8, 601_834],
      ['ucla3', 5, 376_146],
    ])
    expect(sroi).toMatchObject({ valuePence: 977_980, paidPence: 500_000 })
    expect(sroi.sentence).toBe('£9,779.80 of social value ÷ £5,000.00 paid = £1.96 of social value for every £1 paid (an estimate: see the inputs and arithmetic).')
    expect(fund.lines[1].steps[0]).toBe('5 people improved × £1,000.00 = £5,000.00')
  })

  test('a fund manager’s saved inputs replace the defaults, with an audit entry', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const inputs = { ...DEFAULT_SROI_INPUTS, valuesPence: { ucla3: 200_000 }, deadweightPercent: 0, attributionPercent: 0, durationYears: 1, discountRatePercent: 0 }
    await db.transaction().execute((trx) => saveSroiInputs(trx, manager.id, { fundId: b.fundId, inputs }))
    expect(await fundSroiModel(db, b.fundId)).toMatchObject({ isDefault: false, inputs, updatedByName: manager.name })
    const audit = await db.selectFrom('audit_events').select(['action', 'actor_user_id']).where('entity_type', '=', 'fund').where('entity_id', '=', String(b.fundId)).execute()
    expect(audit).toEqual([{ action: 'sroi.inputs_changed', actor_user_id: manager.id }])
    // Fund B has SWEMWBS only, which has no value: no value created.
    const sroi = await sroiForRollUp(db, await impactRollUp(db, { fundId: b.fundId }))
    expect(sroi).toMatchObject({ valuePence: 0, paidPence: 100_000 })
  })
})
