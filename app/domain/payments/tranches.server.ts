/**
 * A tranche's journey to the organisation's bank account (ADR 0010):
 *
 *   offered -> scheduled (offer accepted) -> in_run (a payment run) -> sent (BACS file exported / Stripe transfer
 *   created) -> paid (bank statement / Stripe webhook confirms it)
 *
 * and back to scheduled when a payment fails or is reversed (with the reason, attempt + 1, finance told). Money moves
 * in the ledger only when a payment is confirmed: scheduled -> paid for each contribution's part of the tranche, keyed
 * `tranche:<id>:<attempt>:paid:<contribution>` so a tranche is paid at most once per attempt; a reversal posts the
 * opposite entries pointing at the originals. 'Due' is worked out (schedule.ts reasonsNotDue), never stored.
 *
 * Every transition is a conditional UPDATE on the tranche's current status (and on PostgreSQL the row is locked
 * first), so any number of concurrent webhook deliveries, statement imports or exports move it once.
 */
import { sql, type Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import { compiledOnce, type CompiledQueries, type SlotFor } from '~/lib/compiled-once.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { KeptUntilChanged, OPEN_DATA_VERSION, openDataVersion } from '~/lib/kept-until-changed.server.ts'
import { ConflictError, NotFoundError } from '~/lib/errors.ts'
import { formatPence, penceFromDatabase } from '~/lib/money.ts'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { reasonsNotDue, trancheReference } from '../awards/schedule.ts'
import { REASONS, contributionAccountCode } from '../budgets/accounts.ts'
import { postEntries, reverseEntry, type PostEntryInput } from '../budgets/ledger.server.ts'
import { enqueueEmail } from '../messages/outbox.server.ts'
import { remittanceAdvice } from './remittance.server.ts'
import { changeRunTrancheCount } from './run-counts.server.ts'
import { ukToday } from '../places/places.server.ts'
import { MAX_ID } from '~/lib/ids.ts'
import { refreshAwardFigures } from '../budgets/place-figures.server.ts'

export class TrancheNotFoundError extends NotFoundError {
  constructor() {
    super('payment')
  }
}

export class TrancheStatusError extends ConflictError {
  constructor(message: string) {
    super(message, 'tranche_status')
  }
}

export interface TrancheForPayment {
  id: number
  awardId: number
  awardReference: string
  organisationId: number
  organisationName: string
  reference: string
  sequence: number
  amountPence: number
  dueDate: string
  status: string
  attempt: number
  paymentRunId: number | null
  bankAccountId: number | null
  rail: 'bacs' | 'stripe' | null
  externalRef: string | null
}

function trancheQuery(db: Db) {
  return db
    .selectFrom('tranches')
    .innerJoin('awards', 'awards.id', 'tranches.award_id')
    .innerJoin('applications', 'applications.id', 'awards.application_id')
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .leftJoin('payment_runs', 'payment_runs.id', 'tranches.payment_run_id')
    .select([
      'tranches.id',
      'tranches.award_id as awardId',
      'awards.reference as awardReference',
      'awards.organisation_id as organisationId',
      'organisations.name as organisationName',
      'applications.reference as applicationReference',
      'tranches.sequence',
      'tranches.amount_pence as amountPence',
      'tranches.due_date as dueDate',
      'tranches.status',
      'tranches.attempt',
      'tranches.payment_run_id as paymentRunId',
      'tranches.bank_account_id as bankAccountId',
      'payment_runs.rail',
      'tranches.external_ref as externalRef',
    ])
}

type TrancheQueryRow = Awaited<ReturnType<ReturnType<typeof trancheQuery>['execute']>>[number]

function toTranche(row: TrancheQueryRow): TrancheForPayment {
  const { applicationReference, ...rest } = row
  return { ...rest, reference: trancheReference(applicationReference, row.sequence, row.id) }
}

export async function trancheForPayment(db: Db, trancheId: number): Promise<TrancheForPayment | null> {
  const row = await trancheQuery(db).where('tranches.id', '=', trancheId).executeTakeFirst()
  return row ? toTranche(row) : null
}

export async function tranchesForPayment(db: Db, trancheIds: number[]): Promise<TrancheForPayment[]> {
  if (trancheIds.length === 0) return []
  const rows = await trancheQuery(db).where('tranches.id', 'in', trancheIds).orderBy('tranches.id').execute()
  return rows.map(toTranche)
}

/** Locks the tranche row (PostgreSQL) and returns its status; throws TrancheNotFoundError. */
async function lockTranche(trx: Transaction<DB>, trancheId: number) {
  let query = trx.selectFrom('tranches').select(['id', 'status', 'attempt', 'award_id', 'payment_run_id', 'amount_pence']).where('id', '=', trancheId)
  if (engineOf(trx) === 'postgres') query = query.forUpdate()
  const row = await query.executeTakeFirst()
  if (!row) throw new TrancheNotFoundError()
  return row
}

// ---------------------------------------------------------------- due

export interface DueTranche extends TrancheForPayment {
  bankAccount: { id: number; status: string } | null
  stripeAccountId: string | null
  /** Why it cannot go in a run today; empty when it can. */
  reasons: string[]
}

/**
 * Whether what the tranche waits for has happened (a return accepted; a condition not outstanding). The gate's
 * reference is cast only under its own gate (CASE), so no engine reads another gate's reference as a number.
 */
const GATE_MET = sql<number>`case
        when tranches.gate = 'return' then (case when exists (select 1 from returns where returns.id = cast(tranches.gate_ref as integer) and returns.status = 'accepted') then 1 else 0 end)
        when tranches.gate = 'condition' then (case when exists (select 1 from award_conditions gate where gate.id = cast(tranches.gate_ref as integer) and gate.status = 'outstanding') then 0 else 1 end)
        else 1 end`

/** Whether the tranche's award has no outstanding condition. */
const CONDITIONS_MET = sql<number>`case when exists (select 1 from award_conditions c where c.award_id = tranches.award_id and c.status = 'outstanding') then 0 else 1 end`

/**
 * The id of the organisation's current bank details (its newest that are not superseded), for a join on that key: one
 * lookup a row for both its id and its status (two subqueries before, each sorting the organisation's details).
 */
const CURRENT_BANK_ACCOUNT_ID = sql<number>`(select max(b.id) from bank_accounts b where b.organisation_id = awards.organisation_id and b.status <> 'superseded')`

/**
 * Tranches of accepted awards waiting to be paid (scheduled or offered): the rows a run chooses from, each with the
 * facts reasonsNotDue and reasonsNotPayable need, looked up for the row by key in the same statement: whether what it
 * waits for has happened (GATE_MET), whether the award has no outstanding condition (CONDITIONS_MET), and the
 * organisation's current bank details (CURRENT_BANK_ACCOUNT_ID). A page of /finance reads the same facts
 * (duePageQuery).
 */
function dueQuery(db: Db) {
  return trancheQuery(db)
    .leftJoin('bank_accounts as current_bank', (join) => join.on((eb) => eb('current_bank.id', '=', CURRENT_BANK_ACCOUNT_ID)))
    .select([
      'awards.status as awardStatus',
      'organisations.stripe_account_id as stripeAccountId',
      'current_bank.id as currentBankAccountId',
      'current_bank.status as currentBankAccountStatus',
      GATE_MET.as('gateMet'),
      CONDITIONS_MET.as('conditionsMet'),
    ])
    .where('tranches.status', 'in', ['scheduled', 'offered'])
    .where('awards.status', '=', 'accepted')
}

type DueQueryRow = Awaited<ReturnType<ReturnType<typeof dueQuery>['execute']>>[number]

/**
 * A row of dueQuery with the reasons it cannot be paid yet (reasonsNotDue: the one rule, also for runs). Built field by
 * field: copying the row with a rest pattern cost about 10 microseconds a row.
 */
function toDueTranche(row: DueQueryRow, today: string): DueTranche {
  const gateMet = Number(row.gateMet) === 1
  const conditionsMet = Number(row.conditionsMet) === 1
  return {
    id: row.id,
    awardId: row.awardId,
    awardReference: row.awardReference,
    organisationId: row.organisationId,
    organisationName: row.organisationName,
    reference: trancheReference(row.applicationReference, row.sequence, row.id),
    sequence: row.sequence,
    amountPence: row.amountPence,
    dueDate: row.dueDate,
    status: row.status,
    attempt: row.attempt,
    paymentRunId: row.paymentRunId,
    bankAccountId: row.bankAccountId,
    rail: row.rail,
    externalRef: row.externalRef,
    bankAccount: row.currentBankAccountId === null || row.currentBankAccountStatus === null ? null : { id: Number(row.currentBankAccountId), status: row.currentBankAccountStatus },
    stripeAccountId: row.stripeAccountId,
    reasons: reasonsNotDue({ status: row.status, dueDate: row.dueDate, awardStatus: row.awardStatus, gateMet, conditionsMet }, today),
  }
}

/**
 * Tranches of accepted awards that are scheduled and due by `today`, each with the organisation's current bank
 * details (verified or not), its Stripe account, and the reasons it cannot be paid yet (empty when it can).
 * Every one of them: for checking a run's choices; pages show dueTranchesPage.
 */
export async function listDueTranches(db: Db, options: { today?: string; awardId?: number } = {}): Promise<DueTranche[]> {
  const today = options.today ?? ukToday()
  let query = dueQuery(db).orderBy('tranches.due_date').orderBy('tranches.id')
  if (options.awardId) query = query.where('tranches.award_id', '=', options.awardId)
  else query = query.where('tranches.due_date', '<=', today)
  return (await query.execute()).map((row) => toDueTranche(row, today))
}

/** Where a page of due payments starts or ends: the due date and id of the row next to it (sort order). */
export interface DueCursor {
  dueDate: string
  id: number
}

/** Payments due on a page of /finance: 25, as every row is a form control, a link or two and the reasons in words. */
export const DUE_PAGE_SIZE = 25

/**
 * Tranches waiting to be paid (scheduled or offered) as read from the partial index tranches_due_payments_idx (due
 * date, id, award, amount of only these tranches), so a page reads its rows in order and stops, and the count and total
 * of those due read only the due ones' index entries. The status is written out (not bound) as the index's own WHERE,
 * which both engines need to use a partial index; SQLite is also told the index by name, as its sampled statistics make
 * (status, due date) look cheaper and it then read and sorted every due row's table row for each page.
 */
function waitingTranches(db: Db) {
  const indexed = engineOf(db) === 'sqlite' ? sql`indexed by tranches_due_payments_idx` : sql``
  return sql<{ id: number; due_date: string; award_id: number; amount_pence: number }>`(select id, due_date, award_id, amount_pence from tranches ${indexed} where status in ('scheduled', 'offered'))`.as('tranches')
}

/**
 * The tranche's award is accepted, looked up for each tranche by key rather than joined: a join let PostgreSQL hash all
 * 28,000 accepted awards to count a thousand payments due. On SQLite the lookup reads the partial index of accepted
 * awards' ids (awards_accepted_idx: about 50 pages of bare ids) rather than the awards table (about 34,000 pages of wide
 * rows) or the (status, id) index (about 200 pages), so counting the 1,400 payments due nationally stays in a few pages
 * that stay in the CPU's caches (0.53 -> 0.25 ms for the count and total, run alone). PostgreSQL is asked the same
 * way (a row of the partial index, or none), which it answers from that index alone: 3.5 -> 1.4 ms for the national
 * count and total, where reading the award's status visited the awards table for each payment due.
 */
function ofAnAcceptedAward(db: Db) {
  return engineOf(db) === 'sqlite'
    ? sql<boolean>`exists (select 1 from awards indexed by awards_accepted_idx where awards.status = 'accepted' and awards.id = tranches.award_id)`
    : sql<boolean>`(select 1 from awards where awards.status = 'accepted' and awards.id = tranches.award_id) is not null`
}

/** "2026-11-01.123" for the due date and tranche id; parseDueCursor reads it back (null when it is not one). */
export function formatDueCursor(c: DueCursor): string {
  return `${c.dueDate}.${c.id}`
}

export function parseDueCursor(value: string | null): DueCursor | null {
  const m = value ? /^(\d{4}-\d{2}-\d{2})\.(\d{1,10})$/.exec(value) : null
  return m && Number(m[2]) <= MAX_ID ? { dueDate: m[1]!, id: Number(m[2]) } : null
}

/** A payment due as a page of /finance lists it: what its row shows and the facts reasonsNotPayable reads. */
export type DuePayment = Pick<DueTranche, 'id' | 'awardId' | 'organisationId' | 'organisationName' | 'reference' | 'amountPence' | 'dueDate' | 'bankAccount' | 'stripeAccountId' | 'reasons'>

export interface DueTranchesPage {
  tranches: DuePayment[]
  /** How many payments are due by today in all, and their total (SQL aggregates, every page alike). */
  count: number
  totalPence: number
  /** Cursors for the next and previous pages, null on the last or first page. */
  next: DueCursor | null
  previous: DueCursor | null
}

/**
 * The ids of a page of payments due (limit + 1, to tell whether there are more) in page order, read along the partial
 * index from the cursor and stopping at the limit.
 */
function duePageIds(db: Db, shape: DuePageShape, slot: SlotFor) {
  const op = shape.backwards ? '<' : '>'
  const direction = shape.backwards ? 'desc' : 'asc'
  const ids = db
    .selectFrom(waitingTranches(db))
    .select('tranches.id')
    .where(ofAnAcceptedAward(db))
    .where('tranches.due_date', '<=', slot<string>('today'))
    .orderBy('tranches.due_date', direction)
    .orderBy('tranches.id', direction)
    // Written into the SQL: bound as a parameter, SQLite ran the IN (...) as a slower plan (0.17 -> 0.45 ms).
    .limit(sql.lit(shape.limit + 1))
  if (!shape.cursor) return ids
  return ids.where((eb) => eb.or([eb('tranches.due_date', op, slot<string>('cursorDate')), eb.and([eb('tranches.due_date', '=', slot<string>('cursorDate')), eb('tranches.id', op, slot<number>('cursorId'))])]))
}

interface DuePageShape {
  backwards: boolean
  cursor: boolean
  limit: number
}

/**
 * A page of payments due with only what its rows show and their reasons need (the same facts as dueQuery: GATE_MET,
 * CONDITIONS_MET, the current bank details), each row looked up by key from the page's ids.
 */
function duePageQuery(db: Db, shape: DuePageShape, slot: SlotFor) {
  const direction = shape.backwards ? 'desc' : 'asc'
  return db
    .selectFrom('tranches')
    .innerJoin('awards', 'awards.id', 'tranches.award_id')
    .innerJoin('applications', 'applications.id', 'awards.application_id')
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .leftJoin('bank_accounts as current_bank', (join) => join.on((eb) => eb('current_bank.id', '=', CURRENT_BANK_ACCOUNT_ID)))
    .select([
      'tranches.id',
      'tranches.award_id as awardId',
      'awards.organisation_id as organisationId',
      'organisations.name as organisationName',
      'applications.reference as applicationReference',
      'tranches.sequence',
      'tranches.amount_pence as amountPence',
      'tranches.due_date as dueDate',
      'tranches.status',
      'awards.status as awardStatus',
      'organisations.stripe_account_id as stripeAccountId',
      'current_bank.id as currentBankAccountId',
      'current_bank.status as currentBankAccountStatus',
      GATE_MET.as('gateMet'),
      CONDITIONS_MET.as('conditionsMet'),
    ])
    .where('tranches.id', 'in', duePageIds(db, shape, slot))
    .orderBy('tranches.due_date', direction)
    .orderBy('tranches.id', direction)
}

/**
 * How many payments are due by today and their total, over the due ones' entries in the partial index, with the
 * open-data version read in the same statement (so the figures can be kept until it moves: keptDueTotals). It reads
 * only tranches and awards, both counted by that version.
 */
function dueTotalsQuery(db: Db, slot: SlotFor) {
  return db
    .selectFrom(waitingTranches(db))
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('tranches.amount_pence').as('pence'), OPEN_DATA_VERSION.as('version')])
    .where(ofAnAcceptedAward(db))
    .where('tranches.due_date', '<=', slot<string>('today'))
}

