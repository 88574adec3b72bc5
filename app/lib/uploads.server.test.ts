import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { tinyPdf, tinyPng } from '~/domain/applications/test-support.server.ts'
import { checkUpload, MAX_UPLOAD_BYTES, parseMultipartForm, readUpload, storeUpload, UploadRejectedError, UploadTooLargeError } from './uploads.server.ts'

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'commonpot-uploads-'))
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }))

describe('uploads are checked by content', () => {
  test('a real PDF is stored under a random name and read back unchanged', async () => {
    const stored = await storeUpload(dataDir, new File([tinyPdf()], '../../etc/My plan.pdf', { type: 'text/plain' }))
    expect(stored.contentType).toBe('application/pdf')
    expect(stored.filename).toBe('My plan.pdf')
    expect(stored.storageKey).toMatch(/^[0-9a-f]{48}\.pdf$/)
    expect(await readUpload(dataDir, stored.storageKey)).toEqual(tinyPdf())
  })
  test('a text file with a lying .pdf extension and content type is refused', async () => {
    const lying = new File(['just some words, not a PDF'], 'plan.pdf', { type: 'application/pdf' })
    await expect(storeUpload(dataDir, lying, 'plan')).rejects.toMatchObject({ message: 'The selected file must be a PDF, Word document (DOCX), Excel spreadsheet (XLSX), JPEG or PNG', field: 'plan' })
  })
  test('an image named .docx is stored as what it really is, a PNG', async () => {
    const stored = await storeUpload(dataDir, new File([tinyPng()], 'letter.docx'))
    expect(stored.contentType).toBe('image/png')
    expect(stored.filename).toBe('letter.png')
  })
  test('a GIF is refused although it is an image', async () => {
    await expect(checkUpload(new TextEncoder().encode('GIF89a\u0001\u0000\u0001\u0000'))).rejects.toBeInstanceOf(UploadRejectedError)
  })
  test('files over 10 MB are refused', async () => {
    const big = new Uint8Array(MAX_UPLOAD_BYTES + 1)
    big.set(tinyPdf())
    await expect(checkUpload(big, 'plan')).rejects.toThrow('The selected file must be smaller than 10 MB')
  })
  test('a multipart form with a file over 10 MB names the field', async () => {
    const form = new FormData()
    form.append('plan', new File([new Uint8Array(MAX_UPLOAD_BYTES + 10)], 'big.pdf'))
    const request = new Request('http://localhost/x', { method: 'POST', body: form })
    await expect(parseMultipartForm(request)).rejects.toMatchObject({ constructor: UploadTooLargeError, field: 'plan' })
  })
  test('a stored file cannot be read by a path someone typed', async () => {
    await expect(readUpload(dataDir, '../session-secret')).rejects.toBeInstanceOf(UploadRejectedError)
  })
})
