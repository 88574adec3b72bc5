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
//
// The unit suite runs first, on its own (it is CPU-bound). Then, to use the wall time the journeys spend waiting on
// the browser and the server, E2E_PROCESSES journey processes run side by side (default: one per two cores, at
// most 4). Each journey process gets its
// own share of the journey files, balanced by the durations in tests/e2e/support/durations.json (a file not listed
// there counts as an average one), and its own app server, port, database, SMTP sink and server log, so no two of
// them share state. Each run writes its own JSON report; the closing line sums them all. With more than one run at
// once, each run's output is printed whole when it ends (its log is in .cache/test-logs/ meanwhile).
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import url from 'node:url'

const ROOT = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), '..')
const VITEST = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs')
export const E2E_CONFIG = 'vitest.e2e.config.ts'
export const E2E_DIR = path.join('tests', 'e2e')
export const DURATIONS_FILE = path.join(E2E_DIR, 'support', 'durations.json')
/** Most journey processes to start by default, however many cores there are. */
const MAX_DEFAULT_E2E_PROCESSES = 4

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

export function chromiumPath(env) {
  const candidate = env.CHROMIUM_PATH || '/usr/bin/chromium'
  try {
    fs.accessSync(candidate, fs.constants.X_OK)
    return candidate
  } catch {
    return undefined
  }
}

/**
 * Runs `vitest run` with the default and JSON reporters and resolves to its totals.
 * @param {string} label the suite's name, for messages
 * @param {string[]} args extra vitest arguments (e.g. ['--config', E2E_CONFIG])
 * @param {string} reportFile where the JSON report goes
 * @param {{ env?: Record<string, string | undefined>, quiet?: boolean, logFile?: string }} [options]
 *   quiet: print nothing (for this script's own tests); logFile: vitest's output goes there, and (unless quiet) is
 *   printed whole when the run ends, so runs side by side do not interleave their lines
 * @returns {Promise<Totals>}
 */
