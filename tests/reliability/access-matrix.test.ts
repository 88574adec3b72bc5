/**
 * The access matrix (issue 9, item 1): every route file's loader and action, called as nobody and as a person holding
 * exactly each role, against the route policy table (support/access-policy.ts); then the cross-tenant attempts: one
 * organisation's applicant asking for another's things, assessors asking for bids they are not assigned to or declared
 * a conflict on, a funder viewer asking for another funder's money and figures.
 *
 * Parameters are real ids from the demo world (support/access-world.ts), the acting person's own where it matters, so
 * a person who may reaches real data. Actions are posted an empty form: the point is the permission check, not the
 * action's work. After every call the guarded tables and the audit log are compared: nobody refused may change
 * anything, a page read changes nothing (unless it records the read, e.g. a data export) and an empty form changes
 * nothing (unless the action's GET page is its confirmation); the table marks and explains those few.
 */
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { db } from '../../app/lib/db.server.ts'
import { loadCurrentUser } from '../../app/lib/guards.server.ts'
import { POLICY, ROLES } from '../../app/lib/policy.ts'
import { pdfText } from '../factories/pdf-text.ts'
import { recordCheck } from './support/record.ts'
import { mayAccess, refusalOf, ROUTE_POLICY, type RoutePolicy } from './support/access-policy.ts'
import {
  ACTORS,
  buildAccessWorld,
  call,
  defaultParams,
  paramNames,
  PLAYER,
  requestFor,
  routePath,
  ROUTES_DIR,
  type AccessWorld,
  type Actor,
  type Answer,
} from './support/access-world.ts'
import { userIdOf, type DemoPerson } from './support/world.ts'

type Method = 'loader' | 'action'
type Handler = Parameters<typeof call>[0]
interface RouteModule {
  loader?: Handler
  action?: Handler
}

const AREA = 'Access matrix'
const routeFiles = fs
  .readdirSync(ROUTES_DIR)
  .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f))
  .sort()

let world: AccessWorld
const modules = new Map<string, RouteModule>()

beforeAll(async () => {
  world = await buildAccessWorld()
  for (const file of routeFiles) modules.set(file, (await import(path.join(ROUTES_DIR, file))) as RouteModule)
})

/** The guarded tables an empty form must not change, and the audit log that every change writes to. */
const WATCHED = ['applications', 'awards', 'tranches', 'payment_runs', 'bank_accounts', 'returns', 'memberships', 'user_roles', 'panel_decisions', 'rounds', 'ledger_entries', 'documents'] as const

/** Row counts of the guarded tables and the newest audit event, in one query. */
async function fingerprint(): Promise<string> {
  const row = await db
    .selectNoFrom((eb) => [
      ...WATCHED.map((t) => eb.selectFrom(t).select((e) => e.fn.countAll<number>().as('n')).as(t)),
      eb.selectFrom('audit_events').select((e) => e.fn.max('id').as('m')).as('audit'),
    ])
    .executeTakeFirstOrThrow()
  return JSON.stringify(Object.values(row).map(Number))
}

async function callRoute(file: string, method: Method, actor: Actor, entry: RoutePolicy, override?: Record<string, string | number>): Promise<Answer> {
  const handler = modules.get(file)![method]!
  const params = { ...defaultParams(world, actor), ...stringify(entry.params?.(world, actor)), ...stringify(override) }
  const wanted = Object.fromEntries(paramNames(file).map((p) => [p, params[p]!]))
  const pathname = routePath(file, wanted) + (entry.search?.(world) ?? '')
  const request = await requestFor(actor, pathname, method === 'loader' ? { reuse: true } : { method: 'POST', body: new URLSearchParams(entry.body ?? {}), reuse: !entry.acts })
  const saved = Object.fromEntries(Object.keys(entry.env ?? {}).map((k) => [k, process.env[k]]))
  Object.assign(process.env, entry.env)
  try {
    return await call(handler, request, wanted)
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

function stringify(values: Record<string, string | number> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, String(v)]))
}

function describeAnswer(a: Answer): string {
  if (a.status === 'threw') return `threw ${a.error instanceof Error ? a.error.message : String(a.error)}`
  return `${a.status}${a.location ? ` -> ${a.location}` : ''}`
}

