import type { Transaction } from 'kysely'
import { describe, expect, test } from 'vitest'
import { createReturnScenario, fullReturnData, shortReturnData } from '../../../tests/factories/returns.ts'
import { createUser } from '../../../tests/factories/organisations.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { db } from '~/lib/db.server.ts'
import type { DB } from '../../../db/schema.ts'
import { createAwardFromDecision } from '../awards/awards.server.ts'
import { setOfferTerms } from '../awards/terms.server.ts'
import { summarise } from '../impact/outcome-statistics.ts'
import { listDueTranches } from '../payments/tranches.server.ts'
import { ukToday } from '../places/places.server.ts'
import { sendReturnReminders } from './reminders.server.ts'
import { emptyReturnData } from './return-form.ts'
import { acceptReturn, listReturnsForReview, requestReturnChanges, ReviewInputError } from './review.server.ts'
import { listReturnVersions, ReturnInputError, ReturnNotFoundError, ReturnStatusError, returnForOrganisation, returnVersionData, saveReturnDraft, submitReturn } from './returns.server.ts'
import { updateReturnSettings } from './settings.server.ts'

const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => db.transaction().execute(fn)
const png = { storageKey: 'a'.repeat(48) + '.png', filename: 'group.png', contentType: 'image/png' as const, sizeBytes: 100, sha256: 'b'.repeat(64) }

async function returnRow(id: number) {
  return db.selectFrom('returns').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}
async function figures(id: number) {
  const [versions, counts, outcomes] = await Promise.all([
    db.selectFrom('return_versions').selectAll().where('return_id', '=', id).execute(),
    db.selectFrom('return_counts').selectAll().where('return_id', '=', id).execute(),
    db.selectFrom('return_outcomes').selectAll().where('return_id', '=', id).orderBy('measure').execute(),
  ])
  return { versions, counts, outcomes }
}

describe('attaching returns when the offer terms are set', () => {
  test('one payment: an interim return at 6 months and a final one a year after the start, short form for a small grant', async () => {
    const s = await createReturnScenario(db)
    const bid = await s.bid({ decisionAmountPence: 300_000 })
    const made = await tx((trx) => createAwardFromDecision(trx, s.managerUserId, { applicationId: bid.applicationId, amountPence: 300_000, potId: s.potId, outcomeAreas: ['health_and_wellbeing'], idempotencyKey: `k-${bid.applicationId}` }))
    await tx((trx) => setOfferTerms(trx, s.managerUserId, { awardId: made.award.id, conditions: [], schedule: { kind: 'single', startDate: '2027-01-15' } }))
    const rows = await db.selectFrom('returns').select(['kind', 'period_label', 'due_date', 'status', 'form']).where('award_id', '=', made.award.id).orderBy('due_date').execute()
    expect(rows).toEqual([
      { kind: 'interim', period_label: 'Interim (first 6 months)', due_date: '2027-07-15', status: 'expected', form: 'short' },
      { kind: 'final', period_label: 'Final', due_date: '2028-01-15', status: 'expected', form: 'short' },
    ])
    const award = await db.selectFrom('awards').select(['planned_start', 'planned_end']).where('id', '=', made.award.id).executeTakeFirstOrThrow()
    expect(award).toEqual({ planned_start: '2027-01-15', planned_end: '2028-01-15' })

    // The round asks for a final return only, and the full form above £2,000: setting the terms again follows it.
    await tx((trx) => updateReturnSettings(trx, s.managerUserId, { roundId: s.roundId, schedule: { kind: 'final' }, shortReturnMaxPence: 200_000, swemwbsEnabled: false, swemwbsLicenceConfirmed: false }))
    await tx((trx) => setOfferTerms(trx, s.managerUserId, { awardId: made.award.id, conditions: [], schedule: { kind: 'single', startDate: '2027-01-15' }, plannedEnd: '2027-12-31' }))
    const again = await db.selectFrom('returns').select(['kind', 'due_date', 'form']).where('award_id', '=', made.award.id).execute()
    expect(again).toEqual([{ kind: 'final', due_date: '2027-12-31', form: 'full' }])
  })

  test('paid yearly: the annual returns are the schedule, and each later payment waits for the year before', async () => {
    const s = await createReturnScenario(db)
    const award = await s.awardWithReturns({ amountPence: 2_000_000, yearly: true })
    const returns = await db.selectFrom('returns').select(['id', 'kind', 'period_label', 'form']).where('award_id', '=', award.awardId).orderBy('due_date').execute()
    expect(returns.map((r) => [r.kind, r.period_label, r.form])).toEqual([
      ['annual', 'Year 1', 'full'],
      ['annual', 'Year 2', 'full'],
    ])
    const tranches = await db.selectFrom('tranches').select(['sequence', 'gate', 'gate_ref']).where('award_id', '=', award.awardId).orderBy('sequence').execute()
    expect(tranches).toEqual([
      { sequence: 1, gate: 'acceptance', gate_ref: null },
      { sequence: 2, gate: 'return', gate_ref: String(returns[0].id) },
    ])
  })
})

