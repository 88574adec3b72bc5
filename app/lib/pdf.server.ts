/**
 * PDF documents from data-driven layouts (templates/pdf/*.ts) with pdfkit. A layout lists blocks (headings, text
 * with {{placeholders}}, label-value lists, tables); renderPdf fills them from plain strings and rows, so the code that
 * gathers figures never positions text, and the layout never computes anything.
 *
 * Fonts: pdfkit's built-in fonts are Latin-1 only, so we embed Noto Sans (SIL Open Font Licence), shipped as TTF by the
 * `@expo-google-fonts/noto-sans` npm package. It covers Latin (all European languages), Greek, Cyrillic and
 * Vietnamese: "Zoë", "Łódź" and "Ελλάδα" print as written. Scripts it does not cover (Arabic, Chinese, Devanagari,
 * ...) print as empty boxes; add the matching Noto family here if a funder needs them.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import * as fontkit from 'fontkit'
import Mustache from 'mustache'
import PDFDocument from 'pdfkit'

const require = createRequire(import.meta.url)
const FONT_FILES = {
  regular: require.resolve('@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf'),
  bold: require.resolve('@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf'),
}
// pdfkit takes a parsed fontkit font at run time (it checks for `layout`), though its types list only bytes and names.
type Font = fontkit.Font & PDFKit.Mixins.PDFFontSource
let fonts: { regular: Font; bold: Font } | undefined

function parseFont(file: string): Font {
  const font = fontkit.create(fs.readFileSync(file))
  if (!('layout' in font)) throw new Error(`${file} is a font collection, not a single font`)
  return withSharedLayouts(font as Font)
}

/** How many shaped words each font keeps for the next document (oldest forgotten first): a few MB at most. */
export const SHAPED_WORDS_KEPT = 10_000

/**
 * The font with its shaping shared by every document. pdfkit shapes text a word at a time (fontkit's OpenType layout:
 * ligatures, kerning) and remembers the words only for the document in hand, so every letter shaped the same few
 * hundred words again: about 60% of an offer letter's time. Here each word is shaped once per process and each
 * document gets its own copy of the result (pdfkit scales the positions it is given in place), so every document is
 * laid out exactly as before. Layouts with extra features are not kept.
 */
function withSharedLayouts(font: Font): Font {
  const shaped = new Map<string, fontkit.GlyphRun>()
  const shared = Object.create(font) as Font
  shared.layout = (text: string, ...rest: unknown[]) => {
    if (rest.some((r) => r !== undefined)) return (font.layout as (...a: unknown[]) => fontkit.GlyphRun)(text, ...rest)
    let run = shaped.get(text)
    if (!run) {
      run = font.layout(text)
      if (shaped.size >= SHAPED_WORDS_KEPT) shaped.delete(shaped.keys().next().value!)
      shaped.set(text, run)
    }
    return copyOf(run)
  }
  return shared
}

/** A copy of a shaped run that pdfkit may change: its own positions; the glyphs, which it only reads, shared. */
function copyOf(run: fontkit.GlyphRun): fontkit.GlyphRun {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(run) as object) as fontkit.GlyphRun, run)
  copy.positions = run.positions.map((p) => Object.assign(Object.create(Object.getPrototypeOf(p) as object) as fontkit.GlyphPosition, p))
  return copy
}

/**
 * The fonts, read and parsed once per process. Handing pdfkit the file's bytes made it parse the font's tables again
 * for every document, about 300 ms of a 350 ms offer letter; pdfkit accepts a parsed fontkit font (the same fontkit it
 * uses itself) and still embeds only the glyphs each document uses.
 */
function loadFonts(): { regular: Font; bold: Font } {
  fonts ??= { regular: parseFont(FONT_FILES.regular), bold: parseFont(FONT_FILES.bold) }
  return fonts
}

export interface PdfTableColumn {
  header: string
  /** The key of the value in each row. */
  key: string
  /** Points, or a share such as '*' (pdfkit's table widths). */
  width?: number | string
  align?: 'left' | 'right'
}

