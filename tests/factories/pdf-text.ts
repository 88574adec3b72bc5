/** The text of a generated PDF (a Buffer, or a Response carrying one), read with pdf-parse, for tests to assert on. */
import { PDFParse } from 'pdf-parse'

export async function pdfText(pdf: Buffer | Response): Promise<string> {
  const data = pdf instanceof Response ? new Uint8Array(await pdf.arrayBuffer()) : new Uint8Array(pdf)
  const parser = new PDFParse({ data })
  try {
    return (await parser.getText()).text
  } finally {
    await parser.destroy()
  }
}
