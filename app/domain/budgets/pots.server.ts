/**
 * Pots: one pooled budget per place (or national) and financial year, hosted by one funder and run by a named pool
 * manager (Section 75 practice). A pot is drafted while contributions are agreed, opened to take commitments, and
 * closed at year end (year-end.server.ts). Rounds draw on one or more pots (round_pots).
 */
import type { Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import type { DB } from '../../../db/schema.ts'
import { parseFinancialYear } from './financial-year.ts'

export type PotStatus = 'draft' | 'open' | 'closed'
export { AVAILABLE_BASIS_LABELS, YEAR_END_POLICY_LABELS, type AvailableBasis, type YearEndPolicy } from './pot-labels.ts'
import type { AvailableBasis, YearEndPolicy } from './pot-labels.ts'

/** A value the pot form should have caught; names its form field. */
export class PotInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'pot_input', status: 400, field })
  }
}

export class PotNotFoundError extends NotFoundError {
  constructor() {
    super('pot')
  }
}

/** The pot is not in a state that allows this (e.g. adding money to a closed pot). */
export class PotStatusError extends ConflictError {
  constructor(message: string) {
    super(message, 'pot_status')
  }
}

export interface Pot {
  id: number
  name: string
  placeId: number | null
  hostFunderId: number
  poolManagerUserId: number | null
  financialYear: string
  status: PotStatus
  availableBasis: AvailableBasis
  yearEndPolicy: YearEndPolicy
  previousPotId: number | null
  closedAt: string | null
}

export interface CreatePotInput {
  name: string
  /** null for a national pot (no single place). */
  placeId: number | null
  /** The partner that hosts the pool; required. */
  hostFunderId: number | null
  poolManagerUserId: number | null
  /** "2026-27" */
  financialYear: string
  availableBasis: AvailableBasis
  yearEndPolicy: YearEndPolicy
  previousPotId?: number | null
}

const POT_COLUMNS = [
  'id',
  'name',
  'place_id',
  'host_funder_id',
  'pool_manager_user_id',
  'financial_year',
  'status',
  'available_basis',
  'year_end_policy',
  'previous_pot_id',
  'closed_at',
] as const

type PotRow = {
  id: number
  name: string
  place_id: number | null
  host_funder_id: number
  pool_manager_user_id: number | null
  financial_year: string
  status: PotStatus
  available_basis: AvailableBasis
  year_end_policy: YearEndPolicy
  previous_pot_id: number | null
  closed_at: string | null
}

function toPot(r: PotRow): Pot {
  return {
    id: r.id,
    name: r.name,
    placeId: r.place_id,
    hostFunderId: r.host_funder_id,
    poolManagerUserId: r.pool_manager_user_id,
    financialYear: r.financial_year,
    status: r.status,
    availableBasis: r.available_basis,
    yearEndPolicy: r.year_end_policy,
    previousPotId: r.previous_pot_id,
    closedAt: r.closed_at,
  }
}

async function validatePotInput(trx: Transaction<DB>, input: CreatePotInput): Promise<string> {
  const name = input.name.trim()
  if (name === '') throw new PotInputError('name', 'Enter a name for the pot')
  if (name.length > 200) throw new PotInputError('name', 'The name must be 200 characters or fewer')
  if (input.hostFunderId === null) throw new PotInputError('hostFunderId', 'Select the funder that hosts the pot')
  const host = await trx.selectFrom('funders').select('id').where('id', '=', input.hostFunderId).executeTakeFirst()
  if (!host) throw new PotInputError('hostFunderId', 'Select the funder that hosts the pot')
  const year = parseFinancialYear(input.financialYear)
  if (!year.ok) throw new PotInputError('financialYear', year.message)
  if (input.placeId !== null) {
    const place = await trx.selectFrom('places').select('id').where('id', '=', input.placeId).executeTakeFirst()
    if (!place) throw new PotInputError('placeId', 'Select a place, or "National (no single place)"')
  }
  if (input.poolManagerUserId !== null) {
    const manager = await trx.selectFrom('users').select('id').where('id', '=', input.poolManagerUserId).where('anonymised_at', 'is', null).executeTakeFirst()
    if (!manager) throw new PotInputError('poolManagerUserId', 'Select the pool manager')
  }
  if (!['received', 'pledged'].includes(input.availableBasis)) throw new PotInputError('availableBasis', 'Select what money counts as available')
  if (!['carry_forward', 'return'].includes(input.yearEndPolicy)) throw new PotInputError('yearEndPolicy', 'Select what happens to unspent money at year end')
  return year.label
}

