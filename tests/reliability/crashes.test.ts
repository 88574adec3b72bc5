/**
 * Crashes: the built server (one process, as a small deployment runs it) is killed with SIGKILL at a random moment
 * (a seeded delay after the client starts) while finance officers work, then restarted on the same port and database.
 * Twenty cycles (RELIABILITY_CRASH_CYCLES), alternating:
 *
 * - a payment run from start to finish: prepare, approve (a second officer), download the bank file (which sends it),
 *   import the statement that confirms it paid;
 * - a bulk import: one bank statement confirming 24 payments at once (the import that moves money: each matched line
 *   posts the ledger and completes runs, all in one transaction; the places import only changes reference data).
 *
 * After each restart: the ledger balances (verifyLedger, as `npm run ledger:verify`), the audit chain verifies
 * (verifyAuditChain, as `npm run audit:verify`), no payment is paid twice or half-recorded (a paid tranche has exactly
 * its amount posted as paid, any other none; a run's payments are all in the run's state), and every write whose
 * answer the client received is still there. Then the client retries the same forms (same keys, same file), which
 * must finish the work exactly once. The first cycle of each kind runs to the end before the kill and measures how
 * long the work takes (the shortest whole run seen so far, on a freshly started server like every cycle's); later
 * kills land at a random point within that time.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import { REASONS } from '../../app/domain/budgets/accounts.ts'
import { verifyLedger } from '../../app/domain/budgets/ledger.server.ts'
import { exportRun } from '../../app/domain/payments/exports.server.ts'
import { approveRun, prepareRun } from '../../app/domain/payments/payment-runs.server.ts'
import { DEFAULT_PAYMENT_SETTINGS, updatePaymentSettings } from '../../app/domain/payments/settings.server.ts'
import { ukToday } from '../../app/domain/places/places.server.ts'
import { verifyAuditChain } from '../../app/lib/audit.server.ts'
import { db } from '../../app/lib/db.server.ts'
import { createPaymentScenario, type PaymentScenario } from '../factories/payments.ts'
import { createUserWithRole } from '../factories/sessions.ts'
import { CutOff, paymentRunWork, statementCsv, statementImportWork, type Officer, type Work } from './support/crashes-client.ts'
import { mulberry32 as prng } from '../../db/national/random.ts'
import { recordCheck } from './support/record.ts'
import { sessionCookie } from './support/races-http.ts'
import { freePort, startApp, type RunningApp } from './support/server.ts'

const CYCLES = Math.max(2, Number(process.env.RELIABILITY_CRASH_CYCLES ?? 20))
const SEED = Number(process.env.RELIABILITY_CRASH_SEED ?? 20_261_121)
const BULK_LINES = 24


let app: RunningApp
let port: number
let s: PaymentScenario
let preparer: Officer
let approver: Officer
const today = ukToday()

beforeAll(async () => {
  s = await createPaymentScenario(db)
  const [p, a] = [await createUserWithRole(db, 'finance_officer'), await createUserWithRole(db, 'finance_officer')]
  // Every run of these small payments waits for a second officer, so the approval step is always there to crash in.
  await db.transaction().execute((trx) => updatePaymentSettings(trx, p.id, { ...DEFAULT_PAYMENT_SETTINGS, approvalThresholdPence: 1_000 }))
  preparer = { userId: p.id, cookie: await sessionCookie(p.id) }
  approver = { userId: a.id, cookie: await sessionCookie(a.id) }
  port = await freePort()
  app = await startApp({ port })
}, 120_000)
afterAll(async () => {
  await app?.stop()
})

/** An accepted award of `count` instalments due today, each `eachPence`; its tranche ids and statement references. */
async function awardDueToday(count: number, eachPence: number) {
  const award = await s.acceptedAward({
    amountPence: count * eachPence,
    schedule: { kind: 'instalments', tranches: Array.from({ length: count }, () => ({ amountPence: eachPence, dueDate: today, gate: 'date' as const })) },
  })
  const application = await db.selectFrom('applications').select('reference').where('id', '=', award.applicationId).executeTakeFirstOrThrow()
  const tranches = await db.selectFrom('tranches').select(['id', 'sequence', 'amount_pence']).where('award_id', '=', award.awardId).orderBy('sequence').execute()
  return { trancheIds: tranches.map((t) => t.id), lines: tranches.map((t) => ({ reference: `${application.reference}/${t.sequence}`, amountPence: t.amount_pence })) }
}

