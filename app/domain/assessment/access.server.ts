/**
 * What an assessor may see (docs/decisions/0009-assessment-and-panels.md): only their own assessments, only in rounds
 * whose panel they sit on, never a bid they declared a conflict on (403); a bid's content only once they have
 * confirmed they have no conflict; and, under blind review, the bid without the organisation's name, identifiers
 * (charity and company numbers), people (names and email addresses of its members) or address.
 *
 * Blind review redacts what the system knows identifies the organisation wherever it appears in the bid's text, plus
 * anything shaped like an email address or a UK phone number. It cannot recognise other people's names written into
 * answers, nor the contents of uploaded files (their names are redacted, not what is inside them).
 */
import { sql, type ExpressionBuilder } from 'kysely'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { answerLines, isVisible, type AnswerLine } from '~/domain/applications/answers.ts'
import { budgetOf, getApplication } from '~/domain/applications/applications.server.ts'
import type { BudgetSummary } from '~/domain/applications/budget.ts'
import { legalTypeLabel } from '~/domain/organisations/identifiers.ts'
import { compiledOnce, type CompiledQueries } from '~/lib/compiled-once.server.ts'
import { KeptUntilChanged, keptOrRead } from '~/lib/kept-until-changed.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'

export class AssessmentForbiddenError extends DomainError {
  constructor(message = 'You do not have permission to see this bid.') {
    super(message, { code: 'assessment_forbidden', status: 403 })
  }
}

export interface OwnAssessment {
  id: number
  applicationId: number
  /** The bid's reference ("TCF-2026-00042"): safe to show before the conflict check and under blind review. */
  reference: string
  assessorUserId: number
  roundId: number
  status: DB['assessments']['status']
  weightedScoreMilli: number | null
  submittedAt: string | null
  conflictConfirmedAt: string | null
}

/**
 * An assessment as its own assessor may use it: 404 when there is none; 403 when it is someone else's, when they are
 * not on the round's panel, or (unless allowConflict) when they declared a conflict on the bid.
 */
export async function loadOwnAssessment(db: Db, userId: number, assessmentId: number, options: { allowConflict?: boolean } = {}): Promise<OwnAssessment> {
  const row = await db
    .selectFrom('assessments')
    .innerJoin('applications', 'applications.id', 'assessments.application_id')
    .leftJoin('round_assessors', (join) => join.onRef('round_assessors.round_id', '=', 'applications.round_id').onRef('round_assessors.user_id', '=', 'assessments.assessor_user_id'))
    .select([
      'assessments.id',
      'assessments.application_id',
      'assessments.assessor_user_id',
      'assessments.status',
      'assessments.weighted_score_milli',
      'assessments.submitted_at',
      'assessments.conflict_confirmed_at',
      'applications.round_id',
      'applications.reference',
      'round_assessors.id as panel_member_id',
    ])
    .where('assessments.id', '=', assessmentId)
    .executeTakeFirst()
  if (!row) throw new NotFoundError('assessment')
  if (row.assessor_user_id !== userId || row.panel_member_id === null) throw new AssessmentForbiddenError()
  if (row.status === 'conflict' && !options.allowConflict) throw new AssessmentForbiddenError('You declared a conflict of interest on this bid, so you cannot see or score it.')
  return {
    id: row.id,
    applicationId: row.application_id,
    reference: row.reference,
    assessorUserId: row.assessor_user_id,
    roundId: row.round_id,
    status: row.status,
    weightedScoreMilli: row.weighted_score_milli === null ? null : Number(row.weighted_score_milli),
    submittedAt: row.submitted_at,
    conflictConfirmedAt: row.conflict_confirmed_at,
  }
}

export interface AssessmentSettings {
  roundId: number
  roundTitle: string
  assessorsPerBid: number
  blindReview: boolean
  hidePeerScores: boolean
  commentsRequired: boolean
}

export async function assessmentSettings(db: Db, roundId: number): Promise<AssessmentSettings> {
  const round = await db
    .selectFrom('rounds')
    .select(['id', 'title', 'assessors_per_bid', 'blind_review', 'hide_peer_scores', 'comments_required'])
    .where('id', '=', roundId)
    .executeTakeFirst()
  if (!round) throw new NotFoundError('round')
  return {
    roundId: round.id,
    roundTitle: round.title,
    assessorsPerBid: round.assessors_per_bid,
    blindReview: round.blind_review === 1,
    hidePeerScores: round.hide_peer_scores === 1,
    commentsRequired: round.comments_required === 1,
  }
}

