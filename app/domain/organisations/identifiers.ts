/**
 * UK organisation identifiers: charity numbers, company numbers, org-id.guide identifiers and postcodes, and the legal
 * types an applicant organisation can have. Pure and isomorphic: the registration form checks these in the browser
 * (when JavaScript is on) and the server checks them again before anything is stored.
 *
 * Formats (DOMAIN.md "Applicant organisations and identifiers"):
 * - England and Wales charity numbers are 6 or 7 digits; a linked charity adds "-N" (`1090095-1`).
 * - Scottish charity numbers are `SC0` and 5 digits (`SC042386`); Northern Ireland's are `NIC` and 6 digits.
 * - Company numbers are 8 characters and keep their leading zeros: 8 digits (`09506232`), or a 2-letter register
 *   prefix and 6 digits (`SC123456`, `CE001234`, `RS007890`). Decision: a 7-digit number is accepted and padded with
 *   one leading zero, because spreadsheets and forms routinely drop it (`9506232` -> `09506232`); shorter numbers are
 *   refused as likely typing mistakes rather than guessed at.
 * - Postcodes are checked loosely (the outward/inward shape, not that the postcode exists) and normalised to upper
 *   case with one space before the last three characters (`sw1a1aa` -> `SW1A 1AA`).
 */

export const LEGAL_TYPES = [
  'registered_charity',
  'cio',
  'cic',
  'company_limited_by_guarantee',
  'community_benefit_society',
  'cooperative_society',
  'unincorporated_group',
  'nhs_body',
  'other_statutory_body',
] as const
export type LegalType = (typeof LEGAL_TYPES)[number]

export const LEGAL_TYPE_LABELS: Record<LegalType, string> = {
  registered_charity: 'Registered charity',
  cio: 'Charitable incorporated organisation (CIO)',
  cic: 'Community interest company (CIC)',
  company_limited_by_guarantee: 'Company limited by guarantee',
  community_benefit_society: 'Community benefit society',
  cooperative_society: 'Co-operative society',
  unincorporated_group: 'Unincorporated community group',
  nhs_body: 'NHS body',
  other_statutory_body: 'Other statutory body',
}

export function isLegalType(value: string): value is LegalType {
  return (LEGAL_TYPES as readonly string[]).includes(value)
}

/** The label for a stored legal type, or the stored value itself when it is not one we know. */
export function legalTypeLabel(value: string): string {
  return isLegalType(value) ? LEGAL_TYPE_LABELS[value] : value
}

export type IdentifierNeed = 'required' | 'optional' | 'not_applicable'

export interface IdentifierRequirements {
  charityNumber: IdentifierNeed
  companyNumber: IdentifierNeed
  /** The group has no registration: a governing document (constitution) is asked for later, with the application. */
  needsConstitution: boolean
}

/**
 * Which identifiers each legal type has. A registered charity may also be a charitable company; a CLG may also be a
 * registered charity; a CIC cannot be a charity. Registered societies are registered with the FCA's Mutuals Public
 * Register rather than Companies House, so their Companies House-style number (`RS007890`, `IP030089`) is optional.
 */
export const IDENTIFIER_REQUIREMENTS: Record<LegalType, IdentifierRequirements> = {
  registered_charity: { charityNumber: 'required', companyNumber: 'optional', needsConstitution: false },
  cio: { charityNumber: 'required', companyNumber: 'not_applicable', needsConstitution: false },
  cic: { charityNumber: 'not_applicable', companyNumber: 'required', needsConstitution: false },
  company_limited_by_guarantee: { charityNumber: 'optional', companyNumber: 'required', needsConstitution: false },
  community_benefit_society: { charityNumber: 'optional', companyNumber: 'optional', needsConstitution: false },
  cooperative_society: { charityNumber: 'not_applicable', companyNumber: 'optional', needsConstitution: false },
  unincorporated_group: { charityNumber: 'not_applicable', companyNumber: 'not_applicable', needsConstitution: true },
  nhs_body: { charityNumber: 'not_applicable', companyNumber: 'not_applicable', needsConstitution: false },
  other_statutory_body: { charityNumber: 'not_applicable', companyNumber: 'not_applicable', needsConstitution: false },
}

export type CharityRegister = 'england_wales' | 'scotland' | 'northern_ireland'

export interface CharityNumber {
  register: CharityRegister
  /** As stored: `1090095`, `1090095-1`, `SC042386`, `NIC100002`. */
  value: string
}

/** Upper case with every kind of space removed: what people type is often `sc 042386` or `NIC 100 002`. */
function compact(input: string): string {
  return input.replace(/\s+/g, '').toUpperCase()
}

