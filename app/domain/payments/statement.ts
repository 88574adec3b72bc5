/**
 * Reading a bank statement CSV and matching its lines to the tranches we sent by BACS (ADR 0011).
 *
 * Banks name their columns differently, so headers are matched case-insensitively:
 *   date       Date | Posted | Transaction date            (DD/MM/YYYY or YYYY-MM-DD)
 *   reference  Reference | Description | Narrative | Details (the first present is the reference; any others are kept
 *                                                           as the description, and both are searched)
 *   amount     Amount (either sign) | Paid out | Debit      (pounds, optional £ and commas; kept as pence, unsigned)
 * A file without one of these throws StatementColumnsError naming what is missing. A line that cannot be read (no
 * date, an amount that is not money) becomes { status: 'invalid', note } and the rest of the file still counts.
 *
 * A line matches a tranche when the tranche's reference appears in its text as a whole token, both compared after BACS
 * cleaning (the bank may have upper-cased or stripped it), and the amounts are equal. A tranche is matched by at most
 * one line of a file.
 *
 * Pure: no database.
 */
import { parse as parseCsv, CsvError } from 'csv-parse/sync'
import { format, isValid, parse as parseDate } from 'date-fns'
import { DomainError } from '~/lib/errors.ts'
import { formatPence, parsePounds } from '~/lib/money.ts'
import { cleanBacsText } from './bacs-standard18.ts'

const DATE_HEADERS = ['date', 'posted', 'transaction date']
const REFERENCE_HEADERS = ['reference', 'description', 'narrative', 'details']
const AMOUNT_HEADERS = ['amount', 'paid out', 'debit']

/** A statement the import cannot use at all: not CSV, empty, or without a column it needs. */
export class StatementFormatError extends DomainError {
  constructor(message: string, code = 'statement_format') {
    super(message, { code, status: 400, field: 'statement' })
  }
}

export class StatementColumnsError extends StatementFormatError {
  readonly missing: string[]
  constructor(missing: string[]) {
    super(`The statement has no ${missing.join(' and no ')} column. Download it from your bank as CSV with its column headings.`, 'statement_columns')
    this.missing = missing
  }
}

interface LineCommon {
  /** The line of the file the row is on (the headings are line 1). */
  lineNumber: number
  postedOn: string | null
  amountPence: number | null
  reference: string
  description: string
}

export type StatementLine = (LineCommon & { status: 'ok'; postedOn: string; amountPence: number; note: null }) | (LineCommon & { status: 'invalid'; note: string })

export type ReconciliationStatus = 'matched' | 'already_paid' | 'unmatched' | 'invalid'

export interface ReconciledLine extends LineCommon {
  status: ReconciliationStatus
  trancheId: number | null
  note: string | null
}

export interface PaymentCandidate {
  trancheId: number
  reference: string
  amountPence: number
  status: string
}

const normaliseHeader = (h: string) => h.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/\s+/g, ' ')

function findColumn(headers: string[], names: string[]): number {
  for (const name of names) {
    const index = headers.indexOf(name)
    if (index >= 0) return index
  }
  return -1
}

/** 'YYYY-MM-DD' from "21/11/2026", "1/2/2026" or "2026-11-21"; null when it is none of these or not a real date. */
export function parseStatementDate(text: string): string | null {
  const value = text.trim()
  let date: Date | null = null
  if (/^\d{1,2}\/\d{1,2}\/\d{4}$/.test(value)) date = parseDate(value, 'd/M/yyyy', new Date(2000, 0, 1))
  else if (/^\d{4}-\d{2}-\d{2}$/.test(value)) date = parseDate(value, 'yyyy-MM-dd', new Date(2000, 0, 1))
  return date && isValid(date) ? format(date, 'yyyy-MM-dd') : null
}

/** Unsigned pence from "-1,250.50", "£1,250.50", "-£12", "+3.00"; a message when it is not an amount of money. */
export function parseStatementAmount(text: string): { ok: true; pence: number } | { ok: false; message: string } {
  let value = text.trim()
  if (value.startsWith('£')) value = value.slice(1).trim()
  value = value.replace(/^[-−+]\s*/, '')
  const parsed = parsePounds(value)
  if (!parsed.ok) return { ok: false, message: `The amount "${text.trim()}" is not a sum of money.` }
  if (parsed.pence === 0) return { ok: false, message: 'The amount is £0.' }
  return parsed
}

function readRows(text: string): Array<{ record: string[]; line: number }> {
  try {
    const rows = parseCsv(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, skip_records_with_empty_values: true }) as unknown as Array<{ record: string[]; info: { lines: number } }>
    return rows.map((row) => ({ record: row.record, line: row.info.lines }))
  } catch (error) {
    if (error instanceof CsvError) throw new StatementFormatError(`We could not read this file as CSV: ${error.message}`)
    throw error
  }
}

