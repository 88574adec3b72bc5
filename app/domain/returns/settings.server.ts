/**
 * A round's impact return settings: the return schedule, the largest award that gets the short form, and SWEMWBS,
 * which is offered only once a fund manager has confirmed the round holds a licence to use it (its copyright line is
 * shown wherever it appears). Changing them affects returns attached from then on; returns already attached keep
 * their dates and form.
 */
import type { Transaction } from 'kysely'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { DomainError, NotFoundError } from '~/lib/errors.ts'
import type { DB } from '../../../db/schema.ts'
import { DEFAULT_SHORT_RETURN_MAX_PENCE, defaultReturnSchedule, roundReturnSchedule, ReturnScheduleSchema, type ReturnSchedule } from './return-schedule.ts'

export interface ReturnSettings {
  roundId: number
  roundTitle: string
  roundYears: number
  /** The schedule in force (the round's own, or the default). */
  schedule: ReturnSchedule
  /** True when the round has not chosen and the default applies. */
  scheduleIsDefault: boolean
  shortReturnMaxPence: number
  swemwbsEnabled: boolean
  swemwbsLicenceConfirmedBy: string | null
  swemwbsLicenceConfirmedAt: string | null
}

export class ReturnSettingsInputError extends DomainError {
  constructor(field: string, message: string) {
    super(message, { code: 'return_settings_input', status: 400, field })
  }
}

export async function getReturnSettings(db: Db, roundId: number): Promise<ReturnSettings> {
  const row = await db
    .selectFrom('rounds')
    .leftJoin('users', 'users.id', 'rounds.swemwbs_licence_confirmed_by')
    .select(['rounds.id', 'rounds.title', 'rounds.years', 'rounds.return_schedule', 'rounds.short_return_max_pence', 'rounds.swemwbs_enabled', 'rounds.swemwbs_licence_confirmed_at', 'users.name as confirmedByName'])
    .where('rounds.id', '=', roundId)
    .executeTakeFirst()
  if (!row) throw new NotFoundError('round')
  return {
    roundId: row.id,
    roundTitle: row.title,
    roundYears: row.years,
    schedule: roundReturnSchedule(row.return_schedule, row.years),
    scheduleIsDefault: row.return_schedule === null,
    shortReturnMaxPence: row.short_return_max_pence ?? DEFAULT_SHORT_RETURN_MAX_PENCE,
    swemwbsEnabled: row.swemwbs_enabled === 1,
    swemwbsLicenceConfirmedBy: row.confirmedByName,
    swemwbsLicenceConfirmedAt: row.swemwbs_licence_confirmed_at,
  }
}

export interface UpdateReturnSettingsInput {
  roundId: number
  schedule: ReturnSchedule
  shortReturnMaxPence: number
  swemwbsEnabled: boolean
  /** The fund manager confirms the round holds a SWEMWBS licence; required to switch it on. */
  swemwbsLicenceConfirmed: boolean
}

/** Saves the settings (audited). Switching SWEMWBS on needs the licence confirmed; the confirmation is recorded once. */
export async function updateReturnSettings(trx: Transaction<DB>, actorUserId: number, input: UpdateReturnSettingsInput): Promise<void> {
  const before = await getReturnSettings(trx, input.roundId)
  const schedule = ReturnScheduleSchema.safeParse(input.schedule)
  if (!schedule.success) throw new ReturnSettingsInputError('interimMonths', 'Enter the months to the interim return as a whole number from 1 to 36')
  if (!Number.isSafeInteger(input.shortReturnMaxPence) || input.shortReturnMaxPence < 0) throw new ReturnSettingsInputError('shortReturnMax', 'Enter the largest grant that gets the short form, £0 or more')
  const alreadyConfirmed = before.swemwbsLicenceConfirmedAt !== null
  if (input.swemwbsEnabled && !input.swemwbsLicenceConfirmed && !alreadyConfirmed) {
    throw new ReturnSettingsInputError('swemwbsLicence', 'Confirm that you hold a licence to use SWEMWBS before switching it on')
  }
  const confirmNow = input.swemwbsLicenceConfirmed && !alreadyConfirmed
  const now = new Date().toISOString()
  const isDefault = JSON.stringify(schedule.data) === JSON.stringify(defaultReturnSchedule(before.roundYears))
  await trx
    .updateTable('rounds')
    .set({
      return_schedule: isDefault && before.scheduleIsDefault ? null : JSON.stringify(schedule.data),
      short_return_max_pence: input.shortReturnMaxPence,
      swemwbs_enabled: input.swemwbsEnabled ? 1 : 0,
      ...(confirmNow ? { swemwbs_licence_confirmed_by: actorUserId, swemwbs_licence_confirmed_at: now } : {}),
      updated_at: now,
    })
    .where('id', '=', input.roundId)
    .execute()
  await recordAudit(trx, {
    actorUserId,
    action: 'round.return_settings_changed',
    entityType: 'round',
    entityId: input.roundId,
    before: { schedule: before.schedule, shortReturnMaxPence: before.shortReturnMaxPence, swemwbsEnabled: before.swemwbsEnabled },
    after: { schedule: schedule.data, shortReturnMaxPence: input.shortReturnMaxPence, swemwbsEnabled: input.swemwbsEnabled, swemwbsLicenceConfirmed: confirmNow ? now : before.swemwbsLicenceConfirmedAt },
  })
}
