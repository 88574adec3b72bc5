/**
 * Paying tranches by Stripe Connect transfers (issue 6, ADR 0010), exactly once.
 *
 * Two phases around the network call, because a transfer cannot be inside our database transaction:
 *   (a) in a transaction: lock the tranche, check it is in an approved Stripe run, and insert (or reuse) the
 *       stripe_transfers row for (tranche, attempt) with its idempotency key and status 'requested';
 *   (b) outside any transaction: ask Stripe for the transfer with that Idempotency-Key (the stored amount and
 *       destination, so a retry sends exactly the same request);
 *   (c) in a transaction: record the transfer id ('created') and move the tranche in_run -> sent.
 * A timeout, a lost connection or a 5xx leaves the row 'requested' (we do not know whether Stripe acted): sending again
 * re-sends the SAME key, so Stripe replays the first transfer instead of making a second. A crash between Stripe
 * accepting and (c) is healed the same way (healUnconfirmedTransfers), or by the transfer.created webhook, which finds
 * the 'requested' row by the tranche id in the transfer's metadata. A 4xx is a definite refusal (unknown destination,
 * platform balance too low): the tranche goes back to the schedule with the reason, and its next attempt has a new key.
 *
 * Money moves in the ledger only when Stripe confirms the transfer (webhook transfer.created -> markTranchePaid).
 * These functions receive the Stripe client (the route gets it from app/lib/stripe.server.ts); they never read env.
 * sendTrancheTransfer and friends take the database, not a transaction: they open their own short transactions on
 * either side of the network call.
 */
