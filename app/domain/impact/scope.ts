/**
 * What an impact roll-up covers: any of a round, a fund, a pot, a place (where the projects work) and a funder, each
 * narrowing the others (none means everything). Isomorphic: the /impact scope picker (a GET form), its loader and the
 * report PDF's query string all read it with the same schema.
 */
import { z } from 'zod'
import { MAX_ID } from '~/lib/ids.ts'

export interface ImpactScope {
  roundId?: number
  fundId?: number
  potId?: number
  /** The place the funded projects work in (the application's place). */
  placeId?: number
  funderId?: number
}

export const SCOPE_KEYS = ['round', 'fund', 'pot', 'place', 'funder'] as const
export type ScopeKey = (typeof SCOPE_KEYS)[number]

/** An id from the query string; blank or anything that is not an id (a whole number from 1 to MAX_ID) means "not chosen". */
const optionalId = z
  .string()
  .optional()
  .transform((v) => (v && /^[1-9]\d{0,9}$/.test(v.trim()) && Number(v.trim()) <= MAX_ID ? Number(v.trim()) : undefined))

const ScopeQuerySchema = z.object({ round: optionalId, fund: optionalId, pot: optionalId, place: optionalId, funder: optionalId })

/** The scope in a query string (?round=&fund=&pot=&place=&funder=). */
export function scopeFromSearchParams(params: URLSearchParams): ImpactScope {
  const raw = Object.fromEntries(SCOPE_KEYS.map((k) => [k, params.get(k) ?? undefined]))
  const q = ScopeQuerySchema.parse(raw)
  const scope: ImpactScope = {}
  if (q.round) scope.roundId = q.round
  if (q.fund) scope.fundId = q.fund
  if (q.pot) scope.potId = q.pot
  if (q.place) scope.placeId = q.place
  if (q.funder) scope.funderId = q.funder
  return scope
}

/** The query string for a scope ("fund=3&pot=7"), for links to the report PDF. */
export function scopeSearchParams(scope: ImpactScope): string {
  const params = new URLSearchParams()
  if (scope.roundId) params.set('round', String(scope.roundId))
  if (scope.fundId) params.set('fund', String(scope.fundId))
  if (scope.potId) params.set('pot', String(scope.potId))
  if (scope.placeId) params.set('place', String(scope.placeId))
  if (scope.funderId) params.set('funder', String(scope.funderId))
  return params.toString()
}