export type PdfBlock =
  /** The document's one big heading. */
  | { type: 'title'; text: string }
  | { type: 'heading'; text: string }
  /** A paragraph; `size` in points (default the layout's fontSize); `muted` prints it grey. */
  | { type: 'text'; text: string; size?: number; muted?: boolean }
  /** Label: value lines, e.g. "Contributor: NHS South West London ICB". */
  | { type: 'fields'; items: Array<{ label: string; value: string }> }
  /** A table of the rows in `data.tables[rows]`; `empty` is printed instead when there are none. */
  | { type: 'table'; rows: string; columns: PdfTableColumn[]; empty: string }
  | { type: 'space'; lines: number }
  /** A horizontal bar chart drawn with vector calls from `data.charts[chart]`; `empty` is printed when it has no rows. */
  | { type: 'chart'; chart: string; empty: string }

export interface PdfLayout {
  /** The document title in the PDF's properties; may hold {{placeholders}}. */
  title: string
  size: 'A4'
  /** Page margin in points. */
  margin: number
  fontSize: number
  blocks: PdfBlock[]
}

export interface PdfData {
  /** Values for {{placeholders}} in the layout's text (inserted as they are: a PDF has no HTML to escape). */
  values: Record<string, string>
  tables: Record<string, Array<Record<string, string>>>
  charts?: Record<string, PdfChart>
}

/**
 * A horizontal bar chart: per group (a row), one bar per series side by side, each labelled with its text. A group
 * with a scale is drawn from its minimum to its maximum (e.g. a measure's range); otherwise from 0 to the largest value.
 */
export interface PdfChart {
  /** Named in a legend when there is more than one. */
  series: Array<{ label: string; colour: string }>
  groups: Array<{ label: string; values: number[]; texts: string[]; scale?: { min: number; max: number }; note?: string }>
}

const fill = (text: string, values: Record<string, string>): string => Mustache.render(text, values, {}, { escape: (value: string) => value })

function drawBlock(doc: PDFKit.PDFDocument, layout: PdfLayout, block: PdfBlock, data: PdfData): void {
  switch (block.type) {
    case 'title':
      doc.font('bold').fontSize(layout.fontSize * 2).fillColor('black').text(fill(block.text, data.values))
      doc.moveDown(0.5)
      return
    case 'heading':
      doc.moveDown(0.5)
      doc.font('bold').fontSize(layout.fontSize * 1.3).fillColor('black').text(fill(block.text, data.values))
      doc.moveDown(0.3)
      return
    case 'text':
      doc.font('regular').fontSize(block.size ?? layout.fontSize).fillColor(block.muted ? '#505a5f' : 'black').text(fill(block.text, data.values))
      return
    case 'fields':
      for (const item of block.items) {
        doc.font('bold').fontSize(layout.fontSize).fillColor('black').text(`${fill(item.label, data.values)}: `, { continued: true })
        doc.font('regular').text(fill(item.value, data.values))
      }
      return
    case 'table':
      drawTable(doc, layout, block, data.tables[block.rows] ?? [])
      return
    case 'space':
      doc.moveDown(block.lines)
      return
    case 'chart':
      drawChart(doc, layout, block, data.charts?.[block.chart])
      return
  }
}

