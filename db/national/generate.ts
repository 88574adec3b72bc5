/**
 * `npm run seed:national`'s work: makes the national dataset in the configured database. Migrates first, refuses a
 * database that already holds applications unless asked to start fresh, plans every row (plan.ts), writes them in
 * bulk (write.ts), then records one audit event saying the dataset was generated (so the hash chain stays valid) and
 * an app_meta row `national_dataset` = { scale, generatedAt, counts, version } that the benchmark reads.
 */
import fs from 'node:fs'
import { sql } from 'kysely'
import pg from 'pg'
import { rebuildDashboardSummaries } from '../../app/domain/budgets/place-figures.server.ts'
import { hashPassword } from '../../app/domain/identity/passwords.server.ts'
import { rebuildBidScoreSummaries } from '../../app/domain/assessment/score-summaries.server.ts'
import { rebuildFinanceAndReturnCounts } from '../../app/domain/stats/maintained-counts.server.ts'
import { rebuildRoundStats } from '../../app/domain/stats/round-counts.server.ts'
import { recordAudit } from '../../app/lib/audit.server.ts'
import { createDatabase, openSqlite } from '../connect.ts'
import { migrateToLatest } from '../migrator.ts'
import { DEMO_PASSWORD } from '../seed/demo.ts'
import { DEFAULT_NOW, NATIONAL_DATASET_VERSION, planNationalDataset, type NationalPlan, type PlaceInput } from './plan.ts'
import { writePostgres, writeSqlite, type PostgresLoadOptions } from './write.ts'

export const NATIONAL_META_KEY = 'national_dataset'

/** The tables the rebuilds fill after the bulk load (analysed after, as the load's own tables were). */
const SUMMARY_TABLES = ['award_figures', 'place_figures', 'contribution_months', 'contribution_figures', 'bid_score_summaries', 'payment_runs', 'return_review_counts', 'round_stats'] as const

export class DatabaseNotEmptyError extends Error {
  constructor(location: string, applications: number) {
    super(`${location} already holds ${applications} applications: run with --fresh to replace everything in it with the national dataset.`)
  }
}

export interface GenerateOptions {
  database: { url?: string; path?: string }
  scale: number
  /** ISO instant the data treats as now (default 2026-11-21T12:00:00.000Z). */
  now?: string
  /** Empty the database first (SQLite: delete the file; PostgreSQL: drop and recreate the public schema). */
  fresh?: boolean
  /** How PostgreSQL is loaded (write.ts PostgresLoadOptions.mode); by default in parallel where the server allows. */
  postgresLoad?: PostgresLoadOptions['mode']
  log?: (line: string) => void
}

export interface NationalMeta {
  scale: number
  generatedAt: string
  version: number
  counts: Record<string, number>
}

export interface GenerateResult extends NationalMeta {
  seconds: number
}

async function emptyDatabase(database: GenerateOptions['database']): Promise<void> {
  if (database.url) {
    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    try {
      await client.query('drop schema public cascade')
      await client.query('create schema public')
    } finally {
      await client.end()
    }
    return
  }
  const file = database.path!
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true })
}

export async function generateNationalDataset(options: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now()
  const log = options.log ?? (() => {})
  const now = options.now ?? DEFAULT_NOW
  if (!(options.scale > 0 && options.scale <= 1)) throw new RangeError(`The scale must be more than 0 and at most 1, not ${options.scale}`)
  if (options.fresh) await emptyDatabase(options.database)

  let handle = createDatabase(options.database)
  let places: PlaceInput[]
  try {
    await migrateToLatest(handle.db)
    const existing = await handle.db.selectFrom('applications').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    if (Number(existing.n) > 0) throw new DatabaseNotEmptyError(handle.location, Number(existing.n))
    places = await handle.db.selectFrom('places').select(['id', 'ods_code', 'name', 'region_name']).where('valid_to', 'is', null).orderBy('id').execute()
  } finally {
    await handle.close()
  }

  const passwordHash = await hashPassword(DEMO_PASSWORD)
  const planInput = { scale: options.scale, now, passwordHash, places }
  const elapsed = () => ((performance.now() - started) / 1000).toFixed(1)
  const onTable = (name: string, rows: number) => log(`  ${name}: ${rows} rows (${elapsed()} s)`)
  let plan: Pick<NationalPlan, 'counts'>
  if (options.database.url) {
    plan = await writePostgres(options.database.url, planInput, { onTable, log: (line) => log(`${line} (${elapsed()} s)`), mode: options.postgresLoad })
  } else {
    const sqlite = openSqlite(options.database.path!)
    try {
      plan = writeSqlite(sqlite, (sink) => planNationalDataset(planInput, sink), onTable, (line) => log(`${line} (${elapsed()} s)`))
    } finally {
      sqlite.close()
    }
  }

  const meta: NationalMeta = { scale: options.scale, generatedAt: now, version: NATIONAL_DATASET_VERSION, counts: plan.counts }
  log(`written in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  handle = createDatabase(options.database)
  try {
    // The maintained summaries, from the rows just loaded. They touch different tables, so on PostgreSQL they run at
    // once on the pool's connections (SQLite's one connection takes them in turn); then the planner's statistics.
    await Promise.all([rebuildDashboardSummaries(handle.db), rebuildFinanceAndReturnCounts(handle.db), rebuildBidScoreSummaries(handle.db), rebuildRoundStats(handle.db)])
    for (const table of SUMMARY_TABLES) await sql`analyze ${sql.table(table)}`.execute(handle.db)
    log(`summaries built (${elapsed()} s)`)
    await handle.db.transaction().execute(async (trx) => {
      await trx.insertInto('app_meta').values({ key: NATIONAL_META_KEY, value: JSON.stringify(meta) }).execute()
      await recordAudit(trx, { actorUserId: null, action: 'national_dataset.generated', entityType: 'app_meta', entityId: NATIONAL_META_KEY, after: meta })
    })
  } finally {
    await handle.close()
  }
  return { ...meta, seconds: (performance.now() - started) / 1000 }
}

/** The stored dataset description, or null when the database holds no national dataset. */
export function parseNationalMeta(value: string | null | undefined): NationalMeta | null {
  if (!value) return null
  try {
    return JSON.parse(value) as NationalMeta
  } catch {
    return null
  }
}
