/**
 * The 360Giving files, streamed: the JSON package is written as its header, then each grant as it is read (a batch
 * of awards at a time, grants.server.ts), then the closing brackets; the CSV is the same grants through csv-stringify.
 * Neither holds more than one batch, so 40,000 grants start arriving at once and never sit in memory together.
 *
 * Both are made only when the copy kept by feed-cache.server.ts is no longer current.
 */
import type { Db } from '~/lib/db.server.ts'
import { grantCsvColumns, type GrantColumn } from './csv.ts'
import { maxFundersPerGrant, publishedGrants } from './grants.server.ts'
import { PUBLISHABLE_AWARD_STATUSES } from './publication.ts'
import type { OpenDataSettings } from './settings.ts'
import { PACKAGE_VERSION, STANDARD_VERSION, type Grant, type PackageHeader } from './three-sixty-giving.ts'

const newest = (values: (string | null | undefined)[]): string | null => values.filter((v): v is string => !!v).reduce<string | null>((a, b) => (a === null || b > a ? b : a), null)

/**
 * When anything in a published grant last changed: its award, publication, organisation, application, round, payments
 * or repayments. The files' Last-Modified and the JSON package's `modified`; read when a file is made (it reads every
 * published award, about 0.1 s at national scale), never to decide whether a kept copy is current (feed-cache.server.ts).
 */
export async function feedLastModified(db: Db): Promise<string | null> {
  const published = db.selectFrom('awards').where('awards.published_at', 'is not', null).where('awards.status', 'in', PUBLISHABLE_AWARD_STATUSES)
  const [awards, tranches, repayments] = await Promise.all([
    published
      .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
      .innerJoin('applications', 'applications.id', 'awards.application_id')
      .innerJoin('rounds', 'rounds.id', 'awards.round_id')
      .select((eb) => [
        eb.fn.max('awards.updated_at').as('award'),
        eb.fn.max('awards.published_at').as('published'),
        eb.fn.max('organisations.updated_at').as('organisation'),
        eb.fn.max('applications.updated_at').as('application'),
        eb.fn.max('rounds.updated_at').as('round'),
      ])
      .executeTakeFirstOrThrow(),
    published.innerJoin('tranches', 'tranches.award_id', 'awards.id').select((eb) => eb.fn.max('tranches.updated_at').as('at')).executeTakeFirst(),
    published.innerJoin('award_repayments', 'award_repayments.award_id', 'awards.id').select((eb) => eb.fn.max('award_repayments.created_at').as('at')).executeTakeFirst(),
  ])
  return newest([awards.award, awards.published, awards.organisation, awards.application, awards.round, tranches?.at, repayments?.at])
}

/** The package's own fields: version, licence, publisher, and where it comes from. */
export function packageHeader(settings: OpenDataSettings, options: { origin: string; modified: string | null }): PackageHeader {
  return {
    version: PACKAGE_VERSION,
    license: settings.licenceUrl,
    publisher: { name: settings.publisherName },
    title: `${settings.publisherName}: grants published as 360Giving open data`,
    description: `Grants made through ${settings.publisherName}, in the 360Giving Data Standard ${STANDARD_VERSION}.`,
    ...(options.modified ? { modified: options.modified } : {}),
    downloadURL: `${options.origin}/data/360giving.json`,
  }
}

/**
 * Grants' JSON is gathered into pieces of about this many characters before it is handed on. One piece per grant
 * (about 1.6 KB) made 40,000 separate writes to the socket, each with its own promise, encoding and chunk header;
 * 32 KB pieces make under 2,000, and a piece stays under V8's large-object size even when a name's accent makes it a
 * two-byte string (a large object lives until the next full collection, and 2,000 of them raised peak memory).
 */
export const JSON_PIECE_CHARS = 32 * 1024

/** The JSON text of the package, a piece at a time: header, then the grants (many to a piece), then the end. */
export async function* packageJsonChunks(header: PackageHeader, grants: AsyncIterable<Grant>): AsyncGenerator<string> {
  const head = JSON.stringify({ ...header, grants: [] })
  yield head.slice(0, -2) // everything up to and including `"grants":[`
  let piece: string[] = []
  let chars = 0
  let first = true
  for await (const grant of grants) {
    const text = (first ? '' : ',') + JSON.stringify(grant)
    first = false
    piece.push(text)
    chars += text.length
    if (chars >= JSON_PIECE_CHARS) {
      yield piece.join('')
      piece = []
      chars = 0
    }
  }
  piece.push(']}')
  yield piece.join('')
}

/** A byte stream of the chunks that reads the next only when the client has taken the last (back-pressure). */
export function textStream(chunks: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next()
      if (next.done) controller.close()
      else controller.enqueue(encoder.encode(next.value))
    },
    async cancel() {
      await chunks.return(undefined)
    },
  })
}

/** The whole package as a stream of JSON. */
export function packageJsonStream(db: Db, settings: OpenDataSettings, header: PackageHeader, options: { batchSize?: number; signal?: AbortSignal } = {}): ReadableStream<Uint8Array> {
  return textStream(packageJsonChunks(header, publishedGrants(db, { prefix: settings.prefix, batchSize: options.batchSize, signal: options.signal })))
}

/** The CSV's columns (as many Funding Org sets as the file needs) and its grants, for csvResponse. */
export async function grantCsv(db: Db, settings: OpenDataSettings, options: { batchSize?: number; signal?: AbortSignal } = {}): Promise<{ columns: GrantColumn[]; grants: AsyncGenerator<Grant> }> {
  const columns = grantCsvColumns(await maxFundersPerGrant(db))
  return { columns, grants: publishedGrants(db, { prefix: settings.prefix, batchSize: options.batchSize, signal: options.signal }) }
}
