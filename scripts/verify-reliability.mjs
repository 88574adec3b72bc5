#!/usr/bin/env node
// `npm run verify:reliability [-- --update-readme]`: the proofs of reliability and security (tests/reliability/**, run
// by vitest.reliability.config.ts) on the engine DATABASE_URL names (PostgreSQL for a postgres:// URL, else SQLite),
// then a table of what was tried, how many times, and what held. Each test tallies its checks through
// tests/reliability/support/record.ts into a fresh folder; this script adds them up. A check that did not hold is also a
// failing test, so the closing line (`N passed, N failed`) and the exit code say so too.
//
//   --update-readme   put the table between <!-- reliability:sqlite:start --> and <!-- reliability:sqlite:end --> in
//                     README.md (postgresql for a PostgreSQL run)
//
// `npm test` calls runReliability() between the unit suite and the browser journeys, so CI runs it on both engines.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import url from 'node:url'
import { addTotals, chromiumPath, E2E_CONFIG, runVitest, totalsLine } from './test.mjs'

const ROOT = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), '..')
export const RELIABILITY_CONFIG = 'vitest.reliability.config.ts'
/** Proofs that need a browser (escaping of hostile text): journeys with the journey config, run here, not by npm test's journey phase. */
export const BROWSER_DIR = path.join('tests', 'e2e', 'reliability')
/** README markers for one engine's table, e.g. `<!-- reliability:sqlite:start -->`. */
export const tableStart = (engine) => `<!-- reliability:${engine.toLowerCase()}:start -->`
export const tableEnd = (engine) => `<!-- reliability:${engine.toLowerCase()}:end -->`
const AREAS = ['Access matrix', 'Hostile input', 'Races', 'Crashes', 'Backup and restore', 'Sessions and headers']

/**
 * The records in a results folder, summed by area, check and engine, in the order of areas.
 * @param {string} dir
 * @returns {Array<{ area: string, check: string, engine: string, tried: number, held: number }>}
 */
export function readRecords(dir) {
  /** @type {Map<string, { area: string, check: string, engine: string, tried: number, held: number }>} */
  const rows = new Map()
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')) : []
  for (const file of files) {
    for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue
      const r = JSON.parse(line)
      const key = `${r.area}\u0000${r.check}\u0000${r.engine}`
      const row = rows.get(key) ?? { area: r.area, check: r.check, engine: r.engine, tried: 0, held: 0 }
      row.tried += r.tried
      row.held += r.held
      rows.set(key, row)
    }
  }
  const order = (area) => (AREAS.includes(area) ? AREAS.indexOf(area) : AREAS.length)
  return [...rows.values()].sort((a, b) => order(a.area) - order(b.area) || a.area.localeCompare(b.area))
}

/**
 * The markdown table for some records.
 * @param {Array<{ area: string, check: string, tried: number, held: number }>} records
 * @param {{ engine?: string, when?: Date }} [options]
 */
