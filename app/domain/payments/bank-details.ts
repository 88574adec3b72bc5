/**
 * Bank details as people type them, checked before anything is stored: UK sort codes and account numbers, masking for
 * display, and whether the name on the account is the organisation's own name. Isomorphic (no Node APIs, no database),
 * so pages use the same schema and the same masking as the server.
 *
 * Formats:
 * - A sort code is six digits. "12-34-56", "12 34 56" and "123456" are the same sort code; we store "123456" and show
 *   "12-34-56".
 * - An account number is exactly eight digits; spaces are ignored ("1234 5678"). Seven- and ten-digit accounts exist at
 *   a few building societies, but a BACS payment needs eight: the bank gives those customers an eight-digit version.
 * - Everywhere except the finance officer's check page, an account number is shown masked: "••••1234".
 * - The name on the account must be printable in a BACS file, which allows only upper-case letters, digits, space and
 *   . & / - ' , ( ) (BACS Standard 18 character set; the exporter upper-cases it and keeps the first 18 characters).
 *   Anything else ("é", "@", "!", emoji) is refused here, with a message saying why, rather than mangled later.
 *
 * Does the account name match the organisation's name? (accountNameMatches)
 * Two names match when they are the same after all of these, applied to both:
 * 1. accents are dropped ("Café" is "Cafe") and case is ignored;
 * 2. "&" and "+" read as "and";
 * 3. punctuation is ignored and runs of spaces are one space ("St. Mary's" is "St Marys", "C.I.C." is "CIC");
 * 4. a leading "The" is ignored;
 * 5. legal-form words at the end are ignored, repeatedly: "Ltd", "Limited", "CIC", "Community Interest Company", "CIO",
 *    "Charitable Incorporated Organisation", "PLC", "LLP", "Incorporated", "Inc" ("Hackney Food Hub CIC" is
 *    "Hackney Food Hub Ltd" is "The Hackney Food Hub").
 * "Trust", "Charity", "Association", "Club" and similar words are NOT ignored: a trust or a parent charity is often a
 * different body from the group that applied, which is exactly what the finance check is there to catch.
 * A mismatch is not an error for the applicant (a group may bank under its treasurer's club account): it flags the
 * details so that a finance officer confirms them before any money goes there.
 */
import { z } from 'zod'

// ---------------------------------------------------------------- sort code and account number

/** "12-34-56", "12 34 56", "12–34–56" or "123456" -> "123456"; anything that is not six digits -> null. */
export function normaliseSortCode(input: string): string | null {
  const digits = input.replace(/[\s\-\u2010-\u2015]/g, '')
  return /^\d{6}$/.test(digits) ? digits : null
}

/** "123456" -> "12-34-56". A value that is not six digits is returned as it is. */
export function formatSortCode(sortCode: string): string {
  return /^\d{6}$/.test(sortCode) ? `${sortCode.slice(0, 2)}-${sortCode.slice(2, 4)}-${sortCode.slice(4)}` : sortCode
}

/** "1234 5678" -> "12345678"; anything that is not exactly eight digits once spaces are removed -> null. */
export function normaliseAccountNumber(input: string): string | null {
  const digits = input.replace(/\s/g, '')
  return /^\d{8}$/.test(digits) ? digits : null
}

/** "12345678" -> "••••5678": the last four digits, for every display except the finance officer's check. */
export function maskAccountNumber(accountNumber: string): string {
  return `••••${accountNumber.replace(/\s/g, '').slice(-4)}`
}

// ---------------------------------------------------------------- account names

