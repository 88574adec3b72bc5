import type { Transaction } from 'kysely'
import { describe, expect, test, vi } from 'vitest'
import { createDatabase, databaseOptionsFromEnv } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { createPotWithContributions } from '../../../tests/factories/awards.ts'
import { assignRaw, createPanelRound, submitScoresRaw, type PanelRound } from '../../../tests/factories/assessment.ts'
import { linkRoundToPot } from '~/domain/budgets/pots.server.ts'
import { placesValidOn, ukToday } from '~/domain/places/places.server.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { createAwardFromDecision } from '~/domain/awards/awards.server.ts'
import { recordDecision, type RecordDecisionInput } from './decisions.server.ts'
import { listAttendees, setAttendees } from './minutes.server.ts'
import { potSplitBasis, releaseCommitment } from '~/domain/budgets/commitments.server.ts'
import { addContribution, recordReceipt } from '~/domain/budgets/contributions.server.ts'
import { createFunder, createRound } from '../../../tests/factories/awards.ts'
import { declareConflict } from './conflicts.server.ts'
import { moderate } from './moderation.server.ts'
import { canSeePanel, listPanelRounds, panelRound, panelView, readPotSplitBases, readWalkInputs, walkFrom, type PanelView } from './panel.server.ts'
import { releaseDecisions, releasePreview } from './release.server.ts'
import { permissionsFor } from '~/lib/policy.ts'

/** Scores that put bid i of the panel in order: first bid best. */
const SCORES = [
  [5, 5, 10, 1],
  [4, 4, 8, 1],
  [3, 3, 6, 1],
  [2, 2, 4, 1],
]

async function scoredPanel(options: Parameters<typeof createPanelRound>[1] = {}): Promise<PanelRound> {
  const panel = await createPanelRound(db, { bids: 3, assessors: 2, ...options })
  for (const [i, bid] of panel.bids.entries()) {
    for (const assessor of panel.assessors) await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: assessor.id, scores: SCORES[i]! })
  }
  return panel
}

function decide(actorId: number, input: RecordDecisionInput) {
  return db.transaction().execute((trx) => recordDecision(trx, actorId, input))
}

async function thrown(run: () => Promise<unknown>): Promise<DomainError> {
  try {
    await run()
  } catch (e) {
    if (e instanceof DomainError) return e
    throw e
  }
  throw new Error('expected a DomainError')
}

