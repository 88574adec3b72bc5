import type { Transaction } from 'kysely'
import Stripe from 'stripe'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createDatabase, type DatabaseHandle } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { startFakeStripe, type FakeStripe } from '../../../tests/fakes/stripe-server.ts'
import { createPaymentScenario, type PaymentScenario } from '../../../tests/factories/payments.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { freshDatabaseOptions } from '../../../tests/setup/test-database.ts'
import { contributionBalances } from '../budgets/contributions.server.ts'
import { verifyLedger } from '../budgets/ledger.server.ts'
import {
  healUnconfirmedTransfers,
  NoConnectedAccountError,
  recordTransferEvent,
  runTransferSummary,
  sendRunTransfers,
  sendTrancheTransfer,
  setStripeAccount,
  StripeAccountIdError,
  StripeRunNotSendableError,
  TrancheNotPayableByStripeError,
  verifyConnectedAccount,
  type TransferEvent,
} from './stripe-transfers.server.ts'

let fake: FakeStripe
let stripe: Stripe
let h: DatabaseHandle
let s: PaymentScenario
let finance: number[]

// Each test has its own database (so tranche ids repeat) and its own Stripe (so idempotency keys do not carry over).
beforeEach(async () => {
  fake = await startFakeStripe()
  // The real SDK against the fake: a short timeout so a request the fake never answers fails quickly, and no
  // telemetry (200 requests at once overflow the SDK's metrics buffer, which only warns).
  stripe = new Stripe('sk_test_commonpot', { ...fake.clientOptions(), timeout: 1_000, telemetry: false })
  h = createDatabase(await freshDatabaseOptions())
  s = await createPaymentScenario(h.db)
  finance = [(await createUserWithRole(h.db, 'finance_officer')).id, (await createUserWithRole(h.db, 'finance_officer')).id]
})
afterEach(async () => {
  await h.close()
  await fake.close()
})

const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => h.db.transaction().execute(fn)

/** An accepted award paid through a connected account, in an approved Stripe run of its own. */
async function stripeRun(options: { amountPence?: number; stripeAccountId?: string; awards?: number } = {}) {
  const account = fake.addConnectedAccount()
  const awards = []
  for (let i = 0; i < (options.awards ?? 1); i++) awards.push(await s.acceptedAward({ amountPence: options.amountPence ?? 300_000, stripeAccountId: options.stripeAccountId ?? account.id }))
  const trancheIds = awards.flatMap((a) => a.trancheIds)
  const run = await s.run(finance[0], trancheIds, 'stripe')
  expect(run.status).toBe('approved')
  return { account, award: awards[0], run, trancheIds, trancheId: trancheIds[0] }
}

async function tranche(id: number) {
  return h.db.selectFrom('tranches').select(['status', 'attempt', 'failure_reason', 'external_ref', 'payment_run_id']).where('id', '=', id).executeTakeFirstOrThrow()
}

async function attempts(trancheId: number) {
  return h.db.selectFrom('stripe_transfers').select(['attempt', 'idempotency_key', 'status', 'transfer_id', 'last_error']).where('tranche_id', '=', trancheId).orderBy('attempt').execute()
}

async function runStatus(runId: number) {
  return (await h.db.selectFrom('payment_runs').select('status').where('id', '=', runId).executeTakeFirstOrThrow()).status
}

/** Transfers the fake holds for a tranche (Stripe's side of the truth). */
const transfersFor = (trancheId: number) => [...fake.transfers.values()].filter((t) => t.metadata.tranche_id === String(trancheId))
const transferRequestsFor = (trancheId: number) => fake.requests.filter((r) => r.path === '/v1/transfers' && (r.params.metadata as Record<string, string> | undefined)?.tranche_id === String(trancheId))

async function potMoney() {
  const ids = Object.values(s.contributions)
  const map = await contributionBalances(h.db, ids)
  const sum = (bucket: 'scheduled' | 'paid') => ids.reduce((acc, id) => acc + map.get(id)![bucket], 0)
  return { scheduled: sum('scheduled'), paid: sum('paid') }
}

const asEvent = (event: unknown) => event as TransferEvent