test('every route file has an entry in the policy table, every entry is a route file, and each entry covers exactly the methods its route exports', () => {
  const unclassified = routeFiles.filter((f) => !(f in ROUTE_POLICY))
  const stale = Object.keys(ROUTE_POLICY).filter((f) => !routeFiles.includes(f))
  const methodGaps = routeFiles
    .filter((f) => f in ROUTE_POLICY)
    .flatMap((f) =>
      (['loader', 'action'] as const)
        .filter((m) => (typeof modules.get(f)![m] === 'function') !== (ROUTE_POLICY[f]![m] !== undefined))
        .map((m) => `${f} ${m}: ${typeof modules.get(f)![m] === 'function' ? 'exported but not in the table' : 'in the table but not exported'}`),
    )
  const tried = routeFiles.length + Object.keys(ROUTE_POLICY).length
  recordCheck({ area: AREA, check: 'every route file is in the policy table and every entry is a route (new routes must be classified)', tried, held: tried - unclassified.length - stale.length - methodGaps.length })
  expect(unclassified, 'route files with no entry in tests/reliability/support/access-policy.ts').toEqual([])
  expect(stale, 'policy table entries that name no route file').toEqual([])
  expect(methodGaps).toEqual([])
})

test('each person in the matrix holds exactly the permissions of the role they play', async () => {
  for (const role of ROLES) {
    const session = { id: 0, user_id: await userIdOf(PLAYER[role]), second_factor_at: new Date().toISOString() }
    const user = (await loadCurrentUser(db, session))!
    expect([...user.permissions].sort(), `${PLAYER[role]} plays ${role}`).toEqual([...new Set(POLICY[role])].sort())
  }
})

