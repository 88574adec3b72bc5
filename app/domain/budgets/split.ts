/**
 * How an award is split across a pot's contributions. Pure, so it can be property-tested on its own.
 *
 * The default rule (ADR 0008):
 * 1. Only eligible contributions take part: those whose ring-fence conditions allow the award (ring-fence.ts) and
 *    that have money available. Each has a cap: the smaller of its available balance and its maximum share of the
 *    award (maxContributionToAward).
 * 2. If the caps add up to less than the award, the split is refused, naming the conditions that hold money back.
 * 3. Otherwise the award is shared in proportion to each participant's available balance, by largest remainder to
 *    the penny (allocateByWeights, ties to the lower contribution id). Any participant whose share exceeds its cap
 *    is fixed at its cap and leaves; what is still unallocated is shared again among the others in proportion to
 *    their available balances. This repeats until no share exceeds its cap (at most one round per participant).
 * Participants are always taken in contribution id order, so the same inputs give the same split.
 *
 * An override (a fund manager's own split) must name only eligible contributions, keep each part within its cap and
 * add up to the award exactly; otherwise it is refused with the binding condition.
 */
import { allocateByWeights, formatPence } from '~/lib/money.ts'
import { bindingConditionMessage } from './ring-fence.ts'

export interface SplitCandidate {
  contributionId: number
  /** The contributor's name, for messages ("National Lottery Community Fund"). */
  label: string
  /** What the contribution can commit now (its available balance; plus outstanding on a pledged-basis pot). */
  availablePence: number
  /** The most its conditions let it give to this award (maxContributionToAward). */
  shareCapPence: number
  maxSharePercent: number | null
  /** Empty when its conditions allow the award; otherwise the sentences it breaks. */
  ineligibleReasons: string[]
}

export interface SplitPart {
  contributionId: number
  amountPence: number
}

export type SplitResult = { ok: true; parts: SplitPart[] } | { ok: false; message: string; eligiblePence: number }

function capOf(c: SplitCandidate): number {
  return c.ineligibleReasons.length > 0 ? 0 : Math.max(0, Math.min(c.availablePence, c.shareCapPence))
}

/** What keeps money out of reach, as clauses for the refusal message. */
function bindingConditions(candidates: SplitCandidate[]): string[] {
  const clauses: string[] = []
  for (const c of candidates) {
    if (c.availablePence <= 0) continue
    if (c.ineligibleReasons.length > 0) clauses.push(`the ${c.label} contribution cannot fund this award (${c.ineligibleReasons.join('; ')})`)
    else if (c.shareCapPence < c.availablePence && c.maxSharePercent !== null) {
      clauses.push(`the ${c.label} contribution is limited to ${c.maxSharePercent}% of any one award`)
    }
  }
  return clauses
}

export function refusal(amountPence: number, candidates: SplitCandidate[]): SplitResult {
  const eligiblePence = candidates.reduce((sum, c) => sum + capOf(c), 0)
  return { ok: false, eligiblePence, message: bindingConditionMessage(eligiblePence, amountPence, bindingConditions(candidates)) }
}

/** The default split (see the module comment). Parts of 0p are left out. */
export function proportionalSplit(amountPence: number, candidates: SplitCandidate[]): SplitResult {
  const sorted = [...candidates].sort((a, b) => a.contributionId - b.contributionId)
  const capTotal = sorted.reduce((sum, c) => sum + capOf(c), 0)
  if (capTotal < amountPence) return refusal(amountPence, sorted)
  const allocated = new Map<number, number>()
  let active = sorted.filter((c) => capOf(c) > 0)
  let remaining = amountPence
  while (remaining > 0) {
    const shares = allocateByWeights(remaining, active.map((c) => c.availablePence))
    const over = active.filter((c, i) => shares[i] > capOf(c))
    if (over.length === 0) {
      active.forEach((c, i) => allocated.set(c.contributionId, shares[i]))
      remaining = 0
      break
    }
    for (const c of over) {
      allocated.set(c.contributionId, capOf(c))
      remaining -= capOf(c)
    }
    active = active.filter((c) => !over.includes(c))
  }
  const parts = sorted.map((c) => ({ contributionId: c.contributionId, amountPence: allocated.get(c.contributionId) ?? 0 })).filter((p) => p.amountPence > 0)
  return { ok: true, parts }
}

/** Checks a fund manager's own split against every rule; the first rule it breaks is named in the refusal. */
export function checkOverrideSplit(amountPence: number, candidates: SplitCandidate[], split: Record<number, number>): SplitResult {
  const byId = new Map(candidates.map((c) => [c.contributionId, c]))
  const parts: SplitPart[] = []
  for (const [key, pence] of Object.entries(split).sort(([a], [b]) => Number(a) - Number(b))) {
    const id = Number(key)
    const c = byId.get(id)
    if (!Number.isSafeInteger(pence) || pence < 0) return { ok: false, eligiblePence: 0, message: `Each part of the split must be a whole, non-negative number of pence` }
    if (pence === 0) continue
    if (!c) return { ok: false, eligiblePence: 0, message: `Contribution ${id} is not part of this pot` }
    if (c.ineligibleReasons.length > 0) return { ok: false, eligiblePence: 0, message: `The ${c.label} contribution cannot fund this award: ${c.ineligibleReasons.join('; ')}` }
    if (pence > c.shareCapPence) {
      return { ok: false, eligiblePence: 0, message: `The ${c.label} contribution is limited to ${c.maxSharePercent}% of any one award (${formatPence(c.shareCapPence)}); the split gives it ${formatPence(pence)}` }
    }
    if (pence > c.availablePence) {
      return { ok: false, eligiblePence: 0, message: `The ${c.label} contribution has ${formatPence(c.availablePence)} available; the split gives it ${formatPence(pence)}` }
    }
    parts.push({ contributionId: id, amountPence: pence })
  }
  const total = parts.reduce((sum, p) => sum + p.amountPence, 0)
  if (total !== amountPence) {
    return { ok: false, eligiblePence: 0, message: `The split adds up to ${formatPence(total)} but the award is ${formatPence(amountPence)}` }
  }
  return { ok: true, parts }
}
