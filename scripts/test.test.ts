import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runVitest, totalsFromReport, totalsLine } from './test.mjs'

function file(name: string, status: 'passed' | 'failed', tests: Array<'passed' | 'failed' | 'skipped' | 'todo'>, message = '') {
  return { name: `/repo/${name}`, status, message, assertionResults: tests.map((s, i) => ({ title: `test ${i}`, fullName: `test ${i}`, status: s })) }
}

function report(files: ReturnType<typeof file>[]) {
  const all = files.flatMap((f) => f.assertionResults)
  return {
    numPassedTests: all.filter((a) => a.status === 'passed').length,
    numFailedTests: all.filter((a) => a.status === 'failed').length,
    numPendingTests: all.filter((a) => a.status === 'skipped').length,
    numTodoTests: all.filter((a) => a.status === 'todo').length,
    success: files.every((f) => f.status === 'passed'),
    testResults: files,
  }
}

describe('the closing line', () => {
  test('names passed and failed, and skipped only when something was skipped', () => {
    expect(totalsLine({ passed: 12, failed: 0, skipped: 0, problems: [] })).toBe('12 passed, 0 failed')
    expect(totalsLine({ passed: 12, failed: 1, skipped: 3, problems: [] })).toBe('12 passed, 1 failed, 3 skipped')
  })
})

describe('totals from a vitest JSON report', () => {
  test('a clean run counts its tests, with skipped and todo tests as skipped', () => {
    const totals = totalsFromReport(report([file('a.test.ts', 'passed', ['passed', 'passed', 'skipped', 'todo'])]), 0, 'unit')
    expect(totals).toMatchObject({ passed: 2, failed: 0, skipped: 2, problems: [] })
  })

  test('a failing test is a failure named in the problems', () => {
    const totals = totalsFromReport(report([file('a.test.ts', 'failed', ['passed', 'failed'])]), 1, 'unit')
    expect(totals).toMatchObject({ passed: 1, failed: 1 })
    expect(totals.problems).toEqual([expect.stringMatching(/^unit: .*a\.test\.ts > test 1$/)])
  })

  test('a file that failed to load counts as one failure', () => {
    const broken = file('broken.test.ts', 'failed', [], "Cannot find module './gone.ts'")
    const totals = totalsFromReport(report([file('a.test.ts', 'passed', ['passed']), broken]), 1, 'unit')
    expect(totals).toMatchObject({ passed: 1, failed: 1 })
    expect(totals.problems[0]).toContain("Cannot find module './gone.ts'")
  })

  test('a file whose hook threw counts as a failure even though its tests passed', () => {
    const totals = totalsFromReport(report([file('hook.test.ts', 'failed', ['passed'], 'afterAll broke')]), 1, 'unit')
    expect(totals).toMatchObject({ passed: 1, failed: 1 })
  })

  test('a non-zero exit with nothing failed in the report (an unhandled error) counts as one failure', () => {
    const totals = totalsFromReport(report([file('a.test.ts', 'passed', ['passed'])]), 1, 'unit')
    expect(totals).toMatchObject({ passed: 1, failed: 1 })
  })

  test('a missing report counts as one failure', () => {
    expect(totalsFromReport(undefined, 1, 'browser')).toMatchObject({ passed: 0, failed: 1 })
    expect(totalsFromReport({ not: 'a report' }, 0, 'browser')).toMatchObject({ passed: 0, failed: 1 })
  })
})

describe('a real vitest run', () => {
  let dir: string
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'commonpot-runner-test-'))
    fs.symlinkSync(path.resolve('node_modules'), path.join(dir, 'node_modules'), 'dir')
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }')
    fs.writeFileSync(path.join(dir, 'vitest.config.js'), "export default { test: { include: ['*.test.js'] } }\n")
    fs.writeFileSync(path.join(dir, 'pass.test.js'), "import { test } from 'vitest'\ntest('passes', () => {})\ntest.skip('is skipped', () => {})\n")
    fs.writeFileSync(path.join(dir, 'fail.test.js'), "import { expect, test } from 'vitest'\ntest('fails', () => expect(1).toBe(2))\n")
    fs.writeFileSync(path.join(dir, 'broken.test.js'), "import { test } from 'vitest'\nimport './missing.js'\ntest('never runs', () => {})\n")
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  test('counts a failing test and a file that cannot be imported as two failures', () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, VITE_CJS_IGNORE_WARNING: 'true' }
    const totals = runVitest('scratch', ['--root', dir, '--config', path.join(dir, 'vitest.config.js')], path.join(dir, 'report.json'), {
      env,
      quiet: true,
    })
    expect(totalsLine(totals)).toBe('1 passed, 2 failed, 1 skipped')
    expect(totals.problems.join('\n')).toMatch(/broken\.test\.js: .*missing\.js/)
  })
})