/** Creates a pot in draft. A pot with no host is refused (field error on hostFunderId). */
export async function createPot(trx: Transaction<DB>, actorUserId: number | null, input: CreatePotInput): Promise<Pot> {
  const financialYear = await validatePotInput(trx, input)
  const row = await trx
    .insertInto('pots')
    .values({
      name: input.name.trim(),
      place_id: input.placeId,
      host_funder_id: input.hostFunderId!,
      pool_manager_user_id: input.poolManagerUserId,
      financial_year: financialYear,
      status: 'draft',
      available_basis: input.availableBasis,
      year_end_policy: input.yearEndPolicy,
      previous_pot_id: input.previousPotId ?? null,
    })
    .returning(POT_COLUMNS)
    .executeTakeFirstOrThrow()
  const pot = toPot(row)
  await recordAudit(trx, { actorUserId, action: 'pot.created', entityType: 'pot', entityId: pot.id, after: pot })
  return pot
}

/** The pot, or PotNotFoundError. */
export async function getPot(db: Db, potId: number): Promise<Pot> {
  const row = await db.selectFrom('pots').select(POT_COLUMNS).where('id', '=', potId).executeTakeFirst()
  if (!row) throw new PotNotFoundError()
  return toPot(row)
}

/** Opens a draft pot so awards can be committed to it. */
export async function openPot(trx: Transaction<DB>, actorUserId: number | null, potId: number): Promise<Pot> {
  const pot = await getPot(trx, potId)
  if (pot.status === 'open') return pot
  if (pot.status === 'closed') throw new PotStatusError(`${pot.name} is closed for the year and cannot be reopened.`)
  await trx.updateTable('pots').set({ status: 'open' }).where('id', '=', potId).where('status', '=', 'draft').execute()
  await recordAudit(trx, { actorUserId, action: 'pot.opened', entityType: 'pot', entityId: potId, before: { status: 'draft' }, after: { status: 'open' } })
  return { ...pot, status: 'open' }
}

/** Lets a round draw on the pot. Linking twice is harmless. */
export async function linkRoundToPot(trx: Transaction<DB>, actorUserId: number | null, input: { potId: number; roundId: number }): Promise<{ linked: boolean }> {
  const pot = await getPot(trx, input.potId)
  if (pot.status === 'closed') throw new PotStatusError(`${pot.name} is closed; link the round to next year's pot instead.`)
  const round = await trx.selectFrom('rounds').select(['id', 'title']).where('id', '=', input.roundId).executeTakeFirst()
  if (!round) throw new PotInputError('roundId', 'Select a round')
  const inserted = await trx
    .insertInto('round_pots')
    .values({ round_id: input.roundId, pot_id: input.potId })
    .onConflict((oc) => oc.columns(['round_id', 'pot_id']).doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!inserted) return { linked: false }
  await recordAudit(trx, { actorUserId, action: 'pot.round_linked', entityType: 'pot', entityId: input.potId, after: { roundId: round.id, title: round.title } })
  return { linked: true }
}

export interface PotListItem extends Pot {
  placeName: string | null
  hostFunderName: string
}

/** Every pot, newest financial year first, with its place and host names. */
export async function listPots(db: Db): Promise<PotListItem[]> {
  const rows = await db
    .selectFrom('pots')
    .innerJoin('funders', 'funders.id', 'pots.host_funder_id')
    .leftJoin('places', 'places.id', 'pots.place_id')
    .select(POT_COLUMNS.map((c) => `pots.${c}` as const))
    .select(['places.name as place_name', 'funders.name as host_funder_name'])
    .orderBy('pots.financial_year', 'desc')
    .orderBy('pots.name')
    .execute()
  return rows.map((r) => ({ ...toPot(r), placeName: r.place_name, hostFunderName: r.host_funder_name }))
}