import type { Kysely, Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import type { Stripe } from '~/lib/stripe.server.ts'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { ukToday } from '../places/places.server.ts'
import { STRIPE_ACCOUNT_ID_MESSAGE, STRIPE_ACCOUNT_ID_PATTERN } from './stripe-accounts.ts'
import { markTrancheFailed, markTranchePaid, markTranchesSent, trancheForPayment } from './tranches.server.ts'

/** The parts of the Stripe SDK these functions use (a real `Stripe` client satisfies it). */
export type StripeConnectClient = Pick<Stripe, 'transfers' | 'accounts'>

// ---------------------------------------------------------------- errors

export class StripeAccountIdError extends DomainError {
  constructor() {
    super(STRIPE_ACCOUNT_ID_MESSAGE, { code: 'stripe_account_id', status: 400, field: 'stripeAccountId' })
  }
}

export class OrganisationNotFoundError extends NotFoundError {
  constructor() {
    super('organisation')
  }
}

export class TrancheNotPayableByStripeError extends ConflictError {
  constructor(message: string) {
    super(message, 'tranche_not_payable_by_stripe')
  }
}

export class NoConnectedAccountError extends ConflictError {
  constructor(organisationName: string) {
    super(`${organisationName} has no connected Stripe account, so no transfer was sent. Record one on the organisation's Stripe page first.`, 'no_connected_account')
  }
}

export class StripeRunNotSendableError extends ConflictError {
  constructor(message: string) {
    super(message, 'stripe_run_not_sendable')
  }
}

// ---------------------------------------------------------------- connected accounts

export interface OrganisationStripeAccount {
  id: number
  name: string
  stripeAccountId: string | null
}

/** An organisation's name and connected account id, or null when there is no such organisation. */
export async function organisationStripeAccount(db: Db, organisationId: number): Promise<OrganisationStripeAccount | null> {
  const row = await db.selectFrom('organisations').select(['id', 'name', 'stripe_account_id']).where('id', '=', organisationId).executeTakeFirst()
  return row ? { id: row.id, name: row.name, stripeAccountId: row.stripe_account_id } : null
}

/** Records (or, with null, removes) the organisation's Stripe Connect account id. Audited. */
export async function setStripeAccount(
  trx: Transaction<DB>,
  actorUserId: number,
  input: { organisationId: number; stripeAccountId: string | null },
): Promise<{ changed: boolean }> {
  const next = input.stripeAccountId === null ? null : input.stripeAccountId.trim()
  if (next !== null && !STRIPE_ACCOUNT_ID_PATTERN.test(next)) throw new StripeAccountIdError()
  let query = trx.selectFrom('organisations').select(['id', 'stripe_account_id']).where('id', '=', input.organisationId)
  if (engineOf(trx) === 'postgres') query = query.forUpdate()
  const organisation = await query.executeTakeFirst()
  if (!organisation) throw new OrganisationNotFoundError()
  if (organisation.stripe_account_id === next) return { changed: false }
  await trx.updateTable('organisations').set({ stripe_account_id: next, updated_at: new Date().toISOString() }).where('id', '=', organisation.id).execute()
  await recordAudit(trx, {
    actorUserId,
    action: next === null ? 'organisation.stripe_account_removed' : 'organisation.stripe_account_set',
    entityType: 'organisation',
    entityId: organisation.id,
    before: { stripeAccountId: organisation.stripe_account_id },
    after: { stripeAccountId: next },
  })
  return { changed: true }
}

export type ConnectedAccountCheck =
  | { status: 'found'; id: string; name: string | null; payoutsEnabled: boolean; chargesEnabled: boolean; detailsSubmitted: boolean }
  | { status: 'not_found'; message: string }
  | { status: 'unreachable'; message: string }

/** What Stripe says about a connected account: whether it can receive payouts, or why we could not tell. */
export async function verifyConnectedAccount(stripe: StripeConnectClient, stripeAccountId: string): Promise<ConnectedAccountCheck> {
  try {
    const account = await stripe.accounts.retrieve(stripeAccountId)
    return {
      status: 'found',
      id: account.id,
      name: account.business_profile?.name ?? null,
      payoutsEnabled: !!account.payouts_enabled,
      chargesEnabled: !!account.charges_enabled,
      detailsSubmitted: !!account.details_submitted,
    }
  } catch (error) {
    const e = stripeErrorFacts(error)
    if (e.statusCode === 404 || e.code === 'resource_missing' || e.statusCode === 403) {
      return { status: 'not_found', message: `Stripe has no connected account ${stripeAccountId} on this platform.` }
    }
    return { status: 'unreachable', message: 'We could not reach Stripe to check this account. Try again in a few minutes.' }
  }
}

// ---------------------------------------------------------------- sending one tranche

/** The Idempotency-Key for a tranche's attempt: the tranche id, with the attempt after a failure. */
export function transferIdempotencyKey(trancheId: number, attempt: number): string {
  return attempt === 0 ? `tranche_${trancheId}` : `tranche_${trancheId}_attempt_${attempt}`
}

export type SendTransferResult =
  /** Stripe created (or replayed) the transfer and we recorded it; the tranche is 'sent'. */
  | { outcome: 'sent'; trancheId: number; transferId: string }
  /** An earlier call already recorded the transfer for this attempt: nothing was sent again. */
  | { outcome: 'already_sent'; trancheId: number; transferId: string }
  /** We do not know whether Stripe acted (timeout, lost connection, 5xx): nothing is paid or failed; send again later. */
  | { outcome: 'retry_later'; trancheId: number; message: string }
  /** Stripe refused the transfer: the tranche is back in the schedule with this reason. */
  | { outcome: 'failed'; trancheId: number; reason: string }

interface TransferAttempt {
  rowId: number
  trancheId: number
  idempotencyKey: string
  amountPence: number
  destination: string
  transferGroup: string
  reference: string
}

/** Phase (a): lock the tranche, check it may be paid by Stripe, insert or reuse its attempt row. */
async function prepareTransfer(trx: Transaction<DB>, actorUserId: number | null, trancheId: number): Promise<TransferAttempt | SendTransferResult> {
  let lock = trx.selectFrom('tranches').select(['id', 'status', 'attempt', 'payment_run_id']).where('id', '=', trancheId)
  if (engineOf(trx) === 'postgres') lock = lock.forUpdate()
  const locked = await lock.executeTakeFirst()
  const tranche = locked ? await trancheForPayment(trx, trancheId) : null
  if (!locked || !tranche) throw new NotFoundError('payment')

  const existing = await trx
    .selectFrom('stripe_transfers')
    .select(['id', 'status', 'transfer_id', 'idempotency_key', 'amount_pence', 'destination_account'])
    .where('tranche_id', '=', trancheId)
    .where('attempt', '=', locked.attempt)
    .executeTakeFirst()
  if (existing?.transfer_id && (existing.status === 'created' || existing.status === 'paid')) {
    return { outcome: 'already_sent', trancheId, transferId: existing.transfer_id }
  }

  const run = locked.payment_run_id === null ? null : await trx.selectFrom('payment_runs').select(['reference', 'status', 'rail']).where('id', '=', locked.payment_run_id).executeTakeFirst()
  if (locked.status !== 'in_run' || !run || run.rail !== 'stripe' || run.status !== 'approved') {
    throw new TrancheNotPayableByStripeError(`Payment ${tranche.reference} is not waiting in an approved Stripe payment run, so no transfer was sent.`)
  }
  if (existing && existing.status !== 'requested') {
    throw new TrancheNotPayableByStripeError(`Stripe already ${existing.status === 'reversed' ? 'reversed' : 'refused'} payment ${tranche.reference}'s transfer for this attempt; it must go back in the schedule first.`)
  }
  if (existing) {
    return { rowId: existing.id, trancheId, idempotencyKey: existing.idempotency_key, amountPence: existing.amount_pence, destination: existing.destination_account, transferGroup: run.reference, reference: tranche.reference }
  }

  const organisation = await trx.selectFrom('organisations').select(['name', 'stripe_account_id']).where('id', '=', tranche.organisationId).executeTakeFirstOrThrow()
  if (!organisation.stripe_account_id) throw new NoConnectedAccountError(organisation.name)
  const idempotencyKey = transferIdempotencyKey(trancheId, locked.attempt)
  const row = await trx
    .insertInto('stripe_transfers')
    .values({ tranche_id: trancheId, attempt: locked.attempt, idempotency_key: idempotencyKey, destination_account: organisation.stripe_account_id, amount_pence: tranche.amountPence, status: 'requested' })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(trx, {
    actorUserId,
    action: 'stripe_transfer.requested',
    entityType: 'tranche',
    entityId: trancheId,
    after: { attempt: locked.attempt, idempotencyKey, destination: organisation.stripe_account_id, amountPence: tranche.amountPence, run: run.reference },
  })
  return { rowId: row.id, trancheId, idempotencyKey, amountPence: tranche.amountPence, destination: organisation.stripe_account_id, transferGroup: run.reference, reference: tranche.reference }
}

interface StripeErrorFacts {
  type: string | null
  statusCode: number | null
  code: string | null
  message: string
}

function stripeErrorFacts(error: unknown): StripeErrorFacts {
  const e = (error ?? {}) as { type?: unknown; statusCode?: unknown; code?: unknown; message?: unknown }
  return {
    type: typeof e.type === 'string' ? e.type : null,
    statusCode: typeof e.statusCode === 'number' ? e.statusCode : null,
    code: typeof e.code === 'string' ? e.code : null,
    message: typeof e.message === 'string' ? e.message : String(error),
  }
}

/**
 * Whether Stripe definitely refused the request (nothing was transferred, and sending it again would be refused too).
 * Anything else (no answer, 5xx, 409 lock or key in use, 429, our own key or configuration problems) is "unknown":
 * the attempt stays open and is sent again with the same key.
 */
function isDefiniteRefusal(e: StripeErrorFacts): boolean {
  return e.type === 'StripeInvalidRequestError' && e.statusCode !== null && e.statusCode >= 400 && e.statusCode < 500 && e.statusCode !== 409 && e.statusCode !== 429
}

function refusalReason(e: StripeErrorFacts, destination: string): string {
  if (e.code === 'resource_missing' || /destination/i.test(e.message)) return `Stripe refused the transfer: it does not know the connected account ${destination}. Check the organisation's Stripe account.`
  if (e.code === 'balance_insufficient') return "Stripe refused the transfer: the fund's Stripe balance is too low. Top it up, then put the payment in a new run."
  return `Stripe refused the transfer: ${e.message}`
}

function unknownOutcomeMessage(e: StripeErrorFacts): string {
  if (e.type === 'StripeIdempotencyError') return 'Stripe has a different request under this payment’s key: check the transfer in the Stripe dashboard before trying again.'
  if (e.type === 'StripeAuthenticationError' || e.type === 'StripePermissionError') return 'Stripe did not accept our API key, so nothing was sent. Check the Stripe settings, then try again.'
  return 'We did not hear back from Stripe, so we cannot tell yet whether it was sent. Nothing has been paid twice: try again and Stripe will confirm the same transfer.'
}

/**
 * Sends one tranche of an approved Stripe run as a Connect transfer, exactly once per attempt (see the module comment).
 * Throws TrancheNotPayableByStripeError / NoConnectedAccountError (409) when it cannot be sent at all.
 */
export async function sendTrancheTransfer(db: Kysely<DB>, stripe: StripeConnectClient, actorUserId: number | null, trancheId: number): Promise<SendTransferResult> {
  const prepared = await db.transaction().execute((trx) => prepareTransfer(trx, actorUserId, trancheId))
  if ('outcome' in prepared) return prepared

  let transferId: string
  try {
    const transfer = await stripe.transfers.create(
      {
        amount: prepared.amountPence,
        currency: 'gbp',
        destination: prepared.destination,
        transfer_group: prepared.transferGroup,
        metadata: { tranche_id: String(prepared.trancheId), reference: prepared.reference },
      },
      { idempotencyKey: prepared.idempotencyKey },
    )
    transferId = transfer.id
  } catch (error) {
    const facts = stripeErrorFacts(error)
    if (isDefiniteRefusal(facts)) {
      const reason = refusalReason(facts, prepared.destination)
      await db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('stripe_transfers')
          .set({ status: 'failed', last_error: facts.message, updated_at: new Date().toISOString() })
          .where('id', '=', prepared.rowId)
          .where('status', '=', 'requested')
          .executeTakeFirst()
        if (Number(updated.numUpdatedRows) === 0) return
        await recordAudit(trx, { actorUserId, action: 'stripe_transfer.refused', entityType: 'tranche', entityId: trancheId, after: { idempotencyKey: prepared.idempotencyKey, error: facts.message, code: facts.code } })
        await markTrancheFailed(trx, actorUserId, { trancheId, reason })
      })
      return { outcome: 'failed', trancheId, reason }
    }
    const message = unknownOutcomeMessage(facts)
    await db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('stripe_transfers')
        .set({ last_error: facts.message, updated_at: new Date().toISOString() })
        .where('id', '=', prepared.rowId)
        .where('status', '=', 'requested')
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) === 1) {
        await recordAudit(trx, { actorUserId, action: 'stripe_transfer.unconfirmed', entityType: 'tranche', entityId: trancheId, after: { idempotencyKey: prepared.idempotencyKey, error: facts.message } })
      }
    })
    return { outcome: 'retry_later', trancheId, message }
  }

  return db.transaction().execute(async (trx): Promise<SendTransferResult> => {
    const updated = await trx
      .updateTable('stripe_transfers')
      .set({ transfer_id: transferId, status: 'created', last_error: null, updated_at: new Date().toISOString() })
      .where('id', '=', prepared.rowId)
      .where('status', '=', 'requested')
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) === 0) return { outcome: 'already_sent', trancheId, transferId }
    await recordAudit(trx, { actorUserId, action: 'stripe_transfer.created', entityType: 'tranche', entityId: trancheId, after: { transferId, idempotencyKey: prepared.idempotencyKey } })
    await markTranchesSent(trx, actorUserId, { trancheIds: [trancheId], externalRefs: { [trancheId]: transferId } })
    return { outcome: 'sent', trancheId, transferId }
  })
}

