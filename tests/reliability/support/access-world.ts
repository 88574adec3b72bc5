/**
 * The access matrix's world: the demo seed (tests/reliability/support/world.ts) plus the few things it lacks (an
 * uploaded file on a bid of each side, an offer another organisation can accept, a job each person started), the ids
 * the route table's parameters are filled from, the person who plays each role, and how one call of a loader or action
 * is made and what its answer means.
 *
 * Organisation A is Wandle Valley Dementia Choir (the demo applicant is a member, the demo organisation admin its
 * admin); organisation B is Hackney Food and Friendship Hub, which has a draft, a submitted bid, a completed award with
 * a paid payment, returns, bank details and offer letters of its own.
 */
import crypto from 'node:crypto'
import path from 'node:path'
import { db } from '../../../app/lib/db.server.ts'
import { enqueueJob } from '../../../app/lib/jobs.server.ts'
import { inviteColleague } from '../../../app/domain/organisations/invitations.server.ts'
import { issueOffer } from '../../../app/domain/awards/offers.server.ts'
import { setOfferTerms } from '../../../app/domain/awards/terms.server.ts'
import { uploadTo } from '../../../app/domain/privacy/test-support.server.ts'
import { ROLES, type Role } from '../../../app/lib/policy.ts'
import { anonymousRequest, requestAs, seedWorld, userIdOf, type Body, type DemoPerson } from './world.ts'

export type Actor = 'anonymous' | Role
export const ACTORS: readonly Actor[] = ['anonymous', ...ROLES]

/**
 * Who plays each role: demo people whose permissions are exactly their role's. The demo chair also holds the assessor
 * role, whose permissions are a subset of the panel chair's, so their permission set is exactly panel_chair's; the
 * test checks each person's permission set against POLICY before it starts.
 */
export const PLAYER: Record<Role, DemoPerson> = {
  applicant: 'applicant',
  organisation_admin: 'orgadmin',
  assessor: 'assessor',
  panel_chair: 'chair',
  fund_manager: 'manager',
  finance_officer: 'finance',
  funder_viewer: 'funder',
  admin: 'admin',
}

export interface AccessWorld {
  /** Organisation A (the acting applicant's own) and B (someone else's). */
  orgA: number
  orgB: number
  /** The closed panel round (eight bids, scored and decided), the open round and its fund. */
  panelRound: number
  openRound: number
  openRoundSlug: string
  fundId: number
  /** A's bid in the panel round (submitted, assessed, awarded) and A's draft in the open round. */
  appA: number
  draftA: number
  /** B's bid in the panel round and B's draft in the open round. */
  appB: number
  draftB: number
  /** A's award (accepted, year 1 paid) with its met condition, paid payment, a return and the payment run. */
  awardA: number
  conditionA: number
  trancheA: number
  returnA: number
  runId: number
  importId: number
  bankAccountA: number
  /** B's award (completed), paid payment, a submitted return and bank details. */
  awardB: number
  trancheB: number
  returnB: number
  bankAccountB: number
  /** An award of another organisation, offered and waiting for its answer. */
  offeredAwardOther: number
  /** Uploaded files on A's and B's panel bids. */
  documentA: number
  documentB: number
  /** The South West London pot, the demo funder viewer's contribution to it, and another funder's. */
  potId: number
  contributionOwn: number
  contributionOther: number
  /** The demo funder viewer's funder, and the other funder. */
  funderId: number
  otherFunderId: number
  questionId: number
  criterionId: number
  messageId: number
  placeId: number
  /** A throwaway person for the user-administration pages. */
  userId: number
  invitationToken: string
  /** Each role's own assessment (assessor and chair), and a job each person started. */
  assessmentOf: Partial<Record<Actor, number>>
  jobOf: Partial<Record<Actor, number>>
  /** The demo assessor's assignment elsewhere (someone else's) and assessor3's declared conflict. */
  othersAssessment: number
  conflictAssessment: number
  conflictedPerson: DemoPerson
}

const one = async <T>(q: Promise<T | undefined>, what: string): Promise<T> => {
  const row = await q
  if (row === undefined) throw new Error(`access world: no ${what} in the demo seed`)
  return row
}

