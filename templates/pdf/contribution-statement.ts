/**
 * The layout of a contributor statement (one contribution, one period). Data only: app/lib/pdf.server.ts draws it,
 * filling {{placeholders}} from the statement's values and the tables from its rows (statementDocumentData in
 * app/domain/budgets/reports.server.ts). Change wording, order or columns here; no code changes needed.
 */
import type { PdfLayout } from '../../app/lib/pdf.server.ts'

export const contributionStatementLayout: PdfLayout = {
  title: 'Contribution statement: {{funderName}}, {{potName}}',
  size: 'A4',
  margin: 50,
  fontSize: 10,
  blocks: [
    { type: 'title', text: 'Contribution statement' },
    { type: 'text', text: '{{funderName}}' },
    { type: 'space', lines: 0.5 },
    {
      type: 'fields',
      items: [
        { label: 'Contributor', value: '{{funderName}}' },
        { label: 'Pot', value: '{{potName}} ({{placeName}}, financial year {{financialYear}})' },
        { label: 'Contribution', value: '#{{contributionId}}, pledged {{pledged}}' },
        { label: 'Period', value: '{{periodFrom}} to {{periodTo}}' },
      ],
    },
    { type: 'heading', text: 'Balances' },
    {
      type: 'table',
      rows: 'balances',
      empty: 'No balances.',
      columns: [
        { header: 'Account', key: 'label', width: 175 },
        { header: 'Opening', key: 'opening', align: 'right' },
        { header: 'In', key: 'in', align: 'right' },
        { header: 'Out', key: 'out', align: 'right' },
        { header: 'Closing', key: 'closing', align: 'right' },
      ],
    },
    { type: 'heading', text: 'Movements in the period' },
    {
      type: 'table',
      rows: 'movements',
      empty: 'No money moved in this period.',
      columns: [
        { header: 'Date', key: 'date', width: 70 },
        { header: 'Movement', key: 'description', width: 120 },
        { header: 'From', key: 'from' },
        { header: 'To', key: 'to' },
        { header: 'Amount', key: 'amount', width: 75, align: 'right' },
      ],
    },
    { type: 'space', lines: 1 },
    {
      type: 'text',
      size: 8,
      muted: true,
      text: 'Produced by Commonpot on {{generatedOn}} from the pot\'s double-entry ledger. Dates are UTC. Each bucket is part of this contribution: pledged not yet received, received not yet committed, committed to awards, paid to grantees, and returned to the contributor.',
    },
  ],
}