// ---------------------------------------------------------------- runs and healing

export interface SendRunTransfersResult {
  sent: number
  alreadySent: number
  retryLater: number
  failed: number
  results: SendTransferResult[]
  /** Whether the run is now 'sent' (no tranche left waiting in it). */
  runSent: boolean
}

/**
 * Sends every tranche still waiting in an approved Stripe run, one after another, then marks the run 'sent' when none
 * is left waiting. Safe to repeat: recorded transfers are skipped and unconfirmed ones re-sent with their own keys; a
 * run already sent returns zero counts. Refuses (409) a run awaiting approval or cancelled, and a BACS run.
 */
export async function sendRunTransfers(
  db: Kysely<DB>,
  stripe: StripeConnectClient,
  actorUserId: number,
  runId: number,
  onProgress?: (done: number) => Promise<void>,
): Promise<SendRunTransfersResult> {
  const run = await db.selectFrom('payment_runs').select(['id', 'reference', 'rail', 'status']).where('id', '=', runId).executeTakeFirst()
  if (!run) throw new NotFoundError('payment run')
  if (run.rail !== 'stripe') throw new StripeRunNotSendableError(`Payment run ${run.reference} pays by BACS, not Stripe.`)
  if (run.status === 'sent' || run.status === 'completed') {
    // A double click, or the page was stale: everything was sent already.
    return { sent: 0, alreadySent: 0, retryLater: 0, failed: 0, results: [], runSent: true }
  }
  if (run.status !== 'approved') {
    throw new StripeRunNotSendableError(
      run.status === 'awaiting_approval' ? `Payment run ${run.reference} is waiting for a second finance officer to approve it.` : `Payment run ${run.reference} was cancelled: there is nothing to send.`,
    )
  }
  const waiting = await db.selectFrom('tranches').select('id').where('payment_run_id', '=', runId).where('status', '=', 'in_run').orderBy('id').execute()
  const results: SendTransferResult[] = []
  for (const { id } of waiting) {
    try {
      results.push(await sendTrancheTransfer(db, stripe, actorUserId, id))
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      results.push({ outcome: 'retry_later', trancheId: id, message: error.message })
    }
    await onProgress?.(results.length)
  }
  const runSent = await db.transaction().execute((trx) => markStripeRunSent(trx, actorUserId, runId))
  const count = (outcome: SendTransferResult['outcome']) => results.filter((r) => r.outcome === outcome).length
  return { sent: count('sent'), alreadySent: count('already_sent'), retryLater: count('retry_later'), failed: count('failed'), results, runSent }
}