describe('the ranked list and its running totals', () => {
  test('before any decision the running total funds down the list against the round budget', async () => {
    const panel = await scoredPanel({ budgetPence: 6_000_000 })
    const view = await panelView(db, panel.roundId)
    expect(view.rows.map((r) => r.reference)).toEqual(panel.bids.map((b) => b.reference))
    expect(view.rows.map((r) => [r.rank, r.runningTotalPence, r.roundLeftPence])).toEqual([
      [1, 2_500_000, 3_500_000],
      [2, 5_000_000, 1_000_000],
      [3, 7_500_000, -1_500_000],
    ])
    expect(view.totals).toMatchObject({ countedPence: 7_500_000, roundLeftPence: -1_500_000, decided: 0, bids: 3 })
  })

  test('reserve and declined bids leave the running total; a recommended amount replaces the request', async () => {
    const panel = await scoredPanel({ budgetPence: 6_000_000 })
    const [a, b] = panel.bids
    await decide(panel.chair.id, { applicationId: a!.applicationId, status: 'recommended', amountPence: 2_000_000, rationale: 'Strong need' })
    await decide(panel.chair.id, { applicationId: b!.applicationId, status: 'reserve', rationale: 'Close to the line' })
    const view = await panelView(db, panel.roundId)
    expect(view.rows.map((r) => [r.counted, r.amountPence, r.runningTotalPence, r.roundLeftPence])).toEqual([
      [true, 2_000_000, 2_000_000, 4_000_000],
      [false, 2_500_000, 2_000_000, 4_000_000],
      [true, 2_500_000, 4_500_000, 1_500_000],
    ])
    expect(view.rows[0]!.decision).toMatchObject({ status: 'recommended', amountPence: 2_000_000, rationale: 'Strong need', decidedByName: 'Chair Person' })
    expect(view.totals).toMatchObject({ recommendedPence: 2_000_000, decided: 2 })
  })

  test('a gateway fail does not count, and money is drawn from the place pot with each ring-fenced contribution’s balance', async () => {
    const places = await placesValidOn(db, ukToday())
    const [here, elsewhere] = [places[0]!.id, places[1]!.id]
    const panel = await createPanelRound(db, { bids: [{ placeId: here }, { placeId: here }, { placeId: elsewhere }, { placeId: here }], assessors: 1 })
    for (const [i, bid] of panel.bids.entries()) {
      const scores = i === 3 ? [5, 5, 10, 0] : SCORES[i]!
      await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: panel.assessors[0]!.id, scores })
    }
    const { pot, contributions } = await createPotWithContributions(db, {
      placeId: here,
      contributions: [
        { funderName: 'Council', pledgedPence: 3_000_000, receivedPence: 3_000_000 },
        { funderName: 'NHS', pledgedPence: 2_000_000, receivedPence: 2_000_000, conditions: { placeIds: [here] } },
      ],
    })
    await db.transaction().execute((trx) => linkRoundToPot(trx, null, { potId: pot.id, roundId: panel.roundId }))

    const view = await panelView(db, panel.roundId)
    expect(view.pots).toEqual([expect.objectContaining({ potId: pot.id, startPence: 5_000_000, leftPence: 0 })])
    expect(view.ringFenced).toEqual([expect.objectContaining({ contributionId: contributions[1]!.id, startPence: 2_000_000, leftPence: 0 })])
    const [first, second, third, failed] = view.rows
    // 2.5m shared 3:2 between the contributions, then the rest.
    expect(first).toMatchObject({ pot: { potId: pot.id, leftPence: 2_500_000 }, ringFenced: [{ contributionId: contributions[1]!.id, leftPence: 1_000_000 }], shortfall: null })
    expect(second).toMatchObject({ pot: { potId: pot.id, leftPence: 0 }, ringFenced: [{ leftPence: 0 }] })
    expect(third!.pot).toBeNull()
    expect(third!.shortfall).toMatch(/No pot in this round serves the bid’s place/)
    expect(failed).toMatchObject({ gatewayFailed: true, counted: false, runningTotalPence: 7_500_000, failedGatewayNames: ['Safeguarding policy in place'] })
  })
})

describe('the ranked list at scale', () => {
  /** The app's db, counting the queries run through it. */
  function countingDb() {
    const counter = { queries: 0 }
    const counted = db.withPlugin({
      transformQuery: (args) => {
        counter.queries++
        return args.node
      },
      transformResult: async (args) => args.result,
    })
    return { counted, counter }
  }

  async function queriesForPanelOf(bids: number): Promise<number> {
    const places = await placesValidOn(db, ukToday())
    const here = places[0]!.id
    const panel = await createPanelRound(db, { bids: Array.from({ length: bids }, () => ({ placeId: here })), assessors: 1 })
    for (const [i, bid] of panel.bids.entries()) await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: panel.assessors[0]!.id, scores: SCORES[i % SCORES.length]! })
    const { pot } = await createPotWithContributions(db, {
      placeId: here,
      contributions: [
        { funderName: 'Council', pledgedPence: 30_000_000, receivedPence: 30_000_000 },
        { funderName: 'NHS', pledgedPence: 20_000_000, receivedPence: 20_000_000, conditions: { placeIds: [here] } },
      ],
    })
    await db.transaction().execute((trx) => linkRoundToPot(trx, null, { potId: pot.id, roundId: panel.roundId }))
    const { counted, counter } = countingDb()
    const view = await panelView(counted, panel.roundId)
    expect(view.rows.filter((r) => r.pot?.potId === pot.id)).toHaveLength(bids)
    return counter.queries
  }

  test('all the round’s pots’ balances come from one query and equal each pot’s own split basis', async () => {
    const places = await placesValidOn(db, ukToday())
    const here = places[0]!.id
    const local = await createPotWithContributions(db, {
      placeId: here,
      contributions: [
        { funderName: 'Council', pledgedPence: 3_000_000, receivedPence: 1_000_000 },
        { funderName: 'NHS', pledgedPence: 2_000_000, receivedPence: 2_000_000, conditions: { placeIds: [here], maxSharePercent: 40 } },
      ],
    })
    const national = await createPotWithContributions(db, { contributions: [{ funderName: 'Trust', pledgedPence: 5_000_000, receivedPence: 4_500_000 }] })
    const potIds = [local.pot.id, national.pot.id]
    const { counted, counter } = countingDb()
    const batched = await readPotSplitBases(counted, potIds)
    expect(counter.queries).toBe(1)
    for (const potId of potIds) expect(batched.get(potId)).toEqual(await potSplitBasis(db, potId))
    expect(batched.get(local.pot.id)!.balances.get(local.contributions[0]!.id)).toMatchObject({ available: 1_000_000, outstanding: 2_000_000 })
  })

  test('reads each pot once, not once per bid: eight bids take as many queries as two', async () => {
    expect(await queriesForPanelOf(8)).toBe(await queriesForPanelOf(2))
  })
})