describe('cross-tenant attempts', () => {
  interface Attempt {
    what: string
    actor: Actor | DemoPerson
    file: string
    method: Method
    params: Record<string, number | string>
    search?: string
    body?: Record<string, string> | FormData
  }

  /** Each attempt must be refused with `expected` and show none of `secrets`; nothing in the database may change. */
  async function attempt(check: string, expected: 403 | 404, attempts: Attempt[], secrets: string[] = []) {
    const before = await fingerprint()
    const misses: string[] = []
    for (const a of attempts) {
      const handler = modules.get(a.file)![a.method]!
      const pathname = routePath(a.file, stringify(a.params)) + (a.search ?? '')
      const body = a.body instanceof FormData ? a.body : new URLSearchParams(a.body ?? {})
      const request = await requestFor(a.actor, pathname, a.method === 'loader' ? {} : { method: 'POST', body })
      const answer = await call(handler, request, stringify(a.params))
      const shown = answer.response ? await answer.response.clone().text() : ''
      const leaked = secrets.filter((s) => shown.includes(s))
      if (answer.status !== expected || leaked.length > 0) misses.push(`${a.what} (${a.method} ${pathname}): ${describeAnswer(answer)}${leaked.length ? `, showed ${leaked.join(', ')}` : ''}`)
    }
    const after = await fingerprint()
    if (after !== before) misses.push('the database changed')
    recordCheck({ area: AREA, check, tried: attempts.length, held: attempts.length - misses.length })
    expect(misses, check).toEqual([])
  }

  test('an applicant of one organisation asks for another’s application: view, edit a section, submit, withdraw (404)', async () => {
    const { appB, draftB } = world
    const secret = (await db.selectFrom('applications').select('title').where('id', '=', draftB).executeTakeFirstOrThrow()).title
    const attempts: Attempt[] = []
    for (const actor of ['applicant', 'orgadmin'] as const) {
      attempts.push(
        { what: 'view a submitted bid', actor, file: 'applications.$applicationId._index.tsx', method: 'loader', params: { applicationId: appB } },
        { what: 'view a draft', actor, file: 'applications.$applicationId._index.tsx', method: 'loader', params: { applicationId: draftB } },
        { what: 'its history', actor, file: 'applications.$applicationId.history.tsx', method: 'loader', params: { applicationId: appB } },
        { what: 'its submitted page', actor, file: 'applications.$applicationId.submitted.tsx', method: 'loader', params: { applicationId: appB } },
        { what: 'open a section', actor, file: 'applications.$applicationId.sections.$sectionNumber.tsx', method: 'loader', params: { applicationId: draftB, sectionNumber: 1 } },
        { what: 'save a section', actor, file: 'applications.$applicationId.sections.$sectionNumber.tsx', method: 'action', params: { applicationId: draftB, sectionNumber: 1 }, body: { project_title: 'Taken over' } },
        { what: 'check before submitting', actor, file: 'applications.$applicationId.check.tsx', method: 'loader', params: { applicationId: draftB } },
        { what: 'submit', actor, file: 'applications.$applicationId.check.tsx', method: 'action', params: { applicationId: draftB }, body: { declaration: 'on' } },
        { what: 'open withdraw', actor, file: 'applications.$applicationId.withdraw.tsx', method: 'loader', params: { applicationId: draftB } },
        { what: 'withdraw', actor, file: 'applications.$applicationId.withdraw.tsx', method: 'action', params: { applicationId: draftB }, body: { confirm: 'yes' } },
      )
    }
    await attempt('an applicant of one organisation asks for another’s application: view, edit a section, submit, withdraw', 404, attempts, [secret])
  })

  test('an applicant of one organisation asks for another’s uploaded documents (404)', async () => {
    const letterB = await db.selectFrom('documents').select('id').where('organisation_id', '=', world.orgB).where('owner_type', '=', 'award').executeTakeFirstOrThrow()
    const attempts: Attempt[] = []
    for (const actor of ['applicant', 'orgadmin'] as const) {
      attempts.push(
        { what: 'a file on their bid', actor, file: 'documents.$documentId.tsx', method: 'loader', params: { documentId: world.documentB } },
        { what: 'their offer letter', actor, file: 'documents.$documentId.tsx', method: 'loader', params: { documentId: letterB.id } },
      )
    }
    await attempt('an applicant of one organisation asks for another’s uploaded documents', 404, attempts)
  })

  test('an applicant of one organisation asks for another’s returns: view and submit (404)', async () => {
    const { awardA, awardB, returnB } = world
    const attempts: Attempt[] = []
    for (const actor of ['applicant', 'orgadmin'] as const) {
      for (const awardId of [awardB, awardA]) {
        attempts.push(
          { what: `view (award ${awardId === awardA ? 'own' : 'theirs'})`, actor, file: 'awards.$awardId_.returns.$returnId.tsx', method: 'loader', params: { awardId, returnId: returnB } },
          { what: `submit (award ${awardId === awardA ? 'own' : 'theirs'})`, actor, file: 'awards.$awardId_.returns.$returnId.tsx', method: 'action', params: { awardId, returnId: returnB }, body: { intent: 'submit' } },
        )
      }
    }
    await attempt('an applicant of one organisation asks for another’s returns: view and submit', 404, attempts)
  })

  test('an applicant of one organisation asks for another’s bank details: view and change (403)', async () => {
    const b = await db.selectFrom('bank_accounts').select(['account_number', 'sort_code']).where('id', '=', world.bankAccountB).executeTakeFirstOrThrow()
    const attempts: Attempt[] = []
    for (const actor of ['applicant', 'orgadmin'] as const) {
      attempts.push(
        { what: 'view', actor, file: 'organisation.bank-details.tsx', method: 'loader', params: {}, search: `?org=${world.orgB}` },
        {
          what: 'change',
          actor,
          file: 'organisation.bank-details.tsx',
          method: 'action',
          params: {},
          search: `?org=${world.orgB}`,
          body: { organisationId: String(world.orgB), accountName: 'Mallory', sortCode: '11-22-33', accountNumber: '12345678' },
        },
      )
    }
    await attempt('an applicant of one organisation asks for another’s bank details: view and change', 403, attempts, [b.account_number])
  })

  test('an applicant of one organisation asks for another’s award and offer: view, accept (404)', async () => {
    const other = world.offeredAwardOther
    const conditionB = await db.selectFrom('award_conditions').select(['id', 'award_id']).where('award_id', '!=', world.awardA).orderBy('id').executeTakeFirstOrThrow()
    const evidence = () => {
      const form = new FormData()
      form.set('evidence', new File(['%PDF-1.4\n%%EOF\n'], 'constitution.pdf', { type: 'application/pdf' }))
      return form
    }
    const attempts: Attempt[] = []
    for (const actor of ['applicant', 'orgadmin'] as const) {
      attempts.push(
        { what: 'view an award', actor, file: 'awards.$awardId.tsx', method: 'loader', params: { awardId: world.awardB } },
        { what: 'view an offer', actor, file: 'awards.$awardId.tsx', method: 'loader', params: { awardId: other } },
        { what: 'accept an offer', actor, file: 'awards.$awardId.tsx', method: 'action', params: { awardId: other }, body: { intent: 'accept', name: 'Mallory', role: 'Chair', declaration: 'on' } },
        { what: 'decline an offer', actor, file: 'awards.$awardId.tsx', method: 'action', params: { awardId: other }, body: { intent: 'decline', reason: 'Not ours' } },
        { what: 'ask for a variation', actor, file: 'awards.$awardId_.variation.tsx', method: 'loader', params: { awardId: world.awardB } },
        { what: 'send evidence for their condition', actor, file: 'awards.$awardId_.conditions.$conditionId.tsx', method: 'action', params: { awardId: conditionB.award_id, conditionId: conditionB.id }, body: evidence() },
        { what: 'send evidence for their condition under their own award', actor, file: 'awards.$awardId_.conditions.$conditionId.tsx', method: 'action', params: { awardId: world.awardA, conditionId: conditionB.id }, body: evidence() },
      )
    }
    await attempt('an applicant of one organisation asks for another’s award and offer: view, accept', 404, attempts)
  })

  test('an applicant of one organisation asks for another’s remittance advice and offer letter PDFs (404)', async () => {
    const { awardA, awardB, trancheB } = world
    const attempts: Attempt[] = []
    for (const actor of ['applicant', 'orgadmin'] as const) {
      attempts.push(
        { what: 'remittance advice', actor, file: 'awards.$awardId_.remittance.$trancheId[.]pdf.ts', method: 'loader', params: { awardId: awardB, trancheId: trancheB } },
        { what: 'remittance advice under their own award', actor, file: 'awards.$awardId_.remittance.$trancheId[.]pdf.ts', method: 'loader', params: { awardId: awardA, trancheId: trancheB } },
        { what: 'offer letter', actor, file: 'awards.$awardId.letter[.]pdf.ts', method: 'loader', params: { awardId: awardB } },
        { what: 'accepted offer letter', actor, file: 'awards.$awardId.letter[.]pdf.ts', method: 'loader', params: { awardId: awardB }, search: '?version=accepted' },
      )
    }
    await attempt('an applicant of one organisation asks for another’s remittance advice and offer letter PDFs', 404, attempts)
  })

  test('an applicant of one organisation asks for another’s organisation pages: overview, members, priority (404)', async () => {
    // The plain member may not manage any organisation (403 before anything is looked up); the admin of A is the one to try.
    const search = `?org=${world.orgB}`
    const attempts: Attempt[] = [
      { what: 'overview', actor: 'applicant', file: 'organisation._index.tsx', method: 'loader', params: {}, search },
      { what: 'overview', actor: 'orgadmin', file: 'organisation._index.tsx', method: 'loader', params: {}, search },
      { what: 'members', actor: 'orgadmin', file: 'organisation.members.tsx', method: 'loader', params: {}, search },
      { what: 'invite to it', actor: 'orgadmin', file: 'organisation.members.tsx', method: 'action', params: {}, search, body: { intent: 'invite', email: 'mallory@example.org', role: 'admin' } },
      { what: 'priority community', actor: 'orgadmin', file: 'organisation.priority.tsx', method: 'loader', params: {}, search },
      { what: 'change its priority answer', actor: 'orgadmin', file: 'organisation.priority.tsx', method: 'action', params: {}, search, body: { priority: 'yes' } },
    ]
    await attempt('an applicant of one organisation asks for another’s organisation pages: overview, members, priority', 404, attempts)
  })

  test('a person asks for a background job someone else started (403)', async () => {
    const attempts: Attempt[] = (['applicant', 'fund_manager', 'finance_officer'] as const).map((actor) => ({
      what: actor,
      actor,
      file: 'jobs.$jobId.tsx',
      method: 'loader',
      params: { jobId: world.jobOf.organisation_admin! },
    }))
    await attempt('a person asks for a background job someone else started', 403, attempts)
  })

  test('an assessor asks for a bid they are not assigned to (403)', async () => {
    const attempts: Attempt[] = [
      { what: 'open the assessment', actor: 'assessor', file: 'assess.$assessmentId.tsx', method: 'loader', params: { assessmentId: world.othersAssessment } },
      { what: 'score it', actor: 'assessor', file: 'assess.$assessmentId.tsx', method: 'action', params: { assessmentId: world.othersAssessment }, body: { intent: 'submit' } },
      { what: 'declare no conflict on it', actor: 'assessor', file: 'assess.$assessmentId.tsx', method: 'action', params: { assessmentId: world.othersAssessment }, body: { intent: 'no-conflict' } },
    ]
    await attempt('an assessor asks for a bid they are not assigned to (assess page GET and POST)', 403, attempts)
  })

  test('an assessor asks for a bid they declared a conflict on (403)', async () => {
    const actor = world.conflictedPerson
    const attempts: Attempt[] = [
      { what: 'open the assessment', actor, file: 'assess.$assessmentId.tsx', method: 'loader', params: { assessmentId: world.conflictAssessment } },
      { what: 'score it', actor, file: 'assess.$assessmentId.tsx', method: 'action', params: { assessmentId: world.conflictAssessment }, body: { intent: 'submit' } },
      { what: 'take back the conflict', actor, file: 'assess.$assessmentId.tsx', method: 'action', params: { assessmentId: world.conflictAssessment }, body: { intent: 'no-conflict' } },
    ]
    await attempt('an assessor asks for a bid they declared a conflict on (assess page GET and POST)', 403, attempts)
  })

  test('an assessor asks for the files of a bid they are not assigned to or are conflicted on (404)', async () => {
    const conflictedBid = await db.selectFrom('assessments').select('application_id').where('id', '=', world.conflictAssessment).executeTakeFirstOrThrow()
    const conflictedOrg = await db.selectFrom('applications').select('organisation_id').where('id', '=', conflictedBid.application_id).executeTakeFirstOrThrow()
    const { uploadTo } = await import('../../app/domain/privacy/test-support.server.ts')
    const conflictedDoc = await uploadTo(conflictedBid.application_id, conflictedOrg.organisation_id, await userIdOf('manager'))
    const unassignedBid = await db.selectFrom('assessments').select('application_id').where('id', '=', world.othersAssessment).executeTakeFirstOrThrow()
    const unassignedOrg = await db.selectFrom('applications').select('organisation_id').where('id', '=', unassignedBid.application_id).executeTakeFirstOrThrow()
    const unassignedDoc = await uploadTo(unassignedBid.application_id, unassignedOrg.organisation_id, await userIdOf('manager'))
    await attempt('an assessor asks for the uploaded files of a bid they are not assigned to or declared a conflict on', 404, [
      { what: 'unassigned', actor: 'assessor', file: 'documents.$documentId.tsx', method: 'loader', params: { documentId: unassignedDoc.documentId } },
      { what: 'conflicted', actor: world.conflictedPerson, file: 'documents.$documentId.tsx', method: 'loader', params: { documentId: conflictedDoc.documentId } },
    ])
  })

  test('a funder viewer asks for another funder’s contribution (404)', async () => {
    const { potId, contributionOther } = world
    await attempt('a funder viewer asks for another funder’s contribution page and statement', 404, [
      { what: 'contribution page', actor: 'funder_viewer', file: 'funder.contributions.$contributionId.tsx', method: 'loader', params: { contributionId: contributionOther } },
      { what: 'contribution statement', actor: 'funder_viewer', file: 'pots.$potId.contributions.$contributionId.statement[.]pdf.ts', method: 'loader', params: { potId, contributionId: contributionOther } },
    ])
  })

  test('a funder viewer asks for another funder’s impact figures: shown none of them', async () => {
    const figures = async (a: Answer) => {
      const r = (await a.response!.clone().json()).rollUp as { awards: number; acceptedReturns: number; peopleReached: number; paidPence: number }
      return { awards: r.awards, acceptedReturns: r.acceptedReturns, peopleReached: r.peopleReached, paidPence: r.paidPence }
    }
    const asManager = async (search: string) => figures(await call(modules.get('impact._index.tsx')!.loader!, await requestFor('fund_manager', `/impact${search}`), {}))
    // The other funder's money is in awards with accepted returns (the demo's history): there are figures to hide.
    const asked = `?funder=${world.otherFunderId}`
    const theirs = await asManager(asked)
    expect(theirs.acceptedReturns).toBeGreaterThan(0)
    const own = await asManager(`?funder=${world.funderId}`)

    const mine = await call(modules.get('funder.impact.tsx')!.loader!, await requestFor('funder_viewer', '/funder/impact'), {})
    const allFunders = await call(modules.get('impact._index.tsx')!.loader!, await requestFor('funder_viewer', `/impact${asked}`), {})
    const report = await call(modules.get('impact.report[.]pdf.ts')!.loader!, await requestFor('funder_viewer', `/impact/report.pdf${asked}`), {})
    const reportText = report.status === 200 ? await pdfText(report.response!) : ''
    const results = [
      { what: 'their own impact page counts exactly their own funder’s awards', held: mine.status === 200 && JSON.stringify(await figures(mine)) === JSON.stringify(own) },
      { what: 'the impact page for any funder is refused', held: allFunders.outcome === 'denied' },
      {
        what: 'the impact report asked for the other funder shows none of its figures',
        held: report.status === 404 || (report.status === 200 && /Awards reporting: 0 \(0 accepted returns\)/.test(reportText) && /People reached: 0\b/.test(reportText)),
      },
    ]
    const held = results.filter((r) => r.held).length
    recordCheck({ area: AREA, check: 'a funder viewer asks for another funder’s impact figures', tried: results.length, held })
    expect(results.filter((r) => !r.held).map((r) => r.what)).toEqual([])
  })
})

