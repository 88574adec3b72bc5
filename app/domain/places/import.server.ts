/**
 * The place list import: an admin uploads an updated list of integrated care boards (CSV, the columns of
 * db/reference/icb_2026.csv), sees a preview of what would change on an effective date, then applies it in one
 * transaction with an audit event. The preview is computed again on apply from the same CSV text, so what is applied
 * is exactly what the current data and the file say, never a stale preview.
 *
 * Compared with the places in force on the effective date, by ODS code:
 * - new: an ODS code not in force -> a new place from the effective date;
 * - updated: a new name, GSS code or region -> the old version ends the day before and a new version starts on the
 *   effective date, linked as a whole continuation (so old awards keep the old name); a version that itself starts on
 *   the effective date is corrected in place;
 * - closed: a place in force that is not in the file -> it ends the day before the effective date.
 * Successor links for closures and splits are not in this file format; they arrive by migration.
 */
import { parse } from 'csv-parse/sync'
import type { Transaction } from 'kysely'
import { z } from 'zod'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import type { DB } from '../../../db/schema.ts'
import { placesValidOn } from './places.server.ts'

export { PLACE_CSV_COLUMNS } from './place-csv.ts'
import { PLACE_CSV_COLUMNS } from './place-csv.ts'

const RowSchema = z.object({
  icb_ods_code: z.string().trim().regex(/^[A-Z0-9]{3,5}$/, 'an ODS code is 3 to 5 capital letters and digits'),
  icb_gss_code: z.string().trim().regex(/^(E54\d{6})?$/, 'a GSS code looks like E54000031'),
  icb_name: z.string().trim().min(1, 'the name is empty'),
  nhs_england_region: z.string().trim().min(1, 'the region is empty'),
  nhs_england_region_ods_code: z.string().trim(),
  nhs_england_region_gss_code: z.string().trim(),
})

export interface ImportedPlace {
  odsCode: string
  gssCode: string | null
  name: string
  regionName: string
  regionOdsCode: string | null
  regionGssCode: string | null
}

export interface PlaceDifference {
  field: 'name' | 'gssCode' | 'regionName'
  from: string | null
  to: string | null
}

export type PlaceChange =
  | { kind: 'new'; place: ImportedPlace }
  | { kind: 'updated'; placeId: number; place: ImportedPlace; startsOnEffectiveDate: boolean; differences: PlaceDifference[] }
  | { kind: 'closed'; placeId: number; odsCode: string; name: string }

export interface PlaceImportPreview {
  effectiveDate: string
  changes: PlaceChange[]
  unchanged: number
}

/** The file or the date cannot be used; `problems` has one sentence per problem (row numbers count the header as 1). */
export class PlaceImportError extends DomainError {
  readonly problems: string[]
  constructor(field: 'csv' | 'effectiveDate', problems: string[]) {
    super(problems[0] ?? 'The file could not be read', { code: 'place_import', status: 400, field })
    this.problems = problems
  }
}

/** Reads the CSV with csv-parse and checks every row; throws PlaceImportError listing every problem found. */
export function parsePlaceCsv(text: string): ImportedPlace[] {
  let records: Record<string, string>[]
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true })
  } catch (e) {
    throw new PlaceImportError('csv', [`The file is not valid CSV: ${(e as Error).message}`])
  }
  if (records.length === 0) throw new PlaceImportError('csv', ['The file has no places in it'])
  const missing = PLACE_CSV_COLUMNS.filter((c) => !(c in records[0]))
  if (missing.length > 0) throw new PlaceImportError('csv', [`The file is missing the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`])
  const problems: string[] = []
  const places: ImportedPlace[] = []
  const seen = new Set<string>()
  records.forEach((record, i) => {
    const parsed = RowSchema.safeParse(record)
    if (!parsed.success) {
      problems.push(`Row ${i + 2}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`)
      return
    }
    const r = parsed.data
    if (seen.has(r.icb_ods_code)) problems.push(`Row ${i + 2}: the ODS code ${r.icb_ods_code} appears more than once`)
    seen.add(r.icb_ods_code)
    places.push({
      odsCode: r.icb_ods_code,
      gssCode: r.icb_gss_code || null,
      name: r.icb_name,
      regionName: r.nhs_england_region,
      regionOdsCode: r.nhs_england_region_ods_code || null,
      regionGssCode: r.nhs_england_region_gss_code || null,
    })
  })
  if (problems.length > 0) throw new PlaceImportError('csv', problems)
  return places
}

function assertDate(date: string): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) throw new PlaceImportError('effectiveDate', ['Enter the date the changes take effect'])
}

