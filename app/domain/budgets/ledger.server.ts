/**
 * The double-entry ledger (ADR 0002), modelled on TigerBeetle: accounts carry running posted totals; entries
 * (TigerBeetle's transfers) move a positive amount from one account to another and are never updated or deleted.
 *
 * - Every entry has a client-chosen idempotency key (ADR 0003). The same key with the same entry replays the entry
 *   that was recorded; the same key with a different entry is refused (IdempotencyKeyReusedError, 409). Keys are kept
 *   for ever: the UNIQUE constraint is the record of what has already happened.
 * - Each account's debits_posted_pence and credits_posted_pence are updated in the same transaction as its entries,
 *   so dashboards read a few account rows, and verifyLedger proves the totals equal the sums of the entries.
 * - A mistake is corrected by reverseEntry: a new, opposite entry pointing at the original (TigerBeetle's correcting
 *   transfers). Each entry can be reversed once. A reversal is itself an entry, so it may be reversed in turn (that
 *   puts the original movement back); the history keeps all three.
 * - Posting writes no audit event: entries are already an append-only record of who moved what, when and why
 *   (actor, reason code, ref). The caller audits the business action the entries belong to ("award.committed").
 *
 * Concurrency. Posting locks the accounts it touches before it reads anything: on PostgreSQL with SELECT ... FOR
 * UPDATE in id order (so two postings never deadlock on each other), on SQLite by the BEGIN IMMEDIATE write lock every
 * transaction already holds. Under that lock the idempotency check and the balance check see every committed entry,
 * so two requests with one key record one entry, and ensureNonNegative cannot be raced. Transactions are expected at
 * PostgreSQL's default READ COMMITTED isolation. Callers that also record an audit event in the same transaction
 * should post entries first and audit second, so every writer takes its locks in the same order.
 *
 * Every refusal (bad input, unknown account, reused key, second reversal, insufficient funds) happens before anything
 * is written. The one exception is a key taken by another transaction that committed while this one ran: entries
 * earlier in the same set may already be inserted, so let ledger errors leave the transaction (routes catch them
 * outside `db.transaction().execute`) and the database rolls the whole set back.
 */
import type { Transaction } from 'kysely'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import { MAX_PENCE, formatPence } from '~/lib/money.ts'
import { engineOf } from '../../../db/connect.ts'
import type { DB, LedgerAccount, LedgerEntry } from '../../../db/schema.ts'
import { recordContributionBalances } from './contribution-figures.server.ts'
import { balanceFromTotals, type NormalBalance } from './ledger-accounts.ts'
import { recordMonthFigures } from './month-figures.server.ts'

/** An account named by its code ("pot:12:available") or its id. */
export type AccountRef = string | number

/** The longest idempotency key accepted (Stripe's limit). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255

// ---------- errors ----------

export class IdempotencyKeyReusedError extends DomainError {
  readonly idempotencyKey: string
  constructor(idempotencyKey: string, existingEntryId: number) {
    super(`The idempotency key "${idempotencyKey}" was already used for a different ledger entry (#${existingEntryId}).`, {
      code: 'idempotency_key_reused',
      status: 409,
    })
    this.idempotencyKey = idempotencyKey
  }
}

export class InsufficientFundsError extends DomainError {
  readonly accountCode: string
  readonly availablePence: number
  readonly shortfallPence: number
  constructor(account: Pick<LedgerAccount, 'code' | 'name'>, availablePence: number, resultingPence: number) {
    super(
      `${account.name} has ${formatPence(availablePence)} available, which is not enough: this would leave it at ${formatPence(resultingPence)}.`,
      { code: 'insufficient_funds', status: 409 },
    )
    this.accountCode = account.code
    this.availablePence = availablePence
    this.shortfallPence = -resultingPence
  }
}

export class EntryAlreadyReversedError extends ConflictError {
  readonly entryId: number
  constructor(entryId: number) {
    super(`Ledger entry #${entryId} has already been reversed.`, 'entry_already_reversed')
    this.entryId = entryId
  }
}

export class LedgerAccountNotFoundError extends NotFoundError {
  constructor(ref: AccountRef) {
    super(`ledger account (${typeof ref === 'number' ? `#${ref}` : ref})`)
  }
}

export class LedgerEntryNotFoundError extends NotFoundError {
  constructor(entryId: number) {
    super(`ledger entry (#${entryId})`)
  }
}

/** Ensuring an account whose code exists with a different kind, normal balance, owner or currency. */
export class LedgerAccountConflictError extends ConflictError {
  constructor(code: string) {
    super(`The ledger account "${code}" already exists with a different kind, normal balance or owner.`, 'ledger_account_conflict')
  }
}

