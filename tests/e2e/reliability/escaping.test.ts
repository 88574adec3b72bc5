/**
 * Hostile input, in a browser: a hostile applicant puts script payloads into every piece of text they can set (their
 * organisation's name and address, their own name, their bids' titles and answers, an impact return's story and
 * plans), and everyone who reads that text (the applicant, the fund manager, the assessor, the panel chair, finance,
 * the administrator and the public) opens the pages that show it. On every page nothing ran (no `window.__pwned`, no
 * dialog, no injected element with an event handler, no `javascript:` link), no console error or CSP violation was
 * logged, and the payload is there as text: the page really rendered it, escaped.
 *
 * One payload goes in through the real forms (an account's name at sign-up, an organisation's name and address at
 * registration); the rest are written straight into Hackney Food and Friendship Hub's demo rows in the journey
 * database, and put back afterwards so the other journeys of the run see the demo data they expect.
 */
import crypto from 'node:crypto'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createDatabase } from '../../../db/connect.ts'
import { DEMO_DOMAIN, DEMO_PASSWORD } from '../../../db/seed/demo.ts'
import { currentTotpCode } from '../../../app/domain/identity/totp.server.ts'
import { recordCheck } from '../../reliability/support/record.ts'
import { createAccount, fetchApp, journeyDatabase, landOn, newPage, signIn, signInToHome, submit, totpSecretOf, visit } from '../support/journey.ts'

/** Each payload sets window.__pwned if it ever runs. */
const SCRIPT = '<script>window.__pwned=1</script>'
const ATTRIBUTE = '"><img src=x onerror="window.__pwned=2">'
const JS_URL = 'javascript:window.__pwned=3'
const TITLE = '</title><script>window.__pwned=4</script>'
const TEMPLATE = '{{7*7}}'
const SVG = '<svg onload="window.__pwned=6">'
const SCRIPT_END = '</script><script>window.__pwned=7</script>'
const PAYLOADS = [SCRIPT, ATTRIBUTE, JS_URL, TITLE, TEMPLATE, SVG, SCRIPT_END]

const HOSTILE = {
  organisation: `Hackney Hub ${SCRIPT} ${TEMPLATE}`,
  address: ATTRIBUTE,
  town: SVG,
  person: `Kwame ${SCRIPT_END}`,
  title: `Lunch ${TITLE} club`,
  longAnswer: `See ${JS_URL} and ${SVG} and ${SCRIPT}`,
  shortAnswer: ATTRIBUTE,
  story: `Our story ${SCRIPT} ${TEMPLATE} ${SCRIPT_END}`,
  plans: `${JS_URL} ${ATTRIBUTE}`,
}

const HACKNEY = 'Hackney Food and Friendship Hub'
const handle = createDatabase(journeyDatabase())
const db = handle.db

interface Saved {
  organisation: { id: number; name: string; address_line_1: string | null; town: string | null }
  user: { id: number; name: string }
  applications: { id: number; title: string; answers: string }[]
  returns: { id: number; data: string }[]
  returnVersions: { id: number; data: string }[]
}
let saved: Saved | undefined

interface Ids {
  organisationId: number
  userId: number
  /** Hackney's bid to the open round (a draft), its bid to the panel round and its published award from last year. */
  openBid: { id: number; roundId: number }
  panelBid: { id: number; roundId: number }
  awardId: number
  finalReturnId: number
  assessment: { id: number; email: string } | undefined
  paymentRunId: number | undefined
}
let ids: Ids

/** Replaces the free-text answers (not dates, choices or numbers) with payloads, keeping the JSON's shape. */
function hostileAnswers(json: string): string {
  const answers = JSON.parse(json) as Record<string, unknown>
  const replace = (value: unknown): unknown => {
    if (typeof value === 'string') return /\s/.test(value) && value.length > 12 ? (value.length > 40 ? HOSTILE.longAnswer : HOSTILE.shortAnswer) : value
    if (Array.isArray(value)) return value.map(replace)
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, ['name', 'role', 'description'].includes(k) && typeof v === 'string' ? HOSTILE.shortAnswer : replace(v)]))
    }
    return value
  }
  return JSON.stringify(Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, k === 'project_title' ? HOSTILE.title : replace(v)])))
}