/** The day before a YYYY-MM-DD date. */
function dayBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() - 1)
  return d.toISOString().slice(0, 10)
}

/** What applying the file on the effective date would change. Read-only. */
export async function previewPlaceImport(db: Db, input: { csv: string; effectiveDate: string }): Promise<PlaceImportPreview> {
  assertDate(input.effectiveDate)
  const imported = parsePlaceCsv(input.csv)
  const current = await placesValidOn(db, input.effectiveDate)
  const byOds = new Map(current.map((p) => [p.odsCode, p]))
  const changes: PlaceChange[] = []
  let unchanged = 0
  for (const place of imported) {
    const existing = byOds.get(place.odsCode)
    if (!existing) {
      changes.push({ kind: 'new', place })
      continue
    }
    const differences: PlaceDifference[] = []
    if (existing.name !== place.name) differences.push({ field: 'name', from: existing.name, to: place.name })
    if (existing.gssCode !== place.gssCode) differences.push({ field: 'gssCode', from: existing.gssCode, to: place.gssCode })
    if (existing.regionName !== place.regionName) differences.push({ field: 'regionName', from: existing.regionName, to: place.regionName })
    if (differences.length === 0) unchanged++
    else changes.push({ kind: 'updated', placeId: existing.id, place, startsOnEffectiveDate: existing.validFrom === input.effectiveDate, differences })
  }
  const inFile = new Set(imported.map((p) => p.odsCode))
  const closing = current.filter((p) => !inFile.has(p.odsCode))
  const unclosable = closing.filter((p) => p.validFrom >= input.effectiveDate)
  if (unclosable.length > 0) {
    throw new PlaceImportError('csv', unclosable.map((p) => `${p.name} (${p.odsCode}) starts on ${p.validFrom}, so it cannot be closed from ${input.effectiveDate}: keep it in the file`))
  }
  for (const p of closing) changes.push({ kind: 'closed', placeId: p.id, odsCode: p.odsCode, name: p.name })
  return { effectiveDate: input.effectiveDate, changes, unchanged }
}

/** Applies the file: recomputes the preview inside the transaction and makes exactly those changes, with one audit event. */
export async function applyPlaceImport(trx: Transaction<DB>, actorUserId: number, input: { csv: string; effectiveDate: string }): Promise<PlaceImportPreview> {
  const preview = await previewPlaceImport(trx, input)
  const source = `import:${input.effectiveDate}`
  const endDate = dayBefore(input.effectiveDate)
  const values = (p: ImportedPlace) => ({
    ods_code: p.odsCode,
    gss_code: p.gssCode,
    name: p.name,
    region_name: p.regionName,
    region_ods_code: p.regionOdsCode,
    region_gss_code: p.regionGssCode,
  })
  for (const change of preview.changes) {
    if (change.kind === 'new') {
      await trx.insertInto('places').values({ ...values(change.place), valid_from: input.effectiveDate, valid_to: null, source }).execute()
    } else if (change.kind === 'closed') {
      await trx.updateTable('places').set({ valid_to: endDate }).where('id', '=', change.placeId).execute()
    } else if (change.startsOnEffectiveDate) {
      await trx.updateTable('places').set(values(change.place)).where('id', '=', change.placeId).execute()
    } else {
      const old = await trx.selectFrom('places').select('valid_to').where('id', '=', change.placeId).executeTakeFirstOrThrow()
      await trx.updateTable('places').set({ valid_to: endDate }).where('id', '=', change.placeId).execute()
      const created = await trx
        .insertInto('places')
        .values({ ...values(change.place), valid_from: input.effectiveDate, valid_to: old.valid_to, source })
        .returning('id')
        .executeTakeFirstOrThrow()
      await trx.insertInto('place_links').values({ predecessor_place_id: change.placeId, successor_place_id: created.id, transfer: 'whole', effective_date: input.effectiveDate }).execute()
    }
  }
  await recordAudit(trx, {
    actorUserId,
    action: 'places.imported',
    entityType: 'places',
    entityId: null,
    after: {
      effectiveDate: input.effectiveDate,
      new: preview.changes.filter((c) => c.kind === 'new').map((c) => (c.kind === 'new' ? c.place.odsCode : '')),
      updated: preview.changes.flatMap((c) => (c.kind === 'updated' ? [{ odsCode: c.place.odsCode, differences: c.differences }] : [])),
      closed: preview.changes.flatMap((c) => (c.kind === 'closed' ? [c.odsCode] : [])),
    },
  })
  return preview
}
