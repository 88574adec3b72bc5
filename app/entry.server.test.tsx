import { Writable } from 'node:stream'
import { renderToPipeableStream } from 'react-dom/server'
import { describe, expect, test } from 'vitest'

/** Renders as entry.server.tsx does (renderToPipeableStream, piped once everything is ready) and returns the bytes. */
function streamed(element: React.ReactElement): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(Buffer.from(chunk))
        done()
      },
      final(done) {
        resolve(Buffer.concat(chunks))
        done()
      },
    })
    const { pipe } = renderToPipeableStream(element, { onAllReady: () => pipe(sink), onShellError: reject })
  })
}

describe('React server rendering (patches/react-dom+*.patch)', () => {
  // React 18.3 writes its whole 2,048-byte buffer when a multi-byte character (£, ’, é) does not fit at the end of it,
  // so the unused bytes reach the page as NUL characters (fixed in React 19). Our patch writes only the bytes filled.
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
})
