/**
 * Measurements made inside the bench process against the dataset directly (no HTTP): each dashboard's domain
 * function (what its loader calls) against the same aggregates as raw SQL, the offer letter PDF, and the 360Giving
 * export in a child process for its peak memory.
 */
import { spawn } from 'node:child_process'
import SQLite from 'better-sqlite3'
import type { Kysely, KyselyPlugin } from 'kysely'
import pg from 'pg'
import { offerLetterData, renderOfferLetter } from '../app/domain/awards/offer-letter.server.ts'
import { potDashboard } from '../app/domain/budgets/reports.server.ts'
import { funderDashboardPage } from '../app/domain/funders/dashboard.server.ts'
import { ukToday } from '../app/domain/places/places.server.ts'
import type { DB } from '../db/schema.ts'
import type { Target } from './datasets.ts'
import { tsxBin } from './datasets.ts'
import { differencesFromFunderDashboard, differencesFromPotDashboard, funderDashboardRaw, potDashboardRaw, type Query } from './raw-sql.ts'
import type { DashboardResult } from './report.ts'
import { compileSql } from './sql.ts'
import { median, ratio, round } from './stats.ts'

/**
 * Calls of each dashboard's loader and its raw SQL, after DASHBOARD_WARM_UP calls of each not timed. A fresh read takes
 * about 0.3 ms on SQLite, so 25 calls after 3 warm-ups timed mostly code still being compiled by V8 (the median moved
 * between 1.8x and 2.2x raw SQL from run to run); the server answers thousands of views with warm code, which 200 calls
 * after 50 measure steadily (1.6x to 1.8x).
 */
const DASHBOARD_CALLS = 200
const DASHBOARD_WARM_UP = 50
const OFFER_LETTER_RENDERS = 30
const WARM_UP = 3

/** A raw-SQL runner on the dataset: better-sqlite3 prepared statements (cached per statement) or a pg client. */
export async function openRawQuery(target: Target): Promise<{ query: Query; close: () => Promise<void> }> {
  if (target.engine === 'sqlite') {
    const sqlite = new SQLite(target.options.path!, { readonly: true, fileMustExist: true })
    const statements = new Map<string, SQLite.Statement>()
    const query: Query = async (text, args) => {
      const compiled = compileSql(text, args, 'sqlite')
      let statement = statements.get(compiled.text)
      if (!statement) statements.set(compiled.text, (statement = sqlite.prepare(compiled.text)))
      return statement.all(...compiled.values) as Array<Record<string, unknown>>
    }
    return {
      query,
      close: async () => {
        sqlite.close()
      },
    }
  }
  const client = new pg.Client({ connectionString: target.options.url })
  await client.connect()
  const query: Query = async (text, args) => {
    const compiled = compileSql(text, args, 'postgres')
    return (await client.query(compiled.text, compiled.values)).rows as Array<Record<string, unknown>>
  }
  return { query, close: () => client.end() }
}

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await fn()
  return performance.now() - started
}

/** Median times of two functions called alternately (so drift in the machine's load falls on both alike). */
async function compare(a: () => Promise<unknown>, b: () => Promise<unknown>, calls: number, warmUp: number): Promise<{ a: number; b: number }> {
  for (let i = 0; i < warmUp; i++) {
    await a()
    await b()
  }
  const ta: number[] = []
  const tb: number[] = []
  for (let i = 0; i < calls; i++) {
    ta.push(await timeMs(a))
    tb.push(await timeMs(b))
  }
  return { a: round(median(ta), 2), b: round(median(tb), 2) }
}

/** A plugin that changes nothing: `db.withPlugin` with it is a handle of its own, on which nothing has been kept. */
const NOTHING_KEPT: KyselyPlugin = { transformQuery: (args) => args.node, transformResult: async (args) => args.result }

