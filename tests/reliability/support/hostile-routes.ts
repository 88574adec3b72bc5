/**
 * Every form action in app/routes, as hostile-input.test.ts throws generated bodies at it: where it is (real ids from
 * the demo seed), who posts (the superuser past every permission check, unless the route needs someone else), and the
 * fields and intents its schema reads (read from each route file), so the generated bodies reach the real parsing
 * rather than stopping at "unknown intent".
 *
 * Actions that never read their body are listed with `bodyIgnored` and a place where they refuse whatever is posted.
 */
import { db } from '../../../app/lib/db.server.ts'
import { DEFAULT_BUDGET_CATEGORIES } from '../../../app/domain/applications/answers.ts'
import { SCREENING_RESULTS } from '../../../app/domain/applications/screening-labels.ts'
import { CONFLICT_TYPES } from '../../../app/domain/assessment/assessment-labels.ts'
import { CRITERION_KINDS, SCORE_POINTS } from '../../../app/domain/assessment/criterion-input.ts'
import { DECISION_STATUSES } from '../../../app/domain/assessment/panel-labels.ts'
import { SCHEDULE_KINDS } from '../../../app/domain/awards/schedule.ts'
import { OUTCOME_AREAS } from '../../../app/domain/budgets/ring-fence.ts'
import { QUESTION_TYPES } from '../../../app/domain/funds/question-types.ts'
import { VALUED_MEASURES } from '../../../app/domain/impact/sroi.ts'
import { LEGAL_TYPES } from '../../../app/domain/organisations/identifiers.ts'
import { ACCOUNT_NAME_MAX_LENGTH } from '../../../app/domain/payments/bank-details.ts'
import { RETURN_SCHEDULE_KINDS } from '../../../app/domain/returns/return-schedule.ts'
import { GRANTABLE_ROLES } from '../../../app/lib/policy.ts'
import type { DemoPerson } from './world.ts'
import { date, email, format, free, id, ids, int, key, manyOf, money, oneOf, password, secret, text, words, type BodySpec, type IntentSpec, type Kind } from './hostile-values.ts'

/** Who posts: the superuser (every role, 2FA passed), nobody, a demo person, or the superuser before their second factor. */
export type Actor = 'superuser' | 'anonymous' | 'half-signed-in' | DemoPerson

export interface HostileRoute {
  /** app/routes/<file> */
  file: string
  path: string
  params: Record<string, string>
  actor: Actor
  body?: BodySpec
  /** Why any body is refused when the action reads none (the place chosen refuses the action itself). */
  bodyIgnored?: string
  /** Tables a refused request may legitimately change, and why. */
  mayChange?: { tables: string[]; why: string }
  /** An answer other than 4xx-with-a-message that is right for this route, and why. */
  alsoRight?: { why: string; test: (status: number, data: unknown) => boolean }
  /** Statuses beyond 400/403/404/409/413/422 this route may answer with. */
  extraStatuses?: number[]
}

const intents = (...list: IntentSpec[]) => list
const form = (fields: Record<string, Kind>, more: Partial<BodySpec> = {}): BodySpec => ({ intentField: 'intent', intents: [{ fields }], unknownIntentRefused: false, ...more })
const withIntents = (list: IntentSpec[], more: Partial<BodySpec> = {}): BodySpec => ({ intentField: 'intent', intents: list, unknownIntentRefused: true, ...more })

async function one<T>(what: string, query: Promise<T | undefined>): Promise<T> {
  const row = await query
  if (row === undefined) throw new Error(`the demo seed has no ${what}`)
  return row
}