/** A posting that could never be valid: a bad amount or key, or an entry from an account to itself. */
export class InvalidLedgerEntryError extends DomainError {
  constructor(message: string) {
    super(message, { code: 'invalid_ledger_entry', status: 400 })
  }
}

// ---------- accounts ----------

export interface EnsureAccountInput {
  code: string
  name: string
  /** What the account is in the domain's words: 'pot_available', 'contribution', 'grants_committed', ... */
  kind: string
  normalBalance: NormalBalance
  ownerType?: string | null
  ownerId?: number | null
}

/**
 * Creates the account, or returns it if its code already exists with the same kind, normal balance and owner
 * (the name is display text and is not compared). Safe under concurrency: the insert does nothing on a taken code.
 */
export async function ensureAccount(trx: Transaction<DB>, input: EnsureAccountInput): Promise<LedgerAccount> {
  if (input.code.trim() === '') throw new InvalidLedgerEntryError('A ledger account needs a code.')
  const ownerType = input.ownerType ?? null
  const ownerId = input.ownerId ?? null
  await trx
    .insertInto('ledger_accounts')
    .values({ code: input.code, name: input.name, kind: input.kind, normal_balance: input.normalBalance, owner_type: ownerType, owner_id: ownerId })
    .onConflict((oc) => oc.column('code').doNothing())
    .execute()
  const account = await trx.selectFrom('ledger_accounts').selectAll().where('code', '=', input.code).executeTakeFirstOrThrow()
  if (account.kind !== input.kind || account.normal_balance !== input.normalBalance || account.owner_type !== ownerType || account.owner_id !== ownerId) {
    throw new LedgerAccountConflictError(input.code)
  }
  return account
}

/** The account row, or LedgerAccountNotFoundError. */
export async function getAccount(db: Db, ref: AccountRef): Promise<LedgerAccount> {
  const account = await db
    .selectFrom('ledger_accounts')
    .selectAll()
    .where(typeof ref === 'number' ? 'id' : 'code', '=', ref)
    .executeTakeFirst()
  if (!account) throw new LedgerAccountNotFoundError(ref)
  return account
}

/**
 * The account's balance on its normal side, read from its posted totals. Inside a transaction on PostgreSQL the row
 * is locked (FOR UPDATE) so a check-then-act cannot be raced; SQLite's BEGIN IMMEDIATE already serialises writers.
 * To refuse a posting that would overdraw, prefer postEntry's ensureNonNegative: it locks every account the entry
 * touches in one statement, in id order, whereas locking one account here and then posting to others can deadlock
 * (PostgreSQL then aborts one of the two transactions). Pass `{ lock: false }` for a plain read.
 */
export async function balanceOf(db: Db, ref: AccountRef, options: { lock?: boolean } = {}): Promise<number> {
  let query = db
    .selectFrom('ledger_accounts')
    .select(['normal_balance', 'debits_posted_pence', 'credits_posted_pence'])
    .where(typeof ref === 'number' ? 'id' : 'code', '=', ref)
  if ((options.lock ?? db.isTransaction) && engineOf(db) === 'postgres') query = query.forUpdate()
  const account = await query.executeTakeFirst()
  if (!account) throw new LedgerAccountNotFoundError(ref)
  return balanceFromTotals(account.normal_balance, account.debits_posted_pence, account.credits_posted_pence)
}

// ---------- posting ----------

export interface PostEntryInput {
  debit: AccountRef
  credit: AccountRef
  amountPence: number
  /** Why the money moved, in the domain's words: 'contribution.received', 'award.committed', 'tranche.paid'. */
  reasonCode: string
  /** Chosen by the caller, unique for ever; derive it from the business action ("tranche:41:paid"). */
  idempotencyKey: string
  memo?: string | null
  /** The business record this entry belongs to. */
  ref?: { type: string; id: number } | null
  actorUserId?: number | null
}

export interface PostOptions {
  /**
   * Accounts whose balance (on their normal side) must not go below zero. Refused with InsufficientFundsError when
   * the entries would leave one of them negative and lower than it was; nothing is written.
   */
  ensureNonNegative?: AccountRef[]
}

