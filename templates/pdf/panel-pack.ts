/**
 * The layout of a panel pack (one round): a cover, the ranked summary, one section per bid (its scores, each
 * assessor's weighted score and comments, the chair's moderation), conflicts declared and the budget position.
 * Data only: app/lib/pdf.server.ts draws it, filled from packDocumentData in app/domain/assessment/minutes.server.ts.
 * The per-bid section repeats for each bid (values and tables named bid0, bid1, ...).
 */
import type { PdfBlock, PdfLayout } from '../../app/lib/pdf.server.ts'

function bidSection(i: number): PdfBlock[] {
  return [
    { type: 'heading', text: `{{bid${i}Heading}}` },
    {
      type: 'fields',
      items: [
        { label: 'Organisation', value: `{{bid${i}Organisation}}` },
        { label: 'Place', value: `{{bid${i}Place}}` },
        { label: 'Amount', value: `{{bid${i}Amount}}` },
        { label: 'Score (0-100)', value: `{{bid${i}Score}}` },
        { label: 'Gateway criteria', value: `{{bid${i}Gateway}}` },
        { label: 'Decision', value: `{{bid${i}Decision}}` },
      ],
    },
    { type: 'space', lines: 0.3 },
    {
      type: 'table',
      rows: `bid${i}Assessors`,
      empty: 'No assessor has submitted scores for this bid.',
      columns: [
        { header: 'Assessor', key: 'name', width: 90 },
        { header: 'Weighted score', key: 'score', width: 70, align: 'right' },
        { header: 'Scores and comments', key: 'comments' },
      ],
    },
    {
      type: 'table',
      rows: `bid${i}Moderation`,
      empty: 'The chair has not moderated this bid.',
      columns: [
        { header: 'Moderated criterion', key: 'criterion', width: 120 },
        { header: 'Score', key: 'score', width: 45, align: 'right' },
        { header: 'Rationale', key: 'rationale' },
      ],
    },
  ]
}

/** The pack's layout for a round with `bidCount` bids. */
export function panelPackLayout(bidCount: number): PdfLayout {
  return {
    title: 'Panel pack: {{roundTitle}}',
    size: 'A4',
    margin: 40,
    fontSize: 9,
    blocks: [
      { type: 'title', text: 'Panel pack' },
      { type: 'text', text: '{{roundTitle}}' },
      { type: 'space', lines: 0.5 },
      {
        type: 'fields',
        items: [
          { label: 'Fund', value: '{{fundName}}' },
          { label: 'Panel meets', value: '{{heldOn}}' },
          { label: 'Round budget', value: '{{budget}}' },
          { label: 'Bids', value: '{{bids}}' },
        ],
      },
      { type: 'heading', text: 'Ranked summary' },
      { type: 'text', text: 'Bids in order of moderated score (0-100). The running total counts bids recommended, or not yet decided and through every gateway.', muted: true },
      {
        type: 'table',
        rows: 'ranked',
        empty: 'There are no bids in front of the panel.',
        columns: [
          { header: 'Rank', key: 'rank', width: 30 },
          { header: 'Bid', key: 'reference', width: 80 },
          { header: 'Title', key: 'title' },
          { header: 'Place', key: 'place', width: 70 },
          { header: 'Amount', key: 'amount', width: 60, align: 'right' },
          { header: 'Score', key: 'score', width: 35, align: 'right' },
          { header: 'Spread', key: 'spread', width: 45, align: 'right' },
          { header: 'Running total', key: 'running', width: 60, align: 'right' },
          { header: 'Decision', key: 'decision', width: 60 },
        ],
      },
      { type: 'heading', text: 'Bids' },
      ...Array.from({ length: bidCount }, (_, i) => bidSection(i)).flat(),
      { type: 'heading', text: 'Conflicts of interest declared' },
      {
        type: 'table',
        rows: 'conflicts',
        empty: 'No conflicts of interest were declared.',
        columns: [
          { header: 'Who', key: 'assessor', width: 110 },
          { header: 'Bid', key: 'bid', width: 100 },
          { header: 'Type', key: 'type', width: 110 },
          { header: 'Note', key: 'note' },
        ],
      },
      { type: 'heading', text: 'Budget position' },
      { type: 'fields', items: [{ label: 'Round budget', value: '{{budget}}' }, { label: 'Running total', value: '{{counted}}' }, { label: 'Left', value: '{{left}}' }] },
      {
        type: 'table',
        rows: 'pots',
        empty: 'This round does not draw on a pot: only the round budget applies.',
        columns: [
          { header: 'Pot', key: 'name' },
          { header: 'Place', key: 'place', width: 120 },
          { header: 'Available', key: 'start', width: 80, align: 'right' },
          { header: 'Left after the list', key: 'left', width: 90, align: 'right' },
        ],
      },
      {
        type: 'table',
        rows: 'ringFenced',
        empty: 'No ring-fenced contributions.',
        columns: [
          { header: 'Ring-fenced contribution', key: 'funder', width: 120 },
          { header: 'Conditions', key: 'conditions' },
          { header: 'Available', key: 'start', width: 75, align: 'right' },
          { header: 'Left', key: 'left', width: 75, align: 'right' },
        ],
      },
      { type: 'space', lines: 1 },
      { type: 'text', size: 8, muted: true, text: 'Produced by Commonpot on {{generatedOn}}. Confidential to the panel: it names organisations and assessors.' },
    ],
  }
}