/** The demo data each route is aimed at, found by what it is rather than by id. */
async function demoPlaces() {
  const wandle = await one('Wandle Valley choir', db.selectFrom('organisations').select('id').where('name', '=', 'Wandle Valley Dementia Choir').executeTakeFirst())
  const draft = await one('draft application', db.selectFrom('applications').innerJoin('rounds', 'rounds.id', 'applications.round_id').select(['applications.id', 'applications.round_id']).where('applications.organisation_id', '=', wandle.id).where('applications.status', '=', 'draft').where('rounds.allocation_method', '=', 'panel').executeTakeFirst())
  const openRound = await one('published panel round', db.selectFrom('rounds').select(['id', 'slug', 'fund_id']).where('id', '=', draft.round_id).executeTakeFirst())
  const assessment = await one('assigned assessment', db.selectFrom('assessments').innerJoin('users', 'users.id', 'assessments.assessor_user_id').select(['assessments.id']).where('users.email', 'like', 'assessor@%').where('assessments.status', '=', 'assigned').executeTakeFirst())
  const accepted = await one('accepted award', db.selectFrom('awards').select(['id', 'application_id', 'organisation_id']).where('status', '=', 'accepted').where('organisation_id', '=', wandle.id).executeTakeFirst())
  const committed = await one('committed award', db.selectFrom('awards').select(['id', 'application_id']).where('status', '=', 'committed').executeTakeFirst())
  const scoredRound = await one('closed round with an undecided panel', db.selectFrom('rounds').innerJoin('applications', 'applications.round_id', 'rounds.id').select(['rounds.id']).where('rounds.status', '=', 'closed').where('rounds.decisions_released_at', 'is', null).where('applications.id', '=', committed.application_id).executeTakeFirst())
  const scoredBid = await one('submitted bid without an award', db.selectFrom('applications').select('id').where('round_id', '=', scoredRound.id).where('status', '=', 'submitted').where('id', 'not in', db.selectFrom('awards').select('application_id')).orderBy('id').executeTakeFirst())
  const recommended = await db.selectFrom('panel_decisions').select('application_id').where('status', '=', 'recommended').where('application_id', 'not in', db.selectFrom('awards').select('application_id')).executeTakeFirst()
  const releasedRound = await one('released round', db.selectFrom('rounds').select('id').where('decisions_released_at', 'is not', null).executeTakeFirst())
  const expectedReturn = await one('expected return', db.selectFrom('returns').select('id').where('award_id', '=', accepted.id).where('status', '=', 'expected').orderBy('id').executeTakeFirst())
  const submittedReturn = await one('submitted return', db.selectFrom('returns').select('id').where('status', '=', 'submitted').executeTakeFirst())
  const condition = await one('condition', db.selectFrom('award_conditions').select(['id', 'award_id']).where('award_id', '=', accepted.id).executeTakeFirst())
  const run = await one('completed payment run', db.selectFrom('payment_runs').select('id').where('status', '=', 'completed').executeTakeFirst())
  const bankAccount = await one('verified bank account', db.selectFrom('bank_accounts').select('id').where('status', '=', 'verified').executeTakeFirst())
  const pot = await one('open pot', db.selectFrom('pots').select('id').where('status', '=', 'open').orderBy('id').executeTakeFirst())
  const carryingPot = await one('open pot that carries money forward', db.selectFrom('pots').select('id').where('status', '=', 'open').where('year_end_policy', '=', 'carry_forward').executeTakeFirst())
  const contribution = await one('contribution', db.selectFrom('contributions').select('id').where('pot_id', '=', pot.id).orderBy('id').executeTakeFirst())
  const question = await one('question', db.selectFrom('questions').select('id').where('round_id', '=', openRound.id).where('type', '=', 'short_text').executeTakeFirst())
  const criterion = await one('criterion', db.selectFrom('criteria').select('id').where('round_id', '=', openRound.id).orderBy('id').executeTakeFirst())
  const applicant = await one('applicant', db.selectFrom('users').select('id').where('email', 'like', 'applicant@%').executeTakeFirst())
  return { wandle, draft, openRound, assessment, accepted, committed, scoredRound, scoredBid, recommended, releasedRound, expectedReturn, submittedReturn, condition, run, bankAccount, pot, contribution, carryingPot, question, criterion, applicant }
}

/** The fields of one section of the draft application, from its questions (as the section's schema reads them). */
async function sectionFields(applicationRoundId: number, sectionNumber: number): Promise<Record<string, Kind>> {
  const rows = await db.selectFrom('questions').select(['key', 'type', 'section', 'config', 'position']).where('round_id', '=', applicationRoundId).where('stage', '=', 'full').orderBy('position').execute()
  const sections = [...new Set(rows.map((r) => r.section))]
  const section = sections[sectionNumber - 1]
  const fields: Record<string, Kind> = {}
  for (const q of rows.filter((r) => r.section === section)) {
    const config = (typeof q.config === 'string' ? JSON.parse(q.config) : q.config) as { wordLimit?: number; min?: number; max?: number; options?: string[]; categories?: string[] }
    if (q.type === 'short_text') fields[q.key] = text(300)
    else if (q.type === 'long_text') fields[q.key] = config.wordLimit ? words(config.wordLimit) : free
    else if (q.type === 'number') fields[q.key] = int(config.min, config.max)
    else if (q.type === 'money') fields[q.key] = money(false)
    else if (q.type === 'date') fields[q.key] = date(false)
    else if (q.type === 'single_choice') fields[q.key] = oneOf(config.options ?? [], false)
    else if (q.type === 'multiple_choice') fields[q.key] = manyOf(config.options ?? [])
    else if (q.type === 'yes_no') fields[q.key] = oneOf(['yes', 'no'], false)
    else if (q.type === 'budget_table') {
      fields[`${q.key}[0].category`] = oneOf(config.categories ?? DEFAULT_BUDGET_CATEGORIES, false)
      fields[`${q.key}[0].description`] = text(200)
      fields[`${q.key}[0].amount`] = money(false)
      fields[`${q.key}[0].kind`] = oneOf(['cash', 'in_kind'], false)
    } else if (q.type === 'partners_table') {
      fields[`${q.key}[0].name`] = text(200)
      fields[`${q.key}[0].role`] = text(300)
    } else fields[q.key] = free
  }
  return fields
}

