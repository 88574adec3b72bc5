/**
 * Importing a bank statement: each line is stored with what it matched, and each payment it confirms is marked paid
 * (markTranchePaid posts the ledger and sends the remittance advice). See statement.ts for reading and matching, and
 * ADR 0011.
 *
 * Once only: the import carries the SHA-256 of the file's bytes under a UNIQUE constraint, so the same file imported
 * again is refused with the date it was first imported. A different file repeating a line already reconciled finds
 * the payment paid ('already_paid'); markTranchePaid is itself idempotent, so nothing is ever paid twice.
 *
 * Candidates are only the tranches whose reference appears in the file (found from the references' shape: an
 * application reference and "/<sequence>", or "CP-T<id>"), sent or paid, never the whole history.
 */
import crypto from 'node:crypto'
import type { Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import { formatLondon } from '~/lib/dates.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, NotFoundError } from '~/lib/errors.ts'
import type { DB } from '../../../db/schema.ts'
import { trancheReference } from '../awards/schedule.ts'
import { cleanBacsText } from './bacs-standard18.ts'
import { matchStatementLines, parseStatementCsv, type PaymentCandidate, type ReconciledLine, type ReconciliationStatus, type StatementLine } from './statement.ts'
import { markTranchePaid, TrancheStatusError } from './tranches.server.ts'

export class StatementAlreadyImportedError extends ConflictError {
  constructor(importedAt: string) {
    super(`This statement was already imported on ${formatLondon(importedAt, 'd MMMM yyyy')}.`, 'statement_already_imported')
  }
}

export interface StatementImportResult {
  importId: number
  lineCount: number
  counts: Record<ReconciliationStatus, number>
  /** Payment runs that this import completed (every tranche in them now paid). */
  completedRunIds: number[]
}

const CHUNK = 500

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK))
  return out
}

/**
 * What in the statement could be a tranche reference: "CP-T<id>" gives a tranche id; "<application reference>/<n>"
 * gives the application reference (and, in case the bank glued something on with a hyphen, each hyphenated tail).
 */
export function referencesInStatement(lines: StatementLine[]): { trancheIds: number[]; applicationReferences: string[] } {
  const trancheIds = new Set<number>()
  const applicationReferences = new Set<string>()
  for (const line of lines) {
    for (const word of cleanBacsText(`${line.reference} ${line.description}`).split(' ')) {
      for (const m of word.matchAll(/CP-T(\d{1,15})/g)) trancheIds.add(Number(m[1]))
      const slash = word.match(/^(.+)\/\d+$/)
      if (!slash) continue
      const parts = slash[1].split('-')
      for (let i = 0; i < parts.length; i++) applicationReferences.add(parts.slice(i).join('-'))
    }
  }
  return { trancheIds: [...trancheIds], applicationReferences: [...applicationReferences] }
}

/** Sent or paid tranches whose reference may appear in the statement, with that reference. */
async function candidatesFor(db: Db, lines: StatementLine[]): Promise<PaymentCandidate[]> {
  const { trancheIds, applicationReferences } = referencesInStatement(lines)
  const base = () =>
    db
      .selectFrom('tranches')
      .innerJoin('awards', 'awards.id', 'tranches.award_id')
      .innerJoin('applications', 'applications.id', 'awards.application_id')
      .select(['tranches.id', 'tranches.sequence', 'tranches.amount_pence', 'tranches.status', 'applications.reference as applicationReference'])
      .where('tranches.status', 'in', ['sent', 'paid'])
  const rows = new Map<number, { id: number; sequence: number; amount_pence: number; status: string; applicationReference: string }>()
  for (const ids of chunks(trancheIds)) for (const r of await base().where('tranches.id', 'in', ids).execute()) rows.set(r.id, r)
  for (const refs of chunks(applicationReferences)) {
    for (const r of await base().where((eb) => eb(eb.fn('upper', ['applications.reference']), 'in', refs)).execute()) rows.set(r.id, r)
  }
  return [...rows.values()]
    .sort((a, b) => a.id - b.id)
    .map((r) => ({ trancheId: r.id, reference: trancheReference(r.applicationReference, r.sequence, r.id), amountPence: Number(r.amount_pence), status: r.status }))
}

