import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { BacsFileError } from './bacs-standard18.ts'
import { bulkPaymentCsv } from './bulk-payment-csv.ts'

/** Written by hand from the layout in the module's header, not produced by this code. */
const FIXTURE = fs.readFileSync(path.resolve('tests/fixtures/bacs/bulk-payments.csv'), 'utf8')

describe('bulkPaymentCsv', () => {
  test('writes cleaned names, digit-text sort codes and accounts, pounds with 2 decimals, byte for byte as the fixture', () => {
    const csv = bulkPaymentCsv([
      { accountName: 'Hackney Food Hub', sortCode: '30-96-34', accountNumber: '01234567', amountPence: 125050, reference: 'TCF-2026-00006/1' },
      { accountName: 'Peckham Walking Group', sortCode: '608371', accountNumber: '00012345', amountPence: 50000, reference: 'TCF-2026-00009/1' },
      { accountName: 'Café Société (Bermondsey) Ltd', sortCode: '112233', accountNumber: '00098765', amountPence: 99, reference: 'tcf-2026-00007/2 #ü' },
      { accountName: '-minus club & co', sortCode: '200415', accountNumber: '00000001', amountPence: 1_000_000, reference: 'TCF-2026-00012/2' },
      { accountName: '=HYPERLINK("evil.ex")', sortCode: '401276', accountNumber: '41234567', amountPence: 99_999_999_999, reference: 'CP-T42' },
    ])
    expect(csv).toBe(FIXTURE)
    expect(csv.split('\r\n')[4]).toBe("'-MINUS CLUB & CO,200415,00000001,10000.00,TCF-2026-00012/2")
  })

  test('refuses what a bank would reject', () => {
    const ok = { accountName: 'Hackney Food Hub', sortCode: '309634', accountNumber: '01234567', amountPence: 100, reference: 'TCF-2026-00006/1' }
    expect(() => bulkPaymentCsv([])).toThrow(BacsFileError)
    expect(() => bulkPaymentCsv([{ ...ok, sortCode: '1234567' }])).toThrow(/6 digits/)
    expect(() => bulkPaymentCsv([{ ...ok, accountNumber: '1234' }])).toThrow(/8 digits/)
    expect(() => bulkPaymentCsv([{ ...ok, amountPence: 0 }])).toThrow(/from 1p/)
    expect(() => bulkPaymentCsv([{ ...ok, reference: '***' }])).toThrow(/reference of payment 1/)
  })
})
