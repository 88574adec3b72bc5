/**
 * Figures kept in this process until the database counts a change to what they were read from.
 *
 * The database keeps counts of changes (data_versions), each moved by triggers in the same transaction as the change:
 * - 'open_data' (migration 2026_11_22_170000) goes up whenever any row of awards, tranches, organisations, rounds,
 *   places, pots, contributions, funders, award_commitments and a few more is inserted, changed or deleted. The
 *   360Giving files are kept by it (app/domain/open-data/feed-cache.server.ts); a figure read only from those tables
 *   can be kept by it too, such as the count and total of payments due.
 * - 'statistics' (migration 2026_11_23_010000) goes up with every change to what the public round statistics read:
 *   rounds, funds, round_stats, panel_decisions, awards, places, organisations, and applications added, removed or
 *   changed in a column the statistics read. The first page of /stats is kept by it.
 * - 'funding' (migration 2026_11_23_020000) goes up with every change to what the funder and pot dashboards read:
 *   funders, funds, rounds, pots, contributions, contribution_figures, place_figures, contribution_months, award
 *   commitments, awards, places, and applications added, removed or moved to another place. A funder's first page of
 *   their dashboard and a pot's dashboard (places as they were) are kept by it.
 * - 'returns' (migration 2026_11_23_030000) goes up with every change to what the fund managers' returns list reads:
 *   awards, organisations, rounds, funds, return_review_counts, and returns added, removed or changed in a column the
 *   list reads (not their answers). Each view of /manage/returns is kept by it.
 * - 'assessment' (migration 2026_11_23_040000) goes up with every change to what an assessor's list of bids reads:
 *   rounds, panel seats, organisations, and assessments and applications added, removed or changed in a column the
 *   list reads (not a draft score, not answers that leave the title). Each assessor's pages of /assess are kept by it.
 *
 * The rule that keeps a kept figure from ever being out of date:
 * - the count is read IN THE SAME STATEMENT as the figure (`OPEN_DATA_VERSION` or `STATISTICS_VERSION` as one of its
 *   columns), so the two come from one snapshot: a change committed between two statements could otherwise leave an
 *   old figure kept under the new count. A figure read in several statements is kept only when the count read before
 *   the first of them and after the last of them is the same (`keptOrRead`): nothing counted changed meanwhile, so
 *   every statement read that version's rows;
 * - a figure is used only while the count read for the request equals the one it was kept with;
 * - nothing is kept, or used, inside a transaction: its own uncommitted writes have moved the count on SQLite (and will
 *   move it at commit on PostgreSQL), and it may yet roll back;
 * - the tables a kept figure's query reads are all counted (each user's tests check that, with the query's tables);
 * - figures are kept per database handle (a test's database is not the app's), and the process's memory dies with
 *   it, so a restored database (restores need the server stopped) never meets a figure read before.
 */
import { sql } from 'kysely'
import { compiledOnce, compilableRaw, type CompiledQueries } from './compiled-once.server.ts'
import type { Db } from './db.server.ts'

/** The counts of changes the database keeps (data_versions rows). */
export type DataVersionName = 'open_data' | 'statistics' | 'funding' | 'returns' | 'assessment'

/** A count of changes as a column of another statement, so both are read from one snapshot. */
function versionColumn(name: DataVersionName) {
  return sql<number>`(select version from data_versions where name = ${sql.lit(name)})`
}

/** The open-data change count as a column of another statement. */
export const OPEN_DATA_VERSION = versionColumn('open_data')

/** The statistics change count as a column of another statement. */
export const STATISTICS_VERSION = versionColumn('statistics')

const versionQueries: CompiledQueries<{ version: number }> = new Map()

/** How many changes the database has counted to the tables the named count covers. */
export async function dataVersion(db: Db, name: DataVersionName): Promise<number> {
  const query = compiledOnce(versionQueries, db, name, () => compilableRaw(db, sql<{ version: number }>`select ${versionColumn(name)} as version`), {})
  const { rows } = await db.executeQuery(query)
  return Number(rows[0]!.version)
}

/** How many changes the database has counted to the tables the 360Giving files (and kept figures) are read from. */
export function openDataVersion(db: Db): Promise<number> {
  return dataVersion(db, 'open_data')
}

/** The most keys one database keeps by default (a key is, say, a day): older ones are let go first. */
const MAX_KEYS = 8

/**
 * Figures of one kind, each kept with the version (of one count of changes) it was read with, per database handle and
 * key (what else the figure depends on, such as today's date).
 */
export class KeptUntilChanged<V> {
  readonly #kept = new WeakMap<object, Map<string, { version: number; value: V }>>()

  /** `maxKeys`: how many keys one database keeps (a pot's dashboard is kept per pot, so more than a day's figures). */
  constructor(readonly maxKeys = MAX_KEYS) {}

  /** The figure kept for `key` when it was read at `version`; undefined when none is, and always in a transaction. */
  get(db: Db, key: string, version: number): V | undefined {
    if (db.isTransaction) return undefined
    const kept = this.#kept.get(db.getExecutor())?.get(key)
    return kept && kept.version === version ? kept.value : undefined
  }

  /**
   * Keeps `value` for `key`: `version` must have been read in the same statement as `value` (OPEN_DATA_VERSION or
   * STATISTICS_VERSION, whichever count covers the tables `value` was read from), or, for a value read in several
   * statements, before and after them all (keptOrRead). Nothing is kept in a transaction. The value is frozen all the
   * way down, so no caller can change what the next one is given (sorting a kept list in place throws).
   */
  keep(db: Db, key: string, version: number, value: V): void {
    if (db.isTransaction) return
    const executor = db.getExecutor()
    let byKey = this.#kept.get(executor)
    if (!byKey) this.#kept.set(executor, (byKey = new Map()))
    byKey.delete(key)
    if (byKey.size >= this.maxKeys) byKey.delete(byKey.keys().next().value!)
    byKey.set(key, { version, value: frozen(value) })
  }
}

/** `value` and every object and array in it, frozen (the values kept are plain data read from the database). */
function frozen<V>(value: V): V {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) frozen(inner)
  }
  return value
}

/**
 * The figure kept for `key` under the `count`'s current version, or else `read` it (in as many statements as it
 * takes) and keep it if the count read after `read` is the one read before it: then nothing counted changed while it
 * was read, and every statement read that version's rows. In a transaction `read` is simply run (nothing is kept or
 * used there).
 */
export async function keptOrRead<V>(kept: KeptUntilChanged<V>, db: Db, count: DataVersionName, key: string, read: () => Promise<V>): Promise<V> {
  if (db.isTransaction) return read()
  const before = await dataVersion(db, count)
  const found = kept.get(db, key, before)
  if (found !== undefined) return found
  const value = await read()
  if ((await dataVersion(db, count)) === before) kept.keep(db, key, before, value)
  return value
}
