/**
 * Funding rounds: a fund manager creates a draft, fills in its details, rules and places, publishes it (it then
 * appears on /funding), and closes it. The server, not the page, decides whether a round takes applications:
 * `assertRoundOpen` is what the applicant journey calls before it saves or submits anything.
 *
 * What may change when (decision):
 * - A draft round may change in every respect.
 * - A published round may change only its wording (title, summary, guidance) and have its closing date moved LATER
 *   (an extension). Everything applicants relied on when they started (amounts, rules, places, stages, allocation,
 *   opening date, questions) is fixed: to change those, copy the round to a new draft.
 * - A closed, decided or archived round cannot change.
 */
import type { Selectable, Transaction } from 'kysely'
import { isBefore } from 'date-fns'
import type { DB } from '../../../db/schema.ts'
import { placesValidOn, ukToday } from '~/domain/places/places.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import { describeDeadline, describeOpening, formatDeadline, formatLondon, roundPhase, type RoundPhase } from '~/lib/dates.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { describeAmounts, describeEligibility, parseRoundRules, RoundRulesSchema, type EligibilityQuestion, type RoundRules } from './round-rules.ts'

export type RoundStatus = DB['rounds']['status']
export type RoundStages = 'single' | 'two_stage'
export type AllocationMethod = 'panel' | 'fcfs'
export type QuestionStage = 'eoi' | 'full'

/** A value the round form should have caught; names its form field. */
export class RoundInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'round_input', status: 400, field })
  }
}

/** The change is not allowed in the round's current state (published, closed ...). */
export class RoundNotEditableError extends DomainError {
  constructor(message: string) {
    super(message, { code: 'round_not_editable', status: 409 })
  }
}

/** The round cannot be published yet; `reasons` lists everything still missing. */
export class RoundNotReadyError extends DomainError {
  readonly reasons: string[]
  constructor(reasons: string[]) {
    super(`This round cannot be published yet: ${reasons.join(' ')}`, { code: 'round_not_ready', status: 409 })
    this.reasons = reasons
  }
}

/** The round does not take applications now; the message names the deadline or the opening. */
export class RoundClosedError extends DomainError {
  constructor(message: string) {
    super(message, { code: 'round_closed', status: 409 })
  }
}

export interface Round {
  id: number
  fundId: number
  title: string
  slug: string
  summary: string
  guidance: string
  status: RoundStatus
  opensAt: string | null
  closesAt: string | null
  budgetPence: number
  minGrantPence: number | null
  maxGrantPence: number | null
  years: number
  stages: RoundStages
  allocationMethod: AllocationMethod
  rules: RoundRules
  copiedFromRoundId: number | null
  publishedAt: string | null
}

/** A round with what its pages show around it: the fund, its funders, eligible places and assessment criteria. */
export interface RoundView extends Round {
  fund: { id: number; name: string; slug: string }
  funders: string[]
  places: { id: number; name: string; odsCode: string; regionName: string }[]
  criteria: { name: string; guidance: string; weight: number }[]
}

export const ROUND_COLUMNS = [
  'id',
  'fund_id',
  'title',
  'slug',
  'summary',
  'guidance',
  'status',
  'opens_at',
  'closes_at',
  'budget_pence',
  'min_grant_pence',
  'max_grant_pence',
  'years',
  'stages',
  'allocation_method',
  'rules',
  'copied_from_round_id',
  'published_at',
] as const

export type RoundRow = Pick<Selectable<DB['rounds']>, (typeof ROUND_COLUMNS)[number]>

export function toRound(r: RoundRow): Round {
  return {
    id: r.id,
    fundId: r.fund_id,
    title: r.title,
    slug: r.slug,
    summary: r.summary,
    guidance: r.guidance,
    status: r.status,
    opensAt: r.opens_at,
    closesAt: r.closes_at,
    budgetPence: Number(r.budget_pence),
    minGrantPence: r.min_grant_pence === null ? null : Number(r.min_grant_pence),
    maxGrantPence: r.max_grant_pence === null ? null : Number(r.max_grant_pence),
    years: r.years,
    stages: r.stages,
    allocationMethod: r.allocation_method,
    rules: parseRoundRules(r.rules),
    copiedFromRoundId: r.copied_from_round_id,
    publishedAt: r.published_at,
  }
}

/** The window fields `dates.ts` reads (status, opens_at, closes_at) from a Round. */
export function windowOf(round: Pick<Round, 'status' | 'opensAt' | 'closesAt'>) {
  return { status: round.status, opens_at: round.opensAt, closes_at: round.closesAt }
}