describe('sending a tranche by Stripe transfer', () => {
  test('a run is sent: one transfer per tranche to the connected account, keyed by the tranche, and the run is sent; no money moves yet', async () => {
    const { account, run, trancheIds } = await stripeRun({ awards: 2, amountPence: 200_000 })
    const before = await potMoney()
    const result = await sendRunTransfers(h.db, stripe, finance[1], run.id)
    expect(result).toMatchObject({ sent: 2, alreadySent: 0, retryLater: 0, failed: 0, runSent: true })
    for (const id of trancheIds) {
      const [transfer] = transfersFor(id)
      const reference = (await h.db.selectFrom('tranches').innerJoin('awards', 'awards.id', 'tranches.award_id').innerJoin('applications', 'applications.id', 'awards.application_id').select(['applications.reference', 'tranches.sequence']).where('tranches.id', '=', id).executeTakeFirstOrThrow())
      expect(transfer).toMatchObject({ amount: 200_000, currency: 'gbp', destination: account.id, transfer_group: run.reference, metadata: { tranche_id: String(id), reference: `${reference.reference}/${reference.sequence}` } })
      expect(transferRequestsFor(id).map((r) => r.idempotencyKey)).toEqual([`tranche_${id}`])
      expect(await tranche(id)).toMatchObject({ status: 'sent', external_ref: transfer.id })
      expect(await attempts(id)).toEqual([{ attempt: 0, idempotency_key: `tranche_${id}`, status: 'created', transfer_id: transfer.id, last_error: null }])
    }
    expect(await runStatus(run.id)).toBe('sent')
    expect(await potMoney()).toEqual(before)
    const audit = await h.db.selectFrom('audit_events').select('action').where('action', 'in', ['stripe_transfer.requested', 'stripe_transfer.created', 'tranche.sent', 'payment_run.sent']).execute()
    expect(audit.map((a) => a.action).sort()).toEqual(['payment_run.sent', 'stripe_transfer.created', 'stripe_transfer.created', 'stripe_transfer.requested', 'stripe_transfer.requested', 'tranche.sent', 'tranche.sent'])
    // Sending again (a double click) does nothing: the run is sent.
    expect(await sendRunTransfers(h.db, stripe, finance[1], run.id)).toEqual({ sent: 0, alreadySent: 0, retryLater: 0, failed: 0, results: [], runSent: true })
    expect(await sendTrancheTransfer(h.db, stripe, finance[1], trancheIds[0])).toMatchObject({ outcome: 'already_sent' })
    expect(fake.transfers.size).toBeGreaterThanOrEqual(2)
    expect(transfersFor(trancheIds[0])).toHaveLength(1)
  })

  test('a timeout leaves the attempt open with nothing paid or failed; the retry re-sends the same Idempotency-Key and one transfer exists', async () => {
    const { run, trancheId } = await stripeRun()
    fake.failNext({ kind: 'timeout' }, { method: 'POST', path: '/v1/transfers' })
    const first = await sendTrancheTransfer(h.db, stripe, finance[1], trancheId)
    expect(first).toMatchObject({ outcome: 'retry_later' })
    expect(first.outcome === 'retry_later' && first.message).toMatch(/did not hear back from Stripe/)
    expect(await tranche(trancheId)).toMatchObject({ status: 'in_run', attempt: 0, failure_reason: null, payment_run_id: run.id })
    expect(await attempts(trancheId)).toEqual([expect.objectContaining({ status: 'requested', transfer_id: null, last_error: expect.stringMatching(/timeout/i) })])
    expect(await runTransferSummary(h.db, run.id)).toEqual({ waiting: 1, unconfirmed: 1, sent: 0, paid: 0 })

    const retry = await sendRunTransfers(h.db, stripe, finance[1], run.id)
    expect(retry).toMatchObject({ sent: 1, retryLater: 0, runSent: true })
    expect(transferRequestsFor(trancheId).map((r) => r.idempotencyKey)).toEqual([`tranche_${trancheId}`, `tranche_${trancheId}`])
    expect(transfersFor(trancheId)).toHaveLength(1)
    expect(await tranche(trancheId)).toMatchObject({ status: 'sent', external_ref: transfersFor(trancheId)[0].id })
  })

  test('a 500 from Stripe is retried later with the same key', async () => {
    const { trancheId } = await stripeRun()
    fake.failNext({ kind: 'status', status: 500 }, { method: 'POST', path: '/v1/transfers' })
    expect(await sendTrancheTransfer(h.db, stripe, finance[1], trancheId)).toMatchObject({ outcome: 'retry_later' })
    expect(await tranche(trancheId)).toMatchObject({ status: 'in_run', attempt: 0 })
    expect(await sendTrancheTransfer(h.db, stripe, finance[1], trancheId)).toMatchObject({ outcome: 'sent' })
    expect(transferRequestsFor(trancheId).map((r) => r.idempotencyKey)).toEqual([`tranche_${trancheId}`, `tranche_${trancheId}`])
    expect(transfersFor(trancheId)).toHaveLength(1)
  })

  test('a crash between Stripe accepting and us recording is healed by re-sending the open attempt: one transfer, recorded', async () => {
    const { run, trancheId } = await stripeRun()
    fake.failNext({ kind: 'drop_after_processing' }, { method: 'POST', path: '/v1/transfers' })
    expect(await sendTrancheTransfer(h.db, stripe, finance[1], trancheId)).toMatchObject({ outcome: 'retry_later' })
    // Stripe made the transfer; we have not recorded it.
    expect(transfersFor(trancheId)).toHaveLength(1)
    expect(await attempts(trancheId)).toEqual([expect.objectContaining({ status: 'requested', transfer_id: null })])
    expect(await tranche(trancheId)).toMatchObject({ status: 'in_run' })

    const healed = await healUnconfirmedTransfers(h.db, stripe)
    expect(healed).toEqual({ examined: 1, sent: 1, retryLater: 0, failed: 0, skipped: 0 })
    const [transfer] = transfersFor(trancheId)
    expect(transfersFor(trancheId)).toHaveLength(1)
    expect(await attempts(trancheId)).toEqual([expect.objectContaining({ status: 'created', transfer_id: transfer.id })])
    expect(await tranche(trancheId)).toMatchObject({ status: 'sent', external_ref: transfer.id })
    expect(await runStatus(run.id)).toBe('sent')
    expect(await healUnconfirmedTransfers(h.db, stripe)).toEqual({ examined: 0, sent: 0, retryLater: 0, failed: 0, skipped: 0 })
  })

  test('an unknown destination is refused: the tranche goes back to the schedule with the reason, and its next attempt has a new key', async () => {
    const { run, trancheId, award } = await stripeRun({ stripeAccountId: 'acct_NoSuchAccount' })
    const result = await sendTrancheTransfer(h.db, stripe, finance[1], trancheId)
    expect(result).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('does not know the connected account acct_NoSuchAccount') })
    expect(await tranche(trancheId)).toMatchObject({ status: 'scheduled', attempt: 1, payment_run_id: null, failure_reason: expect.stringContaining('acct_NoSuchAccount') })
    expect(await attempts(trancheId)).toEqual([expect.objectContaining({ attempt: 0, status: 'failed', last_error: "No such destination: 'acct_NoSuchAccount'" })])
    expect(transfersFor(trancheId)).toHaveLength(0)
    expect(await runTransferSummary(h.db, run.id)).toEqual({ waiting: 0, unconfirmed: 0, sent: 0, paid: 0 })
    const emails = await h.db.selectFrom('outbox_messages').select('template').where('template', '=', 'payment-failed').execute()
    expect(emails.length).toBeGreaterThan(0)

    // Finance corrects the account and pays it in a new run: attempt 1, its own key.
    const account = fake.addConnectedAccount()
    await tx((trx) => setStripeAccount(trx, finance[0], { organisationId: award.organisationId, stripeAccountId: account.id }))
    const second = await s.run(finance[0], [trancheId], 'stripe')
    expect(await sendTrancheTransfer(h.db, stripe, finance[1], trancheId)).toMatchObject({ outcome: 'sent' })
    expect(transferRequestsFor(trancheId).map((r) => r.idempotencyKey)).toEqual([`tranche_${trancheId}`, `tranche_${trancheId}_attempt_1`])
    expect(transfersFor(trancheId)).toEqual([expect.objectContaining({ destination: account.id, transfer_group: second.reference })])
  })

  test('a platform balance too low for the transfer is refused with a plain reason', async () => {
    const { trancheId } = await stripeRun()
    fake.availableBalancePence = 1_000
    expect(await sendTrancheTransfer(h.db, stripe, finance[1], trancheId)).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('Stripe balance is too low') })
    expect(await tranche(trancheId)).toMatchObject({ status: 'scheduled', attempt: 1 })
  })

  test('only a tranche waiting in an approved Stripe run is sent; nothing reaches Stripe otherwise', async () => {
    const bacsAward = await s.acceptedAward({ stripeAccountId: fake.addConnectedAccount().id })
    const bacsRun = await s.run(finance[0], bacsAward.trancheIds, 'bacs')
    const before = fake.requests.length
    await expect(sendTrancheTransfer(h.db, stripe, finance[1], bacsAward.trancheIds[0])).rejects.toBeInstanceOf(TrancheNotPayableByStripeError)
    await expect(sendRunTransfers(h.db, stripe, finance[1], bacsRun.id)).rejects.toThrow('pays by BACS, not Stripe')
    const big = await s.acceptedAward({ amountPence: 600_000, stripeAccountId: fake.addConnectedAccount().id })
    const waiting = await s.run(finance[0], big.trancheIds, 'stripe')
    expect(waiting.status).toBe('awaiting_approval')
    await expect(sendRunTransfers(h.db, stripe, finance[1], waiting.id)).rejects.toThrow('waiting for a second finance officer')
    await expect(sendRunTransfers(h.db, stripe, finance[1], bacsRun.id)).rejects.toBeInstanceOf(StripeRunNotSendableError)
    await expect(sendTrancheTransfer(h.db, stripe, finance[1], big.trancheIds[0])).rejects.toMatchObject({ status: 409 })
    expect(fake.requests.length).toBe(before)
    expect(await h.db.selectFrom('stripe_transfers').select('id').execute()).toEqual([])
  })

  test('an organisation whose connected account was removed after the run was made is refused before Stripe is asked', async () => {
    const { award, trancheId } = await stripeRun()
    await tx((trx) => setStripeAccount(trx, finance[0], { organisationId: award.organisationId, stripeAccountId: null }))
    await expect(sendTrancheTransfer(h.db, stripe, finance[1], trancheId)).rejects.toBeInstanceOf(NoConnectedAccountError)
    expect(transferRequestsFor(trancheId)).toHaveLength(0)
  })

  test('200 concurrent sends of one tranche make one transfer and one sent transition', async () => {
    const { trancheId } = await stripeRun()
    const results = await Promise.all(Array.from({ length: 200 }, () => sendTrancheTransfer(h.db, stripe, finance[1], trancheId)))
    expect(transfersFor(trancheId)).toHaveLength(1)
    expect(results.filter((r) => r.outcome === 'sent')).toHaveLength(1)
    expect(results.every((r) => r.outcome === 'sent' || r.outcome === 'already_sent')).toBe(true)
    const transferId = transfersFor(trancheId)[0].id
    expect(new Set(results.map((r) => ('transferId' in r ? r.transferId : null)))).toEqual(new Set([transferId]))
    const sentEvents = await h.db.selectFrom('audit_events').select('id').where('action', '=', 'tranche.sent').where('entity_id', '=', String(trancheId)).execute()
    expect(sentEvents).toHaveLength(1)
    expect(await attempts(trancheId)).toHaveLength(1)
    expect(await tranche(trancheId)).toMatchObject({ status: 'sent', external_ref: transferId })
  }, 60_000)
})

