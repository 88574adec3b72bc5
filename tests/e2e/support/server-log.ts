/**
 * The app under test writes its output to .cache/e2e/server.<engine>.log (and its stderr, again, to
 * server.<engine>.stderr.log).
 * Anything new on stderr during a test fails that test, as an unexpected console.error does in unit tests, unless the
 * test said it expects it with `allowServerErrors(/pattern/)`.
 */
import fs from 'node:fs'
import { journeyEnvironment } from './provided.ts'

let stderrMark = 0
let allowed: RegExp[] = []

/** The last `lines` lines of a log file ('' when it does not exist). */
export function tailOf(file: string, lines = 40): string {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

/** The current test expects the server to log errors that match `pattern` (e.g. a deliberately broken upload). */
export function allowServerErrors(pattern: RegExp): void {
  allowed.push(pattern)
}

export function markServerStderr(): void {
  allowed = []
  stderrMark = fs.statSync(journeyEnvironment().serverStderrLog, { throwIfNoEntry: false })?.size ?? 0
}

/** What the server wrote to stderr since the mark, less the lines the test allowed. */
export function unexpectedServerStderr(): string {
  const file = journeyEnvironment().serverStderrLog
  const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0
  if (size <= stderrMark) return ''
  const fd = fs.openSync(file, 'r')
  try {
    const buffer = Buffer.alloc(size - stderrMark)
    fs.readSync(fd, buffer, 0, buffer.length, stderrMark)
    stderrMark = size
    return entriesOf(buffer.toString('utf8'))
      .filter((entry) => !allowed.some((pattern) => pattern.test(entry)))
      .join('\n')
  } finally {
    fs.closeSync(fd)
  }
}

/** Log lines grouped so an error and its indented stack trace are one entry, allowed or not as a whole. */
function entriesOf(text: string): string[] {
  const entries: string[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    if (/^[\s}\]]/.test(line) && entries.length > 0) entries[entries.length - 1] += `\n${line}`
    else entries.push(line)
  }
  return entries
}

export function serverLogTail(lines = 40): string {
  const file = journeyEnvironment().serverLog
  return `--- ${file} (last ${lines} lines) ---\n${tailOf(file, lines)}\n--- end of server log ---`
}
