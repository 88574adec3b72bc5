/**
 * Writing a file so that a reader never sees half of it: written under a temporary name beside it, then renamed
 * (a rename within a folder replaces the file in one step). Used for generated documents and the kept 360Giving files.
 */
import crypto from 'node:crypto'
import fs from 'node:fs/promises'

/** A name beside `file` for writing it before the rename: unique to this process and call. */
export function temporaryNameFor(file: string): string {
  return `${file}.${process.pid}-${crypto.randomUUID()}.tmp`
}

export async function writeFileAtomically(file: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  const temporary = temporaryNameFor(file)
  try {
    await fs.writeFile(temporary, data, options)
    await fs.rename(temporary, file)
  } catch (error) {
    await fs.rm(temporary, { force: true })
    throw error
  }
}
