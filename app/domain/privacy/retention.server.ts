/**
 * Retention (UK GDPR storage limitation): an application that ended without a grant (declined at expression of
 * interest, unsuccessful, withdrawn, or refused first come first served) keeps its answers and documents for a set
 * number of months after the decision (app_meta `privacy.retention`, default 24). After that the retention job blanks
 * its answers and every saved version, deletes its uploaded documents and sets applications.anonymised_at. The figures
 * (amounts, round, organisation, place, status, dates) stay, so /stats and the round reports still count it.
 *
 * The decision date is decided_at, or updated_at when there is none (a withdrawal). The job is idempotent (it skips
 * anonymised applications), reads in keyset batches, and writes one audit event per run that changed anything.
 * Files are deleted by the caller after the transaction commits (deleteStoredFiles), as elsewhere for uploads.
 */
import type { Transaction } from 'kysely'
import { format, isValid, parseISO, subMonths } from 'date-fns'
import type { DB } from '../../../db/schema.ts'
import { recordAudit } from '~/lib/audit.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { deleteUpload } from '~/lib/uploads.server.ts'
import { DEFAULT_RETENTION_MONTHS, ENDED_WITHOUT_GRANT, RetentionSettingsSchema, type RetentionSettings } from './retention-settings.ts'

const KEY = 'privacy.retention'

export const ANONYMISED_TITLE = 'Anonymised application'

export async function retentionSettings(db: Db): Promise<RetentionSettings> {
  const row = await db.selectFrom('app_meta').select('value').where('key', '=', KEY).executeTakeFirst()
  if (!row) return { declinedApplicationMonths: DEFAULT_RETENTION_MONTHS }
  return RetentionSettingsSchema.parse(JSON.parse(row.value))
}

export async function updateRetentionSettings(trx: Transaction<DB>, actorUserId: number, settings: RetentionSettings): Promise<void> {
  const value = JSON.stringify(RetentionSettingsSchema.parse(settings))
  const before = await retentionSettings(trx)
  await trx.insertInto('app_meta').values({ key: KEY, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute()
  await recordAudit(trx, { actorUserId, action: 'privacy.retention_changed', entityType: 'settings', entityId: KEY, before, after: settings })
}

/** The first day that is still kept: decisions before it have passed the retention period. */
export function retentionCutoff(today: string, months: number): string {
  const day = parseISO(today)
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today) || !isValid(day)) throw new RangeError(`Not a date: "${today}"`)
  return format(subMonths(day, months), 'yyyy-MM-dd')
}

export interface RetentionInput {
  /** 'YYYY-MM-DD' in London (ukToday()). */
  today: string
  months: number
  batchSize?: number
}

export interface ExpiredApplication {
  id: number
  reference: string
  status: string
  decidedAt: string
}

/** Applications past the retention period and not yet anonymised (never one with an award). */
function expired(db: Db, cutoff: string) {
  return db
    .selectFrom('applications')
    .where('anonymised_at', 'is', null)
    .where('status', 'in', ENDED_WITHOUT_GRANT)
    .where((eb) => eb(eb.fn.coalesce('decided_at', 'updated_at'), '<', cutoff))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('awards').select('awards.id').whereRef('awards.application_id', '=', 'applications.id'))))
}

/** One keyset page of them. */
async function expiredBatch(db: Db, cutoff: string, afterId: number, limit: number): Promise<ExpiredApplication[]> {
  const rows = await expired(db, cutoff)
    .select((eb) => ['id', 'reference', 'status', eb.fn.coalesce('decided_at', 'updated_at').as('decided')])
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute()
  return rows.map((r) => ({ id: r.id, reference: r.reference, status: r.status, decidedAt: r.decided }))
}

