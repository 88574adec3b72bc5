/**
 * The client side of the crash proofs (crashes.test.ts): finance officers' browsers doing a payment run, or importing a
 * bank statement, against the built server while it may be killed at any moment. Every answer the client receives is
 * remembered as an acknowledged write with a check that it is still there after the restart; a request cut off by the
 * kill is not acknowledged (it may or may not have happened: the retry finds out).
 *
 *   const run = paymentRunWork({ trancheIds, preparer, approver, statement })
 *   await run.attempt(app)     // stops at the first request the kill cuts off
 *   ...restart...
 *   await run.attempt(app)     // the same forms again (same keys, same file): finishes what is left, exactly once
 */
import { db } from '../../../app/lib/db.server.ts'
import { isRedirect, postForm, type Answer } from './races-http.ts'
import type { RunningApp } from './server.ts'

export interface Acknowledged {
  /** What the client was told happened, e.g. "payment run PR-00012 prepared". */
  what: string
  /** Whether it is still so in the database. */
  present: () => Promise<boolean>
}

/** A finance officer's signed-in browser. */
export interface Officer {
  userId: number
  cookie: string
}

/** Cut off by the kill (the connection dropped, or no answer came): not acknowledged. */
export class CutOff extends Error {}

async function send(app: RunningApp, path: string, officer: Officer, body: Record<string, string> | URLSearchParams | FormData): Promise<Answer> {
  try {
    return await postForm(app, path, officer.cookie, body, AbortSignal.timeout(15_000))
  } catch (error) {
    throw new CutOff(`POST ${path}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/** A statement CSV paying the given tranches (reference and amount each), plus a line that matches nothing. */
export function statementCsv(lines: { reference: string; amountPence: number }[], postedOn: string): string {
  const [y, m, d] = postedOn.split('-')
  const date = `${d}/${m}/${y}`
  const rows = lines.map((l) => `${date},${l.reference},-${(l.amountPence / 100).toFixed(2)}`)
  return ['Date,Reference,Amount', ...rows, `${date},COUNCIL TAX DD,-123.45`, ''].join('\n')
}

function statementForm(filename: string, csv: string): FormData {
  const form = new FormData()
  form.append('statement', new File([csv], filename, { type: 'text/csv' }))
  return form
}

function idFrom(location: string | null, pattern: RegExp): number {
  const id = Number(location?.match(pattern)?.[1])
  if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`unexpected redirect to ${location}`)
  return id
}

function unexpected(step: string, answer: Answer): Error {
  return new Error(`${step} was answered ${answer.status}: ${answer.body.slice(0, 300)}`)
}

async function runRow(runId: number) {
  return db.selectFrom('payment_runs').select(['status', 'approved_by', 'exported_at']).where('id', '=', runId).executeTakeFirst()
}

async function allPaid(trancheIds: number[]): Promise<boolean> {
  const rows = await db.selectFrom('tranches').select('status').where('id', 'in', trancheIds).execute()
  return rows.length === trancheIds.length && rows.every((r) => r.status === 'paid')
}

async function statementPresent(importId: number, lineCount: number): Promise<boolean> {
  const row = await db.selectFrom('bank_statement_imports').select('line_count').where('id', '=', importId).executeTakeFirst()
  if (row?.line_count !== lineCount) return false
  const lines = await db.selectFrom('bank_statement_lines').select('id').where('import_id', '=', importId).execute()
  return lines.length === lineCount
}

/** Imports a statement; a 409 "already imported" on a retry means the first import went through. */
async function importStatement(app: RunningApp, officer: Officer, statement: Statement, trancheIds: number[], acknowledged: Acknowledged[]): Promise<void> {
  const answer = await send(app, '/finance/statements', officer, statementForm(statement.filename, statement.csv))
  if (answer.status === 409 && answer.body.includes('This statement was already imported')) return
  if (!isRedirect(answer.status)) throw unexpected('importing the statement', answer)
  const importId = idFrom(answer.location, /\/finance\/statements\/(\d+)/)
  const lineCount = statement.csv.trim().split('\n').length - 1
  acknowledged.push({ what: `statement ${importId} imported`, present: () => statementPresent(importId, lineCount) })
  acknowledged.push({ what: `the ${trancheIds.length} payments of statement ${importId} paid`, present: () => allPaid(trancheIds) })
}

export interface Work {
  /** Every write the client was told had happened, in order. */
  acknowledged: Acknowledged[]
  /** Does whatever is left, from the start: the same forms with the same keys and the same statement file. */
  attempt: (app: RunningApp) => Promise<void>
}

export interface Statement {
  filename: string
  csv: string
}

/**
 * A payment run from start to finish, as two finance officers do it: prepare the run of the chosen payments, approve it
 * (the second officer), download the bank file (which sends it), and import the statement that shows them paid. A
 * retry meets what already happened: the run its key made, "already approved", the same file, "already imported".
 */
export function paymentRunWork(input: { key: string; trancheIds: number[]; preparer: Officer; approver: Officer; statement: Statement }): Work {
  const acknowledged: Acknowledged[] = []
  const { key, trancheIds, preparer, approver, statement } = input
  async function attempt(app: RunningApp): Promise<void> {
    const form = new URLSearchParams({ rail: 'bacs', scope: 'ticked', idempotencyKey: key })
    for (const id of trancheIds) form.append('trancheIds', String(id))
    const prepared = await send(app, '/finance', preparer, form)
    if (!isRedirect(prepared.status)) throw unexpected('preparing the run', prepared)
    const runId = idFrom(prepared.location, /\/finance\/payment-runs\/(\d+)/)
    acknowledged.push({
      what: `payment run ${runId} prepared`,
      present: async () => {
        const rows = await db.selectFrom('tranches').select('payment_run_id').where('id', 'in', trancheIds).execute()
        return !!(await runRow(runId)) && rows.length === trancheIds.length && rows.every((r) => r.payment_run_id === runId)
      },
    })

    const approved = await send(app, `/finance/payment-runs/${runId}`, approver, { intent: 'approve' })
    if (isRedirect(approved.status)) {
      acknowledged.push({
        what: `payment run ${runId} approved`,
        present: async () => {
          const run = await runRow(runId)
          return run?.approved_by === approver.userId && ['approved', 'sent', 'completed'].includes(run.status)
        },
      })
    } else if (!(approved.status === 409 && approved.body.includes('already been approved'))) throw unexpected('approving the run', approved)

    const exported = await send(app, `/finance/payment-runs/${runId}/export`, preparer, { format: 'standard18' })
    if (!isRedirect(exported.status)) throw unexpected('downloading the bank file', exported)
    acknowledged.push({
      what: `payment run ${runId} sent`,
      present: async () => {
        const run = await runRow(runId)
        const rows = await db.selectFrom('tranches').select('status').where('id', 'in', trancheIds).execute()
        return !!run?.exported_at && ['sent', 'completed'].includes(run.status) && rows.every((r) => r.status === 'sent' || r.status === 'paid')
      },
    })

    await importStatement(app, preparer, statement, trancheIds, acknowledged)
  }
  return { acknowledged, attempt }
}

/** A bulk import: one statement confirming many payments already sent. */
export function statementImportWork(input: { trancheIds: number[]; officer: Officer; statement: Statement }): Work {
  const acknowledged: Acknowledged[] = []
  return { acknowledged, attempt: (app) => importStatement(app, input.officer, input.statement, input.trancheIds, acknowledged) }
}
