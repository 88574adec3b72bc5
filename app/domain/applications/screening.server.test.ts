import { describe, expect, test } from 'vitest'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { db } from '~/lib/db.server.ts'
import { createApplicant, createFcfsRound, placesByRegion, submitInOwnTransaction } from './fcfs-fixtures.server.ts'
import { automaticScreening, overrideScreening, screenNewApplications, screeningView } from './screening.server.ts'

async function submittedApplication() {
  const { roundId } = await createFcfsRound(db)
  const placeId = (await placesByRegion(db)).get('London')![0]!
  const { applicationId, admin, organisation } = await createApplicant(db, { roundId, placeId })
  await submitInOwnTransaction(db, { applicationId, submitter: admin })
  return { roundId, applicationId, organisation }
}

describe('eligibility screening', () => {
  test('the automatic result follows the round’s rules as they stood at submission', async () => {
    const { roundId, applicationId } = await submittedApplication()
    expect(await automaticScreening(db, applicationId)).toEqual({ result: 'eligible', reasons: [] })
    const rules = JSON.parse((await db.selectFrom('rounds').select('rules').where('id', '=', roundId).executeTakeFirstOrThrow()).rules)
    await db.updateTable('rounds').set({ rules: JSON.stringify({ ...rules, eligibleOrganisationTypes: ['registered_charity'] }) }).where('id', '=', roundId).execute()
    const screening = await automaticScreening(db, applicationId)
    expect(screening.result).toBe('ineligible')
    expect(screening.reasons[0]).toContain('This round is open to Registered charity')
  })

  test('a bid that arrived while the round was open stays eligible once the round is closed; one that arrived late does not', async () => {
    const { roundId, applicationId } = await submittedApplication()
    await db.updateTable('rounds').set({ status: 'closed' }).where('id', '=', roundId).execute()
    expect(await automaticScreening(db, applicationId)).toEqual({ result: 'eligible', reasons: [] })
    const round = await db.selectFrom('rounds').select('closes_at').where('id', '=', roundId).executeTakeFirstOrThrow()
    const late = new Date(new Date(round.closes_at!).getTime() + 60_000).toISOString()
    await db.updateTable('applications').set({ submitted_at: late }).where('id', '=', applicationId).execute()
    const screening = await automaticScreening(db, applicationId)
    expect(screening.result).toBe('ineligible')
    expect(screening.reasons[0]).toMatch(/^This round closed at /)
  })

  test('screening new applications stores the automatic result once for each', async () => {
    const { roundId, applicationId } = await submittedApplication()
    const manager = await createUserWithRole(db, 'fund_manager')
    expect(await db.transaction().execute((trx) => screenNewApplications(trx, manager.id, { roundId, now: new Date() }))).toBe(1)
    expect(await db.transaction().execute((trx) => screenNewApplications(trx, manager.id, { roundId, now: new Date() }))).toBe(0)
    const row = await db.selectFrom('applications').select('screening_result').where('id', '=', applicationId).executeTakeFirstOrThrow()
    expect(row.screening_result).toBe('eligible')
  })

  test('a fund manager overrides the result with a reason, which is audited', async () => {
    const { applicationId } = await submittedApplication()
    const manager = await createUserWithRole(db, 'fund_manager', { name: 'Helen Carter' })
    const now = new Date('2026-11-21T10:00:00.000Z')
    await db.transaction().execute((trx) => overrideScreening(trx, manager.id, { applicationId, result: 'ineligible', reason: '  The bank account is in a person’s name  ', now }))
    const view = await screeningView(db, applicationId)
    expect(view).toMatchObject({ override: 'ineligible', effective: 'ineligible', reason: 'The bank account is in a person’s name', screenedBy: 'Helen Carter', storedResult: 'eligible' })
    const audit = await db.selectFrom('audit_events').select(['actor_user_id', 'after']).where('action', '=', 'application.screening_overridden').where('entity_id', '=', String(applicationId)).executeTakeFirstOrThrow()
    expect(audit.actor_user_id).toBe(manager.id)
    expect(JSON.parse(audit.after!)).toMatchObject({ screening_override: 'ineligible', screening_reason: 'The bank account is in a person’s name' })
  })

  test('an override without a reason is refused, naming the reason field', async () => {
    const { applicationId } = await submittedApplication()
    const manager = await createUserWithRole(db, 'fund_manager')
    const attempt = db.transaction().execute((trx) => overrideScreening(trx, manager.id, { applicationId, result: 'eligible', reason: '   ', now: new Date() }))
    await expect(attempt).rejects.toMatchObject({ status: 400, field: 'reason', message: 'Enter the reason for your screening decision' })
  })
})