/** What a run would anonymise (the dry run, and the admin page's preview). Reads only. */
export async function findExpiredApplications(db: Db, input: RetentionInput): Promise<ExpiredApplication[]> {
  const cutoff = retentionCutoff(input.today, input.months)
  const batchSize = input.batchSize ?? 500
  const found: ExpiredApplication[] = []
  for (let afterId = 0; ; ) {
    const batch = await expiredBatch(db, cutoff, afterId, batchSize)
    found.push(...batch)
    if (batch.length < batchSize) return found
    afterId = batch[batch.length - 1].id
  }
}

/** How many a run would anonymise now (the admin page). */
export async function countExpiredApplications(db: Db, input: RetentionInput): Promise<number> {
  const row = await expired(db, retentionCutoff(input.today, input.months))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export interface RetentionRun {
  cutoff: string
  months: number
  applications: ExpiredApplication[]
  versionsBlanked: number
  documentsDeleted: number
  /** Stored files of the deleted documents: delete them (deleteStoredFiles) once the transaction has committed. */
  storageKeys: string[]
}

async function anonymiseBatch(trx: Transaction<DB>, ids: number[], now: string) {
  await trx.updateTable('applications').set({ answers: '{}', title: ANONYMISED_TITLE, anonymised_at: now }).where('id', 'in', ids).execute()
  const versions = await trx.updateTable('application_versions').set({ answers: '{}' }).where('application_id', 'in', ids).executeTakeFirst()
  const documents = await trx.deleteFrom('documents').where('owner_type', '=', 'application').where('owner_id', 'in', ids).returning('storage_key').execute()
  return { versions: Number(versions.numUpdatedRows), storageKeys: documents.map((d) => d.storage_key) }
}

/**
 * Anonymises every application past the retention period, a batch at a time, inside the caller's transaction, and
 * audits the run once ('privacy.applications_anonymised') when it changed anything. Running it again does nothing.
 */
export async function anonymiseExpiredApplications(trx: Transaction<DB>, input: RetentionInput & { now?: Date }): Promise<RetentionRun> {
  const cutoff = retentionCutoff(input.today, input.months)
  const batchSize = input.batchSize ?? 500
  const now = (input.now ?? new Date()).toISOString()
  const run: RetentionRun = { cutoff, months: input.months, applications: [], versionsBlanked: 0, documentsDeleted: 0, storageKeys: [] }
  for (let afterId = 0; ; ) {
    const batch = await expiredBatch(trx, cutoff, afterId, batchSize)
    if (batch.length > 0) {
      const done = await anonymiseBatch(
        trx,
        batch.map((a) => a.id),
        now,
      )
      run.applications.push(...batch)
      run.versionsBlanked += done.versions
      run.documentsDeleted += done.storageKeys.length
      run.storageKeys.push(...done.storageKeys)
    }
    if (batch.length < batchSize) break
    afterId = batch[batch.length - 1].id
  }
  if (run.applications.length > 0) {
    await recordAudit(trx, {
      actorUserId: null,
      action: 'privacy.applications_anonymised',
      entityType: 'application',
      entityId: null,
      after: {
        cutoff,
        months: input.months,
        applications: run.applications.length,
        applicationIds: run.applications.map((a) => a.id),
        versionsBlanked: run.versionsBlanked,
        documentsDeleted: run.documentsDeleted,
      },
    })
  }
  return run
}

/** Deletes the files behind documents the run removed (after it committed); a file already gone is fine. */
export async function deleteStoredFiles(dataDir: string, storageKeys: string[]): Promise<void> {
  for (const key of storageKeys) await deleteUpload(dataDir, key)
}

/** The last run that anonymised anything, for the admin page. */
export async function lastRetentionRun(db: Db): Promise<{ occurredAt: string; applications: number } | null> {
  const event = await db
    .selectFrom('audit_events')
    .select(['occurred_at', 'after'])
    .where('action', '=', 'privacy.applications_anonymised')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
  if (!event) return null
  const after = JSON.parse(event.after ?? '{}') as { applications?: number }
  return { occurredAt: event.occurred_at, applications: after.applications ?? 0 }
}
