import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { temporaryNameFor, writeFileAtomically } from './atomic-file.server.ts'

describe('writeFileAtomically', () => {
  test('writes the whole file under its name, replacing what was there, and leaves no temporary file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'))
    const file = path.join(dir, 'kept.json')
    fs.writeFileSync(file, 'old')
    await writeFileAtomically(file, '{"new":true}', { mode: 0o600 })
    expect(fs.readFileSync(file, 'utf8')).toBe('{"new":true}')
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(fs.readdirSync(dir)).toEqual(['kept.json'])
  })

  test('throws when it cannot write, leaving nothing behind', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'))
    await expect(writeFileAtomically(path.join(dir, 'missing', 'kept.json'), 'x')).rejects.toThrow(/ENOENT/)
    expect(fs.readdirSync(dir)).toEqual([])
  })

  test('names each temporary file differently, beside the file', () => {
    const a = temporaryNameFor('/data/cache/kept.json')
    expect(a).toMatch(/^\/data\/cache\/kept\.json\.\d+-[0-9a-f-]{36}\.tmp$/)
    expect(temporaryNameFor('/data/cache/kept.json')).not.toBe(a)
  })
})