/**
 * The count and total of payments due, by day, kept until the open-data version moves (~/lib/kept-until-changed):
 * every change to a tranche or an award moves it, in the change's own transaction, so a kept total is never out of
 * date. Counting them is most of what /finance costs the database (about 1.2 ms of PostgreSQL's time per view at
 * national size, against a few hundredths of a millisecond to read the version).
 */
export const keptDueTotals = new KeptUntilChanged<{ count: number; totalPence: number }>()

/** The statement that counts and totals the payments due by `today`, with the open-data version (dueTotalsQuery). */
export function dueTotalsStatement(db: Db, today: string) {
  return compiledOnce(dueTotalsQueries, db, 'totals', (slot) => dueTotalsQuery(db, slot), { today }, { onlySlots: true })
}

/** The count and total of payments due by `today`: kept ones while the version read now is theirs, else counted. */
async function dueTotals(db: Db, today: string, version: Promise<number> | null): Promise<{ count: number; totalPence: number }> {
  const kept = version === null ? undefined : keptDueTotals.get(db, today, await version)
  if (kept) return { ...kept }
  const row = (await db.executeQuery(dueTotalsStatement(db, today))).rows[0]!
  const totals = { count: Number(row.n), totalPence: penceFromDatabase(row.pence, 'total due') }
  keptDueTotals.keep(db, today, Number(row.version), totals)
  return { ...totals }
}