/** Characters a BACS file can carry in a name, before upper-casing. */
const BACS_NAME = /^[A-Za-z0-9 .&/\-',()]+$/
export const ACCOUNT_NAME_MAX_LENGTH = 70
export const BACS_NAME_CHARACTERS = "letters, numbers, spaces and . & / - ' , ( )"

/** True when every character of the name can be carried in a BACS payment file. */
export function isBacsPrintable(name: string): boolean {
  return BACS_NAME.test(name)
}

// Whole words (after normalising) that name a legal form, longest first so "community interest company" goes whole.
const LEGAL_SUFFIXES: readonly string[][] = [
  ['charitable', 'incorporated', 'organisation'],
  ['charitable', 'incorporated', 'organization'],
  ['community', 'interest', 'company'],
  ['incorporated'],
  ['limited'],
  ['ltd'],
  ['cic'],
  ['cio'],
  ['plc'],
  ['llp'],
  ['inc'],
]

function nameWords(name: string): string[] {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[&+]/g, ' and ')
    .replace(/['’`.]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean)
  if (words[0] === 'the' && words.length > 1) words.shift()
  let stripped = true
  while (stripped) {
    stripped = false
    for (const suffix of LEGAL_SUFFIXES) {
      if (words.length > suffix.length && suffix.every((w, i) => words[words.length - suffix.length + i] === w)) {
        words.splice(words.length - suffix.length)
        stripped = true
        break
      }
    }
  }
  return words
}

/** Whether the name on the account is the organisation's name, by the rule in this file's header. */
export function accountNameMatches(organisationName: string, accountName: string): boolean {
  const a = nameWords(organisationName)
  const b = nameWords(accountName)
  return a.length > 0 && a.join(' ') === b.join(' ')
}

// ---------------------------------------------------------------- the form

const SORT_CODE_MESSAGE = 'Enter a sort code, like 30-94-57'
const ACCOUNT_NUMBER_MESSAGE = 'Enter an 8-digit account number'
const ACCOUNT_NAME_MESSAGE = 'Enter the name on the account'

/**
 * What an applicant enters. Parsed values are normalised: sortCode "123456", accountNumber "12345678", accountName
 * trimmed with single spaces. Used by the page (with JavaScript on) and the server (always).
 */
export const BankDetailsSchema = z.object({
  accountName: z
    .string({ required_error: ACCOUNT_NAME_MESSAGE, invalid_type_error: ACCOUNT_NAME_MESSAGE })
    .transform((v) => v.trim().replace(/\s+/g, ' '))
    .pipe(
      z
        .string()
        .min(1, ACCOUNT_NAME_MESSAGE)
        .max(ACCOUNT_NAME_MAX_LENGTH, `The name on the account must be ${ACCOUNT_NAME_MAX_LENGTH} characters or fewer`)
        .refine((v) => v === '' || isBacsPrintable(v), `The name on the account can only use ${BACS_NAME_CHARACTERS}, because banks cannot carry other characters in a payment`),
    ),
  sortCode: z.string({ required_error: SORT_CODE_MESSAGE, invalid_type_error: SORT_CODE_MESSAGE }).transform((v, ctx) => {
    const sortCode = normaliseSortCode(v)
    if (sortCode === null) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: SORT_CODE_MESSAGE })
      return z.NEVER
    }
    return sortCode
  }),
  accountNumber: z.string({ required_error: ACCOUNT_NUMBER_MESSAGE, invalid_type_error: ACCOUNT_NUMBER_MESSAGE }).transform((v, ctx) => {
    const accountNumber = normaliseAccountNumber(v)
    if (accountNumber === null) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: ACCOUNT_NUMBER_MESSAGE })
      return z.NEVER
    }
    return accountNumber
  }),
})
export type BankDetailsInput = z.output<typeof BankDetailsSchema>

// ---------------------------------------------------------------- statuses in words

export type BankAccountStatus = 'unverified' | 'verified' | 'rejected' | 'superseded'

/** The status as the applicant reads it. */
export function describeBankAccountStatus(status: BankAccountStatus, rejectedReason: string | null): string {
  switch (status) {
    case 'unverified':
      return 'Waiting for our finance team to check'
    case 'verified':
      return 'Checked'
    case 'rejected':
      return `Not accepted: ${rejectedReason ?? 'no reason was given'}`
    case 'superseded':
      return 'Replaced by newer details'
  }
}