/** The signed-in assessor's own assessment and its round's settings; 403 or 404 as loadOwnAssessment. */
export async function requireAssessmentAccess(db: Db, user: { id: number }, assessmentId: number): Promise<{ assessment: OwnAssessment; settings: AssessmentSettings }> {
  const assessment = await loadOwnAssessment(db, user.id, assessmentId)
  return { assessment, settings: await assessmentSettings(db, assessment.roundId) }
}

// ---------------------------------------------------------------- blind review

export const HIDDEN = '[hidden]'
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/giu
// UK numbers: +44 or 0, then 9-10 more digits with optional spaces, dashes or brackets.
const PHONE = /(?:\+44\s?\(?0?\)?|\b0)(?:[\s-]?\(?\d\)?){9,10}\b/g

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** A term as a pattern that ignores case and tolerates any spacing between its characters' words (postcodes). */
function termPattern(term: string): string {
  return term
    .trim()
    .split(/\s+/)
    .map((w) => escapeRegExp(w))
    .join('\\s*')
}

/**
 * A function that hides the given terms (organisation name, identifiers, address, people) and anything shaped like an
 * email address or UK phone number. Terms shorter than three characters are ignored (they would hide ordinary words).
 */
export function redactorFor(terms: readonly (string | null | undefined)[]): (text: string) => string {
  const usable = [...new Set(terms.filter((t): t is string => !!t && t.trim().length >= 3).map((t) => t.trim()))].sort((a, b) => b.length - a.length)
  const pattern = usable.length ? new RegExp(usable.map(termPattern).join('|'), 'giu') : null
  return (text) => {
    let out = text.replace(EMAIL, '[email address hidden]').replace(PHONE, '[phone number hidden]')
    if (pattern) out = out.replace(pattern, HIDDEN)
    return out
  }
}

/** Everything the system knows that identifies the bid's organisation: its name, numbers, address and people. */
async function identifyingTerms(db: Db, organisationId: number, createdBy: number | null): Promise<string[]> {
  const organisation = await db
    .selectFrom('organisations')
    .select(['name', 'charity_number', 'company_number', 'address_line_1', 'address_line_2', 'postcode', 'main_contact_user_id'])
    .where('id', '=', organisationId)
    .executeTakeFirstOrThrow()
  const peopleIds = [organisation.main_contact_user_id, createdBy].filter((id): id is number => id !== null)
  const people = await db
    .selectFrom('users')
    .select(['name', 'email'])
    .where((eb) =>
      eb.or([
        eb('id', 'in', peopleIds.length ? peopleIds : [-1]),
        eb.exists(eb.selectFrom('memberships').select('memberships.id').whereRef('memberships.user_id', '=', 'users.id').where('memberships.organisation_id', '=', organisationId)),
      ]),
    )
    .execute()
  return [
    organisation.name,
    organisation.charity_number,
    organisation.company_number,
    organisation.address_line_1,
    organisation.address_line_2,
    organisation.postcode,
    ...people.flatMap((p) => [p.name, p.email]),
  ].filter((t): t is string => !!t)
}

// ---------------------------------------------------------------- the bid as an assessor sees it

export interface BidForAssessor {
  applicationId: number
  reference: string
  title: string
  roundTitle: string
  blind: boolean
  /** Null under blind review. */
  organisation: { name: string; legalType: string } | null
  placeName: string | null
  amountRequestedPence: number
  submittedAt: string | null
  sections: { number: number; title: string; answers: { key: string; label: string; lines: AnswerLine[] }[] }[]
  budget: BudgetSummary | null
}

/**
 * The bid's content for its assessor: title, place, amount, every visible answer and the budget; under blind review
 * with no organisation and every identifying term hidden (see redactorFor). Partners are other organisations and are
 * kept. The caller has checked access (requireAssessmentAccess) and that the assessor confirmed no conflict.
 */
