/**
 * The public face of the built app, with JavaScript on and off: each page renders with one main heading, passes axe,
 * and logs no browser errors (a CSP violation would be one); every response carries the security headers; the health
 * check reports the engine under test; a form post from another site is refused.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { appOrigin, engineUnderTest, fetchApp, newPage, visit } from './support/journey.ts'

const PUBLIC_PAGES = ['/', '/funding', '/login']

for (const javaScriptEnabled of [true, false]) {
  describe(`with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    for (const path of PUBLIC_PAGES) {
      test(`${path} shows one main heading, passes axe and logs no browser errors`, async () => {
        const page = await newPage({ javaScriptEnabled })
        await visit(page, path)
        expect(await page.locator('h1').count()).toBe(1)
        expect(await page.locator('h1').innerText()).not.toBe('')
      })
    }

    test('an unknown address shows a not-found page with one main heading that passes axe', async () => {
      const page = await newPage({ javaScriptEnabled })
      await visit(page, '/no-such-page', { status: 404 })
      expect(await page.locator('h1').count()).toBe(1)
    })
  })
}

describe('security headers', () => {
  for (const path of PUBLIC_PAGES) {
    test(`${path} is served with a nonce-based content security policy and anti-framing headers`, async () => {
      const res = await fetchApp(path)
      expect(res.status).toBe(200)
      const csp = res.headers.get('content-security-policy') ?? ''
      const nonce = /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1]
      expect(nonce, `CSP: ${csp}`).toBeDefined()
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).not.toContain('unsafe-inline')
      expect(await res.text()).toContain(`nonce="${nonce}"`)
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('referrer-policy')).toBe('same-origin')
    })
  }

  test('every response gets a new nonce', async () => {
    const nonces = await Promise.all(
      [1, 2].map(async () => (await fetchApp('/login')).headers.get('content-security-policy')?.match(/'nonce-([^']+)'/)?.[1]),
    )
    expect(nonces[0]).toBeDefined()
    expect(nonces[0]).not.toBe(nonces[1])
  })
})

test('the health check answers ok and names the database engine under test', async () => {
  const res = await fetchApp('/healthz')
  expect(res.status).toBe(200)
  expect(res.headers.get('cache-control')).toBe('no-store')
  expect(await res.json()).toMatchObject({ status: 'ok', database: engineUnderTest() })
})

describe('cross-site requests', () => {
  const form = () => ({ 'Content-Type': 'application/x-www-form-urlencoded' })
  const body = () => new URLSearchParams({ email: 'someone@example.org', password: 'not-their-password' })

  test('a form post from another site is refused with 403', async () => {
    const res = await fetchApp('/login', { method: 'POST', headers: { ...form(), Origin: 'https://evil.example' }, body: body() })
    expect(res.status).toBe(403)
    expect(await res.text()).toContain('did not come from a Commonpot page')
  })

  test('a form post with neither Origin nor Referer is refused with 403', async () => {
    const res = await fetchApp('/login', { method: 'POST', headers: form(), body: body() })
    expect(res.status).toBe(403)
  })

  test('a form post from the app itself gets past the origin check', async () => {
    const res = await fetchApp('/login', { method: 'POST', headers: { ...form(), Origin: appOrigin() }, body: body() })
    expect(res.status).not.toBe(403)
    expect(res.status).toBeLessThan(500)
  })
})

test('the browser build has no chunk made only of emptied server modules, which pages would preload for nothing', () => {
  // A route's imports of `.server` modules serve its loader and action; Remix swaps each for an empty module in the
  // browser build, and without patches/@remix-run+dev (the empty module marked free of side effects) esbuild kept
  // every such import, as a 100-byte chunk of its own: 8 of the pot dashboard's 28 preloads.
  const metafile = JSON.parse(fs.readFileSync(path.join(process.cwd(), 'build', 'metafile.js.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>
  }
  const chunks = Object.entries(metafile.outputs).filter(([file]) => file.endsWith('.js'))
  expect(chunks.length).toBeGreaterThan(100)
  const emptied = chunks.filter(([, output]) => Object.keys(output.inputs).some((input) => input.startsWith('empty-module:')))
  expect(emptied.map(([file]) => file)).toEqual([])
})
