/**
 * The impact roll-up: what ACCEPTED returns (returns.status = 'accepted') say the awards in a scope achieved. Read-only.
 *
 * - Scope (scope.ts): a round, a fund (award -> round -> fund), a pot or a funder (the award's active commitments ->
 *   contribution -> pot and funder) and a place (where the project works: the application's place, as on the pot
 *   dashboard). A funder viewer's roll-up is further limited to awards their own funders' money is committed to.
 * - Pooled awards: people and outcomes count in full for every funder and pot whose money is in the award (the page
 *   says "supported by"); money is counted by each funder's share (sharePaidPence).
 * - Everything is summed in SQL (people, sessions, referral counts, and per measure the sufficient statistics
 *   n, Σ n·mean before, Σ n·mean after, Σ change and Σ change²) grouped by fund and measure, so 40,000 awards are a
 *   handful of grouped rows; the means, changes and 95% intervals then come from outcome-statistics.ts.
 * - Each return reports its own period, so people and sessions add up across an award's returns.
 * - Money paid (for the SROI) counts awards with at least one accepted return: tranches paid plus any older direct
 *   payments, net of repayments and clawbacks.
 */
import { sql, type SelectQueryBuilder } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import type { Db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { REASONS } from '../budgets/accounts.ts'
import { isMeasureCode, MEASURES, REFERRAL_ROUTES, type MeasureCode } from '../returns/measures.ts'
import { addSums, summarise, type OutcomeSums, type OutcomeSummary } from './outcome-statistics.ts'
import type { ImpactScope } from './scope.ts'

export interface ImpactAccess {
  /** Set for a funder viewer: only awards these funders' money is committed to, and money by their share. */
  funderIds?: number[]
}

export interface MeasureFigures extends OutcomeSummary {
  measure: MeasureCode
  label: string
  lowerIsBetter: boolean
  /** What the interval says, in words: "improved", "got worse" or "no clear change" (or "too few people to say"). */
  verdict: string
}

export interface ReferralFigures {
  code: string
  label: string
  count: number
  /** Share of all referrals, to one decimal place. */
  percent: number
}

export interface PlaceImpact {
  placeId: number | null
  placeName: string
  peopleReached: number
  awards: number
}

export interface FundImpact {
  fundId: number
  fundName: string
  paidPence: number
  measures: Array<{ measure: MeasureCode; summary: OutcomeSummary }>
}

export interface ImpactRollUp {
  scope: ImpactScope
  /** The scope in words: "Healthy Communities fund, NHS South West London ICB". */
  scopeLabel: string
  awards: number
  acceptedReturns: number
  peopleReached: number
  sessionsDelivered: number
  referrals: ReferralFigures[]
  referralTotal: number
  byPlace: PlaceImpact[]
  measures: MeasureFigures[]
  funds: FundImpact[]
  /** Funders whose money is in the awards counted. */
  supportedBy: string[]
  /** Paid to the awards counted, all funders' money. */
  paidPence: number
  /** For a funder viewer or a funder or pot scope: the part of paidPence that came from them; null otherwise. */
  sharePaidPence: number | null
  /** True when SWEMWBS figures are shown (its copyright line must be too). */
  swemwbs: boolean
}

type AwardsQuery = SelectQueryBuilder<DB, 'awards', { id: number }>

/**
 * The awards with an active commitment from contributions of these pots or funders, as an IN list subquery: it is
 * read once through the contributions' indexes (pot, then commitment by contribution), not once per award.
 */
function fundedBy(db: Db, column: 'contributions.pot_id' | 'contributions.funder_id', ids: number[]) {
  return db
    .selectFrom('award_commitments')
    .innerJoin('contributions', 'contributions.id', 'award_commitments.contribution_id')
    .select('award_commitments.award_id')
    .where('award_commitments.released_at', 'is', null)
    .where(column, 'in', ids.length ? ids : [0])
}

/** The ids of the awards in the scope (and the viewer's reach), as a subquery. */
export function awardsInScope(db: Db, scope: ImpactScope, access: ImpactAccess = {}): AwardsQuery {
  let q = db.selectFrom('awards').select('awards.id')
  if (scope.roundId) q = q.where('awards.round_id', '=', scope.roundId)
  if (scope.fundId) q = q.where('awards.round_id', 'in', db.selectFrom('rounds').select('rounds.id').where('rounds.fund_id', '=', scope.fundId!))
  if (scope.placeId) q = q.where('awards.application_id', 'in', db.selectFrom('applications').select('applications.id').where('applications.place_id', '=', scope.placeId!))
  if (scope.potId) q = q.where('awards.id', 'in', fundedBy(db, 'contributions.pot_id', [scope.potId]))
  if (scope.funderId) q = q.where('awards.id', 'in', fundedBy(db, 'contributions.funder_id', [scope.funderId]))
  if (access.funderIds) q = q.where('awards.id', 'in', fundedBy(db, 'contributions.funder_id', access.funderIds))
  return q
}

/** Awards in the scope with at least one accepted return: the awards the roll-up counts. */
function reportingAwards(db: Db, scope: ImpactScope, access: ImpactAccess): AwardsQuery {
  return awardsInScope(db, scope, access).where('awards.id', 'in', db.selectFrom('returns').select('returns.award_id').where('returns.status', '=', 'accepted'))
}

const num = (v: unknown) => Number(v ?? 0)

/** The names behind the scope's ids; NotFoundError when one does not exist. */
export async function describeScope(db: Db, scope: ImpactScope): Promise<string> {
  const parts: string[] = []
  const one = async <T>(what: string, q: Promise<T | undefined>): Promise<T> => {
    const row = await q
    if (!row) throw new NotFoundError(what)
    return row
  }
  if (scope.fundId) parts.push(`${(await one('fund', db.selectFrom('funds').select('name').where('id', '=', scope.fundId).executeTakeFirst())).name} fund`)
  if (scope.roundId) parts.push(`round “${(await one('round', db.selectFrom('rounds').select('title').where('id', '=', scope.roundId).executeTakeFirst())).title}”`)
  if (scope.potId) parts.push(`pot “${(await one('pot', db.selectFrom('pots').select('name').where('id', '=', scope.potId).executeTakeFirst())).name}”`)
  if (scope.placeId) parts.push(`projects in ${(await one('place', db.selectFrom('places').select('name').where('id', '=', scope.placeId).executeTakeFirst())).name}`)
  if (scope.funderId) parts.push(`money from ${(await one('funder', db.selectFrom('funders').select('name').where('id', '=', scope.funderId).executeTakeFirst())).name}`)
  return parts.length ? parts.join(', ') : 'All funds, pots, places and funders'
}

/** "improved" when the whole 95% interval is on the better side of no change, "got worse" when on the worse side. */
export function verdictFor(summary: OutcomeSummary, lowerIsBetter: boolean): string {
  if (!summary.ci95) return 'too few people to say'
  const { low, high } = summary.ci95
  const better = lowerIsBetter ? high < 0 : low > 0
  const worse = lowerIsBetter ? low > 0 : high < 0
  return better ? 'improved' : worse ? 'got worse' : 'no clear change'
}

/** Σ over the measure rows of one or more funds into one summary per measure, in MEASURES order. */
function measureFigures(rows: Array<{ measure: MeasureCode; sums: OutcomeSums }>): MeasureFigures[] {
  return MEASURES.flatMap((m) => {
    const sums = addSums(rows.filter((r) => r.measure === m.code).map((r) => r.sums))
    if (!sums) return []
    const summary = summarise(sums)
    return [{ ...summary, measure: m.code, label: m.label, lowerIsBetter: m.lowerIsBetter, verdict: verdictFor(summary, m.lowerIsBetter) }]
  })
}

/** Paid to the awards (all funders' money), by fund: paid tranches, older direct payments, less repayments. */
async function paidByFund(db: Db, awards: AwardsQuery): Promise<Map<number, number>> {
  const [tranches, direct, repaid] = await Promise.all([
    db
      .selectFrom('tranches')
      .innerJoin('awards', 'awards.id', 'tranches.award_id')
      .innerJoin('rounds', 'rounds.id', 'awards.round_id')
      .select((eb) => ['rounds.fund_id as fundId', eb.fn.sum<number>('tranches.amount_pence').as('total')])
      .where('tranches.status', '=', 'paid')
      .where('tranches.award_id', 'in', awards)
      .groupBy('rounds.fund_id')
      .execute(),
    db
      .selectFrom('ledger_entries')
      .innerJoin('award_commitments', 'award_commitments.id', 'ledger_entries.ref_id')
      .innerJoin('awards', 'awards.id', 'award_commitments.award_id')
      .innerJoin('rounds', 'rounds.id', 'awards.round_id')
      .select((eb) => ['rounds.fund_id as fundId', eb.fn.sum<number>('ledger_entries.amount_pence').as('total')])
      .where('ledger_entries.ref_type', '=', 'award_commitment')
      .where('ledger_entries.reason_code', '=', REASONS.paid)
      .where('ledger_entries.reverses_entry_id', 'is', null)
      .where('award_commitments.award_id', 'in', awards)
      .groupBy('rounds.fund_id')
      .execute(),
    db
      .selectFrom('award_repayments')
      .innerJoin('awards', 'awards.id', 'award_repayments.award_id')
      .innerJoin('rounds', 'rounds.id', 'awards.round_id')
      .select((eb) => ['rounds.fund_id as fundId', eb.fn.sum<number>('award_repayments.amount_pence').as('total')])
      .where('award_repayments.award_id', 'in', awards)
      .groupBy('rounds.fund_id')
      .execute(),
  ])
  const paid = new Map<number, number>()
  const add = (fundId: number, pence: number) => paid.set(fundId, (paid.get(fundId) ?? 0) + pence)
  for (const r of tranches) add(r.fundId, num(r.total))
  for (const r of direct) add(r.fundId, num(r.total))
  for (const r of repaid) add(r.fundId, -num(r.total))
  return paid
}

/**
 * The part of what was paid to the awards that came from the given contributions: their parts of paid tranches, older
 * direct payments against their commitments, less what was repaid to them (the reports' rule, summed in SQL).
 */
async function paidFromContributions(db: Db, awards: AwardsQuery, contributions: SelectQueryBuilder<DB, 'contributions', { id: number }>): Promise<number> {
  const [parts, direct, repaid] = await Promise.all([
    db
      .selectFrom('tranche_parts')
      .innerJoin('tranches', 'tranches.id', 'tranche_parts.tranche_id')
      .select((eb) => eb.fn.sum<number>('tranche_parts.amount_pence').as('total'))
      .where('tranches.status', '=', 'paid')
      .where('tranches.award_id', 'in', awards)
      .where('tranche_parts.contribution_id', 'in', contributions)
      .executeTakeFirst(),
    db
      .selectFrom('ledger_entries')
      .innerJoin('award_commitments', 'award_commitments.id', 'ledger_entries.ref_id')
      .select((eb) => eb.fn.sum<number>('ledger_entries.amount_pence').as('total'))
      .where('ledger_entries.ref_type', '=', 'award_commitment')
      .where('ledger_entries.reason_code', '=', REASONS.paid)
      .where('ledger_entries.reverses_entry_id', 'is', null)
      .where('award_commitments.award_id', 'in', awards)
      .where('award_commitments.contribution_id', 'in', contributions)
      .executeTakeFirst(),
    db
      .selectFrom('ledger_entries')
      .innerJoin('award_repayments', 'award_repayments.id', 'ledger_entries.ref_id')
      .innerJoin('ledger_accounts', 'ledger_accounts.id', 'ledger_entries.debit_account_id')
      .select((eb) => eb.fn.sum<number>('ledger_entries.amount_pence').as('total'))
      .where('ledger_entries.ref_type', '=', 'award_repayment')
      .where('ledger_accounts.owner_type', '=', 'contribution')
      .where('ledger_accounts.owner_id', 'in', contributions)
      .where('award_repayments.award_id', 'in', awards)
      .executeTakeFirst(),
  ])
  return num(parts?.total) + num(direct?.total) - num(repaid?.total)
}

/** The contributions whose share of the money the roll-up reports: the viewer's funders, else a funder or pot scope. */
function shareContributions(db: Db, scope: ImpactScope, access: ImpactAccess): SelectQueryBuilder<DB, 'contributions', { id: number }> | null {
  let q = db.selectFrom('contributions').select('contributions.id')
  if (!access.funderIds && !scope.funderId && !scope.potId) return null
  if (access.funderIds) q = q.where('contributions.funder_id', 'in', access.funderIds.length ? access.funderIds : [0])
  if (scope.funderId) q = q.where('contributions.funder_id', '=', scope.funderId)
  if (scope.potId) q = q.where('contributions.pot_id', '=', scope.potId)
  return q
}

/** The whole roll-up for a scope. Throws NotFoundError when the scope names a round, fund, pot, place or funder that does not exist. */
export async function impactRollUp(db: Db, scope: ImpactScope, access: ImpactAccess = {}): Promise<ImpactRollUp> {
  const scopeLabel = await describeScope(db, scope)
  const awards = reportingAwards(db, scope, access)
  const accepted = <T extends SelectQueryBuilder<DB, 'returns', object>>(q: T) => q.where('returns.status', '=', 'accepted').where('returns.award_id', 'in', awards) as T

  const [totals, referralRows, placeRows, outcomeRows, supporters, paid, funds] = await Promise.all([
    accepted(db.selectFrom('returns'))
      .select((eb) => [
        eb.fn.countAll<number>().as('returns'),
        eb.fn.count<number>('returns.award_id').distinct().as('awards'),
        eb.fn.sum<number>('returns.people_reached').as('people'),
        eb.fn.sum<number>('returns.sessions_delivered').as('sessions'),
      ])
      .executeTakeFirst(),
    accepted(db.selectFrom('returns').innerJoin('return_counts', 'return_counts.return_id', 'returns.id'))
      .select((eb) => ['return_counts.category', eb.fn.sum<number>('return_counts.count').as('total')])
      .where('return_counts.dimension', '=', 'referral')
      .groupBy('return_counts.category')
      .execute(),
    accepted(
      db
        .selectFrom('returns')
        .innerJoin('awards', 'awards.id', 'returns.award_id')
        .innerJoin('applications', 'applications.id', 'awards.application_id')
        .leftJoin('places', 'places.id', 'applications.place_id'),
    )
      .select((eb) => ['applications.place_id as placeId', 'places.name as placeName', eb.fn.sum<number>('returns.people_reached').as('people'), eb.fn.count<number>('returns.award_id').distinct().as('awards')])
      .groupBy(['applications.place_id', 'places.name'])
      .execute(),
    accepted(
      db
        .selectFrom('returns')
        .innerJoin('return_outcomes', 'return_outcomes.return_id', 'returns.id')
        .innerJoin('awards', 'awards.id', 'returns.award_id')
        .innerJoin('rounds', 'rounds.id', 'awards.round_id'),
    )
      .select((eb) => [
        'rounds.fund_id as fundId',
        'return_outcomes.measure',
        eb.fn.sum<number>('return_outcomes.n').as('n'),
        sql<number>`sum(return_outcomes.n * return_outcomes.mean_before)`.as('sumBefore'),
        sql<number>`sum(return_outcomes.n * return_outcomes.mean_after)`.as('sumAfter'),
        eb.fn.sum<number>('return_outcomes.sum_change').as('sumChange'),
        eb.fn.sum<number>('return_outcomes.sum_sq_change').as('sumSqChange'),
      ])
      .groupBy(['rounds.fund_id', 'return_outcomes.measure'])
      .execute(),
    db
      .selectFrom('award_commitments')
      .innerJoin('contributions', 'contributions.id', 'award_commitments.contribution_id')
      .innerJoin('funders', 'funders.id', 'contributions.funder_id')
      .select('funders.name')
      .distinct()
      .where('award_commitments.released_at', 'is', null)
      .where('award_commitments.award_id', 'in', awards)
      .orderBy('funders.name')
      .execute(),
    paidByFund(db, awards),
    db
      .selectFrom('funds')
      .select(['funds.id', 'funds.name'])
      .where('funds.id', 'in', db.selectFrom('rounds').select('rounds.fund_id').where('rounds.id', 'in', db.selectFrom('awards').select('awards.round_id').where('awards.id', 'in', awards)))
      .orderBy('funds.name')
      .execute(),
  ])

  const outcomes = outcomeRows
    .filter((r) => isMeasureCode(r.measure))
    .map((r) => {
      const n = num(r.n)
      return {
        fundId: r.fundId,
        measure: r.measure as MeasureCode,
        sums: { n, meanBefore: num(r.sumBefore) / n, meanAfter: num(r.sumAfter) / n, sumChange: num(r.sumChange), sumSqChange: num(r.sumSqChange) },
      }
    })
  const measures = measureFigures(outcomes)
  const referralCounts = new Map(referralRows.map((r) => [r.category, num(r.total)]))
  const referralTotal = [...referralCounts.values()].reduce((s, c) => s + c, 0)
  const referrals = REFERRAL_ROUTES.map((r) => {
    const count = referralCounts.get(r.code) ?? 0
    return { code: r.code, label: r.label, count, percent: referralTotal ? Math.round((count * 1000) / referralTotal) / 10 : 0 }
  })
  const shares = shareContributions(db, scope, access)
  return {
    scope,
    scopeLabel,
    awards: num(totals?.awards),
    acceptedReturns: num(totals?.returns),
    peopleReached: num(totals?.people),
    sessionsDelivered: num(totals?.sessions),
    referrals,
    referralTotal,
    byPlace: placeRows
      .map((r) => ({ placeId: r.placeId, placeName: r.placeName ?? 'No place recorded', peopleReached: num(r.people), awards: num(r.awards) }))
      .sort((a, b) => b.peopleReached - a.peopleReached || a.placeName.localeCompare(b.placeName)),
    measures,
    funds: funds.map((f) => ({
      fundId: f.id,
      fundName: f.name,
      paidPence: paid.get(f.id) ?? 0,
      measures: measureFigures(outcomes.filter((o) => o.fundId === f.id)).map((m) => ({ measure: m.measure, summary: m })),
    })),
    supportedBy: supporters.map((s) => s.name),
    paidPence: [...paid.values()].reduce((s, p) => s + p, 0),
    sharePaidPence: shares ? await paidFromContributions(db, awards, shares) : null,
    swemwbs: measures.some((m) => m.measure === 'swemwbs'),
  }
}

export interface ScopeOptions {
  funds: Array<{ id: number; name: string }>
  rounds: Array<{ id: number; name: string }>
  pots: Array<{ id: number; name: string }>
  places: Array<{ id: number; name: string }>
  funders: Array<{ id: number; name: string }>
}

/** The choices for the scope picker: every fund, round, pot and funder, and the places funded projects work in. */
export async function scopeOptions(db: Db): Promise<ScopeOptions> {
  const [funds, rounds, pots, places, funders] = await Promise.all([
    db.selectFrom('funds').select(['id', 'name']).orderBy('name').execute(),
    db.selectFrom('rounds').innerJoin('funds', 'funds.id', 'rounds.fund_id').select(['rounds.id', 'rounds.title', 'funds.name as fundName']).orderBy('funds.name').orderBy('rounds.title').execute(),
    db.selectFrom('pots').select(['id', 'name', 'financial_year']).orderBy('name').orderBy('financial_year').execute(),
    db
      .selectFrom('places')
      .select(['places.id', 'places.name'])
      .where('places.id', 'in', db.selectFrom('applications').innerJoin('awards', 'awards.application_id', 'applications.id').select('applications.place_id').where('applications.place_id', 'is not', null))
      .orderBy('places.name')
      .execute(),
    db.selectFrom('funders').select(['id', 'name']).orderBy('name').execute(),
  ])
  return {
    funds,
    rounds: rounds.map((r) => ({ id: r.id, name: `${r.fundName}: ${r.title}` })),
    pots: pots.map((p) => ({ id: p.id, name: `${p.name} (${p.financial_year})` })),
    places,
    funders,
  }
}

