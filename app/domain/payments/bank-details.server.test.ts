import type { Transaction } from 'kysely'
import { describe, expect, test } from 'vitest'
import type { DB } from '../../../db/schema.ts'
import { addMember, createOrganisationWithAdmin, createUser } from '../../../tests/factories/organisations.ts'
import { createUserWithRole } from '../../../tests/factories/sessions.ts'
import { verifyAuditChain } from '~/lib/audit.server.ts'
import { db } from '~/lib/db.server.ts'
import {
  BankDetailsAlreadyCheckedError,
  BankDetailsCheckConflictError,
  BankDetailsInputError,
  BankDetailsNotMemberError,
  bankDetailsToCheckCount,
  currentBankAccount,
  enterBankDetails,
  getBankDetailsForCheck,
  listBankDetailsToVerify,
  rejectBankDetails,
  verifiedBankAccount,
  verifyBankDetails,
} from './bank-details.server.ts'

const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => db.transaction().execute(fn)

async function organisationWithDetails(options: { name?: string; accountName?: string } = {}) {
  const { organisation, admin } = await createOrganisationWithAdmin(db, { input: { name: options.name ?? `Hackney Food Hub ${Math.random().toString(36).slice(2, 7)}` } })
  const account = await tx((trx) =>
    enterBankDetails(trx, admin.id, { organisationId: organisation.id, accountName: options.accountName ?? organisation.name, sortCode: '30-94-57', accountNumber: '1234 5678' }),
  )
  return { organisation, admin, account }
}

async function auditOf(action: string, entityId: number) {
  return db.selectFrom('audit_events').select(['actor_user_id', 'before', 'after']).where('action', '=', action).where('entity_id', '=', String(entityId)).execute()
}

