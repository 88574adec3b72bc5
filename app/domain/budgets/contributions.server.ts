/**
 * Contributions: one funder's money in one pot. A contribution records the pledge, its instalment schedule, its
 * receipts as they arrive and its ring-fence conditions (ring-fence.ts). Every movement of its money is a ledger
 * entry on its own accounts (accounts.ts); balances are always read from those accounts.
 */
import type { Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import { isCalendarDate } from '~/lib/calendar-date.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import { MAX_PENCE, formatPence } from '~/lib/money.ts'
import { engineOf } from '../../../db/connect.ts'
import type { DB } from '../../../db/schema.ts'
import { CONTRIBUTION_BUCKETS, REASONS, contributionAccountCode, funderSourceCode, type ContributionBucket } from './accounts.ts'
import { recordContributionReceipt } from './contribution-figures.server.ts'
import { balanceFromTotals } from './ledger-accounts.ts'
import { IdempotencyKeyReusedError, ensureAccount, postEntries, type PostEntryInput } from './ledger.server.ts'
import { getPot, PotStatusError } from './pots.server.ts'
import { ConditionsSchema, NO_CONDITIONS, findContradictions, parseConditions, type Conditions } from './ring-fence.ts'


/** A value the contribution or receipt form should have caught; names its form field. */
export class ContributionInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'contribution_input', status: 400, field })
  }
}

export class ContributionNotFoundError extends NotFoundError {
  constructor() {
    super('contribution')
  }
}

/** A receipt larger than what is still expected, without a reason (409: give a reason to record it anyway). */
export class ReceiptExceedsPledgeError extends DomainError {
  readonly expectedPence: number
  constructor(funderName: string, amountPence: number, expectedPence: number) {
    super(
      `This receipt of ${formatPence(amountPence)} is more than the ${formatPence(expectedPence)} still expected from ${funderName}. Give a reason to record it anyway.`,
      { code: 'receipt_exceeds_pledge', status: 409, field: 'overPledgeReason' },
    )
    this.expectedPence = expectedPence
  }
}

export interface InstalmentInput {
  dueDate: string
  amountPence: number
}

export interface AddContributionInput {
  potId: number
  funderId: number
  pledgedPence: number
  instalments: InstalmentInput[]
  conditions?: Partial<Conditions>
  isInKind?: boolean
}

export interface Contribution {
  id: number
  potId: number
  funderId: number
  pledgedPence: number
  conditions: Conditions
  isInKind: boolean
  carriedFromContributionId: number | null
}

function assertMoney(field: string, pence: number, what: string): void {
  if (!Number.isSafeInteger(pence) || pence <= 0 || pence > MAX_PENCE) throw new ContributionInputError(field, `Enter ${what} of more than £0`)
}

/** Checks the conditions' ids exist and the conditions do not contradict each other or the pot's year. */
async function validateConditions(trx: Transaction<DB>, conditions: Conditions, financialYear: string): Promise<void> {
  const lists: Array<['placeIds' | 'fundIds' | 'roundIds', 'places' | 'funds' | 'rounds', string]> = [
    ['placeIds', 'places', 'place'],
    ['fundIds', 'funds', 'fund'],
    ['roundIds', 'rounds', 'round'],
  ]
  for (const [field, table, what] of lists) {
    const wanted = conditions[field]
    if (!wanted?.length) continue
    const found = await trx.selectFrom(table).select('id').where('id', 'in', wanted).execute()
    if (found.length !== new Set(wanted).size) throw new ContributionInputError(field, `Select each ${what} from the list`)
  }
  const rounds = conditions.roundIds?.length ? await trx.selectFrom('rounds').select(['id', 'fund_id', 'title']).where('id', 'in', conditions.roundIds).execute() : []
  const contradictions = findContradictions(conditions, {
    financialYear,
    roundFundIds: Object.fromEntries(rounds.map((r) => [r.id, r.fund_id])),
    names: { rounds: Object.fromEntries(rounds.map((r) => [r.id, r.title])) },
  })
  if (contradictions.length > 0) throw new ContributionInputError(contradictions[0].field, contradictions[0].message)
}