const CRITERION_FIELDS: Record<string, Kind> = {
  name: text(120, true),
  guidance: text(2000),
  kind: oneOf(CRITERION_KINDS),
  weight: int(1, 100),
  scaleMin: int(),
  scaleMax: int(),
  ...Object.fromEntries(SCORE_POINTS.map((n) => [`descriptor${n}`, text(300)])),
}
const QUESTION_FIELDS: Record<string, Kind> = {
  section: text(120, true),
  label: text(500, true),
  helpText: text(2000),
  required: free,
  wordLimit: int(1, 10000),
  options: text(5000),
}
const TIMES_REFUSED = ['25:00', '12:60', 'noon', '9:00', '<script>alert(1)</script>']
const SORT_CODE = format('30-94-57', ['12345', '12-34-5', 'ab-cd-ef', '1234567', '<script>alert(1)</script>'])
const ACCOUNT_NUMBER = format('12345678', ['1234567', '123456789', 'abcdefgh', "1'; drop table users; --"])
const PERCENT = format('25', ['101', '-1', '12.55', 'abc', 'NaN', '1e2', '100.5'])
const VARIATION_FIELDS: Record<string, Kind> = {
  amount: money(),
  reason: text(2000, true),
  'tranches[0].amount': money(false),
  'tranches[0].dueDate': date(false),
  'tranches[0].gate': oneOf(['date', 'acceptance'], false),
  idempotencyKey: key,
}