/** A payment run for the tranches, approved and sent through the domain (the bulk import's payments). */
async function sentRun(trancheIds: number[], key: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const run = await prepareRun(trx, preparer.userId, { rail: 'bacs', trancheIds, idempotencyKey: key })
    await approveRun(trx, approver.userId, { runId: run.id })
    await exportRun(trx, preparer.userId, { runId: run.id, format: 'standard18' })
  })
}

/** The proof that nothing was paid twice or half-recorded: problems found across every tranche and run, in words. */
async function paymentProblems(): Promise<string[]> {
  const problems: string[] = []
  const posted = await db
    .selectFrom('ledger_entries')
    .select(['ref_id', (eb) => eb.fn.sum<number>('amount_pence').as('total')])
    .where('ref_type', '=', 'tranche')
    .where('reason_code', '=', REASONS.paid)
    .groupBy('ref_id')
    .execute()
  const paidPence = new Map(posted.map((p) => [p.ref_id, Number(p.total)]))
  const tranches = await db.selectFrom('tranches').select(['id', 'status', 'amount_pence', 'payment_run_id']).where('status', '!=', 'offered').execute()
  for (const t of tranches) {
    const expected = t.status === 'paid' ? t.amount_pence : 0
    if ((paidPence.get(t.id) ?? 0) !== expected) problems.push(`tranche ${t.id} is ${t.status} with ${paidPence.get(t.id) ?? 0} pence posted as paid (expected ${expected})`)
  }
  const paidEvents = await db.selectFrom('audit_events').select(['entity_id', (eb) => eb.fn.countAll<number>().as('n')]).where('action', '=', 'tranche.paid').groupBy('entity_id').execute()
  for (const e of paidEvents) if (Number(e.n) > 1) problems.push(`tranche ${e.entity_id} was recorded paid ${e.n} times`)
  const runs = await db.selectFrom('payment_runs').select(['id', 'status']).execute()
  const allowed: Record<string, string[]> = { awaiting_approval: ['in_run'], approved: ['in_run'], sent: ['sent', 'paid'], completed: ['paid'] }
  for (const run of runs) {
    const states = allowed[run.status]
    if (!states) continue
    const odd = tranches.filter((t) => t.payment_run_id === run.id && !states.includes(t.status))
    if (odd.length) problems.push(`run ${run.id} is ${run.status} but holds payments that are ${odd.map((t) => t.status).join(', ')}`)
  }
  // A statement is imported whole or not at all: every line stored, and every payment a line matched is paid.
  const imports = await db.selectFrom('bank_statement_imports').select(['id', 'line_count']).execute()
  const lines = await db.selectFrom('bank_statement_lines').select(['import_id', 'status', 'tranche_id']).execute()
  const statusOf = new Map(tranches.map((t) => [t.id, t.status]))
  for (const i of imports) {
    const own = lines.filter((l) => l.import_id === i.id)
    if (own.length !== i.line_count) problems.push(`statement ${i.id} has ${own.length} of its ${i.line_count} lines`)
    const unpaid = own.filter((l) => l.status === 'matched' && statusOf.get(l.tranche_id!) !== 'paid')
    if (unpaid.length) problems.push(`statement ${i.id} matched ${unpaid.length} payments that are not paid`)
  }
  return problems
}

interface Tally {
  tried: number
  ledger: number
  paidOnce: number
  audit: number
  acknowledged: number
  present: number
  retried: number
  cut: number
}

const tallies: Record<'payment run' | 'bulk import', Tally> = {
  'payment run': { tried: 0, ledger: 0, paidOnce: 0, audit: 0, acknowledged: 0, present: 0, retried: 0, cut: 0 },
  'bulk import': { tried: 0, ledger: 0, paidOnce: 0, audit: 0, acknowledged: 0, present: 0, retried: 0, cut: 0 },
}

