/**
 * A pooled pot with money in it and an award funded from it, for the report, statement and dashboard tests:
 * NHS South West London ICB (ring-fenced to health and wellbeing), a lottery funder and a borough council put money
 * into a 2026-27 pot for NHS South West London; one £10,000 award (with £2,400 match funding and £1,000 in kind
 * declared on its application) is committed and £4,000 of it paid.
 *
 * Pots, contributions, receipts, commitments and payments go through the budgets domain; funds, rounds, applications
 * and awards are inserted directly, as their domain functions belong to other areas.
 */
import crypto from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { commitAward, recordAwardPayment } from '../../app/domain/budgets/commitments.server.ts'
import { addContribution, recordReceipt } from '../../app/domain/budgets/contributions.server.ts'
import { createPot, openPot } from '../../app/domain/budgets/pots.server.ts'
import { createFunder } from '../../app/domain/funds/funds.server.ts'
import { createOrganisationWithAdmin, createUser } from './organisations.ts'

export interface PotScenario {
  potId: number
  placeId: number
  otherPlaceId: number
  funders: { nhs: number; lottery: number; council: number }
  contributions: { nhs: number; lottery: number; council: number }
  awardId: number
  awardReference: string
  organisationName: string
  managerUserId: number
}

const tag = () => crypto.randomBytes(3).toString('hex')

async function placeByOds(db: Kysely<DB>, ods: string): Promise<number> {
  const row = await db.selectFrom('places').select('id').where('ods_code', '=', ods).orderBy('valid_from', 'desc').executeTakeFirstOrThrow()
  return row.id
}

/** An award (with its fund, round and application) for an organisation, placed in `placeId`. */
export async function createAward(
  db: Kysely<DB>,
  input: { placeId: number; amountPence: number; matchCashPence: number; matchInKindPence: number; organisationName?: string },
): Promise<{ awardId: number; reference: string; fundId: number; roundId: number; organisationName: string }> {
  const t = tag()
  const { organisation } = await createOrganisationWithAdmin(db, { input: { name: input.organisationName ?? `Wandle Singers ${t}` } })
  const fund = await db.insertInto('funds').values({ name: `Healthy Communities ${t}`, slug: `healthy-${t}`, shape: 'place_based_pot' }).returning('id').executeTakeFirstOrThrow()
  const round = await db
    .insertInto('rounds')
    .values({ fund_id: fund.id, title: `Round ${t}`, slug: `round-${t}`, status: 'decided' })
    .returning('id')
    .executeTakeFirstOrThrow()
  const application = await db
    .insertInto('applications')
    .values({
      reference: `APP-${t}`,
      round_id: round.id,
      organisation_id: organisation.id,
      status: 'awarded',
      title: 'Singing for better breathing',
      place_id: input.placeId,
      amount_requested_pence: input.amountPence,
      project_cost_pence: input.amountPence + input.matchCashPence + input.matchInKindPence,
      match_cash_pence: input.matchCashPence,
      match_in_kind_pence: input.matchInKindPence,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const reference = `AWD-${t}`
  const award = await db
    .insertInto('awards')
    .values({ reference, application_id: application.id, round_id: round.id, organisation_id: organisation.id, amount_pence: input.amountPence, status: 'accepted' })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { awardId: award.id, reference, fundId: fund.id, roundId: round.id, organisationName: organisation.name }
}

export async function createPotScenario(db: Kysely<DB>): Promise<PotScenario> {
  const t = tag()
  const manager = await createUser(db, { name: 'Priya Pool-Manager' })
  const placeId = await placeByOds(db, 'QWE')
  const otherPlaceId = await placeByOds(db, 'QMJ')
  const funders = await db.transaction().execute(async (trx) => ({
    nhs: (await createFunder(trx, null, { name: `NHS South West London ICB ${t}`, kind: 'nhs', orgIdentifier: 'GB-NHS-QWE', placeId })).id,
    lottery: (await createFunder(trx, null, { name: `National Lottery Community Fund ${t}`, kind: 'lottery', orgIdentifier: null, placeId: null })).id,
    council: (await createFunder(trx, null, { name: `London Borough of Merton ${t}`, kind: 'council', orgIdentifier: null, placeId })).id,
  }))
  const { potId, contributions } = await db.transaction().execute(async (trx) => {
    const pot = await createPot(trx, manager.id, {
      name: `South West London shared pot ${t}`,
      placeId,
      hostFunderId: funders.nhs,
      poolManagerUserId: manager.id,
      financialYear: '2026-27',
      availableBasis: 'received',
      yearEndPolicy: 'carry_forward',
    })
    await openPot(trx, manager.id, pot.id)
    const add = (funderId: number, pledgedPence: number, conditions = {}) =>
      addContribution(trx, manager.id, { potId: pot.id, funderId, pledgedPence, instalments: [{ dueDate: '2026-06-30', amountPence: pledgedPence }], conditions })
    return {
      potId: pot.id,
      contributions: {
        nhs: (await add(funders.nhs, 6_000_000, { outcomeAreas: ['health_and_wellbeing'] })).id,
        lottery: (await add(funders.lottery, 3_000_000)).id,
        council: (await add(funders.council, 1_000_000)).id,
      },
    }
  })
  await db.transaction().execute(async (trx) => {
    await recordReceipt(trx, manager.id, { contributionId: contributions.nhs, amountPence: 6_000_000, receivedOn: '2026-07-01', reference: 'NHS-SWL-001', idempotencyKey: `test:${t}:nhs` })
    await recordReceipt(trx, manager.id, { contributionId: contributions.lottery, amountPence: 2_000_000, receivedOn: '2026-07-02', reference: 'TNLCF-77', idempotencyKey: `test:${t}:lottery` })
  })
  const award = await createAward(db, { placeId, amountPence: 1_000_000, matchCashPence: 240_000, matchInKindPence: 100_000 })
  await db.transaction().execute(async (trx) => {
    await commitAward(trx, manager.id, {
      awardId: award.awardId,
      potId,
      amountPence: 1_000_000,
      award: { placeId, categories: ['health_and_wellbeing'], fundId: award.fundId, roundId: award.roundId, date: '2026-11-21' },
      idempotencyKey: `award:${award.awardId}:commit`,
    })
    await recordAwardPayment(trx, null, { awardId: award.awardId, amountPence: 400_000, idempotencyKey: `award:${award.awardId}:tranche:1` })
  })
  return { potId, placeId, otherPlaceId, funders, contributions, awardId: award.awardId, awardReference: award.reference, organisationName: award.organisationName, managerUserId: manager.id }
}
