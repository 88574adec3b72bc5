/**
 * What the pot management page shows (GET /pots/:potId): the pot's facts, each contribution with its figures,
 * conditions in words, instalments and receipts, the rounds drawing on it and the awards committed to it.
 * The dashboard route reuses potOverview.
 */
import type { Db } from '~/lib/db.server.ts'
import { contributionBalances, listInstalments, listReceipts, receivedTotals, type ContributionBalances, type InstalmentInput, type Receipt } from './contributions.server.ts'
import { getPot, type Pot } from './pots.server.ts'
import { describeConditions, parseConditions, type ConditionNames, type Conditions } from './ring-fence.ts'

export interface ContributionOverview {
  id: number
  funderId: number
  funderName: string
  pledgedPence: number
  receivedPence: number
  balances: ContributionBalances
  /** What it can commit now (available, plus outstanding on a pledged-basis pot). */
  canCommitPence: number
  conditions: Conditions
  conditionSentences: string[]
  isInKind: boolean
  carriedFromContributionId: number | null
  instalments: InstalmentInput[]
  receipts: Receipt[]
}

export interface PotOverview {
  pot: Pot & { placeName: string | null; hostFunderName: string; poolManagerName: string | null }
  totals: { pledgedPence: number; receivedPence: number; canCommitPence: number } & ContributionBalances
  contributions: ContributionOverview[]
  rounds: Array<{ id: number; title: string; fundName: string }>
  commitments: Array<{ awardId: number; awardReference: string; contributionId: number; amountPence: number; overrideReason: string | null; releasedAt: string | null }>
}

/** Names of the places, funds and rounds that conditions mention, for describeConditions. */
export async function conditionNames(db: Db, conditions: Conditions[]): Promise<ConditionNames> {
  const placeIds = [...new Set(conditions.flatMap((c) => c.placeIds ?? []))]
  const fundIds = [...new Set(conditions.flatMap((c) => c.fundIds ?? []))]
  const roundIds = [...new Set(conditions.flatMap((c) => c.roundIds ?? []))]
  const [places, funds, rounds] = await Promise.all([
    placeIds.length ? db.selectFrom('places').select(['id', 'name']).where('id', 'in', placeIds).execute() : [],
    fundIds.length ? db.selectFrom('funds').select(['id', 'name']).where('id', 'in', fundIds).execute() : [],
    roundIds.length ? db.selectFrom('rounds').select(['id', 'title as name']).where('id', 'in', roundIds).execute() : [],
  ])
  const byId = (rows: Array<{ id: number; name: string }>) => Object.fromEntries(rows.map((r) => [r.id, r.name]))
  return { places: byId(places), funds: byId(funds), rounds: byId(rounds) }
}

export async function potOverview(db: Db, potId: number): Promise<PotOverview> {
  const pot = await getPot(db, potId)
  const [facts, rows, rounds, commitments] = await Promise.all([
    db
      .selectFrom('pots')
      .innerJoin('funders', 'funders.id', 'pots.host_funder_id')
      .leftJoin('places', 'places.id', 'pots.place_id')
      .leftJoin('users', 'users.id', 'pots.pool_manager_user_id')
      .select(['places.name as placeName', 'funders.name as hostFunderName', 'users.name as poolManagerName'])
      .where('pots.id', '=', potId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('contributions')
      .innerJoin('funders', 'funders.id', 'contributions.funder_id')
      .select(['contributions.id', 'contributions.funder_id', 'funders.name', 'contributions.pledged_pence', 'contributions.conditions', 'contributions.is_in_kind', 'contributions.carried_from_contribution_id'])
      .where('contributions.pot_id', '=', potId)
      .orderBy('contributions.id')
      .execute(),
    db
      .selectFrom('round_pots')
      .innerJoin('rounds', 'rounds.id', 'round_pots.round_id')
      .innerJoin('funds', 'funds.id', 'rounds.fund_id')
      .select(['rounds.id', 'rounds.title', 'funds.name as fundName'])
      .where('round_pots.pot_id', '=', potId)
      .orderBy('rounds.title')
      .execute(),
    db
      .selectFrom('award_commitments')
      .innerJoin('contributions', 'contributions.id', 'award_commitments.contribution_id')
      .innerJoin('awards', 'awards.id', 'award_commitments.award_id')
      .select([
        'awards.id as awardId',
        'awards.reference as awardReference',
        'award_commitments.contribution_id as contributionId',
        'award_commitments.amount_pence as amountPence',
        'award_commitments.override_reason as overrideReason',
        'award_commitments.released_at as releasedAt',
      ])
      .where('contributions.pot_id', '=', potId)
      .orderBy('award_commitments.id')
      .execute(),
  ])
  const ids = rows.map((r) => r.id)
  const [balances, received] = await Promise.all([contributionBalances(db, ids), receivedTotals(db, ids)])
  const parsed = rows.map((r) => parseConditions(r.conditions))
  const names = await conditionNames(db, parsed)
  const contributions: ContributionOverview[] = []
  for (const [i, r] of rows.entries()) {
    const b = balances.get(r.id)!
    contributions.push({
      id: r.id,
      funderId: r.funder_id,
      funderName: r.name,
      pledgedPence: r.pledged_pence,
      receivedPence: received.get(r.id)!,
      balances: b,
      canCommitPence: b.available + (pot.availableBasis === 'pledged' ? b.outstanding : 0),
      conditions: parsed[i],
      conditionSentences: describeConditions(parsed[i], names),
      isInKind: r.is_in_kind === 1,
      carriedFromContributionId: r.carried_from_contribution_id,
      instalments: await listInstalments(db, r.id),
      receipts: await listReceipts(db, r.id),
    })
  }
  const total = (f: (c: ContributionOverview) => number) => contributions.reduce((s, c) => s + f(c), 0)
  return {
    pot: { ...pot, ...facts },
    totals: {
      pledgedPence: total((c) => c.pledgedPence),
      receivedPence: total((c) => c.receivedPence),
      canCommitPence: total((c) => c.canCommitPence),
      outstanding: total((c) => c.balances.outstanding),
      available: total((c) => c.balances.available),
      committed: total((c) => c.balances.committed),
      scheduled: total((c) => c.balances.scheduled),
      paid: total((c) => c.balances.paid),
      returned: total((c) => c.balances.returned),
    },
    contributions,
    rounds,
    commitments,
  }
}