/** Marks each matched line's tranche paid; a tranche someone else has just paid or failed is reported, not paid twice. */
async function payMatchedLines(trx: Transaction<DB>, actorUserId: number, importId: number, lines: ReconciledLine[]): Promise<ReconciledLine[]> {
  const out: ReconciledLine[] = []
  for (const line of lines) {
    if (line.status !== 'matched' || line.trancheId === null) {
      out.push(line)
      continue
    }
    try {
      const { replayed } = await markTranchePaid(trx, actorUserId, {
        trancheId: line.trancheId,
        paidOn: line.postedOn!,
        externalRef: `statement:${importId}:${line.lineNumber}`,
        source: 'bank_statement',
      })
      out.push(replayed ? { ...line, status: 'already_paid', note: 'This payment was already marked paid.' } : line)
    } catch (error) {
      if (!(error instanceof TrancheStatusError)) throw error
      out.push({ ...line, status: 'unmatched', trancheId: null, note: error.message })
    }
  }
  return out
}

/** BACS runs whose tranches are now all paid: 'sent' -> 'completed' (conditional, so it happens once). */
async function completeRuns(trx: Transaction<DB>, actorUserId: number, trancheIds: number[]): Promise<number[]> {
  if (trancheIds.length === 0) return []
  const runIds = new Set<number>()
  for (const ids of chunks(trancheIds)) {
    const rows = await trx.selectFrom('tranches').select('payment_run_id').where('id', 'in', ids).where('payment_run_id', 'is not', null).execute()
    for (const r of rows) runIds.add(r.payment_run_id!)
  }
  const completed: number[] = []
  for (const runId of [...runIds].sort((a, b) => a - b)) {
    const result = await trx
      .updateTable('payment_runs')
      .set({ status: 'completed' })
      .where('id', '=', runId)
      .where('status', '=', 'sent')
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('tranches').select('tranches.id').where('tranches.payment_run_id', '=', runId).where('tranches.status', '!=', 'paid'))),
      )
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) === 1) {
      completed.push(runId)
      await recordAudit(trx, { actorUserId, action: 'payment_run.completed', entityType: 'payment_run', entityId: runId, after: { status: 'completed', by: 'bank_statement' } })
    }
  }
  return completed
}

/**
 * Imports a statement CSV: refuses a file already imported (StatementAlreadyImportedError, 409) or one it cannot read
 * (StatementFormatError, 400) before writing anything; otherwise stores the import and every line, marks matched
 * payments paid, completes runs that are now fully paid, and audits 'bank_statement.imported'.
 */
export async function importBankStatement(trx: Transaction<DB>, actorUserId: number, input: { filename: string; text: string }): Promise<StatementImportResult> {
  const sha256 = crypto.createHash('sha256').update(Buffer.from(input.text, 'utf8')).digest('hex')
  const earlier = await trx.selectFrom('bank_statement_imports').select('created_at').where('sha256', '=', sha256).executeTakeFirst()
  if (earlier) throw new StatementAlreadyImportedError(earlier.created_at)

  const parsed = parseStatementCsv(input.text)
  const matched = matchStatementLines(parsed, await candidatesFor(trx, parsed))
  const filename = input.filename.replace(/[^\p{L}\p{N} ._()-]+/gu, '_').trim().slice(0, 150) || 'statement.csv'
  const inserted = await trx
    .insertInto('bank_statement_imports')
    .values({ filename, sha256, imported_by: actorUserId, line_count: parsed.length, matched_count: 0 })
    .onConflict((oc) => oc.column('sha256').doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!inserted) {
    // Imported by someone else a moment ago, between our check and our insert.
    const first = await trx.selectFrom('bank_statement_imports').select('created_at').where('sha256', '=', sha256).executeTakeFirstOrThrow()
    throw new StatementAlreadyImportedError(first.created_at)
  }
  const importId = inserted.id

  const lines = await payMatchedLines(trx, actorUserId, importId, matched)
  for (const batch of chunks(lines)) {
    await trx
      .insertInto('bank_statement_lines')
      .values(
        batch.map((l) => ({
          import_id: importId,
          line_number: l.lineNumber,
          posted_on: l.postedOn,
          amount_pence: l.amountPence,
          reference: l.reference.slice(0, 500),
          description: l.description.slice(0, 500),
          status: l.status,
          tranche_id: l.trancheId,
          note: l.note,
        })),
      )
      .execute()
  }
  const counts: Record<ReconciliationStatus, number> = { matched: 0, already_paid: 0, unmatched: 0, invalid: 0 }
  for (const l of lines) counts[l.status]++
  await trx.updateTable('bank_statement_imports').set({ matched_count: counts.matched }).where('id', '=', importId).execute()

  const paidIds = lines.filter((l) => l.status === 'matched').map((l) => l.trancheId!)
  const completedRunIds = await completeRuns(trx, actorUserId, paidIds)
  await recordAudit(trx, {
    actorUserId,
    action: 'bank_statement.imported',
    entityType: 'bank_statement_import',
    entityId: importId,
    after: { filename, sha256, lineCount: lines.length, ...counts, paidTrancheIds: paidIds, completedRunIds },
  })
  return { importId, lineCount: lines.length, counts, completedRunIds }
}

