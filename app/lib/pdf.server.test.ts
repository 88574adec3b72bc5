import { describe, expect, test } from 'vitest'
import { pdfText } from '../../tests/factories/pdf-text.ts'
import { pdfResponse, renderPdf, type PdfLayout } from './pdf.server.ts'

const layout: PdfLayout = {
  title: 'Statement for {{name}}',
  size: 'A4',
  margin: 50,
  fontSize: 10,
  blocks: [
    { type: 'title', text: 'Statement' },
    { type: 'fields', items: [{ label: 'Contributor', value: '{{name}}' }] },
    { type: 'table', rows: 'lines', empty: 'Nothing here.', columns: [{ header: 'What', key: 'what' }, { header: 'Amount', key: 'amount', align: 'right' }] },
    { type: 'table', rows: 'none', empty: 'No money moved in this period.', columns: [{ header: 'What', key: 'what' }] },
  ],
}


describe('renderPdf', () => {
  test('fills the layout with values and table rows, printing names in any European script as written', async () => {
    const pdf = await renderPdf(layout, { values: { name: 'Zoë Łódź & Ελλάδα <Trust>' }, tables: { lines: [{ what: 'Received', amount: '£1,250.50' }] } })
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
    const text = await pdfText(pdf)
    expect(text).toContain('Zoë Łódź & Ελλάδα <Trust>')
    expect(text).toContain('£1,250.50')
    expect(text).toContain('No money moved in this period.')
    expect(text).not.toContain('Nothing here.')
  })

  test('answers as a download with a safe file name', async () => {
    const response = pdfResponse(Buffer.from('%PDF-1.7'), 'statement "NHS" / 2026.pdf')
    expect(response.headers.get('Content-Type')).toBe('application/pdf')
    expect(response.headers.get('Content-Disposition')).toBe('attachment; filename="statement-NHS-2026.pdf"')
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array(Buffer.from('%PDF-1.7')))
  })
})