export async function buildAccessWorld(): Promise<AccessWorld> {
  await seedWorld()
  const orgId = (name: string) => one(db.selectFrom('organisations').select('id').where('name', '=', name).executeTakeFirst(), name).then((r) => r.id)
  const orgA = await orgId('Wandle Valley Dementia Choir')
  const orgB = await orgId('Hackney Food and Friendship Hub')
  const panelRound = await one(db.selectFrom('rounds').select('id').where('title', 'like', '%shared investment round%').executeTakeFirst(), 'panel round')
  const openRound = await one(db.selectFrom('rounds').select(['id', 'slug', 'fund_id']).where('status', '=', 'published').where('title', 'like', 'Thriving%').executeTakeFirst(), 'open round')
  const app = (organisationId: number, roundId: number) =>
    one(db.selectFrom('applications').select('id').where('organisation_id', '=', organisationId).where('round_id', '=', roundId).executeTakeFirst(), `application of ${organisationId} in ${roundId}`).then((r) => r.id)
  const appA = await app(orgA, panelRound.id)
  const appB = await app(orgB, panelRound.id)
  const draftA = await app(orgA, openRound.id)
  const draftB = await app(orgB, openRound.id)
  const award = (organisationId: number) => one(db.selectFrom('awards').select('id').where('organisation_id', '=', organisationId).orderBy('id').executeTakeFirst(), 'award').then((r) => r.id)
  const awardA = await award(orgA)
  const awardB = await award(orgB)
  const paid = (awardId: number) => one(db.selectFrom('tranches').select('id').where('award_id', '=', awardId).where('status', '=', 'paid').executeTakeFirst(), 'paid tranche').then((r) => r.id)
  const firstReturn = (awardId: number, status?: string) =>
    one(
      db
        .selectFrom('returns')
        .select('id')
        .where('award_id', '=', awardId)
        .$if(status !== undefined, (q) => q.where('status', '=', status!))
        .orderBy('id')
        .executeTakeFirst(),
      'return',
    ).then((r) => r.id)
  const bank = (organisationId: number) => one(db.selectFrom('bank_accounts').select('id').where('organisation_id', '=', organisationId).executeTakeFirst(), 'bank details').then((r) => r.id)
  const manager = await userIdOf('manager')
  const funderViewer = await db.selectFrom('user_roles').select('funder_id').where('user_id', '=', await userIdOf('funder')).executeTakeFirstOrThrow()
  const contributionOwn = await one(db.selectFrom('contributions').select(['id', 'pot_id']).where('funder_id', '=', funderViewer.funder_id!).orderBy('id').executeTakeFirst(), 'own contribution')
  const contributionOther = await one(
    db.selectFrom('contributions').select(['id', 'funder_id']).where('pot_id', '=', contributionOwn.pot_id).where('funder_id', '!=', funderViewer.funder_id!).orderBy('id').executeTakeFirst(),
    'another funder’s contribution',
  )

  // An offer another organisation can accept: the demo leaves the second local award's offer in draft.
  const committed = await one(db.selectFrom('awards').select(['id', 'organisation_id']).where('status', '=', 'committed').orderBy('id').executeTakeFirst(), 'committed award')
  await db.transaction().execute((trx) => setOfferTerms(trx, manager, { awardId: committed.id, conditions: [], schedule: { kind: 'single', startDate: '2027-01-04' } }))
  await db.transaction().execute((trx) => issueOffer(trx, manager, { awardId: committed.id, appOrigin: 'http://localhost', dataDir: process.env.DATA_DIR! }))

  const documentA = (await uploadTo(appA, orgA, await userIdOf('orgadmin'))).documentId
  const documentB = (await uploadTo(appB, orgB, await userIdOf('hackney'))).documentId
  const orgAdmin = await userIdOf('orgadmin')
  const invitation = await db.transaction().execute((trx) =>
    inviteColleague(trx, { organisationId: orgA, inviterUserId: orgAdmin, email: `matrix-${crypto.randomBytes(3).toString('hex')}@example.org`, role: 'member', appOrigin: 'http://localhost' }),
  )
  const throwaway = await db
    .insertInto('users')
    .values({ email: `looked-at-${crypto.randomBytes(3).toString('hex')}@example.org`, name: 'Someone to look at', updated_at: new Date().toISOString() })
    .returning('id')
    .executeTakeFirstOrThrow()

  const assessmentOf: Partial<Record<Actor, number>> = {}
  for (const role of ['assessor', 'panel_chair'] as const) {
    const row = await one(
      db
        .selectFrom('assessments')
        .select('id')
        .where('assessor_user_id', '=', await userIdOf(PLAYER[role]))
        .where('application_id', 'in', db.selectFrom('applications').select('id').where('round_id', '=', panelRound.id))
        .where('status', '!=', 'conflict')
        .orderBy('id')
        .executeTakeFirst(),
      `${role}'s assessment`,
    )
    assessmentOf[role] = row.id
  }
  const assessor = await userIdOf('assessor')
  const othersAssessment = await one(
    db
      .selectFrom('assessments')
      .select('id')
      .where('assessor_user_id', '!=', assessor)
      .where('application_id', 'not in', db.selectFrom('assessments').select('application_id').where('assessor_user_id', '=', assessor))
      .where('application_id', 'in', db.selectFrom('applications').select('id').where('round_id', '=', panelRound.id))
      .orderBy('id')
      .executeTakeFirst(),
    'an assessment of a bid the assessor is not assigned to',
  )
  const conflict = await one(
    db.selectFrom('assessments').innerJoin('users', 'users.id', 'assessments.assessor_user_id').select(['assessments.id', 'users.email']).where('assessments.status', '=', 'conflict').executeTakeFirst(),
    'declared conflict',
  )

  const jobOf: Partial<Record<Actor, number>> = {}
  for (const role of ROLES) {
    const createdBy = await userIdOf(PLAYER[role])
    const { job } = await db.transaction().execute((trx) =>
      enqueueJob(trx, { kind: 'access-matrix', payload: { title: 'A job to look at' }, total: 1, createdBy, idempotencyKey: `access-matrix:${role}` }),
    )
    jobOf[role] = job.id
  }

  return {
    orgA,
    orgB,
    panelRound: panelRound.id,
    openRound: openRound.id,
    openRoundSlug: openRound.slug,
    fundId: openRound.fund_id,
    appA,
    draftA,
    appB,
    draftB,
    awardA,
    conditionA: (await one(db.selectFrom('award_conditions').select('id').where('award_id', '=', awardA).executeTakeFirst(), 'condition')).id,
    trancheA: await paid(awardA),
    returnA: await firstReturn(awardA),
    runId: (await one(db.selectFrom('tranches').select('payment_run_id').where('award_id', '=', awardA).where('status', '=', 'paid').executeTakeFirst(), 'run')).payment_run_id!,
    importId: (await one(db.selectFrom('bank_statement_imports').select('id').orderBy('id').executeTakeFirst(), 'statement import')).id,
    bankAccountA: await bank(orgA),
    awardB,
    trancheB: await paid(awardB),
    returnB: await firstReturn(awardB, 'submitted'),
    bankAccountB: await bank(orgB),
    offeredAwardOther: committed.id,
    documentA,
    documentB,
    potId: contributionOwn.pot_id,
    contributionOwn: contributionOwn.id,
    contributionOther: contributionOther.id,
    funderId: funderViewer.funder_id!,
    otherFunderId: contributionOther.funder_id,
    questionId: (await one(db.selectFrom('questions').select('id').where('round_id', '=', panelRound.id).orderBy('id').executeTakeFirst(), 'question')).id,
    criterionId: (await one(db.selectFrom('criteria').select('id').where('round_id', '=', panelRound.id).orderBy('id').executeTakeFirst(), 'criterion')).id,
    messageId: (await one(db.selectFrom('outbox_messages').select('id').orderBy('id').executeTakeFirst(), 'email')).id,
    placeId: (await one(db.selectFrom('applications').select('place_id').where('id', '=', appA).executeTakeFirst(), 'place')).place_id!,
    userId: throwaway.id,
    invitationToken: invitation.token,
    assessmentOf,
    jobOf,
    othersAssessment: othersAssessment.id,
    conflictAssessment: conflict.id,
    conflictedPerson: conflict.email.split('@')[0] as DemoPerson,
  }
}