describe('Stripe transfer events', () => {
  test('transfer.created marks the tranche paid once, even when delivered twice or told twice', async () => {
    const { run, trancheId } = await stripeRun()
    await sendRunTransfers(h.db, stripe, finance[1], run.id)
    const [transfer] = transfersFor(trancheId)
    const event = asEvent(fake.transferEvent('transfer.created', transfer.id))
    const before = await potMoney()
    expect(await tx((trx) => recordTransferEvent(trx, event))).toEqual({ recorded: true, trancheId, outcome: 'paid' })
    expect(await tx((trx) => recordTransferEvent(trx, event))).toEqual({ recorded: false, reason: 'duplicate_event' })
    expect(await tx((trx) => recordTransferEvent(trx, { ...event, id: 'evt_test_another_delivery' }))).toEqual({ recorded: false, reason: 'already_recorded' })
    expect(await tranche(trancheId)).toMatchObject({ status: 'paid', external_ref: transfer.id })
    expect(await attempts(trancheId)).toEqual([expect.objectContaining({ status: 'paid', transfer_id: transfer.id })])
    const after = await potMoney()
    expect([after.paid - before.paid, before.scheduled - after.scheduled]).toEqual([300_000, 300_000])
    expect(await h.db.selectFrom('ledger_entries').select('id').where('ref_type', '=', 'tranche').where('ref_id', '=', trancheId).execute()).not.toHaveLength(0)
    expect(await runStatus(run.id)).toBe('completed')
    expect((await verifyLedger(h.db)).ok).toBe(true)
  })

  test('the same event delivered at once several times is recorded once', async () => {
    const { run, trancheId } = await stripeRun()
    await sendRunTransfers(h.db, stripe, finance[1], run.id)
    const event = asEvent(fake.transferEvent('transfer.created', transfersFor(trancheId)[0].id))
    const results = await Promise.all(Array.from({ length: 5 }, () => tx((trx) => recordTransferEvent(trx, event))))
    expect(results.filter((r) => r.recorded)).toHaveLength(1)
    expect((await potMoney()).paid).toBe(300_000)
  })

  test('a full reversal puts the tranche back in the schedule and reverses the money; a repeat changes nothing', async () => {
    const { run, trancheId } = await stripeRun()
    await sendRunTransfers(h.db, stripe, finance[1], run.id)
    const [transfer] = transfersFor(trancheId)
    await tx((trx) => recordTransferEvent(trx, asEvent(fake.transferEvent('transfer.created', transfer.id))))
    const paid = await potMoney()
    const reversal = asEvent(fake.transferEvent('transfer.reversed', transfer.id))
    expect(await tx((trx) => recordTransferEvent(trx, reversal))).toEqual({ recorded: true, trancheId, outcome: 'reversed' })
    expect(await tranche(trancheId)).toMatchObject({ status: 'scheduled', attempt: 1, payment_run_id: null, failure_reason: 'Stripe reversed the transfer' })
    expect(await attempts(trancheId)).toEqual([expect.objectContaining({ status: 'reversed', transfer_id: transfer.id })])
    const after = await potMoney()
    expect([paid.paid - after.paid, after.scheduled - paid.scheduled]).toEqual([300_000, 300_000])
    expect(await tx((trx) => recordTransferEvent(trx, { ...reversal, id: 'evt_test_reversed_again' }))).toEqual({ recorded: false, reason: 'already_recorded' })
    expect((await potMoney()).paid).toBe(after.paid)
    expect((await verifyLedger(h.db)).ok).toBe(true)
  })

  test('transfer.failed puts the tranche back in the schedule with the reason', async () => {
    const { run, trancheId } = await stripeRun()
    await sendRunTransfers(h.db, stripe, finance[1], run.id)
    const event = asEvent(fake.transferEvent('transfer.failed', transfersFor(trancheId)[0].id))
    expect(await tx((trx) => recordTransferEvent(trx, event))).toEqual({ recorded: true, trancheId, outcome: 'failed' })
    expect(await tranche(trancheId)).toMatchObject({ status: 'scheduled', attempt: 1, failure_reason: 'Stripe could not complete the transfer' })
    expect((await potMoney()).paid).toBe(0)
  })

  test('transfer.created heals a crash before we recorded the transfer: the open attempt is found by the tranche id in its metadata', async () => {
    const { trancheId } = await stripeRun()
    fake.failNext({ kind: 'drop_after_processing' }, { method: 'POST', path: '/v1/transfers' })
    expect(await sendTrancheTransfer(h.db, stripe, finance[1], trancheId)).toMatchObject({ outcome: 'retry_later' })
    const [transfer] = transfersFor(trancheId)
    expect(await tx((trx) => recordTransferEvent(trx, asEvent(fake.transferEvent('transfer.created', transfer.id))))).toEqual({ recorded: true, trancheId, outcome: 'paid' })
    expect(await attempts(trancheId)).toEqual([expect.objectContaining({ status: 'paid', transfer_id: transfer.id })])
    expect(await tranche(trancheId)).toMatchObject({ status: 'paid' })
    expect(await healUnconfirmedTransfers(h.db, stripe)).toMatchObject({ examined: 0 })
    expect(await sendTrancheTransfer(h.db, stripe, finance[1], trancheId)).toEqual({ outcome: 'already_sent', trancheId, transferId: transfer.id })
    expect(transfersFor(trancheId)).toHaveLength(1)
  })

  test('events about transfers Commonpot did not make are acknowledged and change nothing', async () => {
    const account = fake.addConnectedAccount()
    const other = await stripe.transfers.create({ amount: 500, currency: 'gbp', destination: account.id })
    expect(await tx((trx) => recordTransferEvent(trx, asEvent(fake.transferEvent('transfer.created', other.id))))).toEqual({ recorded: false, reason: 'unknown_transfer' })
  })
})

