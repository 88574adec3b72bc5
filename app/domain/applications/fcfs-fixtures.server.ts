/**
 * Test fixtures for first-come-first-served rounds (used by the allocation, listing and screening tests): an open FCFS
 * round with quotas, organisations in chosen NHS regions (priority community or not), and their draft applications,
 * started and submitted through the applicant domain. Not imported by the app.
 */
import crypto from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { createOrganisationWithAdmin } from '../../../tests/factories/organisations.ts'
import { createFund } from '~/domain/funds/funds.server.ts'
import { RoundRulesSchema, type FcfsRules } from '~/domain/funds/round-rules.ts'
import { createRound } from '~/domain/funds/rounds.server.ts'
import { placesValidOn, ukToday } from '~/domain/places/places.server.ts'
import { startApplication } from './applications.server.ts'
import { submitApplication } from './submission.server.ts'

export const POWER_OF_MUSIC_QUOTAS: FcfsRules = { grantCount: 100, grantAmountPence: 100_000, maxPercentPerRegion: 40, minPercentPriorityCommunity: 20 }

/** An open (published, opened yesterday, closing tomorrow) first-come-first-served round with the given quotas. */
export async function createFcfsRound(db: Kysely<DB>, fcfs: FcfsRules = POWER_OF_MUSIC_QUOTAS, now = new Date()) {
  const suffix = crypto.randomBytes(3).toString('hex')
  return db.transaction().execute(async (trx) => {
    const fund = await createFund(trx, null, { name: `Power of Music ${suffix}`, slug: `power-of-music-${suffix}`, description: '', shape: 'power_of_music', funderIds: [] })
    const round = await createRound(trx, null, { fundId: fund.id, title: `Pilot ${suffix}` })
    const day = 24 * 60 * 60 * 1000
    await trx
      .updateTable('rounds')
      .set({
        status: 'published',
        allocation_method: 'fcfs',
        rules: JSON.stringify(RoundRulesSchema.parse({ fcfs })),
        opens_at: new Date(now.getTime() - day).toISOString(),
        closes_at: new Date(now.getTime() + day).toISOString(),
        published_at: now.toISOString(),
        min_grant_pence: fcfs.grantAmountPence,
        max_grant_pence: fcfs.grantAmountPence,
      })
      .where('id', '=', round.id)
      .execute()
    return { fundId: fund.id, roundId: round.id }
  })
}

/** Today's places, grouped by NHS England region name. */
export async function placesByRegion(db: Kysely<DB>): Promise<Map<string, number[]>> {
  const byRegion = new Map<string, number[]>()
  for (const place of await placesValidOn(db, ukToday())) byRegion.set(place.regionName, [...(byRegion.get(place.regionName) ?? []), place.id])
  return byRegion
}

export interface ApplicantOptions {
  roundId: number
  placeId: number
  priority?: boolean
  amountPence?: number
}

/** A new organisation in `placeId` (a priority-community group when asked) with a draft application to the round. */
export async function createApplicant(db: Kysely<DB>, options: ApplicantOptions) {
  const { organisation, admin } = await createOrganisationWithAdmin(db, { input: { placeId: options.placeId } })
  if (options.priority) await db.updateTable('organisations').set({ priority_community: 1 }).where('id', '=', organisation.id).execute()
  const application = await db
    .transaction()
    .execute((trx) => startApplication(trx, { id: admin.id }, { roundId: options.roundId, organisationId: organisation.id, eligibilityAnswers: {}, now: new Date() }))
  if (options.amountPence !== undefined) await db.updateTable('applications').set({ amount_requested_pence: options.amountPence }).where('id', '=', application.id).execute()
  return { organisation, admin, applicationId: application.id, reference: application.reference }
}

/** Marks a draft as submitted (what submitApplication does before it allocates), for tests of what follows. */
export async function markSubmitted(db: Kysely<DB>, applicationId: number, at = new Date()): Promise<void> {
  await db.updateTable('applications').set({ status: 'submitted', submitted_at: at.toISOString() }).where('id', '=', applicationId).execute()
}

export interface Submission {
  applicationId: number
  submitter: { id: number; email: string; name: string }
}

/**
 * Submits a draft in its own transaction through the applicant domain, as the submit route does (which allocates it,
 * in a first-come-first-served round). The concurrency test fires 200 of these at once.
 */
export async function submitInOwnTransaction(db: Kysely<DB>, submission: Submission): Promise<{ applicationId: number; outcome: string }> {
  const result = await db
    .transaction()
    .execute((trx) => submitApplication(trx, submission.submitter, { applicationId: submission.applicationId, declaration: true, now: new Date() }))
  return { applicationId: submission.applicationId, outcome: result.status }
}
