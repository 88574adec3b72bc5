/**
 * Where an organisation's grant is paid: its bank details, entered by a member and checked by a finance officer.
 *
 * Each entry is a new bank_accounts row; rows are never edited except to move their status on:
 *   'unverified' (entered, waiting for a check) -> 'verified' (a finance officer confirmed them) | 'rejected' (with a
 *   reason); any row -> 'superseded' when newer details are entered.
 * Entering details supersedes every earlier row of the organisation at once, so from that moment money can go nowhere
 * until a finance officer has checked the new details: changing the account a grant is paid into is a classic fraud
 * route, so a change also emails every member ("if this was not you...") and its check needs a note saying how it was
 * confirmed (for example "phoned the treasurer on the number we hold"). So does a check of details whose account name
 * differs from the organisation's (see accountNameMatches in bank-details.ts).
 *
 * The check is four-eyes: the person who entered the details, or anyone who belongs to the organisation, cannot check
 * them. Two finance officers checking at once produce one check: the status moves with a conditional UPDATE
 * (`where status = 'unverified'`), which exactly one of them wins on both engines. verified_by and verified_at record
 * who checked the details and when, whichever way the check went.
 *
 * Full account numbers are read only by the finance officer's check page and the payment code (verifiedBankAccount);
 * the audit trail and emails carry the masked number ("••••1234").
 */
import type { Selectable, Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import { compiledOnce, type CompiledQueries, type SlotFor } from '~/lib/compiled-once.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { ConflictError, DomainError, NotFoundError } from '~/lib/errors.ts'
import { engineOf } from '../../../db/connect.ts'
import type { BankAccountsTable, DB } from '../../../db/schema.ts'
import { enqueueEmail } from '../messages/outbox.server.ts'
import { legalTypeLabel } from '../organisations/identifiers.ts'
import {
  accountNameMatches,
  formatSortCode,
  maskAccountNumber,
  normaliseAccountNumber,
  normaliseSortCode,
  type BankAccountStatus,
} from './bank-details.ts'

export const CHECK_NOTE_MAX_LENGTH = 1000

// ---------------------------------------------------------------- errors

/** A value the form should have caught; names its field. */
export class BankDetailsInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'bank_details_input', status: 400, field })
  }
}

export class BankAccountNotFoundError extends NotFoundError {
  constructor() {
    super('bank account')
  }
}

/** The details were checked (or replaced) already: by someone else a moment ago, or long since. */
export class BankDetailsAlreadyCheckedError extends ConflictError {
  constructor(status: BankAccountStatus) {
    super(
      status === 'superseded'
        ? 'These bank details have been replaced by newer ones, so there is nothing to check here.'
        : `These bank details have already been ${status === 'verified' ? 'checked and accepted' : 'checked and not accepted'}.`,
      'bank_details_already_checked',
    )
  }
}

/** The checker entered the details, or belongs to the organisation: someone else must check them. */
export class BankDetailsCheckConflictError extends DomainError {
  constructor(reason: 'entered' | 'member') {
    super(
      reason === 'entered'
        ? 'You entered these bank details, so someone else must check them.'
        : 'You belong to this organisation, so someone else must check its bank details.',
      { code: 'bank_details_check_conflict', status: 403 },
    )
  }
}

/** Only a member of the organisation may enter its bank details. */
export class BankDetailsNotMemberError extends DomainError {
  constructor() {
    super('Only a member of the organisation can enter its bank details.', { code: 'bank_details_not_member', status: 403 })
  }
}

// ---------------------------------------------------------------- reading

export interface BankAccount {
  id: number
  organisationId: number
  accountName: string
  /** Six digits, "123456"; show it with formatSortCode. */
  sortCode: string
  /** Eight digits. Show it only to the finance officer checking it; everywhere else use accountNumberMasked. */
  accountNumber: string
  accountNumberMasked: string
  status: BankAccountStatus
  nameMismatch: boolean
  isChange: boolean
  enteredBy: number
  enteredAt: string
  verifiedBy: number | null
  verifiedAt: string | null
  verificationNote: string | null
  rejectedReason: string | null
  supersededAt: string | null
}