export interface PostResult {
  entry: LedgerEntry
  /** True when the idempotency key had already recorded this entry, which is returned unchanged. */
  replayed: boolean
}

/** Appends one entry and updates both accounts' posted totals, in the caller's transaction. */
export async function postEntry(trx: Transaction<DB>, input: PostEntryInput, options: PostOptions = {}): Promise<PostResult> {
  const [result] = await postDrafts(trx, [{ ...input, reversesEntryId: null }], options)
  return result
}

/**
 * Appends several entries as one linked set: all are recorded or none. ensureNonNegative is checked once, against
 * the balances the whole set leaves (no one can see the states in between). Results come back in input order.
 */
export async function postEntries(trx: Transaction<DB>, inputs: PostEntryInput[], options: PostOptions = {}): Promise<PostResult[]> {
  return postDrafts(
    trx,
    inputs.map((input) => ({ ...input, reversesEntryId: null })),
    options,
  )
}

export interface ReverseEntryInput {
  entryId: number
  reasonCode: string
  idempotencyKey: string
  actorUserId?: number | null
  memo?: string | null
}

/**
 * Posts the opposite of an entry (same amount, debit and credit swapped, same ref) pointing back at it. An entry is
 * reversed at most once: a second reversal with a new key is refused (EntryAlreadyReversedError, 409); a repeat with
 * the same key replays the first. A reversal may itself be reversed.
 */
export async function reverseEntry(trx: Transaction<DB>, input: ReverseEntryInput, options: PostOptions = {}): Promise<PostResult> {
  const original = await trx.selectFrom('ledger_entries').selectAll().where('id', '=', input.entryId).executeTakeFirst()
  if (!original) throw new LedgerEntryNotFoundError(input.entryId)
  const [result] = await postDrafts(
    trx,
    [
      {
        debit: original.credit_account_id,
        credit: original.debit_account_id,
        amountPence: original.amount_pence,
        reasonCode: input.reasonCode,
        idempotencyKey: input.idempotencyKey,
        memo: input.memo,
        ref: original.ref_type !== null && original.ref_id !== null ? { type: original.ref_type, id: original.ref_id } : null,
        actorUserId: input.actorUserId,
        reversesEntryId: original.id,
      },
    ],
    options,
  )
  return result
}

interface Draft extends PostEntryInput {
  reversesEntryId: number | null
}

interface ResolvedDraft {
  draft: Draft
  debit: LedgerAccount
  credit: LedgerAccount
}

function validateDraft(draft: Draft): void {
  const { amountPence, idempotencyKey, reasonCode } = draft
  if (!Number.isSafeInteger(amountPence) || amountPence <= 0 || amountPence > MAX_PENCE) {
    throw new InvalidLedgerEntryError(`A ledger entry needs a whole number of pence between 1 and ${MAX_PENCE}, got ${amountPence}.`)
  }
  if (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new InvalidLedgerEntryError(`An idempotency key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters long.`)
  }
  if (reasonCode.trim() === '') throw new InvalidLedgerEntryError('A ledger entry needs a reason code.')
}

/**
 * Loads (and on PostgreSQL locks, in id order) every account the drafts and checks name, in one query.
 * Returns a lookup by id and by code.
 */
async function lockAccounts(trx: Transaction<DB>, refs: AccountRef[]): Promise<(ref: AccountRef) => LedgerAccount> {
  const ids = [...new Set(refs.filter((r): r is number => typeof r === 'number'))]
  const codes = [...new Set(refs.filter((r): r is string => typeof r === 'string'))]
  let query = trx
    .selectFrom('ledger_accounts')
    .selectAll()
    .where((eb) => eb.or([...(ids.length ? [eb('id', 'in', ids)] : []), ...(codes.length ? [eb('code', 'in', codes)] : [])]))
    .orderBy('id')
  if (engineOf(trx) === 'postgres') query = query.forUpdate()
  const rows = await query.execute()
  const byId = new Map(rows.map((a) => [a.id, a]))
  const byCode = new Map(rows.map((a) => [a.code, a]))
  return (ref) => {
    const account = typeof ref === 'number' ? byId.get(ref) : byCode.get(ref)
    if (!account) throw new LedgerAccountNotFoundError(ref)
    return account
  }
}

