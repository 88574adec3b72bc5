/**
 * The national dataset's seeded randomness: mulberry32, a small fast 32-bit PRNG, so the same seed gives the same
 * dataset on every machine and every run. Never Math.random() and never the clock for data.
 */

export type Random = () => number

/** mulberry32: uniform in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A whole number from min to max inclusive. */
export function int(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1))
}

export function pick<T>(random: Random, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!
}

/** True with probability p. */
export function chance(random: Random, p: number): boolean {
  return random() < p
}

/** A deterministic in-place Fisher-Yates shuffle. */
export function shuffle<T>(random: Random, list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const tmp = list[i]!
    list[i] = list[j]!
    list[j] = tmp
  }
  return list
}