describe('filling in and sending a return', () => {
  test('a draft keeps what was entered; sending writes version 1, the counts, the outcome statistics and the totals', async () => {
    const s = await createReturnScenario(db)
    const award = await s.awardWithReturns({ amountPence: 300_000 })
    const [returnId] = award.returnIds
    const manager = await createUserWithRole(db, 'fund_manager')
    await tx((trx) => saveReturnDraft(trx, award.adminUserId, { returnId, data: { ...emptyReturnData(), peopleReached: 12, story: 'Started well' } }))
    let row = await returnRow(returnId)
    expect(row.status).toBe('draft')
    expect(JSON.parse(row.data)).toMatchObject({ peopleReached: 12, story: 'Started well' })
    expect((await figures(returnId)).versions).toHaveLength(0)

    const result = await tx((trx) => submitReturn(trx, award.adminUserId, { returnId, data: shortReturnData() }))
    expect(result.version).toBe(1)
    row = await returnRow(returnId)
    expect([row.status, row.version, row.people_reached, row.sessions_delivered, row.spent_pence, row.match_funding_pence, row.submitted_by]).toEqual(['submitted', 1, 40, 24, 250_000, null, award.adminUserId])
    const f = await figures(returnId)
    expect(f.versions.map((v) => [v.version, v.review_outcome])).toEqual([[1, null]])
    expect(f.counts.map((c) => [c.dimension, c.category, c.count]).sort()).toEqual([
      ['referral', 'health_professional', 10],
      ['referral', 'link_worker', 20],
      ['referral', 'self', 10],
    ])
    // Life satisfaction 4->6, 5->7, 6->6: changes 2, 2, 0 -> sum 4, sum of squares 8; anxiety 7->4, 6->5, 5->5: -3, -1, 0.
    expect(f.outcomes.map((o) => [o.measure, o.basis, o.n, o.mean_before, o.mean_after, o.sum_change, o.sum_sq_change])).toEqual([
      ['ons4_anxious', 'participants', 3, 6, 14 / 3, -4, 10],
      ['ons4_life_satisfaction', 'participants', 3, 5, 19 / 3, 4, 8],
    ])
    expect(summarise({ n: 3, meanBefore: 5, meanAfter: 19 / 3, sumChange: 4, sumSqChange: 8 }).meanChange).toBeCloseTo(4 / 3)
    const emails = await db.selectFrom('outbox_messages').select(['to_address', 'body_text']).where('idempotency_key', 'like', `return-submitted:${returnId}:1:%`).execute()
    expect(emails.map((e) => e.to_address)).toContain(manager.email)
    expect(emails[0].body_text).toContain(`/manage/returns/${returnId}`)
    await expect(tx((trx) => saveReturnDraft(trx, award.adminUserId, { returnId, data: shortReturnData() }))).rejects.toBeInstanceOf(ReturnStatusError)
  })

  test('a cohort summary is stored as sufficient statistics; SWEMWBS only once licensed, converted to the metric score', async () => {
    const s = await createReturnScenario(db)
    const award = await s.awardWithReturns({ amountPence: 2_000_000 })
    const [returnId] = award.returnIds
    const swemwbs = { swemwbs: { basis: 'participants' as const, participants: { swemwbs: [{ before: 7, after: 35 }, { before: 20, after: 21 }] } } }
    const refused = await tx((trx) => submitReturn(trx, award.adminUserId, { returnId, data: fullReturnData({ outcomes: swemwbs }) })).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ReturnInputError)
    expect((refused as ReturnInputError).problems).toEqual([{ field: 'swemwbsBasis', message: 'SWEMWBS is not switched on for this round' }])

    await expect(tx((trx) => updateReturnSettings(trx, s.managerUserId, { roundId: s.roundId, schedule: { kind: 'final' }, shortReturnMaxPence: 1_000_000, swemwbsEnabled: true, swemwbsLicenceConfirmed: false }))).rejects.toThrow('Confirm that you hold a licence')
    await tx((trx) => updateReturnSettings(trx, s.managerUserId, { roundId: s.roundId, schedule: { kind: 'final' }, shortReturnMaxPence: 1_000_000, swemwbsEnabled: true, swemwbsLicenceConfirmed: true }))
    const cohort = { ucla3: { basis: 'cohort' as const, cohort: { ucla3: { n: 10, meanBefore: 7.5, meanAfter: 5.5, sdChange: 1 } } } }
    await tx((trx) => submitReturn(trx, award.adminUserId, { returnId, data: fullReturnData({ outcomes: { ...swemwbs, ...cohort } }) }))
    const { outcomes } = await figures(returnId)
    // SWEMWBS raw 7 -> 7.00, 35 -> 35.00, 20 -> 18.59, 21 -> 19.25. UCLA cohort: sum change 10 x -2; (n-1) sd^2 + n mean^2 = 9 + 40.
    expect(outcomes.map((o) => [o.measure, o.basis, o.n, o.mean_before, o.mean_after, o.sum_change, o.sum_sq_change])).toEqual([
      ['swemwbs', 'participants', 2, (7 + 18.59) / 2, (35 + 19.25) / 2, 28 + (19.25 - 18.59), 28 * 28 + (19.25 - 18.59) * (19.25 - 18.59)],
      ['ucla3', 'cohort', 10, 7.5, 5.5, -20, 49],
    ])
  })

  test('bad input is refused field by field and nothing is stored: ONS4 of 11, people below zero, a spend line not in the budget, a photo without consent', async () => {
    const s = await createReturnScenario(db)
    const award = await s.awardWithReturns({ amountPence: 2_000_000 })
    const [returnId] = award.returnIds
    const before = await returnRow(returnId)
    const bad = fullReturnData({
      peopleReached: -1,
      outcomes: { ons4: { basis: 'participants', participants: { ons4_happy: [{ before: 5, after: 11 }] } } },
      spendLines: [...fullReturnData().spendLines, { line: 7, spentPence: 1000, reason: null }],
    })
    const error = await tx((trx) => submitReturn(trx, award.adminUserId, { returnId, data: bad, newPhotos: [{ upload: png, caption: 'The group', consent: false }] })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ReturnInputError)
    const fields = (error as ReturnInputError).problems.map((p) => p.field)
    expect(fields).toEqual(expect.arrayContaining(['peopleReached', 'scores-ons4_happy', 'spendLines[3].spent']))
    expect((error as ReturnInputError).problems.find((p) => p.field === 'scores-ons4_happy')!.message).toBe('Happiness yesterday (ONS4), person 1: the score after (11) must be a whole number from 0 to 10')
    expect((error as ReturnInputError).problems.find((p) => p.field === 'peopleReached')!.message).toBe('The number of people reached cannot be below zero')
    expect((error as ReturnInputError).problems.find((p) => p.field === 'spendLines[3].spent')!.message).toBe('There is no line 7 in your approved budget')
    // The photo's consent is checked once the values are right; a draft is refused the same way.
    const photo = await tx((trx) => saveReturnDraft(trx, award.adminUserId, { returnId, data: fullReturnData(), newPhotos: [{ upload: png, caption: 'The group', consent: false }] })).catch((e: unknown) => e)
    expect((photo as ReturnInputError).problems).toEqual([{ field: 'photos[0].consent', message: 'Confirm that everyone in photo 1 agreed to it being used' }])
    const after = await returnRow(returnId)
    expect([after.status, after.version, after.data]).toEqual([before.status, before.version, before.data])
    const f = await figures(returnId)
    expect([f.versions.length, f.counts.length, f.outcomes.length]).toEqual([0, 0, 0])
    expect(await db.selectFrom('documents').select('id').where('owner_type', '=', 'return').where('owner_id', '=', returnId).execute()).toEqual([])
  })

  test('the full form needs every budget line, a reason for a line more than 10% off, and match funding; the short form one set of measures', async () => {
    const s = await createReturnScenario(db)
    const award = await s.awardWithReturns({ amountPence: 2_000_000 })
    const error = await tx((trx) =>
      submitReturn(trx, award.adminUserId, { returnId: award.returnIds[0], data: fullReturnData({ matchFundingPence: null, spendLines: [{ line: 1, spentPence: 1_400_000, reason: null }] }) }),
    ).catch((e: unknown) => e)
    expect((error as ReturnInputError).problems.map((p) => p.field)).toEqual(['spendLines[0].reason', 'spendLines[1].spent', 'spendLines[2].spent', 'matchFunding'])
    const small = await s.awardWithReturns({ amountPence: 300_000 })
    const twoSets = await tx((trx) => submitReturn(trx, small.adminUserId, { returnId: small.returnIds[0], data: shortReturnData({ outcomes: fullReturnData().outcomes }) })).catch((e: unknown) => e)
    expect((twoSets as ReturnInputError).problems.map((p) => p.field)).toEqual(['ucla3Basis'])
  })

  test('a member of another organisation cannot see or change the return', async () => {
    const s = await createReturnScenario(db)
    const award = await s.awardWithReturns()
    const other = await s.awardWithReturns()
    const stranger = await createUser(db, { name: 'Stranger' })
    await expect(tx((trx) => saveReturnDraft(trx, other.adminUserId, { returnId: award.returnIds[0], data: shortReturnData() }))).rejects.toBeInstanceOf(ReturnNotFoundError)
    await expect(tx((trx) => submitReturn(trx, stranger.id, { returnId: award.returnIds[0], data: shortReturnData() }))).rejects.toBeInstanceOf(ReturnNotFoundError)
    await expect(returnForOrganisation(db, { awardId: award.awardId, returnId: award.returnIds[0], organisationIds: [other.organisationId], today: ukToday() })).rejects.toBeInstanceOf(ReturnNotFoundError)
    await expect(returnForOrganisation(db, { awardId: other.awardId, returnId: award.returnIds[0], organisationIds: [award.organisationId, other.organisationId], today: ukToday() })).rejects.toBeInstanceOf(ReturnNotFoundError)
  })
})

