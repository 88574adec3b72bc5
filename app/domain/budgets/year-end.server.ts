/**
 * Year end (Section 75 practice): a pot's unspent money either carries forward into next year's pot or returns to
 * the contributors in proportion to what they put in, as ledger entries, with a statement per contributor.
 *
 * - Carry forward: each contribution with money available becomes a new contribution in the next pot, from the same
 *   funder with the same conditions, pledged and received at the amount carried (old available -> new available;
 *   recorded as a 'carried_forward' receipt). One new contribution per old one, so two contributions from one funder
 *   with different conditions keep them apart.
 * - Return: the pot's whole unspent balance is shared among the cash contributions in proportion to what each
 *   received (largest remainder to the penny), whatever each has left itself. The money moves from the available
 *   accounts to the returned accounts by matching them in contribution id order (the "north-west corner" rule: the
 *   first contribution's available money fills the first contributor's return, then the second, ...), so the entries
 *   are deterministic and each one names where the money came from and where it went.
 * Money still committed to awards stays committed in the closed pot (the awards are paid from it); pledges never
 * received stay outstanding and appear on the statement. Closing is idempotent: closing a closed pot changes nothing
 * and returns the statements.
 */
import type { Transaction } from 'kysely'
import { ukToday } from '~/domain/places/places.server.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError } from '~/lib/errors.ts'
import { allocateByWeights } from '~/lib/money.ts'
import type { DB } from '../../../db/schema.ts'
import { REASONS, contributionAccountCode } from './accounts.ts'
import { recordContributionReceipt } from './contribution-figures.server.ts'
import { contributionBalances, ensureContributionAccounts, receivedTotals } from './contributions.server.ts'
import { postEntries, type PostEntryInput } from './ledger.server.ts'
import { getPot, PotStatusError, type Pot } from './pots.server.ts'

export class YearEndInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'year_end_input', status: 400, field })
  }
}

export interface CloseYearInput {
  potId: number
  /** Required when the pot's policy is to carry forward. */
  nextPotId?: number | null
  /** The day of closing (YYYY-MM-DD); today in the UK unless given. */
  closedOn?: string
}

export interface StatementLine {
  contributionId: number
  pledgedPence: number
  receivedPence: number
  outstandingPence: number
  committedPence: number
  paidPence: number
  /** Returned to this contributor at year end. */
  returnedPence: number
  /** Carried from this contribution into next year's pot. */
  carriedForwardPence: number
  availablePence: number
}

/** What happened to one contributor's money in one pot: the data a statement (PDF or screen) shows. */
export interface ContributorStatement extends Omit<StatementLine, 'contributionId'> {
  potId: number
  potName: string
  financialYear: string
  funderId: number
  funderName: string
  lines: StatementLine[]
}

export interface CloseYearResult {
  statements: ContributorStatement[]
  replayed: boolean
}

interface Row {
  id: number
  funderId: number
  funderName: string
  conditions: string
  isInKind: boolean
}

async function rows(db: Db, potId: number): Promise<Row[]> {
  const found = await db
    .selectFrom('contributions')
    .innerJoin('funders', 'funders.id', 'contributions.funder_id')
    .select(['contributions.id', 'contributions.funder_id', 'funders.name', 'contributions.conditions', 'contributions.is_in_kind'])
    .where('contributions.pot_id', '=', potId)
    .orderBy('contributions.id')
    .execute()
  return found.map((r) => ({ id: r.id, funderId: r.funder_id, funderName: r.name, conditions: r.conditions, isInKind: r.is_in_kind === 1 }))
}

async function validNextPot(trx: Transaction<DB>, pot: Pot, nextPotId: number | null | undefined): Promise<Pot> {
  if (!nextPotId) throw new YearEndInputError('nextPotId', "Select next year's pot to carry the unspent money into")
  if (nextPotId === pot.id) throw new YearEndInputError('nextPotId', 'Select a different pot: money cannot be carried into the pot being closed')
  const next = await getPot(trx, nextPotId)
  if (next.status === 'closed') throw new YearEndInputError('nextPotId', `${next.name} is closed: select an open or draft pot`)
  if (next.financialYear <= pot.financialYear) throw new YearEndInputError('nextPotId', `Select a pot for a later year than ${pot.financialYear}`)
  return next
}