type DuePageRow = Awaited<ReturnType<ReturnType<typeof duePageQuery>['execute']>>[number]
type DueTotalsRow = Awaited<ReturnType<ReturnType<typeof dueTotalsQuery>['execute']>>[number]

/**
 * The page and total queries, built and compiled once for each engine and shape (building and compiling them cost
 * about as much as running them; ~/lib/compiled-once.server.ts), with today's date and the cursor in slots, and kept
 * prepared on PostgreSQL: whatever today is, both read the partial index of payable tranches in due date order up to
 * it (the generic plan is the plan each day's custom plan was, and planning the page's query took 2.1 ms against its
 * 0.6 ms to run).
 */
const duePageQueries: CompiledQueries<DuePageRow> = new Map()
const dueTotalsQueries: CompiledQueries<DueTotalsRow> = new Map()

/** A row of duePageQuery as the page shows it, with its reasons (reasonsNotDue, the rule runs use too). */
function toDuePayment(row: DuePageRow, today: string): DuePayment {
  return {
    id: row.id,
    awardId: row.awardId,
    organisationId: row.organisationId,
    organisationName: row.organisationName,
    reference: trancheReference(row.applicationReference, row.sequence, row.id),
    amountPence: row.amountPence,
    dueDate: row.dueDate,
    bankAccount: row.currentBankAccountId === null || row.currentBankAccountStatus === null ? null : { id: Number(row.currentBankAccountId), status: row.currentBankAccountStatus },
    stripeAccountId: row.stripeAccountId,
    reasons: reasonsNotDue({ status: row.status, dueDate: row.dueDate, awardStatus: row.awardStatus, gateMet: Number(row.gateMet) === 1, conditionsMet: Number(row.conditionsMet) === 1 }, today),
  }
}

