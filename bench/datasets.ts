/**
 * What the bench measures against: the national dataset (`npm run seed:national`, the default) or the demo data
 * (`--dataset demo`, quick runs while developing), on SQLite or PostgreSQL; making it when needed, its well-known
 * accounts, and the pages to request with the ids found in it.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Kysely } from 'kysely'
import pg from 'pg'
import {
  NATIONAL_APPLICANT_EMAIL,
  NATIONAL_ASSESSOR_EMAIL,
  NATIONAL_FINANCE_EMAIL,
  NATIONAL_FUNDER_EMAIL,
  NATIONAL_MANAGER_EMAIL,
} from '../db/national/accounts.ts'
import { DEMO_DOMAIN, DEMO_PASSWORD } from '../db/seed/demo.ts'
import type { DB } from '../db/schema.ts'
import { run } from './processes.ts'

export type DatasetName = 'national' | 'demo'
export type Role = 'applicant' | 'assessor' | 'manager' | 'finance' | 'funder'

export interface Accounts {
  password: string
  emails: Record<Role, string>
}

export const CACHE_DIR = path.resolve('.cache/bench')

/** The well-known accounts: the national dataset's (db/national/accounts.ts) or the demo data's; one password for all. */
export function accountsFor(dataset: DatasetName): Accounts {
  if (dataset === 'demo') {
    return {
      password: DEMO_PASSWORD,
      emails: { applicant: `applicant@${DEMO_DOMAIN}`, assessor: `assessor@${DEMO_DOMAIN}`, manager: `manager@${DEMO_DOMAIN}`, finance: `finance@${DEMO_DOMAIN}`, funder: `funder@${DEMO_DOMAIN}` },
    }
  }
  return {
    password: DEMO_PASSWORD,
    emails: {
      applicant: NATIONAL_APPLICANT_EMAIL,
      assessor: NATIONAL_ASSESSOR_EMAIL,
      manager: NATIONAL_MANAGER_EMAIL,
      finance: NATIONAL_FINANCE_EMAIL,
      funder: NATIONAL_FUNDER_EMAIL,
    },
  }
}

/** A hash of everything that decides what the dataset holds, so a dataset made by older code is made again. */
export function datasetVersion(dataset: DatasetName): string {
  const files = dataset === 'national' ? ['scripts/seed-national.ts', ...listFiles('db/national'), ...listFiles('db/migrations')] : [...listFiles('db/seed'), ...listFiles('db/migrations')]
  const hash = createHash('sha256')
  for (const file of files.sort()) {
    if (!fs.existsSync(file) || file.endsWith('.test.ts')) continue
    hash.update(file).update('\0').update(fs.readFileSync(file)).update('\0')
  }
  return hash.digest('hex').slice(0, 16)
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
}

export interface Target {
  engine: 'sqlite' | 'postgres'
  /** For createDatabase and the server's environment. */
  options: { url?: string; path?: string }
  /** Where the data lives, for the report (never a password). */
  location: string
  /** The server's DATA_DIR (session secret, uploads). */
  dataDir: string
  /** The environment the generator and the server get for this database. */
  env: Record<string, string>
}

/** The SQLite file or PostgreSQL database for a dataset at a scale. */
export function targetFor(input: { dataset: DatasetName; scale: number; engine: 'sqlite' | 'postgres'; postgresUrl?: string }): Target {
  const base = input.dataset === 'national' ? `national-${input.scale}` : 'demo'
  const dataDir = path.join(CACHE_DIR, `${base}-data`)
  if (input.engine === 'sqlite') {
    const file = path.join(CACHE_DIR, `${base}.sqlite`)
    return { engine: 'sqlite', options: { path: file }, location: path.relative(process.cwd(), file), dataDir, env: { DATABASE_PATH: file, DATABASE_URL: '', DATA_DIR: dataDir } }
  }
  if (!input.postgresUrl) throw new Error('PostgreSQL needs a server URL')
  const url = new URL(input.postgresUrl)
  url.pathname = input.dataset === 'national' ? '/commonpot_national' : '/commonpot_bench_demo'
  return { engine: 'postgres', options: { url: url.href }, location: `${url.hostname}:${url.port || 5432}${url.pathname}`, dataDir, env: { DATABASE_URL: url.href, DATABASE_PATH: '', DATA_DIR: dataDir } }
}

/** Creates the PostgreSQL database when the server does not have it yet. */
export async function ensurePostgresDatabase(serverUrl: string, target: Target): Promise<void> {
  const name = new URL(target.options.url!).pathname.slice(1)
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name])
    if (found.rowCount === 0) await client.query(`create database "${name.replace(/"/g, '')}"`)
  } finally {
    await client.end()
  }
}

function versionFile(target: Target, dataset: DatasetName, scale: number): string {
  const key = target.engine === 'sqlite' ? path.basename(target.options.path!) : `postgres-${target.location.replace(/[^A-Za-z0-9]+/g, '-')}-${dataset}-${scale}`
  return path.join(CACHE_DIR, `${key}.version`)
}

/**
 * Makes the dataset unless one of the same scale and version is there (and --regenerate was not given). Returns the
 * seconds it took to make, or null when it was reused. The national dataset is made by spawning
 * `tsx scripts/seed-national.ts --fresh --scale S` (timed from outside, as a person running it would see it).
 */
