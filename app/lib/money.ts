/**
 * Money is GBP held as integer pence (ADR 0001). This module is the one place that turns what people type into pence,
 * pence back into "£1,250.50", and splits an amount into parts that always add up to the whole. It runs in the
 * browser as well as on the server, so it uses no Node APIs.
 */
import { z } from 'zod'

/**
 * The largest amount anyone may type or the ledger may hold in one figure: £10,000,000,000 (1e12 pence). Far above
 * any grant or pot, and far below Number.MAX_SAFE_INTEGER (about 9e15), so sums of many such amounts stay exact.
 */
export const MAX_PENCE = 1_000_000_000_000

export type ParsePoundsResult = { ok: true; pence: number } | { ok: false; message: string }

export interface ParsePoundsOptions {
  /** What the amount is, as it reads mid-sentence ("amount requested"); defaults to "an amount". */
  label?: string
}

// Digits with commas every three places ("1,250,000"), or plain digits ("1250000"); then optional pence.
const GROUPED = /^\d{1,3}(,\d{3})+$/
const PLAIN = /^\d+$/

/**
 * Reads an amount of pounds as a person types it: "£1,250.50", "1250.5", "1,250", "0.99", ".99", " £ 12 ".
 * Refuses negatives, more than two decimal places, misplaced commas, exponents, words, and anything above
 * MAX_PENCE, each with a message that says how to put it right.
 */
export function parsePounds(input: string, options: ParsePoundsOptions = {}): ParsePoundsResult {
  const what = options.label ? `the ${options.label}` : 'an amount'
  const howTo = `Enter ${what} in pounds and pence, like £1,250.50`
  let text = input.trim()
  if (text.startsWith('£')) text = text.slice(1).trim()
  if (text === '') return { ok: false, message: howTo }
  if (text.startsWith('-') || text.startsWith('−')) {
    return { ok: false, message: `Enter ${what} of £0 or more, without a minus sign` }
  }
  const [whole, fraction, ...rest] = text.split('.')
  if (rest.length > 0 || (whole === '' && fraction === undefined)) return { ok: false, message: howTo }
  if (whole !== '' && !PLAIN.test(whole) && !GROUPED.test(whole)) {
    if (/^[\d,]+$/.test(whole)) {
      return { ok: false, message: `Put commas between every three digits, like £1,250,000, or leave them out` }
    }
    return { ok: false, message: howTo }
  }
  if (fraction !== undefined && !PLAIN.test(fraction)) return { ok: false, message: howTo }
  if (fraction !== undefined && fraction.length > 2) {
    return { ok: false, message: `Enter ${what} with no more than 2 decimal places, like £1,250.50` }
  }
  // BigInt so that a long string of digits cannot lose precision before the size check.
  const pence = BigInt(whole.replaceAll(',', '') || '0') * 100n + BigInt((fraction ?? '').padEnd(2, '0'))
  if (pence > BigInt(MAX_PENCE)) {
    return { ok: false, message: `Enter ${what} of ${formatPence(MAX_PENCE, { pence: 'auto' })} or less` }
  }
  return { ok: true, pence: Number(pence) }
}

export interface MoneyFieldOptions {
  /** What the amount is, as it reads mid-sentence: "amount requested" gives "Enter the amount requested". */
  label?: string
  /** Smallest amount allowed, in pence (default 0). */
  min?: number
  /** Largest amount allowed, in pence (default MAX_PENCE). */
  max?: number
  /** Whether the field must be filled in (default true). */
  required?: boolean
}

/**
 * A zod schema for a money input: takes the text from the form and gives pence. Use it inside the route's
 * z.object({...}) so Conform puts the message next to the field. Conform's parseWithZod turns an empty input into
 * undefined before the schema runs, so "missing" is handled for both undefined and blank text. With
 * `required: false` a blank field gives undefined.
 */
export function moneyField(options?: MoneyFieldOptions & { required?: true }): z.ZodType<number, z.ZodTypeDef, string>
export function moneyField(options: MoneyFieldOptions & { required: false }): z.ZodType<number | undefined, z.ZodTypeDef, string | undefined>
export function moneyField(options: MoneyFieldOptions = {}): z.ZodType<number | undefined, z.ZodTypeDef, string | undefined> {
  const { label, required = true } = options
  const min = options.min ?? 0
  const max = options.max ?? MAX_PENCE
  assertPence(min, 'min')
  assertPence(max, 'max')
  const what = label ? `the ${label}` : 'an amount'
  const missing = `Enter ${what}`
  return z
    .string({ invalid_type_error: missing })
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') {
        if (!required) return undefined
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: missing })
        return z.NEVER
      }
      const parsed = parsePounds(value, { label })
      if (!parsed.ok) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.message })
        return z.NEVER
      }
      const subject = label ? `The ${label}` : 'The amount'
      if (parsed.pence < min) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${subject} must be at least ${formatPence(min, { pence: 'auto' })}` })
        return z.NEVER
      }
      if (parsed.pence > max) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${subject} must be no more than ${formatPence(max, { pence: 'auto' })}` })
        return z.NEVER
      }
      return parsed.pence
    })
}

