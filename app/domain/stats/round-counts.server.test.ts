/**
 * The maintained round counts for /stats (round_stats) follow every kind of change made through the domain: after
 * each, the stored row equals a fresh recount from the applications and awards, and /stats shows that recount.
 */
import { describe, expect, test } from 'vitest'
import { createPanelRound, submitScoresRaw } from '../../../tests/factories/assessment.ts'
import { createPotWithContributions } from '../../../tests/factories/awards.ts'
import { createOrganisationWithAdmin, createUser } from '../../../tests/factories/organisations.ts'
import { createApplicant, createFcfsRound, placesByRegion, submitInOwnTransaction } from '~/domain/applications/fcfs-fixtures.server.ts'
import { getApplicationForMember, saveSection, startApplication } from '~/domain/applications/applications.server.ts'
import { submitApplication, withdrawApplication } from '~/domain/applications/submission.server.ts'
import { createPartnershipRound } from '~/domain/applications/test-support.server.ts'
import { declineExpressionOfInterest, inviteToFullApplication } from '~/domain/applications/two-stage.server.ts'
import { recordDecision, type RecordDecisionInput } from '~/domain/assessment/decisions.server.ts'
import { releaseDecisions } from '~/domain/assessment/release.server.ts'
import { createAwardFromDecision } from '~/domain/awards/awards.server.ts'
import { linkRoundToPot } from '~/domain/budgets/pots.server.ts'
import { placesValidOn, ukToday } from '~/domain/places/places.server.ts'
import { db } from '~/lib/db.server.ts'
import { countRoundsFromRows, rebuildRoundStats, storedRoundStats } from './round-counts.server.ts'
import { publicRoundStats } from './round-stats.server.ts'

/** Asserts the round's stored row equals a recount from its rows and /stats shows the recount; returns the figures. */
async function inStep(roundId: number) {
  const none = { roundId, received: 0, decided: 0, successful: 0 }
  const expected = (await countRoundsFromRows(db, roundId))[0] ?? none
  const stored = (await storedRoundStats(db)).find((r) => r.roundId === roundId) ?? none
  expect(stored).toEqual(expected)
  const shown = (await publicRoundStats(db, { limit: 1000 })).rounds.find((r) => r.roundId === roundId)
  if (shown) expect({ roundId, received: shown.received, decided: shown.decided, successful: shown.successful }).toEqual(expected)
  return { received: expected.received, decided: expected.decided, successful: expected.successful }
}

