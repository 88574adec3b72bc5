/**
 * Several short lists in one query: each list is a subquery whose rows the database turns into one JSON value (a list
 * of lists, in the order asked for), so a page reads them in one round trip instead of one query each. On PostgreSQL
 * every query is a round trip to the server, parsed and planned again unless kept prepared, and for a page's few short
 * lists that cost more than reading them. For short lists only (a page's worth): the whole list is one value.
 */
import { sql, type Expression, type RawBuilder } from 'kysely'
import type { Engine } from '../../db/connect.ts'

/**
 * `columns` of the rows of `rows` as one JSON list of lists (`[]` when there are none), ordered by `orderBy` (columns
 * of `rows`). SQLite builds it with json_group_array, PostgreSQL with json_agg; both take the order in the aggregate.
 */
export function jsonList(engine: Engine, rows: Expression<unknown>, columns: readonly string[], orderBy: readonly (readonly [string, 'asc' | 'desc'])[] = []): RawBuilder<unknown> {
  const values = sql.join(columns.map((c) => sql.ref(`t.${c}`)))
  const order = orderBy.length === 0 ? sql`` : sql` order by ${sql.join(orderBy.map(([c, direction]) => sql`${sql.ref(`t.${c}`)} ${sql.raw(direction === 'desc' ? 'desc' : 'asc')}`))}`
  if (engine === 'postgres') return sql`(select coalesce(json_agg(json_build_array(${values})${order}), '[]'::json) from (${rows}) as t)`
  return sql`(select json_group_array(json_array(${values})${order}) from (${rows}) as t)`
}

/** A list jsonList built, read back from either engine (node-postgres parses json itself; SQLite returns the text). */
export function jsonRows<T extends unknown[]>(value: unknown): T[] {
  return (typeof value === 'string' ? JSON.parse(value) : (value ?? [])) as T[]
}
