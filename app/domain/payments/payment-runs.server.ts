/**
 * Payment runs: a finance officer gathers due tranches into a run for one rail (BACS or Stripe), sees the total by
 * pot and by contributor, and submits it. A run above the fund's threshold (settings.server.ts) waits for a second,
 * different finance officer to approve it (four eyes: refused in code, and by a CHECK constraint in the database);
 * at or below it, it is approved as it is submitted. Then the BACS file is exported (exports.server.ts) or the Stripe
 * transfers are sent (stripe-transfers.server.ts), and confirmations mark each tranche paid (tranches.server.ts).
 *
 *   awaiting_approval -> approved -> sent -> completed      (cancelled from awaiting_approval or approved)
 *
 * A tranche joins at most one run: it moves scheduled -> in_run with a conditional UPDATE, so two runs prepared at
 * once cannot both take it; the loser is refused and nothing of its run is written. Each run is keyed by the
 * idempotency key its form carried, so a double-submitted form makes one run.
 */
import { sql, type Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import { compiledOnce, type CompiledQueries, type SlotFor } from '~/lib/compiled-once.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import { formatPence } from '~/lib/money.ts'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { listDueTranches, reasonsNotPayable, tranchesForPayment, type TrancheForPayment } from './tranches.server.ts'
import { paymentSettings } from './settings.server.ts'
import { changeRunTrancheCount } from './run-counts.server.ts'

export type Rail = 'bacs' | 'stripe'
export type RunStatus = 'awaiting_approval' | 'approved' | 'sent' | 'completed' | 'cancelled'

export class PaymentRunNotFoundError extends NotFoundError {
  constructor() {
    super('payment run')
  }
}

/** The tranches chosen cannot be paid; `problems` says, for each one, why (the message joins them). */
export class RunInputError extends DomainError {
  readonly problems: string[]
  constructor(problems: string | string[], field = 'trancheIds') {
    const list = Array.isArray(problems) ? problems : [problems]
    super(list.join('. ') + (list.length > 1 ? '.' : ''), { code: 'payment_run_input', status: 400, field })
    this.problems = list
  }
}

export class FourEyesError extends DomainError {
  constructor() {
    super('You prepared this payment run, so a different finance officer must approve it.', { code: 'four_eyes', status: 403 })
  }
}

export class RunStatusError extends ConflictError {
  constructor(message: string) {
    super(message, 'payment_run_status')
  }
}

export interface PrepareRunInput {
  rail: Rail
  trancheIds: number[]
  idempotencyKey: string
  today?: string
}

export interface PreparedRun {
  id: number
  reference: string
  status: RunStatus
  totalPence: number
  needsApproval: boolean
  replayed: boolean
}

/**
 * Puts the chosen due tranches in a new run. Refuses (RunInputError, naming each tranche and why) a tranche that is
 * not due, whose gate or conditions are not met, or whose organisation has no checked bank details (BACS) or no
 * connected Stripe account (Stripe). A repeated key returns the run it made.
 */
export async function prepareRun(trx: Transaction<DB>, actorUserId: number, input: PrepareRunInput): Promise<PreparedRun> {
  const key = input.idempotencyKey.trim()
  if (!key) throw new RunInputError('The form is missing its key: reload the page and try again', 'idempotencyKey')
  const previous = await runMadeBy(trx, key, actorUserId)
  if (previous) return previous
  const ids = [...new Set(input.trancheIds)]
  if (ids.length === 0) throw new RunInputError('Choose at least one payment to include')
  const due = await listDueTranches(trx, { today: input.today })
  const byId = new Map(due.map((t) => [t.id, t]))
  const problems: string[] = []
  for (const id of ids) {
    const t = byId.get(id)
    if (!t) {
      const other = (await tranchesForPayment(trx, [id]))[0]
      problems.push(other ? `${other.reference} cannot be paid: it is ${describeStatus(other)}` : `Payment ${id} does not exist`)
      continue
    }
    const reasons = reasonsNotPayable(t, input.rail)
    if (reasons.length) problems.push(`${t.reference} (${t.organisationName}) cannot be paid: ${reasons.join('; ')}`)
  }
  if (problems.length) {
    // The same form sent twice at once: on PostgreSQL (read committed) the other submission can commit its run between
    // this one's look for the key and its look at the payments, which then read "already in a payment run". That run
    // is this form's answer too.
    const madeMeanwhile = await runMadeBy(trx, key, actorUserId)
    if (madeMeanwhile) return madeMeanwhile
    throw new RunInputError(problems)
  }

  const chosen = ids.map((id) => byId.get(id)!)
  const totalPence = chosen.reduce((sum, t) => sum + t.amountPence, 0)
  const settings = await paymentSettings(trx)
  const needsApproval = totalPence > settings.approvalThresholdPence
  const now = new Date().toISOString()
  const status: RunStatus = needsApproval ? 'awaiting_approval' : 'approved'
  const run = await trx
    .insertInto('payment_runs')
    .values({
      reference: `PR-pending-${key}`.slice(0, 200),
      rail: input.rail,
      status,
      total_pence: totalPence,
      created_by: actorUserId,
      idempotency_key: key,
      needs_approval: needsApproval ? 1 : 0,
      threshold_pence: settings.approvalThresholdPence,
      submitted_at: now,
      approved_at: needsApproval ? null : now,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst()
  // The same form sent twice at once (PostgreSQL: the insert waited for the other submission, which made the run).
  if (!run) return (await runMadeBy(trx, key, actorUserId))!
  const reference = `PR-${String(run.id).padStart(5, '0')}`
  await trx.updateTable('payment_runs').set({ reference }).where('id', '=', run.id).execute()
  for (const t of chosen) {
    const moved = await trx
      .updateTable('tranches')
      .set({ status: 'in_run', payment_run_id: run.id, bank_account_id: input.rail === 'bacs' ? t.bankAccount!.id : null, failure_reason: null, updated_at: now })
      .where('id', '=', t.id)
      .where('status', '=', 'scheduled')
      .executeTakeFirst()
    if (Number(moved.numUpdatedRows) !== 1) throw new RunStatusError(`${t.reference} was put in another payment run a moment ago. Nothing was saved: choose the payments again.`)
  }
  await changeRunTrancheCount(trx, run.id, chosen.length)
  await recordAudit(trx, {
    actorUserId,
    action: 'payment_run.prepared',
    entityType: 'payment_run',
    entityId: run.id,
    after: { reference, rail: input.rail, totalPence, trancheIds: ids, needsApproval, thresholdPence: settings.approvalThresholdPence },
  })
  return { id: run.id, reference, status, totalPence, needsApproval, replayed: false }
}

/** The run a form's key already made (a replay), or null; refused when someone else's form made it. */
async function runMadeBy(trx: Transaction<DB>, key: string, actorUserId: number): Promise<PreparedRun | null> {
  const previous = await trx.selectFrom('payment_runs').select(['id', 'reference', 'status', 'total_pence', 'needs_approval', 'created_by']).where('idempotency_key', '=', key).executeTakeFirst()
  if (!previous) return null
  if (previous.created_by !== actorUserId) throw new ConflictError('That form was already used by someone else.', 'idempotency_key_reused')
  return { id: previous.id, reference: previous.reference, status: previous.status as RunStatus, totalPence: previous.total_pence, needsApproval: previous.needs_approval === 1, replayed: true }
}

function describeStatus(t: TrancheForPayment): string {
  if (t.status === 'offered') return 'waiting for the offer to be accepted'
  if (t.status === 'in_run') return 'already in a payment run'
  if (t.status === 'sent') return 'already sent'
  if (t.status === 'paid') return 'already paid'
  if (t.status === 'cancelled') return 'cancelled'
  return `not due until ${t.dueDate}`
}

async function lockRun(trx: Transaction<DB>, runId: number) {
  let query = trx.selectFrom('payment_runs').select(['id', 'reference', 'status', 'created_by', 'approved_by', 'total_pence', 'rail']).where('id', '=', runId)
  if (engineOf(trx) === 'postgres') query = query.forUpdate()
  const run = await query.executeTakeFirst()
  if (!run) throw new PaymentRunNotFoundError()
  return run
}

/**
 * A second finance officer approves a run awaiting approval. Refused for the officer who prepared it
 * (FourEyesError, 403) and for a run not awaiting approval (409, e.g. approved a moment ago by someone else).
 */
export async function approveRun(trx: Transaction<DB>, actorUserId: number, input: { runId: number }): Promise<void> {
  const run = await lockRun(trx, input.runId)
  if (run.created_by === actorUserId) throw new FourEyesError()
  if (run.status !== 'awaiting_approval') throw new RunStatusError(run.status === 'cancelled' ? 'This payment run was cancelled.' : 'This payment run has already been approved.')
  const now = new Date().toISOString()
  const result = await trx
    .updateTable('payment_runs')
    .set({ status: 'approved', approved_by: actorUserId, approved_at: now })
    .where('id', '=', run.id)
    .where('status', '=', 'awaiting_approval')
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) throw new RunStatusError('This payment run has already been approved.')
  await recordAudit(trx, { actorUserId, action: 'payment_run.approved', entityType: 'payment_run', entityId: run.id, after: { reference: run.reference, totalPence: run.total_pence } })
}

/** Cancels a run not yet sent; its tranches go back to the schedule, due as before. */
export async function cancelRun(trx: Transaction<DB>, actorUserId: number, input: { runId: number; reason: string }): Promise<void> {
  const reason = input.reason.trim()
  if (!reason) throw new RunInputError('Say why the run is cancelled', 'reason')
  const run = await lockRun(trx, input.runId)
  if (run.status !== 'awaiting_approval' && run.status !== 'approved') throw new RunStatusError(`This payment run is ${run.status} and can no longer be cancelled.`)
  if (run.rail === 'stripe') {
    // A transfer already asked of Stripe must be settled under its own key, not abandoned and re-sent in another run.
    const started = await trx
      .selectFrom('tranches')
      .innerJoin('stripe_transfers', (join) => join.onRef('stripe_transfers.tranche_id', '=', 'tranches.id').onRef('stripe_transfers.attempt', '=', 'tranches.attempt'))
      .select('tranches.id')
      .where('tranches.payment_run_id', '=', run.id)
      .executeTakeFirst()
    if (started) throw new RunStatusError('Stripe transfers have already been started for this run, so it cannot be cancelled. Retry the unconfirmed transfers instead.')
  }
  const now = new Date().toISOString()
  const result = await trx
    .updateTable('payment_runs')
    .set({ status: 'cancelled', cancelled_at: now, cancelled_by: actorUserId })
    .where('id', '=', run.id)
    .where('status', 'in', ['awaiting_approval', 'approved'])
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) throw new RunStatusError('This payment run changed a moment ago: reload the page.')
  const released = await trx
    .updateTable('tranches')
    .set({ status: 'scheduled', payment_run_id: null, bank_account_id: null, updated_at: now })
    .where('payment_run_id', '=', run.id)
    .where('status', '=', 'in_run')
    .executeTakeFirst()
  await changeRunTrancheCount(trx, run.id, -Number(released.numUpdatedRows))
  await recordAudit(trx, { actorUserId, action: 'payment_run.cancelled', entityType: 'payment_run', entityId: run.id, after: { reason } })
}

// ---------------------------------------------------------------- reading

export interface RunSummary {
  id: number
  reference: string
  rail: Rail
  status: RunStatus
  totalPence: number
  needsApproval: boolean
  thresholdPence: number | null
  createdBy: { id: number; name: string }
  approvedBy: { id: number; name: string } | null
  submittedAt: string | null
  approvedAt: string | null
  exportedAt: string | null
  cancelledAt: string | null
  tranches: Array<TrancheForPayment & { accountNumberLast4: string | null; accountName: string | null; failureReason: string | null; paidAt: string | null }>
  byPot: Array<{ potId: number; potName: string; amountPence: number }>
  byContributor: Array<{ potName: string; funderName: string; amountPence: number }>
}

export async function runSummary(db: Db, runId: number): Promise<RunSummary> {
  const run = await db
    .selectFrom('payment_runs')
    .innerJoin('users as creator', 'creator.id', 'payment_runs.created_by')
    .leftJoin('users as approver', 'approver.id', 'payment_runs.approved_by')
    .select([
      'payment_runs.id',
      'payment_runs.reference',
      'payment_runs.rail',
      'payment_runs.status',
      'payment_runs.total_pence',
      'payment_runs.needs_approval',
      'payment_runs.threshold_pence',
      'payment_runs.created_by',
      'creator.name as creatorName',
      'payment_runs.approved_by',
      'approver.name as approverName',
      'payment_runs.submitted_at',
      'payment_runs.approved_at',
      'payment_runs.exported_at',
      'payment_runs.cancelled_at',
    ])
    .where('payment_runs.id', '=', runId)
    .executeTakeFirst()
  if (!run) throw new PaymentRunNotFoundError()
  const ids = await db.selectFrom('tranches').select('id').where('payment_run_id', '=', runId).execute()
  // A cancelled run's tranches have left it; what it held is in its audit event.
  const tranches = await tranchesForPayment(db, ids.map((r) => r.id))
  const extra = ids.length
    ? await db
        .selectFrom('tranches')
        .leftJoin('bank_accounts', 'bank_accounts.id', 'tranches.bank_account_id')
        .select(['tranches.id', 'bank_accounts.account_number', 'bank_accounts.account_name', 'tranches.failure_reason', 'tranches.paid_at'])
        .where('tranches.id', 'in', ids.map((r) => r.id))
        .execute()
    : []
  const extraById = new Map(extra.map((e) => [e.id, e]))
  const parts = ids.length
    ? await db
        .selectFrom('tranche_parts')
        .innerJoin('contributions', 'contributions.id', 'tranche_parts.contribution_id')
        .innerJoin('funders', 'funders.id', 'contributions.funder_id')
        .innerJoin('pots', 'pots.id', 'contributions.pot_id')
        .select(['pots.id as potId', 'pots.name as potName', 'funders.name as funderName', 'tranche_parts.amount_pence'])
        .where('tranche_parts.tranche_id', 'in', ids.map((r) => r.id))
        .execute()
    : []
  const byPot = new Map<number, { potId: number; potName: string; amountPence: number }>()
  const byContributor = new Map<string, { potName: string; funderName: string; amountPence: number }>()
  for (const p of parts) {
    const pot = byPot.get(p.potId) ?? { potId: p.potId, potName: p.potName, amountPence: 0 }
    pot.amountPence += p.amount_pence
    byPot.set(p.potId, pot)
    const key = `${p.potId}:${p.funderName}`
    const c = byContributor.get(key) ?? { potName: p.potName, funderName: p.funderName, amountPence: 0 }
    c.amountPence += p.amount_pence
    byContributor.set(key, c)
  }
  return {
    id: run.id,
    reference: run.reference,
    rail: run.rail,
    status: run.status as RunStatus,
    totalPence: run.total_pence,
    needsApproval: run.needs_approval === 1,
    thresholdPence: run.threshold_pence,
    createdBy: { id: run.created_by, name: run.creatorName },
    approvedBy: run.approved_by !== null ? { id: run.approved_by, name: run.approverName ?? '' } : null,
    submittedAt: run.submitted_at,
    approvedAt: run.approved_at,
    exportedAt: run.exported_at,
    cancelledAt: run.cancelled_at,
    tranches: tranches.map((t) => {
      const e = extraById.get(t.id)
      return { ...t, accountNumberLast4: e?.account_number ? e.account_number.slice(-4) : null, accountName: e?.account_name ?? null, failureReason: e?.failure_reason ?? null, paidAt: e?.paid_at ?? null }
    }),
    byPot: [...byPot.values()].sort((a, b) => a.potName.localeCompare(b.potName)),
    byContributor: [...byContributor.values()].sort((a, b) => a.potName.localeCompare(b.potName) || a.funderName.localeCompare(b.funderName)),
  }
}

export interface RunListItem {
  id: number
  reference: string
  rail: Rail
  status: RunStatus
  totalPence: number
  createdByName: string
  submittedAt: string | null
  trancheCount: number
}

/**
 * The runs newest first, at most `limit` of them (written into the SQL, part of the shape: a few page sizes), older
 * than run `before` when given (in a slot).
 */
function runsQuery(db: Db, shape: { before: boolean; limit: number }, slot: SlotFor) {
  const query = db
    .selectFrom('payment_runs')
    .innerJoin('users', 'users.id', 'payment_runs.created_by')
    .select([
      'payment_runs.id',
      'payment_runs.reference',
      'payment_runs.rail',
      'payment_runs.status',
      'payment_runs.total_pence',
      'users.name',
      'payment_runs.submitted_at',
      'payment_runs.tranche_count',
    ])
    .orderBy('payment_runs.id', 'desc')
    .limit(sql.lit(shape.limit))
  return shape.before ? query.where('payment_runs.id', '<', slot<number>('before')) : query
}

/** runsQuery compiled once for each shape and kept prepared on PostgreSQL (payments due lists the latest runs on every view). */
const runsQueries: CompiledQueries<Awaited<ReturnType<ReturnType<typeof runsQuery>['execute']>>[number]> = new Map()

/** The payment runs newest first (50 unless `limit` says), older than run `before` when given, with who prepared each. */
export async function listRuns(db: Db, options: { limit?: number; before?: number } = {}): Promise<RunListItem[]> {
  const limit = options.limit ?? 50
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`A list of payment runs cannot be ${limit} long`)
  const shape = { before: options.before !== undefined, limit }
  const compiled = compiledOnce(runsQueries, db, `${shape.before ? 'before a run' : 'latest'} ${limit}`, (slot) => runsQuery(db, shape, slot), { before: options.before }, { onlySlots: true })
  const { rows } = await db.executeQuery(compiled)
  return rows.map((r) => ({
    id: r.id,
    reference: r.reference,
    rail: r.rail,
    status: r.status as RunStatus,
    totalPence: r.total_pence,
    createdByName: r.name,
    submittedAt: r.submitted_at,
    trancheCount: Number(r.tranche_count),
  }))
}

export const RUNS_PAGE_SIZE = 25

/**
 * One page of every payment run, newest first (RUNS_PAGE_SIZE a page): the first page, or the runs older than run
 * `before`. `olderBefore` is the cursor for the next (older) page when there is one.
 */
export async function paymentRunsPage(db: Db, options: { before?: number; limit?: number } = {}): Promise<{ runs: RunListItem[]; olderBefore: number | null }> {
  const limit = options.limit ?? RUNS_PAGE_SIZE
  const rows = await listRuns(db, { before: options.before, limit: limit + 1 })
  const runs = rows.slice(0, limit)
  return { runs, olderBefore: rows.length > limit ? runs.at(-1)!.id : null }
}

/** "£12,000.00 is above the £5,000.00 threshold, so a second finance officer must approve it." */
export function approvalSentence(run: Pick<RunSummary, 'needsApproval' | 'totalPence' | 'thresholdPence'>): string {
  const threshold = formatPence(run.thresholdPence ?? 0)
  return run.needsApproval
    ? `${formatPence(run.totalPence)} is above the ${threshold} threshold, so a second finance officer must approve this run.`
    : `${formatPence(run.totalPence)} is within the ${threshold} threshold, so this run was approved as it was submitted.`
}