export async function bidForAssessor(db: Db, assessment: Pick<OwnAssessment, 'applicationId'>, settings: Pick<AssessmentSettings, 'blindReview'>): Promise<BidForAssessor> {
  const application = await getApplication(db, assessment.applicationId)
  const row = await db
    .selectFrom('applications')
    .innerJoin('organisations', 'organisations.id', 'applications.organisation_id')
    .leftJoin('places', 'places.id', 'applications.place_id')
    .select(['applications.created_by', 'organisations.legal_type', 'places.name as place_name'])
    .where('applications.id', '=', application.id)
    .executeTakeFirstOrThrow()
  const blind = settings.blindReview
  const redact = blind ? redactorFor(await identifyingTerms(db, application.organisationId, row.created_by)) : (text: string) => text
  return {
    applicationId: application.id,
    reference: application.reference,
    title: redact(application.title),
    roundTitle: application.round.title,
    blind,
    organisation: blind ? null : { name: application.organisationName, legalType: legalTypeLabel(row.legal_type) },
    placeName: row.place_name,
    amountRequestedPence: application.amountRequestedPence,
    submittedAt: application.submittedAt,
    sections: application.sections.map((s) => ({
      number: s.number,
      title: s.title,
      answers: s.questions
        .filter((q) => isVisible(q, application.answers))
        .map((q) => ({ key: q.key, label: q.label, lines: answerLines(q, application.answers[q.key]).map((l) => ({ ...l, text: redact(l.text) })) })),
    })),
    budget: budgetOf(application.round, application.questions, application.answers),
  }
}

// ---------------------------------------------------------------- the assessor's list

export interface AssessorRound {
  roundId: number
  roundTitle: string
  isChair: boolean
  assessments: { id: number; applicationId: number; reference: string; title: string; status: DB['assessments']['status']; weightedScoreMilli: number | null }[]
}

/** Bids on a page of the assessor's queue: 25 rows render within the page's budget at national size (50 did not). */
export const ASSESSOR_QUEUE_PAGE_SIZE = 25

export interface AssessorQueueRound {
  roundId: number
  roundTitle: string
  isChair: boolean
  /** The assessor's bids in the round, and those still to score (assigned or in draft), over every page. */
  bids: number
  toDo: number
}

export interface AssessorQueuePage {
  /** This page's bids, grouped by round, in round then bid order; each round with its counts over every page. */
  rounds: (AssessorRound & Pick<AssessorQueueRound, 'bids' | 'toDo'>)[]
  /** Every round the assessor sits on with bids, and the totals over them. */
  summary: AssessorQueueRound[]
  total: number
  toDo: number
  /** Cursors (assessment ids) for the links: the rows before `previousBefore`, the rows after `nextAfter`. */
  previousBefore: number | null
  nextAfter: number | null
}

/**
 * The assessor's bids per round and how many are still to score, only in rounds whose panel they sit on (an assessment
 * left in a round they no longer sit on is not theirs to see), and which of those rounds are blind-reviewed. Kept
 * prepared on PostgreSQL (db/connect.ts): read by assessor on every view, the same plan for any.
 */
async function assessorQueueRounds(db: Db, userId: number): Promise<{ summary: AssessorQueueRound[]; blind: Set<number> }> {
  const query = compiledOnce(queueRoundQueries, db, 'rounds', (slot) => (engineOf(db) === 'postgres' ? countsBySeat(db, slot<number>('userId')) : countsByRound(db, slot<number>('userId'))), { userId })
  const { rows } = await db.executeQuery(query)
  return {
    summary: rows.map((r) => ({ roundId: r.id, roundTitle: r.title, isChair: r.is_chair === 1, bids: Number(r.bids), toDo: Number(r.to_do) })),
    blind: new Set(rows.filter((r) => r.blind_review === 1).map((r) => r.id)),
  }
}

/** The queue's statements, built and compiled once for each engine and shape (building them cost more than running them). */
const queueRoundQueries: CompiledQueries<{ id: number; title: string; blind_review: number; is_chair: number; bids: number | string; to_do: number | string }> = new Map()

/** Of the assessor's assessments, how many and how many are still to score (assigned or in draft). */
function bidCounts(eb: ExpressionBuilder<DB, 'assessments'>) {
  return [
    eb.fn.countAll<number | string>().as('bids'),
    eb.fn.sum<number | string>(eb.case().when('assessments.status', 'in', ['assigned', 'draft']).then(1).else(0).end()).as('to_do'),
  ] as const
}