/** Closes the pot's year per its policy. Idempotent: a closed pot is left as it is and its statements returned. */
export async function closeYear(trx: Transaction<DB>, actorUserId: number | null, input: CloseYearInput): Promise<CloseYearResult> {
  const pot = await getPot(trx, input.potId)
  const contributions = await rows(trx, pot.id)
  const balances = await contributionBalances(trx, contributions.map((c) => c.id), { lock: true })
  const current = await getPot(trx, pot.id)
  if (current.status === 'closed') return { statements: await contributorStatements(trx, pot.id), replayed: true }
  const closedOn = input.closedOn ?? ukToday()
  const cash = contributions.filter((c) => !c.isInKind)
  let nextPotId: number | null = null
  if (pot.yearEndPolicy === 'carry_forward') {
    const next = await validNextPot(trx, pot, input.nextPotId)
    nextPotId = next.id
    await carryForward(trx, actorUserId, pot, next, cash, balances, closedOn)
  } else {
    await returnToContributors(trx, actorUserId, pot, cash, balances)
  }
  const closedAt = new Date().toISOString()
  const updated = await trx.updateTable('pots').set({ status: 'closed', closed_at: closedAt }).where('id', '=', pot.id).where('status', '<>', 'closed').executeTakeFirst()
  if (Number(updated.numUpdatedRows) !== 1) throw new PotStatusError(`${pot.name} was closed by someone else at the same moment.`)
  if (nextPotId) await trx.updateTable('pots').set({ previous_pot_id: pot.id }).where('id', '=', nextPotId).where('previous_pot_id', 'is', null).execute()
  const statements = await contributorStatements(trx, pot.id)
  await recordAudit(trx, {
    actorUserId,
    action: 'pot.year_closed',
    entityType: 'pot',
    entityId: pot.id,
    before: { status: pot.status },
    after: { status: 'closed', policy: pot.yearEndPolicy, nextPotId, returnedPence: sum(statements.map((s) => s.returnedPence)), carriedForwardPence: sum(statements.map((s) => s.carriedForwardPence)) },
  })
  return { statements, replayed: false }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0)
}

