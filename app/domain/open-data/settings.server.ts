/**
 * Where the open-data settings live: app_meta key `opendata.settings` (JSON). Read by the 360Giving files and the
 * open-data page; changed by a fund manager (publish:grant:any), audited in the same transaction.
 */
import type { Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import type { DB } from '../../../db/schema.ts'
import { DEFAULT_OPEN_DATA_SETTINGS, OpenDataSettingsSchema, type OpenDataSettings } from './settings.ts'

export const OPEN_DATA_SETTINGS_KEY = 'opendata.settings'

/** The stored settings, or the defaults until a fund manager saves them. */
export async function openDataSettings(db: Db): Promise<OpenDataSettings> {
  const row = await db.selectFrom('app_meta').select('value').where('key', '=', OPEN_DATA_SETTINGS_KEY).executeTakeFirst()
  if (!row) return DEFAULT_OPEN_DATA_SETTINGS
  const parsed = OpenDataSettingsSchema.safeParse({ ...DEFAULT_OPEN_DATA_SETTINGS, ...(JSON.parse(row.value) as object) })
  return parsed.success ? parsed.data : DEFAULT_OPEN_DATA_SETTINGS
}

/** Saves the settings (validated again here: the domain never trusts the form); throws a ZodError on bad input. */
export async function setOpenDataSettings(trx: Transaction<DB>, actorUserId: number | null, input: OpenDataSettings): Promise<OpenDataSettings> {
  const settings = OpenDataSettingsSchema.parse(input)
  const before = await openDataSettings(trx)
  const value = JSON.stringify(settings)
  await trx.insertInto('app_meta').values({ key: OPEN_DATA_SETTINGS_KEY, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute()
  await recordAudit(trx, { actorUserId, action: 'open_data.settings_changed', entityType: 'settings', entityId: null, before, after: settings })
  return settings
}