describe('connected accounts', () => {
  test('a malformed account id is refused beside the field; a good one is recorded and audited', async () => {
    const award = await s.acceptedAward()
    for (const bad of ['acct_', 'ACCT_123', 'acct_12 3', 'ba_123', '']) {
      await expect(tx((trx) => setStripeAccount(trx, finance[0], { organisationId: award.organisationId, stripeAccountId: bad }))).rejects.toMatchObject({
        constructor: StripeAccountIdError,
        field: 'stripeAccountId',
        status: 400,
      })
    }
    expect(await tx((trx) => setStripeAccount(trx, finance[0], { organisationId: award.organisationId, stripeAccountId: ' acct_1Nv0FGQ9RKHgCVdK ' }))).toEqual({ changed: true })
    expect(await tx((trx) => setStripeAccount(trx, finance[0], { organisationId: award.organisationId, stripeAccountId: 'acct_1Nv0FGQ9RKHgCVdK' }))).toEqual({ changed: false })
    const org = await h.db.selectFrom('organisations').select('stripe_account_id').where('id', '=', award.organisationId).executeTakeFirstOrThrow()
    expect(org.stripe_account_id).toBe('acct_1Nv0FGQ9RKHgCVdK')
    const audit = await h.db.selectFrom('audit_events').select(['action', 'actor_user_id', 'after']).where('action', '=', 'organisation.stripe_account_set').execute()
    expect(audit).toEqual([{ action: 'organisation.stripe_account_set', actor_user_id: finance[0], after: JSON.stringify({ stripeAccountId: 'acct_1Nv0FGQ9RKHgCVdK' }) }])
  })

  test('Stripe is asked whether the account can be paid out', async () => {
    const ready = fake.addConnectedAccount({ business_profile: { name: 'Hackney Food Hub' } })
    const pending = fake.addConnectedAccount({ payouts_enabled: false, details_submitted: false })
    expect(await verifyConnectedAccount(stripe, ready.id)).toEqual({ status: 'found', id: ready.id, name: 'Hackney Food Hub', payoutsEnabled: true, chargesEnabled: true, detailsSubmitted: true })
    expect(await verifyConnectedAccount(stripe, pending.id)).toMatchObject({ status: 'found', payoutsEnabled: false, detailsSubmitted: false })
    expect(await verifyConnectedAccount(stripe, 'acct_Missing')).toMatchObject({ status: 'not_found' })
    fake.failNext({ kind: 'status', status: 503 })
    expect(await verifyConnectedAccount(stripe, ready.id)).toMatchObject({ status: 'unreachable' })
  })
})

