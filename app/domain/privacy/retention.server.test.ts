import fs from 'node:fs'
import { describe, expect, test } from 'vitest'
import { createRound } from '../../../tests/factories/awards.ts'
import { createOrganisationWithAdmin, createUser } from '../../../tests/factories/organisations.ts'
import { db } from '~/lib/db.server.ts'
import { ANONYMISED_TITLE, anonymiseExpiredApplications, countExpiredApplications, deleteStoredFiles, findExpiredApplications, retentionCutoff, retentionSettings, updateRetentionSettings } from './retention.server.ts'
import { applicationFigures, insertApplication, uploadTo } from './test-support.server.ts'

const TODAY = '2027-06-15'

/** A round with bids decided on different days: two past 24 months (declined, withdrawn), the rest not due. */
async function scenario() {
  const { organisation, admin } = await createOrganisationWithAdmin(db)
  const { roundId } = await createRound(db)
  const bid = (status: string, decidedAt: string | null, updatedAt = '2027-06-01T10:00:00.000Z') =>
    insertApplication({ roundId, organisationId: organisation.id, createdBy: admin.id, status, decidedAt, updatedAt, answers: { project_title: `A ${status} bid`, contact: 'Jo Bloggs, 07700 900123' } })
  const oldUnsuccessful = await bid('unsuccessful', '2025-06-14T09:00:00.000Z')
  const oldWithdrawn = await bid('withdrawn', null, '2024-01-10T09:00:00.000Z')
  const recentUnsuccessful = await bid('unsuccessful', '2025-06-15T09:00:00.000Z')
  const oldSuccessful = await bid('successful', '2023-01-10T09:00:00.000Z')
  const oldSubmitted = await bid('submitted', null, '2023-01-10T09:00:00.000Z')
  const upload = await uploadTo(oldUnsuccessful.id, organisation.id, admin.id)
  const kept = await uploadTo(recentUnsuccessful.id, organisation.id, admin.id)
  return { roundId, oldUnsuccessful, oldWithdrawn, recentUnsuccessful, oldSuccessful, oldSubmitted, upload, kept }
}

async function run(batchSize?: number) {
  const result = await db.transaction().execute((trx) => anonymiseExpiredApplications(trx, { today: TODAY, months: 24, batchSize }))
  await deleteStoredFiles(process.env.DATA_DIR!, result.storageKeys)
  return result
}

describe('retention of applications that ended without a grant', () => {
  test('the cutoff is the same day the set number of months before', () => {
    expect(retentionCutoff('2027-06-15', 24)).toBe('2025-06-15')
    expect(retentionCutoff('2027-03-31', 1)).toBe('2027-02-28')
    expect(() => retentionCutoff('2027-02-30', 24)).toThrow(RangeError)
  })

  test('anonymises only old declined or withdrawn bids: answers, versions and documents go, figures stay', async () => {
    const s = await scenario()
    const figuresBefore = await applicationFigures()
    expect((await findExpiredApplications(db, { today: TODAY, months: 24 })).map((a) => a.id)).toEqual([s.oldUnsuccessful.id, s.oldWithdrawn.id])
    expect(await countExpiredApplications(db, { today: TODAY, months: 24 })).toBe(2)

    const result = await run(1)
    expect(result).toMatchObject({ cutoff: '2025-06-15', versionsBlanked: 2, documentsDeleted: 1 })
    expect(result.applications.map((a) => a.reference)).toEqual([s.oldUnsuccessful.reference, s.oldWithdrawn.reference])

    const rows = await db.selectFrom('applications').select(['id', 'answers', 'title', 'anonymised_at', 'status', 'amount_requested_pence', 'decided_at']).where('round_id', '=', s.roundId).orderBy('id').execute()
    const byId = new Map(rows.map((r) => [r.id, r]))
    for (const gone of [s.oldUnsuccessful, s.oldWithdrawn]) {
      expect(byId.get(gone.id)).toMatchObject({ answers: '{}', title: ANONYMISED_TITLE, amount_requested_pence: 250_000 })
      expect(byId.get(gone.id)!.anonymised_at).not.toBeNull()
      const versions = await db.selectFrom('application_versions').select('answers').where('application_id', '=', gone.id).execute()
      expect(versions).toEqual([{ answers: '{}' }])
    }
    expect(byId.get(s.oldUnsuccessful.id)!.decided_at).toBe('2025-06-14T09:00:00.000Z')
    for (const stays of [s.recentUnsuccessful, s.oldSuccessful, s.oldSubmitted]) {
      expect(byId.get(stays.id)!.anonymised_at).toBeNull()
      expect(JSON.parse(byId.get(stays.id)!.answers)).toMatchObject({ contact: 'Jo Bloggs, 07700 900123' })
    }
    expect(await db.selectFrom('documents').select('id').where('id', '=', s.upload.documentId).executeTakeFirst()).toBeUndefined()
    expect(fs.existsSync(s.upload.file)).toBe(false)
    expect(fs.existsSync(s.kept.file)).toBe(true)
    expect(await applicationFigures()).toEqual(figuresBefore)
  })

  test('audits one summary event per run, and a second run changes nothing', async () => {
    await scenario()
    const events = () => db.selectFrom('audit_events').select(['after']).where('action', '=', 'privacy.applications_anonymised').execute()
    const before = (await events()).length
    const first = await run(1)
    expect(first.applications.length).toBeGreaterThan(0)
    const after = await events()
    expect(after).toHaveLength(before + 1)
    expect(JSON.parse(after[after.length - 1].after!)).toMatchObject({ cutoff: '2025-06-15', months: 24, applications: first.applications.length })

    const second = await run()
    expect(second).toMatchObject({ applications: [], versionsBlanked: 0, documentsDeleted: 0 })
    expect(await events()).toHaveLength(before + 1)
  })

  test('the period defaults to 24 months and an administrator’s change is kept and audited', async () => {
    expect(await retentionSettings(db)).toEqual({ declinedApplicationMonths: 24 })
    const admin = await createUser(db)
    await db.transaction().execute((trx) => updateRetentionSettings(trx, admin.id, { declinedApplicationMonths: 36 }))
    expect(await retentionSettings(db)).toEqual({ declinedApplicationMonths: 36 })
    const event = await db.selectFrom('audit_events').selectAll().where('action', '=', 'privacy.retention_changed').executeTakeFirstOrThrow()
    expect(event).toMatchObject({ actor_user_id: admin.id, before: JSON.stringify({ declinedApplicationMonths: 24 }), after: JSON.stringify({ declinedApplicationMonths: 36 }) })
    await expect(db.transaction().execute((trx) => updateRetentionSettings(trx, admin.id, { declinedApplicationMonths: 3 }))).rejects.toThrow()
    expect(await retentionSettings(db)).toEqual({ declinedApplicationMonths: 36 })
  })
})
