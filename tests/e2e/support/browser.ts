/**
 * Debian's Chromium, driven by playwright-core, for journeys written as a person uses the app.
 *
 *   const page = await newPage({ javaScriptEnabled: false })
 *   await visit(page, '/login')                          // goes there, expects 200, runs axe
 *   await page.getByLabel('Email address').fill(email)
 *   await page.getByRole('button', { name: 'Sign in' }).click()
 *   await landOn(page, '/home')                          // waits for the URL, runs axe
 *
 * Every page made by `newPage` is watched until the end of its test (tests/e2e/support/setup-journey.ts closes it):
 * - a console error or uncaught page error (CSP violations show up here) fails the test;
 * - every URL the page's main frame showed must have been checked with axe (`visit`, `landOn` or `checkA11y` do it),
 *   or the test fails naming the pages that were not.
 * axe cannot run where JavaScript is off (it injects a script and waits for ever), so a JavaScript-off page is checked
 * in a JavaScript-on twin context with the same cookies, serving the exact HTML the JavaScript-off page shows.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { AxeBuilder } from '@axe-core/playwright'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page, type Response } from 'playwright-core'
import { expect } from 'vitest'
import { journeyEnvironment } from './provided.ts'
import { allowServerErrors } from './server-log.ts'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
]

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

// The twin that stands in for a JavaScript-off page keeps scripts off (so the DOM stays as the server sent it) and
// styles as strict as the app's own policy (so an inline style is as absent as it is for the real page).
const TWIN_CSP = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'"

const FAILURES_DIR = path.resolve('.cache/e2e/failures')

/** A new Chromium; the caller closes it. Journeys normally use `newPage`, which shares one browser per test file. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS })
}

let sharedBrowser: Promise<Browser> | undefined

function browser(): Promise<Browser> {
  sharedBrowser ??= launchBrowser()
  return sharedBrowser
}

export async function closeSharedBrowser(): Promise<void> {
  const pending = sharedBrowser
  sharedBrowser = undefined
  await (await pending)?.close()
}

interface WatchedPage {
  javaScriptEnabled: boolean
  /** Pages (path and query) the main frame has shown. */
  visited: Set<string>
  /** Pages axe has checked. */
  checked: Set<string>
  consoleErrors: string[]
  allowedConsoleErrors: RegExp[]
}

const watched = new Map<Page, WatchedPage>()

function pageKey(url: string): string | undefined {
  const u = new URL(url)
  return u.protocol === 'http:' || u.protocol === 'https:' ? `${u.pathname}${u.search}` : undefined
}

export interface NewPageOptions {
  javaScriptEnabled?: boolean
  /** Cookies to start with, e.g. `await otherPage.context().storageState()`. */
  storageState?: BrowserContextOptions['storageState']
}

/** A page in its own fresh context (its own cookies), pointed at the app under test, watched until the test ends. */
export async function newPage({ javaScriptEnabled = true, storageState }: NewPageOptions = {}): Promise<Page> {
  const context = await (await browser()).newContext({
    baseURL: journeyEnvironment().baseUrl,
    javaScriptEnabled,
    storageState,
    locale: 'en-GB',
    timezoneId: 'Europe/London',
  })
  const page = await context.newPage()
  const state: WatchedPage = { javaScriptEnabled, visited: new Set(), checked: new Set(), consoleErrors: [], allowedConsoleErrors: [] }
  state.consoleErrors = collectConsoleErrors(page)
  page.on('framenavigated', (frame) => {
    const key = frame === page.mainFrame() ? pageKey(frame.url()) : undefined
    if (key) state.visited.add(key)
  })
  watched.set(page, state)
  return page
}

/**
 * Collects the page's console errors and uncaught errors as readable lines (the array fills as they happen).
 * Pages from `newPage` are collected already, and any such error fails the test at its end.
 */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() !== 'error') return
    const where = message.location().url
    if (isAnsweredRequest(message.text(), where)) return
    errors.push(`console.error: ${message.text()}${where ? ` (${where})` : ''}`)
  })
  page.on('pageerror', (error) => errors.push(`uncaught ${error.name}: ${error.message}`))
  return errors
}

