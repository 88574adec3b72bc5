/**
 * One published award as a 360Giving grant (pure: the rows come from grants.server.ts). The choices, where the
 * standard leaves them to the publisher:
 * - id: `360G-<prefix>-<award reference>`.
 * - awardDate: the day (in London) the group was told of the panel's decision (applications.decided_at), else the
 *   day the award was made from the panel's recommendation (awards.created_at).
 * - amountDisbursed: paid tranches less money repaid or clawed back; each paid tranche is a disbursement transaction,
 *   and each repayment a negative one, so the transactions add up to amountDisbursed.
 * - recipientOrganization: the org-id.guide identifier from the charity number (GB-CHC-, GB-SC-, GB-NIC-) or company
 *   number (GB-COH-, leading zeros kept); an unregistered group gets `360G-<prefix>-ORG-<organisation id>`.
 * - fundingOrganization: every funder whose money is committed to the award (largest share first), else the fund's
 *   funders or the pot's host; a funder's org_identifier, else `360G-<prefix>-FUNDER-<funder id>`.
 * - regrantType FRG040 (funder collaboration) when the money comes from a pot more than one funder pays into.
 * - beneficiaryLocation: the ICB by name with its ONS GSS code. The geoCodeType codelist has no ICB type, so
 *   geoCodeType is left out rather than given a code the codelist does not have, and the ICB is also carried as a
 *   classification (DOMAIN.md "Open data").
 * - fromOpenCall: 'Yes' when the round was published for anyone to apply to, else 'No'.
 */
import { formatLondon } from '~/lib/dates.ts'
import { normaliseCompanyNumber, orgIdentifierFor, parseCharityNumber } from '../organisations/identifiers.ts'
import { grantIdentifier } from './settings.ts'
import { poundsFromPence, type Classification, type Grant, type Organization, type Transaction } from './three-sixty-giving.ts'

export interface FunderSource {
  id: number
  name: string
  orgIdentifier: string | null
}

export interface GrantSource {
  award: {
    id: number
    reference: string
    amountPence: number
    createdAt: string
    /** When the group was told the panel's decision (applications.decided_at), if the decision was released. */
    decidedAt?: string | null
    updatedAt: string
    publishedAt: string | null
    plannedStart: string | null
    plannedEnd: string | null
  }
  application: { title: string; summary: string | null; amountRequestedPence: number }
  organisation: { id: number; name: string; charityNumber: string | null; companyNumber: string | null; updatedAt: string }
  round: { title: string; slug: string; openCall: boolean }
  place: { name: string; gssCode: string | null; odsCode: string } | null
  funders: FunderSource[]
  /** The money comes from a pot that more than one funder pays into. */
  pooled: boolean
  payments: { sequence: number; amountPence: number; paidAt: string; updatedAt: string }[]
  repayments: { id: number; kind: 'repayment' | 'clawback'; amountPence: number; receivedOn: string; createdAt: string }[]
}

export function recipientOrganization(prefix: string, org: GrantSource['organisation']): Organization {
  const charity = org.charityNumber ? parseCharityNumber(org.charityNumber) : null
  const company = org.companyNumber ? normaliseCompanyNumber(org.companyNumber) : null
  return {
    id: orgIdentifierFor({ charity_number: org.charityNumber, company_number: org.companyNumber }) ?? `360G-${prefix}-ORG-${org.id}`,
    name: org.name,
    ...(charity ? { charityNumber: charity.value } : {}),
    ...(company ? { companyNumber: company } : {}),
  }
}