describe('the kept walk', () => {
  /** Each row's money and the pots' and totals, as panelView gives them. */
  const money = (view: Omit<PanelView, 'round' | 'latestRun' | 'ringFenced'>) => ({
    rows: view.rows.map((r) => ({ applicationId: r.applicationId, rank: r.rank, moderatedTotalMilli: r.moderatedTotalMilli, gatewayFailed: r.gatewayFailed, counted: r.counted, runningTotalPence: r.runningTotalPence, roundLeftPence: r.roundLeftPence, pot: r.pot, ringFenced: r.ringFenced, shortfall: r.shortfall, award: r.award })),
    pots: view.pots,
    totals: view.totals,
  })

  /** The view (through the kept walk when nothing it reads has changed) against a walk worked out afresh now. */
  async function expectFresh(roundId: number) {
    const view = await panelView(db, roundId)
    const round = await panelRound(db, roundId)
    const fresh = walkFrom((await readWalkInputs(db, roundId)).inputs, round, ukToday())
    const rows = fresh.entries.map(({ entry, money }) => ({ applicationId: entry.applicationId, rank: entry.rank, moderatedTotalMilli: entry.moderatedTotalMilli, gatewayFailed: entry.gatewayFailed, ...money, award: money.award }))
    expect(money(view)).toEqual({ rows, pots: fresh.pots, totals: fresh.totals })
    return money(view)
  }

  test('is reused while nothing it reads changes, and after every kind of change equals a walk worked out afresh', async () => {
    const places = await placesValidOn(db, ukToday())
    const [here, elsewhere] = [places[0]!.id, places[1]!.id]
    const panel = await createPanelRound(db, { bids: [{ placeId: here }, { placeId: here }, { placeId: here }, { placeId: elsewhere }], assessors: 2, budgetPence: 9_000_000 })
    const [a, b, c, d] = panel.bids.map((x) => x.applicationId) as [number, number, number, number]
    for (const [i, bid] of panel.bids.entries()) {
      for (const assessor of panel.assessors) await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: assessor.id, scores: SCORES[i]! })
    }
    const { pot, contributions, actorId } = await createPotWithContributions(db, {
      placeId: here,
      contributions: [
        { funderName: 'Council', pledgedPence: 4_000_000, receivedPence: 3_000_000 },
        { funderName: 'NHS', pledgedPence: 2_000_000, receivedPence: 2_000_000, conditions: { outcomeAreas: ['health_and_wellbeing'] } },
      ],
    })
    const [council, nhs] = contributions as [(typeof contributions)[number], (typeof contributions)[number]]
    await db.transaction().execute((trx) => linkRoundToPot(trx, null, { potId: pot.id, roundId: panel.roundId }))

    let before = await expectFresh(panel.roundId)
    // Nothing changed: the same walk (the very same objects) serves the next view.
    const first = await panelView(db, panel.roundId)
    expect((await panelView(db, panel.roundId)).rows[0]!.pot).toBe(first.rows[0]!.pot)

    /** Makes a change, then checks the view moved with it and equals a fresh walk. */
    async function after(change: () => Promise<unknown>) {
      await change()
      const now = await expectFresh(panel.roundId)
      expect(now).not.toEqual(before)
      before = now
    }
    const trx = <T,>(f: (t: Transaction<DB>) => Promise<T>) => db.transaction().execute(f)

    // Decisions: recommended at less than asked, then changed to the reserve list.
    await after(() => decide(panel.chair.id, { applicationId: a, status: 'recommended', amountPence: 2_000_000, rationale: 'Strong need' }))
    await after(() => decide(panel.chair.id, { applicationId: a, status: 'reserve', rationale: 'Close to the line' }))
    // Scores: another submission, a chair's moderation, a conflict declared on a submitted assessment.
    let chairOnD = 0
    await after(async () => (chairOnD = await submitScoresRaw(db, panel, { applicationId: d, assessorId: panel.chair.id, scores: [5, 5, 10, 1] })))
    await after(() => trx((t) => moderate(t, panel.chair.id, { applicationId: c, criterionId: panel.criteria[2]!.id, score: 10, rationale: 'Evidence at interview' })))
    await after(() => trx((t) => declareConflict(t, panel.manager.id, { assessmentId: chairOnD, type: 'financial', note: 'Treasurer', onBehalf: true })))
    // An award made and committed to the pot, then its commitment released.
    await after(() => decide(panel.chair.id, { applicationId: b, status: 'recommended', rationale: 'Good' }))
    const award = await trx((t) => createAwardFromDecision(t, panel.manager.id, { applicationId: b, amountPence: 2_500_000, potId: pot.id, idempotencyKey: `award-${b}` }))
    before = await expectFresh(panel.roundId)
    expect(before.rows.find((r) => r.applicationId === b)!.award).toMatchObject({ committedPence: 2_500_000 })
    await after(() => db.updateTable('awards').set({ reference: `AWD-RENAMED-${b}` }).where('id', '=', award.award.id).execute())
    await after(() => trx((t) => releaseCommitment(t, actorId, { awardId: award.award.id, reason: 'Withdrawn', idempotencyKey: `release-${b}` })))
    // Money: a receipt, and a new contribution received.
    await after(() => trx((t) => recordReceipt(t, actorId, { contributionId: council.id, amountPence: 1_000_000, receivedOn: '2026-04-03', reference: 'BACS 2', idempotencyKey: `receipt-2-${council.id}`, overPledgeReason: null })))
    await after(async () => {
      const funder = await createFunder(db, `Trust ${pot.id}`)
      await trx(async (t) => {
        const added = await addContribution(t, actorId, { potId: pot.id, funderId: funder.id, pledgedPence: 1_000_000, instalments: [{ dueDate: '2026-04-01', amountPence: 1_000_000 }], conditions: { maxSharePercent: 10 } })
        await recordReceipt(t, actorId, { contributionId: added.id, amountPence: 1_000_000, receivedOn: '2026-04-02', reference: 'BACS', idempotencyKey: `receipt-${added.id}`, overPledgeReason: null })
      })
    })
    // The bids: an amount, outcome areas, a place, screening.
    await after(() => db.updateTable('applications').set({ amount_requested_pence: 1_500_000 }).where('id', '=', c).execute())
    await after(() => db.updateTable('applications').set({ outcome_areas: JSON.stringify(['health_and_wellbeing']) }).where('id', '=', c).execute())
    await after(() => db.updateTable('applications').set({ place_id: here }).where('id', '=', d).execute())
    await after(() => db.updateTable('applications').set({ screening_override: 'ineligible' }).where('id', '=', d).execute())
    // A ring-fence changed (this fund only, half of any award at most, to be spent by today); a contributor renamed.
    const today = ukToday()
    await after(() => db.updateTable('contributions').set({ conditions: JSON.stringify({ placeIds: null, outcomeAreas: null, fundIds: [panel.fundId], roundIds: null, spendBy: today, maxSharePercent: 50 }) }).where('id', '=', nhs.id).execute())
    await after(() => db.updateTable('funders').set({ name: `NHS England ${nhs.id}` }).where('id', '=', nhs.funderId).execute())
    // The round's budget and fund; the pot renamed, closed, then opened again; the next day (the NHS money had to be spent by today).
    await after(() => db.updateTable('rounds').set({ budget_pence: 4_000_000 }).where('id', '=', panel.roundId).execute())
    const otherFund = (await createRound(db)).fundId
    await after(() => db.updateTable('rounds').set({ fund_id: otherFund }).where('id', '=', panel.roundId).execute())
    await after(() => db.updateTable('rounds').set({ fund_id: panel.fundId }).where('id', '=', panel.roundId).execute())
    await after(() => db.updateTable('pots').set({ name: `Renamed pot ${pot.id}` }).where('id', '=', pot.id).execute())
    await after(() => db.updateTable('pots').set({ status: 'closed' }).where('id', '=', pot.id).execute())
    await after(() => db.updateTable('pots').set({ status: 'open' }).where('id', '=', pot.id).execute())
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      await after(async () => vi.setSystemTime(new Date(Date.now() + 2 * 86_400_000)))
    } finally {
      vi.useRealTimers()
    }
  })

  /** `db`, recording the SQL of each statement run through executeQuery (as the walk's reads are). */
  function recording(): { db: typeof db; statements: string[] } {
    const statements: string[] = []
    const wrapped = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop === 'executeQuery') return (query: { sql: string }) => (statements.push(query.sql), db.executeQuery(query as never))
        return Reflect.get(target, prop, receiver)
      },
    })
    return { db: wrapped, statements }
  }
  // The walk's inputs are read by one query, the only one that asks for the round's latest optimiser run.
  const readsInputs = (statements: string[]) => statements.some((text) => text.includes('latest_run_id'))

  test('with nothing committed since, the next view reads neither the inputs nor the names: only whether anything changed', async () => {
    const places = await placesValidOn(db, ukToday())
    const panel = await createPanelRound(db, { bids: [{ placeId: places[0]!.id }, { placeId: places[0]!.id }], assessors: 1, budgetPence: 9_000_000 })
    for (const [i, bid] of panel.bids.entries()) await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: panel.assessors[0]!.id, scores: SCORES[i]! })
    const first = recording()
    const view = await panelView(first.db, panel.roundId)
    expect(readsInputs(first.statements)).toBe(true)
    const second = recording()
    expect(await panelView(second.db, panel.roundId)).toEqual(view)
    expect(readsInputs(second.statements)).toBe(false)
    // Any write at all (here a bid's amount) means the inputs are read again, and the view follows them.
    await db.updateTable('applications').set({ amount_requested_pence: 1_234_500 }).where('id', '=', panel.bids[0]!.applicationId).execute()
    const third = recording()
    const after = await panelView(third.db, panel.roundId)
    expect(readsInputs(third.statements)).toBe(true)
    expect(after.rows.find((r) => r.applicationId === panel.bids[0]!.applicationId)!.amountRequestedPence).toBe(1_234_500)
  })

  test('a change committed by another connection (another server process) is in the next view', async () => {
    const places = await placesValidOn(db, ukToday())
    const panel = await createPanelRound(db, { bids: [{ placeId: places[0]!.id }, { placeId: places[0]!.id }], assessors: 1, budgetPence: 9_000_000 })
    for (const [i, bid] of panel.bids.entries()) await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: panel.assessors[0]!.id, scores: SCORES[i]! })
    const bid = panel.bids[1]!.applicationId
    const before = await panelView(db, panel.roundId)
    await panelView(db, panel.roundId)
    const other = createDatabase(databaseOptionsFromEnv())
    try {
      await other.db.updateTable('applications').set({ amount_requested_pence: 2_345_600 }).where('id', '=', bid).execute()
    } finally {
      await other.close()
    }
    const after = await panelView(db, panel.roundId)
    expect(after.rows.find((r) => r.applicationId === bid)!.amountRequestedPence).toBe(2_345_600)
    expect(after.totals).not.toEqual(before.totals)
    const fresh = walkFrom((await readWalkInputs(db, panel.roundId)).inputs, await panelRound(db, panel.roundId), ukToday())
    expect(after.totals).toEqual(fresh.totals)
  })
})

