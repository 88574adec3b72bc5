/**
 * Every form is read through this `parseWithZod`: Conform's own, after two checks on what was sent, so a request no
 * Commonpot page can produce is refused with a message instead of costing the server or the database.
 * - A field name with a list index past MAX_LIST_INDEX (`rows[99999999]`): Conform would build, and echo back in its
 *   reply, a sparse list that long. Fourteen bytes sent cost 500 MB and a minute of one core.
 * - A value with a NUL character: no keyboard types one, SQLite would store it and PostgreSQL refuses it (a 500).
 * Either way the submission is an error for the whole form, echoing back only the entries that were fine.
 * ESLint refuses `@conform-to/zod`'s parseWithZod in routes.
 */
import { parseWithZod as conformParseWithZod } from '@conform-to/zod'
import { z } from 'zod'

/** The longest list any form has is a round's assignments or a pot's places; far below this. */
export const MAX_LIST_INDEX = 10_000

const LIST_INDEX = /\[(\d+)\]/g

function unsafeName(name: string): boolean {
  for (const match of name.matchAll(LIST_INDEX)) if (match[1]!.length > 5 || Number(match[1]) > MAX_LIST_INDEX) return true
  return false
}

function unsafeValue(value: FormDataEntryValue): boolean {
  return typeof value === 'string' && value.includes('\u0000')
}

/** Why the form as sent cannot be read, or null when it can. */
export function unreadableForm(payload: FormData | URLSearchParams): string | null {
  for (const [name, value] of payload.entries()) {
    if (unsafeName(name)) return 'The form could not be read: it has a list far longer than any form here. Please go back and try again.'
    if (unsafeValue(value)) return 'The form contains a character that cannot be saved (a NUL). Please remove it and try again.'
  }
  return null
}

export const parseWithZod = ((payload: FormData | URLSearchParams, options: Parameters<typeof conformParseWithZod>[1]) => {
  const problem = unreadableForm(payload)
  if (!problem) return conformParseWithZod(payload, options)
  const safe = new FormData()
  for (const [name, value] of payload.entries()) if (!unsafeName(name) && !unsafeValue(value)) safe.append(name, value)
  const refuse = z.any().superRefine((_value, ctx) => ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem, path: [] }))
  return conformParseWithZod(safe, { ...options, schema: refuse } as typeof options)
}) as typeof conformParseWithZod
