/** Funds (programmes), the funders behind them, and what the public may see of them. */
import type { Db } from '~/lib/db.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'

export interface PublicFund {
  id: number
  name: string
  slug: string
  description: string
  funders: string[]
  openRounds: number
}

/** Funds with their funders and the number of rounds open now, for the public Open funding page. */
export async function listOpenFunds(db: Db, now = new Date()): Promise<PublicFund[]> {
  const iso = now.toISOString()
  const [funds, funders, rounds] = await Promise.all([
    db.selectFrom('funds').select(['id', 'name', 'slug', 'description']).orderBy('name').execute(),
    db
      .selectFrom('fund_funders')
      .innerJoin('funders', 'funders.id', 'fund_funders.funder_id')
      .select(['fund_funders.fund_id', 'funders.name'])
      .orderBy('funders.name')
      .execute(),
    db
      .selectFrom('rounds')
      .select(['fund_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', '=', 'published')
      .where('opens_at', '<=', iso)
      .where('closes_at', '>', iso)
      .groupBy('fund_id')
      .execute(),
  ])
  return funds.map((f) => ({
    ...f,
    funders: funders.filter((x) => x.fund_id === f.id).map((x) => x.name),
    openRounds: Number(rounds.find((r) => r.fund_id === f.id)?.n ?? 0),
  }))
}

export interface CreateFundInput {
  name: string
  slug: string
  description: string
  shape: 'thriving_communities' | 'power_of_music' | 'place_based_pot' | 'other'
  funderIds: number[]
}

export async function createFund(trx: Transaction<DB>, actorUserId: number | null, input: CreateFundInput) {
  const fund = await trx
    .insertInto('funds')
    .values({ name: input.name, slug: input.slug, description: input.description, shape: input.shape })
    .returningAll()
    .executeTakeFirstOrThrow()
  for (const funderId of input.funderIds) {
    await trx.insertInto('fund_funders').values({ fund_id: fund.id, funder_id: funderId }).execute()
  }
  await recordAudit(trx, { actorUserId, action: 'fund.created', entityType: 'fund', entityId: fund.id, after: { ...fund, funderIds: input.funderIds } })
  return fund
}

export interface CreateFunderInput {
  name: string
  kind: 'nhs' | 'arts_council' | 'lottery' | 'trust' | 'council' | 'corporate' | 'public' | 'other'
  orgIdentifier: string | null
  placeId: number | null
}

export async function createFunder(trx: Transaction<DB>, actorUserId: number | null, input: CreateFunderInput) {
  const funder = await trx
    .insertInto('funders')
    .values({ name: input.name, kind: input.kind, org_identifier: input.orgIdentifier, place_id: input.placeId })
    .returningAll()
    .executeTakeFirstOrThrow()
  await recordAudit(trx, { actorUserId, action: 'funder.created', entityType: 'funder', entityId: funder.id, after: funder })
  return funder
}