/**
 * One page of the payments due by `today` (sorted by due date, then id), keyset-paginated: the rows after `after`, or
 * the rows before `before` (at most `limit`), with the count and total of all of them. Statements compiled once: the
 * page's rows with their facts (its ids read in order along the partial index and stopping at the limit, each then
 * looked up by key), the open-data version, and, only when the count and total kept for today are not of that
 * version (keptDueTotals), the count and total as one aggregate over the due ones' index entries.
 */
export async function dueTranchesPage(db: Db, options: { today?: string; after?: DueCursor | null; before?: DueCursor | null; limit?: number } = {}): Promise<DueTranchesPage> {
  const today = options.today ?? ukToday()
  const limit = options.limit ?? DUE_PAGE_SIZE
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number above 0, got ${limit}`)
  const backwards = !options.after && !!options.before
  const cursor = options.after ?? options.before ?? null
  const shape: DuePageShape = { backwards, cursor: cursor !== null, limit }
  const asked = { today, cursorDate: cursor?.dueDate, cursorId: cursor?.id }
  const once = { onlySlots: true }
  const page = compiledOnce(duePageQueries, db, `${backwards ? 'backwards' : 'forwards'} ${shape.cursor ? 'from a cursor' : 'first'} ${limit}`, (slot) => duePageQuery(db, shape, slot), asked, once)
  // The version is read alongside the page; only when the totals kept for today are not of that version are they counted.
  const version = db.isTransaction ? null : openDataVersion(db)
  const [{ rows }, totals] = await Promise.all([db.executeQuery(page), dueTotals(db, today, version)])
  const more = rows.length > limit
  const shown = rows.slice(0, limit)
  if (backwards) shown.reverse()
  const tranches = shown.map((row) => toDuePayment(row, today))
  const first = tranches[0]
  const last = tranches.at(-1)
  const at = (t: DuePayment | undefined) => (t ? { dueDate: t.dueDate, id: t.id } : null)
  return {
    tranches,
    count: totals.count,
    totalPence: totals.totalPence,
    next: (backwards ? !!cursor : more) ? at(last) : null,
    previous: (backwards ? more : !!cursor) ? at(first) : null,
  }
}

/**
 * How many payments can go in a run today and their total, counted in SQL: scheduled, of an accepted award, due by
 * `today`, what they wait for has happened (an accepted return, a condition no longer outstanding) and the award has
 * no outstanding condition. The same test as reasonsNotDue, so equal to listDueTranches' rows with no reasons.
 */
export async function countPayableTranches(db: Db, today: string): Promise<{ count: number; totalPence: number }> {
  const row = await db
    .selectFrom('tranches')
    .innerJoin('awards', 'awards.id', 'tranches.award_id')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('tranches.amount_pence').as('pence')])
    .where('tranches.status', '=', 'scheduled')
    .where('awards.status', '=', 'accepted')
    .where('tranches.due_date', '<=', today)
    .where((eb) =>
      eb.or([
        eb('tranches.gate', 'not in', ['return', 'condition']),
        eb.and([
          eb('tranches.gate', '=', 'return'),
          eb.exists(eb.selectFrom('returns').select('returns.id').whereRef(sql`cast(tranches.gate_ref as integer)`, '=', 'returns.id').where('returns.status', '=', 'accepted')),
        ]),
        eb.and([
          eb('tranches.gate', '=', 'condition'),
          eb.not(eb.exists(eb.selectFrom('award_conditions as gate').select('gate.id').whereRef(sql`cast(tranches.gate_ref as integer)`, '=', 'gate.id').where('gate.status', '=', 'outstanding'))),
        ]),
      ]),
    )
    .where((eb) => eb.not(eb.exists(eb.selectFrom('award_conditions').select('award_conditions.id').whereRef('award_conditions.award_id', '=', 'tranches.award_id').where('award_conditions.status', '=', 'outstanding'))))
    .executeTakeFirstOrThrow()
  return { count: Number(row.n), totalPence: Number(row.pence ?? 0) }
}

/** Why one tranche cannot go in a payment run on `rail` today: its own reasons, then the payee's. Empty when it can. */
export function reasonsNotPayable(t: Pick<DueTranche, 'organisationName' | 'reasons' | 'bankAccount' | 'stripeAccountId'>, rail: 'bacs' | 'stripe'): string[] {
  const reasons = [...t.reasons]
  if (rail === 'bacs') {
    if (!t.bankAccount) reasons.push(`${t.organisationName} has not given bank details`)
    else if (t.bankAccount.status !== 'verified') reasons.push(`${t.organisationName}'s bank details have not been checked by finance`)
  } else if (!t.stripeAccountId) {
    reasons.push(`${t.organisationName} has no connected Stripe account`)
  }
  return reasons
}