export function renderTable(records, { engine = 'SQLite', when = new Date() } = {}) {
  const lines = [
    `Engine: ${engine}; run ${when.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    '',
    '| Area | What was tried | Times | Held |',
    '|---|---|---:|---|',
  ]
  for (const r of records) {
    const held = r.held === r.tried ? `all ${r.held.toLocaleString('en-GB')}` : `**${r.held.toLocaleString('en-GB')} of ${r.tried.toLocaleString('en-GB')}**`
    lines.push(`| ${r.area} | ${r.check.replace(/\|/g, '\\|')} | ${r.tried.toLocaleString('en-GB')} | ${held} |`)
  }
  if (records.length === 0) lines.push('| (none) | no checks were recorded | 0 | - |')
  return `${lines.join('\n')}\n`
}

/** The README with one engine's table (between that engine's markers) replaced. */
export function replaceTable(readme, table, engine) {
  const [open, close] = [tableStart(engine), tableEnd(engine)]
  const start = readme.indexOf(open)
  const end = readme.indexOf(close)
  if (start < 0 || end < 0) throw new Error(`README.md has no ${open} … ${close} markers`)
  if (end < start) throw new Error(`${close} comes before ${open} in README.md`)
  return `${readme.slice(0, start + open.length)}\n${table}${readme.slice(end)}`
}

/**
 * Runs the reliability suite once and prints its table. Resolves to vitest's totals, plus one failure for every check
 * that did not hold (each is also a failing test, but a tally that disagrees must never pass quietly).
 * @param {Record<string, string | undefined>} env
 * @param {string} tmp a scratch folder for the report and the records
 * @param {{ updateReadme?: boolean, logFile?: string }} [options]
 */
export async function runReliability(env, tmp, { updateReadme = false, logFile } = {}) {
  const results = path.join(tmp, 'reliability-records')
  fs.rmSync(results, { recursive: true, force: true })
  fs.mkdirSync(results, { recursive: true })
  let totals = await runVitest('reliability', ['--config', RELIABILITY_CONFIG], path.join(tmp, 'reliability.json'), {
    env: { ...env, RELIABILITY_RESULTS_DIR: results },
    logFile,
  })
  const browserFiles = fs.existsSync(path.join(ROOT, BROWSER_DIR))
    ? fs.readdirSync(path.join(ROOT, BROWSER_DIR)).filter((f) => f.endsWith('.test.ts')).map((f) => path.join(BROWSER_DIR, f))
    : []
  if (browserFiles.length > 0) {
    const chromium = chromiumPath(env)
    if (chromium) {
      const browserEnv = { ...env, RELIABILITY_RESULTS_DIR: results, CHROMIUM_PATH: chromium, E2E_SHARD: 'reliability' }
      totals = addTotals(totals, await runVitest('reliability (browser)', ['--config', E2E_CONFIG, ...browserFiles], path.join(tmp, 'reliability-browser.json'), { env: browserEnv }))
    } else if (env.CI && env.CI !== 'false' && env.CI !== '0') {
      totals = addTotals(totals, { passed: 0, failed: 1, skipped: 0, problems: ['reliability (browser): Chromium not found; CI must run it (apt-get install chromium)'] })
    } else {
      console.log(`\n!! SKIPPED reliability (browser): Chromium not found; ${browserFiles.length} file(s) did not run`)
      totals = addTotals(totals, { passed: 0, failed: 0, skipped: browserFiles.length, problems: [] })
    }
  }
  const records = readRecords(results)
  const engine = env.DATABASE_URL?.startsWith('postgres') ? 'PostgreSQL' : 'SQLite'
  const table = renderTable(records, { engine })
  console.log(`\n=== reliability: what was tried and what held\n${table}`)
  fs.mkdirSync(path.join(ROOT, '.cache', 'reliability'), { recursive: true })
  fs.writeFileSync(path.join(ROOT, '.cache', 'reliability', `latest-${engine.toLowerCase()}.md`), table)
  for (const r of records) {
    if (r.held !== r.tried) {
      totals.failed += 1
      totals.problems.push(`reliability: ${r.area}: ${r.check}: ${r.held} of ${r.tried} held`)
    }
  }
  if (updateReadme) {
    const file = path.join(ROOT, 'README.md')
    fs.writeFileSync(file, replaceTable(fs.readFileSync(file, 'utf8'), table, engine))
    console.log('README.md: reliability table updated')
  }
  return totals
}

async function main() {
  const args = process.argv.slice(2)
  const unknown = args.filter((a) => a !== '--update-readme')
  if (unknown.length > 0) {
    console.log(`usage: npm run verify:reliability [-- --update-readme] (unknown: ${unknown.join(' ')})`)
    process.exitCode = 2
    return
  }
  const env = { ...process.env, VITE_CJS_IGNORE_WARNING: 'true' }
  if (!env.DATABASE_URL?.startsWith('postgres')) delete env.DATABASE_URL
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'commonpot-reliability-'))
  try {
    const totals = await runReliability(env, tmp, { updateReadme: args.includes('--update-readme') })
    if (totals.problems.length > 0) {
      console.log('\nFailures:')
      for (const problem of totals.problems) console.log(`  - ${problem}`)
    }
    console.log(totalsLine(totals))
    process.exitCode = totals.failed > 0 ? 1 : 0
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === url.fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.log(`verify:reliability stopped: ${error?.stack ?? error}`)
    console.log('0 passed, 1 failed')
    process.exitCode = 1
  })
}
