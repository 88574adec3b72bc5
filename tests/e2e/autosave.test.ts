/**
 * With JavaScript on, a section of an application saves itself a couple of seconds after the person stops typing, and
 * says so; what was saved is there after a reload. (Without JavaScript the explicit Save buttons do the same: the
 * apply journey covers them.)
 */
import crypto from 'node:crypto'
import { expect, test } from 'vitest'
import { DEMO_DOMAIN } from '../../db/seed/demo.ts'
import { landOn, newPage, signInToHome, visit } from './support/journey.ts'

test('a draft section saves itself after typing stops, and the answer is there after a reload', { timeout: 120_000 }, async () => {
  const page = await newPage()
  await signInToHome(page, `orgadmin@${DEMO_DOMAIN}`)

  // The demo choir's draft bid to the open Thriving Communities round.
  await visit(page, '/applications')
  await page.getByRole('link', { name: /Thriving Communities 2026\/27|TCF-2026-/ }).first().click()
  await page.waitForURL((url) => /^\/applications\/\d+$/.test(url.pathname))
  const taskList = new URL(page.url()).pathname
  await landOn(page, taskList)
  await page.getByRole('link', { name: 'Your project' }).click()
  await page.waitForURL((url) => url.pathname.startsWith(`${taskList}/sections/`))
  const sectionPath = new URL(page.url()).pathname
  await landOn(page, sectionPath)

  const title = `Singing for the Brain, Mitcham ${crypto.randomBytes(3).toString('hex')}`
  await page.getByLabel('Project title', { exact: true }).fill(title)
  await page.getByRole('status').filter({ hasText: /Saved at \d{2}:\d{2}/ }).waitFor({ timeout: 30_000 })

  await visit(page, sectionPath)
  expect(await page.getByLabel('Project title', { exact: true }).inputValue()).toBe(title)
})
