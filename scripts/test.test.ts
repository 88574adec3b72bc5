import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { e2eProcesses, journeyFiles, runVitest, shareJourneys, totalsFromReport, totalsLine } from './test.mjs'

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

  test('counts a failing test and a file that cannot be imported as two failures', async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, VITE_CJS_IGNORE_WARNING: 'true' }
    const totals = await runVitest('scratch', ['--root', dir, '--config', path.join(dir, 'vitest.config.js')], path.join(dir, 'report.json'), {
      env,
      quiet: true,
    })
    expect(totalsLine(totals)).toBe('1 passed, 2 failed, 1 skipped')
    expect(totals.problems.join('\n')).toMatch(/broken\.test\.js: .*missing\.js/)
  }, 120_000)

  test('two runs side by side, each writing its output to its own log, are counted apart', async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, VITE_CJS_IGNORE_WARNING: 'true' }
    const args = (file: string) => ['--root', dir, '--config', path.join(dir, 'vitest.config.js'), file]
    const [pass, fail] = await Promise.all([
      runVitest('pass', args('pass.test.js'), path.join(dir, 'pass.json'), { env, quiet: true, logFile: path.join(dir, 'pass.log') }),
      runVitest('fail', args('fail.test.js'), path.join(dir, 'fail.json'), { env, quiet: true, logFile: path.join(dir, 'fail.log') }),
    ])
    expect(totalsLine(pass)).toBe('1 passed, 0 failed, 1 skipped')
    expect(totalsLine(fail)).toBe('0 passed, 1 failed')
    expect(fs.readFileSync(path.join(dir, 'fail.log'), 'utf8')).toContain('fail.test.js')
  }, 120_000)
})

describe('sharing the journey files among processes', () => {
  const durations = { 'a.test.ts': 200, 'b.test.ts': 100, 'c.test.ts': 90, 'd.test.ts': 60, 'e.test.ts': 50 }

  test('every file runs exactly once, and the shares take about as long as each other', () => {
    const files = Object.keys(durations)
    const shares = shareJourneys(files, durations, 2)
    expect(shares.flat().sort()).toEqual(files)
    const seconds = shares.map((s) => s.reduce((sum, f) => sum + durations[f as keyof typeof durations], 0))
    expect(seconds).toEqual([250, 250])
  })

  test('a file missing from the table counts as an average one and goes where there is least to do', () => {
    const shares = shareJourneys(['a.test.ts', 'b.test.ts', 'c.test.ts', 'new.test.ts'], durations, 2)
    expect(shares.flat().sort()).toEqual(['a.test.ts', 'b.test.ts', 'c.test.ts', 'new.test.ts'])
    // new counts as 130 (the average of a, b and c): a (200), then new (130) and b (100) beside it, then c (90) with a.
    expect(shares).toEqual([
      ['a.test.ts', 'c.test.ts'],
      ['b.test.ts', 'new.test.ts'],
    ])
  })

  test('never more processes than files, and one process takes them all', () => {
    expect(shareJourneys(['a.test.ts', 'b.test.ts'], durations, 4)).toEqual([['a.test.ts'], ['b.test.ts']])
    expect(shareJourneys(['b.test.ts', 'a.test.ts'], {}, 1)).toEqual([['a.test.ts', 'b.test.ts']])
  })

  test('E2E_PROCESSES sets how many; otherwise one per two cores, at least one and at most four', () => {
    expect(e2eProcesses({ E2E_PROCESSES: '3' }, 2)).toBe(3)
    expect(e2eProcesses({}, 2)).toBe(1)
    expect(e2eProcesses({}, 1)).toBe(1)
    expect(e2eProcesses({}, 16)).toBe(4)
    expect(e2eProcesses({}, 6)).toBe(3)
    expect(e2eProcesses({ E2E_PROCESSES: 'lots' }, 2)).toBe(1)
    expect(e2eProcesses({ E2E_PROCESSES: '0' }, 2)).toBe(1)
  })

  test('the journey files are found under tests/e2e, not its support folder, and all of them are in some share', () => {
    const files = journeyFiles()
    expect(files).toContain(path.join('tests', 'e2e', 'smoke.test.ts'))
    expect(files.some((f) => f.includes(`${path.sep}support${path.sep}`))).toBe(false)
    expect(shareJourneys(files, {}, 3).flat().sort()).toEqual(files)
  })
})
