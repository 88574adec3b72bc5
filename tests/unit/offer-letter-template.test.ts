import Mustache from 'mustache'
import { describe, expect, test } from 'vitest'
import { offerLetterBlocks, offerLetterLayout, offerLetterSource } from '../../templates/pdf/offer-letter.ts'
import { offerLetterPdfData, type OfferLetterData } from '../../app/domain/awards/offer-letter.server.ts'
import { renderPdf, type PdfBlock } from '../../app/lib/pdf.server.ts'
import { pdfText } from '../factories/pdf-text.ts'

const DATA: OfferLetterData = {
  awardId: 7,
  awardReference: 'TCF-2026-00042-AWD',
  applicationReference: 'TCF-2026-00042',
  organisationId: 3,
  organisationName: 'Zoë’s Hackney Food Hub',
  organisationAddress: '1 Mare Street, London, E8 1AA',
  projectTitle: 'Lunch club for older neighbours',
  fundName: 'Healthy Communities',
  roundId: 2,
  roundTitle: 'Thriving Communities 2026/27',
  amountPence: 500_000,
  amount: '£5,000.00',
  offerDate: '2026-12-01',
  offerDateText: '1 December 2026',
  respondBy: '2026-12-29',
  respondByText: '29 December 2026',
  scheduleKind: 'instalments',
  scheduleSummary: 'The grant is paid in 2 instalments.',
  offerUrl: 'https://commonpot.example/awards/7',
  tranches: [
    { sequence: 1, amountPence: 300_000, amount: '£3,000.00', dueDate: '2027-01-04', due: '4 January 2027', paidWhen: 'Once you have accepted this offer' },
    { sequence: 2, amountPence: 200_000, amount: '£2,000.00', dueDate: '2027-06-01', due: '1 June 2027', paidWhen: 'Once condition 1 is met' },
  ],
  conditions: [{ sequence: 1, text: 'Send us your food hygiene certificate' }],
  funders: [{ funderName: 'NHS South West London ICB', potName: 'South West London pot', amountPence: 500_000, amount: '£5,000.00' }],
}
const ACCEPTANCE = { name: 'Ada Okafor', role: 'Treasurer', acceptedAt: '2026-12-02T14:05:00.000Z', declaration: 'I confirm it.', originalSha256: 'ab'.repeat(32) }

function mergeFields(spans: ReturnType<typeof Mustache.parse>, found = new Set<string>()): Set<string> {
  for (const span of spans) {
    if (span[0] === 'name' || span[0] === '&') found.add(span[1])
    if (Array.isArray(span[4])) mergeFields(span[4], found)
  }
  return found
}

const headings = (blocks: PdfBlock[]) => blocks.filter((b) => b.type === 'heading').map((b) => (b as { text: string }).text)

describe('the offer letter template', () => {
  test('every merge field in the words has a value, before and after acceptance', () => {
    const source = offerLetterSource().replace(/<!--[\s\S]*?-->/g, '')
    const values = offerLetterPdfData(DATA, ACCEPTANCE).values
    const missing = [...mergeFields(Mustache.parse(source))].filter((name) => !(name in values))
    expect(missing).toEqual([])
    const layout = offerLetterLayout({ accepted: true })
    const tables = offerLetterPdfData(DATA, ACCEPTANCE).tables
    for (const block of layout.blocks) if (block.type === 'table') expect(Object.keys(tables)).toContain(block.rows)
  })

  test('has the sections the issue asks for, with the acceptance block only in the letter re-issued after acceptance', () => {
    const offer = headings(offerLetterLayout({ accepted: false }).blocks)
    expect(offer).toEqual([
      '1. Our offer',
      '2. What the money is for',
      '3. Payment schedule',
      '4. Conditions before first payment',
      '5. Who funds this grant',
      '6. Terms and conditions',
      '7. Accepting this offer',
    ])
    const accepted = offerLetterLayout({ accepted: true }).blocks
    expect(headings(accepted).at(-1)).toBe('7. Acceptance')
    expect(accepted.some((b) => b.type === 'fields' && b.items.some((i) => i.label === 'Accepted by'))).toBe(true)
    expect(offerLetterLayout({ accepted: false }).blocks.some((b) => b.type === 'fields' && b.items.some((i) => i.label === 'Accepted by'))).toBe(false)
  })

  test('numbers the terms: use of funds, reporting, publicity and 360Giving, safeguarding, repayment, data protection', () => {
    const texts = offerLetterLayout({ accepted: false }).blocks.flatMap((b) => (b.type === 'text' ? [b.text] : []))
    const terms = texts.filter((t) => /^\d\. /.test(t)).map((t) => t.split('.').slice(0, 2).join('.'))
    expect(terms).toEqual(['1. Use of funds', '2. Reporting', '3. Publicity and open data', '4. Safeguarding', '5. Repayment if misused', '6. Data protection'])
    expect(texts.join(' ')).toContain('360Giving')
  })

  test('a marker the layout does not define is refused', () => {
    expect(() => offerLetterBlocks('# Title\n\n[table: bank details]\n', { accepted: false })).toThrow(/\[table: bank details\]/)
  })

  test('prints the merge data, accents included, and the acceptance record', async () => {
    const text = (await pdfText(await renderPdf(offerLetterLayout({ accepted: true }), offerLetterPdfData(DATA, ACCEPTANCE)))).replace(/\s+/g, ' ')
    expect(text).toContain('Zoë’s Hackney Food Hub')
    expect(text).toContain('Send us your food hygiene certificate')
    expect(text).toContain('NHS South West London ICB')
    expect(text).toContain('Accepted at (UK time): 14:05 on 2 December 2026')
    expect(text).toContain('Role: Treasurer')
    expect(text).not.toContain('{{')
  })
})