export async function runVitest(label, args, reportFile, { env = process.env, quiet = false, logFile } = {}) {
  const command = `vitest run ${args.join(' ')}`
  if (!quiet) console.log(logFile ? `=== ${label}: started (${command})` : `\n=== ${label}: ${command}`)
  const started = Date.now()
  const log = logFile ? fs.openSync(logFile, 'w') : undefined
  const child = spawn(process.execPath, [VITEST, 'run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`], {
    cwd: ROOT,
    env,
    stdio: log !== undefined ? ['ignore', log, log] : quiet ? 'ignore' : 'inherit',
  })
  const exitCode = await new Promise((resolve) => {
    child.once('error', () => resolve(1))
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
  })
  if (log !== undefined) fs.closeSync(log)
  const totals = totalsFromReport(readJson(reportFile), exitCode, label)
  if (!quiet) {
    if (logFile) console.log(`\n=== ${label}: ${command}\n${fs.readFileSync(logFile, 'utf8').trimEnd()}`)
    console.log(`=== ${label}: ${totalsLine(totals)} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  }
  return totals
}

/**
 * The journey files, as paths relative to the repository (tests/e2e/**\/*.test.ts), sorted. Those under
 * tests/e2e/reliability/ are left out: they are reliability proofs, run by scripts/verify-reliability.mjs.
 * @returns {string[]}
 */
export function journeyFiles(root = ROOT) {
  const dir = path.join(root, E2E_DIR)
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.ts') && !f.split(path.sep).includes('support') && !f.split(path.sep).includes('reliability'))
    .map((f) => path.join(E2E_DIR, f))
    .sort()
}

/**
 * Shares `files` out among at most `processes` journey processes so that each share takes about as long: longest
 * first, each to the share with the least so far. A file missing from `durations` (seconds by path) counts as the
 * average of those listed. Empty shares are left out.
 * @param {string[]} files
 * @param {Record<string, number>} durations
 * @param {number} processes
 * @returns {string[][]}
 */
export function shareJourneys(files, durations, processes) {
  const known = files.map((f) => durations[f]).filter((d) => typeof d === 'number' && d > 0)
  const average = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : 60
  const estimate = (f) => (typeof durations[f] === 'number' && durations[f] > 0 ? durations[f] : average)
  const shares = Array.from({ length: Math.max(1, Math.min(processes, files.length)) }, () => ({ files: [], seconds: 0 }))
  const longestFirst = [...files].sort((a, b) => estimate(b) - estimate(a) || a.localeCompare(b))
  for (const file of longestFirst) {
    const share = shares.reduce((least, s) => (s.seconds < least.seconds ? s : least))
    share.files.push(file)
    share.seconds += estimate(file)
  }
  return shares.filter((s) => s.files.length > 0).map((s) => s.files.sort())
}

/**
 * How many journey processes to run: E2E_PROCESSES when it is a whole number from 1, else one per two cores (at least
 * one, at most 4). Measured on the 2-core CI machine, a journey process with its server and Chromium keeps about 1.5
 * cores busy, and CI runs both engines' suites side by side: more processes only made every journey slower.
 * @returns {number}
 */
export function e2eProcesses(env, cores = os.availableParallelism()) {
  const asked = Number(env.E2E_PROCESSES)
  if (env.E2E_PROCESSES && Number.isInteger(asked) && asked >= 1) return asked
  return Math.max(1, Math.min(Math.floor(cores / 2), MAX_DEFAULT_E2E_PROCESSES))
}

/** The durations table (seconds by journey file); {} when it is missing or unreadable. */
export function readDurations(root = ROOT) {
  const table = readJson(path.join(root, DURATIONS_FILE))
  return table && typeof table === 'object' && !Array.isArray(table) ? table : {}
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

async function main() {
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
  const logs = path.join(ROOT, '.cache', 'test-logs', postgres ? 'postgres' : 'sqlite')
  fs.mkdirSync(logs, { recursive: true })
  let totals = emptyTotals()
  try {
    /** @type {Array<{ label: string, args: string[], env: Record<string, string | undefined> }>} */
    const runs = [{ label: 'unit', args: [], env }]
    const chromium = chromiumPath(env)
    if (chromium) {
      const shares = shareJourneys(journeyFiles(), readDurations(), e2eProcesses(env))
      shares.forEach((files, i) => {
        const label = shares.length > 1 ? `browser ${i + 1}/${shares.length}` : 'browser'
        runs.push({ label, args: ['--config', E2E_CONFIG, ...files], env: { ...env, CHROMIUM_PATH: chromium, E2E_SHARD: String(i + 1) } })
      })
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
    // The unit suite first, alone: it keeps a core busy per worker, and journeys beside it starved it into timeouts
    // on the 2-core CI machine. Then the journey processes side by side (each keeps well under half a core busy).
    const start = (run, sideBySide) => {
      const name = run.label.replace(/\W+/g, '-')
      return runVitest(run.label, run.args, path.join(tmp, `${name}.json`), { env: run.env, logFile: sideBySide ? path.join(logs, `${name}.log`) : undefined })
    }
    const [unit, ...journeys] = runs
    totals = addTotals(totals, await start(unit, false))
    // The reliability proofs (scripts/verify-reliability.mjs: access matrix, hostile input, races, crashes, backup,
    // sessions and headers) next, also alone, printing their table of what was tried and what held.
    const { runReliability } = await import('./verify-reliability.mjs')
    totals = addTotals(totals, await runReliability(env, tmp))
    const results = await Promise.all(journeys.map((run) => start(run, journeys.length > 1)))
    for (const result of results) totals = addTotals(totals, result)
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

if (process.argv[1] && path.resolve(process.argv[1]) === url.fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.log(`npm test stopped: ${error?.stack ?? error}`)
    console.log(totalsLine({ passed: 0, failed: 1, skipped: 0, problems: [] }))
    process.exitCode = 1
  })
}