/**
 * Chromium logs "Failed to load resource: ... status of 400" for every 4xx response, including a form redisplayed
 * with its errors (400), a conflict (409), throttling (429) or a not-found page: the app answering as designed.
 * Those are ignored for documents and Remix data requests; a 4xx for a stylesheet, script or image is still an error.
 */
function isAnsweredRequest(text: string, url: string): boolean {
  if (!/^Failed to load resource: the server responded with a status of 4\d\d\b/.test(text) || !url) return false
  const { pathname } = new URL(url)
  return pathname.endsWith('.data') || !/\.[a-z0-9]+$/i.test(pathname)
}

/** The current test expects console errors that match `pattern` on this page (e.g. a page that is meant to fail with a 500). */
export function allowConsoleErrors(page: Page, pattern: RegExp): void {
  watched.get(page)?.allowedConsoleErrors.push(pattern)
}

/**
 * Opens `path`, expects the given HTTP status (200 unless told), and checks the page with axe. Expecting a 404 also
 * allows Remix's log line for an unknown URL.
 */
export async function visit(page: Page, path: string, { status = 200 }: { status?: number } = {}): Promise<Response | null> {
  if (status >= 500) allowConsoleErrors(page, new RegExp(`status of ${status}\\b`))
  if (status === 404) allowServerErrors(/No route matches URL/)
  const response = await page.goto(path)
  expect(response?.status(), `GET ${path}`).toBe(status)
  await checkA11y(page)
  return response
}

interface PendingSubmission {
  /** JavaScript on: how many client-side navigations had finished before the click (see useSettledNavigationMarker). */
  settledBefore?: string
  /** JavaScript off: the document the submission loads. */
  navigated?: Promise<unknown>
}

const pendingSubmissions = new Map<Page, PendingSubmission>()

/**
 * Call just before clicking something that submits a form: the next `landOn` then waits for the page that submission
 * brings, even when it is at the same address (a form that redirects back to itself) and even while the address has
 * changed but React has not yet drawn the new page.
 */
export async function expectSubmission(page: Page): Promise<void> {
  if (watched.get(page)?.javaScriptEnabled === false) {
    const navigated = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() })
    navigated.catch(() => undefined)
    pendingSubmissions.set(page, { navigated })
    return
  }
  const settledBefore = await page.evaluate(() => {
    ;(window as unknown as { journeySubmitting?: boolean }).journeySubmitting = true
    return document.documentElement.dataset.navigationsSettled ?? '0'
  })
  pendingSubmissions.set(page, { settledBefore })
}

/**
 * Waits until the page shows `path` (path, or path and query), e.g. after a form's redirect, and checks it with axe.
 * With JavaScript on it waits for the page to be drawn, not only for the address to change.
 */
export async function landOn(page: Page, path: string): Promise<void> {
  const pending = pendingSubmissions.get(page)
  pendingSubmissions.delete(page)
  if (pending?.navigated) await pending.navigated
  await page.waitForURL((url) => (path.includes('?') ? `${url.pathname}${url.search}` : url.pathname) === path)
  await page.waitForLoadState('load')
  if (watched.get(page)?.javaScriptEnabled !== false) {
    await page.waitForFunction(
      ([want, settledBefore]) => {
        const html = document.documentElement
        const submitting = (window as unknown as { journeySubmitting?: boolean }).journeySubmitting
        if (settledBefore !== undefined && submitting && (html.dataset.navigationsSettled ?? '0') === settledBefore) return false
        const shown = html.dataset.location
        // Not hydrated yet: the document is the server's answer for this address.
        if (shown === undefined) return true
        return (want.includes('?') ? shown : shown.split('?')[0]) === want
      },
      [path, pending?.settledBefore] as const,
    )
  }
  await checkA11y(page)
}