/**
 * SQLite: the assessor's rows counted by round first, and only the few counts joined to their rounds and panel seats
 * (joining every row to its round and seat before grouping cost twice as much: about 0.36 -> 0.2 ms for 500 bids).
 */
function countsByRound(db: Db, userId: number) {
  const counts = db
    .selectFrom('assessments')
    .innerJoin('applications', 'applications.id', 'assessments.application_id')
    .select((eb) => ['applications.round_id', ...bidCounts(eb)])
    .where('assessments.assessor_user_id', '=', userId)
    .groupBy('applications.round_id')
  return db
    .selectFrom(counts.as('counts'))
    .innerJoin('rounds', 'rounds.id', 'counts.round_id')
    .innerJoin('round_assessors', (join) => join.onRef('round_assessors.round_id', '=', 'counts.round_id').on('round_assessors.user_id', '=', userId))
    .select(['rounds.id', 'rounds.title', 'rounds.blind_review', 'round_assessors.is_chair', 'counts.bids', 'counts.to_do'])
    .orderBy('rounds.id')
}

/**
 * PostgreSQL: per panel seat, the assessor's assessments in that round, read by merging two indexes in application order
 * (the assessor's, and the round's applications) without reading a row. Counted by round from the rows, it fetched
 * every one of the assessor's applications from the table (about 1 -> 0.3 ms of the server's time for 500 bids);
 * SQLite cannot merge two indexes, and reads those rows cheaply.
 */
function countsBySeat(db: Db, userId: number) {
  return db
    .selectFrom('round_assessors')
    .innerJoin('rounds', 'rounds.id', 'round_assessors.round_id')
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('assessments')
          .innerJoin('applications', (join) => join.onRef('applications.id', '=', 'assessments.application_id').onRef('applications.round_id', '=', 'round_assessors.round_id'))
          .select((e) => bidCounts(e))
          .whereRef('assessments.assessor_user_id', '=', 'round_assessors.user_id')
          .as('counts'),
      (join) => join.onTrue(),
    )
    .select(['rounds.id', 'rounds.title', 'rounds.blind_review', 'round_assessors.is_chair', 'counts.bids', 'counts.to_do'])
    .where('round_assessors.user_id', '=', userId)
    .where('counts.bids', '>', 0)
    .orderBy('rounds.id')
}

type QueueBid = AssessorRound['assessments'][number]

const roundBidQueries: CompiledQueries<{ id: number; status: QueueBid['status']; weighted_score_milli: number | null; application_id: number; reference: string; title: string; organisation_name: string | null }> = new Map()

/**
 * The assessor's bids in one round, in bid order from `from` (exclusive), at most `limit`. In a blind-review round the
 * title is redacted (a bid's title often starts with its organisation's name), so only there is each bid's organisation
 * looked up, by its key (PostgreSQL would hash every organisation for a join).
 */
async function assessorRoundBids(db: Db, userId: number, roundId: number, blind: boolean, from: { past: '<' | '>'; id: number } | null, direction: 'asc' | 'desc', limit: number): Promise<QueueBid[]> {
  // Kept prepared on PostgreSQL: a fixed shape for each kind of page, read along the assessor's and the round's indexes.
  const query = compiledOnce(
    roundBidQueries,
    db,
    `${blind ? 'blind' : 'open'} ${from?.past ?? 'first'} ${direction}`,
    (slot) => {
      let q = db
        .selectFrom('assessments')
        .innerJoin('applications', 'applications.id', 'assessments.application_id')
        .select(['assessments.id', 'assessments.status', 'assessments.weighted_score_milli', 'applications.id as application_id', 'applications.reference', 'applications.title'])
        .select((eb) =>
          blind
            ? eb.selectFrom('organisations').select('organisations.name').whereRef('organisations.id', '=', 'applications.organisation_id').$asScalar().as('organisation_name')
            : sql<string | null>`null`.as('organisation_name'),
        )
        .where('assessments.assessor_user_id', '=', slot<number>('userId'))
        .where('applications.round_id', '=', slot<number>('roundId'))
      if (from) q = q.where('assessments.application_id', from.past, slot<number>('fromId'))
      return q.orderBy('assessments.application_id', direction).limit(slot<number>('limit'))
    },
    { userId, roundId, fromId: from?.id ?? null, limit },
    { onlySlots: true },
  )
  const { rows } = await db.executeQuery(query)
  return rows.map((r) => ({
    id: r.id,
    applicationId: r.application_id,
    reference: r.reference,
    title: blind ? redactorFor([r.organisation_name ?? ''])(r.title) : r.title,
    status: r.status,
    weightedScoreMilli: r.weighted_score_milli === null ? null : Number(r.weighted_score_milli),
  }))
}