beforeAll(async () => {
  const organisation = await db.selectFrom('organisations').select(['id', 'name', 'address_line_1', 'town']).where('name', '=', HACKNEY).executeTakeFirstOrThrow()
  const user = await db.selectFrom('users').select(['id', 'name']).where('email', '=', `hackney@${DEMO_DOMAIN}`).executeTakeFirstOrThrow()
  const applications = await db.selectFrom('applications').select(['id', 'title', 'answers', 'round_id', 'status']).where('organisation_id', '=', organisation.id).orderBy('id').execute()
  const awards = await db.selectFrom('awards').select(['id', 'application_id', 'published_at']).where('organisation_id', '=', organisation.id).orderBy('id').execute()
  const returns = await db.selectFrom('returns').select(['id', 'data', 'status', 'award_id']).where('award_id', 'in', awards.map((a) => a.id)).orderBy('due_date').orderBy('id').execute()
  const panelRound = await db.selectFrom('panel_decisions').select('round_id').where('application_id', 'in', applications.map((a) => a.id)).executeTakeFirstOrThrow()
  const panelBid = applications.find((a) => a.round_id === panelRound.round_id)!
  const award = awards.find((a) => a.published_at) ?? awards[0]!
  const openBid = applications.find((a) => a.round_id !== panelRound.round_id && !awards.some((w) => w.application_id === a.id))!
  const finalReturn = returns.find((r) => r.status === 'submitted') ?? returns[returns.length - 1]!
  const assessment = await db
    .selectFrom('assessments')
    .innerJoin('users', 'users.id', 'assessments.assessor_user_id')
    .select(['assessments.id', 'users.email'])
    .where('assessments.application_id', '=', panelBid.id)
    .where('assessments.status', '!=', 'conflict')
    .orderBy('assessments.id')
    .executeTakeFirst()
  const tranche = await db.selectFrom('tranches').select('payment_run_id').where('award_id', '=', award.id).where('payment_run_id', 'is not', null).executeTakeFirst()
  ids = {
    organisationId: organisation.id,
    userId: user.id,
    openBid: { id: openBid.id, roundId: openBid.round_id },
    panelBid: { id: panelBid.id, roundId: panelBid.round_id },
    awardId: award.id,
    finalReturnId: finalReturn.id,
    assessment,
    paymentRunId: tranche?.payment_run_id ?? undefined,
  }
  // A return's pages show the version that was sent, so the story goes into those too.
  const returnVersions = await db.selectFrom('return_versions').select(['id', 'data']).where('return_id', 'in', returns.map((r) => r.id)).execute()
  saved = { organisation, user, applications: applications.map(({ id, title, answers }) => ({ id, title, answers })), returns: returns.map(({ id, data }) => ({ id, data })), returnVersions }

  await db.transaction().execute(async (trx) => {
    await trx.updateTable('organisations').set({ name: HOSTILE.organisation, address_line_1: HOSTILE.address, town: HOSTILE.town }).where('id', '=', organisation.id).execute()
    await trx.updateTable('users').set({ name: HOSTILE.person }).where('id', '=', user.id).execute()
    for (const a of applications) await trx.updateTable('applications').set({ title: HOSTILE.title, answers: hostileAnswers(a.answers) }).where('id', '=', a.id).execute()
    for (const r of returns) {
      const data = JSON.parse(r.data) as Record<string, unknown>
      await trx.updateTable('returns').set({ data: JSON.stringify({ ...data, story: HOSTILE.story, plans: HOSTILE.plans }) }).where('id', '=', r.id).execute()
    }
    for (const v of returnVersions) {
      const data = JSON.parse(v.data) as Record<string, unknown>
      await trx.updateTable('return_versions').set({ data: JSON.stringify({ ...data, story: HOSTILE.story, plans: HOSTILE.plans }) }).where('id', '=', v.id).execute()
    }
  })
})

afterAll(async () => {
  try {
    if (!saved) return
    const { organisation, user, applications, returns, returnVersions } = saved
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('organisations').set({ name: organisation.name, address_line_1: organisation.address_line_1, town: organisation.town }).where('id', '=', organisation.id).execute()
      await trx.updateTable('users').set({ name: user.name }).where('id', '=', user.id).execute()
      for (const a of applications) await trx.updateTable('applications').set({ title: a.title, answers: a.answers }).where('id', '=', a.id).execute()
      for (const r of returns) await trx.updateTable('returns').set({ data: r.data }).where('id', '=', r.id).execute()
      for (const v of returnVersions) await trx.updateTable('return_versions').set({ data: v.data }).where('id', '=', v.id).execute()
    })
  } finally {
    await handle.close()
  }
})