describe('outcome ring-fences in the running totals', () => {
  test('health-only money funds a bid only once the fund manager has recorded that it works towards health outcomes', async () => {
    const here = (await placesValidOn(db, ukToday()))[0]!.id
    const panel = await createPanelRound(db, { bids: [{ placeId: here, amountPence: 1_000_000 }], assessors: 1 })
    const bid = panel.bids[0]!
    await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: panel.assessors[0]!.id, scores: SCORES[0]! })
    const { pot } = await createPotWithContributions(db, {
      placeId: here,
      contributions: [{ funderName: 'NHS', pledgedPence: 2_000_000, receivedPence: 2_000_000, conditions: { outcomeAreas: ['health_and_wellbeing'] } }],
    })
    await db.transaction().execute((trx) => linkRoundToPot(trx, null, { potId: pot.id, roundId: panel.roundId }))
    expect((await panelView(db, panel.roundId)).rows[0]!.shortfall).toMatch(/Health and wellbeing outcomes only/)
    await db.updateTable('applications').set({ outcome_areas: JSON.stringify(['health_and_wellbeing']) }).where('id', '=', bid.applicationId).execute()
    const row = (await panelView(db, panel.roundId)).rows[0]!
    expect(row).toMatchObject({ shortfall: null, pot: { potId: pot.id, leftPence: 1_000_000 } })
  })
})