describe('a large Stripe run', () => {
  test('sends its transfers as a background job whose progress reaches every payment, each sent once', async () => {
    const { enqueueJob, drainJobs, getJob, registerJobHandler } = await import('~/lib/jobs.server.ts')
    const { approveRun } = await import('./payment-runs.server.ts')
    const { LARGE_STRIPE_RUN, STRIPE_RUN_JOB_KIND, stripeRunJobHandler, transfersWaiting } = await import('./stripe-transfers.server.ts')
    const account = fake.addConnectedAccount()
    const awards = []
    for (let i = 0; i < LARGE_STRIPE_RUN + 1; i++) awards.push(await s.acceptedAward({ amountPence: 100_000, stripeAccountId: account.id }))
    const run = await s.run(finance[0], awards.flatMap((a) => a.trancheIds), 'stripe')
    await tx((trx) => approveRun(trx, finance[1], { runId: run.id }))
    const waiting = await transfersWaiting(h.db, run.id)
    expect(waiting).toBe(LARGE_STRIPE_RUN + 1)
    registerJobHandler(STRIPE_RUN_JOB_KIND, stripeRunJobHandler(() => stripe))
    const { job } = await tx((trx) => enqueueJob(trx, { kind: STRIPE_RUN_JOB_KIND, payload: { runId: run.id }, total: waiting, createdBy: finance[0], idempotencyKey: `stripe-run:${run.id}:${waiting}` }))
    await drainJobs(h.db)
    const done = (await getJob(h.db, job.id))!
    expect(done).toMatchObject({ status: 'done', done: waiting, total: waiting })
    expect(done.result).toMatchObject({ sent: waiting, runSent: true })
    expect(fake.transfers).toHaveLength(waiting)
    expect((await h.db.selectFrom('payment_runs').select('status').where('id', '=', run.id).executeTakeFirstOrThrow()).status).toBe('sent')
  }, 120_000)
})