describe('review', () => {
  test('returned for changes with comments, sent again as version 2, accepted: the tranche waiting for it is no longer held', async () => {
    const s = await createReturnScenario(db)
    const award = await s.awardWithReturns({ amountPence: 2_000_000, yearly: true })
    const [yearOne] = award.returnIds
    const tranche2 = award.trancheIds[1]
    const held = (await listDueTranches(db, { awardId: award.awardId })).find((t) => t.id === tranche2)!
    expect(held.reasons).toContain('what it waits for has not happened yet')

    await tx((trx) => submitReturn(trx, award.adminUserId, { returnId: yearOne, data: fullReturnData(), baseUrl: 'https://commonpot.example' }))
    await expect(tx((trx) => requestReturnChanges(trx, s.managerUserId, { returnId: yearOne, comments: '  ' }))).rejects.toBeInstanceOf(ReviewInputError)
    await tx((trx) => requestReturnChanges(trx, s.managerUserId, { returnId: yearOne, comments: 'Please say why materials cost less.' }))
    expect((await returnRow(yearOne)).status).toBe('changes_requested')
    const emailed = await db.selectFrom('outbox_messages').select(['to_address', 'body_text']).where('template', '=', 'return-changes-requested').execute()
    expect(emailed.length).toBe(1)
    expect(emailed[0].body_text).toContain('Please say why materials cost less.')

    await tx((trx) => saveReturnDraft(trx, award.adminUserId, { returnId: yearOne, data: fullReturnData({ story: 'Changed story' }) }))
    expect((await returnRow(yearOne)).status).toBe('changes_requested')
    await tx((trx) => submitReturn(trx, award.adminUserId, { returnId: yearOne, data: fullReturnData({ story: 'Changed story' }) }))
    const accepted = await tx((trx) => acceptReturn(trx, s.managerUserId, { returnId: yearOne }))
    expect(accepted.releasedTrancheIds).toEqual([tranche2])
    await expect(tx((trx) => acceptReturn(trx, s.managerUserId, { returnId: yearOne }))).rejects.toBeInstanceOf(ReturnStatusError)

    const versions = await listReturnVersions(db, yearOne)
    expect(versions.map((v) => [v.version, v.reviewOutcome, v.reviewComments])).toEqual([
      [2, 'accepted', null],
      [1, 'changes_requested', 'Please say why materials cost less.'],
    ])
    expect((await returnVersionData(db, yearOne, 1)).story).toBe(shortReturnData().story)
    expect((await returnVersionData(db, yearOne, 2)).story).toBe('Changed story')
    const due = await listDueTranches(db, {})
    const released = due.find((t) => t.id === tranche2)
    expect(released).toBeDefined()
    expect(released!.reasons).toEqual([])
    const audit = await db.selectFrom('audit_events').select('action').where('entity_type', '=', 'return').where('entity_id', '=', String(yearOne)).orderBy('id').execute()
    expect(audit.map((a) => a.action)).toEqual(['return.submitted', 'return.changes_requested', 'return.draft_saved', 'return.submitted', 'return.accepted'])
  })

  test('overdue returns are listed as overdue; sent ones as waiting for review, filtered by round', async () => {
    const s = await createReturnScenario(db)
    const award = await s.awardWithReturns({ startDate: '2020-01-01' })
    const today = ukToday()
    const overdue = (await listReturnsForReview(db, { view: 'overdue', roundId: s.roundId, today })).rows
    expect(overdue.map((r) => [r.id, r.overdue])).toEqual(award.returnIds.map((id) => [id, true]))
    expect((await listReturnsForReview(db, { view: 'overdue', roundId: s.roundId + 1000, today })).rows).toEqual([])
    await tx((trx) => submitReturn(trx, award.adminUserId, { returnId: award.returnIds[0], data: shortReturnData() }))
    expect((await listReturnsForReview(db, { view: 'awaiting_review', roundId: s.roundId, today })).rows.map((r) => r.id)).toEqual([award.returnIds[0]])
    expect((await listReturnsForReview(db, { view: 'overdue', roundId: s.roundId, today })).rows.map((r) => r.id)).toEqual([award.returnIds[1]])
  })
})

