import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import express from 'express'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import { publicFiles } from '../../server.mjs'

let dir: string
let origin: string
let close: () => void

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'commonpot-public-'))
  fs.writeFileSync(path.join(dir, 'styles.css'), 'body { color: black }')
  fs.writeFileSync(path.join(dir, 'two words.txt'), 'spaced')
  const app = express()
  app.use(publicFiles(dir))
  app.use((_req, res) => res.type('text/plain').send('the app'))
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  close = () => server.close()
})

afterAll(() => {
  close()
  fs.rmSync(dir, { recursive: true, force: true })
})

test("public/'s files are served, with an hour in caches", async () => {
  const res = await fetch(`${origin}/styles.css`)
  expect(res.status).toBe(200)
  expect(res.headers.get('cache-control')).toBe('public, max-age=3600')
  expect(await res.text()).toBe('body { color: black }')
  expect(await (await fetch(`${origin}/two%20words.txt`)).text()).toBe('spaced')
})

test('a page goes straight to the app without looking on disk for a file of its name', async () => {
  const stat = vi.spyOn(fs, 'stat')
  try {
    for (const p of ['/pots/90/dashboard', '/funding', '/', '/%E0%A4%A']) {
      const res = await fetch(`${origin}${p}`)
      expect(await res.text(), p).toBe('the app')
    }
    expect(stat).not.toHaveBeenCalled()
    await fetch(`${origin}/styles.css`)
    expect(stat).toHaveBeenCalled()
  } finally {
    stat.mockRestore()
  }
})

test('a file put in public/ after the start is not served (production builds do not change while they run)', async () => {
  fs.writeFileSync(path.join(dir, 'later.css'), 'late')
  expect(await (await fetch(`${origin}/later.css`)).text()).toBe('the app')
})
