/**
 * What the optimiser sees for a round (ADR 0009): the scored bids that passed every gateway, the round budget, each
 * place's fairness limits (round_place_limits) and, where the round draws on pots, each cash contribution with what it
 * can commit now and the bids its ring-fence allows.
 *
 * Money and eligibility come from the pooled-budget rules, not a copy of them: a contribution's available money is
 * what the commit split would use (splitCandidates: its available balance, plus what is pledged but not yet received
 * on a pledged-basis pot), and whether it may fund a bid is checkConditions on its ring-fence. A bid may draw on the
 * round's open pots for its own place and on national pots (as the panel's running totals do); in-kind contributions
 * fund no cash awards.
 */
import { parseOutcomeAreas } from '~/domain/applications/outcome-areas.server.ts'
import type { Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { MAX_PENCE, formatPence } from '~/lib/money.ts'
import type { DB } from '../../../db/schema.ts'
import { splitCandidates } from '../budgets/commitments.server.ts'
import { checkConditions, describeConditions, parseConditions, type AwardFacts, type ConditionNames, type Conditions } from '../budgets/ring-fence.ts'
import { ukToday } from '../places/places.server.ts'
import type { FundingSource, OptimiserBid, OptimiserInput, PlaceLimit } from './optimiser.server.ts'

/** A bid's moderated score as the panel sees it, by application id. */
export interface BidScore {
  scoreMilli: number
  gatewayFailed: boolean
  /** The amount to fund; the amount requested when left out. */
  amountPence?: number
  /** Outcome areas the bid delivers, for ring-fences that fund only some outcomes; none known when left out. */
  categories?: readonly string[]
}

interface RoundPot {
  id: number
  name: string
  placeId: number | null
}

interface PotContribution {
  id: number
  potId: number
  funderName: string
  conditions: Conditions
}

/** The optimiser's input for a round: see the module comment. `scores` holds the bids to weigh, by application id. */
export async function buildOptimiserInput(db: Db, roundId: number, scores: ReadonlyMap<number, BidScore>): Promise<OptimiserInput> {
  const round = await db.selectFrom('rounds').select(['id', 'fund_id', 'budget_pence']).where('id', '=', roundId).executeTakeFirst()
  if (!round) throw new NotFoundError('round')
  const { bids, outcomeAreas } = await roundBids(db, roundId, scores)
  // A bid's outcome areas are the fund manager's (applications.outcome_areas) unless the caller says otherwise.
  const withCategories = new Map([...scores].map(([id, s]) => [id, { ...s, categories: s.categories ?? outcomeAreas.get(id) ?? [] }]))
  const placeLimits = await listPlaceLimits(db, roundId)
  const pots = await roundPots(db, roundId)
  const budgetPence = round.budget_pence > 0 ? Number(round.budget_pence) : null
  if (pots.length === 0) return { budgetPence, bids, sources: null, placeLimits }
  const sources = await fundingSources(db, { roundId, fundId: round.fund_id, pots, bids, scores: withCategories })
  return { budgetPence, bids, sources, placeLimits }
}

async function roundBids(db: Db, roundId: number, scores: ReadonlyMap<number, BidScore>): Promise<{ bids: OptimiserBid[]; outcomeAreas: Map<number, string[]> }> {
  const ids = [...scores].filter(([, s]) => !s.gatewayFailed).map(([id]) => id)
  if (ids.length === 0) return { bids: [], outcomeAreas: new Map() }
  const rows = await db
    .selectFrom('applications')
    .leftJoin('places', 'places.id', 'applications.place_id')
    .select(['applications.id', 'applications.reference', 'applications.amount_requested_pence', 'applications.place_id', 'applications.outcome_areas', 'places.name as place_name'])
    .where('applications.round_id', '=', roundId)
    .where('applications.id', 'in', ids)
    .orderBy('applications.id')
    .execute()
  const outcomeAreas = new Map<number, string[]>(rows.map((r) => [r.id, parseOutcomeAreas(r.outcome_areas)]))
  const bids = rows.map((r) => {
    const score = scores.get(r.id)!
    return {
      id: r.id,
      label: r.reference,
      scoreMilli: score.scoreMilli,
      amountPence: score.amountPence ?? Number(r.amount_requested_pence),
      placeId: r.place_id,
      placeName: r.place_name,
    }
  })
  return { bids, outcomeAreas }
}

/** The round's open pots, as the panel's running totals use them. */
async function roundPots(db: Db, roundId: number): Promise<RoundPot[]> {
  const rows = await db
    .selectFrom('round_pots')
    .innerJoin('pots', 'pots.id', 'round_pots.pot_id')
    .select(['pots.id', 'pots.name', 'pots.place_id'])
    .where('round_pots.round_id', '=', roundId)
    .where('pots.status', '=', 'open')
    .orderBy('pots.id')
    .execute()
  return rows.map((r) => ({ id: r.id, name: r.name, placeId: r.place_id }))
}

async function cashContributions(db: Db, pots: RoundPot[]): Promise<PotContribution[]> {
  const rows = await db
    .selectFrom('contributions')
    .innerJoin('funders', 'funders.id', 'contributions.funder_id')
    .select(['contributions.id', 'contributions.pot_id', 'contributions.conditions', 'funders.name'])
    .where('contributions.pot_id', 'in', pots.map((p) => p.id))
    .where('contributions.is_in_kind', '=', 0)
    .orderBy('contributions.id')
    .execute()
  return rows.map((r) => ({ id: r.id, potId: r.pot_id, funderName: r.name, conditions: parseConditions(r.conditions) }))
}

/** Place, fund and round names for the ring-fence sentences in source labels. */
async function conditionNames(db: Db, contributions: PotContribution[]): Promise<ConditionNames> {
  const placeIds = [...new Set(contributions.flatMap((c) => c.conditions.placeIds ?? []))]
  const fundIds = [...new Set(contributions.flatMap((c) => c.conditions.fundIds ?? []))]
  const roundIds = [...new Set(contributions.flatMap((c) => c.conditions.roundIds ?? []))]
  const [places, funds, rounds] = await Promise.all([
    placeIds.length ? db.selectFrom('places').select(['id', 'name']).where('id', 'in', placeIds).execute() : [],
    fundIds.length ? db.selectFrom('funds').select(['id', 'name']).where('id', 'in', fundIds).execute() : [],
    roundIds.length ? db.selectFrom('rounds').select(['id', 'title as name']).where('id', 'in', roundIds).execute() : [],
  ])
  const byId = (rows: { id: number; name: string }[]) => Object.fromEntries(rows.map((r) => [r.id, r.name]))
  return { places: byId(places), funds: byId(funds), rounds: byId(rounds) }
}

function hasConditions(conditions: Conditions): boolean {
  return Object.values(conditions).some((v) => v !== null)
}

/** "NHS South West London ICB, Place pot 2026-27 (ring-fenced: Health and wellbeing outcomes only)". */
function sourceLabel(c: PotContribution, pot: RoundPot, names: ConditionNames): string {
  const base = `${c.funderName}, ${pot.name}`
  if (!hasConditions(c.conditions)) return base
  return `${base} (ring-fenced: ${describeConditions(c.conditions, names).join('; ')})`
}

async function fundingSources(
  db: Db,
  context: { roundId: number; fundId: number; pots: RoundPot[]; bids: OptimiserBid[]; scores: ReadonlyMap<number, BidScore> },
): Promise<FundingSource[]> {
  const { roundId, fundId, pots, bids, scores } = context
  const contributions = await cashContributions(db, pots)
  const names = await conditionNames(db, contributions)
  const date = ukToday()
  // What each contribution can commit now, exactly as the commit split works it out (its eligibility is per bid below).
  const available = new Map<number, number>()
  for (const pot of pots) {
    const facts: AwardFacts = { placeId: pot.placeId, categories: [], fundId, roundId, date, amountPence: 1 }
    for (const candidate of await splitCandidates(db, pot.id, facts)) available.set(candidate.contributionId, Math.max(0, candidate.availablePence))
  }
  const potById = new Map(pots.map((p) => [p.id, p]))
  return contributions.map((c) => {
    const pot = potById.get(c.potId)!
    const eligibleBidIds = bids
      .filter((b) => pot.placeId === null || pot.placeId === b.placeId)
      .filter((b) => {
        const facts: AwardFacts = { placeId: b.placeId, categories: scores.get(b.id)?.categories ?? [], fundId, roundId, date, amountPence: b.amountPence }
        return checkConditions(c.conditions, facts).ok
      })
      .map((b) => b.id)
    return {
      id: c.id,
      label: sourceLabel(c, pot, names),
      availablePence: available.get(c.id) ?? 0,
      eligibleBidIds,
      maxSharePercent: c.conditions.maxSharePercent,
    }
  })
}

// ---------- place limits (fairness) ----------

export class PlaceLimitInputError extends DomainError {
  constructor(field: 'minPence' | 'maxPence' | 'placeId', message: string) {
    super(message, { code: 'place_limit_input', status: 400, field })
  }
}

export interface SetPlaceLimitInput {
  roundId: number
  placeId: number
  /** At least this much to the place's bids; null for no minimum. */
  minPence: number | null
  /** At most this much to the place's bids; null for no maximum. */
  maxPence: number | null
}

/** The round's place limits, by place name. */
export async function listPlaceLimits(db: Db, roundId: number): Promise<PlaceLimit[]> {
  const rows = await db
    .selectFrom('round_place_limits')
    .innerJoin('places', 'places.id', 'round_place_limits.place_id')
    .select(['round_place_limits.place_id', 'places.name', 'round_place_limits.min_pence', 'round_place_limits.max_pence'])
    .where('round_place_limits.round_id', '=', roundId)
    .orderBy('places.name')
    .orderBy('round_place_limits.place_id')
    .execute()
  return rows.map((r) => ({
    placeId: r.place_id,
    placeName: r.name,
    minPence: r.min_pence === null ? null : Number(r.min_pence),
    maxPence: r.max_pence === null ? null : Number(r.max_pence),
  }))
}

function checkAmount(value: number | null, field: 'minPence' | 'maxPence', what: string): void {
  if (value === null) return
  if (!Number.isSafeInteger(value) || value < 0) throw new PlaceLimitInputError(field, `Enter the ${what} as an amount of £0 or more`)
  if (value > MAX_PENCE) throw new PlaceLimitInputError(field, `Enter the ${what} as ${formatPence(MAX_PENCE, { pence: 'auto' })} or less`)
}

/**
 * Sets (or, with neither a minimum nor a maximum, removes) a place's limit for a round. The minimum may not exceed
 * the maximum. Audited as 'round.place_limit_set' with the limit before and after.
 */
export async function setPlaceLimit(trx: Transaction<DB>, actorUserId: number, input: SetPlaceLimitInput): Promise<PlaceLimit | null> {
  checkAmount(input.minPence, 'minPence', 'minimum')
  checkAmount(input.maxPence, 'maxPence', 'maximum')
  if (input.minPence !== null && input.maxPence !== null && input.minPence > input.maxPence) {
    throw new PlaceLimitInputError('maxPence', `The maximum must be at least the minimum of ${formatPence(input.minPence, { pence: 'auto' })}`)
  }
  const round = await trx.selectFrom('rounds').select('id').where('id', '=', input.roundId).executeTakeFirst()
  if (!round) throw new NotFoundError('round')
  const place = await trx.selectFrom('places').select(['id', 'name']).where('id', '=', input.placeId).executeTakeFirst()
  if (!place) throw new PlaceLimitInputError('placeId', 'Choose a place')

  const existing = await trx
    .selectFrom('round_place_limits')
    .select(['id', 'min_pence', 'max_pence'])
    .where('round_id', '=', input.roundId)
    .where('place_id', '=', input.placeId)
    .executeTakeFirst()
  const before = existing ? { minPence: toPence(existing.min_pence), maxPence: toPence(existing.max_pence) } : null
  const removing = input.minPence === null && input.maxPence === null
  if (removing) {
    if (existing) await trx.deleteFrom('round_place_limits').where('id', '=', existing.id).execute()
  } else if (existing) {
    await trx.updateTable('round_place_limits').set({ min_pence: input.minPence, max_pence: input.maxPence }).where('id', '=', existing.id).execute()
  } else {
    await trx.insertInto('round_place_limits').values({ round_id: input.roundId, place_id: input.placeId, min_pence: input.minPence, max_pence: input.maxPence }).execute()
  }
  const after = removing ? null : { minPence: input.minPence, maxPence: input.maxPence }
  if (existing || !removing) {
    await recordAudit(trx, {
      actorUserId,
      action: 'round.place_limit_set',
      entityType: 'round',
      entityId: input.roundId,
      before: before && { placeId: input.placeId, ...before },
      after: after && { placeId: input.placeId, ...after },
    })
  }
  return after && { placeId: place.id, placeName: place.name, ...after }
}

function toPence(value: number | null): number | null {
  return value === null ? null : Number(value)
}
