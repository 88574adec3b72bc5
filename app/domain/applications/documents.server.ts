/**
 * Who may open an uploaded document: members of the organisation it belongs to, fund managers (anyone who may read
 * every application), and assessors assigned to the application it was uploaded to. Anyone else is told it does not
 * exist (404), so a guessed id reveals nothing.
 */
import { hasDeclaredConflict } from '~/domain/assessment/conflicts.server.ts'
import type { Db } from '~/lib/db.server.ts'
import { NotFoundError } from '~/lib/errors.ts'

export interface DocumentViewer {
  id: number
  /** Whether they may read any application (fund managers, panel chairs). */
  readsAnyApplication: boolean
}

export interface ViewableDocument {
  id: number
  filename: string
  contentType: string
  sizeBytes: number
  storageKey: string
}

export async function findViewableDocument(db: Db, viewer: DocumentViewer, documentId: number): Promise<ViewableDocument> {
  const doc = await db
    .selectFrom('documents')
    .select(['id', 'filename', 'content_type', 'size_bytes', 'storage_key', 'organisation_id', 'owner_type', 'owner_id'])
    .where('id', '=', documentId)
    .executeTakeFirst()
  if (!doc) throw new NotFoundError('document')
  const found = { id: doc.id, filename: doc.filename, contentType: doc.content_type, sizeBytes: doc.size_bytes, storageKey: doc.storage_key }
  // A declared conflict of interest on the bid shuts every door to its files, whatever other roles the viewer has.
  if (doc.owner_type === 'application' && (await hasDeclaredConflict(db, viewer.id, doc.owner_id))) throw new NotFoundError('document')
  if (viewer.readsAnyApplication) return found
  if (doc.organisation_id !== null) {
    const member = await db
      .selectFrom('memberships')
      .select('id')
      .where('user_id', '=', viewer.id)
      .where('organisation_id', '=', doc.organisation_id)
      .executeTakeFirst()
    if (member) return found
  }
  if (doc.owner_type === 'application') {
    const assigned = await db
      .selectFrom('assessments')
      .select('id')
      .where('application_id', '=', doc.owner_id)
      .where('assessor_user_id', '=', viewer.id)
      // Only after the assessor has said they have no conflict (draft) or has scored (submitted).
      .where('status', 'in', ['draft', 'submitted'])
      .executeTakeFirst()
    if (assigned) return found
  }
  throw new NotFoundError('document')
}
