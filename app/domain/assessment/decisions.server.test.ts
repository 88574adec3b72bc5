import { describe, expect, test } from 'vitest'
import { assignRaw, createPanelRound, submitScoresRaw, type PanelRound } from '../../../tests/factories/assessment.ts'
import { db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { acceptProposal, gatewayDeclineReason, inputsFingerprint, recordDecision } from './decisions.server.ts'
import type { OptimiserInput } from './optimiser.server.ts'

async function thrown(run: () => Promise<unknown>): Promise<DomainError> {
  try {
    await run()
  } catch (e) {
    if (e instanceof DomainError) return e
    throw e
  }
  throw new Error('expected a DomainError')
}

/** Four bids: three scored in order, the fourth failing the safeguarding gateway. */
async function panelWithGatewayFail(declineReasons?: string[]): Promise<PanelRound> {
  const panel = await createPanelRound(db, { bids: 4, assessors: 1, settings: declineReasons ? { decline_reasons: declineReasons } : {} })
  const scores = [
    [5, 5, 10, 1],
    [4, 4, 8, 1],
    [3, 3, 6, 1],
    [5, 5, 10, 0],
  ]
  for (const [i, bid] of panel.bids.entries()) await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: panel.assessors[0]!.id, scores: scores[i]! })
  return panel
}

