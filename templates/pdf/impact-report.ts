/**
 * The layout of an impact report (a fund, a pot, or any scope of the roll-up): headline figures, the outcome measures
 * with their 95% confidence intervals and a before/after chart, referral mix and people reached by place (charts and
 * tables), and the SROI estimate with its inputs and arithmetic. Data only: app/lib/pdf.server.ts draws it (charts
 * with pdfkit vector calls), filled from impactReportData in app/domain/impact/report.server.ts.
 */
import type { PdfLayout } from '../../app/lib/pdf.server.ts'

export const impactReportLayout: PdfLayout = {
  title: 'Impact report: {{scopeLabel}}',
  size: 'A4',
  margin: 45,
  fontSize: 9.5,
  blocks: [
    { type: 'title', text: 'Impact report' },
    { type: 'text', text: '{{scopeLabel}}' },
    { type: 'space', lines: 0.5 },
    {
      type: 'fields',
      items: [
        { label: 'People reached', value: '{{peopleReached}}' },
        { label: 'Sessions delivered', value: '{{sessionsDelivered}}' },
        { label: 'Awards reporting', value: '{{awards}} ({{acceptedReturns}} accepted returns)' },
        { label: 'Paid to these awards', value: '{{paid}}' },
        { label: 'Supported by', value: '{{supportedBy}}' },
      ],
    },
    { type: 'text', text: '{{countingNote}}', muted: true, size: 8 },
    { type: 'heading', text: 'Outcomes before and after' },
    {
      type: 'table',
      rows: 'measures',
      empty: 'No accepted return in this report has outcome data yet.',
      columns: [
        { header: 'Measure', key: 'label', width: 112 },
        { header: 'Direction', key: 'direction', width: 78 },
        { header: 'n', key: 'n', width: 30, align: 'right' },
        { header: 'Before', key: 'before', width: 40, align: 'right' },
        { header: 'After', key: 'after', width: 40, align: 'right' },
        { header: 'Change', key: 'change', width: 50, align: 'right' },
        { header: '95% CI', key: 'ci', width: 76 },
        { header: 'Reading', key: 'verdict' },
      ],
    },
    { type: 'text', text: 'A change counts as an improvement only when the whole 95% confidence interval is on the better side of no change. For anxiety and loneliness lower is better.', muted: true, size: 8 },
    { type: 'space', lines: 0.5 },
    { type: 'text', text: 'Mean score before and after, each measure on its own scale' },
    { type: 'chart', chart: 'beforeAfter', empty: 'No outcome data to chart.' },
    { type: 'text', text: '{{swemwbsCopyright}}', muted: true, size: 8 },
    { type: 'heading', text: 'How people were referred' },
    { type: 'chart', chart: 'referrals', empty: 'No referral routes reported yet.' },
    {
      type: 'table',
      rows: 'referrals',
      empty: 'No referral routes reported yet.',
      columns: [
        { header: 'Referral route', key: 'label' },
        { header: 'People', key: 'count', width: 80, align: 'right' },
        { header: 'Share', key: 'percent', width: 80, align: 'right' },
      ],
    },
    { type: 'heading', text: 'People reached by place' },
    { type: 'chart', chart: 'places', empty: 'No accepted returns yet.' },
    {
      type: 'table',
      rows: 'places',
      empty: 'No accepted returns yet.',
      columns: [
        { header: 'Place', key: 'place' },
        { header: 'People reached', key: 'people', width: 90, align: 'right' },
        { header: 'Awards', key: 'awards', width: 60, align: 'right' },
      ],
    },
    { type: 'heading', text: 'Social return on investment (an estimate)' },
    { type: 'text', text: '{{sroiSentence}}' },
    { type: 'text', text: 'The estimate uses all the money paid to the awards counted, whoever gave it: the outcomes of an award funded by several funders cannot be split between them. Each fund’s own inputs value its own awards.', muted: true, size: 8 },
    { type: 'space', lines: 0.3 },
    {
      type: 'table',
      rows: 'sroiInputs',
      empty: 'No fund in this report.',
      columns: [
        { header: 'Fund', key: 'fund', width: 110 },
        { header: 'Input', key: 'label' },
        { header: 'Value', key: 'value', width: 110 },
      ],
    },
    {
      type: 'table',
      rows: 'sroiSteps',
      empty: 'No measure reported has a value set, so no value is counted.',
      columns: [
        { header: 'Fund', key: 'fund', width: 90 },
        { header: 'Measure', key: 'measure', width: 100 },
        { header: 'Arithmetic', key: 'steps' },
      ],
    },
    {
      type: 'table',
      rows: 'sroiFunds',
      empty: 'No fund in this report.',
      columns: [
        { header: 'Fund', key: 'fund' },
        { header: 'Inputs', key: 'basis', width: 90 },
        { header: 'Social value', key: 'value', width: 80, align: 'right' },
        { header: 'Paid', key: 'paid', width: 80, align: 'right' },
        { header: 'Per £1 paid', key: 'perPound', width: 60, align: 'right' },
      ],
    },
    { type: 'text', text: '{{sroiMethod}}', muted: true, size: 8 },
    { type: 'text', text: '{{sroiDefaults}}', muted: true, size: 8 },
    { type: 'text', text: '{{sroiContext}}', muted: true, size: 8 },
    { type: 'space', lines: 1 },
    { type: 'text', text: 'Produced by Commonpot on {{generatedOn}} from the impact returns a fund manager has accepted.', muted: true, size: 8 },
  ],
}