/** Pounds with a comma every three digits: "1,250,000" from 1250000 (what Intl's en-GB grouping gives, without its cost). */
function groupedPounds(pounds: number): string {
  const digits = String(pounds)
  const head = digits.length % 3 || 3
  let out = digits.slice(0, head)
  for (let i = head; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`
  return out
}

/**
 * "£1,250.50" from 125050; "-£5.00" from -500. With `{ pence: 'auto' }` whole pounds drop the ".00" ("£1,250").
 * Built from integer arithmetic on the pence (the same text as Intl.NumberFormat('en-GB', GBP), which money.test.ts
 * checks), so even very large figures are never rounded; pages show hundreds of amounts, and Intl costs microseconds each.
 */
export function formatPence(pence: number, opts: { pence?: 'always' | 'auto' } = {}): string {
  if (!Number.isSafeInteger(pence)) throw new RangeError(`formatPence needs a whole number of pence, got ${pence}`)
  const sign = pence < 0 ? '-' : ''
  const abs = Math.abs(pence)
  const rest = abs % 100
  const pounds = `${sign}£${groupedPounds((abs - rest) / 100)}`
  return opts.pence === 'auto' && rest === 0 ? pounds : `${pounds}.${rest < 10 ? '0' : ''}${rest}`
}

/** Throws unless n is a whole, non-negative number of pence that a JavaScript number holds exactly. */
export function assertPence(n: unknown, name = 'amount'): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${name} must be a whole, non-negative number of pence, got ${String(n)}`)
  }
}

/**
 * Pence as a database returns them from a column or an aggregate: a number (SQLite), a string (PostgreSQL's bigint
 * and numeric sums), a bigint, or null for a sum over no rows (0). Throws unless the value is a whole number of pence a
 * JavaScript number holds exactly, so a fractional or overflowing figure is never shown as money. May be negative (a
 * net movement).
 */
export function penceFromDatabase(value: unknown, name = 'amount'): number {
  const n = value === null || value === undefined ? 0 : typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isSafeInteger(n)) throw new RangeError(`${name} must be a whole number of pence, got ${String(value)}`)
  return n
}

function assertWeight(w: unknown): asserts w is number {
  if (typeof w !== 'number' || !Number.isSafeInteger(w) || w < 0) {
    throw new RangeError(`weights must be whole, non-negative numbers, got ${String(w)}`)
  }
}

/**
 * Splits `total` pence in proportion to `weights` by the largest-remainder method: every part is its exact share
 * rounded down, and the pence left over go one each to the parts with the largest remainders (the lower index first
 * on a tie). So the parts always add up to `total` and each is less than 1p from its exact share.
 * Integer (BigInt) arithmetic throughout, so large totals and weights lose nothing.
 */
export function allocateByWeights(total: number, weights: number[]): number[] {
  assertPence(total, 'total')
  weights.forEach(assertWeight)
  const sum = weights.reduce((acc, w) => acc + BigInt(w), 0n)
  if (sum === 0n) {
    if (total > 0) throw new RangeError('cannot share a non-zero total when every weight is zero')
    return weights.map(() => 0)
  }
  const t = BigInt(total)
  const shares = weights.map((w, index) => {
    const exact = t * BigInt(w)
    return { index, floor: exact / sum, remainder: exact % sum }
  })
  let leftOver = t - shares.reduce((acc, s) => acc + s.floor, 0n)
  const byRemainder = [...shares].sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1))
  for (const share of byRemainder) {
    if (leftOver === 0n) break
    share.floor += 1n
    leftOver -= 1n
  }
  return shares.map((s) => Number(s.floor))
}

/** Splits `total` pence into `n` parts that differ by at most 1p, the extra pence going to the first parts. */
export function splitEvenly(total: number, n: number): number[] {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`splitEvenly needs at least one part, got ${n}`)
  return allocateByWeights(total, Array.from({ length: n }, () => 1))
}

/** `percent`% of `pence`, rounded down to the penny (the percent clamped to 0-100), in integer arithmetic. */
export function percentOfPence(pence: number, percent: number): number {
  assertPence(pence)
  const whole = Math.min(Math.max(Math.trunc(percent), 0), 100)
  return Number((BigInt(pence) * BigInt(whole)) / 100n)
}

/** `pence` scaled by share/whole, rounded down to the penny (0 when whole is not positive), in integer arithmetic. */
export function scalePence(pence: number, share: number, whole: number): number {
  if (whole <= 0) return 0
  return Number((BigInt(pence) * BigInt(share)) / BigInt(whole))
}

/** Pence as a plain decimal string of pounds for spreadsheets and form inputs: 125050 -> "1250.50", 5 -> "0.05". */
export function penceToDecimalPounds(pence: number): string {
  if (!Number.isSafeInteger(pence)) throw new RangeError(`penceToDecimalPounds needs whole pence, got ${pence}`)
  const sign = pence < 0 ? '-' : ''
  const abs = Math.abs(pence)
  return `${sign}${(abs - (abs % 100)) / 100}.${String(abs % 100).padStart(2, '0')}`
}