// ---------------------------------------------------------------- sent

export interface MarkTranchesSentInput {
  trancheIds: number[]
  sentAt?: string
  /** Stripe transfer ids, by tranche id. */
  externalRefs?: Record<number, string>
}

/** in_run -> sent for each tranche still in_run; returns how many moved. Audited per tranche. */
export async function markTranchesSent(trx: Transaction<DB>, actorUserId: number | null, input: MarkTranchesSentInput): Promise<number> {
  const sentAt = input.sentAt ?? new Date().toISOString()
  let moved = 0
  for (const id of input.trancheIds) {
    const externalRef = input.externalRefs?.[id] ?? null
    const result = await trx
      .updateTable('tranches')
      .set({ status: 'sent', sent_at: sentAt, updated_at: sentAt, ...(externalRef ? { external_ref: externalRef } : {}) })
      .where('id', '=', id)
      .where('status', '=', 'in_run')
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) === 1) {
      moved++
      await recordAudit(trx, { actorUserId, action: 'tranche.sent', entityType: 'tranche', entityId: id, after: { sentAt, externalRef } })
    }
  }
  return moved
}

// ---------------------------------------------------------------- paid

export interface MarkTranchePaidInput {
  trancheId: number
  /** YYYY-MM-DD */
  paidOn: string
  externalRef?: string | null
  source: 'bank_statement' | 'stripe' | 'manual'
  /** The site's address for links in the remittance email (e.g. https://commonpot.example); a path alone without it. */
  baseUrl?: string
}