/** A route file's URL path with its parameters filled in (Remix flat routes: dots are slashes, `[.]` a dot). */
export function routePath(file: string, params: Record<string, string>): string {
  const name = file.replace(/\.tsx?$/, '').replace(/\[\.\]/g, '~dot~')
  const segments = name
    .split('.')
    .map((s) => s.replace(/_$/, ''))
    .filter((s) => s !== '_index' && s !== '' && !s.startsWith('_'))
    .map((s) => s.replace(/^\$(\w+)/, (_, p: string) => {
      const value = params[p]
      if (value === undefined) throw new Error(`${file}: no value for the parameter ${p}`)
      return value
    }))
  return `/${segments.join('/')}`.replace(/~dot~/g, '.')
}

/** The parameter names a route file takes. */
export function paramNames(file: string): string[] {
  return [...file.matchAll(/\$(\w+?)_?(?=\.|\[|$)/g)].map((m) => m[1]!)
}

/** The default value of each parameter for an actor (their own organisation's things, their own assessment and job). */
export function defaultParams(w: AccessWorld, actor: Actor): Record<string, string> {
  const values: Record<string, number | string | undefined> = {
    roundId: w.panelRound,
    applicationId: w.appA,
    sectionNumber: 1,
    assessmentId: w.assessmentOf[actor] ?? w.assessmentOf.assessor,
    awardId: w.awardA,
    conditionId: w.conditionA,
    trancheId: w.trancheA,
    returnId: w.returnA,
    documentId: w.documentA,
    bankAccountId: w.bankAccountA,
    organisationId: w.orgA,
    runId: w.runId,
    importId: w.importId,
    potId: w.potId,
    contributionId: w.contributionOwn,
    fundId: w.fundId,
    messageId: w.messageId,
    userId: w.userId,
    placeId: w.placeId,
    slug: w.openRoundSlug,
    token: w.invitationToken,
    jobId: w.jobOf[actor] ?? w.jobOf.admin,
    criterionId: w.criterionId,
    questionId: w.questionId,
  }
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]))
}