function validateInstalments(pledgedPence: number, instalments: InstalmentInput[]): void {
  if (instalments.length === 0) throw new ContributionInputError('instalments', 'Add at least one instalment')
  instalments.forEach((line, i) => {
    if (!isCalendarDate(line.dueDate)) {
      throw new ContributionInputError(`instalments[${i}].dueDate`, `Enter the date instalment ${i + 1} is due`)
    }
    assertMoney(`instalments[${i}].amount`, line.amountPence, `the amount of instalment ${i + 1}`)
  })
  const total = instalments.reduce((sum, line) => sum + line.amountPence, 0)
  if (total !== pledgedPence) {
    throw new ContributionInputError('instalments', `The instalments add up to ${formatPence(total)} but the pledge is ${formatPence(pledgedPence)}`)
  }
}

/** Opens the contribution's six accounts and its funder's source account. */
export async function ensureContributionAccounts(trx: Transaction<DB>, contribution: { id: number; funderId: number }, funderName: string): Promise<void> {
  await ensureAccount(trx, {
    code: funderSourceCode(contribution.funderId),
    name: `${funderName}: pledges`,
    kind: 'funder_source',
    normalBalance: 'debit',
    ownerType: 'funder',
    ownerId: contribution.funderId,
  })
  for (const bucket of CONTRIBUTION_BUCKETS) {
    await ensureAccount(trx, {
      code: contributionAccountCode(contribution.id, bucket),
      name: `${funderName} contribution #${contribution.id}: ${bucket}`,
      kind: `contribution_${bucket}`,
      normalBalance: 'credit',
      ownerType: 'contribution',
      ownerId: contribution.id,
    })
  }
}

async function funderName(db: Db, funderId: number): Promise<string> {
  const funder = await db.selectFrom('funders').select('name').where('id', '=', funderId).executeTakeFirst()
  if (!funder) throw new ContributionInputError('funderId', 'Select the contributor')
  return funder.name
}

/**
 * Records a pledge: the contribution, its instalments (which must add up to the pledge) and conditions, and the
 * ledger entry source -> outstanding. Nothing is written if any of it is wrong.
 */