/** The pot dashboard's and funder dashboard's domain functions (what /pots/<id>/dashboard and /funder's first page call) against raw SQL of the same aggregates. */
export async function measureDashboards(db: Kysely<DB>, query: Query, input: { potId: number; funderIds: number[] }): Promise<DashboardResult[]> {
  const results: DashboardResult[] = []
  const date = ukToday()
  // Each call reads afresh, as a view does after a change: the dashboards are kept until the funding count of changes
  // moves, per database handle, so each call is given a handle on which nothing has been kept yet (a kept dashboard
  // costs one read of the count, and would compare nothing).
  const fresh = () => db.withPlugin(NOTHING_KEPT)
  const potLoader = () => potDashboard(fresh(), input.potId, { places: 'as_they_were', date })
  const potRaw = () => potDashboardRaw(query, input.potId)
  const potDiff = differencesFromPotDashboard(await potRaw(), await potLoader())
  const pot = await compare(potLoader, potRaw, DASHBOARD_CALLS, DASHBOARD_WARM_UP)
  results.push({ name: 'Pot dashboard', loaderMs: pot.a, rawSqlMs: pot.b, ratio: ratio(pot.a, pot.b), calls: DASHBOARD_CALLS, agrees: potDiff.length === 0 })
  if (potDiff.length) console.warn(`pot dashboard: the raw SQL disagrees with the loader: ${potDiff.join('; ')}`)

  const funderLoader = () => funderDashboardPage(fresh(), input.funderIds)
  const funderRaw = () => funderDashboardRaw(query, input.funderIds)
  const funderDiff = differencesFromFunderDashboard(await funderRaw(), await funderLoader())
  const funder = await compare(funderLoader, funderRaw, DASHBOARD_CALLS, DASHBOARD_WARM_UP)
  results.push({ name: 'Funder dashboard', loaderMs: funder.a, rawSqlMs: funder.b, ratio: ratio(funder.a, funder.b), calls: DASHBOARD_CALLS, agrees: funderDiff.length === 0 })
  if (funderDiff.length) console.warn(`funder dashboard: the raw SQL disagrees with the loader: ${funderDiff.join('; ')}`)
  return results
}

/** The funders a funder viewer account sees (as the session's guard works them out). */
export async function funderIdsOf(db: Kysely<DB>, email: string): Promise<number[]> {
  const rows = await db
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select('user_roles.funder_id')
    .where('users.email', '=', email)
    .where('user_roles.role', '=', 'funder_viewer')
    .where('user_roles.funder_id', 'is not', null)
    .execute()
  return rows.map((r) => r.funder_id!)
}

/**
 * The offer letter as issuing makes it: its words and numbers read from the award (offerLetterData) and the PDF
 * rendered (renderOfferLetter), median of 30 after a warm-up. The award: the accepted award with the most tranches.
 */
export async function measureOfferLetter(db: Kysely<DB>): Promise<{ medianMs: number; renders: number; awardReference: string }> {
  const award = await db
    .selectFrom('awards')
    .leftJoin('tranches', 'tranches.award_id', 'awards.id')
    .select((eb) => ['awards.id', 'awards.reference', eb.fn.count<number>('tranches.id').as('tranche_count')])
    .where('awards.status', 'in', ['accepted', 'completed', 'offered'])
    .groupBy(['awards.id', 'awards.reference'])
    .orderBy('tranche_count', 'desc')
    .orderBy('awards.id')
    .executeTakeFirst()
  if (!award) throw new Error('the dataset has no offered or accepted award')
  const once = async () => {
    const data = await offerLetterData(db, award.id, { appOrigin: 'http://127.0.0.1' })
    const pdf = await renderOfferLetter(data)
    if (pdf.subarray(0, 5).toString() !== '%PDF-') throw new Error('the offer letter is not a PDF')
  }
  for (let i = 0; i < WARM_UP; i++) await once()
  const times: number[] = []
  for (let i = 0; i < OFFER_LETTER_RENDERS; i++) times.push(await timeMs(once))
  return { medianMs: round(median(times), 2), renders: OFFER_LETTER_RENDERS, awardReference: award.reference }
}

export interface ExportMeasurement {
  format: 'json' | 'csv'
  seconds: number
  grants: number
  bytes: number
  peakMb: number
  baselineMb: number
}

/** The 360Giving export in a child process (bench/export-child.ts): time, grants, bytes, and its peak memory. */
export function measureExport(target: Target, format: 'json' | 'csv'): Promise<ExportMeasurement> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsxBin(), ['bench/export-child.ts', format], { env: { ...process.env, ...target.env }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`the 360Giving export child failed (exit ${code})`))
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ExportMeasurement)
      } catch (e) {
        reject(e)
      }
    })
  })
}