function paidKey(trancheId: number, attempt: number, contributionId: number): string {
  return `tranche:${trancheId}:${attempt}:paid:${contributionId}`
}

/**
 * Confirms a payment: sent (or in_run, for a Stripe transfer confirmed before we recorded it) -> paid. Posts
 * scheduled -> paid for each contribution's part, emails the remittance advice, and completes the award and the run
 * when nothing is left to pay. A tranche already paid is a replay: nothing moves twice.
 */
export async function markTranchePaid(trx: Transaction<DB>, actorUserId: number | null, input: MarkTranchePaidInput): Promise<{ replayed: boolean }> {
  const tranche = await lockTranche(trx, input.trancheId)
  if (tranche.status === 'paid') return { replayed: true }
  const allowed = input.source === 'stripe' ? ['sent', 'in_run'] : ['sent']
  if (!allowed.includes(tranche.status)) throw new TrancheStatusError(`This payment is ${tranche.status === 'scheduled' ? 'not in a payment run that has been sent' : tranche.status}, so it cannot be marked paid.`)
  const parts = await trx.selectFrom('tranche_parts').select(['contribution_id', 'amount_pence']).where('tranche_id', '=', tranche.id).orderBy('contribution_id').execute()
  const entries: PostEntryInput[] = parts
    .filter((p) => p.amount_pence > 0)
    .map((p) => ({
      debit: contributionAccountCode(p.contribution_id, 'scheduled'),
      credit: contributionAccountCode(p.contribution_id, 'paid'),
      amountPence: p.amount_pence,
      reasonCode: REASONS.paid,
      idempotencyKey: paidKey(tranche.id, tranche.attempt, p.contribution_id),
      ref: { type: 'tranche', id: tranche.id },
      actorUserId,
      memo: input.externalRef ?? null,
    }))
  await postEntries(trx, entries, { ensureNonNegative: entries.map((e) => e.debit) })
  const now = new Date().toISOString()
  await trx
    .updateTable('tranches')
    .set({ status: 'paid', paid_at: input.paidOn, updated_at: now, ...(input.externalRef ? { external_ref: input.externalRef } : {}) })
    .where('id', '=', tranche.id)
    .execute()
  await recordAudit(trx, { actorUserId, action: 'tranche.paid', entityType: 'tranche', entityId: tranche.id, after: { paidOn: input.paidOn, source: input.source, externalRef: input.externalRef ?? null, amountPence: tranche.amount_pence } })
  await completeIfPaid(trx, tranche.award_id, tranche.payment_run_id)
  await refreshAwardFigures(trx, [tranche.award_id])
  await sendRemittanceAdvice(trx, tranche.id, input)
  return { replayed: false }
}

