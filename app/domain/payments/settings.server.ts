/**
 * The payment settings a fund sets once: the four-eyes threshold (a payment run whose total is above it needs a
 * second, different finance officer to approve it) and the account payments are made from (the originator named in
 * BACS files). Kept in app_meta; changed only by an administrator, audited.
 */
import type { Transaction } from 'kysely'
import { z } from 'zod'
import { recordAudit } from '~/lib/audit.server.ts'
import { compiledOnce, type CompiledQueries, type SlotFor } from '~/lib/compiled-once.server.ts'
import type { Db } from '~/lib/db.server.ts'
import type { DB } from '../../../db/schema.ts'

export interface PaymentSettings {
  approvalThresholdPence: number
  originator: { sortCode: string; accountNumber: string; name: string }
}

/** Until an administrator sets them: £5,000, and an obviously made-up demo account. */
export const DEFAULT_PAYMENT_SETTINGS: PaymentSettings = {
  approvalThresholdPence: 500_000,
  originator: { sortCode: '200000', accountNumber: '55779911', name: 'COMMONPOT DEMO' },
}

const KEY = 'payments.settings'

const StoredSettings = z.object({
  approvalThresholdPence: z.number().int().nonnegative(),
  originator: z.object({ sortCode: z.string().regex(/^\d{6}$/), accountNumber: z.string().regex(/^\d{8}$/), name: z.string().min(1).max(18) }),
})

function settingsQuery(db: Db, slot: SlotFor) {
  return db.selectFrom('app_meta').select('value').where('key', '=', slot<string>('key'))
}

/** settingsQuery compiled once and kept prepared on PostgreSQL (payments due reads it on every view). */
const settingsQueries: CompiledQueries<{ value: string }> = new Map()

/** The fund's payment settings (in a transaction too: read with the transaction's connection), or the defaults. */
export async function paymentSettings(db: Db): Promise<PaymentSettings> {
  const query = compiledOnce(settingsQueries, db, 'settings', (slot) => settingsQuery(db, slot), { key: KEY }, { onlySlots: true })
  const [row] = (await db.executeQuery(query)).rows
  if (!row) return DEFAULT_PAYMENT_SETTINGS
  return StoredSettings.parse(JSON.parse(row.value))
}

export async function updatePaymentSettings(trx: Transaction<DB>, actorUserId: number, settings: PaymentSettings): Promise<void> {
  const value = JSON.stringify(StoredSettings.parse(settings))
  const before = await paymentSettings(trx)
  await trx.insertInto('app_meta').values({ key: KEY, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute()
  await recordAudit(trx, { actorUserId, action: 'payments.settings_changed', entityType: 'settings', entityId: null, before, after: settings })
}
