import { Readable } from 'node:stream'
import { createReadableStreamFromReadable, type LoaderFunctionArgs } from '@remix-run/node'
import { parseWithZod } from '~/lib/form-submission.ts'
import { stringify } from 'csv-stringify'
import { ApplicationFilterSchema, toApplicationFilters } from '~/domain/applications/listing-filters.ts'
import { streamRoundApplications, type ApplicationListRow } from '~/domain/applications/listing.server.ts'
import { SCREENING_LABELS } from '~/domain/applications/screening.server.ts'
import { statusLabel } from '~/domain/applications/timeline.server.ts'
import { getRound } from '~/domain/funds/rounds.server.ts'
import { legalTypeLabel } from '~/domain/organisations/identifiers.ts'
import { formatLondon } from '~/lib/dates.ts'
import { db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { notFound, requirePermission } from '~/lib/guards.server.ts'
import { penceToDecimalPounds } from '~/lib/money.ts'
import { idParam } from '~/lib/ids.ts'

const COLUMNS = ['Reference', 'Organisation', 'Legal type', 'Place', 'Region', 'Status', 'Amount requested (£)', 'Submitted at (London time)', 'Screening result']

/** A cell a spreadsheet would run as a formula (=, +, -, @) is prefixed with an apostrophe, so it stays text. */
function cell(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text
}

function toRecord(r: ApplicationListRow): string[] {
  return [
    r.reference,
    cell(r.organisationName),
    legalTypeLabel(r.legalType),
    r.placeName ?? '',
    r.regionName ?? '',
    statusLabel(r.status),
    penceToDecimalPounds(r.amountRequestedPence),
    r.submittedAt ? formatLondon(r.submittedAt, 'yyyy-MM-dd HH:mm') : '',
    SCREENING_LABELS[r.screening ?? 'not_screened'],
  ]
}

/** GET /manage/rounds/<id>/applications.csv: the filtered list, streamed as CSV (same filters as the page). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requirePermission(request, 'read:application:any', context)
  const round = await getRound(db, idParam(params.roundId)).catch((e: unknown) => {
    throw e instanceof NotFoundError ? notFound() : e
  })
  const submission = parseWithZod(new URL(request.url).searchParams, { schema: ApplicationFilterSchema })
  if (submission.status !== 'success') {
    const problems = Object.values(submission.error ?? {}).flat()
    return new Response(`These filters are not valid: ${problems.join('; ')}`, { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
  }
  const rows = streamRoundApplications(db, round.id, toApplicationFilters(submission.value))
  const csv = Readable.from(
    (async function* () {
      for await (const row of rows) yield toRecord(row)
    })(),
  ).pipe(stringify({ header: true, columns: COLUMNS, bom: true }))
  return new Response(createReadableStreamFromReadable(csv), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${round.slug}-applications.csv"`,
      'Cache-Control': 'no-store',
    },
  })
}
