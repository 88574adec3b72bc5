/**
 * Queries built and compiled once for each shape, then run with each request's values. Building a query with Kysely
 * and compiling it cost more than running it for the short indexed reads of the hot staff pages (the returns list's
 * counts, the funder dashboard's statements). A query is built with `slot('name')` where a value changes from one
 * request to the next (`slot.list('name', n)` for the n values of an `in (...)` list); its compiled SQL is kept for the
 * shape (which filters, which direction, how long a list: whatever changes the SQL text) and the engine, and each run
 * puts the request's values in the slots. Kept prepared on PostgreSQL unless asked not to.
 */
import { sql, type Compilable, type CompiledQuery, type RawBuilder } from 'kysely'
import type { Db } from '~/lib/db.server.ts'
import { engineOf, prepared } from '../../db/connect.ts'

/** Where a request's value goes in a query compiled once (`index`: its place in a list's values). */
class Slot {
  constructor(
    readonly name: string,
    readonly index?: number,
  ) {}
}

/** Stands in a query for the value named `name` (typed as the value it stands for); `list` for a list's values. */
export type SlotFor = (<T>(name: string) => T) & {
  /** A comma-separated list of `count` slots for the values of the list `name` (for `in (...)`). */
  list: (name: string, count: number) => RawBuilder<unknown>
}

const slot: SlotFor = Object.assign(<T,>(name: string) => new Slot(name) as T, {
  list: (name: string, count: number) => sql.join(Array.from({ length: count }, (_, i) => new Slot(name, i))),
})

/** The compiled queries of one builder, by engine and shape. */
export type CompiledQueries<R> = Map<string, CompiledQuery<R>>

/**
 * The longest `in (...)` list (slot.list) worth keeping prepared on PostgreSQL: lists of a page's length recur from
 * view to view, while a longer one (a whole round's bids) changes length with every call and would only add one more
 * statement to each connection. Pass `prepared: count <= KEPT_LIST_LENGTH`.
 */
export const KEPT_LIST_LENGTH = 50

/** The most shapes one cache keeps: they are few, but a list's length is part of one. */
const MAX_SHAPES = 500

export interface CompiledOnceOptions {
  /** Keep the statement prepared on PostgreSQL (default). Not when a generic plan would be a poor one. */
  prepared?: boolean
  /**
   * Refuse a query with any value that is not a slot: a value written as an ordinary parameter would be kept in the
   * compiled query and given to every later caller of the shape.
   */
  onlySlots?: boolean
}

/**
 * The query `build` makes for `shape`, compiled on first use, with `values` in its slots. `shape` must name everything
 * that changes the SQL text (a filter present or not, a direction, a list's length): queries of one shape differ only
 * in their values. Throws when the query has a slot `values` does not fill (a mistake in the caller, not in the
 * request), or, with `onlySlots`, a value that is not a slot.
 */
export function compiledOnce<R>(
  cache: CompiledQueries<R>,
  db: Db,
  shape: string,
  build: (slot: SlotFor) => Compilable<R>,
  values: Readonly<Record<string, unknown>>,
  options: CompiledOnceOptions = {},
): CompiledQuery<R> {
  const key = `${engineOf(db)}:${shape}`
  let compiled = cache.get(key)
  if (!compiled) {
    const query = build(slot)
    compiled = options.prepared === false ? query.compile() : prepared(query)
    if (options.onlySlots && !compiled.parameters.every((p) => p instanceof Slot)) throw new Error(`The query of shape ${shape} has a value that is not a slot`)
    if (cache.size >= MAX_SHAPES) cache.clear()
    cache.set(key, compiled)
  }
  const parameters = compiled.parameters.map((p) => {
    if (!(p instanceof Slot)) return p
    const missing = () => new Error(`No value for the query's slot "${p.name}${p.index === undefined ? '' : `[${p.index}]`}" (shape ${shape})`)
    if (!Object.hasOwn(values, p.name)) throw missing()
    if (p.index === undefined) return values[p.name]
    const list = values[p.name] as readonly unknown[]
    if (p.index >= list.length) throw missing()
    return list[p.index]
  })
  return { ...compiled, parameters }
}

/** A raw `sql` query as something compiledOnce can compile (raw queries compile against a database). */
export function compilableRaw<R>(db: Db, query: RawBuilder<R>): Compilable<R> {
  return { compile: () => query.compile(db) }
}