describe('entering bank details', () => {
  test('the first details are stored normalised and waiting for a check, with no email and the masked number in the audit', async () => {
    const { organisation, admin, account } = await organisationWithDetails({ name: 'Hackney Food Hub', accountName: 'HACKNEY FOOD HUB LTD' })
    expect(account).toMatchObject({ organisationId: organisation.id, accountName: 'HACKNEY FOOD HUB LTD', sortCode: '309457', accountNumber: '12345678', accountNumberMasked: '••••5678', status: 'unverified', nameMismatch: false, isChange: false, enteredBy: admin.id })
    const [event] = await auditOf('bank_details.entered', account.id)
    expect(event!.actor_user_id).toBe(admin.id)
    expect(event!.after).toContain('••••5678')
    expect(event!.after).not.toContain('12345678')
    expect(await db.selectFrom('outbox_messages').select('id').where('template', '=', 'bank-details-changed').execute()).toEqual([])
    expect(await verifiedBankAccount(db, organisation.id)).toBeNull()
    expect((await currentBankAccount(db, organisation.id))?.id).toBe(account.id)
  })

  test('a name that differs from the organisation is flagged, not refused', async () => {
    const { account } = await organisationWithDetails({ name: 'Hackney Food Hub', accountName: 'J Smith' })
    expect(account).toMatchObject({ status: 'unverified', nameMismatch: true })
  })

  test('malformed details are refused with the field named, and nothing is written', async () => {
    const { organisation, admin } = await createOrganisationWithAdmin(db)
    const base = { organisationId: organisation.id, accountName: 'Group', sortCode: '309457', accountNumber: '12345678' }
    for (const [input, field] of [
      [{ ...base, sortCode: '30-94' }, 'sortCode'],
      [{ ...base, accountNumber: '1234567' }, 'accountNumber'],
      [{ ...base, accountName: '  ' }, 'accountName'],
    ] as const) {
      const error = await tx((trx) => enterBankDetails(trx, admin.id, input)).catch((e) => e)
      expect(error).toBeInstanceOf(BankDetailsInputError)
      expect(error.field).toBe(field)
      expect(error.status).toBe(400)
    }
    expect(await db.selectFrom('bank_accounts').select('id').where('organisation_id', '=', organisation.id).execute()).toEqual([])
  })

  test('someone who is not a member of the organisation cannot enter its details (403)', async () => {
    const { organisation } = await createOrganisationWithAdmin(db)
    const outsider = await createUser(db)
    const error = await tx((trx) => enterBankDetails(trx, outsider.id, { organisationId: organisation.id, accountName: 'X', sortCode: '309457', accountNumber: '12345678' })).catch((e) => e)
    expect(error).toBeInstanceOf(BankDetailsNotMemberError)
    expect(error.status).toBe(403)
    expect(await currentBankAccount(db, organisation.id)).toBeNull()
  })

  test('a change supersedes the verified details at once, so no money can go anywhere until the new ones are checked', async () => {
    const { organisation, admin, account: first } = await organisationWithDetails()
    const finance = await createUserWithRole(db, 'finance_officer')
    await tx((trx) => verifyBankDetails(trx, finance.id, { bankAccountId: first.id, note: '' }))
    expect((await verifiedBankAccount(db, organisation.id))?.id).toBe(first.id)

    const second = await tx((trx) => enterBankDetails(trx, admin.id, { organisationId: organisation.id, accountName: organisation.name, sortCode: '11-22-33', accountNumber: '87654321' }))
    expect(second).toMatchObject({ status: 'unverified', isChange: true })
    expect(await verifiedBankAccount(db, organisation.id)).toBeNull()
    expect((await currentBankAccount(db, organisation.id))?.id).toBe(second.id)
    const old = await db.selectFrom('bank_accounts').select(['status', 'superseded_at']).where('id', '=', first.id).executeTakeFirstOrThrow()
    expect(old.status).toBe('superseded')
    expect(old.superseded_at).not.toBeNull()
    const [event] = await auditOf('bank_details.entered', second.id)
    expect(event!.before).toContain('••••5678')
    expect(`${event!.before}${event!.after}`).not.toMatch(/12345678|87654321/)
  })

  test('a change emails every member of the organisation, with the masked number only', async () => {
    const { organisation, admin } = await organisationWithDetails()
    const colleague = await createUser(db, { name: 'Cara Colleague' })
    await addMember(db, organisation.id, colleague.id)
    await tx((trx) => enterBankDetails(trx, colleague.id, { organisationId: organisation.id, accountName: 'Somebody Else', sortCode: '112233', accountNumber: '87654321' }))
    const emails = await db.selectFrom('outbox_messages').select(['to_address', 'subject', 'body_text']).where('template', '=', 'bank-details-changed').where('body_text', 'like', `%${organisation.name}%`).execute()
    expect(emails.map((e) => e.to_address).sort()).toEqual([admin.email, colleague.email].sort())
    for (const email of emails) {
      expect(email.subject).toBe('Your bank details for Commonpot were changed')
      expect(email.body_text).toContain('Cara Colleague entered new bank details for')
      expect(email.body_text).toContain('••••4321')
      expect(email.body_text).toContain('If you did not make this change, contact the Commonpot finance team')
      expect(email.body_text).not.toContain('87654321')
    }
  })

  test('details entered after a rejection replace the rejected ones and count as a change', async () => {
    const { organisation, admin, account } = await organisationWithDetails()
    const finance = await createUserWithRole(db, 'finance_officer')
    await tx((trx) => rejectBankDetails(trx, finance.id, { bankAccountId: account.id, reason: 'The account is closed' }))
    expect(await currentBankAccount(db, organisation.id)).toMatchObject({ id: account.id, status: 'rejected', rejectedReason: 'The account is closed' })
    const again = await tx((trx) => enterBankDetails(trx, admin.id, { organisationId: organisation.id, accountName: organisation.name, sortCode: '112233', accountNumber: '87654321' }))
    expect(again.isChange).toBe(true)
    expect((await db.selectFrom('bank_accounts').select('status').where('id', '=', account.id).executeTakeFirstOrThrow()).status).toBe('superseded')
  })
})

