/**
 * Runs in every browser-journey file (setupFiles in vitest.e2e.config.ts). After each test: its pages' console errors,
 * pages axe never checked, and anything new on the server's stderr fail it; its browser contexts close. When a test
 * fails, the tail of the server log is printed beside it and each open page is saved as a screenshot.
 */
import { afterAll, afterEach, beforeEach } from 'vitest'
import { closeSharedBrowser, finishWatchedPages } from './browser.ts'
import { markServerStderr, serverLogTail, unexpectedServerStderr } from './server-log.ts'

beforeEach((ctx) => {
  markServerStderr()
  ctx.onTestFailed(() => {
    console.error(serverLogTail())
  })
})

afterEach(async (ctx) => {
  const failed = ctx.task.result?.state === 'fail'
  const problems = await finishWatchedPages({ testName: ctx.task.fullName ?? ctx.task.name, failed })
  const stderr = unexpectedServerStderr()
  if (stderr) problems.push(`The server wrote to stderr during this test (allowServerErrors(/.../) if that is expected):\n${stderr}`)
  if (problems.length > 0) throw new Error(problems.join('\n\n'))
})

afterAll(async () => {
  await closeSharedBrowser()
})
