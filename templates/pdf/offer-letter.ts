/**
 * The layout of a grant offer letter. The words are in templates/offer/offer-letter.md (headings, paragraphs with
 * {{merge fields}}, and markers for the blocks defined here: the offer's key facts, the acceptance record and the
 * tables of tranches, conditions and funders). Data only: app/lib/pdf.server.ts draws it, filled from
 * offerLetterPdfData in app/domain/awards/offers.server.ts.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { PdfBlock, PdfLayout } from '../../app/lib/pdf.server.ts'

const BLOCKS: Record<string, PdfBlock> = {
  'fields: offer': {
    type: 'fields',
    items: [
      { label: 'Award reference', value: '{{awardReference}}' },
      { label: 'Date of this offer', value: '{{offerDate}}' },
      { label: 'Please respond by', value: '{{respondBy}}' },
      { label: 'Grant', value: '{{amount}}' },
      { label: 'Fund', value: '{{fundName}}, {{roundTitle}}' },
    ],
  },
  'fields: acceptance': {
    type: 'fields',
    items: [
      { label: 'Accepted by', value: '{{acceptedName}}' },
      { label: 'Role', value: '{{acceptedRole}}' },
      { label: 'Accepted at (UK time)', value: '{{acceptedAt}}' },
      { label: 'SHA-256 of the offer letter', value: '{{originalSha256}}' },
    ],
  },
  'table: tranches': {
    type: 'table',
    rows: 'tranches',
    empty: 'There is no payment schedule yet.',
    columns: [
      { header: 'Payment', key: 'sequence', width: 50 },
      { header: 'Amount', key: 'amount', width: 75, align: 'right' },
      { header: 'Due', key: 'due', width: 110 },
      { header: 'Paid when', key: 'gate' },
    ],
  },
  'table: conditions': {
    type: 'table',
    rows: 'conditions',
    empty: 'There are no conditions before the first payment.',
    columns: [
      { header: 'No.', key: 'sequence', width: 35 },
      { header: 'Condition', key: 'text' },
    ],
  },
  'table: funders': {
    type: 'table',
    rows: 'funders',
    empty: 'No funders are recorded for this grant.',
    columns: [
      { header: 'Funder', key: 'funderName' },
      { header: 'Pot', key: 'potName', width: 150 },
      { header: 'Amount', key: 'amount', width: 80, align: 'right' },
    ],
  },
}

let source: string | undefined

/** The letter's words (read once per process; the app runs from the repository root). */
export function offerLetterSource(): string {
  source ??= fs.readFileSync(path.join(process.cwd(), 'templates', 'offer', 'offer-letter.md'), 'utf8')
  return source
}

/**
 * Turns the letter's markdown into layout blocks, keeping {{merge fields}} for renderPdf to fill. Throws on a marker
 * the layout does not define, so a typo in the words fails the letter's test rather than printing nothing.
 */
export function offerLetterBlocks(markdown: string, flags: { accepted: boolean }): PdfBlock[] {
  const lines = markdown.replace(/<!--[\s\S]*?-->/g, '').split(/\r?\n/)
  const blocks: PdfBlock[] = []
  let paragraph: string[] = []
  let include = true
  const flush = () => {
    if (paragraph.length) blocks.push({ type: 'text', text: paragraph.join('\n') })
    if (paragraph.length) blocks.push({ type: 'space', lines: 0.5 })
    paragraph = []
  }
  for (const raw of lines) {
    const line = raw.trimEnd()
    const flag = /^\{\{([#^/])accepted\}\}$/.exec(line.trim())
    if (flag) {
      flush()
      include = flag[1] === '/' ? true : flag[1] === '#' ? flags.accepted : !flags.accepted
      continue
    }
    if (!include) continue
    const marker = /^\[(.+)\]$/.exec(line.trim())
    if (line.trim() === '') flush()
    else if (line.startsWith('# ')) {
      flush()
      blocks.push({ type: 'title', text: line.slice(2).trim() })
    } else if (line.startsWith('## ')) {
      flush()
      blocks.push({ type: 'heading', text: line.slice(3).trim() })
    } else if (marker) {
      flush()
      const block = BLOCKS[marker[1]!.trim()]
      if (!block) throw new Error(`The offer letter's words name a block the layout does not have: [${marker[1]}]`)
      blocks.push(block, { type: 'space', lines: 0.3 })
    } else paragraph.push(line)
  }
  flush()
  return blocks
}

/** The offer letter's layout; `accepted` adds the acceptance record (the letter re-issued after acceptance). */
export function offerLetterLayout(flags: { accepted: boolean }): PdfLayout {
  return {
    title: 'Grant offer {{awardReference}}: {{organisationName}}',
    size: 'A4',
    margin: 56,
    fontSize: 10,
    blocks: [
      ...offerLetterBlocks(offerLetterSource(), flags),
      { type: 'space', lines: 1 },
      { type: 'text', size: 8, muted: true, text: 'Produced by Commonpot for {{fundName}}. Award {{awardReference}}.' },
    ],
  }
}

/** The paragraphs of one section of the letter's words (by the start of its heading, e.g. "6."), for the offer page. */
export function offerLetterSection(headingStart: string): string[] {
  const blocks = offerLetterBlocks(offerLetterSource(), { accepted: false })
  const start = blocks.findIndex((b) => b.type === 'heading' && b.text.startsWith(headingStart))
  if (start < 0) return []
  const end = blocks.findIndex((b, i) => i > start && (b.type === 'heading' || b.type === 'title'))
  return blocks.slice(start + 1, end < 0 ? undefined : end).flatMap((b) => (b.type === 'text' ? [b.text] : []))
}
