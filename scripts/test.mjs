#!/usr/bin/env node
// `npm test`: the unit and integration suite (vitest.config.ts), then the browser journeys (vitest.e2e.config.ts),
// on PostgreSQL when DATABASE_URL is a postgres:// URL and on SQLite otherwise. Vitest's own closing line
// ("Tests 6 passed (6)") is not something CI can read, so each run also writes a JSON report and this script ends with
// one plain line, always the last thing it prints:
//
//   N passed, N failed            (", N skipped" is appended only when something was skipped)
//
// and exits non-zero when anything failed. Errors that are not a failing test still count as a failure: a test file
// that could not be loaded or whose hooks threw, errors vitest caught outside any test, a missing or unreadable report.
// The journeys run against the built app: their global setup (tests/e2e/support/global-setup.ts) runs `remix build`
// first whenever build/ is missing or older than the sources.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import url from 'node:url'

const ROOT = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), '..')
const VITEST = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs')
export const E2E_CONFIG = 'vitest.e2e.config.ts'

/** @typedef {{ passed: number, failed: number, skipped: number, problems: string[] }} Totals */

/** @returns {Totals} */
export function emptyTotals() {
  return { passed: 0, failed: 0, skipped: 0, problems: [] }
}

/**
 * Totals from a vitest JSON report (the Jest-compatible shape) and vitest's exit code.
 * @param {any} report the parsed report, or undefined when it is missing or unreadable
 * @param {number | null} exitCode
 * @param {string} label the suite's name, for messages
 * @returns {Totals}
 */
export function totalsFromReport(report, exitCode, label) {
  const totals = emptyTotals()
  if (!report || !Array.isArray(report.testResults)) {
    totals.failed = 1
    totals.problems.push(`${label}: vitest wrote no readable JSON report (exit code ${exitCode})`)
    return totals
  }
  totals.passed = report.numPassedTests ?? 0
  totals.failed = report.numFailedTests ?? 0
  totals.skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
  for (const file of report.testResults) {
    const relative = path.relative(ROOT, file.name ?? '')
    const failedTests = (file.assertionResults ?? []).filter((a) => a.status === 'failed')
    for (const test of failedTests) totals.problems.push(`${label}: ${relative} > ${test.fullName ?? test.title}`)
    // A file that failed without a failing test: it did not load, or a beforeAll/afterAll hook threw.
    if (file.status === 'failed' && failedTests.length === 0) {
      totals.failed += 1
      const reason = String(file.message ?? '').split('\n')[0] || 'the file failed outside its tests'
      totals.problems.push(`${label}: ${relative}: ${reason}`)
    }
  }
  // Vitest also fails a run for errors it caught outside any test (an unhandled rejection, a crashed worker, a
  // global setup that threw). The report has no entry for those, so count one failure and point at the output above.
  if ((exitCode !== 0 || report.success === false) && totals.failed === 0) {
    totals.failed = 1
    totals.problems.push(`${label}: vitest exited with code ${exitCode} without a failing test (see its errors above)`)
  }
  return totals
}

/** @param {Totals} a @param {Totals} b @returns {Totals} */
export function addTotals(a, b) {
  return {
    passed: a.passed + b.passed,
    failed: a.failed + b.failed,
    skipped: a.skipped + b.skipped,
    problems: [...a.problems, ...b.problems],
  }
}