test(`the server is killed at a random moment ${CYCLES} times during payment runs and bulk statement imports: nothing is lost, paid twice or left unbalanced`, async () => {
  const random = prng(SEED)
  const workMs: Partial<Record<keyof typeof tallies, number>> = {}
  const failures: string[] = []
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const kind = cycle % 2 === 0 ? 'payment run' : 'bulk import'
    const tally = tallies[kind]
    let work: Work
    let trancheIds: number[]
    if (kind === 'payment run') {
      const award = await awardDueToday(2, 5_000 + cycle)
      trancheIds = award.trancheIds
      work = paymentRunWork({ key: `crash-${SEED}-${cycle}`, trancheIds, preparer, approver, statement: { filename: `statement-${cycle}.csv`, csv: statementCsv(award.lines, today) } })
    } else {
      const award = await awardDueToday(BULK_LINES, 2_000 + cycle)
      trancheIds = award.trancheIds
      await sentRun(trancheIds, `crash-bulk-${SEED}-${cycle}`)
      work = statementImportWork({ trancheIds, officer: preparer, statement: { filename: `bulk-${cycle}.csv`, csv: statementCsv(award.lines, today) } })
    }

    // The first cycle of each kind measures the work; later ones kill at a random moment within the shortest seen.
    const delay = workMs[kind] === undefined ? null : Math.floor(random() * workMs[kind]!)
    const started = performance.now()
    const killer = delay === null ? null : setTimeout(() => void app.kill(), delay)
    try {
      await work.attempt(app)
      workMs[kind] = Math.min(workMs[kind] ?? Infinity, performance.now() - started)
    } catch (error) {
      if (!(error instanceof CutOff)) throw error
      tally.cut++
    }
    if (killer) clearTimeout(killer)
    await app.kill()
    app = await startApp({ port })

    tally.tried++
    const [ledger, audit, found] = await Promise.all([verifyLedger(db), verifyAuditChain(db), paymentProblems()])
    const states = new Set((await db.selectFrom('tranches').select('status').where('id', 'in', trancheIds).execute()).map((t) => t.status))
    const problems = kind === 'bulk import' && states.size > 1 ? [...found, `the statement's payments are partly paid: ${[...states].join(', ')}`] : found
    const label = `cycle ${cycle} (${kind}, killed ${delay === null ? 'after the work' : `${delay} ms in`})`
    if (ledger.ok) tally.ledger++
    else failures.push(`${label}: ledger ${ledger.problems.join('; ')}`)
    if (audit.ok) tally.audit++
    else failures.push(`${label}: audit chain ${JSON.stringify(audit)}`)
    if (problems.length === 0) tally.paidOnce++
    else failures.push(`${label}: ${problems.join('; ')}`)
    for (const ack of work.acknowledged) {
      tally.acknowledged++
      if (await ack.present()) tally.present++
      else failures.push(`${label}: acknowledged "${ack.what}" is missing`)
    }

    // The officers try again with the same forms: everything is done, and done once.
    await work.attempt(app)
    const after = await db.selectFrom('tranches').select('status').where('id', 'in', trancheIds).execute()
    const retryProblems = await paymentProblems()
    if (after.every((t) => t.status === 'paid') && retryProblems.length === 0) tally.retried++
    else failures.push(`${label}: after the retry: payments ${after.map((t) => t.status).join(', ')}; ${retryProblems.join('; ')}`)
  }

  const during = (kind: string) => `the server is killed at a random moment of ${kind === 'payment run' ? 'a payment run (prepare, approve, send, statement)' : `a bulk import of a ${BULK_LINES}-payment bank statement`} and restarted`
  for (const [kind, t] of Object.entries(tallies)) {
    recordCheck({ area: 'Crashes', check: `${during(kind)}: the ledger balances`, tried: t.tried, held: t.ledger })
    recordCheck({ area: 'Crashes', check: `${during(kind)}: no payment paid twice or half-recorded`, tried: t.tried, held: t.paidOnce })
    recordCheck({ area: 'Crashes', check: `${during(kind)}: the audit chain verifies`, tried: t.tried, held: t.audit })
    recordCheck({ area: 'Crashes', check: `${during(kind)}: every write the client saw acknowledged is there`, tried: t.acknowledged, held: t.present })
    recordCheck({ area: 'Crashes', check: `${during(kind)}: the same forms sent again finish the work exactly once`, tried: t.tried, held: t.retried })
  }
  console.info(
    `crashes: ${CYCLES} cycles (seed ${SEED}); the kill cut off the work in ${tallies['payment run'].cut} payment runs and ${tallies['bulk import'].cut} bulk imports; ` +
      `${tallies['payment run'].acknowledged + tallies['bulk import'].acknowledged} acknowledged writes checked`,
  )
  expect(failures).toEqual([])
  // Not vacuous: most kills land while the work is under way (all but the two measuring cycles are aimed within it).
  expect(tallies['payment run'].cut + tallies['bulk import'].cut).toBeGreaterThanOrEqual(Math.floor((CYCLES - 2) / 3))
}, 600_000)
