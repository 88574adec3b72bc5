/**
 * The tally behind `npm run verify:reliability`'s table. A reliability test says what it tried, how many times, and how
 * many of those held, e.g.
 *
 *   recordCheck({ area: 'Access matrix', check: 'every route and method, anonymous and every role', tried: 1840, held: 1840 })
 *
 * Each record is one JSON line in RELIABILITY_RESULTS_DIR (set by scripts/verify-reliability.mjs); without that
 * directory (a test run by hand) nothing is written. A test still asserts what it checked: the tally only reports it.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

export interface CheckRecord {
  /** The headings: Access matrix, Hostile input, Races, Crashes, Backup and restore, Sessions and headers. */
  area: string
  /** What was tried, in plain words. */
  check: string
  /** How many times it was tried. */
  tried: number
  /** How many of those held (equal to tried when the check passed). */
  held: number
}

const file = `${process.pid}-${crypto.randomBytes(4).toString('hex')}.jsonl`

export function recordCheck(record: CheckRecord): void {
  const dir = process.env.RELIABILITY_RESULTS_DIR
  if (!dir) return
  fs.mkdirSync(dir, { recursive: true })
  const engine = process.env.DATABASE_URL?.startsWith('postgres') ? 'postgres' : 'sqlite'
  fs.appendFileSync(path.join(dir, file), `${JSON.stringify({ ...record, engine })}\n`)
}