function sameEntry(existing: LedgerEntry, r: ResolvedDraft): boolean {
  return (
    existing.debit_account_id === r.debit.id &&
    existing.credit_account_id === r.credit.id &&
    existing.amount_pence === r.draft.amountPence &&
    existing.reason_code === r.draft.reasonCode &&
    existing.ref_type === (r.draft.ref?.type ?? null) &&
    existing.ref_id === (r.draft.ref?.id ?? null) &&
    existing.reverses_entry_id === r.draft.reversesEntryId
  )
}

async function postDrafts(trx: Transaction<DB>, drafts: Draft[], options: PostOptions): Promise<PostResult[]> {
  if (drafts.length === 0) return []
  drafts.forEach(validateDraft)
  const keys = drafts.map((d) => d.idempotencyKey)
  if (new Set(keys).size !== keys.length) throw new InvalidLedgerEntryError('Each entry in a set needs its own idempotency key.')

  const ensure = options.ensureNonNegative ?? []
  const account = await lockAccounts(trx, [...drafts.flatMap((d) => [d.debit, d.credit]), ...ensure])
  const resolved: ResolvedDraft[] = drafts.map((draft) => ({ draft, debit: account(draft.debit), credit: account(draft.credit) }))
  for (const { debit, credit } of resolved) {
    if (debit.id === credit.id) throw new InvalidLedgerEntryError(`A ledger entry cannot move money from ${debit.code} to itself.`)
    if (debit.currency !== credit.currency) throw new InvalidLedgerEntryError(`${debit.code} and ${credit.code} hold different currencies.`)
  }

  // Under the account locks, any entry already recorded with one of these keys is visible: replay it or refuse.
  const existing = new Map(
    (await trx.selectFrom('ledger_entries').selectAll().where('idempotency_key', 'in', keys).execute()).map((e) => [e.idempotency_key, e]),
  )
  const results: (PostResult | null)[] = resolved.map((r) => {
    const entry = existing.get(r.draft.idempotencyKey)
    if (!entry) return null
    if (!sameEntry(entry, r)) throw new IdempotencyKeyReusedError(r.draft.idempotencyKey, entry.id)
    return { entry, replayed: true }
  })
  const fresh = resolved.filter((_, i) => results[i] === null)
  await refuseSecondReversals(trx, fresh)

  const totals = applyToTotals(fresh)
  for (const ref of ensure) refuseOverdraft(account(ref), totals.get(account(ref).id))

  const posted: Parameters<typeof recordMonthFigures>[1] = []
  for (let i = 0; i < resolved.length; i++) {
    if (results[i] !== null) continue
    const entry = await insertEntry(trx, resolved[i])
    results[i] = { entry, replayed: false }
    posted.push({ createdAt: entry.created_at, amountPence: entry.amount_pence, debit: resolved[i].debit, credit: resolved[i].credit })
  }
  // The pot dashboard's monthly committed and paid, kept in step with the entries (month-figures.server.ts).
  await recordMonthFigures(trx, posted)
  for (const [accountId, change] of totals) {
    await trx
      .updateTable('ledger_accounts')
      .set((eb) => ({
        debits_posted_pence: eb('debits_posted_pence', '+', change.debits),
        credits_posted_pence: eb('credits_posted_pence', '+', change.credits),
      }))
      .where('id', '=', accountId)
      .execute()
  }
  // Each contribution's balances in one row for the funder dashboard, kept in step with its accounts' totals.
  await recordContributionBalances(trx, [...totals.values()])
  return results as PostResult[]
}

async function refuseSecondReversals(trx: Transaction<DB>, fresh: ResolvedDraft[]): Promise<void> {
  const reversed = fresh.map((r) => r.draft.reversesEntryId).filter((id): id is number => id !== null)
  if (reversed.length === 0) return
  const already = await trx.selectFrom('ledger_entries').select('reverses_entry_id').where('reverses_entry_id', 'in', reversed).executeTakeFirst()
  if (already?.reverses_entry_id) throw new EntryAlreadyReversedError(already.reverses_entry_id)
}

type TotalsChange = Map<number, { account: LedgerAccount; debits: number; credits: number }>