describe('reminders', () => {
  test('one email before the due date and one when overdue, each sent once however often the sweep runs', async () => {
    const s = await createReturnScenario(db)
    const award = await s.awardWithReturns({ startDate: '2026-01-01' })
    // Interim due 2026-07-01, final 2027-01-01.
    const count = async (template: string) =>
      (await db.selectFrom('outbox_messages').select('id').where('template', '=', template).where('idempotency_key', 'like', `return-reminder:%:${award.returnIds[0]}:%`).execute()).length
    await sendReturnReminders(db, { today: '2026-06-01' })
    expect(await count('return-due-soon')).toBe(0)
    const first = await sendReturnReminders(db, { today: '2026-06-20' })
    expect(first.dueSoon).toBeGreaterThanOrEqual(1)
    expect(await count('return-due-soon')).toBe(1)
    await sendReturnReminders(db, { today: '2026-06-21' })
    expect(await count('return-due-soon')).toBe(1)
    const late = await sendReturnReminders(db, { today: '2026-07-02' })
    expect(late.overdue).toBeGreaterThanOrEqual(1)
    await Promise.all([sendReturnReminders(db, { today: '2026-07-03' }), sendReturnReminders(db, { today: '2026-07-03' })])
    expect(await count('return-overdue')).toBe(1)
    const row = await returnRow(award.returnIds[0])
    expect(row.reminded_due_at).not.toBeNull()
    expect(row.reminded_overdue_at).not.toBeNull()
  })
})
