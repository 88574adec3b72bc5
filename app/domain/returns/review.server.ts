/**
 * The fund manager's side of impact returns: the list of returns due, overdue and waiting for review, and the review
 * itself, accepting a return or sending it back for changes with comments. Accepting releases any tranche gated on the
 * return (listDueTranches treats an accepted return as the gate met). One fund manager's decision is enough (no four
 * eyes): a return is evidence of what happened, not a payment.
 */
import { sql, type SelectQueryBuilder, type Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import type { DB } from '../../../db/schema.ts'
import { enqueueEmail } from '../messages/outbox.server.ts'
import { compiledOnce, type CompiledQueries, type SlotFor } from '~/lib/compiled-once.server.ts'
import { MAX_REVIEW_COMMENTS, OPEN_RETURN_STATUSES, RETURN_STATUSES, isOverdue, type ReturnListView } from './return-schedule.ts'
import { loadReturn, ReturnStatusError, type ReturnRow } from './returns.server.ts'
import { REPORTING_AWARD_STATUSES, withReturnReviewCounts } from './review-counts.server.ts'

export class ReviewInputError extends DomainError {
  constructor(message: string) {
    super(message, { code: 'return_review_input', status: 400, field: 'comments' })
  }
}

export interface ReviewReturnInput {
  returnId: number
  comments?: string | null
  /** The site's address for the link in the organisation's email (a path alone without it). */
  baseUrl?: string
}

async function submittedReturn(trx: Transaction<DB>, returnId: number): Promise<ReturnRow> {
  const row = await loadReturn(trx, returnId, { lock: true })
  if (row.status !== 'submitted') {
    throw new ReturnStatusError(row.status === 'accepted' ? 'This return has already been accepted.' : row.status === 'changes_requested' ? 'This return has already been sent back for changes.' : 'This return has not been sent yet.')
  }
  return row
}

async function organisationEmails(db: Db, organisationId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('users.email')
    .where('memberships.organisation_id', '=', organisationId)
    .where('users.anonymised_at', 'is', null)
    .orderBy('users.id')
    .execute()
  return rows.map((r) => r.email)
}

async function decide(trx: Transaction<DB>, actorUserId: number, row: ReturnRow, outcome: 'accepted' | 'changes_requested', comments: string | null): Promise<void> {
  const now = new Date().toISOString()
  const moved = await withReturnReviewCounts(trx, row.awardId, () =>
    trx
      .updateTable('returns')
      .set({ status: outcome, reviewed_by: actorUserId, reviewed_at: now, review_comments: comments, updated_at: now })
      .where('id', '=', row.id)
      .where('status', '=', 'submitted')
      .where('version', '=', row.version)
      .executeTakeFirst(),
  )
  if (Number(moved.numUpdatedRows) !== 1) throw new ReturnStatusError('This return has just been reviewed by someone else.')
  await trx
    .updateTable('return_versions')
    .set({ review_outcome: outcome, review_comments: comments, reviewed_by: actorUserId, reviewed_at: now })
    .where('return_id', '=', row.id)
    .where('version', '=', row.version)
    .execute()
  await recordAudit(trx, {
    actorUserId,
    action: outcome === 'accepted' ? 'return.accepted' : 'return.changes_requested',
    entityType: 'return',
    entityId: row.id,
    before: { status: 'submitted', version: row.version },
    after: { status: outcome, version: row.version, comments },
  })
}

/**
 * Accepts the return as sent (its current version): final. A tranche waiting for it can then be paid when due.
 * Returns the ids of the tranches it released. Throws ReturnStatusError (409) unless it is waiting for review.
 */
export async function acceptReturn(trx: Transaction<DB>, actorUserId: number, input: ReviewReturnInput): Promise<{ releasedTrancheIds: number[] }> {
  const comments = (input.comments ?? '').trim() || null
  if (comments && comments.length > MAX_REVIEW_COMMENTS) throw new ReviewInputError(`Comments must be ${MAX_REVIEW_COMMENTS.toLocaleString('en-GB')} characters or fewer`)
  const row = await submittedReturn(trx, input.returnId)
  await decide(trx, actorUserId, row, 'accepted', comments)
  const released = await trx
    .selectFrom('tranches')
    .select('id')
    .where('gate', '=', 'return')
    .where('gate_ref', '=', String(row.id))
    .where('status', 'in', ['offered', 'scheduled'])
    .execute()
  const paymentNote = released.length
    ? 'A payment that was waiting for this return can now be paid when it is due.'
    : 'Thank you for telling us what the grant made possible.'
  for (const to of await organisationEmails(trx, row.organisationId)) {
    await enqueueEmail(trx, {
      template: 'return-accepted',
      to,
      idempotencyKey: `return-accepted:${row.id}:${row.version}:${to}`,
      data: { organisationName: row.organisationName, periodLabel: row.periodLabel, awardReference: row.awardReference, paymentNote, link: `${input.baseUrl ?? ''}/awards/${row.awardId}` },
    })
  }
  return { releasedTrancheIds: released.map((t) => t.id) }
}

/** Sends the return back to the organisation with comments (required), who change it and send it again. */
export async function requestReturnChanges(trx: Transaction<DB>, actorUserId: number, input: ReviewReturnInput): Promise<void> {
  const comments = (input.comments ?? '').trim()
  if (!comments) throw new ReviewInputError('Say what needs to change')
  if (comments.length > MAX_REVIEW_COMMENTS) throw new ReviewInputError(`Comments must be ${MAX_REVIEW_COMMENTS.toLocaleString('en-GB')} characters or fewer`)
  const row = await submittedReturn(trx, input.returnId)
  await decide(trx, actorUserId, row, 'changes_requested', comments)
  for (const to of await organisationEmails(trx, row.organisationId)) {
    await enqueueEmail(trx, {
      template: 'return-changes-requested',
      to,
      idempotencyKey: `return-changes:${row.id}:${row.version}:${to}`,
      data: { organisationName: row.organisationName, periodLabel: row.periodLabel, awardReference: row.awardReference, comments, link: `${input.baseUrl ?? ''}/awards/${row.awardId}/returns/${row.id}` },
    })
  }
}

// ---------------------------------------------------------------- the list

/** A return as the review list shows it (only what the page shows: each column read costs, and `data` sits mid-row). */
export interface ReturnListItem {
  id: number
  awardId: number
  awardReference: string
  organisationName: string
  roundTitle: string
  periodLabel: string
  dueDate: string
  status: string
  overdue: boolean
}

/** Returns on a page of the review list: 25, as each row carries two links and a fund manager reads them a page at a time. */
export const RETURNS_PER_PAGE = 25

export interface ReturnListPage {
  rows: ReturnListItem[]
  /** Cursor for "Next page" (the returns after this return id), or null on the last page. */
  nextAfter: number | null
  /** Cursor for "Previous page" (the returns before this return id), or null on the first page. */
  previousBefore: number | null
}

/** What the list's SQL depends on (its values aside): the view, which filters are given and the direction paged. */
interface ListShape {
  view: ReturnListView
  inRound: boolean
  inFund: boolean
  paged: 'first' | 'after' | 'before'
}

/** Statuses in which a return is no longer owed (sent, or accepted): every status but the open ones. */
const CLOSED_RETURN_STATUSES = RETURN_STATUSES.filter((s) => !OPEN_RETURN_STATUSES.includes(s))

type ListRow = Omit<ReturnListItem, 'overdue'>

/**
 * The list's query for one shape, with slots for the request's values (today, fundId, roundId, sortKey, cursorId,
 * limit). Across rounds, the returns are walked in the list's order and the walk stops after a page: SQLite keeps
 * `returns` the outer table of a CROSS JOIN (its planner otherwise started from the awards and sorted every return of
 * every award, 100-400 ms nationally for the due, overdue and every-return views); the open views say which statuses
 * they leave out (NOT IN), so the due-date index, not the status one, is used and gives the order; and a range on the
 * due date (every date is after '') walks that index rather than filtering awards first. In one round, the round's
 * awards come first (a few hundred returns, sorted).
 */
function listQuery(db: Db, slot: SlotFor, shape: ListShape) {
  const sortColumn = shape.view === 'awaiting_review' ? 'returns.submitted_at' : 'returns.due_date'
  const joined = shape.inRound
    ? db.selectFrom('returns').innerJoin('awards', 'awards.id', 'returns.award_id')
    : db.selectFrom('returns').crossJoin('awards').whereRef('awards.id', '=', 'returns.award_id')
  let query = joined
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .innerJoin('rounds', 'rounds.id', 'awards.round_id')
    .select([
      'returns.id',
      'returns.award_id as awardId',
      'awards.reference as awardReference',
      'organisations.name as organisationName',
      'rounds.title as roundTitle',
      'returns.period_label as periodLabel',
      'returns.due_date as dueDate',
      'returns.status',
    ])
    .where('awards.status', 'in', [...REPORTING_AWARD_STATUSES])
  if (shape.inRound) query = query.where('awards.round_id', '=', slot<number>('roundId'))
  if (shape.inFund) query = query.where('rounds.fund_id', '=', slot<number>('fundId'))
  const today = slot<string>('today')
  if (shape.view === 'due') query = query.where('returns.status', 'not in', CLOSED_RETURN_STATUSES).where('returns.due_date', '>=', today)
  if (shape.view === 'overdue') query = query.where('returns.status', 'not in', CLOSED_RETURN_STATUSES).where('returns.due_date', '<', today)
  if (shape.view === 'awaiting_review') query = query.where('returns.status', '=', 'submitted')
  if (shape.view === 'changes_requested') query = query.where('returns.status', '=', 'changes_requested')
  if (shape.view === 'accepted') query = query.where('returns.status', '=', 'accepted')
  if (shape.view === 'all') query = query.where('returns.due_date', '>=', '')
  const backwards = shape.paged === 'before'
  if (shape.paged !== 'first') {
    const past = backwards ? '<' : '>'
    // A row value, so both engines read one range of the index in order (SQLite turned `a > x or (a = x and id > y)`
    // into two index searches and a sort of everything after the cursor: 20 ms for the second overdue page of a fund).
    query = query.where((eb) => eb(eb.refTuple(sortColumn, 'returns.id'), past, eb.tuple(slot<string>('sortKey'), slot<number>('cursorId'))))
  }
  const direction = backwards ? 'desc' : 'asc'
  return query.orderBy(sortColumn, direction).orderBy('returns.id', direction).limit(slot<number>('limit')).$castTo<ListRow>()
}

const listQueries: CompiledQueries<ListRow> = new Map()
const cursorQueries: CompiledQueries<{ sortKey: string | null }> = new Map()

/** Where the return `id` stands in the list's order (when it was sent, or when it is due), or undefined if it is gone. */
async function listPlaceOf(db: Db, id: number, bySubmission: boolean): Promise<string | null | undefined> {
  const query = compiledOnce(
    cursorQueries,
    db,
    bySubmission ? 'sent' : 'due',
    (slot) => db.selectFrom('returns').select(bySubmission ? 'submitted_at as sortKey' : 'due_date as sortKey').where('id', '=', slot<number>('id')),
    { id },
  )
  return (await db.executeQuery(query)).rows[0]?.sortKey
}

/**
 * Returns of awards that have been accepted (or completed), filtered by view and by fund or round, a page at a time:
 * 'due' still to come, 'overdue' past their date and not sent, 'awaiting_review' sent and waiting for a fund manager
 * (oldest sent first), the others by due date. Keyset: `after` (or `before`) is the id of the last (or first) return on
 * the page seen, and the page continues from that return's place in the order. Each shape of the query is compiled
 * once (~/lib/compiled-once.server.ts).
 */
export async function listReturnsForReview(
  db: Db,
  options: { view: ReturnListView; fundId?: number | null; roundId?: number | null; today: string; after?: number; before?: number; limit?: number },
): Promise<ReturnListPage> {
  const limit = options.limit ?? RETURNS_PER_PAGE
  const cursorId = options.before ?? options.after
  const sortKey = cursorId === undefined ? undefined : await listPlaceOf(db, cursorId, options.view === 'awaiting_review')
  const backwards = options.before !== undefined && !!sortKey
  const shape: ListShape = { view: options.view, inRound: !!options.roundId, inFund: !!options.fundId, paged: !sortKey ? 'first' : backwards ? 'before' : 'after' }
  const query = compiledOnce(listQueries, db, `${shape.view}:${shape.inRound}:${shape.inFund}:${shape.paged}`, (slot) => listQuery(db, slot, shape), {
    today: options.today,
    roundId: options.roundId ?? null,
    fundId: options.fundId ?? null,
    sortKey: sortKey ?? null,
    cursorId: cursorId ?? null,
    limit: limit + 1,
  })
  const { rows } = await db.executeQuery(query)
  const page = rows.slice(0, limit).map((r) => ({ ...r, overdue: isOverdue(r, options.today) }))
  if (backwards) {
    page.reverse()
    return { rows: page, nextAfter: page.at(-1)?.id ?? null, previousBefore: rows.length > limit ? page[0]!.id : null }
  }
  return { rows: page, nextAfter: rows.length > limit ? page.at(-1)!.id : null, previousBefore: sortKey && page.length > 0 ? page[0]!.id : null }
}

type ReturnCounts = Record<'due' | 'overdue' | 'awaiting_review', number>

const countQueries: CompiledQueries<ReturnCounts> = new Map()

function countsQuery(db: Db, slot: SlotFor, shape: { inRound: boolean; inFund: boolean }) {
  const open = [...OPEN_RETURN_STATUSES]
  const today = slot<string>('today')
  const sum = (where: (q: SelectQueryBuilder<DB, 'return_review_counts', object>) => SelectQueryBuilder<DB, 'return_review_counts', object>) => {
    let q = db.selectFrom('return_review_counts').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('return_count'), sql<number>`0`).as('n'))
    if (shape.inRound) q = q.where('round_id', '=', slot<number>('roundId'))
    if (shape.inFund) q = q.where('round_id', 'in', (eb) => eb.selectFrom('rounds').select('rounds.id').where('rounds.fund_id', '=', slot<number>('fundId')))
    return where(q)
  }
  return db.selectNoFrom([
    sum((q) => q.where('status', '=', 'submitted')).as('awaiting_review'),
    sum((q) => q.where('status', 'in', open).where('due_date', '<', today)).as('overdue'),
    sum((q) => q.where('status', 'in', open).where('due_date', '>=', today)).as('due'),
  ])
}