const COLUMNS = [
  'id',
  'organisation_id',
  'account_name',
  'sort_code',
  'account_number',
  'status',
  'name_mismatch',
  'is_change',
  'entered_by',
  'created_at',
  'verified_by',
  'verified_at',
  'verification_note',
  'rejected_reason',
  'superseded_at',
] as const

type Row = Pick<Selectable<BankAccountsTable>, (typeof COLUMNS)[number]>

function toBankAccount(r: Row): BankAccount {
  return {
    id: r.id,
    organisationId: r.organisation_id,
    accountName: r.account_name,
    sortCode: r.sort_code,
    accountNumber: r.account_number,
    accountNumberMasked: maskAccountNumber(r.account_number),
    status: r.status,
    nameMismatch: Number(r.name_mismatch) === 1,
    isChange: Number(r.is_change) === 1,
    enteredBy: r.entered_by,
    enteredAt: r.created_at,
    verifiedBy: r.verified_by,
    verifiedAt: r.verified_at,
    verificationNote: r.verification_note,
    rejectedReason: r.rejected_reason,
    supersededAt: r.superseded_at,
  }
}

async function findBankAccount(db: Db, bankAccountId: number): Promise<BankAccount | null> {
  const row = await db.selectFrom('bank_accounts').select(COLUMNS).where('id', '=', bankAccountId).executeTakeFirst()
  return row ? toBankAccount(row) : null
}

/** The organisation's current bank details (the newest row not replaced by newer ones), whatever their status; or null. */
export async function currentBankAccount(db: Db, organisationId: number): Promise<BankAccount | null> {
  const row = await db
    .selectFrom('bank_accounts')
    .select(COLUMNS)
    .where('organisation_id', '=', organisationId)
    .where('status', '<>', 'superseded')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row ? toBankAccount(row) : null
}

/** The account money may be paid into: the current bank details if a finance officer has checked them, else null. */
export async function verifiedBankAccount(db: Db, organisationId: number): Promise<BankAccount | null> {
  const current = await currentBankAccount(db, organisationId)
  return current?.status === 'verified' ? current : null
}

export interface BankDetailsToVerify {
  id: number
  organisationId: number
  organisationName: string
  accountName: string
  sortCode: string
  accountNumberMasked: string
  nameMismatch: boolean
  isChange: boolean
  enteredAt: string
  enteredByName: string
}

function countByStatusQuery(db: Db, slot: SlotFor) {
  return db.selectFrom('bank_accounts').select((eb) => eb.fn.countAll<number | string>().as('n')).where('status', '=', slot<BankAccountStatus>('status'))
}

/** countByStatusQuery compiled once and kept prepared on PostgreSQL (payments due and the finance home count on every view). */
const countByStatusQueries: CompiledQueries<{ n: number | string }> = new Map()

/** How many sets of bank details wait for a finance officer's check (the list listBankDetailsToVerify gives). */
export async function bankDetailsToCheckCount(db: Db): Promise<number> {
  const query = compiledOnce(countByStatusQueries, db, 'count by status', (slot) => countByStatusQuery(db, slot), { status: 'unverified' satisfies BankAccountStatus }, { onlySlots: true })
  const [row] = (await db.executeQuery(query)).rows
  return Number(row!.n)
}

/** Every set of bank details waiting for a finance officer's check, oldest first. Account numbers are masked. */
export async function listBankDetailsToVerify(db: Db): Promise<BankDetailsToVerify[]> {
  const rows = await db
    .selectFrom('bank_accounts')
    .innerJoin('organisations', 'organisations.id', 'bank_accounts.organisation_id')
    .innerJoin('users', 'users.id', 'bank_accounts.entered_by')
    .select([
      'bank_accounts.id',
      'bank_accounts.organisation_id',
      'organisations.name as organisation_name',
      'bank_accounts.account_name',
      'bank_accounts.sort_code',
      'bank_accounts.account_number',
      'bank_accounts.name_mismatch',
      'bank_accounts.is_change',
      'bank_accounts.created_at',
      'users.name as entered_by_name',
    ])
    .where('bank_accounts.status', '=', 'unverified')
    .orderBy('bank_accounts.id')
    .execute()
  return rows.map((r) => ({
    id: r.id,
    organisationId: r.organisation_id,
    organisationName: r.organisation_name,
    accountName: r.account_name,
    sortCode: r.sort_code,
    accountNumberMasked: maskAccountNumber(r.account_number),
    nameMismatch: Number(r.name_mismatch) === 1,
    isChange: Number(r.is_change) === 1,
    enteredAt: r.created_at,
    enteredByName: r.entered_by_name,
  }))
}

