/**
 * A bank bulk-payment CSV: the simpler format most business banking portals accept beside Standard 18 (ADR 0011).
 *
 *   Payee name,Sort code,Account number,Amount,Payment reference
 *   HACKNEY FOOD HUB,309634,01234567,1250.50,TCF-2026-00006/1
 *
 * Sort codes are 6 digits and account numbers 8, written as text so leading zeros stay; amounts are pounds with two
 * decimals (never floats: penceToDecimalPounds); names and references go through the same BACS cleaning and 18-character
 * limit as the Standard 18 file, because the bank sends them on by BACS. Lines end with CRLF (RFC 4180). A value a
 * spreadsheet would run as a formula gets a leading apostrophe (after cleaning only a leading hyphen can survive).
 *
 * Pure: builds the text, no I/O.
 */
import { stringify } from 'csv-stringify/sync'
import { neutraliseFormula } from '~/lib/csv.server.ts'
import { penceToDecimalPounds } from '~/lib/money.ts'
import { BacsFileError, bacsAccountNumber, bacsSortCode, checkBacsAmount, requiredBacsText, type BacsPayment } from './bacs-standard18.ts'

export const BULK_PAYMENT_HEADER = ['Payee name', 'Sort code', 'Account number', 'Amount', 'Payment reference'] as const

/** The CSV for the payments, in the order given. Refuses (BacsFileError) what the Standard 18 file would refuse. */
export function bulkPaymentCsv(payments: BacsPayment[]): string {
  if (payments.length === 0) throw new BacsFileError('A bulk-payment file needs at least one payment.', 'bacs_empty')
  const records = payments.map((payment, index) => {
    const whose = `payment ${index + 1} (${payment.reference})`
    return [
      requiredBacsText(payment.accountName, `account name of ${whose}`).trimEnd(),
      bacsSortCode(payment.sortCode, whose),
      bacsAccountNumber(payment.accountNumber, whose),
      penceToDecimalPounds(checkBacsAmount(payment.amountPence, whose)),
      requiredBacsText(payment.reference, `reference of payment ${index + 1}`).trimEnd(),
    ]
  })
  return stringify([[...BULK_PAYMENT_HEADER], ...records], {
    record_delimiter: 'windows',
    cast: { string: neutraliseFormula },
  })
}
