/**
 * A declared conflict of interest shuts every door to the bid's files, whatever other roles the person has
 * (the application page is tested in app/routes/manage.applications.$applicationId.panel.test.ts).
 */
import { describe, expect, test } from 'vitest'
import { findViewableDocument } from '~/domain/applications/documents.server.ts'
import { db } from '~/lib/db.server.ts'
import { assignRaw, createPanelRound } from '../../../tests/factories/assessment.ts'

async function documentOf(applicationId: number, organisationId: number): Promise<number> {
  const row = await db
    .insertInto('documents')
    .values({ organisation_id: organisationId, owner_type: 'application', owner_id: applicationId, purpose: 'answer', filename: 'plan.pdf', content_type: 'application/pdf', size_bytes: 10, storage_key: 'k', sha256: 'x' })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

describe('a declared conflict of interest', () => {

  test('hides the bid’s files from the conflicted person, whatever their roles; an assessor sees them only after saying they have no conflict', async () => {
    const panel = await createPanelRound(db, { bids: 1 })
    const bid = panel.bids[0]!
    const documentId = await documentOf(bid.applicationId, bid.organisationId)
    const [assessor, chairLike] = panel.assessors
    const assessmentId = await assignRaw(db, bid.applicationId, assessor!.id, 'assigned')
    await expect(findViewableDocument(db, { id: assessor!.id, readsAnyApplication: false }, documentId)).rejects.toMatchObject({ status: 404 })
    await db.updateTable('assessments').set({ status: 'draft' }).where('id', '=', assessmentId).execute()
    await expect(findViewableDocument(db, { id: assessor!.id, readsAnyApplication: false }, documentId)).resolves.toMatchObject({ filename: 'plan.pdf' })
    await assignRaw(db, bid.applicationId, chairLike!.id, 'conflict')
    await expect(findViewableDocument(db, { id: chairLike!.id, readsAnyApplication: true }, documentId)).rejects.toMatchObject({ status: 404 })
    await expect(findViewableDocument(db, { id: panel.manager.id, readsAnyApplication: true }, documentId)).resolves.toMatchObject({ filename: 'plan.pdf' })
  })
})
