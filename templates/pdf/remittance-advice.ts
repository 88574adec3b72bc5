/**
 * The layout of a remittance advice: one payment to an organisation, what it was for and whose money it was. Data
 * only: app/lib/pdf.server.ts draws it from remittanceAdvice() in app/domain/payments/remittance.server.ts.
 */
import type { PdfLayout } from '../../app/lib/pdf.server.ts'

export const remittanceAdviceLayout: PdfLayout = {
  title: 'Remittance advice {{reference}}',
  size: 'A4',
  margin: 50,
  fontSize: 10,
  blocks: [
    { type: 'title', text: 'Remittance advice' },
    { type: 'text', text: '{{fundName}}' },
    { type: 'space', lines: 0.5 },
    {
      type: 'fields',
      items: [
        { label: 'Paid to', value: '{{organisationName}}' },
        { label: 'Into', value: '{{paidTo}}' },
        { label: 'Amount', value: '{{amount}}' },
        { label: 'Paid on', value: '{{paidOn}}' },
        { label: 'Payment reference', value: '{{reference}}' },
        { label: 'Grant', value: '{{awardReference}}: {{projectTitle}}' },
        { label: 'Paid so far', value: '{{paidSoFar}} of {{awardAmount}}' },
      ],
    },
    { type: 'heading', text: 'Whose money this payment is' },
    {
      type: 'table',
      rows: 'parts',
      empty: 'Not recorded.',
      columns: [
        { header: 'Funder', key: 'funderName', width: 260 },
        { header: 'Amount', key: 'amount', align: 'right' },
      ],
    },
    { type: 'space', lines: 1 },
    {
      type: 'text',
      size: 8,
      muted: true,
      text: 'Produced by Commonpot on {{generatedOn}}. If this payment is not in your account within three working days of the date above, contact the fund\'s finance team and quote the payment reference.',
    },
  ],
}
