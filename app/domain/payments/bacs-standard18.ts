/**
 * A BACS Standard 18 payment file, as a bank's bulk-upload portal takes it: the payment (detail) records and one contra
 * record, WITHOUT the volume and header labels (VOL1/HDR1/UHL1...) that only direct submitters to Bacs write.
 * ADR 0011 (docs/decisions/0011-bacs-files.md) says why.
 *
 * Every record is exactly 100 characters; records are separated by CRLF and the file ends with CRLF.
 *
 * Credit (detail) record, one per payment; positions are 1-based and inclusive:
 *   1-6    destination sort code (6 digits)
 *   7-14   destination account number (8 digits)
 *   15     '0' (account type)
 *   16-17  transaction code '99' (a credit)
 *   18-23  originating sort code
 *   24-31  originating account number
 *   32-35  four spaces
 *   36-46  amount in pence, 11 digits, zero-padded
 *   47-64  originator's name (18)
 *   65-82  payment reference (18)
 *   83-100 destination account name (18)
 *
 * Contra record, one at the end, debiting the originator for the total:
 *   1-6 originating sort code; 7-14 originating account; 15 '0'; 16-17 '17'; 18-23 originating sort code;
 *   24-31 originating account; 32-35 four spaces; 36-46 total in pence; 47-64 originator's name;
 *   65-82 'CONTRA'; 83-100 originator's name.
 *
 * Text fields hold only A-Z, 0-9, full stop, ampersand, slash, hyphen and space (bacsText): accented letters become
 * their base letter, apostrophes are dropped ("O'Brien" -> "OBRIEN"), commas, brackets and anything else become a
 * space; runs of spaces collapse; then the text is cut to the field's width and padded on the right with spaces.
 *
 * Pure: no database, no Node APIs.
 */
import { DomainError } from '~/lib/errors.ts'

/** The largest amount one record holds: 11 digits of pence (£999,999,999.99). */
export const MAX_BACS_PENCE = 99_999_999_999

export const RECORD_LENGTH = 100
export const RECORD_SEPARATOR = '\r\n'

/** The width of every text field: names and references. */
export const BACS_TEXT_WIDTH = 18

/** A payment file Standard 18 cannot carry (a bad sort code or account, an amount out of range, an empty reference). */
export class BacsFileError extends DomainError {
  constructor(message: string, code = 'bacs_file') {
    super(message, { code, status: 422 })
  }
}

export interface BacsOriginator {
  sortCode: string
  accountNumber: string
  name: string
}

export interface BacsPayment {
  sortCode: string
  accountNumber: string
  accountName: string
  amountPence: number
  reference: string
}

/**
 * Text reduced to the BACS character set (A-Z 0-9 . & / - and space), upper case, runs of spaces collapsed and
 * trimmed, at any length. Used for the file's text fields, the bulk-payment CSV and matching statement references.
 */
export function cleanBacsText(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/['‘’`]/g, '')
    .replace(/[^A-Z0-9.&/\- ]/g, ' ')
    .replace(/ +/g, ' ')
    .trim()
}

/** A fixed-width BACS text field: cleaned (cleanBacsText), cut to `width` and padded on the right with spaces. */
export function bacsText(value: string, width: number): string {
  return cleanBacsText(value).slice(0, width).padEnd(width, ' ')
}

/** A sort code as 6 digits; hyphens or spaces between the pairs ("12-34-56") are allowed and dropped. */
export function bacsSortCode(value: string, whose: string): string {
  const digits = value.replace(/[-\s]/g, '')
  if (!/^\d{6}$/.test(digits)) throw new BacsFileError(`The sort code for ${whose} must be 6 digits, like 12-34-56.`, 'bacs_sort_code')
  return digits
}

/** An account number as 8 digits (leading zeros kept); spaces are allowed and dropped. */
export function bacsAccountNumber(value: string, whose: string): string {
  const digits = value.replace(/\s/g, '')
  if (!/^\d{8}$/.test(digits)) throw new BacsFileError(`The account number for ${whose} must be 8 digits.`, 'bacs_account_number')
  return digits
}

/** Throws BacsFileError unless the amount is whole pence from 1p to MAX_BACS_PENCE. */
export function checkBacsAmount(pence: number, what: string): number {
  if (!Number.isSafeInteger(pence) || pence <= 0 || pence > MAX_BACS_PENCE) {
    throw new BacsFileError(`The amount of ${what} must be a whole number of pence from 1p to £999,999,999.99.`, 'bacs_amount')
  }
  return pence
}

function amountField(pence: number, what: string): string {
  return String(checkBacsAmount(pence, what)).padStart(11, '0')
}

/** A fixed-width text field that must keep at least one character after cleaning. */
export function requiredBacsText(value: string, what: string): string {
  const text = bacsText(value, BACS_TEXT_WIDTH)
  if (text.trim() === '') throw new BacsFileError(`The ${what} has no letters or digits BACS can carry.`, 'bacs_text')
  return text
}

function record(fields: string[]): string {
  const line = fields.join('')
  // Every field above is built to its exact width; this only guards against a future edit breaking that.
  if (line.length !== RECORD_LENGTH) throw new Error(`BACS record is ${line.length} characters, not ${RECORD_LENGTH}`)
  return line
}

/**
 * The Standard 18 file for the payments, in the order given, followed by the contra record. Throws BacsFileError
 * (naming the payment) for anything a bank would reject, so no partial file is ever produced.
 */
export function standard18File(input: { originator: BacsOriginator; payments: BacsPayment[] }): string {
  const { originator, payments } = input
  if (payments.length === 0) throw new BacsFileError('A BACS file needs at least one payment.', 'bacs_empty')
  const fromSort = bacsSortCode(originator.sortCode, 'the paying account')
  const fromAccount = bacsAccountNumber(originator.accountNumber, 'the paying account')
  const fromName = requiredBacsText(originator.name, "paying account's name")

  const lines: string[] = []
  let total = 0
  payments.forEach((payment, index) => {
    const whose = `payment ${index + 1} (${payment.reference})`
    lines.push(
      record([
        bacsSortCode(payment.sortCode, whose),
        bacsAccountNumber(payment.accountNumber, whose),
        '0',
        '99',
        fromSort,
        fromAccount,
        '    ',
        amountField(payment.amountPence, whose),
        fromName,
        requiredBacsText(payment.reference, `reference of payment ${index + 1}`),
        requiredBacsText(payment.accountName, `account name of ${whose}`),
      ]),
    )
    total += payment.amountPence
  })
  lines.push(
    record([fromSort, fromAccount, '0', '17', fromSort, fromAccount, '    ', amountField(total, 'the file (the total)'), fromName, bacsText('CONTRA', BACS_TEXT_WIDTH), fromName]),
  )
  return lines.map((line) => line + RECORD_SEPARATOR).join('')
}
