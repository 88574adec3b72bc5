/**
 * The national dataset's rows as CSV for PostgreSQL's `COPY … (format csv)`, made by csv-stringify. Shared by the
 * planning worker (plan-worker.ts), which turns streamed rows into CSV as they are made, and write.ts.
 */
import { stringify, type Options as CsvOptions } from 'csv-stringify/sync'

/**
 * CSV as PostgreSQL's `COPY … (format csv)` reads it: an unquoted empty field is NULL, so every string is quoted
 * (an empty string arrives as `""`, not as NULL); numbers and bigints are written as the pg driver would send them as
 * parameters. Rows hold only what SQLite can bind too (numbers, strings, bigints, null): anything else is refused
 * rather than guessed at.
 */
const CSV_OPTIONS: CsvOptions = {
  quoted_string: true,
  cast: {
    boolean: (value) => (value ? 'true' : 'false'),
    date: () => {
      throw new TypeError('A national dataset row holds a Date: plan.ts writes instants as ISO strings')
    },
    object: (value) => {
      throw new TypeError(`A national dataset row holds an object (${JSON.stringify(value).slice(0, 80)}): plan.ts writes JSON as strings`)
    },
  },
}

/**
 * Rows turned into CSV per csv-stringify call: enough that its per-call set-up is noise. Larger batches are slower,
 * not faster (measured: 1,000 application rows of ~2.5 kB a call took 8 times as long per row as 10-20 a call).
 */
export const CSV_BATCH = 20

export const csvOf = (rows: unknown[][]): string => stringify(rows, CSV_OPTIONS)

export function* csvChunks(rows: unknown[][]): Generator<string> {
  for (let offset = 0; offset < rows.length; offset += CSV_BATCH) yield csvOf(rows.slice(offset, offset + CSV_BATCH))
}