/** A stored proposal choosing `selected` among the round's passing bids (as the optimiser would store it). */
async function storedRun(panel: PanelRound, selected: number[], status: 'proposed' | 'superseded' = 'proposed'): Promise<number> {
  const input: OptimiserInput = {
    budgetPence: 5_000_000,
    bids: panel.bids.slice(0, 3).map((b) => ({ id: b.applicationId, label: b.reference, scoreMilli: 50_000, amountPence: b.amountPence, placeId: b.placeId, placeName: null })),
    sources: null,
    placeLimits: [],
  }
  const { json, sha256 } = inputsFingerprint(input)
  const row = await db
    .insertInto('optimiser_runs')
    .values({ round_id: panel.roundId, status, inputs: json, inputs_sha256: sha256, selected: JSON.stringify(selected), greedy_selected: JSON.stringify(selected), created_by: panel.chair.id })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

const decisionsOf = (panel: PanelRound) =>
  db
    .selectFrom('panel_decisions')
    .select(['application_id', 'status', 'amount_pence', 'decline_reason', 'proposed_status', 'override_reason', 'optimiser_run_id'])
    .where('round_id', '=', panel.roundId)
    .orderBy('application_id')
    .execute()

describe('accepting the optimiser’s proposal', () => {
  test('decides every bid: chosen recommended at the request, the rest reserve, a gateway fail declined with its reason', async () => {
    const panel = await panelWithGatewayFail(['Did not show enough local need', 'Did not pass Safeguarding policy in place'])
    const [a, b, c, failed] = panel.bids.map((x) => x.applicationId) as [number, number, number, number]
    const runId = await storedRun(panel, [a, b])
    const result = await db.transaction().execute((trx) => acceptProposal(trx, panel.chair.id, { runId, overrides: [] }))
    expect(result).toEqual({ decided: 4, overridden: 0 })
    expect(await decisionsOf(panel)).toEqual([
      { application_id: a, status: 'recommended', amount_pence: 2_500_000, decline_reason: null, proposed_status: 'recommended', override_reason: null, optimiser_run_id: runId },
      { application_id: b, status: 'recommended', amount_pence: 2_500_000, decline_reason: null, proposed_status: 'recommended', override_reason: null, optimiser_run_id: runId },
      { application_id: c, status: 'reserve', amount_pence: null, decline_reason: null, proposed_status: 'reserve', override_reason: null, optimiser_run_id: runId },
      { application_id: failed, status: 'declined', amount_pence: null, decline_reason: 'Did not pass Safeguarding policy in place', proposed_status: 'declined', override_reason: null, optimiser_run_id: runId },
    ])
    const run = await db.selectFrom('optimiser_runs').select(['status', 'accepted_by']).where('id', '=', runId).executeTakeFirstOrThrow()
    expect(run).toEqual({ status: 'accepted', accepted_by: panel.chair.id })
    // Accepted once: a second acceptance is refused.
    expect((await thrown(() => db.transaction().execute((trx) => acceptProposal(trx, panel.chair.id, { runId, overrides: [] })))).status).toBe(409)
  })

  test('an override keeps what was proposed and needs a reason; without one nothing is written', async () => {
    const panel = await panelWithGatewayFail()
    const [a, b, c] = panel.bids.map((x) => x.applicationId) as [number, number, number]
    const runId = await storedRun(panel, [a, b])
    const missing = await thrown(() => db.transaction().execute((trx) => acceptProposal(trx, panel.chair.id, { runId, overrides: [{ applicationId: c, status: 'recommended', reason: '  ' }] })))
    expect(missing).toMatchObject({ status: 400, field: 'overrides[0].reason' })
    expect(await decisionsOf(panel)).toEqual([])

    await db.transaction().execute((trx) => acceptProposal(trx, panel.chair.id, { runId, overrides: [{ applicationId: c, status: 'recommended', reason: 'Only bid in the north' }, { applicationId: a, status: 'recommended', reason: '' }] }))
    const rows = await decisionsOf(panel)
    expect(rows.find((r) => r.application_id === c)).toMatchObject({ status: 'recommended', amount_pence: 2_500_000, proposed_status: 'reserve', override_reason: 'Only bid in the north' })
    // An "override" that matches the proposal changes nothing and needs no reason.
    expect(rows.find((r) => r.application_id === a)).toMatchObject({ status: 'recommended', override_reason: null })
    expect(rows.find((r) => r.application_id === b)).toMatchObject({ status: 'recommended', proposed_status: 'recommended' })
  })

  test('after acceptance, a decision differing from the proposal needs a reason; one matching it does not', async () => {
    const panel = await panelWithGatewayFail()
    const [a, , c] = panel.bids.map((x) => x.applicationId) as [number, number, number]
    const runId = await storedRun(panel, [a])
    await db.transaction().execute((trx) => acceptProposal(trx, panel.chair.id, { runId, overrides: [] }))
    const refused = await thrown(() => db.transaction().execute((trx) => recordDecision(trx, panel.chair.id, { applicationId: a, status: 'reserve', rationale: 'Second thoughts' })))
    expect(refused).toMatchObject({ status: 400, field: 'overrideReason' })
    expect(refused.message).toContain('Recommended for funding')
    await db.transaction().execute((trx) => recordDecision(trx, panel.chair.id, { applicationId: a, status: 'reserve', rationale: 'Second thoughts', overrideReason: 'Delivery risk found at the meeting' }))
    await db.transaction().execute((trx) => recordDecision(trx, panel.chair.id, { applicationId: c, status: 'reserve', rationale: 'As proposed' }))
    const rows = await decisionsOf(panel)
    expect(rows.find((r) => r.application_id === a)).toMatchObject({ status: 'reserve', proposed_status: 'recommended', override_reason: 'Delivery risk found at the meeting', optimiser_run_id: runId })
    expect(rows.find((r) => r.application_id === c)).toMatchObject({ status: 'reserve', proposed_status: 'reserve', override_reason: null })
  })

  test('a chair with a conflict on a bid in the proposal cannot accept it (403); a superseded proposal cannot be accepted (409)', async () => {
    const panel = await panelWithGatewayFail()
    const [a, b] = panel.bids.map((x) => x.applicationId) as [number, number]
    await assignRaw(db, b, panel.chair.id, 'conflict')
    const runId = await storedRun(panel, [a])
    const conflicted = await thrown(() => db.transaction().execute((trx) => acceptProposal(trx, panel.chair.id, { runId, overrides: [] })))
    expect(conflicted.status).toBe(403)
    expect(conflicted.message).toContain(panel.bids[1]!.reference)
    expect(await decisionsOf(panel)).toEqual([])
    const old = await storedRun(panel, [a], 'superseded')
    expect((await thrown(() => db.transaction().execute((trx) => acceptProposal(trx, panel.manager.id, { runId: old, overrides: [] })))).status).toBe(409)
  })
})

describe('the decline reason for a gateway fail', () => {
  test('prefers "Did not pass <criterion>", then any "Did not pass" reason, then the first reason', () => {
    expect(gatewayDeclineReason(['Weak', 'did not pass safeguarding'], ['Safeguarding'])).toBe('did not pass safeguarding')
    expect(gatewayDeclineReason(['Weak', 'Did not pass a gateway check'], ['Safeguarding'])).toBe('Did not pass a gateway check')
    expect(gatewayDeclineReason(['Weak', 'Poor value'], ['Safeguarding'])).toBe('Weak')
    expect(gatewayDeclineReason([], ['Safeguarding'])).toBeNull()
  })

  test('the input fingerprint is the same for the same input whatever the key order', () => {
    const one = inputsFingerprint({ budgetPence: 1, bids: [], sources: null, placeLimits: [] })
    const two = inputsFingerprint({ placeLimits: [], sources: null, bids: [], budgetPence: 1 } as OptimiserInput)
    expect(one.sha256).toBe(two.sha256)
    expect(one.sha256).toMatch(/^[0-9a-f]{64}$/)
  })
})
