/**
 * The 360Giving CSV: one row per grant, headed by the standard's column titles (the schema's `title`s joined by ":",
 * as 360Giving's spreadsheet template and flatten-tool use them).
 *
 * A grant can have several funding organisations. The standard's convention for one-to-many fields in the main sheet
 * is numbered column sets starting at 0 ("Funding Org:0:Identifier", "Funding Org:1:Identifier", ...; see
 * 360Giving's guidance on multiple beneficiary locations), which its tools turn back into a list. Joining several
 * identifiers with ";" in one cell would read back as one organisation with a nonsense identifier, so we number them.
 * The file has as many Funding Org sets as the grant with the most funders needs (at least one). Everything else we
 * publish has one entry per grant and uses the plain rolled-up titles ("Recipient Org:Identifier").
 * Disbursement transactions belong on a sheet of their own in the standard's spreadsheet form, so the CSV carries
 * their total ("Amount Disbursed") and the JSON file carries each one.
 */
import type { Grant } from './three-sixty-giving.ts'

export interface GrantColumn {
  header: string
  value: (grant: Grant) => string | number | null
}

const v = <T,>(x: T | undefined | null): T | null => (x === undefined ? null : x)

export function grantCsvColumns(fundingOrgSets: number): GrantColumn[] {
  const funders: GrantColumn[] = Array.from({ length: Math.max(1, fundingOrgSets) }, (_, i) => [
    { header: `Funding Org:${i}:Identifier`, value: (g: Grant) => v(g.fundingOrganization[i]?.id) },
    { header: `Funding Org:${i}:Name`, value: (g: Grant) => v(g.fundingOrganization[i]?.name) },
  ]).flat()
  return [
    { header: 'Identifier', value: (g) => g.id },
    { header: 'Title', value: (g) => g.title },
    { header: 'Description', value: (g) => g.description },
    { header: 'Currency', value: (g) => g.currency },
    { header: 'Amount Awarded', value: (g) => g.amountAwarded },
    { header: 'Amount Applied For', value: (g) => v(g.amountAppliedFor) },
    { header: 'Amount Disbursed', value: (g) => g.amountDisbursed },
    { header: 'Award Date', value: (g) => g.awardDate },
    { header: 'Planned Dates:Start Date', value: (g) => v(g.plannedDates?.[0]?.startDate) },
    { header: 'Planned Dates:End Date', value: (g) => v(g.plannedDates?.[0]?.endDate) },
    { header: 'Recipient Org:Identifier', value: (g) => g.recipientOrganization[0].id },
    { header: 'Recipient Org:Name', value: (g) => g.recipientOrganization[0].name },
    { header: 'Recipient Org:Charity Number', value: (g) => v(g.recipientOrganization[0].charityNumber) },
    { header: 'Recipient Org:Company Number', value: (g) => v(g.recipientOrganization[0].companyNumber) },
    ...funders,
    { header: 'Grant Programme:Code', value: (g) => v(g.grantProgramme[0]?.code) },
    { header: 'Grant Programme:Title', value: (g) => v(g.grantProgramme[0]?.title) },
    { header: 'Beneficiary Location:Name', value: (g) => v(g.beneficiaryLocation?.[0]?.name) },
    { header: 'Beneficiary Location:Country Code', value: (g) => v(g.beneficiaryLocation?.[0]?.countryCode) },
    { header: 'Beneficiary Location:Geographic Code', value: (g) => v(g.beneficiaryLocation?.[0]?.geoCode) },
    { header: 'Beneficiary Location:Geographic Code Type', value: (g) => v(g.beneficiaryLocation?.[0]?.geoCodeType) },
    { header: 'Classifications:Vocabulary', value: (g) => v(g.classifications?.[0]?.vocabulary) },
    { header: 'Classifications:Code', value: (g) => v(g.classifications?.[0]?.code) },
    { header: 'Classifications:Title', value: (g) => v(g.classifications?.[0]?.title) },
    { header: 'From An Open Call?', value: (g) => g.fromOpenCall },
    { header: 'For Regrant Type', value: (g) => v(g.regrantType) },
    { header: 'Last Modified', value: (g) => g.dateModified },
  ]
}