describe('bids whose award is already made', () => {
  test('count once: the award is shown as committed and the pot is not drawn on again; ring-fences name their places', async () => {
    const here = (await placesValidOn(db, ukToday()))[0]!
    const panel = await createPanelRound(db, { bids: [{ placeId: here.id, amountPence: 1_000_000 }], assessors: 1 })
    const bid = panel.bids[0]!
    await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: panel.assessors[0]!.id, scores: SCORES[0]! })
    const { pot } = await createPotWithContributions(db, {
      placeId: here.id,
      contributions: [{ funderName: 'NHS', pledgedPence: 3_000_000, receivedPence: 3_000_000, conditions: { placeIds: [here.id] } }],
    })
    await db.transaction().execute((trx) => linkRoundToPot(trx, null, { potId: pot.id, roundId: panel.roundId }))
    await decide(panel.chair.id, { applicationId: bid.applicationId, status: 'recommended', rationale: 'Strong local need' })
    const before = await panelView(db, panel.roundId)
    expect(before.ringFenced[0]!.conditions[0]).toBe(`Only for projects in ${here.name.replace(/ Integrated Care Board$/, '')}`)
    expect(before.rows[0]).toMatchObject({ pot: { potId: pot.id, leftPence: 2_000_000 }, shortfall: null })
    await db.transaction().execute((trx) =>
      createAwardFromDecision(trx, panel.manager.id, { applicationId: bid.applicationId, amountPence: 1_000_000, potId: pot.id, idempotencyKey: `award-${bid.applicationId}` }),
    )
    const after = await panelView(db, panel.roundId)
    expect(after.rows[0]).toMatchObject({ award: { committedPence: 1_000_000 }, pot: null, shortfall: null })
    expect(after.pots[0]).toMatchObject({ startPence: 2_000_000, leftPence: 2_000_000 })
  })
})

