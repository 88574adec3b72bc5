/** Medians from counted values (a histogram), so a page can give a median without holding every case. */

/**
 * The median of values given as (value, count) pairs: the middle value, or the mean of the two middle values when the
 * total count is even. Null when there are none.
 */
export function medianOfCounts(groups: { value: number; count: number }[]): number | null {
  const sorted = groups.filter((g) => g.count > 0).sort((a, b) => a.value - b.value)
  const total = sorted.reduce((n, g) => n + g.count, 0)
  if (total === 0) return null
  const at = (position: number): number => {
    let seen = 0
    for (const g of sorted) {
      seen += g.count
      if (position < seen) return g.value
    }
    return sorted[sorted.length - 1]!.value
  }
  const lower = at(Math.floor((total - 1) / 2))
  const upper = at(Math.floor(total / 2))
  return (lower + upper) / 2
}

/** A whole-number percentage of part in whole, or null when whole is 0 ("12 of 40" -> 30). */
export function percentOf(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part * 100) / whole) : null
}
