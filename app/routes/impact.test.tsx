/**
 * The impact pages: /impact (scope picker, figures, charts, SROI), /impact/sroi/:fundId (the inputs form),
 * /impact/report.pdf and /funder/impact, called as the browser would (loaders and actions with a signed-in request)
 * and rendered on the server with their real data.
 */
import type * as RemixReact from '@remix-run/react'
import { renderToString } from 'react-dom/server'
import { beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import { respond, replyErrors } from '~/domain/identity/test-support.server.ts'
import { DEFAULT_SROI_INPUTS } from '~/domain/impact/sroi.ts'
import { SWEMWBS_COPYRIGHT } from '~/domain/returns/measures.ts'
import { db } from '~/lib/db.server.ts'
import { createImpactScenario, insertAcceptedReturn, type ImpactScenario } from '../../tests/factories/impact.ts'
import { pdfText } from '../../tests/factories/pdf-text.ts'
import { createUserWithRole, signedInRequest, type TestUser } from '../../tests/factories/sessions.ts'
import * as funderImpact from './funder.impact.tsx'
import * as funderIndex from './funder._index.tsx'
import * as impact from './impact._index.tsx'
import * as report from './impact.report[.]pdf.ts'
import * as sroiPage from './impact.sroi.$fundId.tsx'

const state = vi.hoisted(() => ({ loaderData: undefined as unknown, actionData: undefined as unknown }))

vi.mock('@remix-run/react', async (importOriginal) => {
  const actual = await importOriginal<typeof RemixReact>()
  const React = await import('react')
  return {
    ...actual,
    useLoaderData: () => state.loaderData,
    useActionData: () => state.actionData,
    Form: ({ children, method, ...rest }: { children?: React.ReactNode; method?: string } & Record<string, unknown>) => React.createElement('form', { method, ...rest }, children),
    Link: ({ children, to, ...rest }: { children?: React.ReactNode; to: string } & Record<string, unknown>) => React.createElement('a', { href: to, ...rest }, children),
  }
})

const context = { cspNonce: '', clientIp: '127.0.0.1' }
type Handler = (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>

let a: ImpactScenario
let b: ImpactScenario
let manager: TestUser
let finance: TestUser
let admin: TestUser
let assessor: TestUser
let viewerB: TestUser

beforeAll(async () => {
  a = await createImpactScenario(db)
  b = await createImpactScenario(db)
  const award1 = await a.paidAward({ amountPence: 300_000 })
  const award2 = await a.paidAward({ amountPence: 200_000 })
  const award3 = await b.paidAward({ amountPence: 100_000 })
  await insertAcceptedReturn(db, {
    awardId: award1.awardId,
    peopleReached: 40,
    sessionsDelivered: 12,
    referrals: { link_worker: 30, self: 10 },
    outcomes: [
      { measure: 'ucla3', participants: [{ before: 7, after: 5 }, { before: 6, after: 5 }, { before: 8, after: 5 }, { before: 5, after: 5 }] },
      { measure: 'ons4_anxious', participants: [{ before: 7, after: 4 }, { before: 6, after: 5 }] },
    ],
  })
  await insertAcceptedReturn(db, {
    awardId: award2.awardId,
    peopleReached: 20,
    sessionsDelivered: 6,
    referrals: { health_professional: 20 },
    outcomes: [{ measure: 'ucla3', participants: [{ before: 6, after: 4 }, { before: 9, after: 6 }] }],
  })
  await insertAcceptedReturn(db, { awardId: award3.awardId, peopleReached: 5, referrals: { self: 5 }, outcomes: [{ measure: 'swemwbs', cohort: { n: 5, meanBefore: 20, meanAfter: 23, sdChange: 2 } }] })
  manager = await createUserWithRole(db, 'fund_manager')
  finance = await createUserWithRole(db, 'finance_officer')
  admin = await createUserWithRole(db, 'admin')
  assessor = await createUserWithRole(db, 'assessor')
  viewerB = await createUserWithRole(db, 'funder_viewer', { name: 'Bola B-Funder' })
  const nhsB = await db.selectFrom('funders').select('id').where('name', '=', b.funders.nhs).executeTakeFirstOrThrow()
  await db.updateTable('user_roles').set({ funder_id: nhsB.id }).where('user_id', '=', viewerB.id).execute()
})

beforeEach(() => {
  state.loaderData = undefined
  state.actionData = undefined
})

async function call(handler: Handler, url: string, user: TestUser, params: Record<string, string> = {}, body?: Record<string, string>) {
  return respond(async () => handler({ request: await signedInRequest(url, { userId: user.id, body }), params, context }))
}

function sroiForm(overrides: Record<string, string> = {}) {
  return {
    value_ons4_life_satisfaction: '0',
    value_ons4_worthwhile: '0',
    value_ons4_happy: '0',
    value_ons4_anxious: '0',
    value_ucla3: '2,000',
    value_swemwbs: '0',
    deadweightPercent: '20',
    attributionPercent: '12.5',
    dropOffPercent: '0',
    durationYears: '1',
    discountRatePercent: '0',
    ...overrides,
  }
}

describe('/impact', () => {
  test('shows a fund manager a fund’s roll-up from accepted returns, with the scope picker filled in', async () => {
    const response = await call(impact.loader, `/impact?fund=${a.fundId}`, manager)
    expect(response.status).toBe(200)
    const data = await response.json()
    expect(data.rollUp).toMatchObject({ peopleReached: 60, sessionsDelivered: 18, awards: 2, paidPence: 500_000 })
    expect(data.rollUp.scopeLabel).toContain('fund')
    expect(data.canEditSroi).toBe(true)
    expect(data.options.funds.map((f: { id: number }) => f.id)).toEqual(expect.arrayContaining([a.fundId, b.fundId]))
    state.loaderData = data
    const html = renderToString(<impact.default />)
    expect(html).toContain('<legend>Choose what to include</legend>')
    expect(html).toContain(`<option value="${a.fundId}" selected="">`)
    expect(html).toContain(`href="/impact/report.pdf?fund=${a.fundId}"`)
    expect(html).toContain('Loneliness fell by 1.83 on average (lower is better): improved.')
    expect(html).toContain('Lower is better')
    expect(html).toContain('role="img"')
    expect(html).toContain('<caption>Mean score before and after, by measure: the figures</caption>')
    expect(html).toContain('<caption>People by referral route: the figures</caption>')
    expect(html).toContain('<caption>People reached, by the place each project works in: the figures</caption>')
    expect(html).toContain('50%')
    expect(html).toContain('Illustrative')
    expect(html).toContain(`href="/impact/sroi/${a.fundId}"`)
    expect(html).not.toContain(SWEMWBS_COPYRIGHT)
  })

  test('shows the SWEMWBS copyright line whenever SWEMWBS figures appear', async () => {
    const data = await (await call(impact.loader, `/impact?fund=${b.fundId}`, manager)).json()
    state.loaderData = data
    expect(renderToString(<impact.default />)).toContain('University of Warwick')
  })

  test('finance officers and administrators read it without the links to change SROI inputs', async () => {
    for (const user of [finance, admin]) {
      const data = await (await call(impact.loader, `/impact?pot=${a.potId}`, user)).json()
      expect(data.rollUp.peopleReached).toBe(60)
      expect(data.canEditSroi).toBe(false)
    }
  })

  test('is 403 for an assessor and a funder viewer, and 404 for a fund that does not exist', async () => {
    expect((await call(impact.loader, '/impact', assessor)).status).toBe(403)
    expect((await call(impact.loader, '/impact', viewerB)).status).toBe(403)
    expect((await call(impact.loader, '/impact?fund=987654', manager)).status).toBe(404)
  })
})

describe('/impact/sroi/:fundId', () => {
  test('refuses bad inputs beside their fields with 400 and saves nothing', async () => {
    const params = { fundId: String(a.fundId) }
    const response = await call(sroiPage.action, `/impact/sroi/${a.fundId}`, manager, params, sroiForm({ deadweightPercent: '120', value_ucla3: '-5', durationYears: '0', attributionPercent: 'lots' }))
    expect(response.status).toBe(400)
    const { fields } = await replyErrors(response)
    expect(fields.deadweightPercent).toEqual(['The deadweight must be from 0 to 100'])
    expect(fields.attributionPercent).toEqual(['Enter the attribution as a number from 0 to 100, like 25 or 12.5'])
    expect(fields.durationYears).toEqual(['Enter how many years the improvement lasts, a whole number from 1 to 10'])
    expect(fields.value_ucla3?.[0]).toMatch(/at least £0|Enter/)
    expect(await db.selectFrom('sroi_models').select('id').where('fund_id', '=', a.fundId).execute()).toEqual([])

    state.loaderData = await (await call(sroiPage.loader, `/impact/sroi/${a.fundId}`, manager, params)).json()
    state.actionData = await (await call(sroiPage.action, `/impact/sroi/${a.fundId}`, manager, params, sroiForm({ deadweightPercent: '120' }))).json()
    const html = renderToString(<sroiPage.default />)
    expect(html).toContain('There is a problem')
    expect(html).toContain('The deadweight must be from 0 to 100')
  })

  test('a fund manager saves the inputs, and the estimate uses them with the arithmetic shown', async () => {
    const params = { fundId: String(a.fundId) }
    const loaded = await (await call(sroiPage.loader, `/impact/sroi/${a.fundId}`, manager, params)).json()
    expect(loaded.defaults).toMatchObject({ value_ucla3: '1000.00', deadweightPercent: String(DEFAULT_SROI_INPUTS.deadweightPercent) })
    const response = await call(sroiPage.action, `/impact/sroi/${a.fundId}`, manager, params, sroiForm())
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe(`/impact?fund=${a.fundId}#sroi`)
    const row = await db.selectFrom('sroi_models').select(['inputs', 'updated_by']).where('fund_id', '=', a.fundId).executeTakeFirstOrThrow()
    expect(JSON.parse(row.inputs)).toEqual({ valuesPence: { ucla3: 200_000 }, deadweightPercent: 20, attributionPercent: 12.5, dropOffPercent: 0, durationYears: 1, discountRatePercent: 0 })
    expect(row.updated_by).toBe(manager.id)

    // UCLA-3 changes −2, −1, −3, 0, −2, −3: 5 people net improved (see rollup.server.test.ts). 5 × £2,000 = £10,000,
    // less 20% = £8,000, less 12.5% = £7,000; not discounted; £7,000 ÷ £5,000 = £1.40 per £1.
    const data = await (await call(impact.loader, `/impact?fund=${a.fundId}`, manager)).json()
    expect(data.sroi.sentence).toBe('£7,000.00 of social value ÷ £5,000.00 paid = £1.40 of social value for every £1 paid (an estimate: see the inputs and arithmetic).')
    expect(data.sroi.funds[0].lines[0].steps).toEqual([
      '5 people improved × £2,000.00 = £10,000.00',
      'less 20% deadweight = £8,000.00',
      'less 12.5% attribution = £7,000.00 in year 1',
      'not discounted: £7,000.00 = £7,000.00',
    ])
  })

  test('is 403 for a finance officer (they read the estimate but do not set a fund’s assumptions) and 404 for an unknown fund', async () => {
    expect((await call(sroiPage.loader, `/impact/sroi/${a.fundId}`, finance, { fundId: String(a.fundId) })).status).toBe(403)
    expect((await call(sroiPage.action, `/impact/sroi/${a.fundId}`, finance, { fundId: String(a.fundId) }, sroiForm())).status).toBe(403)
    expect((await call(sroiPage.loader, '/impact/sroi/987654', manager, { fundId: '987654' })).status).toBe(404)
    expect((await call(sroiPage.action, '/impact/sroi/987654', manager, { fundId: '987654' }, sroiForm())).status).toBe(404)
  })
})

describe('/impact/report.pdf', () => {
  test('a fund’s report has the figures, the measure table with intervals, the charts’ labels and the SROI arithmetic', async () => {
    const response = await call(report.loader, `/impact/report.pdf?fund=${a.fundId}`, manager)
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toBe('application/pdf')
    const text = await pdfText(response)
    expect(text).toContain('Impact report')
    expect(text).toContain('People reached: 60')
    expect(text).toMatch(/Loneliness \(UCLA 3-item, 3-9,\s+lower is better\)/)
    expect(text).toContain('−3.06 to −0.61')
    expect(text).toContain('Lower is better')
    expect(text).toContain('Scale 3 to 9 (lower is better)')
    expect(text).toContain('Social prescribing link worker')
    expect(text).toContain('30 (50%)')
    expect(text).toContain('People reached by place')
    expect(text).toContain('Deadweight (would have happened anyway)')
    expect(text).toContain('of social value for every £1 paid')
    expect(text).not.toContain('University of Warwick')
  })

  test('a pot’s report with SWEMWBS carries the copyright line', async () => {
    const text = await pdfText(await call(report.loader, `/impact/report.pdf?pot=${b.potId}`, manager))
    expect(text).toContain('University of Warwick')
    expect(text).toContain('People reached: 5')
  })

  test('a funder viewer’s report covers only their own money; an assessor gets 403', async () => {
    const text = await pdfText(await call(report.loader, '/impact/report.pdf', viewerB))
    expect(text).toContain('People reached: 5')
    expect(text).not.toContain('−3.06 to −0.61')
    expect(text).not.toContain('People reached: 60')
    expect((await call(report.loader, '/impact/report.pdf', assessor)).status).toBe(403)
  })
})

describe('/funder/impact', () => {
  test('shows a funder viewer only what their money funded, and /funder links to it', async () => {
    const data = await (await call(funderImpact.loader, '/funder/impact', viewerB)).json()
    expect(data.rollUp).toMatchObject({ peopleReached: 5, awards: 1, paidPence: 100_000 })
    expect(data.rollUp.sharePaidPence).toBeGreaterThan(0)
    expect(data.rollUp.sharePaidPence).toBeLessThanOrEqual(100_000)
    expect(data.funderNames).toEqual([b.funders.nhs])
    state.loaderData = data
    const html = renderToString(<funderImpact.default />)
    expect(html).toContain('What our money achieved')
    expect(html).toContain('Supported by:')
    expect(html).toContain('University of Warwick')
    expect(html).not.toContain('/impact/sroi/')

    state.loaderData = await (await call(funderIndex.loader, '/funder', viewerB)).json()
    expect(renderToString(<funderIndex.default />)).toContain('href="/funder/impact"')
  })

  test('is 403 for a fund manager (who has /impact instead)', async () => {
    expect((await call(funderImpact.loader, '/funder/impact', manager)).status).toBe(403)
  })
})