describe('recording a decision', () => {
  test('declining needs a reason from the round’s list; feedback is optional', async () => {
    const panel = await scoredPanel()
    const applicationId = panel.bids[0]!.applicationId
    const missing = await thrown(() => decide(panel.chair.id, { applicationId, status: 'declined', rationale: 'Weak' }))
    expect(missing).toMatchObject({ status: 400, field: 'declineReason', message: 'Choose the reason for declining the bid' })
    const invented = await thrown(() => decide(panel.chair.id, { applicationId, status: 'declined', rationale: 'Weak', declineReason: 'We did not like it' }))
    expect(invented).toMatchObject({ status: 400, field: 'declineReason' })
    expect(await db.selectFrom('panel_decisions').select('id').where('application_id', '=', applicationId).execute()).toHaveLength(0)
    await decide(panel.chair.id, { applicationId, status: 'declined', rationale: 'Weak', declineReason: 'Did not show enough local need', feedback: 'Tell us who comes' })
    const row = await db.selectFrom('panel_decisions').selectAll().where('application_id', '=', applicationId).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'declined', decline_reason: 'Did not show enough local need', feedback: 'Tell us who comes', amount_pence: null, decided_by: panel.chair.id })
    const audit = await db.selectFrom('audit_events').select('action').where('action', '=', 'panel.decision_recorded').where('entity_id', '=', String(applicationId)).execute()
    expect(audit).toHaveLength(1)
  })

  test('a recommended amount defaults to the request and must be above £0 and within the largest grant', async () => {
    const panel = await scoredPanel()
    const applicationId = panel.bids[0]!.applicationId
    expect(await thrown(() => decide(panel.chair.id, { applicationId, status: 'recommended', amountPence: 0, rationale: 'Good' }))).toMatchObject({ field: 'amount', status: 400 })
    expect(await thrown(() => decide(panel.chair.id, { applicationId, status: 'recommended', amountPence: 5_000_001, rationale: 'Good' }))).toMatchObject({
      field: 'amount',
      message: 'The amount must be no more than the round’s largest grant, £50,000.00',
    })
    expect(await thrown(() => decide(panel.chair.id, { applicationId, status: 'recommended', rationale: ' ' }))).toMatchObject({ field: 'rationale' })
    await decide(panel.chair.id, { applicationId, status: 'recommended', rationale: 'Good' })
    const row = await db.selectFrom('panel_decisions').select(['status', 'amount_pence']).where('application_id', '=', applicationId).executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'recommended', amount_pence: 2_500_000 })
  })

  test('a chair with a declared conflict on the bid is refused (403) and nothing is written', async () => {
    const panel = await scoredPanel()
    const applicationId = panel.bids[0]!.applicationId
    await assignRaw(db, applicationId, panel.chair.id, 'conflict')
    const error = await thrown(() => decide(panel.chair.id, { applicationId, status: 'recommended', rationale: 'Good' }))
    expect(error.status).toBe(403)
    expect(error.message).toContain(panel.bids[0]!.reference)
    expect(await db.selectFrom('panel_decisions').select('id').where('round_id', '=', panel.roundId).execute()).toHaveLength(0)
    // Another bid is fine.
    await decide(panel.chair.id, { applicationId: panel.bids[1]!.applicationId, status: 'reserve', rationale: 'Close' })
  })
})

