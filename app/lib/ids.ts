import { z } from 'zod'

/**
 * The largest id a row can have: ids are INTEGER columns (int4 on PostgreSQL). A larger id belongs to nobody, and
 * asking PostgreSQL about one is an error ("out of range for type integer") rather than "not found", so every id read
 * from a request stops at this bound before it reaches a query: form fields with `idField()`, URL parameters with
 * `idParam` (a 404 otherwise), other text (query strings, hand-read fields) with `idText`.
 */
export const MAX_ID = 2_147_483_647

/** An id in a form field (Conform has already turned the text into a number): a whole number from 1 to MAX_ID. */
export function idField(params?: z.RawCreateParams) {
  return z.number(params).int().positive().max(MAX_ID)
}

/** An id in a URL parameter or query string: text of a whole number from 1 to MAX_ID. */
export const idText = z.coerce.number().int().positive().max(MAX_ID)

/**
 * The id in a URL parameter (`params.roundId`), or a 404 when it is not one: an id that cannot exist is a page that
 * does not exist, whatever its shape (`abc`, `0`, `-1`, `1.5`, or past MAX_ID).
 */
export function idParam(value: string | undefined, message = 'We could not find that page.'): number {
  const id = idText.safeParse(value)
  if (!id.success) throw new Response(message, { status: 404, statusText: 'Not Found' })
  return id.data
}
