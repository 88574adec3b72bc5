/**
 * Queries built and compiled once for each shape, then run with each request's values. Building a query with Kysely
 * and compiling it cost more than running it for the returns list's short indexed reads (the list's three counts: about
 * 0.1 ms to run and several times that to build). A query is built with `slot('name')` where a value changes from
 * one request to the next; its compiled SQL is kept for the shape (which filters, which direction: whatever changes
 * the SQL text) and the engine, and each run puts the request's values in the slots. Kept prepared on PostgreSQL.
 */
import type { Compilable, CompiledQuery } from 'kysely'
import type { Db } from '~/lib/db.server.ts'
import { engineOf, prepared } from '../../../db/connect.ts'

/** Where a request's value goes in a query compiled once. */
class Slot {
  constructor(readonly name: string) {}
}

/** Stands in a query for the value named `name` (typed as the value it stands for). */
export type SlotFor = <T>(name: string) => T

/** The compiled queries of one builder, by engine and shape. */
export type CompiledQueries<R> = Map<string, CompiledQuery<R>>

/**
 * The query `build` makes for `shape`, compiled on first use, with `values` in its slots. `shape` must name everything
 * that changes the SQL text (a filter present or not, a direction): queries of one shape differ only in their values.
 * Throws when the query has a slot `values` does not fill (a mistake in the caller, not in the request).
 */
export function compiledOnce<R>(cache: CompiledQueries<R>, db: Db, shape: string, build: (slot: SlotFor) => Compilable<R>, values: Readonly<Record<string, unknown>>): CompiledQuery<R> {
  const key = `${engineOf(db)}:${shape}`
  let compiled = cache.get(key)
  if (!compiled) {
    compiled = prepared(build((name) => new Slot(name) as never))
    cache.set(key, compiled)
  }
  const parameters = compiled.parameters.map((p) => {
    if (!(p instanceof Slot)) return p
    if (!Object.hasOwn(values, p.name)) throw new Error(`No value for the query's slot "${p.name}" (shape ${shape})`)
    return values[p.name]
  })
  return { ...compiled, parameters }
}
