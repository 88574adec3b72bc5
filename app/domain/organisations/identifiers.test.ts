import { describe, expect, test } from 'vitest'
import {
  checkIdentifiers,
  IDENTIFIER_REQUIREMENTS,
  LEGAL_TYPE_LABELS,
  LEGAL_TYPES,
  legalTypeLabel,
  normaliseCompanyNumber,
  normalisePostcode,
  orgIdentifierFor,
  parseCharityNumber,
} from './identifiers.ts'

describe('charity numbers', () => {
  test.each([
    ['1090095', 'england_wales', '1090095'],
    ['209131', 'england_wales', '209131'],
    ['1090095-1', 'england_wales', '1090095-1'],
    [' 1090095 ', 'england_wales', '1090095'],
    ['SC042386', 'scotland', 'SC042386'],
    ['sc042386', 'scotland', 'SC042386'],
    ['SC 042386', 'scotland', 'SC042386'],
    ['NIC100002', 'northern_ireland', 'NIC100002'],
    ['nic 100002', 'northern_ireland', 'NIC100002'],
  ])('%j is a charity number on the %s register, stored as %j', (input, register, value) => {
    expect(parseCharityNumber(input)).toEqual({ register, value })
  })

  test.each(['', '12345', '12345678', 'SC142386', 'SC04238', 'SC0423866', 'NIC10000', 'NI100002', '1090095-', '1090095-1234', 'CHC1090095', '10900 95x'])(
    '%j is refused',
    (input) => {
      expect(parseCharityNumber(input)).toBeNull()
    },
  )
})

describe('company numbers', () => {
  test.each([
    ['09506232', '09506232'],
    ['9506232', '09506232'],
    ['SC123456', 'SC123456'],
    ['sc123456', 'SC123456'],
    ['CE001234', 'CE001234'],
    ['RS007890', 'RS007890'],
    ['OC 301234', 'OC301234'],
    ['R0012345', 'R0012345'],
  ])('%j is kept as %j', (input, expected) => {
    expect(normaliseCompanyNumber(input)).toBe(expected)
  })

  test.each(['', '950623', '095062321', 'S1234567', 'SC12345', 'SC1234567', 'ABC12345', '0950623X'])('%j is refused', (input) => {
    expect(normaliseCompanyNumber(input)).toBeNull()
  })
})

describe('postcodes', () => {
  test.each([
    ['sw1a1aa', 'SW1A 1AA'],
    ['SW1A 1AA', 'SW1A 1AA'],
    ['  sw1a   1aa ', 'SW1A 1AA'],
    ['M1 1AE', 'M1 1AE'],
    ['b338th', 'B33 8TH'],
    ['CR2 6XH', 'CR2 6XH'],
    ['DN55 1PT', 'DN55 1PT'],
    ['EC1A1BB', 'EC1A 1BB'],
    ['BT1 5GS', 'BT1 5GS'],
    ['gir0aa', 'GIR 0AA'],
  ])('%j is normalised to %j', (input, expected) => {
    expect(normalisePostcode(input)).toBe(expected)
  })

  test.each(['', 'SW1A', '1AA', 'SW1A 1A', '12345', 'SW1A 1AAA', 'Q', 'SW1A-1AA'])('%j is refused', (input) => {
    expect(normalisePostcode(input)).toBeNull()
  })
})

describe('org-id identifiers', () => {
  test.each([
    [{ charity_number: '1090095', company_number: null }, 'GB-CHC-1090095'],
    [{ charity_number: '1090095-1', company_number: null }, 'GB-CHC-1090095'],
    [{ charity_number: 'SC042386', company_number: null }, 'GB-SC-SC042386'],
    [{ charity_number: 'NIC100002', company_number: null }, 'GB-NIC-100002'],
    [{ charity_number: null, company_number: '09506232' }, 'GB-COH-09506232'],
    [{ charity_number: null, company_number: '9506232' }, 'GB-COH-09506232'],
    [{ charity_number: '1090095', company_number: '09506232' }, 'GB-CHC-1090095'],
    [{ charity_number: null, company_number: null }, null],
    [{ charity_number: 'not a number', company_number: null }, null],
  ])('%j has the identifier %j', (org, expected) => {
    expect(orgIdentifierFor(org)).toBe(expected)
  })
})

describe('identifiers each legal type needs', () => {
  test('every legal type has a label and a rule', () => {
    for (const type of LEGAL_TYPES) {
      expect(LEGAL_TYPE_LABELS[type]).toBeTruthy()
      expect(IDENTIFIER_REQUIREMENTS[type]).toBeDefined()
    }
    expect(legalTypeLabel('cic')).toBe('Community interest company (CIC)')
    expect(legalTypeLabel('something_else')).toBe('something_else')
  })

  test.each([
    ['registered_charity', '', '', [['charityNumber', 'Enter your charity number']]],
    ['cio', '', '', [['charityNumber', 'Enter your charity number']]],
    ['cic', '', '', [['companyNumber', 'Enter your company number']]],
    ['company_limited_by_guarantee', '', '', [['companyNumber', 'Enter your company number']]],
    ['cic', '1090095', '09506232', [['charityNumber', 'Leave the charity number empty: this type of organisation does not have one']]],
    ['cio', '1090095', '09506232', [['companyNumber', 'Leave the company number empty: this type of organisation does not have one']]],
    ['registered_charity', '12', '', [['charityNumber', 'Enter a charity number in the correct format, like 1090095, SC042386 or NIC100002']]],
    ['cic', '', '123', [['companyNumber', 'Enter a company number in the correct format, like 09506232 or SC123456']]],
    ['unincorporated_group', '1090095', '', [['charityNumber', 'Leave the charity number empty: this type of organisation does not have one']]],
  ] as const)('a %s with charity %j and company %j is refused', (legalType, charityNumber, companyNumber, expected) => {
    const result = checkIdentifiers({ legalType, charityNumber, companyNumber })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.problems.map((p) => [p.field, p.message])).toEqual(expected)
  })

  test.each([
    ['registered_charity', 'sc 042386', '', { charityNumber: 'SC042386', companyNumber: null }],
    ['registered_charity', '1090095', '9506232', { charityNumber: '1090095', companyNumber: '09506232' }],
    ['cio', '1190001', '', { charityNumber: '1190001', companyNumber: null }],
    ['cic', '', 'sc123456', { charityNumber: null, companyNumber: 'SC123456' }],
    ['company_limited_by_guarantee', '1090095', '09506232', { charityNumber: '1090095', companyNumber: '09506232' }],
    ['community_benefit_society', '', '', { charityNumber: null, companyNumber: null }],
    ['cooperative_society', '', 'RS007890', { charityNumber: null, companyNumber: 'RS007890' }],
    ['unincorporated_group', '', '', { charityNumber: null, companyNumber: null }],
    ['nhs_body', '  ', '', { charityNumber: null, companyNumber: null }],
  ] as const)('a %s with charity %j and company %j is accepted and normalised', (legalType, charityNumber, companyNumber, expected) => {
    expect(checkIdentifiers({ legalType, charityNumber, companyNumber })).toEqual({ ok: true, value: expected })
  })

  test('an unincorporated group needs a constitution instead of a registration number', () => {
    expect(IDENTIFIER_REQUIREMENTS.unincorporated_group.needsConstitution).toBe(true)
    expect(IDENTIFIER_REQUIREMENTS.registered_charity.needsConstitution).toBe(false)
  })
})
