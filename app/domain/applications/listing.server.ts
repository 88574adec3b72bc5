/**
 * What arrived in a round, as fund managers see it: the applications (every status but draft: a draft has not
 * arrived), filtered in SQL by status, place, organisation type, amount asked for and screening result, 50 a page with
 * keyset pagination by id (stable while new bids arrive), and the same filtered list streamed in batches for the CSV.
 * The caller has checked 'read:application:any'.
 */
import type { SelectQueryBuilder } from 'kysely'
import type { DB } from '../../../db/schema.ts'
import type { Db } from '~/lib/db.server.ts'
import { effectiveScreening, type ScreeningResult } from './screening.server.ts'

export type ScreeningFilter = ScreeningResult | 'not_screened'

export interface ApplicationFilters {
  status?: string
  placeId?: number
  legalType?: string
  minAmountPence?: number
  maxAmountPence?: number
  screening?: ScreeningFilter
}

export interface ApplicationListRow {
  id: number
  reference: string
  organisationName: string
  legalType: string
  placeName: string | null
  regionName: string | null
  status: string
  amountRequestedPence: number
  submittedAt: string | null
  /** The fund manager's override when there is one, otherwise the automatic result; null when not screened. */
  screening: ScreeningResult | null
  screeningOverridden: boolean
  fcfsPosition: number | null
}

export interface ApplicationPage {
  rows: ApplicationListRow[]
  /** Cursor for "Next page" (list after this id), or null on the last page. */
  nextAfter: number | null
  /** Cursor for "Previous page" (list before this id), or null on the first page. */
  previousBefore: number | null
}

export const PAGE_SIZE = 50

type ListQuery = SelectQueryBuilder<DB, 'applications' | 'organisations' | 'places', object>

function baseQuery(db: Db, roundId: number, filters: ApplicationFilters) {
  let query = db
    .selectFrom('applications')
    .innerJoin('organisations', 'organisations.id', 'applications.organisation_id')
    .leftJoin('places', 'places.id', 'applications.place_id')
    .where('applications.round_id', '=', roundId)
    .where('applications.status', '!=', 'draft') as ListQuery
  if (filters.status) query = query.where('applications.status', '=', filters.status)
  if (filters.placeId !== undefined) query = query.where('applications.place_id', '=', filters.placeId)
  if (filters.legalType) query = query.where('organisations.legal_type', '=', filters.legalType)
  if (filters.minAmountPence !== undefined) query = query.where('applications.amount_requested_pence', '>=', filters.minAmountPence)
  if (filters.maxAmountPence !== undefined) query = query.where('applications.amount_requested_pence', '<=', filters.maxAmountPence)
  if (filters.screening === 'not_screened') {
    query = query.where('applications.screening_result', 'is', null).where('applications.screening_override', 'is', null)
  } else if (filters.screening) {
    const wanted = filters.screening
    query = query.where((eb) =>
      eb.or([
        eb('applications.screening_override', '=', wanted),
        eb.and([eb('applications.screening_override', 'is', null), eb('applications.screening_result', '=', wanted)]),
      ]),
    )
  }
  return query.select([
    'applications.id',
    'applications.reference',
    'organisations.name as organisation_name',
    'organisations.legal_type',
    'places.name as place_name',
    'places.region_name',
    'applications.status',
    'applications.amount_requested_pence',
    'applications.submitted_at',
    'applications.screening_result',
    'applications.screening_override',
    'applications.fcfs_position',
  ])
}

type Row = Awaited<ReturnType<ReturnType<typeof baseQuery>['execute']>>[number]

function toListRow(r: Row): ApplicationListRow {
  return {
    id: r.id,
    reference: r.reference,
    organisationName: r.organisation_name,
    legalType: r.legal_type,
    placeName: r.place_name,
    regionName: r.region_name,
    status: r.status,
    amountRequestedPence: Number(r.amount_requested_pence),
    submittedAt: r.submitted_at,
    screening: effectiveScreening(r),
    screeningOverridden: r.screening_override !== null,
    fcfsPosition: r.fcfs_position,
  }
}

/**
 * One page of a round's applications, in the order they were started (by id). `after` lists the page after that id,
 * `before` the page before it; neither gives the first page.
 */
export async function listRoundApplications(
  db: Db,
  input: { roundId: number; filters: ApplicationFilters; after?: number; before?: number; limit?: number },
): Promise<ApplicationPage> {
  const limit = input.limit ?? PAGE_SIZE
  let query = baseQuery(db, input.roundId, input.filters)
  if (input.before !== undefined) {
    const rows = await query.where('applications.id', '<', input.before).orderBy('applications.id', 'desc').limit(limit + 1).execute()
    const page = rows.slice(0, limit).reverse()
    return { rows: page.map(toListRow), nextAfter: page.at(-1)?.id ?? null, previousBefore: rows.length > limit ? page[0]!.id : null }
  }
  if (input.after !== undefined) query = query.where('applications.id', '>', input.after)
  const rows = await query.orderBy('applications.id').limit(limit + 1).execute()
  const page = rows.slice(0, limit)
  return {
    rows: page.map(toListRow),
    nextAfter: rows.length > limit ? page.at(-1)!.id : null,
    previousBefore: input.after !== undefined && page.length > 0 ? page[0]!.id : null,
  }
}

/** Every application matching the filters, read in batches by id so a large round never sits in memory at once. */
export async function* streamRoundApplications(db: Db, roundId: number, filters: ApplicationFilters, batchSize = 500): AsyncGenerator<ApplicationListRow> {
  let after = 0
  for (;;) {
    const rows = await baseQuery(db, roundId, filters).where('applications.id', '>', after).orderBy('applications.id').limit(batchSize).execute()
    for (const row of rows) yield toListRow(row)
    if (rows.length < batchSize) return
    after = rows.at(-1)!.id
  }
}

export interface FilterChoices {
  statuses: string[]
  places: { id: number; name: string }[]
  legalTypes: string[]
}

/** The values the filters can take in this round (statuses, places and organisation types that occur in it). */
export async function filterChoices(db: Db, roundId: number): Promise<FilterChoices> {
  const [statuses, places, legalTypes] = await Promise.all([
    db.selectFrom('applications').select('status').distinct().where('round_id', '=', roundId).where('status', '!=', 'draft').orderBy('status').execute(),
    db
      .selectFrom('applications')
      .innerJoin('places', 'places.id', 'applications.place_id')
      .select(['places.id', 'places.name'])
      .distinct()
      .where('applications.round_id', '=', roundId)
      .where('applications.status', '!=', 'draft')
      .orderBy('places.name')
      .execute(),
    db
      .selectFrom('applications')
      .innerJoin('organisations', 'organisations.id', 'applications.organisation_id')
      .select('organisations.legal_type')
      .distinct()
      .where('applications.round_id', '=', roundId)
      .where('applications.status', '!=', 'draft')
      .orderBy('organisations.legal_type')
      .execute(),
  ])
  return { statuses: statuses.map((s) => s.status), places, legalTypes: legalTypes.map((l) => l.legal_type) }
}
