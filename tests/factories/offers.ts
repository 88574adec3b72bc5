/**
 * Awards ready for their offer letter, for the offer tests: a recommended bid in the award scenario
 * (tests/factories/award-decisions.ts), the award made and committed to the pot, and the fund manager's terms set
 * (conditions and a schedule) so its tranches are 'offered'. `issue` then sends the offer.
 *
 *   const s = await createAwardScenario(db)
 *   const award = await createOfferReadyAward(db, s, { conditions: ['Send us your safeguarding policy'] })
 */
import crypto from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { createAwardFromDecision } from '../../app/domain/awards/awards.server.ts'
import { issueOffer } from '../../app/domain/awards/offers.server.ts'
import type { ScheduleInput } from '../../app/domain/awards/schedule.ts'
import { setOfferTerms } from '../../app/domain/awards/terms.server.ts'
import type { AwardScenario } from './award-decisions.ts'
import { createUser } from './organisations.ts'

export interface OfferReadyAward {
  awardId: number
  reference: string
  applicationId: number
  organisationId: number
  organisationName: string
  /** The organisation's admin (made with it), who can accept or decline. */
  memberUserId: number
}

export async function createOfferReadyAward(
  db: Kysely<DB>,
  s: AwardScenario,
  options: { amountPence?: number; conditions?: string[]; schedule?: ScheduleInput; issue?: { dataDir: string } } = {},
): Promise<OfferReadyAward> {
  const amountPence = options.amountPence ?? 300_000
  const bid = await s.bid({ decisionAmountPence: amountPence })
  const award = await db.transaction().execute((trx) =>
    createAwardFromDecision(trx, s.managerUserId, { applicationId: bid.applicationId, amountPence, potId: s.potId, outcomeAreas: ['health_and_wellbeing'], idempotencyKey: crypto.randomUUID() }),
  )
  await db.transaction().execute((trx) =>
    setOfferTerms(trx, s.managerUserId, {
      awardId: award.award.id,
      conditions: options.conditions ?? [],
      schedule: options.schedule ?? { kind: 'single', startDate: '2027-01-04' },
    }),
  )
  const row = await db
    .selectFrom('awards')
    .innerJoin('memberships', 'memberships.organisation_id', 'awards.organisation_id')
    .select(['awards.organisation_id', 'memberships.user_id'])
    .where('awards.id', '=', award.award.id)
    .executeTakeFirstOrThrow()
  if (options.issue) {
    const dataDir = options.issue.dataDir
    await db.transaction().execute((trx) => issueOffer(trx, s.managerUserId, { awardId: award.award.id, dataDir, appOrigin: 'http://localhost' }))
  }
  return { awardId: award.award.id, reference: award.award.reference, applicationId: bid.applicationId, organisationId: row.organisation_id, organisationName: bid.organisationName, memberUserId: row.user_id }
}

/** Another user who is a plain member of the organisation. */
export async function createMember(db: Kysely<DB>, organisationId: number, name = 'Mo Member'): Promise<number> {
  const user = await createUser(db, { name })
  await db.insertInto('memberships').values({ organisation_id: organisationId, user_id: user.id, role: 'member' }).execute()
  return user.id
}
