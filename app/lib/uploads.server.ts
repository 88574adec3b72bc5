/**
 * Uploaded files: checked by their content (not their name or the type the browser claims), stored under
 * DATA_DIR/uploads with random names, and read back only through a route that has checked who is asking.
 *
 * Allowed: PDF, DOCX, XLSX, JPEG and PNG, up to 10 MB. DOCX and XLSX are zip containers; `file-type` looks inside the
 * zip to tell them apart from any other zip (and from each other).
 */
import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileTypeFromBuffer } from 'file-type'
import { unstable_composeUploadHandlers, unstable_createMemoryUploadHandler, unstable_parseMultipartFormData, MaxPartSizeExceededError } from '@remix-run/node'
import { DomainError } from './errors.ts'

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024

export const ALLOWED_UPLOADS = {
  'application/pdf': { ext: 'pdf', label: 'PDF' },
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': { ext: 'docx', label: 'Word document (DOCX)' },
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { ext: 'xlsx', label: 'Excel spreadsheet (XLSX)' },
  'image/jpeg': { ext: 'jpg', label: 'JPEG image' },
  'image/png': { ext: 'png', label: 'PNG image' },
} as const
export type AllowedContentType = keyof typeof ALLOWED_UPLOADS

export const ALLOWED_UPLOADS_SENTENCE = 'a PDF, Word document (DOCX), Excel spreadsheet (XLSX), JPEG or PNG'

export class UploadRejectedError extends DomainError {
  constructor(message: string, field?: string) {
    super(message, { code: 'upload_rejected', status: 400, field })
  }
}

export interface StoredUpload {
  storageKey: string
  filename: string
  contentType: AllowedContentType
  sizeBytes: number
  sha256: string
}

/** Checks a file's content and returns the type it really is, or throws UploadRejectedError naming what is allowed. */
export async function checkUpload(bytes: Uint8Array, field?: string): Promise<AllowedContentType> {
  if (bytes.byteLength === 0) throw new UploadRejectedError('The selected file is empty', field)
  if (bytes.byteLength > MAX_UPLOAD_BYTES) throw new UploadRejectedError('The selected file must be smaller than 10 MB', field)
  const detected = await fileTypeFromBuffer(bytes)
  if (!detected || !(detected.mime in ALLOWED_UPLOADS)) {
    throw new UploadRejectedError(`The selected file must be ${ALLOWED_UPLOADS_SENTENCE}`, field)
  }
  return detected.mime as AllowedContentType
}

/** A name safe to show and to put in a Content-Disposition header: the base name, printable, at most 150 characters. */
export function safeFilename(name: string, contentType: AllowedContentType): string {
  const base = path.basename(name.replaceAll('\\', '/')).replace(/[^\p{L}\p{N} ._()-]+/gu, '_').trim().slice(0, 150)
  const ext = ALLOWED_UPLOADS[contentType].ext
  const stem = base.replace(/\.[^.]*$/, '') || 'upload'
  return `${stem}.${ext}`
}

function uploadsDir(dataDir: string): string {
  return path.resolve(dataDir, 'uploads')
}

/** Checks and stores a file under DATA_DIR/uploads with a random name. The caller records it in `documents`. */
export async function storeUpload(dataDir: string, file: File, field?: string): Promise<StoredUpload> {
  if (file.size > MAX_UPLOAD_BYTES) throw new UploadRejectedError('The selected file must be smaller than 10 MB', field)
  const bytes = new Uint8Array(await file.arrayBuffer())
  const contentType = await checkUpload(bytes, field)
  const storageKey = `${crypto.randomBytes(24).toString('hex')}.${ALLOWED_UPLOADS[contentType].ext}`
  const dir = uploadsDir(dataDir)
  await fs.mkdir(dir, { recursive: true })
  await fs.writeFile(path.join(dir, storageKey), bytes, { flag: 'wx', mode: 0o600 })
  return {
    storageKey,
    filename: safeFilename(file.name || 'upload', contentType),
    contentType,
    sizeBytes: bytes.byteLength,
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
  }
}

/** The bytes of a stored upload. Storage keys are ours (random hex), never a path someone typed. */
export async function readUpload(dataDir: string, storageKey: string): Promise<Uint8Array> {
  if (!/^[0-9a-f]{48}\.[a-z]{3,4}$/.test(storageKey)) throw new UploadRejectedError('That is not a stored file')
  return new Uint8Array(await fs.readFile(path.join(uploadsDir(dataDir), storageKey)))
}

/** Removes a stored file (after the transaction that dropped its document row committed); a missing file is fine. */
export async function deleteUpload(dataDir: string, storageKey: string): Promise<void> {
  if (!/^[0-9a-f]{48}\.[a-z]{3,4}$/.test(storageKey)) return
  await fs.rm(path.join(uploadsDir(dataDir), storageKey), { force: true })
}

export class UploadTooLargeError extends UploadRejectedError {
  constructor(field: string) {
    super('The selected file must be smaller than 10 MB', field)
  }
}

/**
 * Reads a multipart form with its files in memory (each at most 10 MB). A file over the limit throws
 * UploadTooLargeError naming its field, so the route can put the message next to it.
 */
export async function parseMultipartForm(request: Request): Promise<FormData> {
  if (!(request.headers.get('Content-Type') ?? '').startsWith('multipart/form-data')) return request.formData()
  const handler = unstable_composeUploadHandlers(unstable_createMemoryUploadHandler({ maxPartSize: MAX_UPLOAD_BYTES }))
  try {
    return await unstable_parseMultipartFormData(request, handler)
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) throw new UploadTooLargeError(error.field)
    // A body that is not well-formed multipart (a part without a name, a broken header) is the sender's fault: 400.
    if (error instanceof Error && !(error instanceof DomainError)) throw new UploadRejectedError('The form could not be read. Please try again from the page.')
    throw error
  }
}