export interface PreviousBankAccount {
  id: number
  accountName: string
  sortCode: string
  accountNumberMasked: string
  status: BankAccountStatus
  enteredAt: string
  verifiedAt: string | null
  rejectedReason: string | null
}

export interface BankDetailsForCheck {
  account: BankAccount
  enteredByName: string
  organisation: { id: number; name: string; legalTypeLabel: string; charityNumber: string | null; companyNumber: string | null }
  /** The organisation's other bank details, newest first, masked. */
  previous: PreviousBankAccount[]
}

/** One set of bank details as the finance officer checking them sees it: in full, with the organisation's earlier details masked. */
export async function getBankDetailsForCheck(db: Db, bankAccountId: number): Promise<BankDetailsForCheck | null> {
  const account = await findBankAccount(db, bankAccountId)
  if (!account) return null
  const [organisation, enteredBy, previous] = await Promise.all([
    db
      .selectFrom('organisations')
      .select(['id', 'name', 'legal_type', 'charity_number', 'company_number'])
      .where('id', '=', account.organisationId)
      .executeTakeFirstOrThrow(),
    db.selectFrom('users').select('name').where('id', '=', account.enteredBy).executeTakeFirstOrThrow(),
    db
      .selectFrom('bank_accounts')
      .select(COLUMNS)
      .where('organisation_id', '=', account.organisationId)
      .where('id', '<>', account.id)
      .orderBy('id', 'desc')
      .execute(),
  ])
  return {
    account,
    enteredByName: enteredBy.name,
    organisation: {
      id: organisation.id,
      name: organisation.name,
      legalTypeLabel: legalTypeLabel(organisation.legal_type),
      charityNumber: organisation.charity_number,
      companyNumber: organisation.company_number,
    },
    previous: previous.map(toBankAccount).map((p) => ({
      id: p.id,
      accountName: p.accountName,
      sortCode: p.sortCode,
      accountNumberMasked: p.accountNumberMasked,
      status: p.status,
      enteredAt: p.enteredAt,
      verifiedAt: p.verifiedAt,
      rejectedReason: p.rejectedReason,
    })),
  }
}

// ---------------------------------------------------------------- entering

export interface EnterBankDetailsInput {
  organisationId: number
  accountName: string
  sortCode: string
  accountNumber: string
}

/**
 * Records new bank details for the organisation, waiting for a finance officer's check, and supersedes every earlier
 * set (so no money goes anywhere until the check). Only a member of the organisation may (BankDetailsNotMemberError,
 * 403). A change of details emails every member.
 */
