/** Funds (programmes), the funders behind them, and what the public may see of them. */
import type { Db } from '~/lib/db.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { slugify } from './rounds.server.ts'

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

export interface ManagedFund {
  id: number
  name: string
  slug: string
  description: string
  shape: string
  funders: { id: number; name: string }[]
  rounds: number
}

/** Every fund with its funders and how many rounds it has, for fund managers. */
export async function listFunds(db: Db): Promise<ManagedFund[]> {
  const [funds, funders, rounds] = await Promise.all([
    db.selectFrom('funds').select(['id', 'name', 'slug', 'description', 'shape']).orderBy('name').execute(),
    db
      .selectFrom('fund_funders')
      .innerJoin('funders', 'funders.id', 'fund_funders.funder_id')
      .select(['fund_funders.fund_id', 'funders.id', 'funders.name'])
      .orderBy('funders.name')
      .execute(),
    db.selectFrom('rounds').select(['fund_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('fund_id').execute(),
  ])
  return funds.map((f) => ({
    ...f,
    funders: funders.filter((x) => x.fund_id === f.id).map((x) => ({ id: x.id, name: x.name })),
    rounds: Number(rounds.find((r) => r.fund_id === f.id)?.n ?? 0),
  }))
}

/** One fund with its funders (404 if there is none). */
export async function getFund(db: Db, fundId: number): Promise<ManagedFund> {
  const fund = (await listFunds(db)).find((f) => f.id === fundId)
  if (!fund) throw new NotFoundError('fund')
  return fund
}

/** Every funder, for the "Create a fund" form's checkboxes. */
export async function listFunders(db: Db): Promise<{ id: number; name: string }[]> {
  return db.selectFrom('funders').select(['id', 'name']).orderBy('name').execute()
}

/** A fund's web address part not yet used: the name's, or with "-2", "-3" ... added. */
export async function uniqueFundSlug(db: Db, name: string): Promise<string> {
  const base = slugify(name)
  const taken = new Set((await db.selectFrom('funds').select('slug').where('slug', 'like', `${base}%`).execute()).map((r) => r.slug))
  if (!taken.has(base)) return base
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`
}