/**
 * One page of the assessor's own bids (ASSESSOR_QUEUE_PAGE_SIZE), in round then bid order, only in rounds whose panel
 * they sit on; titles redacted in blind-review rounds. Keyset: `after` (or `before`) is
 * the id of the last (or first) assessment on the page seen, and the page continues from that bid's place in the order.
 */
export function assessorQueuePage(db: Db, userId: number, cursor: { after?: number; before?: number } = {}, size = ASSESSOR_QUEUE_PAGE_SIZE): Promise<AssessorQueuePage> {
  // Each assessor's pages are kept until the assessment count of changes moves: every table they read is counted.
  const key = `${userId} ${cursor.after ?? ''} ${cursor.before ?? ''} ${size}`
  return keptOrRead(keptQueuePages, db, 'assessment', key, () => readQueuePage(db, userId, cursor, size))
}

/** Assessors' pages of their bids, kept until the assessment count moves (~/lib/kept-until-changed.server.ts). */
export const keptQueuePages = new KeptUntilChanged<AssessorQueuePage>(256)

async function readQueuePage(db: Db, userId: number, cursor: { after?: number; before?: number }, size: number): Promise<AssessorQueuePage> {
  const cursorId = cursor.before ?? cursor.after
  const [{ summary, blind }, at] = await Promise.all([
    assessorQueueRounds(db, userId),
    cursorId === undefined
      ? undefined
      : db
          .selectFrom('assessments')
          .innerJoin('applications', 'applications.id', 'assessments.application_id')
          .select(['applications.round_id', 'applications.id'])
          .where('assessments.id', '=', cursorId)
          .where('assessments.assessor_user_id', '=', userId)
          .executeTakeFirst(),
  ])
  const backwards = cursor.before !== undefined && at !== undefined
  // Round by round in page order, each read along the assessor's index in bid order and stopped once the page is full:
  // ordering every one of the assessor's bids by round would look up each application row only to sort it.
  const ordered = backwards ? [...summary].reverse() : summary
  const direction = backwards ? 'desc' : 'asc'
  const rows: (QueueBid & { roundId: number })[] = []
  for (const round of ordered) {
    if (rows.length > size) break
    if (at && (backwards ? round.roundId > at.round_id : round.roundId < at.round_id)) continue
    const from = at && round.roundId === at.round_id ? { past: backwards ? ('<' as const) : ('>' as const), id: at.id } : null
    const bids = await assessorRoundBids(db, userId, round.roundId, blind.has(round.roundId), from, direction, size + 1 - rows.length)
    for (const bid of bids) rows.push({ ...bid, roundId: round.roundId })
  }
  const page = rows.slice(0, size)
  if (backwards) page.reverse()
  const more = rows.length > size
  const rounds = new Map<number, AssessorQueuePage['rounds'][number]>()
  for (const { roundId, ...bid } of page) {
    // Every row is from a round in the summary (read round by round from it).
    const round = rounds.get(roundId) ?? { ...summary.find((s) => s.roundId === roundId)!, assessments: [] }
    round.assessments.push(bid)
    rounds.set(roundId, round)
  }
  return {
    rounds: [...rounds.values()],
    summary,
    total: summary.reduce((sum, s) => sum + s.bids, 0),
    toDo: summary.reduce((sum, s) => sum + s.toDo, 0),
    previousBefore: page.length === 0 ? null : backwards ? (more ? page[0]!.id : null) : at ? page[0]!.id : null,
    nextAfter: page.length === 0 ? null : backwards || more ? page.at(-1)!.id : null,
  }
}