/** approved -> sent once no tranche of the run is still waiting and at least one went; completed if all are paid. */
async function markStripeRunSent(trx: Transaction<DB>, actorUserId: number | null, runId: number): Promise<boolean> {
  let lock = trx.selectFrom('payment_runs').select(['id', 'status']).where('id', '=', runId)
  if (engineOf(trx) === 'postgres') lock = lock.forUpdate()
  const run = await lock.executeTakeFirstOrThrow()
  if (run.status !== 'approved') return run.status === 'sent' || run.status === 'completed'
  const tranches = await trx.selectFrom('tranches').select('status').where('payment_run_id', '=', runId).execute()
  if (tranches.length === 0 || tranches.some((t) => t.status === 'in_run')) return false
  const status = tranches.every((t) => t.status === 'paid') ? 'completed' : 'sent'
  const now = new Date().toISOString()
  await trx.updateTable('payment_runs').set({ status, exported_at: now, exported_by: actorUserId }).where('id', '=', runId).where('status', '=', 'approved').execute()
  await recordAudit(trx, { actorUserId, action: 'payment_run.sent', entityType: 'payment_run', entityId: runId, before: { status: 'approved' }, after: { status, rail: 'stripe' } })
  return true
}

export interface HealResult {
  examined: number
  sent: number
  retryLater: number
  failed: number
  /** Attempts whose tranche is no longer waiting in an approved Stripe run: left for a person to look at. */
  skipped: number
}