/**
 * Documents axe has already passed in this process, by a fingerprint of their shape (pageShape): the same page seen
 * again (the sign-in page, a person's home page, a form shown with a new form key or another bid's figures) gives
 * axe the same result, so it is checked once, not at every visit. Any difference of structure means a fresh check.
 */
const passedDocuments = new Set<string>()

function documentFingerprint(mode: 'on' | 'off', url: string, html: string): string {
  const address = url.split('#')[0]!.replace(/\d+/g, '0')
  return crypto.createHash('sha256').update(`${mode}\n${address}\n${pageShape(html)}`).digest('hex')
}

/**
 * The markup as axe sees it, without what changes between two showings of the same page and never changes axe's
 * verdict: the CSP nonce, the words of each text run (kept: whether there is any, so an empty link or heading still
 * counts), the value of form fields (one-time form keys, what was typed; kept: empty or not) and the numbers in
 * addresses (links, form actions). Elements, attributes (ids and labels' targets whole, so a duplicate id still
 * counts), classes and the stylesheet's name all stay, so any change of structure or style is checked afresh.
 * Without this, every form page was new to axe on every showing (its form key differs).
 */
export function pageShape(markup: string): string {
  return markup
    .replace(/ nonce="[^"]*"/g, '')
    .replace(/ value="[^"]+"/g, ' value="v"')
    .replace(/>[^<]*[^\s<][^<]*</g, '>T<')
    .replace(/ (href|action|src)="[^"]*"/g, (address) => address.replace(/\d+/g, '0'))
}

/**
 * E2E_AXE=skip leaves axe out of this run (the checks below still wait for each page to settle). CI sets it for the
 * PostgreSQL run only: the markup axe checks does not depend on the database engine, the SQLite run checks every page,
 * and axe was over half of a journey run's time. Said once per run, loudly, so it is never mistaken for a pass.
 */
function axeSkipped(): boolean {
  if (process.env.E2E_AXE !== 'skip') return false
  if (!axeSkipAnnounced) {
    axeSkipAnnounced = true
    console.log('accessibility: axe checks are SKIPPED in this run (E2E_AXE=skip); CI runs them on the SQLite journeys')
  }
  return true
}
let axeSkipAnnounced = false

/**
 * Lets hydration and any navigation finish: the app marks <html> with the location it shows once React has hydrated
 * and no navigation is under way (app/components/settled-navigation.tsx); the mark must be this address's. That is sooner than 'networkidle', which
 * always waits half a second more (about 250 checked pages a run). A document that never marks itself falls back to
 * 'networkidle'.
 */
async function waitForSettledPage(page: Page): Promise<void> {
  await page
    .waitForFunction(
      () =>
        document.readyState === 'complete' &&
        // The page at this address is drawn (not the one before it, while the address has already changed) ...
        document.documentElement.dataset.location === `${window.location.pathname}${window.location.search}` &&
        // ... and no navigation or submission is under way.
        !document.querySelector('main[aria-busy="true"]'),
      undefined,
      { timeout: 10_000 },
    )
    .catch(() => page.waitForLoadState('networkidle'))
}

/**
 * Runs axe (WCAG 2.2 A and AA) on the page as it is now and fails with a readable list of violations.
 * A JavaScript-off page is checked through `checkA11yJsOff`. A document identical to one that already passed is not
 * checked again (see passedDocuments).
 */
export async function checkA11y(page: Page): Promise<void> {
  const state = watched.get(page)
  const url = page.url()
  if (axeSkipped()) {
    // The page still has to be settled before the test reads it.
    if (state?.javaScriptEnabled !== false) await waitForSettledPage(page)
  } else if (state && !state.javaScriptEnabled) {
    await checkA11yJsOff(page.context(), url, await page.content())
  } else {
    await waitForSettledPage(page)
    const fingerprint = documentFingerprint('on', url, await page.content())
    if (!passedDocuments.has(fingerprint)) {
      const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze()
      failOnViolations(results.violations, url, 'JavaScript on')
      passedDocuments.add(fingerprint)
    }
  }
  const key = pageKey(url)
  if (state && key) state.checked.add(key)
}

