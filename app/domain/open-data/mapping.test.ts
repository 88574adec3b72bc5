/** Recipient and funder identifiers as 360Giving expects them (org-id.guide), and the schema check itself. */
import { describe, expect, test } from 'vitest'
import { fundingOrganization, recipientOrganization, toGrant, type GrantSource } from './mapping.ts'
import { grantIdentifier, OpenDataSettingsSchema } from './settings.ts'
import { packageValidator } from './test-support.server.ts'
import { poundsFromPence } from './three-sixty-giving.ts'

const org = (charityNumber: string | null, companyNumber: string | null) => ({ id: 42, name: 'Wandle Singers', charityNumber, companyNumber, updatedAt: '2026-11-21T10:00:00.000Z' })

describe('recipientOrganization', () => {
  test('an England and Wales charity is GB-CHC-, a linked charity keeps its main number', () => {
    expect(recipientOrganization('commonpot', org('1090095', null))).toEqual({ id: 'GB-CHC-1090095', name: 'Wandle Singers', charityNumber: '1090095' })
    expect(recipientOrganization('commonpot', org('1090095-1', null)).id).toBe('GB-CHC-1090095')
  })

  test('a Scottish charity is GB-SC- with its SC0 number, a Northern Ireland charity GB-NIC-', () => {
    expect(recipientOrganization('commonpot', org('SC042386', null))).toMatchObject({ id: 'GB-SC-SC042386', charityNumber: 'SC042386' })
    expect(recipientOrganization('commonpot', org('NIC100002', null))).toMatchObject({ id: 'GB-NIC-100002', charityNumber: 'NIC100002' })
  })

  test('a company is GB-COH- and keeps its leading zeros', () => {
    expect(recipientOrganization('commonpot', org(null, '09506232'))).toEqual({ id: 'GB-COH-09506232', name: 'Wandle Singers', companyNumber: '09506232' })
    expect(recipientOrganization('commonpot', org(null, 'SC123456')).id).toBe('GB-COH-SC123456')
  })

  test('a charitable company is identified by its charity number and carries both numbers', () => {
    expect(recipientOrganization('commonpot', org('1090095', '09506232'))).toEqual({ id: 'GB-CHC-1090095', name: 'Wandle Singers', charityNumber: '1090095', companyNumber: '09506232' })
  })

  test('an unregistered group gets an identifier under our prefix', () => {
    expect(recipientOrganization('wandle-trust', org(null, null))).toEqual({ id: '360G-wandle-trust-ORG-42', name: 'Wandle Singers' })
  })
})

describe('fundingOrganization', () => {
  test('uses the funder’s own identifier, else one under our prefix', () => {
    expect(fundingOrganization('commonpot', { id: 7, name: 'NHS South West London', orgIdentifier: 'GB-NHS-QWE' })).toEqual({ id: 'GB-NHS-QWE', name: 'NHS South West London' })
    expect(fundingOrganization('commonpot', { id: 7, name: 'Merton Council', orgIdentifier: null })).toEqual({ id: '360G-commonpot-FUNDER-7', name: 'Merton Council' })
  })
})

describe('settings', () => {
  test('a prefix is letters, numbers and single hyphens; a pasted "360G-" is dropped', () => {
    const parse = (prefix: string) => OpenDataSettingsSchema.safeParse({ prefix, publisherName: 'Commonpot', licenceUrl: 'https://creativecommons.org/licenses/by/4.0/' })
    expect(parse('360G-Example-Trust')).toMatchObject({ success: true, data: { prefix: 'Example-Trust' } })
    for (const bad of ['a/b', 'a\\b', 'two words', '-lead', 'double--hyphen', '']) expect(parse(bad).success, bad).toBe(false)
  })

  test('grant ids are 360G-<prefix>-<award reference>', () => {
    expect(grantIdentifier('commonpot', 'TC-2026-0001-AWD')).toBe('360G-commonpot-TC-2026-0001-AWD')
  })

  test('pounds come from whole pence without float drift', () => {
    expect(poundsFromPence(125050)).toBe(1250.5)
    expect(poundsFromPence(1)).toBe(0.01)
    expect(poundsFromPence(-25050)).toBe(-250.5)
  })
})