export async function addContribution(trx: Transaction<DB>, actorUserId: number | null, input: AddContributionInput): Promise<Contribution> {
  const pot = await getPot(trx, input.potId)
  if (pot.status === 'closed') throw new PotStatusError(`${pot.name} is closed for the year: add the contribution to next year's pot.`)
  const name = await funderName(trx, input.funderId)
  assertMoney('pledged', input.pledgedPence, 'the amount pledged')
  validateInstalments(input.pledgedPence, input.instalments)
  const parsed = ConditionsSchema.safeParse({ ...NO_CONDITIONS, ...input.conditions })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ContributionInputError(String(issue.path[0] ?? 'conditions'), issue.message)
  }
  const conditions = parsed.data
  await validateConditions(trx, conditions, pot.financialYear)
  const row = await trx
    .insertInto('contributions')
    .values({
      pot_id: pot.id,
      funder_id: input.funderId,
      pledged_pence: input.pledgedPence,
      conditions: JSON.stringify(conditions),
      spend_by: conditions.spendBy,
      is_in_kind: input.isInKind ? 1 : 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await trx
    .insertInto('contribution_instalments')
    .values(input.instalments.map((line) => ({ contribution_id: row.id, due_date: line.dueDate, amount_pence: line.amountPence })))
    .execute()
  await ensureContributionAccounts(trx, { id: row.id, funderId: input.funderId }, name)
  await postEntries(trx, [
    {
      debit: funderSourceCode(input.funderId),
      credit: contributionAccountCode(row.id, 'outstanding'),
      amountPence: input.pledgedPence,
      reasonCode: REASONS.pledged,
      idempotencyKey: `contribution:${row.id}:pledged`,
      ref: { type: 'contribution', id: row.id },
      actorUserId,
      memo: `${name} pledged to ${pot.name}`,
    },
  ])
  const contribution: Contribution = {
    id: row.id,
    potId: pot.id,
    funderId: input.funderId,
    pledgedPence: input.pledgedPence,
    conditions,
    isInKind: !!input.isInKind,
    carriedFromContributionId: null,
  }
  await recordAudit(trx, { actorUserId, action: 'contribution.pledged', entityType: 'contribution', entityId: row.id, after: { ...contribution, instalments: input.instalments } })
  return contribution
}

/** The contribution, or ContributionNotFoundError. */
export async function getContribution(db: Db, contributionId: number): Promise<Contribution> {
  const row = await db
    .selectFrom('contributions')
    .select(['id', 'pot_id', 'funder_id', 'pledged_pence', 'conditions', 'is_in_kind', 'carried_from_contribution_id'])
    .where('id', '=', contributionId)
    .executeTakeFirst()
  if (!row) throw new ContributionNotFoundError()
  return {
    id: row.id,
    potId: row.pot_id,
    funderId: row.funder_id,
    pledgedPence: row.pledged_pence,
    conditions: parseConditions(row.conditions),
    isInKind: row.is_in_kind === 1,
    carriedFromContributionId: row.carried_from_contribution_id,
  }
}

export type ContributionBalances = Record<ContributionBucket, number>

/**
 * Each contribution's balance in every bucket, read from its ledger accounts. With `lock` inside a transaction on
 * PostgreSQL the accounts are locked (FOR UPDATE, in id order) so a check-then-act on them cannot be raced.
 */
export async function contributionBalances(db: Db, contributionIds: number[], options: { lock?: boolean } = {}): Promise<Map<number, ContributionBalances>> {
  const result = new Map<number, ContributionBalances>()
  if (contributionIds.length === 0) return result
  let query = db
    .selectFrom('ledger_accounts')
    .select(['owner_id', 'kind', 'normal_balance', 'debits_posted_pence', 'credits_posted_pence'])
    .where('owner_type', '=', 'contribution')
    .where('owner_id', 'in', contributionIds)
    .orderBy('id')
  if (options.lock && engineOf(db) === 'postgres') query = query.forUpdate()
  const rows = await query.execute()
  for (const id of contributionIds) result.set(id, { outstanding: 0, available: 0, committed: 0, scheduled: 0, paid: 0, returned: 0 })
  for (const r of rows) {
    const bucket = r.kind.replace(/^contribution_/, '') as ContributionBucket
    result.get(r.owner_id!)![bucket] = balanceFromTotals(r.normal_balance, r.debits_posted_pence, r.credits_posted_pence)
  }
  return result
}

/** Total received per contribution (from its receipts, including money carried in from last year). */
export async function receivedTotals(db: Db, contributionIds: number[]): Promise<Map<number, number>> {
  const result = new Map<number, number>(contributionIds.map((id) => [id, 0]))
  if (contributionIds.length === 0) return result
  const rows = await db
    .selectFrom('contribution_receipts')
    .select((eb) => ['contribution_id', eb.fn.sum<number>('amount_pence').as('total')])
    .where('contribution_id', 'in', contributionIds)
    .groupBy('contribution_id')
    .execute()
  for (const r of rows) result.set(r.contribution_id, Number(r.total))
  return result
}

export interface RecordReceiptInput {
  contributionId: number
  amountPence: number
  /** YYYY-MM-DD */
  receivedOn: string
  /** The bank or payment reference. */
  reference: string
  /** Chosen by the caller (the form, or "stripe:<event id>"), unique for ever. */
  idempotencyKey: string
  /** Required when the receipt is more than is still expected from the pledge. */
  overPledgeReason?: string | null
  source?: 'manual' | 'stripe'
}

export interface Receipt {
  id: number
  contributionId: number
  amountPence: number
  receivedOn: string
  reference: string
  overPledgeReason: string | null
}

export interface RecordReceiptResult {
  receipt: Receipt
  /** True when the idempotency key had already recorded this receipt, which is returned unchanged. */
  replayed: boolean
  /** How much of it was beyond the pledge (0 unless a reason was given). */
  overPledgePence: number
}

function validateReceipt(input: RecordReceiptInput): void {
  assertMoney('amount', input.amountPence, 'the amount received')
  if (!isCalendarDate(input.receivedOn)) {
    throw new ContributionInputError('receivedOn', 'Enter the date the money arrived as a real date, like 2027-01-31')
  }
  if (input.reference.trim() === '') throw new ContributionInputError('reference', 'Enter the payment reference')
  if (input.idempotencyKey.length === 0 || input.idempotencyKey.length > 200) throw new ContributionInputError('idempotencyKey', 'The form has expired: reload it and try again')
}

/**
 * Records money arriving against a contribution, idempotently by key. The ledger moves outstanding -> available for as
 * much as is outstanding; on a pledged-basis pot, the part of the pledge already committed before it arrived needs
 * no movement (it is already in committed). A receipt beyond the pledge is refused (409) unless a reason is given,
 * and the excess is posted source -> available.
 */
export async function recordReceipt(trx: Transaction<DB>, actorUserId: number | null, input: RecordReceiptInput): Promise<RecordReceiptResult> {
  validateReceipt(input)
  const contribution = await getContribution(trx, input.contributionId)
  const balances = (await contributionBalances(trx, [contribution.id], { lock: true })).get(contribution.id)!
  const existing = await trx.selectFrom('contribution_receipts').selectAll().where('idempotency_key', '=', input.idempotencyKey).executeTakeFirst()
  if (existing) {
    if (existing.contribution_id !== contribution.id || existing.amount_pence !== input.amountPence) {
      throw new IdempotencyKeyReusedError(input.idempotencyKey, existing.id)
    }
    return { receipt: toReceipt(existing), replayed: true, overPledgePence: 0 }
  }
  const pot = await getPot(trx, contribution.potId)
  if (pot.status === 'closed') throw new PotStatusError(`${pot.name} is closed for the year: record the money against next year's pot.`)
  const name = await funderName(trx, contribution.funderId)
  const received = (await receivedTotals(trx, [contribution.id])).get(contribution.id)!
  const expected = Math.max(0, contribution.pledgedPence - received)
  const reason = input.overPledgeReason?.trim() || null
  if (input.amountPence > expected && !reason) throw new ReceiptExceedsPledgeError(name, input.amountPence, expected)
  const fromOutstanding = Math.min(input.amountPence, balances.outstanding)
  const overPledge = Math.max(0, input.amountPence - expected)
  const row = await trx
    .insertInto('contribution_receipts')
    .values({
      contribution_id: contribution.id,
      amount_pence: input.amountPence,
      received_on: input.receivedOn,
      reference: input.reference.trim(),
      idempotency_key: input.idempotencyKey,
      over_pledge_reason: overPledge > 0 ? reason : null,
      source: input.source ?? 'manual',
      recorded_by: actorUserId,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  await recordContributionReceipt(trx, contribution.id, input.amountPence)
  const entries: PostEntryInput[] = []
  const base = { ref: { type: 'contribution_receipt', id: row.id }, actorUserId, memo: `${name}: ${input.reference.trim()}` }
  if (fromOutstanding > 0) {
    entries.push({
      ...base,
      debit: contributionAccountCode(contribution.id, 'outstanding'),
      credit: contributionAccountCode(contribution.id, 'available'),
      amountPence: fromOutstanding,
      reasonCode: REASONS.received,
      idempotencyKey: `receipt:${row.id}:received`,
    })
  }
  if (overPledge > 0) {
    entries.push({
      ...base,
      debit: funderSourceCode(contribution.funderId),
      credit: contributionAccountCode(contribution.id, 'available'),
      amountPence: overPledge,
      reasonCode: REASONS.receivedOverPledge,
      idempotencyKey: `receipt:${row.id}:over-pledge`,
    })
  }
  await postEntries(trx, entries, { ensureNonNegative: [contributionAccountCode(contribution.id, 'outstanding')] })
  const receipt = toReceipt(row)
  await recordAudit(trx, { actorUserId, action: 'contribution.received', entityType: 'contribution', entityId: contribution.id, after: { ...receipt, overPledgePence: overPledge } })
  return { receipt, replayed: false, overPledgePence: overPledge }
}

function toReceipt(r: { id: number; contribution_id: number; amount_pence: number; received_on: string; reference: string; over_pledge_reason: string | null }): Receipt {
  return {
    id: r.id,
    contributionId: r.contribution_id,
    amountPence: r.amount_pence,
    receivedOn: r.received_on,
    reference: r.reference,
    overPledgeReason: r.over_pledge_reason,
  }
}

/** A contribution's receipts, oldest first. */
export async function listReceipts(db: Db, contributionId: number): Promise<Receipt[]> {
  const rows = await db.selectFrom('contribution_receipts').selectAll().where('contribution_id', '=', contributionId).orderBy('received_on').orderBy('id').execute()
  return rows.map(toReceipt)
}

/** A contribution's instalment schedule, by due date. */
export async function listInstalments(db: Db, contributionId: number): Promise<InstalmentInput[]> {
  const rows = await db.selectFrom('contribution_instalments').select(['due_date', 'amount_pence']).where('contribution_id', '=', contributionId).orderBy('due_date').orderBy('id').execute()
  return rows.map((r) => ({ dueDate: r.due_date, amountPence: r.amount_pence }))
}