function drawChart(doc: PDFKit.PDFDocument, layout: PdfLayout, block: Extract<PdfBlock, { type: 'chart' }>, chart: PdfChart | undefined): void {
  const size = layout.fontSize * 0.85
  doc.font('regular').fontSize(size).fillColor('black')
  if (!chart || chart.groups.length === 0) {
    doc.text(block.empty)
    return
  }
  const left = layout.margin
  const labelWidth = 150
  const plotLeft = left + labelWidth
  const plotWidth = doc.page.width - 2 * layout.margin - labelWidth - 50
  const barHeight = 11
  const hasScale = chart.groups.some((g) => g.scale)
  const groupHeight = chart.series.length * barHeight + (hasScale ? size + 4 : 0) + 8
  const max = Math.max(1e-9, ...chart.groups.flatMap((g) => g.values))
  const bottom = () => doc.page.height - doc.page.margins.bottom
  if (chart.series.length > 1) {
    let x = plotLeft
    const y = doc.y
    for (const s of chart.series) {
      doc.rect(x, y + 1, 9, 9).fillAndStroke(s.colour, '#0b0c0c')
      doc.fillColor('black').text(s.label, x + 13, y, { lineBreak: false })
      x += 13 + doc.widthOfString(s.label) + 18
    }
    doc.y = y + barHeight + 6
  }
  for (const g of chart.groups) {
    if (doc.y + groupHeight > bottom()) doc.addPage()
    const y = doc.y
    doc.fillColor('black').text(g.label, left, y + 1, { width: labelWidth - 8, height: chart.series.length * barHeight, ellipsis: true })
    g.values.forEach((value, i) => {
      const min = g.scale?.min ?? 0
      const top = g.scale?.max ?? max
      const w = Math.max(0.5, Math.max(0, Math.min(1, (value - min) / Math.max(1e-9, top - min))) * plotWidth)
      const by = y + i * barHeight
      doc.rect(plotLeft, by, w, barHeight - 2).fillAndStroke(chart.series[i]?.colour ?? '#1d5c9e', '#0b0c0c')
      doc.fillColor('black').text(g.texts[i] ?? String(value), plotLeft + w + 4, by, { lineBreak: false })
    })
    if (g.scale) doc.fillColor('#505a5f').text(`Scale ${g.scale.min} to ${g.scale.max}${g.note ? ` ${g.note}` : ''}`, plotLeft, y + chart.series.length * barHeight + 1, { lineBreak: false })
    doc.x = left
    doc.y = y + groupHeight
  }
  doc.fillColor('black')
  doc.x = layout.margin
  doc.moveDown(0.5)
}

function drawTable(doc: PDFKit.PDFDocument, layout: PdfLayout, block: Extract<PdfBlock, { type: 'table' }>, rows: Array<Record<string, string>>): void {
  doc.font('regular').fontSize(layout.fontSize).fillColor('black')
  if (rows.length === 0) {
    doc.text(block.empty)
    return
  }
  const header = block.columns.map((c) => ({ text: c.header, type: 'TH' as const, font: { src: 'bold' }, align: { x: c.align ?? 'left' } as const }))
  const body = rows.map((row) => block.columns.map((c) => ({ text: row[c.key] ?? '', align: { x: c.align ?? 'left' } as const })))
  doc.table({
    columnStyles: block.columns.map((c) => ({ width: c.width ?? '*' })),
    defaultStyle: { border: { bottom: 0.5 }, borderColor: { bottom: '#b1b4b6' }, padding: [4, 4, 4, 4] },
    data: [header, ...body],
  })
  doc.x = layout.margin
  doc.moveDown(0.5)
}

/** Renders the layout with the data into a PDF and resolves to its bytes. */
export function renderPdf(layout: PdfLayout, data: PdfData): Promise<Buffer> {
  const doc = new PDFDocument({ size: layout.size, margin: layout.margin, info: { Title: fill(layout.title, data.values), Author: 'Commonpot' }, lang: 'en-GB', displayTitle: true })
  const { regular, bold } = loadFonts()
  // Each font is registered with a family name, which pdfkit ignores for a parsed font but uses as the key of the
  // document's open fonts: without it, a table putting back the font it found (every cell, measured and drawn) named
  // the font by itself, matched no key, and pdfkit opened it again and compared the two fonts' name tables as JSON.
  doc.registerFont('regular', regular, 'regular')
  doc.registerFont('bold', bold, 'bold')
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk))
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  for (const block of layout.blocks) drawBlock(doc, layout, block, data)
  doc.end()
  return done
}

/** A download response for a PDF; the filename is reduced to safe characters. */
export function pdfResponse(pdf: Buffer, filename: string): Response {
  const safe = filename.replace(/[^A-Za-z0-9._-]+/g, '-')
  return new Response(new Uint8Array(pdf), {
    headers: {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="${safe}"`,
      'Content-Length': String(pdf.length),
      'Cache-Control': 'private, no-store',
    },
  })
}