/**
 * The cure for a crash between "Stripe accepted" and "we recorded it": every attempt still 'requested' is sent again
 * with its own key, so Stripe replays the transfer it made (or makes it, if it never did) and we record it once.
 */
export async function healUnconfirmedTransfers(db: Kysely<DB>, stripe: StripeConnectClient, actorUserId: number | null = null): Promise<HealResult> {
  const open = await db.selectFrom('stripe_transfers').select(['tranche_id']).where('status', '=', 'requested').orderBy('id').execute()
  const result: HealResult = { examined: open.length, sent: 0, retryLater: 0, failed: 0, skipped: 0 }
  const runs = new Set<number>()
  for (const { tranche_id: trancheId } of open) {
    let outcome: SendTransferResult
    try {
      outcome = await sendTrancheTransfer(db, stripe, actorUserId, trancheId)
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      result.skipped++
      continue
    }
    if (outcome.outcome === 'sent' || outcome.outcome === 'already_sent') result.sent++
    else if (outcome.outcome === 'retry_later') result.retryLater++
    else result.failed++
    const runId = (await db.selectFrom('tranches').select('payment_run_id').where('id', '=', trancheId).executeTakeFirst())?.payment_run_id
    if (runId) runs.add(runId)
  }
  for (const runId of runs) await db.transaction().execute((trx) => markStripeRunSent(trx, actorUserId, runId))
  return result
}

// ---------------------------------------------------------------- webhooks

/** The parts of a Stripe transfer event we read (a Stripe.Event about a transfer satisfies it). */
export interface TransferEvent {
  id: string
  type: string
  created: number
  data: {
    object: {
      id: string
      amount?: number
      amount_reversed?: number
      reversed?: boolean
      destination?: string | { id: string } | null
      metadata?: Record<string, string> | null
    }
  }
}