describe('checking bank details', () => {
  test('a finance officer verifies first details; money may then go there; the check is audited', async () => {
    const { organisation, account } = await organisationWithDetails()
    const finance = await createUserWithRole(db, 'finance_officer')
    const verified = await tx((trx) => verifyBankDetails(trx, finance.id, { bankAccountId: account.id }))
    expect(verified).toMatchObject({ status: 'verified', verifiedBy: finance.id, verificationNote: null })
    expect(await verifiedBankAccount(db, organisation.id)).toMatchObject({ id: account.id, sortCode: '309457', accountNumber: '12345678' })
    const [event] = await auditOf('bank_details.verified', account.id)
    expect(event!.actor_user_id).toBe(finance.id)
    expect(event!.after).not.toContain('12345678')
    expect((await verifyAuditChain(db)).ok).toBe(true)
  })

  test('a change or a differing name needs a note saying how it was confirmed', async () => {
    const finance = await createUserWithRole(db, 'finance_officer')
    const { account: mismatch } = await organisationWithDetails({ accountName: 'J Smith' })
    const error = await tx((trx) => verifyBankDetails(trx, finance.id, { bankAccountId: mismatch.id, note: '   ' })).catch((e) => e)
    expect(error).toBeInstanceOf(BankDetailsInputError)
    expect(error.field).toBe('note')
    expect(error.message).toMatch(/^Say how you confirmed the details .*the name on the account differs/)

    const { organisation, admin } = await organisationWithDetails()
    const change = await tx((trx) => enterBankDetails(trx, admin.id, { organisationId: organisation.id, accountName: organisation.name, sortCode: '112233', accountNumber: '87654321' }))
    const changeError = await tx((trx) => verifyBankDetails(trx, finance.id, { bankAccountId: change.id })).catch((e) => e)
    expect(changeError.message).toMatch(/these details replace earlier ones/)
    expect((await db.selectFrom('bank_accounts').select('status').where('id', '=', change.id).executeTakeFirstOrThrow()).status).toBe('unverified')

    const ok = await tx((trx) => verifyBankDetails(trx, finance.id, { bankAccountId: change.id, note: 'Phoned the treasurer on the number we hold' }))
    expect(ok.verificationNote).toBe('Phoned the treasurer on the number we hold')
  })

  test('the person who entered the details, or a member of the organisation, cannot check them (403)', async () => {
    const financeMember = await createUserWithRole(db, 'finance_officer')
    const { organisation, account } = await organisationWithDetails()
    await addMember(db, organisation.id, financeMember.id)
    for (const check of [
      (trx: Transaction<DB>) => verifyBankDetails(trx, account.enteredBy, { bankAccountId: account.id, note: 'x' }),
      (trx: Transaction<DB>) => verifyBankDetails(trx, financeMember.id, { bankAccountId: account.id, note: 'x' }),
      (trx: Transaction<DB>) => rejectBankDetails(trx, financeMember.id, { bankAccountId: account.id, reason: 'x' }),
    ]) {
      const error = await tx(check).catch((e) => e)
      expect(error).toBeInstanceOf(BankDetailsCheckConflictError)
      expect(error.status).toBe(403)
    }
    const entered = await tx((trx) => verifyBankDetails(trx, account.enteredBy, { bankAccountId: account.id })).catch((e) => e)
    expect(entered.message).toBe('You entered these bank details, so someone else must check them.')
    expect((await currentBankAccount(db, organisation.id))?.status).toBe('unverified')
  })

  test('details already checked, or replaced, cannot be checked again (409)', async () => {
    const finance = await createUserWithRole(db, 'finance_officer')
    const { organisation, admin, account } = await organisationWithDetails()
    await tx((trx) => verifyBankDetails(trx, finance.id, { bankAccountId: account.id }))
    const again = await tx((trx) => rejectBankDetails(trx, finance.id, { bankAccountId: account.id, reason: 'Changed my mind' })).catch((e) => e)
    expect(again).toBeInstanceOf(BankDetailsAlreadyCheckedError)
    expect(again.status).toBe(409)
    const newer = await tx((trx) => enterBankDetails(trx, admin.id, { organisationId: organisation.id, accountName: organisation.name, sortCode: '112233', accountNumber: '87654321' }))
    const old = await tx((trx) => verifyBankDetails(trx, finance.id, { bankAccountId: account.id, note: 'x' })).catch((e) => e)
    expect(old.message).toBe('These bank details have been replaced by newer ones, so there is nothing to check here.')
    expect((await currentBankAccount(db, organisation.id))?.id).toBe(newer.id)
  })

  test('a rejection needs a reason, which the organisation then sees', async () => {
    const finance = await createUserWithRole(db, 'finance_officer')
    const { organisation, account } = await organisationWithDetails()
    const error = await tx((trx) => rejectBankDetails(trx, finance.id, { bankAccountId: account.id, reason: '' })).catch((e) => e)
    expect(error).toMatchObject({ field: 'reason', status: 400 })
    await tx((trx) => rejectBankDetails(trx, finance.id, { bankAccountId: account.id, reason: 'The account is in a person’s name' }))
    expect(await currentBankAccount(db, organisation.id)).toMatchObject({ status: 'rejected', rejectedReason: 'The account is in a person’s name', verifiedBy: finance.id })
    expect(await verifiedBankAccount(db, organisation.id)).toBeNull()
    expect(await auditOf('bank_details.rejected', account.id)).toHaveLength(1)
  })

  test('50 finance officers verifying the same details at once make exactly one verification', async () => {
    const { organisation, account } = await organisationWithDetails()
    const officers = await Promise.all(Array.from({ length: 50 }, () => createUserWithRole(db, 'finance_officer')))
    const results = await Promise.allSettled(officers.map((o) => tx((trx) => verifyBankDetails(trx, o.id, { bankAccountId: account.id, note: `checked by ${o.id}` }))))
    const won = results.filter((r) => r.status === 'fulfilled')
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(won).toHaveLength(1)
    expect(lost).toHaveLength(49)
    for (const r of lost) expect(r.reason).toBeInstanceOf(BankDetailsAlreadyCheckedError)
    const row = await db.selectFrom('bank_accounts').select(['status', 'verified_by', 'verification_note']).where('id', '=', account.id).executeTakeFirstOrThrow()
    expect(row.status).toBe('verified')
    expect(row.verification_note).toBe(`checked by ${row.verified_by}`)
    expect(await auditOf('bank_details.verified', account.id)).toHaveLength(1)
    expect((await verifiedBankAccount(db, organisation.id))?.verifiedBy).toBe(row.verified_by)
    expect((await verifyAuditChain(db)).ok).toBe(true)
  })

  test('two changes entered at once leave exactly one set of details current', async () => {
    const { organisation, admin } = await organisationWithDetails()
    await Promise.all(
      ['11111111', '22222222', '33333333'].map((n) => tx((trx) => enterBankDetails(trx, admin.id, { organisationId: organisation.id, accountName: organisation.name, sortCode: '112233', accountNumber: n }))),
    )
    const live = await db.selectFrom('bank_accounts').select('id').where('organisation_id', '=', organisation.id).where('status', '<>', 'superseded').execute()
    expect(live).toHaveLength(1)
  })
})

