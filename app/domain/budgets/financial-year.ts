/** UK financial years ("2026-27": 1 April 2026 to 31 March 2027). Pure. */

export type FinancialYearResult = { ok: true; label: string; starts: string; ends: string } | { ok: false; message: string }

const PATTERN = /^(\d{4})-(\d{2})$/

/** Reads "2026-27"; the second part must be the year after the first ("2026-28" and "2026-2027" are refused). */
export function parseFinancialYear(text: string): FinancialYearResult {
  const match = PATTERN.exec(text.trim())
  const howTo = 'Enter the financial year like 2026-27'
  if (!match) return { ok: false, message: howTo }
  const first = Number(match[1])
  const next = (first + 1) % 100
  if (Number(match[2]) !== next) return { ok: false, message: `${howTo}: the second year must follow the first (${first}-${String(next).padStart(2, '0')})` }
  if (first < 2000 || first > 2100) return { ok: false, message: 'Enter a financial year between 2000-01 and 2100-01' }
  return { ok: true, label: `${first}-${match[2]}`, starts: `${first}-04-01`, ends: `${first + 1}-03-31` }
}

/** The financial year after this one ("2026-27" -> "2027-28"). */
export function nextFinancialYear(label: string): string {
  const parsed = parseFinancialYear(label)
  if (!parsed.ok) throw new RangeError(parsed.message)
  const first = Number(label.slice(0, 4)) + 1
  return `${first}-${String((first + 1) % 100).padStart(2, '0')}`
}