export const TRANSFER_EVENT_TYPES = ['transfer.created', 'transfer.reversed', 'transfer.failed'] as const

export type RecordTransferEventResult =
  | { recorded: true; trancheId: number; outcome: 'paid' | 'failed' | 'reversed' }
  | { recorded: false; reason: 'duplicate_event' | 'unknown_transfer' | 'already_recorded' | 'stale_attempt' | 'partial_reversal' | 'ignored_type' }

/** The attempt row an event is about: by transfer id, or (healing a crash) the open attempt named in its metadata. */
async function attemptForEvent(trx: Transaction<DB>, transfer: TransferEvent['data']['object']) {
  const columns = ['id', 'tranche_id', 'attempt', 'status', 'transfer_id'] as const
  const byId = await trx.selectFrom('stripe_transfers').select(columns).where('transfer_id', '=', transfer.id).executeTakeFirst()
  if (byId) return byId
  const trancheId = Number(transfer.metadata?.tranche_id)
  if (!Number.isSafeInteger(trancheId) || trancheId <= 0) return undefined
  const destination = typeof transfer.destination === 'string' ? transfer.destination : (transfer.destination?.id ?? null)
  let query = trx.selectFrom('stripe_transfers').select(columns).where('tranche_id', '=', trancheId).where('status', '=', 'requested').where('transfer_id', 'is', null)
  if (typeof transfer.amount === 'number') query = query.where('amount_pence', '=', transfer.amount)
  if (destination) query = query.where('destination_account', '=', destination)
  return query.orderBy('attempt', 'desc').executeTakeFirst()
}

/**
 * Records a Stripe transfer event once (its id goes into webhook_events in this transaction):
 * transfer.created -> the tranche is paid (money posted), transfer.failed -> back to the schedule,
 * transfer.reversed (in full) -> back to the schedule with the ledger reversed. Events about transfers we did not make,
 * or about an attempt that has since been superseded, are acknowledged and change nothing.
 */
export async function recordTransferEvent(trx: Transaction<DB>, event: TransferEvent): Promise<RecordTransferEventResult> {
  if (!(TRANSFER_EVENT_TYPES as readonly string[]).includes(event.type)) return { recorded: false, reason: 'ignored_type' }
  const fresh = await trx
    .insertInto('webhook_events')
    .values({ event_id: event.id, source: 'stripe', type: event.type })
    .onConflict((oc) => oc.column('event_id').doNothing())
    .returning('event_id')
    .executeTakeFirst()
  if (!fresh) return { recorded: false, reason: 'duplicate_event' }

  const transfer = event.data.object
  const row = await attemptForEvent(trx, transfer)
  if (!row) return { recorded: false, reason: 'unknown_transfer' }
  let lock = trx.selectFrom('tranches').select(['id', 'status', 'attempt']).where('id', '=', row.tranche_id)
  if (engineOf(trx) === 'postgres') lock = lock.forUpdate()
  const tranche = await lock.executeTakeFirstOrThrow()
  const current = tranche.attempt === row.attempt && ['in_run', 'sent', 'paid'].includes(tranche.status)
  const now = new Date().toISOString()
  const setRow = async (status: 'paid' | 'failed' | 'reversed', lastError: string | null = null) => {
    await trx.updateTable('stripe_transfers').set({ status, transfer_id: transfer.id, updated_at: now, ...(lastError ? { last_error: lastError } : {}) }).where('id', '=', row.id).execute()
    await recordAudit(trx, { actorUserId: null, action: `stripe_transfer.${status}`, entityType: 'tranche', entityId: row.tranche_id, before: { status: row.status }, after: { status, transferId: transfer.id, eventId: event.id } })
  }

  if (event.type === 'transfer.created') {
    if (row.status === 'failed' || row.status === 'reversed') return { recorded: false, reason: 'stale_attempt' }
    if (row.status === 'paid') return { recorded: false, reason: 'already_recorded' }
    await setRow('paid')
    if (!current) return { recorded: false, reason: 'stale_attempt' }
    const { replayed } = await markTranchePaid(trx, null, { trancheId: row.tranche_id, paidOn: ukToday(new Date(event.created * 1000)), externalRef: transfer.id, source: 'stripe' })
    return replayed ? { recorded: false, reason: 'already_recorded' } : { recorded: true, trancheId: row.tranche_id, outcome: 'paid' }
  }

  if (event.type === 'transfer.reversed') {
    const full = transfer.reversed === true || (typeof transfer.amount === 'number' && (transfer.amount_reversed ?? 0) >= transfer.amount)
    if (!full) {
      await recordAudit(trx, { actorUserId: null, action: 'stripe_transfer.partially_reversed', entityType: 'tranche', entityId: row.tranche_id, after: { transferId: transfer.id, amountReversedPence: transfer.amount_reversed ?? null, eventId: event.id } })
      return { recorded: false, reason: 'partial_reversal' }
    }
    if (row.status === 'reversed') return { recorded: false, reason: 'already_recorded' }
    await setRow('reversed', 'Stripe reversed the transfer')
    if (!current) return { recorded: false, reason: 'stale_attempt' }
    await markTrancheFailed(trx, null, { trancheId: row.tranche_id, reason: 'Stripe reversed the transfer', reversed: true })
    return { recorded: true, trancheId: row.tranche_id, outcome: 'reversed' }
  }

  if (row.status === 'failed' || row.status === 'reversed') return { recorded: false, reason: 'already_recorded' }
  await setRow('failed', 'Stripe could not complete the transfer')
  if (!current) return { recorded: false, reason: 'stale_attempt' }
  await markTrancheFailed(trx, null, { trancheId: row.tranche_id, reason: 'Stripe could not complete the transfer' })
  return { recorded: true, trancheId: row.tranche_id, outcome: 'failed' }
}