export function fundingOrganization(prefix: string, funder: FunderSource): Organization {
  return { id: funder.orgIdentifier?.trim() || `360G-${prefix}-FUNDER-${funder.id}`, name: funder.name }
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/
/** A stored UTC instant ('2026-11-21T19:30:48.123Z'): its first 13 characters name its UTC hour. */
const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/
const MAX_REMEMBERED_HOURS = 20_000
const londonDayOfUtcHour = new Map<string, string>()

/**
 * A date as YYYY-MM-DD: stored dates pass through, instants become their London calendar day. London's clocks change
 * on a whole UTC hour (01:00 UTC), so every instant in one UTC hour falls on the same London day: the answer is
 * remembered per UTC hour, and date-fns works it out once per hour rather than once per payment (an export of 40,000
 * grants asks about 150,000 times; a few thousand distinct hours).
 */
function day(value: string): string {
  if (DATE_ONLY.test(value)) return value
  if (!UTC_INSTANT.test(value)) return formatLondon(value, 'yyyy-MM-dd')
  const hour = value.slice(0, 13)
  let london = londonDayOfUtcHour.get(hour)
  if (london === undefined) {
    london = formatLondon(value, 'yyyy-MM-dd')
    if (londonDayOfUtcHour.size >= MAX_REMEMBERED_HOURS) londonDayOfUtcHour.clear()
    londonDayOfUtcHour.set(hour, london)
  }
  return london
}

function latest(values: (string | null)[]): string {
  return values.filter((v): v is string => v !== null).reduce((a, b) => (b > a ? b : a))
}

function icbClassification(place: NonNullable<GrantSource['place']>): Classification {
  return place.gssCode
    ? { vocabulary: 'Integrated care board (ONS GSS code)', code: place.gssCode, title: place.name, description: `NHS ODS code ${place.odsCode}` }
    : { vocabulary: 'Integrated care board (NHS ODS code)', code: place.odsCode, title: place.name }
}

export function toGrant(prefix: string, s: GrantSource): Grant {
  const id = grantIdentifier(prefix, s.award.reference)
  const transactions: Transaction[] = [
    ...s.payments.map((p) => ({ id: `${id}-P${p.sequence}`, transactionDate: day(p.paidAt), currency: 'GBP' as const, value: poundsFromPence(p.amountPence), description: `Payment ${p.sequence}` })),
    ...s.repayments.map((r) => ({
      id: `${id}-R${r.id}`,
      transactionDate: r.receivedOn,
      currency: 'GBP' as const,
      value: poundsFromPence(-r.amountPence),
      description: r.kind === 'clawback' ? 'Clawed back by the funder' : 'Repaid to the funder',
    })),
  ]
  const disbursedPence = s.payments.reduce((sum, p) => sum + p.amountPence, 0) - s.repayments.reduce((sum, r) => sum + r.amountPence, 0)
  const programme = s.round.title
  const summary = s.application.summary?.trim()
  return {
    id,
    title: s.application.title,
    description: summary || `${s.application.title}: a grant to ${s.organisation.name} from ${programme}.`,
    currency: 'GBP',
    amountAwarded: poundsFromPence(s.award.amountPence),
    ...(s.application.amountRequestedPence > 0 ? { amountAppliedFor: poundsFromPence(s.application.amountRequestedPence) } : {}),
    amountDisbursed: poundsFromPence(Math.max(disbursedPence, 0)),
    awardDate: day(s.award.decidedAt ?? s.award.createdAt),
    ...(s.award.plannedStart ? { plannedDates: [{ startDate: s.award.plannedStart, ...(s.award.plannedEnd ? { endDate: s.award.plannedEnd } : {}) }] } : {}),
    recipientOrganization: [recipientOrganization(prefix, s.organisation)],
    fundingOrganization: s.funders.map((f) => fundingOrganization(prefix, f)),
    ...(s.place
      ? { beneficiaryLocation: [{ name: s.place.name, ...(s.place.gssCode ? { geoCode: s.place.gssCode } : {}), countryCode: 'GB' }], classifications: [icbClassification(s.place)] }
      : {}),
    grantProgramme: [{ code: s.round.slug, title: programme }],
    fromOpenCall: s.round.openCall ? 'Yes' : 'No',
    ...(s.pooled ? { regrantType: 'FRG040' as const } : {}),
    ...(transactions.length > 0 ? { disbursementTransaction: transactions } : {}),
    dateModified: latest([s.award.updatedAt, s.award.publishedAt, s.organisation.updatedAt, ...s.payments.map((p) => p.updatedAt), ...s.repayments.map((r) => r.createdAt)]),
  }
}