/** A charity number from any of the three UK registers, normalised; null when it is not in a known format. */
export function parseCharityNumber(input: string): CharityNumber | null {
  const value = compact(input)
  if (/^\d{6,7}(-\d{1,3})?$/.test(value)) return { register: 'england_wales', value }
  if (/^SC0\d{5}$/.test(value)) return { register: 'scotland', value }
  if (/^NIC\d{6}$/.test(value)) return { register: 'northern_ireland', value }
  return null
}

/** A Companies House number, normalised to its 8 characters; null when it is not in a known format. */
export function normaliseCompanyNumber(input: string): string | null {
  const value = compact(input)
  if (/^\d{8}$/.test(value)) return value
  if (/^\d{7}$/.test(value)) return `0${value}`
  if (/^[A-Z]{2}\d{6}$/.test(value)) return value
  // Old Northern Ireland companies: R followed by 7 digits.
  if (/^R\d{7}$/.test(value)) return value
  return null
}

const POSTCODE = /^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$/

/** A UK postcode in upper case with one space (`SW1A 1AA`); null when it is not postcode-shaped. */
export function normalisePostcode(input: string): string | null {
  const value = compact(input)
  if (value === 'GIR0AA') return 'GIR 0AA'
  const match = POSTCODE.exec(value)
  return match ? `${match[1]} ${match[2]}` : null
}

/** The org-id.guide identifier for a charity number: `GB-CHC-1090095`, `GB-SC-SC042386`, `GB-NIC-100002`. */
export function charityOrgId(charity: CharityNumber): string {
  switch (charity.register) {
    case 'england_wales':
      // org-id identifies the main charity: a linked charity's "-N" suffix is not part of the register number.
      return `GB-CHC-${charity.value.replace(/-\d+$/, '')}`
    case 'scotland':
      return `GB-SC-${charity.value}`
    case 'northern_ireland':
      return `GB-NIC-${charity.value.slice(3)}`
  }
}

export interface OrgIdentifierSource {
  charity_number: string | null
  company_number: string | null
}

/**
 * The organisation's org-id.guide identifier (used as the recipient id in 360Giving data): the charity number when it
 * has one (360Giving prefers it), otherwise the company number, otherwise null (an unregistered group has none).
 */
export function orgIdentifierFor(org: OrgIdentifierSource): string | null {
  const charity = org.charity_number ? parseCharityNumber(org.charity_number) : null
  if (charity) return charityOrgId(charity)
  const company = org.company_number ? normaliseCompanyNumber(org.company_number) : null
  return company ? `GB-COH-${company}` : null
}

export interface IdentifierInput {
  legalType: LegalType
  charityNumber?: string | null
  companyNumber?: string | null
}

export interface IdentifierProblem {
  field: 'charityNumber' | 'companyNumber'
  message: string
}

export interface NormalisedIdentifiers {
  charityNumber: string | null
  companyNumber: string | null
}

const CHARITY_FORMAT_MESSAGE =
  'Enter a charity number in the correct format, like 1090095, SC042386 or NIC100002'
const COMPANY_FORMAT_MESSAGE = 'Enter a company number in the correct format, like 09506232 or SC123456'

function notApplicableMessage(what: string): string {
  return `Leave the ${what} empty: this type of organisation does not have one`
}

/**
 * Checks the identifiers a legal type needs and normalises them. Returns the problems (each naming its form field) or
 * the normalised values; used by the form schema and, again, by the domain before storing.
 */
export function checkIdentifiers(input: IdentifierInput): { ok: true; value: NormalisedIdentifiers } | { ok: false; problems: IdentifierProblem[] } {
  const needs = IDENTIFIER_REQUIREMENTS[input.legalType]
  const problems: IdentifierProblem[] = []
  const charityText = input.charityNumber?.trim() ?? ''
  const companyText = input.companyNumber?.trim() ?? ''
  let charityNumber: string | null = null
  let companyNumber: string | null = null

  if (charityText === '') {
    if (needs.charityNumber === 'required') problems.push({ field: 'charityNumber', message: 'Enter your charity number' })
  } else if (needs.charityNumber === 'not_applicable') {
    problems.push({ field: 'charityNumber', message: notApplicableMessage('charity number') })
  } else {
    charityNumber = parseCharityNumber(charityText)?.value ?? null
    if (!charityNumber) problems.push({ field: 'charityNumber', message: CHARITY_FORMAT_MESSAGE })
  }

  if (companyText === '') {
    if (needs.companyNumber === 'required') problems.push({ field: 'companyNumber', message: 'Enter your company number' })
  } else if (needs.companyNumber === 'not_applicable') {
    problems.push({ field: 'companyNumber', message: notApplicableMessage('company number') })
  } else {
    companyNumber = normaliseCompanyNumber(companyText)
    if (!companyNumber) problems.push({ field: 'companyNumber', message: COMPANY_FORMAT_MESSAGE })
  }

  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { charityNumber, companyNumber } }
}