describe('who sees which panel', () => {
  test('a chair sees only the rounds whose panel they sit on; a fund manager sees all; an assessor none', async () => {
    const mine = await createPanelRound(db, { bids: 1, assessors: 1 })
    const other = await createPanelRound(db, { bids: 1, assessors: 1 })
    const chair = { id: mine.chair.id, permissions: permissionsFor(['panel_chair']) }
    expect(await canSeePanel(db, chair, mine.roundId)).toBe(true)
    expect(await canSeePanel(db, chair, other.roundId)).toBe(false)
    expect((await listPanelRounds(db, chair)).map((r) => r.id)).toContain(mine.roundId)
    expect((await listPanelRounds(db, chair)).map((r) => r.id)).not.toContain(other.roundId)
    const manager = { id: mine.manager.id, permissions: permissionsFor(['fund_manager']) }
    expect(await canSeePanel(db, manager, other.roundId)).toBe(true)
    const assessor = { id: mine.assessors[0]!.id, permissions: permissionsFor(['assessor']) }
    expect(await canSeePanel(db, assessor, mine.roundId)).toBe(false)
  })
})

describe('releasing decisions', () => {
  test('is refused while a bid has no decision, naming it, and nothing changes', async () => {
    const panel = await scoredPanel()
    await decide(panel.chair.id, { applicationId: panel.bids[0]!.applicationId, status: 'recommended', rationale: 'Good' })
    const error = await thrown(() => db.transaction().execute((trx) => releaseDecisions(trx, panel.manager.id, { roundId: panel.roundId, now: new Date() })))
    expect(error.status).toBe(409)
    expect(error.message).toContain(panel.bids[1]!.reference)
    expect(error.message).toContain(panel.bids[2]!.reference)
    const round = await db.selectFrom('rounds').select('decisions_released_at').where('id', '=', panel.roundId).executeTakeFirstOrThrow()
    expect(round.decisions_released_at).toBeNull()
    const admins = panel.bids.map((x) => x.admin.email)
    expect(await db.selectFrom('outbox_messages').select('id').where('to_address', 'in', admins).where('template', 'like', 'decision-%').execute()).toHaveLength(0)
  })

  test('sets each application’s status, emails each organisation its outcome with the feedback, and locks the decisions', async () => {
    const panel = await scoredPanel()
    const [a, b, c] = panel.bids
    await decide(panel.chair.id, { applicationId: a!.applicationId, status: 'recommended', amountPence: 2_000_000, rationale: 'Good' })
    await decide(panel.chair.id, { applicationId: b!.applicationId, status: 'reserve', rationale: 'Close', feedback: 'Nearly there' })
    await decide(panel.chair.id, { applicationId: c!.applicationId, status: 'declined', rationale: 'Weak', declineReason: 'Did not show enough local need', feedback: 'Tell us who comes' })
    const preview = await releasePreview(db, panel.roundId)
    expect(preview).toMatchObject({ bids: 3, missing: [], counts: { recommended: 1, reserve: 1, declined: 1 }, recommendedPence: 2_000_000, emails: 3 })

    const now = new Date('2027-02-20T10:00:00Z')
    const result = await db.transaction().execute((trx) => releaseDecisions(trx, panel.manager.id, { roundId: panel.roundId, now }))
    expect(result).toEqual({ released: 3, emails: 3 })
    const apps = await db.selectFrom('applications').select(['id', 'status', 'decided_at', 'decision_reason']).where('round_id', '=', panel.roundId).orderBy('id').execute()
    expect(apps.map((x) => x.status)).toEqual(['successful', 'reserve', 'unsuccessful'])
    expect(apps[2]).toMatchObject({ decided_at: now.toISOString(), decision_reason: 'Did not show enough local need — Tell us who comes' })

    const emails = await db.selectFrom('outbox_messages').select(['template', 'to_address', 'subject', 'body_text']).where('to_address', 'in', panel.bids.map((x) => x.admin.email)).orderBy('id').execute()
    expect(emails.map((e) => [e.template, e.to_address])).toEqual([
      ['decision-successful', a!.admin.email],
      ['decision-reserve', b!.admin.email],
      ['decision-unsuccessful', c!.admin.email],
    ])
    expect(emails[0]!.body_text).toContain('£20,000.00')
    expect(emails[1]!.body_text).toContain('Feedback from the panel: Nearly there')
    expect(emails[2]!.body_text).toContain('The reason: Did not show enough local need')
    expect(emails[2]!.body_text).toContain('Tell us who comes')

    const round = await db.selectFrom('rounds').select('decisions_released_at').where('id', '=', panel.roundId).executeTakeFirstOrThrow()
    expect(round.decisions_released_at).toBe(now.toISOString())
    const locked = await thrown(() => decide(panel.chair.id, { applicationId: a!.applicationId, status: 'reserve', rationale: 'Changed our minds' }))
    expect(locked.status).toBe(409)
    const again = await thrown(() => db.transaction().execute((trx) => releaseDecisions(trx, panel.manager.id, { roundId: panel.roundId, now })))
    expect(again.status).toBe(409)
    // Released bids stay on the panel's list with their decisions.
    const view = await panelView(db, panel.roundId)
    expect(view.rows.map((r) => r.decision?.releasedAt)).toEqual([now.toISOString(), now.toISOString(), now.toISOString()])
  })
})

describe('attendees', () => {
  test('replaces the list and the date; a row without a role is refused and nothing changes', async () => {
    const panel = await scoredPanel()
    await db.transaction().execute((trx) =>
      setAttendees(trx, panel.chair.id, panel.roundId, [{ userId: panel.chair.id, name: 'Chair Person', role: 'Chair' }, { userId: null, name: 'Observer One', role: 'Observer' }, { userId: null, name: '', role: '' }], { panelHeldOn: '2027-02-14' }),
    )
    expect((await listAttendees(db, panel.roundId)).map((a) => [a.name, a.role])).toEqual([
      ['Chair Person', 'Chair'],
      ['Observer One', 'Observer'],
    ])
    const error = await thrown(() => db.transaction().execute((trx) => setAttendees(trx, panel.chair.id, panel.roundId, [{ userId: null, name: 'Someone', role: ' ' }])))
    expect(error).toMatchObject({ status: 400, field: 'attendees[0].role' })
    expect(await listAttendees(db, panel.roundId)).toHaveLength(2)
    const round = await db.selectFrom('rounds').select('panel_held_on').where('id', '=', panel.roundId).executeTakeFirstOrThrow()
    expect(round.panel_held_on).toBe('2027-02-14')
  })
})