/** The statement's lines, each read or marked invalid with a reason. Throws StatementFormatError for an unusable file. */
export function parseStatementCsv(text: string): StatementLine[] {
  const rows = readRows(text)
  if (rows.length === 0) throw new StatementFormatError('The file is empty: choose the statement CSV you downloaded from your bank.', 'statement_empty')
  const headers = rows[0].record.map(normaliseHeader)
  const dateColumn = findColumn(headers, DATE_HEADERS)
  const referenceColumns = REFERENCE_HEADERS.map((name) => headers.indexOf(name)).filter((i) => i >= 0)
  const amountColumn = findColumn(headers, AMOUNT_HEADERS)
  const missing = [
    ...(dateColumn < 0 ? ['date (Date, Posted or Transaction date)'] : []),
    ...(referenceColumns.length === 0 ? ['reference (Reference, Description, Narrative or Details)'] : []),
    ...(amountColumn < 0 ? ['amount (Amount, Paid out or Debit)'] : []),
  ]
  if (missing.length > 0) throw new StatementColumnsError(missing)

  return rows.slice(1).map(({ record, line }): StatementLine => {
    const cell = (i: number) => (record[i] ?? '').trim()
    const common = {
      lineNumber: line,
      reference: cell(referenceColumns[0]),
      description: referenceColumns.slice(1).map(cell).filter(Boolean).join(' '),
    }
    const dateText = cell(dateColumn)
    const postedOn = parseStatementDate(dateText)
    const amountText = cell(amountColumn)
    const amount = amountText === '' ? null : parseStatementAmount(amountText)
    const amountPence = amount?.ok ? amount.pence : null
    if (postedOn === null) {
      const note = dateText === '' ? 'The line has no date.' : `The date "${dateText}" is not a date like 21/11/2026 or 2026-11-21.`
      return { ...common, status: 'invalid', postedOn: null, amountPence, note }
    }
    if (amount === null) return { ...common, status: 'invalid', postedOn, amountPence: null, note: 'The line has no amount paid out.' }
    if (!amount.ok) return { ...common, status: 'invalid', postedOn, amountPence: null, note: amount.message }
    return { ...common, status: 'ok', postedOn, amountPence: amount.pence, note: null }
  })
}

/** Whether `needle` appears in `haystack` as a whole token (not inside a longer reference like ".../10"). */
function containsToken(haystack: string, needle: string): boolean {
  if (needle === '') return false
  const isTokenChar = (c: string | undefined) => c !== undefined && /[A-Z0-9/]/.test(c)
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    if (!isTokenChar(haystack[at - 1]) && !isTokenChar(haystack[at + needle.length])) return true
  }
  return false
}

/** Matches each line to at most one payment, and each payment to at most one line (the first that fits). */
export function matchStatementLines(lines: StatementLine[], candidates: PaymentCandidate[]): ReconciledLine[] {
  const cleaned = candidates.map((c) => ({ ...c, cleanReference: cleanBacsText(c.reference) }))
  const usedOnLine = new Map<number, number>()
  return lines.map((line): ReconciledLine => {
    if (line.status === 'invalid') return { ...line, trancheId: null }
    const text = cleanBacsText(`${line.reference} ${line.description}`)
    const found = cleaned.filter((c) => containsToken(text, c.cleanReference))
    const unmatched = (note: string): ReconciledLine => ({ ...line, status: 'unmatched', trancheId: null, note })
    if (found.length === 0) return unmatched('No payment with this reference.')
    const sameAmount = found.filter((c) => c.amountPence === line.amountPence)
    if (sameAmount.length === 0) return unmatched(`The amount differs: expected ${formatPence(found[0].amountPence)} for ${found[0].reference}.`)
    const paid = sameAmount.find((c) => c.status === 'paid')
    const sent = sameAmount.find((c) => c.status === 'sent' && !usedOnLine.has(c.trancheId))
    if (sent) {
      usedOnLine.set(sent.trancheId, line.lineNumber)
      return { ...line, status: 'matched', trancheId: sent.trancheId, note: null }
    }
    if (paid) return { ...line, status: 'already_paid', trancheId: paid.trancheId, note: `${paid.reference} was already marked paid.` }
    const earlier = sameAmount.find((c) => usedOnLine.has(c.trancheId))
    if (earlier) return unmatched(`${earlier.reference} was already matched on line ${usedOnLine.get(earlier.trancheId)} of this statement.`)
    return unmatched(`${sameAmount[0].reference} is not waiting to be paid (it is ${sameAmount[0].status.replaceAll('_', ' ')}).`)
  })
}
