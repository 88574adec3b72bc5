/**
 * Remittance advice: what a paid tranche was, where it went and whose money it was, for the organisation's records.
 * Made from the ledger's tranche parts when asked for, so it always matches what was paid.
 */
import type { Db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'
import { formatPence } from '~/lib/money.ts'
import type { PdfData } from '~/lib/pdf.server.ts'
import { trancheReference } from '../awards/schedule.ts'
import { maskAccountNumber } from './bank-details.ts'

/** The advice for a paid tranche of the award; NotFoundError when the tranche is not the award's or not paid. */
export async function remittanceAdvice(db: Db, input: { awardId: number; trancheId: number }): Promise<PdfData & { organisationId: number }> {
  const t = await db
    .selectFrom('tranches')
    .innerJoin('awards', 'awards.id', 'tranches.award_id')
    .innerJoin('applications', 'applications.id', 'awards.application_id')
    .innerJoin('organisations', 'organisations.id', 'awards.organisation_id')
    .innerJoin('rounds', 'rounds.id', 'awards.round_id')
    .innerJoin('funds', 'funds.id', 'rounds.fund_id')
    .leftJoin('payment_runs', 'payment_runs.id', 'tranches.payment_run_id')
    .leftJoin('bank_accounts', 'bank_accounts.id', 'tranches.bank_account_id')
    .select([
      'tranches.id',
      'tranches.sequence',
      'tranches.amount_pence',
      'tranches.paid_at',
      'awards.id as awardId',
      'awards.reference as awardReference',
      'awards.amount_pence as awardAmount',
      'awards.organisation_id',
      'applications.reference as applicationReference',
      'applications.title',
      'organisations.name as organisationName',
      'funds.name as fundName',
      'payment_runs.rail',
      'bank_accounts.account_name',
      'bank_accounts.account_number',
    ])
    .where('tranches.id', '=', input.trancheId)
    .where('tranches.award_id', '=', input.awardId)
    .where('tranches.status', '=', 'paid')
    .executeTakeFirst()
  if (!t) throw new NotFoundError('remittance advice')
  const paid = await db.selectFrom('tranches').select((eb) => eb.fn.sum<number>('amount_pence').as('total')).where('award_id', '=', t.awardId).where('status', '=', 'paid').executeTakeFirstOrThrow()
  const parts = await db
    .selectFrom('tranche_parts')
    .innerJoin('contributions', 'contributions.id', 'tranche_parts.contribution_id')
    .innerJoin('funders', 'funders.id', 'contributions.funder_id')
    .select(['funders.name', 'tranche_parts.amount_pence'])
    .where('tranche_parts.tranche_id', '=', t.id)
    .orderBy('tranche_parts.amount_pence', 'desc')
    .execute()
  const paidTo = t.rail === 'stripe' ? 'Your connected Stripe account' : t.account_number ? `${t.account_name}, account ${maskAccountNumber(t.account_number)}` : 'Your bank account'
  return {
    organisationId: t.organisation_id,
    values: {
      reference: trancheReference(t.applicationReference, t.sequence, t.id),
      fundName: t.fundName,
      organisationName: t.organisationName,
      paidTo,
      amount: formatPence(t.amount_pence),
      paidOn: t.paid_at ?? '',
      awardReference: t.awardReference,
      projectTitle: t.title,
      paidSoFar: formatPence(Number(paid.total ?? 0)),
      awardAmount: formatPence(t.awardAmount),
      generatedOn: new Date().toISOString().slice(0, 10),
    },
    tables: { parts: parts.map((p) => ({ funderName: p.name, amount: formatPence(p.amount_pence) })) },
  }
}
