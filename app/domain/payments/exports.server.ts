/**
 * The bank file for a BACS payment run (ADR 0011): a Standard 18 file or the bank's bulk-payment CSV.
 *
 * The first export of an approved run sends it: the run moves 'approved' -> 'sent' with a conditional update (so any
 * number of concurrent exports move it once), records who exported it, when, and the SHA-256 of the Standard 18 body,
 * and its tranches move in_run -> sent. Later downloads of a sent run rebuild the file from the same rows (the bank
 * account recorded on each tranche when the run was prepared, the originator from the payment settings) and refuse if
 * the bytes would differ from what was recorded, so what a finance officer uploads is always the file that was sent.
 * Either format may come first; the hash is always of the Standard 18 body.
 */
import crypto from 'node:crypto'
import type { Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError } from '~/lib/errors.ts'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { trancheReference } from '../awards/schedule.ts'
import { standard18File, type BacsPayment } from './bacs-standard18.ts'
import { bulkPaymentCsv } from './bulk-payment-csv.ts'
import { PaymentRunNotFoundError } from './payment-runs.server.ts'
import { paymentSettings } from './settings.server.ts'
import { markTranchesSent } from './tranches.server.ts'

export type ExportFormat = 'standard18' | 'csv'
export const EXPORT_FORMATS: readonly ExportFormat[] = ['standard18', 'csv']

export interface ExportedFile {
  filename: string
  contentType: string
  body: string
}

/** A run whose bank file cannot be downloaded in its present state; the message says why. */
export class RunNotExportableError extends ConflictError {
  constructor(message: string) {
    super(message, 'run_not_exportable')
  }
}

const REFUSALS: Record<string, string> = {
  awaiting_approval: 'This payment run is waiting for a second finance officer to approve it. The bank file can be downloaded once it is approved.',
  cancelled: 'This payment run was cancelled, so there is no bank file to download.',
  completed: 'Every payment in this run has been paid, so the bank file is no longer available. Its payments are on the run page.',
}

interface RunPayment extends BacsPayment {
  trancheId: number
  trancheStatus: string
  organisationName: string
  bankAccountStatus: string | null
}

async function lockRun(trx: Transaction<DB>, runId: number) {
  let query = trx.selectFrom('payment_runs').select(['id', 'reference', 'rail', 'status', 'file_sha256']).where('id', '=', runId)
  if (engineOf(trx) === 'postgres') query = query.forUpdate()
  const run = await query.executeTakeFirst()
  if (!run) throw new PaymentRunNotFoundError()
  return run
}

/** The run's payments in tranche order, each to the bank account recorded on the tranche when the run was prepared. */
async function runPayments(db: Db, runId: number): Promise<RunPayment[]> {
  const rows = await db
    .selectFrom('tranches')
    .innerJoin('awards', 'awards.id', 'tranches.award_id')
    .innerJoin('applications', 'applications.id', 'awards.application_id')
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .leftJoin('bank_accounts', 'bank_accounts.id', 'tranches.bank_account_id')
    .select([
      'tranches.id',
      'tranches.sequence',
      'tranches.amount_pence',
      'tranches.status',
      'applications.reference as applicationReference',
      'organisations.name as organisationName',
      'bank_accounts.id as bankAccountId',
      'bank_accounts.status as bankAccountStatus',
      'bank_accounts.account_name',
      'bank_accounts.sort_code',
      'bank_accounts.account_number',
    ])
    .where('tranches.payment_run_id', '=', runId)
    .orderBy('tranches.id')
    .execute()
  return rows.map((r) => {
    if (r.bankAccountId === null || r.sort_code === null || r.account_number === null || r.account_name === null) {
      throw new RunNotExportableError(`No bank account is recorded for ${r.organisationName}'s payment in this run, so the bank file cannot be made.`)
    }
    return {
      trancheId: r.id,
      trancheStatus: r.status,
      bankAccountStatus: r.bankAccountStatus,
      sortCode: r.sort_code,
      accountNumber: r.account_number,
      accountName: r.account_name,
      amountPence: Number(r.amount_pence),
      reference: trancheReference(r.applicationReference, r.sequence, r.id),
      organisationName: r.organisationName,
    }
  })
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(Buffer.from(text, 'ascii')).digest('hex')
}

