import { Suspense } from 'react'
import { describe, expect, test, vi } from 'vitest'
import { renderDocument } from './render-document.server.ts'

/** Text that is not ready yet: the component suspends (React 18 throws the promise) until it arrives. */
function later(ms: number | null): { read(): string } {
  let value: string | undefined
  const promise = ms === null ? new Promise<void>(() => {}) : new Promise<void>((resolve) => setTimeout(() => ((value = 'The data arrived'), resolve()), ms))
  return {
    read() {
      if (value === undefined) throw promise
      return value
    },
  }
}

function Later({ text }: { text: { read(): string } }) {
  return <p>{text.read()}</p>
}

function Broken(): never {
  throw new Error('this part of the page could not be drawn')
}

describe('renderDocument', () => {
  test('waits for every Suspense boundary and returns the whole page as one body', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => `Row ${i}: £${i},250 to the group’s café`)
    const rendered = await renderDocument(
      <main>
        <Suspense fallback={<p>Loading</p>}>
          <Later text={later(20)} />
        </Suspense>
        <ul>
          {rows.map((row) => (
            <li key={row}>{row}</li>
          ))}
        </ul>
      </main>,
      { timeout: 1000 },
    )
    const html = new TextDecoder().decode(rendered.body)
    expect(rendered.failed).toBe(false)
    // Many of React's 2 KB pieces, in order, and the suspended part resolved in place rather than as its fallback.
    expect(rendered.body.byteLength).toBeGreaterThan(8 * 2048)
    expect(html).toBe(`<main><!--$--><p>The data arrived</p><!--/$--><ul>${rows.map((row) => `<li>${row}</li>`).join('')}</ul></main>`)
    expect(rendered.body.includes(0)).toBe(false)
  })

  test('a part that fails inside a boundary is reported, and the page is marked failed', async () => {
    const errors: unknown[] = []
    const rendered = await renderDocument(
      <main>
        <h1>Payments due</h1>
        <Suspense fallback={<p>Loading</p>}>
          <Broken />
        </Suspense>
      </main>,
      { timeout: 1000, onError: (error) => errors.push(error) },
    )
    expect(rendered.failed).toBe(true)
    expect(errors).toHaveLength(1)
    expect(new TextDecoder().decode(rendered.body)).toContain('<h1>Payments due</h1>')
  })

  test('a shell that cannot render rejects, so Remix shows its error page', async () => {
    await expect(renderDocument(<Broken />, { timeout: 1000 })).rejects.toThrow('this part of the page could not be drawn')
  })

  test('a part still waiting at the timeout is abandoned: the page is sent, marked failed, and React stops', async () => {
    // React 18's development build warns that it closed with an abortable task left (a false alarm its production
    // build does not print); anything else on console.error is still a failure.
    const logged: string[] = []
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')))
    const rendered = await renderDocument(
      <main>
        <Suspense fallback={<p>Loading</p>}>
          <Later text={later(null)} />
        </Suspense>
      </main>,
      { timeout: 30 },
    )
    expect(rendered.failed).toBe(true)
    expect(new TextDecoder().decode(rendered.body)).toContain('<p>Loading</p>')
    expect(logged.filter((line) => !line.includes('There was still abortable task at the root when we closed'))).toEqual([])
  })
})