export function phaseOf(round: Pick<Round, 'status' | 'opensAt' | 'closesAt'>, now: Date): RoundPhase {
  return roundPhase(windowOf(round), now)
}

/** The stages a round asks questions at: the full application, and before it an expression of interest if two-stage. */
export function stagesOf(round: Pick<Round, 'stages'>): QuestionStage[] {
  return round.stages === 'two_stage' ? ['eoi', 'full'] : ['full']
}

export async function getRound(db: Db, roundId: number): Promise<Round> {
  const row = await db.selectFrom('rounds').select(ROUND_COLUMNS).where('id', '=', roundId).executeTakeFirst()
  if (!row) throw new NotFoundError('round')
  return toRound(row)
}

async function viewOf(db: Db, round: Round): Promise<RoundView> {
  const [fund, funders, places, criteria] = await Promise.all([
    db.selectFrom('funds').select(['id', 'name', 'slug']).where('id', '=', round.fundId).executeTakeFirstOrThrow(),
    db
      .selectFrom('fund_funders')
      .innerJoin('funders', 'funders.id', 'fund_funders.funder_id')
      .select('funders.name')
      .where('fund_funders.fund_id', '=', round.fundId)
      .orderBy('funders.name')
      .execute(),
    db
      .selectFrom('round_places')
      .innerJoin('places', 'places.id', 'round_places.place_id')
      .select(['places.id', 'places.name', 'places.ods_code', 'places.region_name'])
      .where('round_places.round_id', '=', round.id)
      .orderBy('places.name')
      .execute(),
    db.selectFrom('criteria').select(['name', 'guidance', 'weight']).where('round_id', '=', round.id).orderBy('position').execute(),
  ])
  return {
    ...round,
    fund,
    funders: funders.map((f) => f.name),
    places: places.map((p) => ({ id: p.id, name: p.name, odsCode: p.ods_code, regionName: p.region_name })),
    criteria,
  }
}

/** A round with its fund, funders, places and criteria, by id (404 if there is none). */
export async function getRoundView(db: Db, roundId: number): Promise<RoundView> {
  return viewOf(db, await getRound(db, roundId))
}

/** A round by its public slug, with its fund, funders, places and criteria (404 if there is none). Drafts included. */
export async function getRoundBySlug(db: Db, slug: string): Promise<RoundView> {
  const row = await db.selectFrom('rounds').select(ROUND_COLUMNS).where('slug', '=', slug).executeTakeFirst()
  if (!row) throw new NotFoundError('round')
  return viewOf(db, toRound(row))
}

/**
 * Refuses (409, naming the deadline) unless the round takes applications at `now`. The applicant journey calls this
 * on every save and submit: "This round closed at 12:00 on Friday 8 January 2021".
 */
export function assertRoundOpen(round: Pick<Round, 'status' | 'opensAt' | 'closesAt'>, now: Date): void {
  const phase = phaseOf(round, now)
  if (phase === 'open') return
  if (phase === 'draft') throw new RoundClosedError('This round is not open for applications.')
  if (phase === 'upcoming') throw new RoundClosedError(`This round opens at ${formatDeadline(round.opensAt!)}.`)
  const closedAt = round.closesAt && !isBefore(now, round.closesAt) ? round.closesAt : null
  throw new RoundClosedError(closedAt ? `This round closed at ${formatDeadline(closedAt)}.` : 'This round has closed.')
}

// ---------- creating and editing ----------

/** "Thriving Communities 2026/27" -> "thriving-communities-2026-27". */
export function slugify(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80)
      .replace(/-+$/, '') || 'round'
  )
}

