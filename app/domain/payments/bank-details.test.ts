import { describe, expect, test } from 'vitest'
import {
  accountNameMatches,
  BankDetailsSchema,
  describeBankAccountStatus,
  formatSortCode,
  isBacsPrintable,
  maskAccountNumber,
  normaliseAccountNumber,
  normaliseSortCode,
} from './bank-details.ts'

describe('sort codes', () => {
  test.each(['12-34-56', '12 34 56', '123456', ' 12-34-56 ', '12–34–56'])('"%s" is the sort code 123456', (input) => {
    expect(normaliseSortCode(input)).toBe('123456')
  })

  test.each(['', '12345', '1234567', '12-34-5a', 'ab-cd-ef', '12.34.56'])('"%s" is not a sort code', (input) => {
    expect(normaliseSortCode(input)).toBeNull()
  })

  test('a sort code is shown in pairs', () => {
    expect(formatSortCode('309457')).toBe('30-94-57')
  })
})

describe('account numbers', () => {
  test('spaces are ignored; exactly eight digits are needed', () => {
    expect(normaliseAccountNumber('12345678')).toBe('12345678')
    expect(normaliseAccountNumber(' 1234 5678 ')).toBe('12345678')
    expect(normaliseAccountNumber('1234567')).toBeNull()
    expect(normaliseAccountNumber('123456789')).toBeNull()
    expect(normaliseAccountNumber('1234-5678')).toBeNull()
    expect(normaliseAccountNumber('')).toBeNull()
  })

  test('a masked account number shows only its last four digits', () => {
    expect(maskAccountNumber('12345678')).toBe('••••5678')
    expect(maskAccountNumber('12345678')).not.toContain('1234')
  })
})

describe('does the name on the account match the organisation?', () => {
  test.each([
    ['Hackney Food Hub', 'HACKNEY FOOD HUB'],
    ['Hackney Food Hub', 'Hackney Food Hub Ltd'],
    ['Hackney Food Hub', 'Hackney Food Hub Limited'],
    ['Hackney Food Hub CIC', 'Hackney Food Hub Community Interest Company'],
    ['Hackney Food Hub CIO', 'Hackney Food Hub'],
    ['The Hackney Food Hub', 'Hackney Food Hub'],
    ['Smith & Jones Community Garden', 'Smith and Jones Community Garden'],
    ["St. Mary's Lunch Club", 'St Marys Lunch Club'],
    ['Café  Together', 'cafe together'],
    ['Leeds Youth Choir C.I.C.', 'Leeds Youth Choir'],
    ['Hackney Food Hub Ltd.', 'The Hackney Food Hub (Limited)'],
  ])('"%s" matches "%s"', (organisation, account) => {
    expect(accountNameMatches(organisation, account)).toBe(true)
    expect(accountNameMatches(account, organisation)).toBe(true)
  })

  test.each([
    ['Hackney Food Hub', 'J Smith'],
    ['Hackney Food Hub', 'Hackney Food Hub Trust'],
    ['Hackney Food Hub', 'Hackney Food'],
    ['Hackney Food Hub', 'Hackney Food Hub Two'],
    ['Limited Editions Choir', 'Editions Choir'],
    ['Hackney Food Hub', ''],
  ])('"%s" does not match "%s"', (organisation, account) => {
    expect(accountNameMatches(organisation, account)).toBe(false)
  })

  test('a legal-form word that is the whole name is not dropped', () => {
    expect(accountNameMatches('Limited', 'Limited')).toBe(true)
    expect(accountNameMatches('The', '')).toBe(false)
  })
})

describe('the bank details form', () => {
  test('good input is normalised', () => {
    const result = BankDetailsSchema.safeParse({ accountName: '  Hackney   Food Hub ', sortCode: '30 94 57', accountNumber: '1234 5678' })
    expect(result.success && result.data).toEqual({ accountName: 'Hackney Food Hub', sortCode: '309457', accountNumber: '12345678' })
  })

  test('missing and malformed values get plain-English messages', () => {
    const missing = BankDetailsSchema.safeParse({})
    expect(missing.success).toBe(false)
    expect(missing.error?.flatten().fieldErrors).toEqual({
      accountName: ['Enter the name on the account'],
      sortCode: ['Enter a sort code, like 30-94-57'],
      accountNumber: ['Enter an 8-digit account number'],
    })
    const bad = BankDetailsSchema.safeParse({ accountName: '   ', sortCode: '30-94', accountNumber: '1234567' })
    expect(bad.error?.flatten().fieldErrors).toEqual({
      accountName: ['Enter the name on the account'],
      sortCode: ['Enter a sort code, like 30-94-57'],
      accountNumber: ['Enter an 8-digit account number'],
    })
  })

  test('a name a BACS file cannot carry is refused, saying why', () => {
    for (const name of ['Café Together', 'Food Hub!', 'Hub @ Hackney', 'Hub 😀']) {
      expect(isBacsPrintable(name)).toBe(false)
      const result = BankDetailsSchema.safeParse({ accountName: name, sortCode: '309457', accountNumber: '12345678' })
      expect(result.error?.flatten().fieldErrors.accountName).toEqual([
        "The name on the account can only use letters, numbers, spaces and . & / - ' , ( ), because banks cannot carry other characters in a payment",
      ])
    }
    expect(isBacsPrintable("St. Mary's Hub & Co (Leeds) 1/2, A-Z")).toBe(true)
  })

  test('a very long name is refused', () => {
    const result = BankDetailsSchema.safeParse({ accountName: 'A'.repeat(71), sortCode: '309457', accountNumber: '12345678' })
    expect(result.error?.flatten().fieldErrors.accountName).toEqual(['The name on the account must be 70 characters or fewer'])
  })
})

test('statuses read in words', () => {
  expect(describeBankAccountStatus('unverified', null)).toBe('Waiting for our finance team to check')
  expect(describeBankAccountStatus('verified', null)).toBe('Checked')
  expect(describeBankAccountStatus('rejected', 'The account is in a person’s name')).toBe('Not accepted: The account is in a person’s name')
})
