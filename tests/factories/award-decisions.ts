/**
 * Bids the panel has decided, in a round that draws on a pooled pot, for the award tests:
 * an open 2026-27 pot for NHS South West London with three contributions, all received:
 * - NHS South West London ICB, £30,000, health and wellbeing outcomes only;
 * - a lottery funder, £20,000, at most 50% of any one award;
 * - a borough council, £10,000, only for projects in NHS South West London;
 * and a round linked to it (round_pots). `bid()` adds a submitted application in that round with a panel decision
 * (inserted directly: the panel pages that write decisions belong to another area).
 */
import crypto from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { addContribution, recordReceipt } from '../../app/domain/budgets/contributions.server.ts'
import { createPot, openPot } from '../../app/domain/budgets/pots.server.ts'
import { createFunder } from '../../app/domain/funds/funds.server.ts'
import { createOrganisationWithAdmin, createUser } from './organisations.ts'

export interface BidOptions {
  status?: 'recommended' | 'reserve' | 'declined'
  /** The panel's amount; null leaves it to the amount requested. */
  decisionAmountPence?: number | null
  amountRequestedPence?: number
  matchCashPence?: number
  matchInKindPence?: number
  /** Defaults to NHS South West London. */
  placeId?: number
  /** False leaves the bid with no panel decision at all. */
  decided?: boolean
}

export interface AwardScenario {
  potId: number
  roundId: number
  fundId: number
  placeId: number
  managerUserId: number
  funders: { nhs: string; lottery: string; council: string }
  contributions: { nhs: number; lottery: number; council: number }
  bid(options?: BidOptions): Promise<{ applicationId: number; reference: string; organisationName: string }>
}

const tag = () => crypto.randomBytes(3).toString('hex')

export async function createAwardScenario(db: Kysely<DB>): Promise<AwardScenario> {
  const t = tag()
  const manager = await createUser(db, { name: `Femi Fund-Manager ${t}` })
  const place = await db.selectFrom('places').select('id').where('ods_code', '=', 'QWE').orderBy('valid_from', 'desc').executeTakeFirstOrThrow()
  const names = { nhs: `NHS South West London ICB ${t}`, lottery: `National Lottery Community Fund ${t}`, council: `London Borough of Merton ${t}` }
  const { potId, contributions } = await db.transaction().execute(async (trx) => {
    const nhs = await createFunder(trx, null, { name: names.nhs, kind: 'nhs', orgIdentifier: null, placeId: place.id })
    const lottery = await createFunder(trx, null, { name: names.lottery, kind: 'lottery', orgIdentifier: null, placeId: null })
    const council = await createFunder(trx, null, { name: names.council, kind: 'council', orgIdentifier: null, placeId: place.id })
    const pot = await createPot(trx, manager.id, {
      name: `South West London pot ${t}`,
      placeId: place.id,
      hostFunderId: nhs.id,
      poolManagerUserId: manager.id,
      financialYear: '2026-27',
      availableBasis: 'received',
      yearEndPolicy: 'carry_forward',
    })
    const add = async (funderId: number, pence: number, conditions: object) => {
      const c = await addContribution(trx, manager.id, { potId: pot.id, funderId, pledgedPence: pence, instalments: [{ dueDate: '2026-06-30', amountPence: pence }], conditions })
      await recordReceipt(trx, manager.id, { contributionId: c.id, amountPence: pence, receivedOn: '2026-07-01', reference: `R-${c.id}`, idempotencyKey: `test:${t}:${c.id}` })
      return c.id
    }
    const ids = {
      nhs: await add(nhs.id, 3_000_000, { outcomeAreas: ['health_and_wellbeing'] }),
      lottery: await add(lottery.id, 2_000_000, { maxSharePercent: 50 }),
      council: await add(council.id, 1_000_000, { placeIds: [place.id] }),
    }
    await openPot(trx, manager.id, pot.id)
    return { potId: pot.id, contributions: ids }
  })
  const fund = await db.insertInto('funds').values({ name: `Healthy Communities ${t}`, slug: `healthy-${t}`, shape: 'place_based_pot' }).returning('id').executeTakeFirstOrThrow()
  const round = await db.insertInto('rounds').values({ fund_id: fund.id, title: `Round ${t}`, slug: `round-${t}`, status: 'closed' }).returning('id').executeTakeFirstOrThrow()
  await db.insertInto('round_pots').values({ round_id: round.id, pot_id: potId }).execute()

  let count = 0
  async function bid(options: BidOptions = {}) {
    const n = ++count
    const requested = options.amountRequestedPence ?? 1_000_000
    const { organisation } = await createOrganisationWithAdmin(db, { input: { name: `Wandle Singers ${t} ${n}` } })
    const reference = `APP-${t}-${n}`
    const application = await db
      .insertInto('applications')
      .values({
        reference,
        round_id: round.id,
        organisation_id: organisation.id,
        status: 'submitted',
        title: 'Singing for better breathing',
        place_id: options.placeId ?? place.id,
        amount_requested_pence: requested,
        project_cost_pence: requested + (options.matchCashPence ?? 0) + (options.matchInKindPence ?? 0),
        match_cash_pence: options.matchCashPence ?? 0,
        match_in_kind_pence: options.matchInKindPence ?? 0,
        submitted_at: '2026-10-01T10:00:00.000Z',
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    if (options.decided !== false) {
      const status = options.status ?? 'recommended'
      await db
        .insertInto('panel_decisions')
        .values({
          application_id: application.id,
          round_id: round.id,
          status,
          amount_pence: status === 'recommended' ? (options.decisionAmountPence ?? null) : null,
          rationale: 'Strong partnership with link workers',
          decided_by: manager.id,
          decided_at: '2026-11-01T10:00:00.000Z',
        })
        .execute()
    }
    return { applicationId: application.id, reference, organisationName: organisation.name }
  }

  return { potId, roundId: round.id, fundId: fund.id, placeId: place.id, managerUserId: manager.id, funders: names, contributions, bid }
}