describe('the schema check', () => {
  const validate = packageValidator()
  const grant = {
    id: '360G-commonpot-X',
    title: 'T',
    description: 'D',
    currency: 'GBP',
    amountAwarded: 1,
    awardDate: '2026-11-21',
    recipientOrganization: [{ id: 'GB-CHC-1090095', name: 'R' }],
    fundingOrganization: [{ id: 'GB-NHS-QWE', name: 'F' }],
  }
  test('passes a minimal grant and refuses one missing what the standard requires', () => {
    expect(validate({ grants: [grant] })).toEqual([])
    expect(validate({ grants: [{ ...grant, recipientOrganization: undefined }] }).length).toBeGreaterThan(0)
    expect(validate({ grants: [{ ...grant, currency: 'POUNDS' }] }).length).toBeGreaterThan(0)
    expect(validate({ grants: [{ ...grant, awardDate: '21/11/2026' }] }).length).toBeGreaterThan(0)
    expect(validate({ grants: [grant], version: '1.4.3' }).length).toBeGreaterThan(0) // the package version is major.minor
    expect(validate({ grants: [] }).length).toBeGreaterThan(0)
  })
})

describe('London calendar days of payments (remembered per UTC hour)', () => {
  const source = (paidAt: string[]): GrantSource => ({
    award: { id: 1, reference: 'CP-1', amountPence: 100_000, createdAt: '2026-01-10T12:00:00.000Z', updatedAt: '2026-01-10T12:00:00.000Z', publishedAt: null, plannedStart: null, plannedEnd: null },
    application: { title: 'Walks', summary: null, amountRequestedPence: 0 },
    organisation: { id: 7, name: 'Wandle Walkers', charityNumber: null, companyNumber: null, updatedAt: '2026-01-10T12:00:00.000Z' },
    round: { title: 'Small grants', slug: 'small-grants', openCall: true },
    place: null,
    funders: [{ id: 1, name: 'Funder', orgIdentifier: null }],
    pooled: false,
    payments: paidAt.map((at, i) => ({ sequence: i + 1, amountPence: 100, paidAt: at, updatedAt: at })),
    repayments: [],
  })
  const days = (paidAt: string[]) => toGrant('commonpot', source(paidAt)).disbursementTransaction!.map((t) => t.transactionDate)

  test('summer evenings after 23:00 in London are the next day, winter ones are not, whichever comes first', () => {
    expect(days(['2026-06-30T23:10:00.000Z', '2026-06-30T23:50:00Z', '2026-06-30T22:59:59.999Z', '2026-01-31T23:30:00.000Z', '2026-01-31T23:59:00.000Z'])).toEqual([
      '2026-07-01',
      '2026-07-01',
      '2026-06-30',
      '2026-01-31',
      '2026-01-31',
    ])
  })

  test('either side of the clocks changing', () => {
    // Clocks go forward at 01:00 UTC on 29 March 2026 and back at 01:00 UTC on 25 October 2026.
    expect(days(['2026-03-28T23:30:00.000Z', '2026-03-29T23:30:00.000Z', '2026-10-24T23:30:00.000Z', '2026-10-25T23:30:00.000Z', '2026-10-25T00:30:00.000Z'])).toEqual([
      '2026-03-28',
      '2026-03-30',
      '2026-10-25',
      '2026-10-25',
      '2026-10-25',
    ])
  })

  test('dates without a time pass through, and other instants are still converted', () => {
    expect(days(['2026-06-30', '2026-06-30T23:30:00+00:00'])).toEqual(['2026-06-30', '2026-07-01'])
  })
})
