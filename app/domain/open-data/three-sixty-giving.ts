/**
 * The parts of the 360Giving Data Standard 1.4.3 grant (db/reference/360giving/360-giving-schema.json) that
 * Commonpot publishes, with the standard's own field names. Amounts are numbers of pounds (the standard's form);
 * everything inside Commonpot stays in integer pence until the last step (poundsFromPence).
 */
import { penceToDecimalPounds } from '~/lib/money.ts'

/** The package schema's version pattern is major.minor ("1.4"): the 1.4.3 patch release keeps that version string. */
export const PACKAGE_VERSION = '1.4'
export const STANDARD_VERSION = '1.4.3'

export interface Organization {
  id: string
  name: string
  charityNumber?: string
  companyNumber?: string
}

export interface Location {
  name: string
  geoCode?: string
  geoCodeType?: string
  countryCode?: string
}

export interface Classification {
  vocabulary: string
  code: string
  title: string
  description?: string
}

export interface Transaction {
  id: string
  transactionDate: string
  currency: 'GBP'
  value: number
  description?: string
  dateModified?: string
}

export interface Grant {
  id: string
  title: string
  description: string
  currency: 'GBP'
  amountAwarded: number
  amountAppliedFor?: number
  amountDisbursed: number
  awardDate: string
  plannedDates?: { startDate: string; endDate?: string }[]
  recipientOrganization: [Organization]
  fundingOrganization: Organization[]
  beneficiaryLocation?: Location[]
  grantProgramme: { code: string; title: string }[]
  fromOpenCall: 'Yes' | 'No'
  regrantType?: 'FRG040'
  classifications?: Classification[]
  disbursementTransaction?: Transaction[]
  dateModified: string
}

export interface PackageHeader {
  version: string
  license: string
  publisher: { name: string }
  title: string
  description: string
  modified?: string
  downloadURL?: string
}

/** The final step from our integer pence to the standard's pounds: 125050 -> 1250.5. */
export function poundsFromPence(pence: number): number {
  return Number(penceToDecimalPounds(pence))
}
