import { Writable } from 'node:stream'
import { renderToPipeableStream } from 'react-dom/server'
import { describe, expect, test } from 'vitest'
import { renderDocument } from './lib/render-document.server.ts'

/** Renders as entry.server.tsx does (renderDocument: the whole page, once everything is ready) and returns the bytes. */
async function streamed(element: React.ReactElement): Promise<Buffer> {
  return Buffer.from((await renderDocument(element, { timeout: 1000 })).body)
}

describe('React server rendering (patches/react-dom+*.patch)', () => {
  // React 18.3 writes its whole 2,048-byte buffer when a multi-byte character (£, ’, é) does not fit at the end of it,
  // so the unused bytes reach the page as NUL characters (fixed in React 19). Our patch writes strings, never views.
  test('a multi-byte character across the 2,048-byte buffer boundary reaches the page whole, with no NUL byte', async () => {
    // Short text runs (a long one is encoded apart) of amounts in pounds, shifted a byte at a time so that, on one of
    // the shifts, a £ falls across the end of React's buffer.
    for (let shift = 0; shift < 8; shift++) {
      const items = Array.from({ length: 300 }, (_, i) => `£${i},250 for the group’s café`)
      const bytes = await streamed(
        <ul>
          <li>{'x'.repeat(shift)}</li>
          {items.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>,
      )
      expect(bytes.includes(0), `NUL byte with a shift of ${shift}`).toBe(false)
      expect(bytes.toString('utf8')).toBe(`<ul><li>${'x'.repeat(shift)}</li>${items.map((item) => `<li>${item}</li>`).join('')}</ul>`)
    }
  })

  // Our patch joins a flush's chunks into one string and writes it once: React 18.3 encoded each chunk (most a few
  // bytes) into a 2 KB view and wrote every full view, which cost more than the rest of rendering a long table.
  test('a page is written to the destination in one piece per flush, not in 2 KB views', async () => {
    const writes: number[] = []
    const rows = Array.from({ length: 500 }, (_, i) => `Row ${i}: £${i},250`)
    const html = await new Promise<string>((resolve, reject) => {
      const parts: Buffer[] = []
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          writes.push(chunk.byteLength)
          parts.push(chunk)
          done()
        },
        final(done) {
          resolve(Buffer.concat(parts).toString('utf8'))
          done()
        },
      })
      const { pipe } = renderToPipeableStream(
        <table>
          <tbody>
            {rows.map((row) => (
              <tr key={row} className="row">
                <td>{row}</td>
              </tr>
            ))}
          </tbody>
        </table>,
        { onAllReady: () => pipe(sink), onShellError: reject },
      )
    })
    expect(html).toBe(`<table><tbody>${rows.map((row) => `<tr class="row"><td>${row}</td></tr>`).join('')}</tbody></table>`)
    expect(writes.length).toBe(1)
    expect(writes[0]).toBeGreaterThan(10 * 2048)
  })
})
