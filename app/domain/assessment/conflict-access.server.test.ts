/**
 * A declared conflict of interest shuts every door to the bid, not only the assessor's scoring page: the fund
 * manager's application page (which a panel chair can also open) and the bid's files.
 */
import { describe, expect, test } from 'vitest'
import { findViewableDocument } from '~/domain/applications/documents.server.ts'
import { db } from '~/lib/db.server.ts'
import { action, loader } from '~/routes/manage.applications.$applicationId.tsx'
import { assignRaw, createPanelRound } from '../../../tests/factories/assessment.ts'
import { signedInRequest } from '../../../tests/factories/sessions.ts'
import { hasDeclaredConflict } from './conflicts.server.ts'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function statusOf(run: () => Promise<unknown>): Promise<number> {
  try {
    const result = await run()
    return result instanceof Response ? result.status : 200
  } catch (thrown) {
    if (thrown instanceof Response) return thrown.status
    throw thrown
  }
}

async function documentOf(applicationId: number, organisationId: number): Promise<number> {
  const row = await db
    .insertInto('documents')
    .values({ organisation_id: organisationId, owner_type: 'application', owner_id: applicationId, purpose: 'answer', filename: 'plan.pdf', content_type: 'application/pdf', size_bytes: 10, storage_key: 'k', sha256: 'x' })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

describe('a declared conflict of interest', () => {
  test('stops a panel chair opening the bid on the fund manager’s page, or acting on it', async () => {
    const panel = await createPanelRound(db, { bids: 2 })
    const [conflicted, other] = panel.bids
    await assignRaw(db, conflicted!.applicationId, panel.chair.id, 'conflict')
    expect(await hasDeclaredConflict(db, panel.chair.id, conflicted!.applicationId)).toBe(true)
    const get = async (applicationId: number) =>
      statusOf(async () => loader({ request: await signedInRequest(`/manage/applications/${applicationId}`, { userId: panel.chair.id }), params: { applicationId: String(applicationId) }, context }))
    expect(await get(conflicted!.applicationId)).toBe(403)
    expect(await get(other!.applicationId)).toBe(200)
    const post = await statusOf(async () =>
      action({
        request: await signedInRequest(`/manage/applications/${conflicted!.applicationId}`, { userId: panel.chair.id, body: { intent: 'changes', reason: 'Please add detail' } }),
        params: { applicationId: String(conflicted!.applicationId) },
        context,
      }),
    )
    expect(post).toBe(403)
  })

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
