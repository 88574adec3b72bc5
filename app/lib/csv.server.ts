/**
 * CSV downloads, streamed: rows come from an async iterable (a query read a batch at a time) through csv-stringify to
 * the response, so a large export never sits in memory whole.
 *
 * Text that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return) is prefixed
 * with an apostrophe (OWASP's advice on CSV injection). Values that are numbers are written as they are.
 */
import { Readable } from 'node:stream'
import { stringify } from 'csv-stringify'

export interface CsvColumn<Row> {
  header: string
  value: (row: Row) => string | number | null
}

const FORMULA_START = /^[=+\-@\t\r]/

/** A spreadsheet-safe version of a text value. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text
}

/** A streaming text/csv download of the rows, with a header line. */
export function csvResponse<Row>(filename: string, columns: CsvColumn<Row>[], rows: AsyncIterable<Row>): Response {
  const stringifier = stringify({
    header: true,
    // Rows go in as arrays in column order: building an object per row cost about 0.7 s of a 40,000-grant export.
    columns: columns.map((c) => c.header),
    cast: { string: neutraliseFormula },
  })
  const records = Readable.from(
    (async function* () {
      for await (const row of rows) yield columns.map((c) => c.value(row))
    })(),
  )
  records.on('error', (error) => stringifier.destroy(error))
  records.pipe(stringifier)
  const safe = filename.replace(/[^A-Za-z0-9._-]+/g, '-')
  return new Response(Readable.toWeb(stringifier) as ReadableStream<Uint8Array>, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${safe}"`,
      'Cache-Control': 'private, no-store',
    },
  })
}