/** The closing line CI reads. @param {Totals} t */
export function totalsLine(t) {
  return `${t.passed} passed, ${t.failed} failed${t.skipped > 0 ? `, ${t.skipped} skipped` : ''}`
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

function isPostgresUrl(value) {
  return !!value && /^postgres(ql)?:\/\//.test(value)
}

function chromiumPath(env) {
  const candidate = env.CHROMIUM_PATH || '/usr/bin/chromium'
  try {
    fs.accessSync(candidate, fs.constants.X_OK)
    return candidate
  } catch {
    return undefined
  }
}

/**
 * Runs `vitest run` with the default and JSON reporters and returns its totals.
 * @param {string} label the suite's name, for messages
 * @param {string[]} args extra vitest arguments (e.g. ['--config', E2E_CONFIG])
 * @param {string} reportFile where the JSON report goes
 * @param {{ env?: Record<string, string | undefined>, quiet?: boolean }} [options] quiet: no vitest output (for this script's own tests)
 * @returns {Totals}
 */
export function runVitest(label, args, reportFile, { env = process.env, quiet = false } = {}) {
  if (!quiet) console.log(`\n=== ${label}: vitest run ${args.join(' ')}`)
  const started = Date.now()
  const result = spawnSync(
    process.execPath,
    [VITEST, 'run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`],
    { cwd: ROOT, env, stdio: quiet ? 'ignore' : 'inherit' },
  )
  const exitCode = result.status ?? (result.signal ? 128 : 1)
  const totals = totalsFromReport(readJson(reportFile), exitCode, label)
  if (!quiet) console.log(`=== ${label}: ${totalsLine(totals)} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  return totals
}

/**
 * Without Chromium the journeys cannot run. Locally that is a skip, made loud, and counted as the number of journey
 * tests so the closing line says how much went unchecked: `vitest list` collects the files without the global setup
 * (E2E_COLLECT_ONLY) and so without a server. If even collection fails, each journey file counts as one skip, which
 * under-counts but never hides that something was skipped.
 */
export function countJourneyTests(env, tmp) {
  const listFile = path.join(tmp, 'e2e-list.json')
  const result = spawnSync(process.execPath, [VITEST, 'list', '--config', E2E_CONFIG, `--json=${listFile}`], {
    cwd: ROOT,
    env: { ...env, E2E_COLLECT_ONLY: 'true' },
    stdio: 'ignore',
  })
  const listed = result.status === 0 ? readJson(listFile) : undefined
  if (Array.isArray(listed) && listed.length > 0) return listed.length
  const dir = path.join(ROOT, 'tests', 'e2e')
  const files = fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.test.ts')) : []
  return Math.max(files.length, 1)
}

function main() {
  const env = { ...process.env, VITE_CJS_IGNORE_WARNING: 'true' }
  const postgres = isPostgresUrl(env.DATABASE_URL)
  if (!postgres) delete env.DATABASE_URL
  const engine = postgres ? `postgres (${new URL(env.DATABASE_URL).host})` : 'sqlite'
  console.log(`npm test: database engine ${engine}`)
  if (!postgres) {
    // One run covers one engine. Say so loudly, so nobody mistakes a SQLite run for a PostgreSQL one.
    console.log(
      '!! PostgreSQL: not run by this `npm test` (it used SQLite). CI runs the suite on both engines (.ci/run);\n' +
        '!! locally: DATABASE_URL=$(scripts/pg-local.sh start) npm test',
    )
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'commonpot-test-reports-'))
  let totals = emptyTotals()
  try {
    totals = addTotals(totals, runVitest('unit', [], path.join(tmp, 'unit.json'), { env }))

    const chromium = chromiumPath(env)
    if (chromium) {
      totals = addTotals(totals, runVitest('browser', ['--config', E2E_CONFIG], path.join(tmp, 'e2e.json'), { env: { ...env, CHROMIUM_PATH: chromium } }))
    } else if (env.CI && env.CI !== 'false' && env.CI !== '0') {
      const where = env.CHROMIUM_PATH || '/usr/bin/chromium'
      console.log(`\n=== browser: FAILED: Chromium not found at ${where}; CI must run the browser journeys (apt-get install chromium)`)
      totals = addTotals(totals, { passed: 0, failed: 1, skipped: 0, problems: [`browser: Chromium not found at ${where}`] })
    } else {
      const skipped = countJourneyTests(env, tmp)
      const bar = '!'.repeat(78)
      console.log(`\n${bar}\n!! SKIPPED browser tests: Chromium not found (install: apt-get install chromium)\n!! ${skipped} browser test(s) did not run.\n${bar}`)
      totals = addTotals(totals, { passed: 0, failed: 0, skipped, problems: [] })
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }

  if (totals.problems.length > 0) {
    console.log('\nFailures:')
    for (const problem of totals.problems) console.log(`  - ${problem}`)
  }
  console.log(`\nengine: ${engine}`)
  console.log(totalsLine(totals))
  process.exitCode = totals.failed > 0 ? 1 : 0
}

if (process.argv[1] && path.resolve(process.argv[1]) === url.fileURLToPath(import.meta.url)) main()