function fileFor(reference: string, format: ExportFormat, standard18: string, payments: BacsPayment[]): ExportedFile {
  const stem = reference.replace(/[^A-Za-z0-9._-]+/g, '-')
  return format === 'csv'
    ? { filename: `${stem}-bulk-payments.csv`, contentType: 'text/csv; charset=utf-8', body: bulkPaymentCsv(payments) }
    : { filename: `${stem}-standard18.txt`, contentType: 'text/plain; charset=us-ascii', body: standard18 }
}

/**
 * The bank file for a BACS run that is approved (the first export sends it) or already sent (the same file again).
 * Refuses with RunNotExportableError (409) a Stripe run, a run awaiting approval, cancelled or completed, a run with no
 * payments or a payee whose details were rejected, and a sent run whose file can no longer be made identically.
 */
export async function exportRun(trx: Transaction<DB>, actorUserId: number, input: { runId: number; format: ExportFormat }): Promise<ExportedFile> {
  const run = await lockRun(trx, input.runId)
  if (run.rail !== 'bacs') throw new RunNotExportableError('This run pays through Stripe, so there is no bank file to download.')
  if (run.status !== 'approved' && run.status !== 'sent') {
    throw new RunNotExportableError(REFUSALS[run.status] ?? `This payment run is ${run.status.replaceAll('_', ' ')}, so there is no bank file to download.`)
  }
  const payments = await runPayments(trx, run.id)
  if (payments.length === 0) throw new RunNotExportableError('This payment run has no payments left in it, so there is no bank file to make.')
  const { originator } = await paymentSettings(trx)
  const standard18 = standard18File({ originator, payments })
  const fileSha256 = sha256(standard18)
  const totalPence = payments.reduce((sum, p) => sum + p.amountPence, 0)

  if (run.status === 'approved') {
    const unusable = payments.find((p) => p.bankAccountStatus === 'rejected' || p.bankAccountStatus === 'unverified')
    if (unusable) throw new RunNotExportableError(`${unusable.organisationName}'s bank details are ${unusable.bankAccountStatus} now, so this run cannot be sent. Cancel it and prepare a new one.`)
    const notInRun = payments.find((p) => p.trancheStatus !== 'in_run')
    if (notInRun) throw new RunNotExportableError(`Payment ${notInRun.reference} in this run is ${notInRun.trancheStatus.replaceAll('_', ' ')}, so the run cannot be sent.`)
    const exportedAt = new Date().toISOString()
    const moved = await trx
      .updateTable('payment_runs')
      .set({ status: 'sent', exported_at: exportedAt, exported_by: actorUserId, file_sha256: fileSha256 })
      .where('id', '=', run.id)
      .where('status', '=', 'approved')
      .executeTakeFirst()
    if (Number(moved.numUpdatedRows) !== 1) throw new RunNotExportableError('This payment run changed while the file was being made. Try again.')
    const sent = await markTranchesSent(trx, actorUserId, { trancheIds: payments.map((p) => p.trancheId), sentAt: exportedAt })
    await recordAudit(trx, {
      actorUserId,
      action: 'payment_run.exported',
      entityType: 'payment_run',
      entityId: run.id,
      before: { status: 'approved' },
      after: { status: 'sent', format: input.format, fileSha256, payments: payments.length, tranchesSent: sent, totalPence },
    })
    return fileFor(run.reference, input.format, standard18, payments)
  }

  if (fileSha256 !== run.file_sha256) {
    throw new RunNotExportableError(
      'The bank file for this run can no longer be made exactly as it was sent: a payment in it, or the paying account, has changed since. Use the file downloaded when the run was sent.',
    )
  }
  await recordAudit(trx, { actorUserId, action: 'payment_run.file_downloaded', entityType: 'payment_run', entityId: run.id, after: { format: input.format, fileSha256 } })
  return fileFor(run.reference, input.format, standard18, payments)
}