function applyToTotals(fresh: ResolvedDraft[]): TotalsChange {
  const totals: TotalsChange = new Map()
  const on = (account: LedgerAccount) => {
    const change = totals.get(account.id) ?? { account, debits: 0, credits: 0 }
    totals.set(account.id, change)
    return change
  }
  for (const { draft, debit, credit } of fresh) {
    on(debit).debits += draft.amountPence
    on(credit).credits += draft.amountPence
  }
  for (const { account, debits, credits } of totals.values()) {
    if (!Number.isSafeInteger(account.debits_posted_pence + debits) || !Number.isSafeInteger(account.credits_posted_pence + credits)) {
      throw new InvalidLedgerEntryError(`The posted totals of ${account.code} would be too large to hold exactly.`)
    }
  }
  return totals
}

function refuseOverdraft(account: LedgerAccount, change: { debits: number; credits: number } | undefined): void {
  if (!change) return
  const before = balanceFromTotals(account.normal_balance, account.debits_posted_pence, account.credits_posted_pence)
  const after = balanceFromTotals(account.normal_balance, account.debits_posted_pence + change.debits, account.credits_posted_pence + change.credits)
  if (after < 0 && after < before) throw new InsufficientFundsError(account, before, after)
}

/**
 * Inserts with ON CONFLICT DO NOTHING so that a key or reversal taken by a transaction that committed while this one
 * ran does not abort this transaction (PostgreSQL would); the conflict is then read back and explained.
 */
async function insertEntry(trx: Transaction<DB>, { draft, debit, credit }: ResolvedDraft): Promise<LedgerEntry> {
  const inserted = await trx
    .insertInto('ledger_entries')
    .values({
      debit_account_id: debit.id,
      credit_account_id: credit.id,
      amount_pence: draft.amountPence,
      reason_code: draft.reasonCode,
      memo: draft.memo ?? null,
      idempotency_key: draft.idempotencyKey,
      reverses_entry_id: draft.reversesEntryId,
      ref_type: draft.ref?.type ?? null,
      ref_id: draft.ref?.id ?? null,
      actor_user_id: draft.actorUserId ?? null,
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst()
  if (inserted) return inserted
  const taken = await trx.selectFrom('ledger_entries').select('id').where('idempotency_key', '=', draft.idempotencyKey).executeTakeFirst()
  if (taken) throw new IdempotencyKeyReusedError(draft.idempotencyKey, taken.id)
  if (draft.reversesEntryId !== null) throw new EntryAlreadyReversedError(draft.reversesEntryId)
  throw new ConflictError('Another request changed the ledger at the same moment. Please try again.', 'ledger_conflict')
}

// ---------- verification ----------

export interface AccountMismatch {
  accountId: number
  code: string
  recorded: { debitsPence: number; creditsPence: number }
  fromEntries: { debitsPence: number; creditsPence: number }
}

export interface LedgerVerification {
  ok: boolean
  entries: number
  accounts: number
  /** Sum of every entry's amount: what the ledger has moved in total. */
  entriesTotalPence: number
  /** Sums of the accounts' posted totals; both equal entriesTotalPence in a sound ledger. */
  accountsDebitsPence: number
  accountsCreditsPence: number
  mismatchedAccounts: AccountMismatch[]
  /** Entries that more than one entry claims to reverse. */
  reversedMoreThanOnce: Array<{ entryId: number; reversals: number }>
  /** Reversals that are not the exact opposite of the entry they point at. */
  badReversals: number[]
  /** One plain sentence per problem found, for scripts and logs. */
  problems: string[]
}

/**
 * Proves the ledger is sound: (a) total debits equal total credits, and both equal the sum of the entries; (b) every
 * account's posted totals equal the sums of its entries (aggregated in SQL, a batch of accounts at a time); (c) no
 * entry is reversed more than once, and every reversal mirrors its original. Read-only.
 */
export async function verifyLedger(db: Db, batchSize = 500): Promise<LedgerVerification> {
  const entryTotals = await db
    .selectFrom('ledger_entries')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.coalesce(eb.fn.sum<number>('amount_pence'), eb.lit(0)).as('total')])
    .executeTakeFirstOrThrow()
  const mismatchedAccounts: AccountMismatch[] = []
  let accounts = 0
  let accountsDebitsPence = 0
  let accountsCreditsPence = 0
  for (let lastId = 0; ; ) {
    const batch = await db
      .selectFrom('ledger_accounts')
      .select(['id', 'code', 'debits_posted_pence', 'credits_posted_pence'])
      .where('id', '>', lastId)
      .orderBy('id')
      .limit(batchSize)
      .execute()
    if (batch.length === 0) break
    const sums = await entrySumsFor(db, batch.map((a) => a.id))
    for (const a of batch) {
      const fromEntries = { debitsPence: sums.debits.get(a.id) ?? 0, creditsPence: sums.credits.get(a.id) ?? 0 }
      if (fromEntries.debitsPence !== a.debits_posted_pence || fromEntries.creditsPence !== a.credits_posted_pence) {
        mismatchedAccounts.push({ accountId: a.id, code: a.code, recorded: { debitsPence: a.debits_posted_pence, creditsPence: a.credits_posted_pence }, fromEntries })
      }
      accountsDebitsPence += a.debits_posted_pence
      accountsCreditsPence += a.credits_posted_pence
    }
    accounts += batch.length
    lastId = batch[batch.length - 1].id
  }
  const reversedMoreThanOnce = await findMultipleReversals(db)
  const badReversals = await findBadReversals(db)

  const entriesTotalPence = Number(entryTotals.total)
  const problems: string[] = []
  if (accountsDebitsPence !== accountsCreditsPence) {
    problems.push(`accounts' total debits (${accountsDebitsPence}p) do not equal their total credits (${accountsCreditsPence}p)`)
  }
  if (accountsDebitsPence !== entriesTotalPence || accountsCreditsPence !== entriesTotalPence) {
    problems.push(`accounts' posted totals (${accountsDebitsPence}p debits, ${accountsCreditsPence}p credits) do not equal the entries' total (${entriesTotalPence}p)`)
  }
  for (const m of mismatchedAccounts) {
    problems.push(
      `account ${m.code} (#${m.accountId}) records ${m.recorded.debitsPence}p debits and ${m.recorded.creditsPence}p credits, but its entries sum to ${m.fromEntries.debitsPence}p and ${m.fromEntries.creditsPence}p`,
    )
  }
  for (const r of reversedMoreThanOnce) problems.push(`entry #${r.entryId} is reversed ${r.reversals} times`)
  for (const id of badReversals) problems.push(`entry #${id} claims to reverse an entry it does not mirror`)
  return {
    ok: problems.length === 0,
    entries: Number(entryTotals.n),
    accounts,
    entriesTotalPence,
    accountsDebitsPence,
    accountsCreditsPence,
    mismatchedAccounts,
    reversedMoreThanOnce,
    badReversals,
    problems,
  }
}

