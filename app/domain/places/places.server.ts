/** Places: England's integrated care boards, effective-dated, with predecessor and successor links. */
import type { Db } from '~/lib/db.server.ts'

export interface PlaceSummary {
  id: number
  odsCode: string
  gssCode: string | null
  name: string
  regionName: string
  validFrom: string
  validTo: string | null
}

// Made once: building an Intl.DateTimeFormat costs about 0.2 ms, using one a few microseconds.
const UK_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' })

/** Today's date in the UK as YYYY-MM-DD (place validity is by calendar day). */
export function ukToday(now = new Date()): string {
  return UK_DAY.format(now)
}

/** The places in force on a date (42 ICBs before 2026-04-01, 36 from then). */
export async function placesValidOn(db: Db, date: string): Promise<PlaceSummary[]> {
  const rows = await db
    .selectFrom('places')
    .select(['id', 'ods_code', 'gss_code', 'name', 'region_name', 'valid_from', 'valid_to'])
    .where('valid_from', '<=', date)
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>=', date)]))
    .orderBy('name')
    .execute()
  return rows.map(toSummary)
}

/** The version of a place (by ODS code) in force on a date, if any. */
export async function findPlaceByOdsCode(db: Db, odsCode: string, date: string): Promise<PlaceSummary | undefined> {
  const row = await db
    .selectFrom('places')
    .select(['id', 'ods_code', 'gss_code', 'name', 'region_name', 'valid_from', 'valid_to'])
    .where('ods_code', '=', odsCode)
    .where('valid_from', '<=', date)
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>=', date)]))
    .executeTakeFirst()
  return row ? toSummary(row) : undefined
}

function toSummary(r: { id: number; ods_code: string; gss_code: string | null; name: string; region_name: string; valid_from: string; valid_to: string | null }): PlaceSummary {
  return { id: r.id, odsCode: r.ods_code, gssCode: r.gss_code, name: r.name, regionName: r.region_name, validFrom: r.valid_from, validTo: r.valid_to }
}

export interface PlaceLink {
  placeId: number
  odsCode: string
  name: string
  transfer: 'whole' | 'part'
  effectiveDate: string
}

/** What a place became (successors) and what it came from (predecessors). */
export async function placeHistory(db: Db, placeId: number): Promise<{ predecessors: PlaceLink[]; successors: PlaceLink[] }> {
  const [predecessors, successors] = await Promise.all([
    db
      .selectFrom('place_links')
      .innerJoin('places', 'places.id', 'place_links.predecessor_place_id')
      .select(['places.id', 'places.ods_code', 'places.name', 'place_links.transfer', 'place_links.effective_date'])
      .where('place_links.successor_place_id', '=', placeId)
      .orderBy('places.name')
      .execute(),
    db
      .selectFrom('place_links')
      .innerJoin('places', 'places.id', 'place_links.successor_place_id')
      .select(['places.id', 'places.ods_code', 'places.name', 'place_links.transfer', 'place_links.effective_date'])
      .where('place_links.predecessor_place_id', '=', placeId)
      .orderBy('places.name')
      .execute(),
  ])
  const map = (r: { id: number; ods_code: string; name: string; transfer: 'whole' | 'part'; effective_date: string }): PlaceLink => ({
    placeId: r.id,
    odsCode: r.ods_code,
    name: r.name,
    transfer: r.transfer,
    effectiveDate: r.effective_date,
  })
  return { predecessors: predecessors.map(map), successors: successors.map(map) }
}

export interface PlaceDetail extends PlaceSummary {
  regionOdsCode: string | null
  regionGssCode: string | null
  source: string
}

/** One version of a place, or undefined. */
export async function getPlace(db: Db, placeId: number): Promise<PlaceDetail | undefined> {
  const row = await db
    .selectFrom('places')
    .select(['id', 'ods_code', 'gss_code', 'name', 'region_name', 'region_ods_code', 'region_gss_code', 'valid_from', 'valid_to', 'source'])
    .where('id', '=', placeId)
    .executeTakeFirst()
  return row ? { ...toSummary(row), regionOdsCode: row.region_ods_code, regionGssCode: row.region_gss_code, source: row.source } : undefined
}

/** Every predecessor -> successor link, for rolling figures up (rollup.ts). */
export async function loadPlaceLinks(db: Db): Promise<Array<{ predecessorId: number; successorId: number; transfer: 'whole' | 'part'; effectiveDate: string }>> {
  const rows = await db.selectFrom('place_links').select(['predecessor_place_id', 'successor_place_id', 'transfer', 'effective_date']).orderBy('id').execute()
  return rows.map((r) => ({ predecessorId: r.predecessor_place_id, successorId: r.successor_place_id, transfer: r.transfer, effectiveDate: r.effective_date }))
}