async function completeIfPaid(trx: Transaction<DB>, awardId: number, runId: number | null): Promise<void> {
  const unpaid = await trx.selectFrom('tranches').select('id').where('award_id', '=', awardId).where('status', 'not in', ['paid', 'cancelled']).executeTakeFirst()
  if (!unpaid) await trx.updateTable('awards').set({ status: 'completed', updated_at: new Date().toISOString() }).where('id', '=', awardId).where('status', '=', 'accepted').execute()
  if (runId === null) return
  const runUnpaid = await trx.selectFrom('tranches').select('id').where('payment_run_id', '=', runId).where('status', '!=', 'paid').executeTakeFirst()
  if (runUnpaid) return
  const done = await trx.updateTable('payment_runs').set({ status: 'completed' }).where('id', '=', runId).where('status', '=', 'sent').executeTakeFirst()
  if (Number(done.numUpdatedRows) === 1) await recordAudit(trx, { actorUserId: null, action: 'payment_run.completed', entityType: 'payment_run', entityId: runId, after: { status: 'completed' } })
}

async function organisationEmails(db: Db, organisationId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('users.email')
    .where('memberships.organisation_id', '=', organisationId)
    .orderBy('users.id')
    .execute()
  return rows.map((r) => r.email)
}

/** Emails every member of the organisation the remittance advice of a tranche just paid (its PDF is linked). */
async function sendRemittanceAdvice(trx: Transaction<DB>, trancheId: number, input: MarkTranchePaidInput): Promise<void> {
  const t = await trx.selectFrom('tranches').select('award_id').where('id', '=', trancheId).executeTakeFirstOrThrow()
  const advice = await remittanceAdvice(trx, { awardId: t.award_id, trancheId })
  const { generatedOn: _generatedOn, ...values } = advice.values
  const link = `${input.baseUrl ?? ''}/awards/${t.award_id}/remittance/${trancheId}.pdf`
  for (const to of await organisationEmails(trx, advice.organisationId)) {
    await enqueueEmail(trx, { template: 'remittance-advice', to, idempotencyKey: `remittance:${trancheId}:${to}`, data: { ...values, link } })
  }
}

