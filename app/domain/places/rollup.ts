/**
 * Rolling figures for old places into the places that replaced them, for reports across the April 2026 ICB changes.
 * Pure: give it the place links (loadPlaceLinks in places.server.ts reads them).
 *
 * The rule, stated on the report pages too: a WHOLE transfer moves 100% of the old place's figure to its successor.
 * A PART transfer (the old place was split) shares the old place's figure EQUALLY among the successors it has part
 * links to, largest remainder to the penny (the first successor by id takes a leftover penny first). No population
 * or boundary weights are available to share it any other way. If an old place has both whole and part links (it
 * should not), the whole link wins. Roll-up repeats until no figure sits on a place that had been succeeded by the
 * date, so a chain of changes ends at the places in force.
 */
import { splitEvenly } from '~/lib/money.ts'

export interface PlaceLinkRow {
  predecessorId: number
  successorId: number
  transfer: 'whole' | 'part'
  effectiveDate: string
}

export const SPLIT_RULE =
  "A whole transfer moves all of an old area's figures to its successor. Where an old area was split between several new areas, its figures are shared equally between them, to the penny: no population weights are available to share them any other way."

/** Figures (pence, or any whole numbers) by place id, with succeeded places' figures moved to their successors. */
export function rollUpToSuccessors(figuresByPlaceId: ReadonlyMap<number, number>, date: string, links: PlaceLinkRow[]): Map<number, number> {
  const inForce = links.filter((l) => l.effectiveDate <= date && l.predecessorId !== l.successorId)
  const byPredecessor = new Map<number, PlaceLinkRow[]>()
  for (const link of inForce) byPredecessor.set(link.predecessorId, [...(byPredecessor.get(link.predecessorId) ?? []), link])
  let figures = new Map(figuresByPlaceId)
  for (let pass = 0; pass <= inForce.length; pass++) {
    const next = new Map<number, number>()
    let moved = false
    const add = (id: number, value: number) => next.set(id, (next.get(id) ?? 0) + value)
    for (const [placeId, value] of [...figures].sort(([a], [b]) => a - b)) {
      const out = byPredecessor.get(placeId)
      if (!out || value === 0) {
        add(placeId, value)
        continue
      }
      moved = true
      const whole = out.find((l) => l.transfer === 'whole')
      if (whole) {
        add(whole.successorId, value)
        continue
      }
      const successors = [...new Set(out.map((l) => l.successorId))].sort((a, b) => a - b)
      const sign = value < 0 ? -1 : 1
      splitEvenly(Math.abs(value), successors.length).forEach((share, i) => add(successors[i], sign * share))
    }
    figures = next
    if (!moved) break
  }
  return figures
}