/**
 * How many returns of accepted (or completed) awards are in each view, for the tabs, across every round, in one fund or
 * in one round: sums over the maintained counts by round, status and due date (return_review_counts, a few hundred
 * rows; see review-counts.server.ts), overdue or due by the due date against `today`. Equal to counting the returns
 * themselves. Each view is its own range of the (status, due date) index, summed on its own: one sum over all the rows
 * with a CASE for each view cost twice as much (0.37 -> 0.17 ms at national size). Compiled once for each filter.
 */
export async function countReturnsByView(db: Db, options: { fundId?: number | null; roundId?: number | null; today: string }): Promise<ReturnCounts> {
  const shape = { inRound: !!options.roundId, inFund: !!options.fundId }
  const query = compiledOnce(countQueries, db, `${shape.inRound}:${shape.inFund}`, (slot) => countsQuery(db, slot, shape), {
    today: options.today,
    roundId: options.roundId ?? null,
    fundId: options.fundId ?? null,
  })
  const row = (await db.executeQuery(query)).rows[0]!
  return { awaiting_review: Number(row.awaiting_review), overdue: Number(row.overdue), due: Number(row.due) }
}

/** What the returns list is filtered by: a fund, and within it a round (either may be null: every fund or round). */
export interface ReturnFilter {
  fundId: number | null
  roundId: number | null
}

