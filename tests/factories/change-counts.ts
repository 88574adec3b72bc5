/**
 * For tests of figures kept until a count of changes moves (~/lib/kept-until-changed.server.ts): which tables a query
 * reads, and which tables the count counts changes to.
 */
import { sql, type KyselyPlugin, type OperationNode } from 'kysely'
import { engineOf } from '../../db/connect.ts'
import type { Db } from '../../app/lib/db.server.ts'
import type { DataVersionName } from '../../app/lib/kept-until-changed.server.ts'

/** The tables named anywhere in the queries built through this plugin (`db.withPlugin(plugin)`). */
export function tableRecorder(): { plugin: KyselyPlugin; tables: Set<string> } {
  const tables = new Set<string>()
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return
    const n = node as OperationNode & { table?: { identifier?: { name?: string } } }
    if (n.kind === 'TableNode' && n.table?.identifier?.name) tables.add(n.table.identifier.name)
    for (const value of Object.values(node)) walk(value)
  }
  return {
    tables,
    plugin: {
      transformQuery: (args) => {
        walk(args.node)
        return args.node
      },
      transformResult: async (args) => args.result,
    },
  }
}

/**
 * The tables whose changes move the named count (they have its triggers, named after it). A trigger may be limited to
 * some columns (the statistics count's on applications): the count's own tests check those columns.
 */
export async function countedTables(db: Db, count: DataVersionName = 'open_data'): Promise<Set<string>> {
  const pattern = `${count}_%`
  if (engineOf(db) === 'postgres') {
    const rows = await sql<{ table: string }>`select distinct event_object_table as "table" from information_schema.triggers where trigger_name like ${pattern}`.execute(db)
    return new Set(rows.rows.map((r) => r.table))
  }
  const rows = await sql<{ table: string }>`select distinct tbl_name as "table" from sqlite_master where type = 'trigger' and name like ${pattern}`.execute(db)
  return new Set(rows.rows.map((r) => r.table))
}

/**
 * The tables a statement's SQL reads from (`from` and `join`, subqueries included), checked against the database's
 * tables so that a name that is not one (an alias, a misreading) fails loudly rather than passing as uncounted.
 */
export function tablesNamedIn(text: string, schema: readonly { name: string }[]): Set<string> {
  const known = new Set(schema.map((t) => t.name))
  const tables = new Set<string>()
  // PostgreSQL's `join lateral (select ...)` names a subquery, whose tables are found inside it.
  for (const [, name] of text.matchAll(/\b(?:from|join)\s+(?:lateral\s+)?"?(?!lateral\b)([a-z_][a-z0-9_]*)"?/gi)) {
    if (!known.has(name!)) throw new Error(`"${name}" is read from in the statement but is not a table`)
    tables.add(name!)
  }
  return tables
}

/**
 * A handle on `db` that records every table its statements read: those built with Kysely (through tableRecorder) and
 * those compiled once or written as SQL and run with `executeQuery` (from their text, tablesNamedIn).
 */
export async function statementRecorder(db: Db): Promise<{ db: Db; tables: Set<string> }> {
  const schema = await db.introspection.getTables()
  const known = new Set(schema.map((t) => t.name))
  const { plugin, tables: built } = tableRecorder()
  const run = new Set<string>()
  const recording = db.withPlugin(plugin)
  const execute = recording.executeQuery.bind(recording)
  recording.executeQuery = ((query: Parameters<Db['executeQuery']>[0], queryId?: Parameters<Db['executeQuery']>[1]) => {
    const compiled = 'sql' in query ? query : query.compile()
    for (const table of tablesNamedIn(compiled.sql, schema)) run.add(table)
    return execute(query, queryId)
  }) as Db['executeQuery']
  // A built query's column references name their table's alias ("ac" for award_commitments as ac); the table itself
  // is named where it is read from, so only names of tables are kept.
  return {
    db: recording,
    get tables() {
      return new Set([...run, ...[...built].filter((name) => known.has(name))])
    },
  }
}