export async function prepareDataset(input: { dataset: DatasetName; scale: number; target: Target; regenerate: boolean }): Promise<number | null> {
  const { dataset, scale, target } = input
  fs.mkdirSync(CACHE_DIR, { recursive: true })
  const version = `${dataset} ${scale} ${datasetVersion(dataset)}`
  const stamp = versionFile(target, dataset, scale)
  const exists = target.engine === 'postgres' || fs.existsSync(target.options.path!)
  const same = exists && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === version
  if (same && !input.regenerate) return null
  fs.rmSync(stamp, { force: true })
  const env = { ...process.env, ...target.env }
  const started = performance.now()
  if (dataset === 'national') {
    if (!fs.existsSync('scripts/seed-national.ts')) throw new Error('scripts/seed-national.ts is not there yet: make the national dataset first, or run the bench with --dataset demo')
    await run(tsxBin(), ['scripts/seed-national.ts', '--fresh', '--scale', String(scale)], { env, label: 'seed:national' })
  } else {
    await freshDemo(target)
    await run(tsxBin(), ['db/seed.ts'], { env, label: 'db:seed' })
  }
  const seconds = Math.round((performance.now() - started) / 100) / 10
  fs.writeFileSync(stamp, `${version}\n`)
  return seconds
}

async function freshDemo(target: Target): Promise<void> {
  if (target.engine === 'sqlite') {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${target.options.path}${suffix}`, { force: true })
    return
  }
  const client = new pg.Client({ connectionString: target.options.url })
  await client.connect()
  try {
    await client.query('drop schema public cascade; create schema public')
  } finally {
    await client.end()
  }
}

export function tsxBin(): string {
  return path.resolve('node_modules/.bin/tsx')
}

/** The national dataset's own record of itself (the generator writes it), or null for the demo data. */
export async function datasetMeta(db: Kysely<DB>): Promise<{ scale: number; counts: Record<string, number> } | null> {
  const row = await db.selectFrom('app_meta').select('value').where('key', '=', 'national_dataset').executeTakeFirst()
  if (!row) return null
  const parsed = JSON.parse(row.value) as { scale: number; counts: Record<string, number> }
  return { scale: Number(parsed.scale), counts: parsed.counts ?? {} }
}

/** A few counts, for a dataset that does not describe itself (the demo data). */
export async function countRows(db: Kysely<DB>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const table of ['organisations', 'applications', 'awards', 'tranches', 'returns'] as const) {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    counts[table] = Number(row.n)
  }
  return counts
}

export interface PageSpec {
  name: string
  path: string
  /** Who requests it (null: anonymous). */
  account: Role | null
}

/** The pages issue 8 names, with the ids they need found in the dataset. Throws when the dataset lacks one. */
export async function pagesFor(db: Kysely<DB>, accounts: Accounts): Promise<PageSpec[]> {
  const applicant = await db
    .selectFrom('applications')
    .innerJoin('memberships', 'memberships.organisation_id', 'applications.organisation_id')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('applications.id')
    .where('users.email', '=', accounts.emails.applicant)
    .orderBy('applications.id', 'desc')
    .executeTakeFirst()
  if (!applicant) throw new Error(`${accounts.emails.applicant} has no application in the dataset`)
  // The busiest panel: the round decided by panel with the most submitted bids.
  const round = await db
    .selectFrom('applications')
    .innerJoin('rounds', 'rounds.id', 'applications.round_id')
    .select((eb) => ['applications.round_id', eb.fn.countAll<number>().as('bids')])
    .where('applications.submitted_at', 'is not', null)
    .where('rounds.allocation_method', '=', 'panel')
    .groupBy('applications.round_id')
    .orderBy('bids', 'desc')
    .orderBy('applications.round_id')
    .executeTakeFirst()
  if (!round) throw new Error('the dataset has no round with submitted bids for a panel')
  // The pot with the most awards committed to it.
  const pot = await db
    .selectFrom('award_commitments')
    .innerJoin('contributions', 'contributions.id', 'award_commitments.contribution_id')
    .select((eb) => ['contributions.pot_id', eb.fn.countAll<number>().as('commitments')])
    .where('award_commitments.released_at', 'is', null)
    .groupBy('contributions.pot_id')
    .orderBy('commitments', 'desc')
    .orderBy('contributions.pot_id')
    .executeTakeFirst()
  if (!pot) throw new Error('the dataset has no pot with awards committed to it')
  return [
    { name: 'Applicant home', path: '/home', account: 'applicant' },
    { name: 'An application', path: `/applications/${applicant.id}`, account: 'applicant' },
    { name: 'Assessor queue', path: '/assess', account: 'assessor' },
    { name: 'Panel ranking', path: `/panel/${round.round_id}`, account: 'manager' },
    { name: 'Pot dashboard', path: `/pots/${pot.pot_id}/dashboard`, account: 'manager' },
    { name: 'Funder dashboard', path: '/funder', account: 'funder' },
    { name: 'Payments due', path: '/finance', account: 'finance' },
    { name: 'Returns awaiting review', path: '/manage/returns', account: 'manager' },
    { name: 'Round statistics', path: '/stats', account: null },
    { name: '360Giving JSON', path: '/data/360giving.json', account: null },
    { name: '360Giving CSV', path: '/data/360giving.csv', account: null },
  ]
}