/**
 * The filter a request asks for, made consistent: a round alone (the list's older links, ?round=) brings its fund; a
 * round of another fund than the one chosen (the fund was changed and the form sent with the old round) is dropped, so
 * the list shows the newly chosen fund's returns; a round that does not exist is dropped. Reads only when a round is
 * asked for.
 */
export async function resolveReturnFilter(db: Db, asked: { fundId?: number | null; roundId?: number | null }): Promise<ReturnFilter> {
  const fundId = asked.fundId ?? null
  if (!asked.roundId) return { fundId, roundId: null }
  const round = await db.selectFrom('rounds').select('fund_id').where('id', '=', asked.roundId).executeTakeFirst()
  if (!round) return { fundId, roundId: null }
  if (fundId !== null && round.fund_id !== fundId) return { fundId, roundId: null }
  return { fundId: round.fund_id, roundId: asked.roundId }
}

const fundQueries: CompiledQueries<{ id: number; name: string }> = new Map()
const roundQueries: CompiledQueries<{ id: number; title: string }> = new Map()

/**
 * The funds to choose from on the returns list: every fund (a few dozen even nationally), read from the funds table
 * alone. Which of a fund's rounds have returns shows once it is chosen (roundsWithReturns); asking whether each fund has
 * any cost a search of its rounds' counts on every view.
 */
export async function returnFilterFunds(db: Db): Promise<Array<{ id: number; name: string }>> {
  const query = compiledOnce(fundQueries, db, 'funds', () => db.selectFrom('funds').select(['id', 'name']).orderBy('name'), {})
  return (await db.executeQuery(query)).rows
}

/** The rounds of one fund that have returns a fund manager follows, for the second filter once a fund is chosen. */
export async function roundsWithReturns(db: Db, fundId: number): Promise<Array<{ id: number; title: string }>> {
  const query = compiledOnce(
    roundQueries,
    db,
    'rounds',
    (slot) =>
      db
        .selectFrom('rounds')
        .select(['rounds.id', 'rounds.title'])
        .where('rounds.fund_id', '=', slot<number>('fundId'))
        .where((eb) => eb.exists(eb.selectFrom('return_review_counts').select('return_review_counts.round_id').whereRef('return_review_counts.round_id', '=', 'rounds.id')))
        .orderBy('rounds.title'),
    { fundId },
  )
  return (await db.executeQuery(query)).rows
}