// ---------------------------------------------------------------- failed

export interface MarkTrancheFailedInput {
  trancheId: number
  reason: string
  /** The payment had been confirmed and is now reversed (a BACS return, a Stripe reversal). */
  reversed?: boolean
  baseUrl?: string
}

/**
 * A payment that did not go through, or came back: in_run | sent | paid -> scheduled, with the reason, attempt + 1,
 * out of its run. A paid tranche's ledger entries are reversed (paid -> scheduled). Finance officers are emailed.
 * Returns { changed: false } when the tranche is not in a state that can fail (already back in the schedule).
 */
export async function markTrancheFailed(trx: Transaction<DB>, actorUserId: number | null, input: MarkTrancheFailedInput): Promise<{ changed: boolean }> {
  const reason = input.reason.trim() || 'No reason given'
  const tranche = await lockTranche(trx, input.trancheId)
  if (!['in_run', 'sent', 'paid'].includes(tranche.status)) return { changed: false }
  if (tranche.status === 'paid') {
    const paidEntries = await trx
      .selectFrom('ledger_entries')
      .select(['id', 'credit_account_id'])
      .where('ref_type', '=', 'tranche')
      .where('ref_id', '=', tranche.id)
      .where('reason_code', '=', REASONS.paid)
      .where('idempotency_key', 'like', `tranche:${tranche.id}:${tranche.attempt}:paid:%`)
      .execute()
    for (const e of paidEntries) {
      // Refused (InsufficientFundsError) if money already repaid from this payment would leave a paid balance below zero.
      await reverseEntry(
        trx,
        { entryId: e.id, reasonCode: REASONS.paymentReversed, idempotencyKey: `tranche:${tranche.id}:${tranche.attempt}:reversed:${e.id}`, actorUserId, memo: reason },
        { ensureNonNegative: [e.credit_account_id] },
      )
    }
    await trx.updateTable('awards').set({ status: 'accepted' }).where('id', '=', tranche.award_id).where('status', '=', 'completed').execute()
  }
  const now = new Date().toISOString()
  await trx
    .updateTable('tranches')
    .set({ status: 'scheduled', failure_reason: reason, failed_at: now, attempt: tranche.attempt + 1, payment_run_id: null, bank_account_id: null, sent_at: null, paid_at: null, updated_at: now })
    .where('id', '=', tranche.id)
    .execute()
  if (tranche.status === 'paid') await refreshAwardFigures(trx, [tranche.award_id])
  if (tranche.payment_run_id !== null) await changeRunTrancheCount(trx, tranche.payment_run_id, -1)
  await recordAudit(trx, {
    actorUserId,
    action: input.reversed ? 'tranche.payment_reversed' : 'tranche.payment_failed',
    entityType: 'tranche',
    entityId: tranche.id,
    before: { status: tranche.status, attempt: tranche.attempt, paymentRunId: tranche.payment_run_id },
    after: { status: 'scheduled', reason, attempt: tranche.attempt + 1 },
  })
  await notifyFinance(trx, tranche.id, tranche.attempt, reason, input.baseUrl ?? '')
  return { changed: true }
}

async function notifyFinance(trx: Transaction<DB>, trancheId: number, attempt: number, reason: string, baseUrl: string): Promise<void> {
  const t = (await trancheForPayment(trx, trancheId))!
  const officers = await trx
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select('users.email')
    .where('user_roles.role', '=', 'finance_officer')
    .orderBy('users.id')
    .execute()
  for (const o of officers) {
    await enqueueEmail(trx, {
      template: 'payment-failed',
      to: o.email,
      idempotencyKey: `payment-failed:${trancheId}:${attempt}:${o.email}`,
      data: { reference: t.reference, amount: formatPence(t.amountPence), organisationName: t.organisationName, reason, link: `${baseUrl}/finance/payments` },
    })
  }
}

/**
 * Every payment due now that can be paid by `rail` today, across all pages of /finance: for a run of "every payment
 * that is ready" (a national round may have more than a thousand due at once).
 */
export async function payableTrancheIds(db: Db, rail: 'bacs' | 'stripe', today = ukToday()): Promise<number[]> {
  return (await listDueTranches(db, { today })).filter((t) => reasonsNotPayable(t, rail).length === 0).map((t) => t.id)
}