describe('the finance officer’s lists', () => {
  test('details waiting for a check are listed with masked numbers and flags; checked ones leave the list', async () => {
    const finance = await createUserWithRole(db, 'finance_officer')
    const { organisation: a, account: first } = await organisationWithDetails({ accountName: 'J Smith' })
    const { organisation: b, admin: adminB, account: b1 } = await organisationWithDetails()
    await tx((trx) => verifyBankDetails(trx, finance.id, { bankAccountId: b1.id }))
    const b2 = await tx((trx) => enterBankDetails(trx, adminB.id, { organisationId: b.id, accountName: b.name, sortCode: '112233', accountNumber: '87654321' }))
    const list = await listBankDetailsToVerify(db)
    const mine = list.filter((r) => [a.id, b.id].includes(r.organisationId))
    expect(mine).toEqual([
      expect.objectContaining({ id: first.id, organisationName: a.name, accountName: 'J Smith', accountNumberMasked: '••••5678', nameMismatch: true, isChange: false }),
      expect.objectContaining({ id: b2.id, organisationName: b.name, accountNumberMasked: '••••4321', nameMismatch: false, isChange: true }),
    ])
    expect(JSON.stringify(list)).not.toMatch(/12345678|87654321/)

    const check = await getBankDetailsForCheck(db, b2.id)
    expect(check).toMatchObject({
      account: { id: b2.id, accountNumber: '87654321', sortCode: '112233' },
      organisation: { id: b.id, name: b.name, legalTypeLabel: 'Unincorporated community group' },
      previous: [{ id: b1.id, accountNumberMasked: '••••5678', status: 'superseded' }],
    })
    expect(JSON.stringify(check!.previous)).not.toContain('12345678')
    expect(await getBankDetailsForCheck(db, 99_999_999)).toBeNull()
  })

  test('the count of details to check is the length of that list as details are entered, checked, rejected and replaced (in a transaction too)', async () => {
    const finance = await createUserWithRole(db, 'finance_officer')
    const counted = async () => {
      const [count, list] = await Promise.all([bankDetailsToCheckCount(db), listBankDetailsToVerify(db)])
      expect(count).toBe(list.length)
      return count
    }
    const before = await counted()
    const { organisation, admin, account: first } = await organisationWithDetails()
    const { account: other } = await organisationWithDetails()
    expect(await counted()).toBe(before + 2)
    await tx((trx) => verifyBankDetails(trx, finance.id, { bankAccountId: first.id }))
    expect(await counted()).toBe(before + 1)
    await tx((trx) => rejectBankDetails(trx, finance.id, { bankAccountId: other.id, reason: 'The account name is a person’s' }))
    expect(await counted()).toBe(before)
    const inside = await tx(async (trx) => {
      await enterBankDetails(trx, admin.id, { organisationId: organisation.id, accountName: organisation.name, sortCode: '112233', accountNumber: '87654321' })
      return bankDetailsToCheckCount(trx)
    })
    expect(inside).toBe(before + 1)
    expect(await counted()).toBe(before + 1)
  })
})