export async function enterBankDetails(trx: Transaction<DB>, actorUserId: number, input: EnterBankDetailsInput): Promise<BankAccount> {
  const sortCode = normaliseSortCode(input.sortCode)
  if (sortCode === null) throw new BankDetailsInputError('sortCode', 'Enter a sort code, like 30-94-57')
  const accountNumber = normaliseAccountNumber(input.accountNumber)
  if (accountNumber === null) throw new BankDetailsInputError('accountNumber', 'Enter an 8-digit account number')
  const accountName = input.accountName.trim().replace(/\s+/g, ' ')
  if (accountName === '') throw new BankDetailsInputError('accountName', 'Enter the name on the account')

  // One writer per organisation at a time (SQLite's BEGIN IMMEDIATE does this already), so two entries at once
  // cannot both leave unverified rows behind.
  let organisationQuery = trx.selectFrom('organisations').select(['id', 'name']).where('id', '=', input.organisationId)
  if (engineOf(trx) === 'postgres') organisationQuery = organisationQuery.forUpdate()
  const organisation = await organisationQuery.executeTakeFirst()
  if (!organisation) throw new NotFoundError('organisation')
  const member = await trx.selectFrom('memberships').select('id').where('organisation_id', '=', organisation.id).where('user_id', '=', actorUserId).executeTakeFirst()
  if (!member) throw new BankDetailsNotMemberError()

  const earlier = await trx
    .selectFrom('bank_accounts')
    .select(['id', 'status', 'account_number', 'sort_code', 'account_name'])
    .where('organisation_id', '=', organisation.id)
    .orderBy('id', 'desc')
    .execute()
  const replaced = earlier.filter((r) => r.status !== 'superseded')
  const now = new Date().toISOString()
  if (replaced.length > 0) {
    await trx
      .updateTable('bank_accounts')
      .set({ status: 'superseded', superseded_at: now })
      .where('organisation_id', '=', organisation.id)
      .where('status', '<>', 'superseded')
      .execute()
  }

  const isChange = earlier.length > 0
  const nameMismatch = !accountNameMatches(organisation.name, accountName)
  const row = await trx
    .insertInto('bank_accounts')
    .values({
      organisation_id: organisation.id,
      account_name: accountName,
      sort_code: sortCode,
      account_number: accountNumber,
      status: 'unverified',
      name_mismatch: nameMismatch ? 1 : 0,
      is_change: isChange ? 1 : 0,
      entered_by: actorUserId,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow()
  const account = toBankAccount(row)

  await recordAudit(trx, {
    actorUserId,
    action: 'bank_details.entered',
    entityType: 'bank_account',
    entityId: account.id,
    before: replaced.length
      ? replaced.map((r) => ({ id: r.id, status: r.status, accountName: r.account_name, sortCode: r.sort_code, accountNumberMasked: maskAccountNumber(r.account_number) }))
      : undefined,
    after: {
      organisationId: organisation.id,
      accountName,
      sortCode,
      accountNumberMasked: account.accountNumberMasked,
      status: 'unverified',
      nameMismatch,
      isChange,
      supersededIds: replaced.map((r) => r.id),
    },
  })
  if (isChange) await emailMembersOfChange(trx, { account, organisationName: organisation.name, actorUserId })
  return account
}

async function emailMembersOfChange(trx: Transaction<DB>, input: { account: BankAccount; organisationName: string; actorUserId: number }): Promise<void> {
  const [members, actor] = await Promise.all([
    trx
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.id', 'users.name', 'users.email'])
      .where('memberships.organisation_id', '=', input.account.organisationId)
      .where('users.anonymised_at', 'is', null)
      .orderBy('users.id')
      .execute(),
    trx.selectFrom('users').select('name').where('id', '=', input.actorUserId).executeTakeFirstOrThrow(),
  ])
  for (const member of members) {
    await enqueueEmail(trx, {
      template: 'bank-details-changed',
      to: member.email,
      data: {
        name: member.name,
        organisationName: input.organisationName,
        changedBy: actor.name,
        accountName: input.account.accountName,
        sortCode: formatSortCode(input.account.sortCode),
        accountNumberMasked: input.account.accountNumberMasked,
      },
      idempotencyKey: `bank-details-changed:${input.account.id}:${member.id}`,
    })
  }
}

// ---------------------------------------------------------------- checking

/** Why this person may not check these details ('entered' them, or is a 'member' of the organisation), or null. */
export async function checkConflict(db: Db, actorUserId: number, account: Pick<BankAccount, 'enteredBy' | 'organisationId'>): Promise<'entered' | 'member' | null> {
  if (account.enteredBy === actorUserId) return 'entered'
  const member = await db
    .selectFrom('memberships')
    .select('id')
    .where('organisation_id', '=', account.organisationId)
    .where('user_id', '=', actorUserId)
    .executeTakeFirst()
  return member ? 'member' : null
}

/** Loads the details to check and refuses a checker who entered them or belongs to the organisation. */
async function detailsToCheck(trx: Transaction<DB>, actorUserId: number, bankAccountId: number): Promise<BankAccount> {
  const account = await findBankAccount(trx, bankAccountId)
  if (!account) throw new BankAccountNotFoundError()
  const conflict = await checkConflict(trx, actorUserId, account)
  if (conflict) throw new BankDetailsCheckConflictError(conflict)
  if (account.status !== 'unverified') throw new BankDetailsAlreadyCheckedError(account.status)
  return account
}

/**
 * Moves the details from 'unverified' to the outcome, only if they are still 'unverified': of two checks at once,
 * exactly one updates the row; the other is refused with the status the first one set.
 */
async function recordCheck(
  trx: Transaction<DB>,
  account: BankAccount,
  values: { status: 'verified' | 'rejected'; verified_by: number; verified_at: string; verification_note?: string | null; rejected_reason?: string },
): Promise<void> {
  const result = await trx.updateTable('bank_accounts').set(values).where('id', '=', account.id).where('status', '=', 'unverified').executeTakeFirst()
  if (result.numUpdatedRows !== 1n) {
    const now = await trx.selectFrom('bank_accounts').select('status').where('id', '=', account.id).executeTakeFirstOrThrow()
    throw new BankDetailsAlreadyCheckedError(now.status)
  }
}

function cleanText(value: string | null | undefined): string {
  return (value ?? '').trim()
}

/**
 * A finance officer confirms the details: money may now be paid into them. A change of details, or details whose
 * account name differs from the organisation's, needs a note saying how they were confirmed.
 */
export async function verifyBankDetails(trx: Transaction<DB>, actorUserId: number, input: { bankAccountId: number; note?: string | null }): Promise<BankAccount> {
  const account = await detailsToCheck(trx, actorUserId, input.bankAccountId)
  const note = cleanText(input.note)
  if (note === '' && (account.isChange || account.nameMismatch)) {
    const why = account.isChange ? 'these details replace earlier ones' : 'the name on the account differs from the organisation’s'
    throw new BankDetailsInputError('note', `Say how you confirmed the details (for example, "phoned the treasurer on the number we hold"): ${why}`)
  }
  if (note.length > CHECK_NOTE_MAX_LENGTH) throw new BankDetailsInputError('note', `The note must be ${CHECK_NOTE_MAX_LENGTH} characters or fewer`)
  const verifiedAt = new Date().toISOString()
  await recordCheck(trx, account, { status: 'verified', verified_by: actorUserId, verified_at: verifiedAt, verification_note: note || null })
  await recordAudit(trx, {
    actorUserId,
    action: 'bank_details.verified',
    entityType: 'bank_account',
    entityId: account.id,
    before: { status: 'unverified' },
    after: { status: 'verified', organisationId: account.organisationId, accountNumberMasked: account.accountNumberMasked, note: note || null },
  })
  return { ...account, status: 'verified', verifiedBy: actorUserId, verifiedAt, verificationNote: note || null }
}

/** A finance officer refuses the details, with a reason the organisation will read; the organisation enters new ones. */
export async function rejectBankDetails(trx: Transaction<DB>, actorUserId: number, input: { bankAccountId: number; reason: string }): Promise<BankAccount> {
  const account = await detailsToCheck(trx, actorUserId, input.bankAccountId)
  const reason = cleanText(input.reason)
  if (reason === '') throw new BankDetailsInputError('reason', 'Say why the details are not accepted, so the organisation can put them right')
  if (reason.length > CHECK_NOTE_MAX_LENGTH) throw new BankDetailsInputError('reason', `The reason must be ${CHECK_NOTE_MAX_LENGTH} characters or fewer`)
  const checkedAt = new Date().toISOString()
  await recordCheck(trx, account, { status: 'rejected', verified_by: actorUserId, verified_at: checkedAt, rejected_reason: reason })
  await recordAudit(trx, {
    actorUserId,
    action: 'bank_details.rejected',
    entityType: 'bank_account',
    entityId: account.id,
    before: { status: 'unverified' },
    after: { status: 'rejected', organisationId: account.organisationId, accountNumberMasked: account.accountNumberMasked, reason },
  })
  return { ...account, status: 'rejected', verifiedBy: actorUserId, verifiedAt: checkedAt, rejectedReason: reason }
}