export async function hostileRoutes(): Promise<HostileRoute[]> {
  const w = await demoPlaces()
  const s = 'superuser' as const
  const draftPath = `/applications/${w.draft.id}`
  const round = w.openRound.id
  const scored = w.scoredRound.id
  const returnFields: Record<string, Kind> = {
    peopleReached: int(0),
    sessionsDelivered: int(0),
    'referral-gp': int(0),
    story: text(5000),
    plans: text(3000),
    spentTotal: money(false),
    matchFunding: money(false),
    'spendLines[0].spent': money(false),
    'spendLines[0].reason': text(2000),
  }
  const routes: HostileRoute[] = [
    // ---------------------------------------------------------------- signing in and accounts (nobody signed in)
    { file: 'login.tsx', path: '/login', params: {}, actor: 'anonymous', body: form({ email: text(254, true), password: secret, redirectTo: free }), mayChange: { tables: ['sign_in_attempts'], why: 'a refused sign-in is counted, so a burst of wrong passwords is throttled' }, extraStatuses: [429] },
    { file: 'signup.tsx', path: '/signup', params: {}, actor: 'anonymous', body: form({ name: text(200, true), email, password, redirectTo: free }) },
    { file: 'forgot-password.tsx', path: '/forgot-password', params: {}, actor: 'anonymous', body: form({ email }) },
    { file: 'reset-password.tsx', path: '/reset-password', params: {}, actor: 'anonymous', body: form({ token: secret, newPassword: password, confirmPassword: free }) },
    {
      file: 'logout.tsx',
      path: '/logout',
      params: {},
      actor: 'anonymous',
      bodyIgnored: 'signing out reads no body; with no session there is nothing to revoke',
      alsoRight: { why: 'signing out always goes home (302); nobody was signed in, so nothing changes', test: (status) => status === 302 },
    },
    { file: 'login_.two-factor.tsx', path: '/login/two-factor', params: {}, actor: 'half-signed-in', body: form({ code: secret, redirectTo: free }), mayChange: { tables: ['audit_events', 'audit_chain_head'], why: 'a wrong second-factor code is an audit event (the last 15 minutes of them throttle further codes)' }, extraStatuses: [429] },
    { file: 'account.password.tsx', path: '/account/password', params: {}, actor: s, body: form({ currentPassword: secret, newPassword: password, confirmPassword: free }) },
    { file: 'account.two-factor.tsx', path: '/account/two-factor', params: {}, actor: s, body: form({ password: secret }) },
    { file: 'invitations.$token.tsx', path: '/invitations/not-a-real-token', params: { token: 'not-a-real-token' }, actor: s, bodyIgnored: 'accepting reads no body; the token matches no invitation (404)' },
    { file: 'webhooks.stripe.ts', path: '/webhooks/stripe', params: {}, actor: 'anonymous', bodyIgnored: 'the body is checked against the Stripe-Signature header before it is read, and there is none (400)' },
    // ---------------------------------------------------------------- organisations and applying
    { file: 'organisation.new.tsx', path: '/organisation/new', params: {}, actor: s, body: form({ name: text(200, true), addressLine1: text(200, true), addressLine2: text(200), town: text(100, true), postcode: text(undefined, true), placeId: id(), otherPlaceIds: ids, legalType: oneOf(LEGAL_TYPES), charityNumber: text(20), companyNumber: text(20) }) },
    { file: 'organisation.bank-details.tsx', path: `/organisation/bank-details?org=${w.wandle.id}`, params: {}, actor: s, body: form({ accountName: text(ACCOUNT_NAME_MAX_LENGTH, true), sortCode: SORT_CODE, accountNumber: ACCOUNT_NUMBER }) },
    { file: 'organisation.members.tsx', path: `/organisation/members?org=${w.wandle.id}`, params: {}, actor: s, body: withIntents(intents({ intent: 'invite', fields: { email, role: oneOf(['member', 'admin']) } }, { intent: 'change-role', fields: { userId: id(), role: oneOf(['member', 'admin']) } }, { intent: 'remove', fields: { userId: id() } })) },
    { file: 'organisation.priority.tsx', path: `/organisation/priority?org=${w.wandle.id}`, params: {}, actor: s, body: form({ priority: oneOf(['yes', 'no']) }) },
    { file: 'apply.$slug.eligibility.tsx', path: `/apply/${w.openRound.slug}/eligibility`, params: { slug: w.openRound.slug }, actor: s, body: form({ organisationId: id(), q_registered: free }) },
    ...[1, 2, 3].map(
      (n): HostileRoute => ({
        file: 'applications.$applicationId.sections.$sectionNumber.tsx',
        path: `${draftPath}/sections/${n}`,
        params: { applicationId: String(w.draft.id), sectionNumber: String(n) },
        actor: s,
        body: undefined,
        alsoRight: { why: 'an autosave that does not pass the format rules saves nothing and shows nothing while the person types (200, autosaved: false)', test: (status, data) => status === 200 && (data as { autosaved?: boolean })?.autosaved === false },
      }),
    ),
    { file: 'applications.$applicationId.check.tsx', path: `${draftPath}/check`, params: { applicationId: String(w.draft.id) }, actor: s, body: form({ declaration: oneOf(['on']) }) },
    { file: 'applications.$applicationId.withdraw.tsx', path: `${draftPath}/withdraw`, params: { applicationId: String(w.draft.id) }, actor: s, body: form({ reason: text(1000) }) },
    // ---------------------------------------------------------------- offers, conditions, variations, returns (the organisation)
    { file: 'awards.$awardId.tsx', path: `/awards/${w.committed.id}`, params: { awardId: String(w.committed.id) }, actor: s, body: withIntents(intents({ intent: 'accept', fields: { name: text(200, true), role: text(200, true), declaration: free, idempotencyKey: key } }, { intent: 'decline', fields: { reason: text(2000, true), idempotencyKey: key } })) },
    { file: 'awards.$awardId_.conditions.$conditionId.tsx', path: `/awards/${w.condition.award_id}/conditions/${w.condition.id}`, params: { awardId: String(w.condition.award_id), conditionId: String(w.condition.id) }, actor: s, body: form({ evidence: secret }) },
    { file: 'awards.$awardId_.variation.tsx', path: `/awards/${w.accepted.id}/variation`, params: { awardId: String(w.accepted.id) }, actor: s, body: form(VARIATION_FIELDS) },
    {
      file: 'awards.$awardId_.returns.$returnId.tsx',
      path: `/awards/${w.accepted.id}/returns/${w.expectedReturn.id}`,
      params: { awardId: String(w.accepted.id), returnId: String(w.expectedReturn.id) },
      actor: s,
      body: withIntents(intents({ intent: 'save', fields: returnFields }, { intent: 'submit', fields: returnFields }), { unknownIntentRefused: false, fallbackIntent: 'save' }),
    },
    // ---------------------------------------------------------------- assessing and panels
    {
      file: 'assess.$assessmentId.tsx',
      path: `/assess/${w.assessment.id}`,
      params: { assessmentId: String(w.assessment.id) },
      actor: 'assessor',
      body: withIntents(intents({ intent: 'conflict-check', fields: { answer: oneOf(['none', 'conflict']), type: oneOf(CONFLICT_TYPES, false), note: text(2000) } })),
    },
    { file: 'panel.$roundId.bids.$applicationId._index.tsx', path: `/panel/${scored}/bids/${w.scoredBid.id}`, params: { roundId: String(scored), applicationId: String(w.scoredBid.id) }, actor: s, body: withIntents(intents({ intent: 'moderate', fields: { criterionId: id(), score: int(0, 10, true), rationale: text(2000, true) } }, { intent: 'clear', fields: { criterionId: id() } })) },
    // declineReason is one of the round's reasons, checked only when the decision is to decline (else ignored).
    { file: 'panel.$roundId.bids.$applicationId.decision.tsx', path: `/panel/${scored}/bids/${w.scoredBid.id}/decision`, params: { roundId: String(scored), applicationId: String(w.scoredBid.id) }, actor: s, body: form({ status: oneOf(DECISION_STATUSES), amount: money(false), rationale: text(4000, true), declineReason: free, feedback: text(4000), overrideReason: text(4000) }) },
    { file: 'panel.$roundId.calibration.tsx', path: `/panel/${scored}/calibration`, params: { roundId: String(scored) }, actor: s, body: form({ normalise: oneOf(['on', 'off']) }) },
    { file: 'panel.$roundId.minutes.tsx', path: `/panel/${scored}/minutes`, params: { roundId: String(scored) }, actor: s, body: form({ panelHeldOn: date(false), 'attendees[0].userId': id(false), 'attendees[0].name': text(200), 'attendees[0].role': text(200) }) },
    {
      file: 'panel.$roundId.optimiser.tsx',
      path: `/panel/${scored}/optimiser`,
      params: { roundId: String(scored) },
      actor: s,
      body: withIntents(intents({ intent: 'limit', fields: { placeId: id(), min: money(false), max: money(false) } }, { intent: 'accept', fields: { runId: id(), 'overrides[0].applicationId': id(false), 'overrides[0].status': oneOf(DECISION_STATUSES, false), 'overrides[0].reason': text(2000) } })),
    },
    { file: 'panel.$roundId.release.tsx', path: `/panel/${w.releasedRound.id}/release`, params: { roundId: String(w.releasedRound.id) }, actor: s, bodyIgnored: 'releasing reads no body; this round’s decisions are already released (409)' },
    // ---------------------------------------------------------------- fund management
    { file: 'manage.funds._index.tsx', path: '/manage/funds', params: {}, actor: s, body: form({ name: text(200, true), description: text(2000), shape: oneOf(['thriving_communities', 'power_of_music', 'place_based_pot', 'other']), funderIds: ids }) },
    { file: 'manage.funds.$fundId.tsx', path: `/manage/funds/${w.openRound.fund_id}`, params: { fundId: String(w.openRound.fund_id) }, actor: s, body: form({ title: text(200, true) }) },
    {
      file: 'manage.rounds.$roundId._index.tsx',
      path: `/manage/rounds/${round}`,
      params: { roundId: String(round) },
      actor: s,
      body: form({ title: text(200, true), summary: text(1000), guidance: text(20000), opensDate: free, closesDate: date(false), closesTime: format('12:00', TIMES_REFUSED, false), budget: money(false), minGrant: money(false), maxGrant: money(false), years: int(2, 10), matchPercent: int(1, 100), partnershipMinimum: int(1, 50), leadTypes: manyOf(LEGAL_TYPES), placeIds: ids, stages: oneOf(['single', 'two_stage']), allocationMethod: oneOf(['panel', 'fcfs']) }),
    },
    { file: 'manage.rounds.$roundId.applications.tsx', path: '/manage/rounds/99999/applications', params: { roundId: '99999' }, actor: s, bodyIgnored: 'screening reads no body; there is no round 99999 (404)' },
    { file: 'manage.rounds.$roundId.assessment.tsx', path: `/manage/rounds/${round}/assessment`, params: { roundId: String(round) }, actor: s, body: form({ assessorsPerBid: int(1, 10, true), disagreementThreshold: int(1, 100, true), declineReasons: text(undefined, true), blindReview: free }) },
    {
      file: 'manage.rounds.$roundId.assignments.tsx',
      path: `/manage/rounds/${scored}/assignments`,
      params: { roundId: String(scored) },
      actor: s,
      body: withIntents(intents({ intent: 'assign', fields: { applicationId: id(), assessorUserId: id() } }, { intent: 'take-back', fields: { assessmentId: id() } }, { intent: 'conflict', fields: { applicationId: id(), assessorUserId: id(), type: oneOf(CONFLICT_TYPES), note: text(2000) } })),
    },
    { file: 'manage.rounds.$roundId.close.tsx', path: `/manage/rounds/${scored}/close`, params: { roundId: String(scored) }, actor: s, bodyIgnored: 'closing reads no body; this round is already closed (409)' },
    { file: 'manage.rounds.$roundId.copy.tsx', path: `/manage/rounds/${round}/copy`, params: { roundId: String(round) }, actor: s, body: form({ title: text(200, true), opensDate: date(), opensTime: format('09:00', TIMES_REFUSED), closesDate: date(), closesTime: format('12:00', TIMES_REFUSED) }) },
    { file: 'manage.rounds.$roundId.criteria.tsx', path: `/manage/rounds/${round}/criteria`, params: { roundId: String(round) }, actor: s, body: withIntents(intents({ intent: 'add', fields: CRITERION_FIELDS }, { intent: 'move', fields: { criterionId: id(), direction: oneOf(['up', 'down']) } }, { intent: 'delete', fields: { criterionId: id() } })) },
    { file: 'manage.rounds.$roundId.criteria_.$criterionId.tsx', path: `/manage/rounds/${round}/criteria/${w.criterion.id}`, params: { roundId: String(round), criterionId: String(w.criterion.id) }, actor: s, body: form(CRITERION_FIELDS) },
    { file: 'manage.rounds.$roundId.eligibility.tsx', path: `/manage/rounds/${round}/eligibility`, params: { roundId: String(round) }, actor: s, body: withIntents(intents({ intent: 'add', fields: { label: text(500, true), options: text(undefined, true), blockingAnswers: text(undefined, true), reason: text(1000, true) } }, { intent: 'remove', fields: { key: text(undefined, true) } })) },
    { file: 'manage.rounds.$roundId.offers.tsx', path: `/manage/rounds/${scored}/offers`, params: { roundId: String(scored) }, actor: s, body: form({ respondBy: date(false), idempotencyKey: key }) },
    { file: 'manage.rounds.$roundId.panel.tsx', path: `/manage/rounds/${round}/panel`, params: { roundId: String(round) }, actor: s, body: withIntents(intents({ intent: 'add', fields: { userId: id(), role: oneOf(['assessor', 'chair']) } }, { intent: 'remove', fields: { userId: id() } }, { intent: 'places', fields: { userId: id(), placeIds: ids } })) },
    { file: 'manage.rounds.$roundId.publish.tsx', path: `/manage/rounds/${round}/publish`, params: { roundId: String(round) }, actor: s, bodyIgnored: 'publishing reads no body; this round is already published (409)' },
    { file: 'manage.rounds.$roundId.questions._index.tsx', path: `/manage/rounds/${round}/questions`, params: { roundId: String(round) }, actor: s, body: withIntents(intents({ intent: 'add', fields: { stage: oneOf(['eoi', 'full']), type: oneOf(QUESTION_TYPES), ...QUESTION_FIELDS } }, { intent: 'move', fields: { questionId: id(), direction: oneOf(['up', 'down']) } }, { intent: 'move-section', fields: { stage: oneOf(['eoi', 'full']), section: text(undefined, true), direction: oneOf(['up', 'down']) } })) },
    { file: 'manage.rounds.$roundId.questions.$questionId.edit.tsx', path: `/manage/rounds/${round}/questions/${w.question.id}/edit`, params: { roundId: String(round), questionId: String(w.question.id) }, actor: s, body: form(QUESTION_FIELDS) },
    { file: 'manage.rounds.$roundId.questions.$questionId.delete.tsx', path: `/manage/rounds/${round}/questions/${w.question.id}/delete`, params: { roundId: String(round), questionId: String(w.question.id) }, actor: s, bodyIgnored: 'deleting reads no body; the round is published, so its questions cannot be deleted (409)' },
    { file: 'manage.rounds.$roundId.returns.tsx', path: `/manage/rounds/${round}/returns`, params: { roundId: String(round) }, actor: s, body: form({ kind: oneOf(RETURN_SCHEDULE_KINDS), interimMonths: int(1, 36), shortReturnMax: money(), swemwbsEnabled: free }) },
    {
      file: 'manage.applications.$applicationId.tsx',
      path: `/manage/applications/${w.scoredBid.id}`,
      params: { applicationId: String(w.scoredBid.id) },
      actor: s,
      body: withIntents(intents({ intent: 'screening', fields: { result: oneOf(SCREENING_RESULTS), reason: text(2000, true) } }, { intent: 'changes', fields: { reason: text(2000, true) } }, { intent: 'decline', fields: { reason: text(2000, true) } }, { intent: 'outcomes', fields: { outcomeAreas: manyOf(OUTCOME_AREAS) } })),
    },
    {
      file: 'manage.applications.$applicationId_.award.tsx',
      path: `/manage/applications/${w.recommended?.application_id ?? w.scoredBid.id}/award`,
      params: { applicationId: String(w.recommended?.application_id ?? w.scoredBid.id) },
      actor: s,
      body: form({ amount: money(), potId: id(), outcomeAreas: manyOf(OUTCOME_AREAS), splitChoice: oneOf(['proposed', 'own'], false), overrideReason: text(2000), idempotencyKey: key }),
    },
    {
      file: 'manage.awards.$awardId.tsx',
      path: `/manage/awards/${w.committed.id}`,
      params: { awardId: String(w.committed.id) },
      actor: s,
      body: withIntents(
        intents(
          { intent: 'terms', fields: { conditions: text(5000), kind: oneOf(SCHEDULE_KINDS), startDate: free, years: int(), amountPerYear: money(false), 'tranches[0].amount': money(false), 'tranches[0].dueDate': free } },
          { intent: 'condition', fields: { conditionId: id(), decision: oneOf(['met', 'waived']), note: text(2000) } },
        ),
      ),
    },
    { file: 'manage.awards.$awardId_.offer.tsx', path: `/manage/awards/${w.committed.id}/offer`, params: { awardId: String(w.committed.id) }, actor: s, body: form({ respondBy: date(false) }) },
    { file: 'manage.awards.$awardId_.publish.tsx', path: `/manage/awards/${w.accepted.id}/publish`, params: { awardId: String(w.accepted.id) }, actor: s, body: withIntents(intents({ intent: 'publish', fields: {} }, { intent: 'unpublish', fields: {} })) },
    { file: 'manage.awards.$awardId_.variations.tsx', path: `/manage/awards/${w.accepted.id}/variations`, params: { awardId: String(w.accepted.id) }, actor: s, body: withIntents(intents({ intent: 'decide', fields: { variationId: id(), decision: oneOf(['approved', 'rejected']), note: text(2000) } }, { intent: 'propose', fields: VARIATION_FIELDS }), { unknownIntentRefused: false, fallbackIntent: 'propose' }) },
    { file: 'manage.returns.$returnId.tsx', path: `/manage/returns/${w.submittedReturn.id}`, params: { returnId: String(w.submittedReturn.id) }, actor: s, body: { intentField: 'decision', intents: intents({ intent: 'accept', fields: { comments: text(5000) } }, { intent: 'changes', fields: { comments: text(5000, true) } }), unknownIntentRefused: true } },
    { file: 'manage.open-data.tsx', path: '/manage/open-data', params: {}, actor: s, body: withIntents(intents({ intent: 'settings', fields: { prefix: text(60, true), publisherName: text(200, true), licenceUrl: format('https://creativecommons.org/licenses/by/4.0/', ['not a web address', 'javascript:alert(1)', 'ftp://example.org/licence', 'data:text/html,<script>alert(1)</script>', '//example.org']) } }, { intent: 'publish', fields: { awardId: ids } }, { intent: 'unpublish', fields: { awardId: ids } })) },
    { file: 'impact.sroi.$fundId.tsx', path: `/impact/sroi/${w.openRound.fund_id}`, params: { fundId: String(w.openRound.fund_id) }, actor: s, body: form({ ...Object.fromEntries(VALUED_MEASURES.slice(0, 3).map((c) => [`value_${c}`, money()])), deadweightPercent: PERCENT, attributionPercent: PERCENT, dropOffPercent: PERCENT, durationYears: int(1, 10, true), discountRatePercent: PERCENT }) },
    // ---------------------------------------------------------------- pots
    { file: 'pots.new.tsx', path: '/pots/new', params: {}, actor: s, body: form({ name: text(200, true), place: format('national', ['nowhere', '1.5', '-1', ' national', '<script>alert(1)</script>']), hostFunderId: id(), poolManagerUserId: id(false), financialYear: format('2026-27', ['2026', '2026-28', '26-27', 'abcd-ef', '<script>alert(1)</script>', '9999999999-00']), availableBasis: oneOf(['received', 'pledged']), yearEndPolicy: oneOf(['carry_forward', 'return']) }) },
    { file: 'pots.$potId._index.tsx', path: `/pots/${w.pot.id}`, params: { potId: String(w.pot.id) }, actor: s, body: withIntents(intents({ intent: 'link-round', fields: { roundId: id() } })) },
    {
      file: 'pots.$potId.contributions.new.tsx',
      path: `/pots/${w.pot.id}/contributions/new`,
      params: { potId: String(w.pot.id) },
      actor: s,
      body: form({ funderId: id(), pledged: money(), 'instalments[0].dueDate': date(false), 'instalments[0].amount': money(false), isInKind: free, placeIds: ids, outcomeAreas: manyOf(OUTCOME_AREAS), fundIds: ids, roundIds: ids, spendBy: date(false), maxSharePercent: int(1, 100) }),
    },
    { file: 'pots.$potId.contributions.$contributionId.tsx', path: `/pots/${w.pot.id}/contributions/${w.contribution.id}`, params: { potId: String(w.pot.id), contributionId: String(w.contribution.id) }, actor: s, body: form({ amount: money(), receivedOn: date(), reference: text(100, true), overPledgeReason: text(500), idempotencyKey: key }) },
    { file: 'pots.$potId.donate.tsx', path: `/pots/${w.pot.id}/donate`, params: { potId: String(w.pot.id) }, actor: 'anonymous', body: form({ amount: money(), donorName: text(100), formToken: format('0123456789abcdef0123456789abcdef', ['abc', 'g'.repeat(32), '<script>alert(1)</script>', '0123456789ABCDEF0123456789ABCDEF']) }) },
    // A pot that carries its money forward reads the next year's pot; one that returns it ignores the field (and closing its year is a valid post).
    { file: 'pots.$potId.year-end.tsx', path: `/pots/${w.carryingPot.id}/year-end`, params: { potId: String(w.carryingPot.id) }, actor: s, body: form({ nextPotId: id(true) }) },
    // ---------------------------------------------------------------- finance
    { file: 'finance._index.tsx', path: '/finance', params: {}, actor: s, body: form({ rail: oneOf(['bacs', 'stripe']), scope: oneOf(['ticked'], false), trancheIds: ids, idempotencyKey: key }) },
    { file: 'finance.awards.$awardId.repayments.tsx', path: `/finance/awards/${w.accepted.id}/repayments`, params: { awardId: String(w.accepted.id) }, actor: s, body: form({ kind: oneOf(['repayment', 'clawback']), amount: money(), receivedOn: date(), trancheId: id(false), reason: text(2000, true), idempotencyKey: key }) },
    { file: 'finance.bank-details.$bankAccountId.tsx', path: `/finance/bank-details/${w.bankAccount.id}`, params: { bankAccountId: String(w.bankAccount.id) }, actor: s, body: withIntents(intents({ intent: 'verify', fields: { note: text(1000) } }, { intent: 'reject', fields: { reason: text(1000, true) } })) },
    { file: 'finance.organisations.$organisationId.stripe.tsx', path: `/finance/organisations/${w.wandle.id}/stripe`, params: { organisationId: String(w.wandle.id) }, actor: s, body: withIntents(intents({ intent: 'save', fields: { stripeAccountId: format('acct_1234567890', ['acct_', 'not an account', '<script>alert(1)</script>', `acct_${'x'.repeat(300)}`, "acct_1'; drop table users; --"]) } })) },
    { file: 'finance.payment-runs.$runId.tsx', path: `/finance/payment-runs/${w.run.id}`, params: { runId: String(w.run.id) }, actor: s, body: withIntents(intents({ intent: 'cancel', fields: { reason: text(2000, true) } }, { intent: 'failed', fields: { trancheId: id(), reason: text(2000, true) } })) },
    { file: 'finance.payment-runs.$runId_.export.tsx', path: `/finance/payment-runs/${w.run.id}/export`, params: { runId: String(w.run.id) }, actor: s, body: form({ format: oneOf(['standard18', 'csv']) }) },
    { file: 'finance.payment-runs.$runId_.stripe.tsx', path: `/finance/payment-runs/${w.run.id}/stripe`, params: { runId: String(w.run.id) }, actor: s, bodyIgnored: 'sending transfers reads no body; Stripe is not set up in the tests (409)' },
    { file: 'finance.statements._index.tsx', path: '/finance/statements', params: {}, actor: s, body: form({ statement: text(undefined, true) }) },
    // ---------------------------------------------------------------- administration
    { file: 'admin.payment-settings.tsx', path: '/admin/payment-settings', params: {}, actor: s, body: form({ threshold: money(), sortCode: SORT_CODE, accountNumber: ACCOUNT_NUMBER, name: text(18, true) }) },
    { file: 'admin.places.import.tsx', path: '/admin/places/import', params: {}, actor: s, body: withIntents(intents({ intent: 'preview', fields: { csv: text(1_000_000, true), effectiveDate: date() } }, { intent: 'apply', fields: { csv: text(1_000_000, true), effectiveDate: date() } }), { unknownIntentRefused: false, fallbackIntent: 'preview' }) },
    { file: 'admin.privacy.tsx', path: '/admin/privacy', params: {}, actor: s, body: form({ declinedApplicationMonths: int(6, 120, true) }) },
    { file: 'admin.users.$userId.tsx', path: `/admin/users/${w.applicant.id}`, params: { userId: String(w.applicant.id) }, actor: s, body: withIntents(intents({ intent: 'grant', fields: { role: oneOf(GRANTABLE_ROLES), funderId: id(false) } }, { intent: 'revoke', fields: { grantId: id() } })) },
    { file: 'admin.users.$userId_.erase.tsx', path: `/admin/users/${w.applicant.id}/erase`, params: { userId: String(w.applicant.id) }, actor: s, body: form({ reason: text(1000, true), confirm: format('ERASE', ['erase', 'ERASE!', 'E R A S E', 'no', '<script>alert(1)</script>']) }) },
  ]
  // The application form's sections: their fields come from the round's questions.
  for (const r of routes) {
    if (r.file !== 'applications.$applicationId.sections.$sectionNumber.tsx') continue
    const fields = await sectionFields(w.draft.round_id, Number(r.params.sectionNumber))
    r.body = withIntents(intents({ intent: 'continue', fields }, { intent: 'later', fields }, { intent: 'totals', fields }, { intent: 'autosave', fields }), { unknownIntentRefused: false, fallbackIntent: 'later' })
  }
  return routes
}
