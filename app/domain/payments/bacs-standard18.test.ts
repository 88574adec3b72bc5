import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { BacsFileError, bacsText, cleanBacsText, standard18File, type BacsPayment } from './bacs-standard18.ts'

/** The fixtures were written by hand from the layout in the module's header, not produced by this code. */
function fixture(name: string): string {
  return fs.readFileSync(path.resolve('tests/fixtures/bacs', name), 'latin1')
}

const originator = { sortCode: '401276', accountNumber: '41234567', name: 'Commonpot Fund' }
const hackney: BacsPayment = { sortCode: '309634', accountNumber: '01234567', accountName: 'Hackney Food Hub', amountPence: 125050, reference: 'TCF-2026-00006/1' }

function expectWellFormed(file: string, records: number) {
  expect(file.endsWith('\r\n')).toBe(true)
  const lines = file.split('\r\n')
  expect(lines.pop()).toBe('')
  expect(lines).toHaveLength(records)
  for (const line of lines) {
    expect(line).toHaveLength(100)
    expect(line).toMatch(/^[A-Z0-9.&/\- ]{100}$/)
  }
}

describe('standard18File', () => {
  test('one payment and its contra match the hand-checked file byte for byte', () => {
    const file = standard18File({ originator, payments: [hackney] })
    expect(Buffer.from(file, 'latin1').equals(Buffer.from(fixture('single-payment.txt'), 'latin1'))).toBe(true)
    expect(file).toBe(fixture('single-payment.txt'))
    expectWellFormed(file, 2)
  })

  test('three payments in order, the contra carrying their total, match the hand-checked file', () => {
    const file = standard18File({
      originator,
      payments: [
        hackney,
        { sortCode: '608371', accountNumber: '00012345', accountName: 'Peckham Walking Group', amountPence: 50000, reference: 'TCF-2026-00009/1' },
        { sortCode: '200415', accountNumber: '87654321', accountName: "Lewisham Men's Shed", amountPence: 1_000_000, reference: 'TCF-2026-00012/2' },
      ],
    })
    expect(file).toBe(fixture('three-payments.txt'))
    expectWellFormed(file, 4)
    expect(file.split('\r\n')[3].slice(35, 46)).toBe('00001175050')
  })

  test('accents, apostrophes, commas, brackets and symbols are cleaned, and long names cut to 18 characters', () => {
    const file = standard18File({
      originator: { sortCode: '40-12-76', accountNumber: '41234567', name: "St Mary's Community Trust, Leeds" },
      payments: [{ sortCode: '11 22 33', accountNumber: '00098765', accountName: 'Café Société (Bermondsey) Ltd', amountPence: 99, reference: 'tcf-2026-00007/2 #ü' }],
    })
    expect(file).toBe(fixture('cleaned-text.txt'))
    expectWellFormed(file, 2)
  })

  test.each([
    ['a sort code of 5 digits', { ...hackney, sortCode: '30963' }, /sort code for payment 1 \(TCF-2026-00006\/1\) must be 6 digits/],
    ['a sort code with letters', { ...hackney, sortCode: '30963A' }, /must be 6 digits/],
    ['an account number of 7 digits', { ...hackney, accountNumber: '1234567' }, /account number for payment 1 .* must be 8 digits/],
    ['an account number of 9 digits', { ...hackney, accountNumber: '123456789' }, /must be 8 digits/],
    ['an amount of 0p', { ...hackney, amountPence: 0 }, /from 1p/],
    ['a negative amount', { ...hackney, amountPence: -5 }, /from 1p/],
    ['an amount above 11 digits of pence', { ...hackney, amountPence: 100_000_000_000 }, /£999,999,999.99/],
    ['a fraction of a penny', { ...hackney, amountPence: 10.5 }, /whole number of pence/],
    ['a reference with nothing BACS can carry', { ...hackney, reference: '#!*' }, /reference of payment 1 has no letters or digits/],
    ['an empty account name', { ...hackney, accountName: '   ' }, /account name of payment 1/],
  ])('refuses %s', (_what, payment, message) => {
    let error: unknown
    try {
      standard18File({ originator, payments: [payment] })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(BacsFileError)
    expect((error as Error).message).toMatch(message)
  })

  test('refuses an empty payment list and a bad originating account', () => {
    expect(() => standard18File({ originator, payments: [] })).toThrow(/at least one payment/)
    expect(() => standard18File({ originator: { ...originator, accountNumber: '4123' }, payments: [hackney] })).toThrow(BacsFileError)
  })

  test('refuses a file whose total would not fit in 11 digits', () => {
    const big = { ...hackney, amountPence: 60_000_000_000 }
    expect(() => standard18File({ originator, payments: [big, big] })).toThrow(/the file \(the total\)/)
  })

  test('the largest single amount fits exactly', () => {
    const file = standard18File({ originator, payments: [{ ...hackney, amountPence: 99_999_999_999 }] })
    expect(file.slice(35, 46)).toBe('99999999999')
  })
})

describe('bacsText', () => {
  test('upper-cases, keeps only A-Z 0-9 . & / - and space, and pads to the width', () => {
    expect(bacsText('Smith & Sons Ltd.', 18)).toBe('SMITH & SONS LTD. ')
    expect(bacsText("O'Brien-Jones", 18)).toBe('OBRIEN-JONES      ')
    expect(bacsText('Crèche, (Zoë) £5 @home', 18)).toBe('CRECHE ZOE 5 HOME ')
    expect(bacsText('  lots    of   space  ', 10)).toBe('LOTS OF SP')
    expect(bacsText('', 4)).toBe('    ')
  })

  test('cleanBacsText keeps the whole text for matching', () => {
    expect(cleanBacsText('Payment tcf-2026-00006/1 from COMMONPOT FUND, thanks')).toBe('PAYMENT TCF-2026-00006/1 FROM COMMONPOT FUND THANKS')
  })
})
