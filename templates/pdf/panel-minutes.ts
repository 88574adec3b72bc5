/**
 * The layout of a panel's minutes (one round). Data only: app/lib/pdf.server.ts draws it, filled from
 * minutesDocumentData in app/domain/assessment/minutes.server.ts. Change wording, order or columns here.
 */
import type { PdfLayout } from '../../app/lib/pdf.server.ts'

export const panelMinutesLayout: PdfLayout = {
  title: 'Panel minutes: {{roundTitle}}',
  size: 'A4',
  margin: 50,
  fontSize: 10,
  blocks: [
    { type: 'title', text: 'Panel minutes' },
    { type: 'text', text: '{{roundTitle}}' },
    { type: 'space', lines: 0.5 },
    {
      type: 'fields',
      items: [
        { label: 'Fund', value: '{{fundName}}' },
        { label: 'Panel met', value: '{{heldOn}}' },
        { label: 'Round budget', value: '{{budget}}' },
        { label: 'Recommended in total', value: '{{recommended}}' },
      ],
    },
    { type: 'heading', text: 'Attendees' },
    {
      type: 'table',
      rows: 'attendees',
      empty: 'No attendees were recorded.',
      columns: [
        { header: 'Name', key: 'name' },
        { header: 'Role', key: 'role' },
      ],
    },
    { type: 'heading', text: 'Conflicts of interest declared' },
    { type: 'text', text: 'An assessor with a declared conflict did not see or score the bid, and took no part in its decision.', muted: true },
    {
      type: 'table',
      rows: 'conflicts',
      empty: 'No conflicts of interest were declared.',
      columns: [
        { header: 'Who', key: 'assessor', width: 90 },
        { header: 'Bid', key: 'bid', width: 95 },
        { header: 'Type', key: 'type', width: 90 },
        { header: 'Note', key: 'note' },
        { header: 'Recorded', key: 'recordedBy', width: 80 },
      ],
    },
    { type: 'heading', text: 'Decisions' },
    { type: 'text', text: '{{proposal}} {{undecided}} {{released}}' },
    {
      type: 'table',
      rows: 'decisions',
      empty: 'No decisions have been recorded.',
      columns: [
        { header: 'Bid', key: 'reference', width: 85 },
        { header: 'Title', key: 'title', width: 95 },
        { header: 'Decision', key: 'decision', width: 75 },
        { header: 'Amount', key: 'amount', width: 65, align: 'right' },
        { header: 'Rationale', key: 'rationale' },
      ],
    },
    { type: 'heading', text: 'Changes to the optimiser’s proposal' },
    {
      type: 'table',
      rows: 'overrides',
      empty: 'The panel made no changes to the optimiser’s proposal.',
      columns: [
        { header: 'Bid', key: 'reference', width: 85 },
        { header: 'Proposed', key: 'proposed', width: 90 },
        { header: 'Decided', key: 'decided', width: 90 },
        { header: 'Reason', key: 'reason' },
      ],
    },
    { type: 'space', lines: 1 },
    { type: 'text', size: 8, muted: true, text: 'Produced by Commonpot on {{generatedOn}} from the panel’s recorded decisions.' },
  ],
}