/** Dialogs opened on a watched page (an alert() that ran would land here). */
const dialogs = new WeakMap<Page, string[]>()

function watchDialogs(page: Page): Page {
  const opened: string[] = []
  dialogs.set(page, opened)
  page.on('dialog', (dialog) => {
    opened.push(dialog.message())
    void dialog.dismiss()
  })
  return page
}

async function signInWithTwoFactor(page: Page, email: string): Promise<void> {
  await signIn(page, email, DEMO_PASSWORD)
  await landOn(page, '/login/two-factor?redirectTo=%2Fhome')
  await page.getByLabel('Code from your authenticator app', { exact: true }).fill(currentTotpCode(await totpSecretOf(email)))
  await submit(page, 'Continue')
  await landOn(page, '/home')
}

interface Visited {
  page: string
  payloads: number
  held: boolean
}
const visited: Visited[] = []
/** What went wrong, collected so the tally is recorded before the test fails. */
const problems: string[] = []

/**
 * Opens `path` as the person on `page` and checks nothing ran. `shows` are the hostile texts the page must show (as
 * text, so it really rendered them); the payloads counted are those inside the texts it shows.
 */
async function expectInert(page: Page, path: string, shows: string[]): Promise<void> {
  await visit(page, path)
  const found = await page.evaluate(() => {
    const handlers = [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on') && a.value.includes('__pwned')))
    return {
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      injected: handlers.map((el) => el.outerHTML.slice(0, 120)),
      jsLinks: [...document.querySelectorAll('a[href], form[action], iframe[src]')]
        .map((el) => el.getAttribute('href') ?? el.getAttribute('action') ?? el.getAttribute('src') ?? '')
        .filter((u) => /^\s*javascript:/i.test(u)),
      text: `${document.title}\n${document.body.innerText}`,
    }
  })
  const missing = shows.filter((text) => !found.text.includes(text))
  const held = found.pwned === undefined && found.injected.length === 0 && found.jsLinks.length === 0 && (dialogs.get(page) ?? []).length === 0
  const payloads = PAYLOADS.filter((p) => shows.some((text) => text.includes(p))).length
  visited.push({ page: path, payloads, held })
  if (!held) problems.push(`${path}: ran ${JSON.stringify({ pwned: found.pwned, injected: found.injected, jsLinks: found.jsLinks, dialogs: dialogs.get(page) })}`)
  if (missing.length > 0) problems.push(`${path}: does not show ${JSON.stringify(missing)} in ${found.text.slice(0, 1500)}`)
}

test('script payloads in an applicant’s text run on no page, for any reader, and show as the text that was typed', async () => {
  // Through the real forms: an account named with a payload registers an organisation whose name and address are payloads.
  const person = `Esi ${SVG}`
  const formOrganisation = `Merton ${ATTRIBUTE} ${crypto.randomBytes(3).toString('hex')}`
  const email = await createAccount(person, 'we sing on the common every tuesday', 'hostile')
  const newcomer = watchDialogs(await newPage())
  await signIn(newcomer, email, 'we sing on the common every tuesday')
  await landOn(newcomer, '/home')
  await visit(newcomer, '/organisation/new')
  await newcomer.getByLabel('Organisation name', { exact: true }).fill(formOrganisation)
  await newcomer.getByLabel('Type of organisation', { exact: true }).selectOption({ label: 'Registered charity' })
  await newcomer.getByLabel('Charity number', { exact: true }).fill(String(crypto.randomInt(2_000_000, 10_000_000)))
  await newcomer.getByLabel('Address line 1', { exact: true }).fill(TITLE)
  await newcomer.getByLabel('Town or city', { exact: true }).fill(`Morden ${TEMPLATE}`)
  await newcomer.getByLabel('Postcode', { exact: true }).fill('sm4 5dx')
  await newcomer.getByLabel('Integrated care board area', { exact: true }).selectOption({ label: 'NHS South West London Integrated Care Board (London)' })
  await submit(newcomer, 'Register organisation')
  await landOn(newcomer, '/organisation')
  await expectInert(newcomer, '/organisation', [formOrganisation, TITLE, `Morden ${TEMPLATE}`])
  await expectInert(newcomer, '/home', [person])

  // The hostile applicant sees their own text.
  const applicant = watchDialogs(await newPage())
  await signInToHome(applicant, `hackney@${DEMO_DOMAIN}`)
  await expectInert(applicant, '/organisation', [HOSTILE.organisation, HOSTILE.address, HOSTILE.town])
  await expectInert(applicant, '/applications', [HOSTILE.title])
  await expectInert(applicant, `/applications/${ids.openBid.id}`, [HOSTILE.organisation])
  await expectInert(applicant, `/applications/${ids.openBid.id}/check`, [HOSTILE.longAnswer, HOSTILE.shortAnswer])
  // The offer shows the organisation as it was when the offer was made (a frozen document); the header shows the person.
  await expectInert(applicant, `/awards/${ids.awardId}`, [HOSTILE.person])
  await expectInert(applicant, `/awards/${ids.awardId}/returns/${ids.finalReturnId}`, [HOSTILE.story])

  // The fund manager reads the bids and the return.
  const manager = watchDialogs(await newPage())
  await signInToHome(manager, `manager@${DEMO_DOMAIN}`)
  await expectInert(manager, `/manage/rounds/${ids.panelBid.roundId}/applications`, [HOSTILE.organisation])
  await expectInert(manager, `/manage/applications/${ids.panelBid.id}`, [HOSTILE.organisation, HOSTILE.title, HOSTILE.longAnswer, HOSTILE.shortAnswer])
  await expectInert(manager, `/manage/awards/${ids.awardId}`, [HOSTILE.organisation])
  await expectInert(manager, '/manage/returns', [HOSTILE.organisation])
  await expectInert(manager, `/manage/returns/${ids.finalReturnId}`, [HOSTILE.organisation, HOSTILE.story, HOSTILE.plans])

  // The assessor and the panel chair read the bid.
  expect(ids.assessment, 'an assessor assigned to the hostile bid').toBeDefined()
  const assessor = watchDialogs(await newPage())
  await signInToHome(assessor, ids.assessment!.email)
  await expectInert(assessor, '/assess', [HOSTILE.title])
  await expectInert(assessor, `/assess/${ids.assessment!.id}`, [HOSTILE.organisation, HOSTILE.title])
  const chair = watchDialogs(await newPage())
  await signInToHome(chair, `chair@${DEMO_DOMAIN}`)
  await expectInert(chair, `/panel/${ids.panelBid.roundId}`, [HOSTILE.title])
  await expectInert(chair, `/panel/${ids.panelBid.roundId}/bids/${ids.panelBid.id}`, [HOSTILE.organisation, HOSTILE.title])

  // Finance pays the organisation; the administrator reads the people and the audit trail.
  const finance = watchDialogs(await newPage())
  await signInWithTwoFactor(finance, `finance@${DEMO_DOMAIN}`)
  if (ids.paymentRunId !== undefined) await expectInert(finance, `/finance/payment-runs/${ids.paymentRunId}`, [HOSTILE.organisation])
  const admin = watchDialogs(await newPage())
  await signInWithTwoFactor(admin, `admin@${DEMO_DOMAIN}`)
  await expectInert(admin, `/admin/users/${ids.userId}`, [HOSTILE.person])
  await expectInert(admin, '/admin/users', [HOSTILE.person])
  await expectInert(admin, '/admin/audit', [])

  // The public: the open-data pages and files.
  const visitor = watchDialogs(await newPage())
  await expectInert(visitor, '/stats', [])
  await expectInert(visitor, '/funding', [])
  for (const file of ['/data/360giving.json', '/data/360giving.csv']) {
    const res = await fetchApp(file)
    const body = await res.text()
    expect(res.status, file).toBe(200)
    expect(res.headers.get('content-type'), file).not.toMatch(/html/)
    expect(body, `${file} carries the organisation's name`).toContain(file.endsWith('.json') ? JSON.stringify(HOSTILE.organisation).slice(1, -1) : 'Hackney Hub')
  }

  const tried = visited.reduce((sum, v) => sum + Math.max(1, v.payloads), 0)
  const held = visited.filter((v) => v.held).reduce((sum, v) => sum + Math.max(1, v.payloads), 0)
  recordCheck({ area: 'Hostile input', check: `script payloads in user text, rendered on ${visited.length} pages in a browser by every role: none ran`, tried, held })
  expect(problems).toEqual([])
  expect(held).toBe(tried)
}, 240_000)