const cookies = new Map<string, string>()

/**
 * A request as an actor: anonymous, or the person playing the role (signed in, second factor passed). With `reuse`,
 * the person's session is made once and reused (the matrix makes thousands of requests); without it, each request has
 * a session of its own (for actions that sign out).
 */
export async function requestFor(actor: Actor | DemoPerson, pathname: string, init: { method?: string; body?: Body; reuse?: boolean } = {}): Promise<Request> {
  const { reuse, ...rest } = init
  if (actor === 'anonymous') return anonymousRequest(pathname, rest)
  const person = (ROLES as readonly string[]).includes(actor) ? PLAYER[actor as Role] : (actor as DemoPerson)
  if (!reuse) return requestAs(person, pathname, rest)
  let cookie = cookies.get(person)
  if (!cookie) {
    cookie = (await requestAs(person, '/')).headers.get('Cookie')!
    cookies.set(person, cookie)
  }
  const body = rest.body === undefined || rest.body instanceof URLSearchParams || rest.body instanceof FormData ? rest.body : new URLSearchParams(rest.body)
  return new Request(new URL(pathname, 'http://localhost'), { method: rest.method ?? (body ? 'POST' : 'GET'), headers: { Cookie: cookie, Origin: 'http://localhost' }, body })
}

export type Outcome = 'allowed' | 'denied' | 'hidden' | 'error'

export interface Answer {
  outcome: Outcome
  status: number | 'threw'
  location?: string | null
  error?: unknown
  response?: Response
}

const DENIAL_REDIRECTS = ['/login?', '/login/two-factor', '/account/two-factor']

/**
 * What an answer means: denied (403, or sent to sign in or to the second factor), hidden (404), an error (a 5xx or a
 * throw that is not a Response: the server would answer 500) or allowed (anything else: a page, a file, a redirect
 * elsewhere, a 400 or 409 for an empty form).
 */
export function classify(status: number, location: string | null | undefined): Outcome {
  if (status >= 500) return 'error'
  if (status === 403) return 'denied'
  if (status === 404) return 'hidden'
  if (status >= 300 && status < 400 && location && DENIAL_REDIRECTS.some((p) => location.startsWith(p))) return 'denied'
  return 'allowed'
}

type Handler = (args: { request: Request; params: Record<string, string>; context: Record<string, unknown> }) => unknown

/** Calls a loader or action as Remix would, and says what came back. */
export async function call(handler: Handler, request: Request, params: Record<string, string>): Promise<Answer> {
  try {
    const result = await handler({ request, params, context: { cspNonce: '', clientIp: '127.0.0.1' } })
    if (result instanceof Response) {
      const location = result.headers.get('Location')
      return { outcome: classify(result.status, location), status: result.status, location, response: result }
    }
    return { outcome: 'allowed', status: 200 }
  } catch (e) {
    if (e instanceof Response) {
      const location = e.headers.get('Location')
      return { outcome: classify(e.status, location), status: e.status, location, response: e }
    }
    return { outcome: 'error', status: 'threw', error: e }
  }
}

export const ROUTES_DIR = path.resolve('app/routes')
