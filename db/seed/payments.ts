/**
 * Demo offers and payments, through the domain functions so letters, ledger entries and audit events are real:
 *
 * - The Wandle Valley Dementia Choir's award (£30,000) is paid £10,000 a year for three years, each later year once
 *   the previous year's impact return is accepted, after the group sends its safeguarding policy. The offer letter
 *   is issued and accepted by the choir's chair, who gives the choir's bank details; a finance officer checks them and
 *   prepares a BACS run for year 1, which is over the £5,000 threshold, so the second finance officer approves it.
 *   The Standard 18 file is exported and the bank statement imported, which marks year 1 paid (and lists one line
 *   that matches nothing). Years 2 and 3 wait for returns.
 * - Other awards are left with their offers being drafted, for a newcomer (or the browser journey) to send.
 *
 * Wiring (db/seed/demo.ts, inside its transaction, after the awards are committed):
 *   await seedOffersAndPayments(trx, { awardId, managerUserId, chairUserId, financeUserIds: [first, second], dataDir, appOrigin, today })
 */
import type { Transaction } from 'kysely'
import type { DB } from '../schema.ts'
import { penceToDecimalPounds } from '../../app/lib/money.ts'
import { acceptOffer, issueOffer } from '../../app/domain/awards/offers.server.ts'
import { decideCondition, listConditions, listTranches, setOfferTerms } from '../../app/domain/awards/terms.server.ts'
import { enterBankDetails, verifyBankDetails } from '../../app/domain/payments/bank-details.server.ts'
import { exportRun } from '../../app/domain/payments/exports.server.ts'
import { approveRun, prepareRun } from '../../app/domain/payments/payment-runs.server.ts'
import { importBankStatement } from '../../app/domain/payments/statement-import.server.ts'
import { trancheForPayment } from '../../app/domain/payments/tranches.server.ts'

export interface SeedOffersAndPaymentsContext {
  awardId: number
  managerUserId: number
  /** The member of the organisation who accepts the offer and gives the bank details. */
  chairUserId: number
  chairName: string
  /** Two finance officers: the first prepares the run, the second approves it. */
  financeUserIds: [number, number]
  dataDir: string
  appOrigin: string
  /** YYYY-MM-DD */
  today: string
}

export async function seedOffersAndPayments(trx: Transaction<DB>, ctx: SeedOffersAndPaymentsContext): Promise<{ runId: number }> {
  const award = await trx.selectFrom('awards').innerJoin('organisations', 'organisations.id', 'awards.organisation_id').select(['awards.amount_pence', 'organisations.id as organisationId', 'organisations.name']).where('awards.id', '=', ctx.awardId).executeTakeFirstOrThrow()
  const years = 3
  if (award.amount_pence % years !== 0) throw new Error(`Payments seed: ${award.name}'s award does not divide into ${years} equal years`)
  await setOfferTerms(trx, ctx.managerUserId, {
    awardId: ctx.awardId,
    conditions: ['Send us your safeguarding policy for working with people living with dementia'],
    schedule: { kind: 'yearly', years, amountPerYearPence: award.amount_pence / years, startDate: ctx.today },
  })
  await issueOffer(trx, ctx.managerUserId, { awardId: ctx.awardId, dataDir: ctx.dataDir, appOrigin: ctx.appOrigin })
  await acceptOffer(trx, ctx.chairUserId, { awardId: ctx.awardId, name: ctx.chairName, role: 'Chair', declaration: true, idempotencyKey: `seed:accept:${ctx.awardId}`, dataDir: ctx.dataDir })
  for (const condition of await listConditions(trx, ctx.awardId)) {
    await decideCondition(trx, ctx.managerUserId, { conditionId: condition.id, decision: 'met', note: 'Policy received and read: it covers consent, lone working and safeguarding leads.' })
  }
  const account = await enterBankDetails(trx, ctx.chairUserId, { organisationId: award.organisationId, accountName: award.name, sortCode: '30-94-57', accountNumber: '31926819' })
  await verifyBankDetails(trx, ctx.financeUserIds[0], { bankAccountId: account.id, note: 'Matches the bank statement the treasurer sent; confirmed by phone with the chair.' })

  const [yearOne] = await listTranches(trx, ctx.awardId)
  const run = await prepareRun(trx, ctx.financeUserIds[0], { rail: 'bacs', trancheIds: [yearOne.id], idempotencyKey: `seed:run:${ctx.awardId}`, today: ctx.today })
  if (run.status === 'awaiting_approval') await approveRun(trx, ctx.financeUserIds[1], { runId: run.id })
  await exportRun(trx, ctx.financeUserIds[0], { runId: run.id, format: 'standard18' })
  const tranche = (await trancheForPayment(trx, yearOne.id))!
  const [y, m, d] = ctx.today.split('-')
  const statement = [
    'Date,Description,Amount',
    `${d}/${m}/${y},BACS ${tranche.reference} ${award.name.toUpperCase().slice(0, 18)},-${penceToDecimalPounds(yearOne.amountPence)}`,
    `${d}/${m}/${y},CARD PAYMENT STATIONERY,-24.99`,
  ].join('\r\n')
  await importBankStatement(trx, ctx.financeUserIds[0], { filename: `statement-${ctx.today}.csv`, text: statement })
  return { runId: run.id }
}
