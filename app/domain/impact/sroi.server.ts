/**
 * Each fund's SROI inputs (sroi_models, one row per fund; a fund without one uses DEFAULT_SROI_INPUTS, which the
 * page labels as illustrative), and the estimate for a roll-up: per fund, the people improved on each measure valued
 * with that fund's inputs against the money paid to that fund's awards; overall, the sum of the funds' values over the
 * sum of what was paid. The arithmetic lives in sroi.ts.
 *
 * The estimate uses all the money paid to the awards, whoever gave it: outcomes cannot be split between the funders
 * of a pooled award, so every funder of those awards sees the same ratio (their own share of the money is shown
 * beside it).
 */
import type { Transaction } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { MEASURE_BY_CODE } from '../returns/measures.ts'
import type { ImpactRollUp } from './rollup.server.ts'
import { DEFAULT_SROI_INPUTS, estimateSroi, netPeopleImproved, parseSroiInputs, sroiSentence, type SroiEstimate, type SroiInputs } from './sroi.ts'

export interface FundSroiModel {
  fundId: number
  fundName: string
  inputs: SroiInputs
  /** True when the fund has not set its own inputs (the illustrative defaults apply). */
  isDefault: boolean
  updatedAt: string | null
  updatedByName: string | null
}

/** The fund's SROI inputs, or the defaults when it has none. NotFoundError for an unknown fund. */
export async function fundSroiModel(db: Db, fundId: number): Promise<FundSroiModel> {
  const fund = await db.selectFrom('funds').select(['id', 'name']).where('id', '=', fundId).executeTakeFirst()
  if (!fund) throw new NotFoundError('fund')
  const row = await db
    .selectFrom('sroi_models')
    .leftJoin('users', 'users.id', 'sroi_models.updated_by')
    .select(['sroi_models.inputs', 'sroi_models.updated_at', 'users.name'])
    .where('sroi_models.fund_id', '=', fundId)
    .executeTakeFirst()
  return {
    fundId: fund.id,
    fundName: fund.name,
    inputs: row ? parseSroiInputs(row.inputs) : DEFAULT_SROI_INPUTS,
    isDefault: !row,
    updatedAt: row?.updated_at ?? null,
    updatedByName: row?.name ?? null,
  }
}

/** Saves a fund's SROI inputs (already validated by SroiInputsSchema), with an audit entry of before and after. */
export async function saveSroiInputs(trx: Transaction<DB>, actorUserId: number, input: { fundId: number; inputs: SroiInputs }): Promise<void> {
  const before = await fundSroiModel(trx, input.fundId)
  const now = new Date().toISOString()
  const json = JSON.stringify(input.inputs)
  if (before.isDefault) {
    await trx.insertInto('sroi_models').values({ fund_id: input.fundId, inputs: json, updated_by: actorUserId, updated_at: now }).execute()
  } else {
    await trx.updateTable('sroi_models').set({ inputs: json, updated_by: actorUserId, updated_at: now }).where('fund_id', '=', input.fundId).execute()
  }
  await recordAudit(trx, {
    actorUserId,
    action: 'sroi.inputs_changed',
    entityType: 'fund',
    entityId: input.fundId,
    before: before.isDefault ? null : before.inputs,
    after: input.inputs,
  })
}

export interface FundSroi extends SroiEstimate {
  fundId: number
  fundName: string
  isDefault: boolean
}

export interface ScopeSroi {
  funds: FundSroi[]
  valuePence: number
  paidPence: number
  sentence: string
}

/** The SROI estimate for a roll-up: each fund's own inputs on its own awards, then the funds added together. */
export async function sroiForRollUp(db: Db, rollUp: Pick<ImpactRollUp, 'funds'>): Promise<ScopeSroi> {
  const funds: FundSroi[] = []
  for (const f of rollUp.funds) {
    const model = await fundSroiModel(db, f.fundId)
    const improved = f.measures.map((m) => ({ measure: m.measure, peopleImproved: netPeopleImproved(m.summary, MEASURE_BY_CODE[m.measure].lowerIsBetter) }))
    funds.push({ ...estimateSroi(model.inputs, improved, f.paidPence), fundId: f.fundId, fundName: f.fundName, isDefault: model.isDefault })
  }
  const valuePence = funds.reduce((s, f) => s + f.valuePence, 0)
  const paidPence = funds.reduce((s, f) => s + f.paidPence, 0)
  return { funds, valuePence, paidPence, sentence: sroiSentence(valuePence, paidPence) }
}