// ---------------------------------------------------------------- reading

export interface StatementImportSummary {
  id: number
  filename: string
  importedAt: string
  importedBy: string
  lineCount: number
  matchedCount: number
}

/** Past imports, newest first. */
export async function listStatementImports(db: Db, options: { limit?: number } = {}): Promise<StatementImportSummary[]> {
  const rows = await db
    .selectFrom('bank_statement_imports')
    .innerJoin('users', 'users.id', 'bank_statement_imports.imported_by')
    .select(['bank_statement_imports.id', 'filename', 'bank_statement_imports.created_at', 'users.name', 'line_count', 'matched_count'])
    .orderBy('bank_statement_imports.id', 'desc')
    .limit(options.limit ?? 50)
    .execute()
  return rows.map((r) => ({ id: r.id, filename: r.filename, importedAt: r.created_at, importedBy: r.name, lineCount: r.line_count, matchedCount: r.matched_count }))
}

export interface StatementImportLine {
  lineNumber: number
  postedOn: string | null
  amountPence: number | null
  reference: string
  description: string
  status: ReconciliationStatus
  note: string | null
  payment: { trancheId: number; reference: string; organisationName: string; awardId: number; paymentRunId: number | null; paymentRunReference: string | null } | null
}

/** One import with its lines and, for each line that found a payment, which payment. Throws NotFoundError. */
export async function statementImport(db: Db, importId: number): Promise<StatementImportSummary & { sha256: string; lines: StatementImportLine[] }> {
  const head = await db
    .selectFrom('bank_statement_imports')
    .innerJoin('users', 'users.id', 'bank_statement_imports.imported_by')
    .select(['bank_statement_imports.id', 'filename', 'sha256', 'bank_statement_imports.created_at', 'users.name', 'line_count', 'matched_count'])
    .where('bank_statement_imports.id', '=', importId)
    .executeTakeFirst()
  if (!head) throw new NotFoundError('statement import')
  const rows = await db
    .selectFrom('bank_statement_lines as l')
    .leftJoin('tranches', 'tranches.id', 'l.tranche_id')
    .leftJoin('awards', 'awards.id', 'tranches.award_id')
    .leftJoin('applications', 'applications.id', 'awards.application_id')
    .leftJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .leftJoin('payment_runs', 'payment_runs.id', 'tranches.payment_run_id')
    .select([
      'l.line_number',
      'l.posted_on',
      'l.amount_pence',
      'l.reference',
      'l.description',
      'l.status',
      'l.note',
      'l.tranche_id',
      'tranches.sequence',
      'applications.reference as applicationReference',
      'organisations.name as organisationName',
      'awards.id as awardId',
      'payment_runs.id as runId',
      'payment_runs.reference as runReference',
    ])
    .where('l.import_id', '=', importId)
    .orderBy('l.line_number')
    .execute()
  return {
    id: head.id,
    filename: head.filename,
    sha256: head.sha256,
    importedAt: head.created_at,
    importedBy: head.name,
    lineCount: head.line_count,
    matchedCount: head.matched_count,
    lines: rows.map((r) => ({
      lineNumber: r.line_number,
      postedOn: r.posted_on,
      amountPence: r.amount_pence === null ? null : Number(r.amount_pence),
      reference: r.reference,
      description: r.description,
      status: r.status,
      note: r.note,
      payment:
        r.tranche_id !== null && r.sequence !== null && r.applicationReference !== null
          ? {
              trancheId: r.tranche_id,
              reference: trancheReference(r.applicationReference, r.sequence, r.tranche_id),
              organisationName: r.organisationName ?? '',
              awardId: r.awardId!,
              paymentRunId: r.runId,
              paymentRunReference: r.runReference,
            }
          : null,
    })),
  }
}