// ---------------------------------------------------------------- reading

export interface RunTransferSummary {
  /** Tranches still waiting in the run for a transfer. */
  waiting: number
  /** Of those, how many have an attempt Stripe has not confirmed (a timeout or lost answer): "Retry unconfirmed transfers". */
  unconfirmed: number
  /** Transfers recorded (tranche sent) but not yet confirmed paid by Stripe's webhook. */
  sent: number
  paid: number
}

/** What the run page needs to offer "Send transfers" or "Retry unconfirmed transfers". */
export async function runTransferSummary(db: Db, runId: number): Promise<RunTransferSummary> {
  const rows = await db
    .selectFrom('tranches')
    .leftJoin('stripe_transfers', (join) => join.onRef('stripe_transfers.tranche_id', '=', 'tranches.id').onRef('stripe_transfers.attempt', '=', 'tranches.attempt'))
    .select(['tranches.status', 'stripe_transfers.status as attemptStatus'])
    .where('tranches.payment_run_id', '=', runId)
    .execute()
  return {
    waiting: rows.filter((r) => r.status === 'in_run').length,
    unconfirmed: rows.filter((r) => r.status === 'in_run' && r.attemptStatus === 'requested').length,
    sent: rows.filter((r) => r.status === 'sent').length,
    paid: rows.filter((r) => r.status === 'paid').length,
  }
}

/** Runs with more payments than this send their transfers as a background job, with a progress page. */
export const LARGE_STRIPE_RUN = 20
export const STRIPE_RUN_JOB_KIND = 'payments.stripe_run'

/** How many of the run's payments are still waiting to be sent (the job's progress bar maximum). */
export async function transfersWaiting(db: Db, runId: number): Promise<number> {
  const row = await db.selectFrom('tranches').select((eb) => eb.fn.countAll<number>().as('n')).where('payment_run_id', '=', runId).where('status', '=', 'in_run').executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * The background job that sends a large Stripe run's transfers, one at a time, recording progress after each. Safe to
 * run again after a restart: each payment is sent under its own idempotency key, and ones already sent are skipped.
 */
export function stripeRunJobHandler(stripe: () => StripeConnectClient | null) {
  return async (db: Kysely<DB>, job: { payload: Record<string, unknown>; createdBy: number | null }, context: { progress(done: number): Promise<void> }) => {
    const client = stripe()
    if (!client) throw new Error('Stripe is not set up on this site, so no transfers were sent.')
    if (job.createdBy === null) throw new Error('A Stripe run job needs the finance officer who started it.')
    const runId = Number(job.payload.runId)
    const result = await sendRunTransfers(db, client, job.createdBy, runId, (done) => context.progress(done))
    return { sent: result.sent, alreadySent: result.alreadySent, retryLater: result.retryLater, failed: result.failed, runSent: result.runSent }
  }
}