test('every route’s loader and action, anonymous and each of 8 roles, against the policy table', async () => {
  const mismatches: string[] = []
  const errors: string[] = []
  const changed: string[] = []
  const cases: Array<{ file: string; method: Method; entry: RoutePolicy }> = []
  for (const method of ['loader', 'action'] as const) {
    for (const file of routeFiles) {
      const entry = ROUTE_POLICY[file]
      if (entry?.[method] !== undefined && modules.get(file)?.[method]) cases.push({ file, method, entry })
    }
  }
  // Actions that do their work on an empty form go last (the table says why their change does not matter).
  const ordered = [...cases.filter((c) => c.method === 'loader' || !c.entry.acts), ...cases.filter((c) => c.method === 'action' && c.entry.acts)]
  let tried = 0
  let state = await fingerprint()
  for (const { file, method, entry } of ordered) {
    const who = entry[method]!
    for (const actor of ACTORS) {
      const answer = await callRoute(file, method, actor, entry)
      tried++
      const may = mayAccess(who, actor)
      const expected = may ? 'allowed' : actor === 'anonymous' ? 'denied' : refusalOf(who)
      if (answer.outcome === 'error') errors.push(`${file} ${method} as ${actor}: ${describeAnswer(answer)}`)
      else if (answer.outcome !== expected) mismatches.push(`${file} ${method} as ${actor}: expected ${expected}, got ${describeAnswer(answer)}`)
      // Nobody refused changes anything; a page read changes nothing unless the table says it records the read.
      const now = await fingerprint()
      const mayChange = may && (method === 'loader' ? !!entry.writes : !!entry.acts)
      if (now !== state && !mayChange) changed.push(`${file} ${method} as ${actor}: ${describeAnswer(answer)}`)
      state = now
    }
  }
  const held = tried - mismatches.length - errors.length - changed.length
  recordCheck({ area: AREA, check: 'every route’s loader and action, anonymous and each of 8 roles, against the policy table', tried, held })
  expect(errors, 'answers that would be a 5xx').toEqual([])
  expect(mismatches, 'answers that differ from the policy table').toEqual([])
  expect(changed, 'calls that changed the database (only people allowed, on loaders marked `writes` and actions marked `acts`, may)').toEqual([])
})