/** A slug not yet used by any round: the title's, or with "-2", "-3" ... added. */
export async function uniqueRoundSlug(db: Db, wanted: string): Promise<string> {
  const base = slugify(wanted)
  const taken = new Set((await db.selectFrom('rounds').select('slug').where('slug', 'like', `${base}%`).execute()).map((r) => r.slug))
  if (!taken.has(base)) return base
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`
}

export interface CreateRoundInput {
  fundId: number
  title: string
  /** The public web address part; made from the title when not given. */
  slug?: string
}

/** A new draft round in a fund, with no dates, amounts, rules or questions yet. */
export async function createRound(trx: Transaction<DB>, actorUserId: number | null, input: CreateRoundInput): Promise<Round> {
  const fund = await trx.selectFrom('funds').select('id').where('id', '=', input.fundId).executeTakeFirst()
  if (!fund) throw new NotFoundError('fund')
  const title = input.title.trim()
  if (!title) throw new RoundInputError('title', 'Enter the title of the round')
  const slug = await uniqueRoundSlug(trx, input.slug ?? title)
  const now = new Date().toISOString()
  const row = await trx
    .insertInto('rounds')
    .values({ fund_id: fund.id, title, slug, status: 'draft', rules: JSON.stringify(RoundRulesSchema.parse({})), updated_at: now })
    .returning(ROUND_COLUMNS)
    .executeTakeFirstOrThrow()
  const round = toRound(row)
  await recordAudit(trx, { actorUserId, action: 'round.created', entityType: 'round', entityId: round.id, after: round })
  return round
}

export interface RoundDetailsInput {
  title: string
  summary: string
  guidance: string
  opensAt: string | null
  closesAt: string | null
  budgetPence: number
  minGrantPence: number | null
  maxGrantPence: number | null
  stages: RoundStages
  allocationMethod: AllocationMethod
  /** Every rule except the eligibility questions and decline reasons, which have their own editors and are kept. */
  rules: Omit<RoundRules, 'eligibilityQuestions' | 'declineReasons'>
  /** Eligible places (integrated care boards in force on the opening date); empty = anywhere. */
  placeIds: number[]
}

/** The date places must be in force on: the round's opening date in London, or today before it has one. */
function placeDate(opensAt: string | null): string {
  return opensAt ? formatLondon(opensAt, 'yyyy-MM-dd') : ukToday()
}

async function checkDetails(trx: Transaction<DB>, input: RoundDetailsInput): Promise<void> {
  if (!input.title.trim()) throw new RoundInputError('title', 'Enter the title of the round')
  if (input.opensAt && input.closesAt && !isBefore(input.opensAt, input.closesAt)) {
    throw new RoundInputError('closesDate', 'The closing date must be after the opening date')
  }
  if (input.minGrantPence !== null && input.maxGrantPence !== null && input.minGrantPence > input.maxGrantPence) {
    throw new RoundInputError('maxGrant', 'The largest grant must be at least the smallest grant')
  }
  if (input.allocationMethod === 'fcfs' && !input.rules.fcfs) {
    throw new RoundInputError('fcfsGrantCount', 'Enter the number of grants for a first come, first served round')
  }
  if (input.placeIds.length > 0) {
    const date = placeDate(input.opensAt)
    const valid = new Set((await placesValidOn(trx, date)).map((p) => p.id))
    if (!input.placeIds.every((id) => valid.has(id))) {
      throw new RoundInputError('placeIds', `Select only areas (integrated care boards) in force on the opening date, ${formatLondon(date, 'd MMMM yyyy')}`)
    }
  }
}

async function placeIdsOf(db: Db, roundId: number): Promise<number[]> {
  return (await db.selectFrom('round_places').select('place_id').where('round_id', '=', roundId).orderBy('place_id').execute()).map((r) => r.place_id)
}

async function setRoundPlaces(trx: Transaction<DB>, roundId: number, placeIds: number[]): Promise<void> {
  await trx.deleteFrom('round_places').where('round_id', '=', roundId).execute()
  for (const placeId of [...new Set(placeIds)]) await trx.insertInto('round_places').values({ round_id: roundId, place_id: placeId }).execute()
}

/** The fields a published round may not change, compared as JSON. */
function fixedOnceOpen(round: Round, places: number[]) {
  const { eligibilityQuestions: _q, declineReasons: _d, ...rules } = round.rules
  return JSON.stringify([round.opensAt, round.budgetPence, round.minGrantPence, round.maxGrantPence, round.stages, round.allocationMethod, rules, places])
}

/**
 * Saves a round's details, rules and places. Drafts may change everything; a published round only its wording and a
 * later closing date (see the module comment); anything else is refused with 409.
 */
export async function updateRound(trx: Transaction<DB>, actorUserId: number | null, roundId: number, input: RoundDetailsInput): Promise<Round> {
  const before = await getRound(trx, roundId)
  const beforePlaces = await placeIdsOf(trx, roundId)
  if (before.status !== 'draft' && before.status !== 'published') {
    throw new RoundNotEditableError('This round has closed, so it can no longer be changed. Copy it to start a new round.')
  }
  await checkDetails(trx, input)
  const rules = RoundRulesSchema.parse({ ...input.rules, eligibilityQuestions: before.rules.eligibilityQuestions, declineReasons: before.rules.declineReasons })
  if (before.status === 'published') {
    const after: Round = { ...before, ...input, rules }
    if (fixedOnceOpen(after, [...new Set(input.placeIds)].sort((a, b) => a - b)) !== fixedOnceOpen(before, beforePlaces)) {
      throw new RoundNotEditableError(
        'This round is published: only its title, summary, guidance and closing date can change. Copy it to a new draft round to change anything else.',
      )
    }
    if (!input.closesAt || (before.closesAt && isBefore(input.closesAt, before.closesAt))) {
      throw new RoundInputError('closesDate', 'A published round’s closing date can only be moved later')
    }
  }
  const row = await trx
    .updateTable('rounds')
    .set({
      title: input.title.trim(),
      summary: input.summary.trim(),
      guidance: input.guidance.trim(),
      opens_at: input.opensAt,
      closes_at: input.closesAt,
      budget_pence: input.budgetPence,
      min_grant_pence: input.minGrantPence,
      max_grant_pence: input.maxGrantPence,
      years: rules.multiYear?.years ?? 1,
      stages: input.stages,
      allocation_method: input.allocationMethod,
      rules: JSON.stringify(rules),
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', roundId)
    .returning(ROUND_COLUMNS)
    .executeTakeFirstOrThrow()
  if (before.status === 'draft') await setRoundPlaces(trx, roundId, input.placeIds)
  const after = toRound(row)
  await recordAudit(trx, { actorUserId, action: 'round.updated', entityType: 'round', entityId: roundId, before: { ...before, placeIds: beforePlaces }, after: { ...after, placeIds: input.placeIds } })
  return after
}

/** Replaces a draft round's rules (the eligibility questions editor and the seed use this). */
export async function setRoundRules(trx: Transaction<DB>, actorUserId: number | null, roundId: number, rules: RoundRules): Promise<Round> {
  const before = await getRound(trx, roundId)
  assertDraft(before)
  const parsed = RoundRulesSchema.parse(rules)
  await trx.updateTable('rounds').set({ rules: JSON.stringify(parsed), years: parsed.multiYear?.years ?? 1, updated_at: new Date().toISOString() }).where('id', '=', roundId).execute()
  await recordAudit(trx, { actorUserId, action: 'round.rules_changed', entityType: 'round', entityId: roundId, before: before.rules, after: parsed })
  return { ...before, rules: parsed, years: parsed.multiYear?.years ?? 1 }
}

/** Throws 409 unless the round is still a draft (questions and rules are fixed once a round is published). */
export function assertDraft(round: Pick<Round, 'status'>): void {
  if (round.status !== 'draft') {
    throw new RoundNotEditableError('This round has been published, so its questions and rules are fixed. Copy it to a new draft round to change them.')
  }
}

// ---------- publishing and closing ----------

/** Everything that stops a round being published, in the order a manager would fix it (empty = ready). */
export async function publishProblems(db: Db, round: Round, now: Date): Promise<string[]> {
  const problems: string[] = []
  if (!round.summary) problems.push('Write a summary of the round.')
  if (!round.opensAt) problems.push('Set the opening date and time.')
  if (!round.closesAt) problems.push('Set the closing date and time.')
  if (round.opensAt && round.closesAt && !isBefore(round.opensAt, round.closesAt)) problems.push('Set a closing date after the opening date.')
  if (round.closesAt && !isBefore(now, round.closesAt)) problems.push('Set a closing date in the future.')
  if (round.allocationMethod === 'fcfs') {
    if (!round.rules.fcfs) problems.push('Set the number and amount of first come, first served grants.')
  } else if (round.minGrantPence === null || round.maxGrantPence === null) {
    problems.push('Set the smallest and largest grant.')
  }
  const counts = await db
    .selectFrom('questions')
    .select(['stage', (eb) => eb.fn.countAll<number>().as('n')])
    .where('round_id', '=', round.id)
    .groupBy('stage')
    .execute()
  for (const stage of stagesOf(round)) {
    if (!counts.some((c) => c.stage === stage && Number(c.n) > 0)) {
      problems.push(stage === 'eoi' ? 'Add at least one question to the expression of interest.' : 'Add at least one question to the application form.')
    }
  }
  return problems
}

/** Publishes a complete draft: it appears on /funding. Refuses (409, listing what is missing) an incomplete one. */
export async function publishRound(trx: Transaction<DB>, actorUserId: number | null, roundId: number, now: Date): Promise<Round> {
  const round = await getRound(trx, roundId)
  if (round.status !== 'draft') throw new RoundNotEditableError('This round has already been published.')
  const problems = await publishProblems(trx, round, now)
  if (problems.length > 0) throw new RoundNotReadyError(problems)
  const publishedAt = now.toISOString()
  await trx.updateTable('rounds').set({ status: 'published', published_at: publishedAt, updated_at: publishedAt }).where('id', '=', roundId).execute()
  await recordAudit(trx, { actorUserId, action: 'round.published', entityType: 'round', entityId: roundId, before: { status: 'draft' }, after: { status: 'published', publishedAt } })
  return { ...round, status: 'published', publishedAt }
}

/** Closes a published round now (a closing date still in the future is brought forward to now). */
export async function closeRound(trx: Transaction<DB>, actorUserId: number | null, roundId: number, now: Date): Promise<Round> {
  const round = await getRound(trx, roundId)
  if (round.status !== 'published') throw new RoundNotEditableError(round.status === 'draft' ? 'A draft round cannot be closed: it was never open.' : 'This round is already closed.')
  const iso = now.toISOString()
  const closesAt = round.closesAt && isBefore(round.closesAt, now) ? round.closesAt : iso
  await trx.updateTable('rounds').set({ status: 'closed', closes_at: closesAt, updated_at: iso }).where('id', '=', roundId).execute()
  await recordAudit(trx, { actorUserId, action: 'round.closed', entityType: 'round', entityId: roundId, before: { status: round.status, closesAt: round.closesAt }, after: { status: 'closed', closesAt } })
  return { ...round, status: 'closed', closesAt }
}

// ---------- lists ----------

/** How long a closed round stays on the public list. */
export const RECENTLY_CLOSED_DAYS = 90

export interface PublicRoundSummary {
  id: number
  slug: string
  title: string
  summary: string
  fundName: string
  funders: string[]
  phase: Exclude<RoundPhase, 'draft'>
  opensAt: string
  closesAt: string
  /** "closes in 3 days, at 12:00 on Friday 8 January", "opens in ...", "closed at ...". */
  when: string
  amounts: string | null
  whoCanApply: string[]
}

/**
 * The rounds the public sees on /funding: open now first (soonest deadline first), then upcoming (soonest opening
 * first), then those closed in the last RECENTLY_CLOSED_DAYS days (most recent first). Drafts never appear.
 */
export async function listPublishedRounds(db: Db, now: Date): Promise<PublicRoundSummary[]> {
  const since = new Date(now.getTime() - RECENTLY_CLOSED_DAYS * 24 * 60 * 60 * 1000).toISOString()
  const rows = await db
    .selectFrom('rounds')
    .innerJoin('funds', 'funds.id', 'rounds.fund_id')
    .select([...ROUND_COLUMNS.map((c) => `rounds.${c}` as const), 'funds.name as fund_name'])
    .where('rounds.status', 'in', ['published', 'closed', 'decided'])
    .where('rounds.opens_at', 'is not', null)
    .where('rounds.closes_at', '>=', since)
    .execute()
  const funders = await db
    .selectFrom('fund_funders')
    .innerJoin('funders', 'funders.id', 'fund_funders.funder_id')
    .select(['fund_funders.fund_id', 'funders.name'])
    .orderBy('funders.name')
    .execute()
  const placeNames = await db
    .selectFrom('round_places')
    .innerJoin('places', 'places.id', 'round_places.place_id')
    .select(['round_places.round_id', 'places.name'])
    .where(
      'round_places.round_id',
      'in',
      rows.length ? rows.map((r) => r.id) : [0],
    )
    .orderBy('places.name')
    .execute()
  const order: Record<string, number> = { open: 0, upcoming: 1, closed: 2 }
  const summaries = rows.map((row): PublicRoundSummary => {
    const round = toRound({ ...row, id: row.id })
    const phase = phaseOf(round, now) as PublicRoundSummary['phase']
    const when = phase === 'upcoming' ? `${describeOpening(round.opensAt!, now)}; ${describeDeadline(round.closesAt!, now)}` : describeDeadline(round.closesAt!, now)
    return {
      id: round.id,
      slug: round.slug,
      title: round.title,
      summary: round.summary,
      fundName: row.fund_name,
      funders: funders.filter((f) => f.fund_id === round.fundId).map((f) => f.name),
      phase,
      opensAt: round.opensAt!,
      closesAt: round.closesAt!,
      when,
      amounts: describeAmounts({ min_grant_pence: round.minGrantPence, max_grant_pence: round.maxGrantPence, allocation_method: round.allocationMethod }, round.rules),
      whoCanApply: describeEligibility(
        round.rules,
        placeNames.filter((p) => p.round_id === round.id).map((p) => p.name),
      ),
    }
  })
  return summaries.sort((a, b) => {
    if (a.phase !== b.phase) return order[a.phase] - order[b.phase]
    if (a.phase === 'open') return a.closesAt.localeCompare(b.closesAt)
    if (a.phase === 'upcoming') return a.opensAt.localeCompare(b.opensAt)
    return b.closesAt.localeCompare(a.closesAt)
  })
}

export interface ManagedRoundSummary {
  id: number
  title: string
  slug: string
  status: RoundStatus
  phase: RoundPhase
  opensAt: string | null
  closesAt: string | null
}

/** A fund's rounds for its fund manager, newest first. */
export async function listRoundsOfFund(db: Db, fundId: number, now: Date): Promise<ManagedRoundSummary[]> {
  const rows = await db
    .selectFrom('rounds')
    .select(['id', 'title', 'slug', 'status', 'opens_at', 'closes_at'])
    .where('fund_id', '=', fundId)
    .orderBy('id', 'desc')
    .execute()
  return rows.map((r) => ({ id: r.id, title: r.title, slug: r.slug, status: r.status, phase: roundPhase(r, now), opensAt: r.opens_at, closesAt: r.closes_at }))
}

// ---------- eligibility questions (answered before an applicant starts) ----------

export interface EligibilityQuestionInput {
  label: string
  /** The answers offered (at least two, e.g. Yes and No). */
  options: string[]
  /** The answers that stop an applicant; each must be one of the options, and at least one option must not block. */
  blockingAnswers: string[]
  /** Shown to an applicant whose answer blocks them, and on the public page as a rule: "This fund is for groups of 10 or more people." */
  reason: string
}

/** Adds an eligibility question to a draft round (its key comes from the label, unique in the round). */
export async function addEligibilityQuestion(trx: Transaction<DB>, actorUserId: number | null, roundId: number, input: EligibilityQuestionInput): Promise<EligibilityQuestion> {
  const round = await getRound(trx, roundId)
  assertDraft(round)
  const options = [...new Set(input.options.map((o) => o.trim()).filter(Boolean))]
  const blocking = [...new Set(input.blockingAnswers.map((o) => o.trim()).filter(Boolean))]
  if (!input.label.trim()) throw new RoundInputError('label', 'Enter the question')
  if (options.length < 2) throw new RoundInputError('options', 'Enter at least two answers, one on each line')
  if (blocking.length === 0) throw new RoundInputError('blockingAnswers', 'Enter the answers that mean a group cannot apply')
  const unknown = blocking.find((b) => !options.includes(b))
  if (unknown) throw new RoundInputError('blockingAnswers', `“${unknown}” is not one of the answers`)
  if (blocking.length === options.length) throw new RoundInputError('blockingAnswers', 'At least one answer must let a group carry on')
  if (!input.reason.trim()) throw new RoundInputError('reason', 'Enter the reason shown to groups who cannot apply')
  const taken = new Set(round.rules.eligibilityQuestions.map((q) => q.key))
  const base = slugify(input.label).replaceAll('-', '_').slice(0, 40)
  let key = base
  for (let n = 2; taken.has(key); n++) key = `${base}_${n}`
  const question: EligibilityQuestion = { key, label: input.label.trim(), options, blockingAnswers: blocking, reason: input.reason.trim() }
  await setRoundRules(trx, actorUserId, roundId, { ...round.rules, eligibilityQuestions: [...round.rules.eligibilityQuestions, question] })
  return question
}

/** Removes an eligibility question from a draft round. */
export async function removeEligibilityQuestion(trx: Transaction<DB>, actorUserId: number | null, roundId: number, key: string): Promise<void> {
  const round = await getRound(trx, roundId)
  assertDraft(round)
  if (!round.rules.eligibilityQuestions.some((q) => q.key === key)) throw new NotFoundError('eligibility question')
  await setRoundRules(trx, actorUserId, roundId, { ...round.rules, eligibilityQuestions: round.rules.eligibilityQuestions.filter((q) => q.key !== key) })
}