async function entrySumsFor(db: Db, accountIds: number[]): Promise<{ debits: Map<number, number>; credits: Map<number, number> }> {
  const [debits, credits] = await Promise.all([
    db
      .selectFrom('ledger_entries')
      .select((eb) => ['debit_account_id as id', eb.fn.sum<number>('amount_pence').as('total')])
      .where('debit_account_id', 'in', accountIds)
      .groupBy('debit_account_id')
      .execute(),
    db
      .selectFrom('ledger_entries')
      .select((eb) => ['credit_account_id as id', eb.fn.sum<number>('amount_pence').as('total')])
      .where('credit_account_id', 'in', accountIds)
      .groupBy('credit_account_id')
      .execute(),
  ])
  return {
    debits: new Map(debits.map((r) => [r.id, Number(r.total)])),
    credits: new Map(credits.map((r) => [r.id, Number(r.total)])),
  }
}

async function findMultipleReversals(db: Db): Promise<Array<{ entryId: number; reversals: number }>> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select((eb) => ['reverses_entry_id', eb.fn.countAll<number>().as('n')])
    .where('reverses_entry_id', 'is not', null)
    .groupBy('reverses_entry_id')
    .having((eb) => eb.fn.countAll(), '>', 1)
    .orderBy('reverses_entry_id')
    .execute()
  return rows.map((r) => ({ entryId: r.reverses_entry_id!, reversals: Number(r.n) }))
}

async function findBadReversals(db: Db): Promise<number[]> {
  const rows = await db
    .selectFrom('ledger_entries as reversal')
    .innerJoin('ledger_entries as original', 'original.id', 'reversal.reverses_entry_id')
    .select('reversal.id')
    .where((eb) =>
      eb.or([
        eb('reversal.debit_account_id', '<>', eb.ref('original.credit_account_id')),
        eb('reversal.credit_account_id', '<>', eb.ref('original.debit_account_id')),
        eb('reversal.amount_pence', '<>', eb.ref('original.amount_pence')),
      ]),
    )
    .orderBy('reversal.id')
    .execute()
  return rows.map((r) => r.id)
}