describe('round_stats follows the domain', () => {
  test('two-stage: expressions of interest submitted, one invited on, one declined, the invited one withdrawn', async () => {
    const now = new Date()
    const round = await createPartnershipRound(db, { now, details: { stages: 'two_stage' } })
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const manager = await createUser(db)
    const eois: number[] = []
    for (let i = 0; i < 3; i++) {
      const eoi = await db.transaction().execute((trx) => startApplication(trx, admin, { roundId: round.id, organisationId: organisation.id, eligibilityAnswers: { link_workers: 'Yes' }, now }))
      const input = { answers: { project_title: `Idea ${i}` }, files: {}, removals: [] }
      await db.transaction().execute((trx) => saveSection(trx, admin, { applicationId: eoi.id, sectionNumber: 1, input, dataDir: process.env.DATA_DIR!, now }))
      await db.transaction().execute((trx) => submitApplication(trx, admin, { applicationId: eoi.id, declaration: true, now }))
      eois.push(eoi.id)
      expect(await inStep(round.id)).toEqual({ received: i + 1, decided: 0, successful: 0 })
    }
    const full = await db.transaction().execute((trx) => inviteToFullApplication(trx, manager, { applicationId: eois[0]! }))
    expect((await getApplicationForMember(db, admin, full.id)).stage).toBe('full')
    // Invited on is not a decision the public counts; the full application is the same bid.
    expect(await inStep(round.id)).toEqual({ received: 3, decided: 0, successful: 0 })
    await db.transaction().execute((trx) => declineExpressionOfInterest(trx, manager, { applicationId: eois[1]!, reason: 'Outside the fund’s aims' }))
    expect(await inStep(round.id)).toEqual({ received: 3, decided: 1, successful: 0 })
    // Withdrawn after being invited on: the group was told at the invitation, so it now counts as decided.
    await db.transaction().execute((trx) => withdrawApplication(trx, admin, { applicationId: eois[0]!, reason: 'Plans changed', now }))
    expect(await inStep(round.id)).toEqual({ received: 3, decided: 2, successful: 0 })
  })

  test('first come, first served: each submission allocated or wait-listed in its transaction; a wait-listed one withdrawn', async () => {
    const { roundId } = await createFcfsRound(db, { grantCount: 2, grantAmountPence: 100_000, maxPercentPerRegion: null, minPercentPriorityCommunity: null })
    const london = (await placesByRegion(db)).get('London')![0]!
    const outcomes: string[] = []
    const applicants: Awaited<ReturnType<typeof createApplicant>>[] = []
    for (let i = 0; i < 3; i++) {
      const applicant = await createApplicant(db, { roundId, placeId: london })
      applicants.push(applicant)
      outcomes.push((await submitInOwnTransaction(db, { applicationId: applicant.applicationId, submitter: applicant.admin })).outcome)
      expect((await inStep(roundId)).received).toBe(i + 1)
    }
    expect(outcomes).toEqual(['allocated', 'allocated', 'waitlisted'])
    expect(await inStep(roundId)).toEqual({ received: 3, decided: 2, successful: 2 })
    const waiting = applicants[2]!
    await db.transaction().execute((trx) => withdrawApplication(trx, waiting.admin, { applicationId: waiting.applicationId, reason: null, now: new Date() }))
    expect(await inStep(roundId)).toEqual({ received: 3, decided: 2, successful: 2 })
  })

  test('panel: decisions released, then an award made for a recommended bid', async () => {
    const here = (await placesValidOn(db, ukToday()))[0]!
    const panel = await createPanelRound(db, { bids: [{ placeId: here.id, amountPence: 1_000_000 }, { placeId: here.id }, { placeId: here.id }], assessors: 1 })
    for (const bid of panel.bids) await submitScoresRaw(db, panel, { applicationId: bid.applicationId, assessorId: panel.assessors[0]!.id, scores: [3, 3, 6, 1] })
    // The factory writes its bids row by row, as a bulk load does.
    await rebuildRoundStats(db)
    expect(await inStep(panel.roundId)).toEqual({ received: 3, decided: 0, successful: 0 })

    const [a, b, c] = panel.bids
    const decide = (input: RecordDecisionInput) => db.transaction().execute((trx) => recordDecision(trx, panel.chair.id, input))
    await decide({ applicationId: a!.applicationId, status: 'recommended', amountPence: 1_000_000, rationale: 'Good' })
    await decide({ applicationId: b!.applicationId, status: 'reserve', rationale: 'Close' })
    await decide({ applicationId: c!.applicationId, status: 'declined', rationale: 'Weak', declineReason: 'Did not show enough local need' })
    // Nothing is public before the release.
    expect(await inStep(panel.roundId)).toEqual({ received: 3, decided: 0, successful: 0 })
    await db.transaction().execute((trx) => releaseDecisions(trx, panel.manager.id, { roundId: panel.roundId, now: new Date() }))
    expect(await inStep(panel.roundId)).toEqual({ received: 3, decided: 3, successful: 0 })

    const { pot } = await createPotWithContributions(db, {
      placeId: here.id,
      contributions: [{ funderName: 'NHS', pledgedPence: 3_000_000, receivedPence: 3_000_000, conditions: { placeIds: [here.id] } }],
    })
    await db.transaction().execute((trx) => linkRoundToPot(trx, null, { potId: pot.id, roundId: panel.roundId }))
    await db.transaction().execute((trx) =>
      createAwardFromDecision(trx, panel.manager.id, { applicationId: a!.applicationId, amountPence: 1_000_000, potId: pot.id, idempotencyKey: `award-${a!.applicationId}` }),
    )
    expect(await inStep(panel.roundId)).toEqual({ received: 3, decided: 3, successful: 1 })
  })

  test('rebuildRoundStats recounts every round from the rows', async () => {
    await db.deleteFrom('round_stats').execute()
    await rebuildRoundStats(db)
    const stored = await storedRoundStats(db)
    expect(stored.length).toBeGreaterThan(0)
    expect(stored).toEqual(await countRoundsFromRows(db))
  })
})