/**
 * Checks a page of a JavaScript-off context with axe, in a JavaScript-on twin context with the same storage state.
 * Given `html` (the JavaScript-off page's `page.content()`), the twin shows exactly that document at the same URL,
 * so a page reached by a POST (a form redisplayed with its errors) is checked as the person saw it. Without it, the
 * twin loads the URL afresh.
 */
export async function checkA11yJsOff(context: BrowserContext, url: string, html?: string): Promise<void> {
  if (axeSkipped()) return
  const fingerprint = html === undefined ? null : documentFingerprint('off', url, html)
  if (fingerprint && passedDocuments.has(fingerprint)) return
  const owner = context.browser() ?? (await browser())
  const twin = await owner.newContext({ storageState: await context.storageState(), javaScriptEnabled: true, locale: 'en-GB' })
  try {
    const documentUrl = url.split('#')[0]
    if (html !== undefined) {
      await twin.route(
        (u) => u.href === documentUrl,
        (route) =>
          route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', headers: { 'Content-Security-Policy': TWIN_CSP }, body: html }),
      )
    }
    const page = await twin.newPage()
    await page.goto(url)
    const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze()
    failOnViolations(results.violations, url, 'JavaScript off, checked in a JavaScript-on twin')
    if (fingerprint) passedDocuments.add(fingerprint)
  } finally {
    await twin.close()
  }
}

type Violation = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number]

function failOnViolations(violations: Violation[], url: string, mode: string): void {
  if (violations.length === 0) return
  const lines = violations.map((v) => {
    const first = v.nodes[0]
    const target = first ? ` at ${first.target.join(' ')}` : ''
    const more = v.nodes.length > 1 ? ` (and ${v.nodes.length - 1} more)` : ''
    return `  - ${v.id} [${v.impact ?? 'unknown'}]: ${v.help}${target}${more}\n    ${v.helpUrl}`
  })
  throw new Error(`axe found ${violations.length} accessibility violation(s) on ${url} (${mode}):\n${lines.join('\n')}`)
}

function fileSafe(text: string): string {
  return text.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').slice(0, 80)
}

/**
 * End of a test (setup-journey.ts): the problems the watched pages saw (console errors; pages axe never checked,
 * unless the test failed already), a screenshot of each when the test failed, then every context closes.
 */
export async function finishWatchedPages({ testName, failed }: { testName: string; failed: boolean }): Promise<string[]> {
  const problems: string[] = []
  let index = 0
  for (const [page, state] of watched) {
    index += 1
    const errors = state.consoleErrors.filter((e) => !state.allowedConsoleErrors.some((pattern) => pattern.test(e)))
    if (errors.length > 0) problems.push(`Page ${index} logged errors in the browser:\n  ${errors.join('\n  ')}`)
    const unchecked = [...state.visited].filter((key) => !state.checked.has(key))
    if (!failed && unchecked.length > 0) {
      problems.push(`Page ${index} showed pages axe never checked (use visit/landOn, or checkA11y(page) on arrival):\n  ${unchecked.join('\n  ')}`)
    }
    if (failed && !page.isClosed()) {
      fs.mkdirSync(FAILURES_DIR, { recursive: true })
      const file = path.join(FAILURES_DIR, `${fileSafe(testName)}-${index}.png`)
      const saved = await page.screenshot({ path: file, fullPage: true }).then(
        () => true,
        () => false,
      )
      if (saved) console.error(`screenshot of page ${index} (${page.url()}): ${path.relative(process.cwd(), file)}`)
    }
    await page.context().close()
  }
  watched.clear()
  return problems
}
