/**
 * Documents Commonpot makes itself (offer letters, remittance advice): stored beside uploads, under DATA_DIR/uploads,
 * with a content-addressed name (the first 48 hex characters of the bytes' SHA-256), so storing the same bytes twice
 * writes one file, and readUpload (app/lib/uploads.server.ts) reads them back like any upload. The caller records the
 * document in `documents` (with the full SHA-256) in its own transaction; a file whose transaction rolled back is left
 * behind harmlessly, and reused if the same bytes are made again.
 */
import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { writeFileAtomically } from './atomic-file.server.ts'

export interface GeneratedDocument {
  storageKey: string
  filename: string
  contentType: 'application/pdf'
  sizeBytes: number
  sha256: string
}

/** The SHA-256 of the bytes, as lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex')
}

/** Writes a generated PDF under DATA_DIR/uploads (once per content) and returns what the `documents` row needs. */
export async function storeGeneratedDocument(dataDir: string, bytes: Uint8Array, filename: string): Promise<GeneratedDocument> {
  const sha256 = sha256Hex(bytes)
  const storageKey = `${sha256.slice(0, 48)}.pdf`
  const dir = path.resolve(dataDir, 'uploads')
  await fs.mkdir(dir, { recursive: true })
  const file = path.join(dir, storageKey)
  const exists = await fs.stat(file).then(
    () => true,
    () => false,
  )
  if (!exists) {
    await writeFileAtomically(file, bytes, { mode: 0o600 })
  }
  const safe = filename.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'document.pdf'
  return { storageKey, filename: safe.endsWith('.pdf') ? safe : `${safe}.pdf`, contentType: 'application/pdf', sizeBytes: bytes.byteLength, sha256 }
}
