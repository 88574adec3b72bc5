import { describe, expect, test } from 'vitest'
import { matchStatementLines, parseStatementCsv, StatementColumnsError, StatementFormatError, type PaymentCandidate, type StatementLine } from './statement.ts'

const crlf = (...lines: string[]) => lines.join('\r\n') + '\r\n'

describe('parseStatementCsv', () => {
  test('reads Date, Description and a signed Amount, to unsigned pence and ISO dates', () => {
    const lines = parseStatementCsv(crlf('Date,Description,Amount,Balance', '21/11/2026,TCF-2026-00006/1 HACKNEY FOOD HUB,"-1,250.50",10000.00', '2026-11-22,Interest,£3.10,10003.10'))
    expect(lines).toEqual([
      { lineNumber: 2, status: 'ok', postedOn: '2026-11-21', amountPence: 125050, reference: 'TCF-2026-00006/1 HACKNEY FOOD HUB', description: '', note: null },
      { lineNumber: 3, status: 'ok', postedOn: '2026-11-22', amountPence: 310, reference: 'Interest', description: '', note: null },
    ])
  })

  test('headings are matched whatever their case, with a BOM, and a Paid out column stands for the amount', () => {
    const lines = parseStatementCsv('\uFEFF' + crlf(' TRANSACTION DATE ,Narrative,Reference,Paid in,Paid out', '1/2/2027,BACS CREDIT,tcf-2026-00009/1,,£500.00'))
    expect(lines[0]).toMatchObject({ status: 'ok', postedOn: '2027-02-01', amountPence: 50000, reference: 'tcf-2026-00009/1', description: 'BACS CREDIT' })
  })

  test('a line that cannot be read is marked invalid with the reason, and the rest still count', () => {
    const lines = parseStatementCsv(
      crlf('Posted,Details,Debit', '31/02/2026,A,1.00', ',B,1.00', '21/11/2026,C,lots', '21/11/2026,D,', '21/11/26,E,1.00', '21/11/2026,F,0.00', '21/11/2026,G,1.005', '2026-11-21,H,12'),
    )
    expect(lines.map((l) => [l.reference, l.status, l.note])).toEqual([
      ['A', 'invalid', 'The date "31/02/2026" is not a date like 21/11/2026 or 2026-11-21.'],
      ['B', 'invalid', 'The line has no date.'],
      ['C', 'invalid', 'The amount "lots" is not a sum of money.'],
      ['D', 'invalid', 'The line has no amount paid out.'],
      ['E', 'invalid', 'The date "21/11/26" is not a date like 21/11/2026 or 2026-11-21.'],
      ['F', 'invalid', 'The amount is £0.'],
      ['G', 'invalid', 'The amount "1.005" is not a sum of money.'],
      ['H', 'ok', null],
    ])
    expect(lines.map((l) => l.lineNumber)).toEqual([2, 3, 4, 5, 6, 7, 8, 9])
  })

  test('a file without an amount column is refused, naming the column', () => {
    let error: unknown
    try {
      parseStatementCsv(crlf('Date,Reference,Balance', '21/11/2026,X,1.00'))
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(StatementColumnsError)
    expect((error as StatementColumnsError).missing).toEqual(['amount (Amount, Paid out or Debit)'])
    expect((error as Error).message).toMatch(/^The statement has no amount \(Amount, Paid out or Debit\) column/)
    expect((error as StatementColumnsError).status).toBe(400)
  })

  test('a file missing several columns names each', () => {
    expect(() => parseStatementCsv('Foo,Bar\r\n1,2\r\n')).toThrow(/no date \(Date, Posted or Transaction date\) and no reference .* and no amount/)
  })

  test('an empty file and a file that is not CSV are refused', () => {
    expect(() => parseStatementCsv('')).toThrow(StatementFormatError)
    expect(() => parseStatementCsv('Date,Reference,Amount\r\n"21/11/2026,unclosed,1.00\r\n')).toThrow(/could not read this file as CSV/)
  })
})

describe('matchStatementLines', () => {
  const line = (lineNumber: number, reference: string, amountPence: number): StatementLine => ({
    lineNumber,
    status: 'ok',
    postedOn: '2026-11-21',
    amountPence,
    reference,
    description: '',
    note: null,
  })
  const candidates: PaymentCandidate[] = [
    { trancheId: 1, reference: 'TCF-2026-00006/1', amountPence: 125050, status: 'sent' },
    { trancheId: 2, reference: 'TCF-2026-00006/10', amountPence: 5000, status: 'sent' },
    { trancheId: 3, reference: 'TCF-2026-00009/1', amountPence: 50000, status: 'paid' },
    { trancheId: 4, reference: 'CP-T4', amountPence: 700, status: 'scheduled' },
  ]

  test('a line with the reference (cleaned, as a whole token) and the same amount matches a sent payment', () => {
    const [a, b] = matchStatementLines([line(2, 'bacs tcf-2026-00006/1 hackney', 125050), line(3, 'TCF-2026-00006/10', 5000)], candidates)
    expect(a).toMatchObject({ status: 'matched', trancheId: 1, note: null })
    expect(b).toMatchObject({ status: 'matched', trancheId: 2 })
  })

  test('a payment already marked paid is reported as such, not matched again', () => {
    expect(matchStatementLines([line(2, 'TCF-2026-00009/1', 50000)], candidates)[0]).toMatchObject({ status: 'already_paid', trancheId: 3 })
  })

  test('an unknown reference, a different amount and a payment not waiting to be paid are unmatched with a note', () => {
    const out = matchStatementLines([line(2, 'TCF-2026-00006/2', 125050), line(3, 'TCF-2026-00006/1', 125000), line(4, 'CP-T4', 700), line(5, 'XTCF-2026-00006/1', 125050)], candidates)
    expect(out.map((l) => [l.status, l.trancheId, l.note])).toEqual([
      ['unmatched', null, 'No payment with this reference.'],
      ['unmatched', null, 'The amount differs: expected £1,250.50 for TCF-2026-00006/1.'],
      ['unmatched', null, 'CP-T4 is not waiting to be paid (it is scheduled).'],
      ['unmatched', null, 'No payment with this reference.'],
    ])
  })

  test('a payment is matched by one line of a file only', () => {
    const out = matchStatementLines([line(2, 'TCF-2026-00006/1', 125050), line(7, 'TCF-2026-00006/1', 125050)], candidates)
    expect(out[0]).toMatchObject({ status: 'matched', trancheId: 1 })
    expect(out[1]).toMatchObject({ status: 'unmatched', trancheId: null, note: 'TCF-2026-00006/1 was already matched on line 2 of this statement.' })
  })

  test('invalid lines pass through untouched', () => {
    const invalid: StatementLine = { lineNumber: 2, status: 'invalid', postedOn: null, amountPence: null, reference: 'TCF-2026-00006/1', description: '', note: 'The line has no date.' }
    expect(matchStatementLines([invalid], candidates)[0]).toMatchObject({ status: 'invalid', trancheId: null, note: 'The line has no date.' })
  })
})