async function carryForward(trx: Transaction<DB>, actorUserId: number | null, pot: Pot, next: Pot, cash: Row[], balances: Map<number, { available: number }>, closedOn: string): Promise<void> {
  for (const c of cash) {
    const amount = balances.get(c.id)!.available
    if (amount <= 0) continue
    const created = await trx
      .insertInto('contributions')
      .values({
        pot_id: next.id,
        funder_id: c.funderId,
        pledged_pence: amount,
        conditions: c.conditions,
        spend_by: (JSON.parse(c.conditions) as { spendBy?: string | null }).spendBy ?? null,
        carried_from_contribution_id: c.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await ensureContributionAccounts(trx, { id: created.id, funderId: c.funderId }, c.funderName)
    const key = `year-end:${pot.id}:carry:${c.id}`
    const receipt = await trx
      .insertInto('contribution_receipts')
      .values({ contribution_id: created.id, amount_pence: amount, received_on: closedOn, reference: `Carried forward from ${pot.name}`, idempotency_key: key, source: 'carried_forward', recorded_by: actorUserId })
      .returning('id')
      .executeTakeFirstOrThrow()
    await recordContributionReceipt(trx, created.id, amount)
    await postEntries(
      trx,
      [
        {
          debit: contributionAccountCode(c.id, 'available'),
          credit: contributionAccountCode(created.id, 'available'),
          amountPence: amount,
          reasonCode: REASONS.carriedForward,
          idempotencyKey: key,
          ref: { type: 'contribution_receipt', id: receipt.id },
          actorUserId,
          memo: `${c.funderName}: carried forward from ${pot.name} to ${next.name}`,
        },
      ],
      { ensureNonNegative: [contributionAccountCode(c.id, 'available')] },
    )
    await recordAudit(trx, { actorUserId, action: 'contribution.carried_forward', entityType: 'contribution', entityId: created.id, after: { fromContributionId: c.id, potId: next.id, amountPence: amount } })
  }
}

/** The transfers that return the pot's unspent money in proportion to what each contributor received. */
export function returnTransfers(sources: Array<{ id: number; availablePence: number }>, contributors: Array<{ id: number; receivedPence: number }>): Array<{ fromId: number; toId: number; amountPence: number }> {
  const total = sum(sources.map((s) => s.availablePence))
  if (total === 0) return []
  const targets = allocateByWeights(total, contributors.map((c) => c.receivedPence))
  const transfers: Array<{ fromId: number; toId: number; amountPence: number }> = []
  const left = sources.map((s) => s.availablePence)
  let i = 0
  for (let j = 0; j < contributors.length; j++) {
    let need = targets[j]
    while (need > 0) {
      while (left[i] === 0) i++
      const amount = Math.min(need, left[i])
      transfers.push({ fromId: sources[i].id, toId: contributors[j].id, amountPence: amount })
      left[i] -= amount
      need -= amount
    }
  }
  return transfers
}

async function returnToContributors(trx: Transaction<DB>, actorUserId: number | null, pot: Pot, cash: Row[], balances: Map<number, { available: number }>): Promise<void> {
  const received = await receivedTotals(trx, cash.map((c) => c.id))
  const sources = cash.map((c) => ({ id: c.id, availablePence: balances.get(c.id)!.available })).filter((s) => s.availablePence > 0)
  const contributors = cash.map((c) => ({ id: c.id, receivedPence: received.get(c.id)! })).filter((c) => c.receivedPence > 0)
  const transfers = returnTransfers(sources, contributors)
  const entries: PostEntryInput[] = transfers.map((t) => ({
    debit: contributionAccountCode(t.fromId, 'available'),
    credit: contributionAccountCode(t.toId, 'returned'),
    amountPence: t.amountPence,
    reasonCode: REASONS.returned,
    idempotencyKey: `year-end:${pot.id}:return:${t.fromId}:${t.toId}`,
    ref: { type: 'pot', id: pot.id },
    actorUserId,
    memo: `Unspent money returned at the end of ${pot.financialYear}`,
  }))
  await postEntries(trx, entries, { ensureNonNegative: sources.map((s) => contributionAccountCode(s.id, 'available')) })
}

/** One statement per contributor (funder) to the pot, from the ledger. */
export async function contributorStatements(db: Db, potId: number): Promise<ContributorStatement[]> {
  const pot = await getPot(db, potId)
  const contributions = await db
    .selectFrom('contributions')
    .innerJoin('funders', 'funders.id', 'contributions.funder_id')
    .select(['contributions.id', 'contributions.funder_id', 'contributions.pledged_pence', 'funders.name'])
    .where('contributions.pot_id', '=', potId)
    .orderBy('funders.name')
    .orderBy('contributions.id')
    .execute()
  const ids = contributions.map((c) => c.id)
  const [balances, received, carried] = await Promise.all([contributionBalances(db, ids), receivedTotals(db, ids), carriedForwardTotals(db, ids)])
  const byFunder = new Map<number, ContributorStatement>()
  for (const c of contributions) {
    const b = balances.get(c.id)!
    const line: StatementLine = {
      contributionId: c.id,
      pledgedPence: c.pledged_pence,
      receivedPence: received.get(c.id)!,
      outstandingPence: b.outstanding,
      committedPence: b.committed + b.scheduled,
      paidPence: b.paid,
      returnedPence: b.returned,
      carriedForwardPence: carried.get(c.id)!,
      availablePence: b.available,
    }
    const statement = byFunder.get(c.funder_id) ?? {
      potId,
      potName: pot.name,
      financialYear: pot.financialYear,
      funderId: c.funder_id,
      funderName: c.name,
      pledgedPence: 0,
      receivedPence: 0,
      outstandingPence: 0,
      committedPence: 0,
      paidPence: 0,
      returnedPence: 0,
      carriedForwardPence: 0,
      availablePence: 0,
      lines: [],
    }
    statement.lines.push(line)
    for (const key of ['pledgedPence', 'receivedPence', 'outstandingPence', 'committedPence', 'paidPence', 'returnedPence', 'carriedForwardPence', 'availablePence'] as const) {
      statement[key] += line[key]
    }
    byFunder.set(c.funder_id, statement)
  }
  return [...byFunder.values()]
}

async function carriedForwardTotals(db: Db, contributionIds: number[]): Promise<Map<number, number>> {
  const result = new Map<number, number>(contributionIds.map((id) => [id, 0]))
  if (contributionIds.length === 0) return result
  const rows = await db
    .selectFrom('ledger_entries')
    .innerJoin('ledger_accounts', 'ledger_accounts.id', 'ledger_entries.debit_account_id')
    .select((eb) => ['ledger_accounts.owner_id', eb.fn.sum<number>('ledger_entries.amount_pence').as('total')])
    .where('ledger_entries.reason_code', '=', REASONS.carriedForward)
    .where('ledger_accounts.owner_type', '=', 'contribution')
    .where('ledger_accounts.owner_id', 'in', contributionIds)
    .groupBy('ledger_accounts.owner_id')
    .execute()
  for (const r of rows) result.set(r.owner_id!, Number(r.total))
  return result
}
