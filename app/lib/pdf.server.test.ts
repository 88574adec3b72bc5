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

  test('a document laid out from words another document already used is the same, byte for byte, as the first time', async () => {
    // Words shaped for one document are kept for the next; each document must still get exactly its own layout and
    // its own font subset. Only the creation time and the file ID (made from it) may differ between renders.
    const dated = (pdf: Buffer) => pdf.toString('latin1').replace(/\(D:\d+Z\)/g, '(D)').replace(/\/ID \[<[0-9a-f]+> <[0-9a-f]+>\]/g, '/ID')
    const data = { values: { name: 'Wandle Singers, Merton' }, tables: { lines: [{ what: 'Received', amount: '£1,250.50' }, { what: 'Paid out', amount: '£99.00' }] } }
    const first = await renderPdf(layout, data)
    const other = await renderPdf(layout, { values: { name: 'Zoë Łódź Singers' }, tables: { lines: [{ what: 'Received in full', amount: '£7.00' }] } })
    const again = await renderPdf(layout, data)
    expect(dated(again)).toBe(dated(first))
    expect(dated(other)).not.toBe(dated(first))
    const text = await pdfText(other)
    expect(text).toContain('Zoë Łódź Singers')
    expect(text).toContain('Received in full')
    expect(text).not.toContain('Wandle')
  })

  test('answers as a download with a safe file name', async () => {
    const response = pdfResponse(Buffer.from('%PDF-1.7'), 'statement "NHS" / 2026.pdf')
    expect(response.headers.get('Content-Type')).toBe('application/pdf')
    expect(response.headers.get('Content-Disposition')).toBe('attachment; filename="statement-NHS-2026.pdf"')
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array(Buffer.from('%PDF-1.7')))
  })
})
