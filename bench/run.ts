/**
 * `npm run bench`: issue 8's benchmark. Builds the app when app/ changed, makes (or reuses) the national dataset,
 * starts the production server on it with COMMONPOT_BENCH=1, signs in the well-known accounts through the real forms,
 * and measures each page at 1 and 16 clients (p50/p95/p99 from every response's time, requests per second, and
 * ratios to the framework floor /bench/floor and to a bare node:http server sending the same bytes). Then, in
 * process: each dashboard's loader against raw SQL of the same aggregates, the offer letter PDF, the 360Giving export
 * (in a child process, for its peak memory) and the optimiser. Writes bench/results/latest.json and latest.md, and
 * with --update-readme puts latest.md between the README's bench markers (a --dataset demo run writes demo.json and
 * demo.md instead, so it never overwrites the national result).
 *
 *   npm run bench                                  SQLite, national dataset at scale 1, 10 s per measurement
 *   npm run bench -- --engine both                 SQLite then PostgreSQL (DATABASE_URL's server, or scripts/pg-local.sh)
 *   npm run bench -- --dataset demo --duration 2   a quick check of the bench itself on the demo data
 *
 * Exits 1 when a page does not answer 200 or fails under load; a missed target is reported, not an error.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createDatabase } from '../db/connect.ts'
import { parseBenchArgs, resultFiles, USAGE, UsageError, type BenchOptions } from './args.ts'
import { accountsFor, CACHE_DIR, countRows, datasetMeta, ensurePostgresDatabase, pagesFor, prepareDataset, targetFor, type Accounts, type Role } from './datasets.ts'
import { download, getOnce, load, sentOnce, signIn, startBareServer, waitUntilCompressed, waitUntilQuiet } from './http.ts'
import { funderIdsOf, measureDashboards, measureExport, measureOfferLetter, openRawQuery } from './in-process.ts'
import { measureOptimiser } from './optimiser.bench.ts'
import { benchWorkers, ensureBuild, postgresServerUrl, startServer } from './processes.ts'
import { mergeResults, renderMarkdown, replaceBetweenMarkers, type BenchResults, type EngineName, type EngineResult, type Machine, type OpenDataDownload, type PageResult } from './report.ts'
import { ratio, round, type LatencySummary } from './stats.ts'
import { CLIENTS, pageVerdict } from './targets.ts'


function machine(loadAtStart: number): Machine {
  const cpus = os.cpus()
  return { loadAverage: [loadAtStart, round(os.loadavg()[0], 2)], cpus: cpus.length, serverWorkers: benchWorkers(), cpuModel: cpus[0]?.model.trim() ?? 'unknown', memoryMb: Math.round(os.totalmem() / 1024 / 1024), node: process.version, platform: `${os.platform()} ${os.release()}` }
}

const log = (line: string) => console.log(`bench: ${line}`)

async function benchEngine(engine: EngineName, options: BenchOptions, accounts: Accounts): Promise<EngineResult> {
  const postgresUrl = engine === 'postgres' ? await postgresServerUrl() : undefined
  const target = targetFor({ dataset: options.dataset, scale: options.scale, engine, postgresUrl })
  if (postgresUrl) await ensurePostgresDatabase(postgresUrl, target)
  log(`${engine}: dataset ${options.dataset}${options.dataset === 'national' ? ` at scale ${options.scale}` : ''} in ${target.location}`)
  const datasetSeconds = await prepareDataset({ dataset: options.dataset, scale: options.scale, target, regenerate: options.regenerate })
  log(datasetSeconds === null ? `${engine}: reusing the dataset made earlier (same scale and version)` : `${engine}: dataset made in ${datasetSeconds} s`)

  const handle = createDatabase(target.options)
  const problems: string[] = []
  try {
    const meta = await datasetMeta(handle.db)
    if (options.dataset === 'national') {
      if (!meta) throw new Error(`${target.location} has no national_dataset record: it was not made by scripts/seed-national.ts`)
      if (meta.scale !== options.scale) throw new Error(`${target.location} holds the dataset at scale ${meta.scale}, not ${options.scale}`)
    }
    const counts = meta?.counts ?? (await countRows(handle.db))
    const pages = await pagesFor(handle.db, accounts)
    const finance = await handle.db.selectFrom('users').select('totp_secret').where('email', '=', accounts.emails.finance).executeTakeFirst()

    const server = await startServer(target.env, path.join(CACHE_DIR, `server-${engine}.log`))
    log(`${engine}: server ${server.origin} (pid ${server.pid}, log ${path.relative(process.cwd(), server.logFile)})`)
    let bare: Awaited<ReturnType<typeof startBareServer>> | null = null
    let measured: Pick<EngineResult, 'floor' | 'bare' | 'pages'> & { openDataHttp: { json: OpenDataDownload; csv: OpenDataDownload } }
    try {
      const cookies = new Map<Role, string>()
      for (const role of new Set(pages.flatMap((p) => (p.account ? [p.account] : [])))) {
        cookies.set(role, await signIn(server.origin, { email: accounts.emails[role], password: accounts.password, totpSecret: role === 'finance' ? finance?.totp_secret : null }))
      }
      const floorFirst = await getOnce(`${server.origin}/bench/floor`, null)
      if (floorFirst.status !== 200) throw new Error(`/bench/floor answered ${floorFirst.status}, not 200: is the server the one built from this tree, started with COMMONPOT_BENCH=1?`)
      // The 360Giving files' first downloads since the server started: nothing is kept yet, so each is made afresh (and
      // compressed, as the download asks as a browser does).
      const made = { json: await download(`${server.origin}/data/360giving.json`), csv: await download(`${server.origin}/data/360giving.csv`) }
      // Their copies are compressed in the background: wait for that, so it is not measured as part of the floor.
      for (const format of ['json', 'csv']) {
        if (!(await waitUntilCompressed(`${server.origin}/data/360giving.${format}`))) log(`${engine}: the 360Giving ${format} was not compressed within a minute of being kept`)
      }
      // Every page must answer 200 before anything is measured: a redirect to /login or an error page is fast and would
      // make a broken page look good.
      for (const page of pages) {
        const first = await getOnce(`${server.origin}${page.path}`, page.account ? cookies.get(page.account)! : null)
        if (first.status !== 200) throw new Error(`${page.name} (${page.path}${page.account ? ` as ${accounts.emails[page.account]}` : ''}) answered ${first.status}, not 200`)
      }
      bare = await startBareServer(floorFirst.body, floorFirst.contentType)
      const both = async (url: string, cookie: string | null, settle: () => Promise<void> = async () => {}) => {
        await settle()
        const one = await load(url, { connections: CLIENTS.one, seconds: options.duration, cookie })
        await settle()
        return { one, many: await load(url, { connections: CLIENTS.many, seconds: options.duration, cookie }) }
      }
      const floor = await both(`${server.origin}/bench/floor`, null)
      log(`${engine}: floor ${floor.many.rps} requests/s at ${CLIENTS.many} clients (p95 ${floor.one.p95} ms alone)`)
      const bareResult = await both(`${bare.origin}/`, null)
      log(`${engine}: bare node:http ${bareResult.many.rps} requests/s`)
      // Quiet: a floor page answered within 3 times its single-client median (and at least 5 ms).
      const quietMs = Math.max(5, 3 * floor.one.p50)
      const settle = async () => {
        const waited = await waitUntilQuiet(server.origin, { quietMs })
        if (!waited.quiet) log(`${engine}: the server was still busy ${waited.seconds.toFixed(0)} s after the last measurement; measuring anyway`)
      }
      const pageResults: PageResult[] = []
      // Each page is compared with the floor measured just before and just after it: on a shared machine the speed
      // drifts during a run (the floor ranged from 910 to 1,484 requests/s between runs 20 minutes apart), and a
      // page measured minutes after a single floor run took the whole drift into its ratio.
      let floorBefore = floor.many.rps
      for (const page of pages) {
        const r = await both(`${server.origin}${page.path}`, page.account ? cookies.get(page.account)! : null, settle)
        await settle()
        const floorAfter = (await load(`${server.origin}/bench/floor`, { connections: CLIENTS.many, seconds: options.duration, cookie: null })).rps
        const floorAroundRps = round((floorBefore + floorAfter) / 2, 1)
        floorBefore = floorAfter
        const sameBytes = await sameBytesCeiling(`${server.origin}${page.path}`, page.account ? cookies.get(page.account)! : null, both)
        if (sameBytes) log(`${engine}: ${page.name}: a bare node:http server sending the same ${sameBytes.bytes} bytes: p95 ${sameBytes.one.p95} / ${sameBytes.many.p95} ms, ${sameBytes.many.rps} requests/s`)
        const bareRps = (sameBytes ?? bareResult).many.rps
        const result: PageResult = { ...page, ...r, floorAroundRps, floorRatio: ratio(r.many.rps, floorAroundRps), bareRatio: ratio(r.many.rps, bareRps), sameBytes }
        pageResults.push(result)
        const verdict = pageVerdict(result)
        log(`${engine}: ${page.name}: p95 ${r.one.p95} / ${r.many.p95} ms, ${r.many.rps} requests/s, ${result.floorRatio}× floor ${verdict.met ? '✓' : `✗ ${verdict.misses.join('; ')}`}`)
        if (r.one.failures + r.many.failures > 0) throw new Error(`${page.name} failed under load: ${r.one.failures + r.many.failures} responses were not 200 (see ${server.logFile})`)
      }
      await settle()
      const kept = { json: await download(`${server.origin}/data/360giving.json`), csv: await download(`${server.origin}/data/360giving.csv`) }
      const openData = (format: 'json' | 'csv'): OpenDataDownload => ({
        httpSeconds: made[format].seconds,
        bytes: made[format].bytes,
        sentBytes: made[format].sentBytes,
        kept: { httpSeconds: kept[format].seconds, sentBytes: kept[format].sentBytes },
      })
      measured = { floor, bare: bareResult, pages: pageResults, openDataHttp: { json: openData('json'), csv: openData('csv') } }
    } finally {
      await bare?.stop()
      await server.stop()
    }

    const raw = await openRawQuery(target)
    let dashboards: EngineResult['dashboards'] = []
    try {
      const potId = Number(pages.find((p) => p.name === 'Pot dashboard')!.path.split('/')[2])
      dashboards = await measureDashboards(handle.db, raw.query, { potId, funderIds: await funderIdsOf(handle.db, accounts.emails.funder) })
      for (const d of dashboards) log(`${engine}: ${d.name}: loader ${d.loaderMs} ms, raw SQL ${d.rawSqlMs} ms (${d.ratio}×)${d.agrees ? '' : ', figures differ'}`)
    } catch (e) {
      problems.push(`dashboards against raw SQL: ${message(e)}`)
    } finally {
      await raw.close()
    }
    const offerLetter = await measureOfferLetter(handle.db).catch((e: unknown) => {
      problems.push(`offer letter: ${message(e)}`)
      return null
    })
    if (offerLetter) log(`${engine}: offer letter median ${offerLetter.medianMs} ms`)
    const exported = await measureExport(target, 'json').catch((e: unknown) => {
      problems.push(`360Giving export: ${message(e)}`)
      return null
    })
    if (exported) log(`${engine}: 360Giving export ${exported.grants} grants in ${exported.seconds} s, peak ${exported.peakMb} MB (${exported.baselineMb} MB before it began)`)
    return {
      engine,
      ranAt: new Date().toISOString(),
      scale: options.scale,
      dataset: { name: options.dataset, location: target.location, seconds: datasetSeconds, counts },
      durationSeconds: options.duration,
      floor: measured.floor,
      bare: measured.bare,
      pages: measured.pages,
      dashboards,
      offerLetter,
      openData: exported
        ? { ...measured.openDataHttp, export: { seconds: exported.seconds, peakMb: exported.peakMb, baselineMb: exported.baselineMb, grants: exported.grants, bytes: exported.bytes } }
        : null,
      optimiser: null,
      problems,
    }
  } finally {
    await handle.close()
  }
}

/**
 * A response over LARGE_RESPONSE_BYTES as sent (the 360Giving files: 0.9-1.5 MB even compressed) is mostly the cost of
 * moving its bytes, which the floor's 5 KB does not show. So such a page is also measured against a bare node:http
 * server sending its exact bytes: the fastest this machine sends a response that size (its ÷ bare node is against it).
 */
const LARGE_RESPONSE_BYTES = 256 * 1024

async function sameBytesCeiling(
  url: string,
  cookie: string | null,
  both: (url: string, cookie: string | null) => Promise<{ one: LatencySummary; many: LatencySummary }>,
): Promise<PageResult['sameBytes']> {
  const sent = await sentOnce(url, cookie)
  if (sent.body.length <= LARGE_RESPONSE_BYTES) return null
  const bare = await startBareServer(sent.body, sent.contentType)
  try {
    return { bytes: sent.body.length, ...(await both(`${bare.origin}/`, null)) }
  } finally {
    await bare.stop()
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

async function main(): Promise<void> {
  let options: BenchOptions
  try {
    options = parseBenchArgs(process.argv.slice(2))
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n${USAGE}`)
      process.exit(2)
    }
    throw e
  }
  const loadAtStart = round(os.loadavg()[0], 2)
  if (loadAtStart > os.cpus().length) log(`the machine is busy (load average ${loadAtStart} on ${os.cpus().length} CPUs): figures will be slower and noisier than the app is`)
  if (await ensureBuild()) log('built the app (build/ was older than app/)')
  const accounts = accountsFor(options.dataset)
  const engines: BenchResults['engines'] = {}
  for (const engine of options.engines) engines[engine] = await benchEngine(engine, options, accounts)

  log('optimiser: 2,000 bids, 36 places, 5 ring-fences')
  const optimiser = await measureOptimiser()
  const optimiserResult = { status: optimiser.status, bestSolveMs: optimiser.bestSolveMs, bids: optimiser.bids, places: optimiser.places, ringFences: optimiser.ringFencedSources }
  log(`optimiser: ${optimiser.status} in ${optimiser.bestSolveMs} ms`)
  for (const r of Object.values(engines)) r.optimiser = optimiserResult

  const { json: LATEST_JSON, markdown: LATEST_MD } = resultFiles(options)
  const previous = fs.existsSync(LATEST_JSON) ? (JSON.parse(fs.readFileSync(LATEST_JSON, 'utf8')) as BenchResults) : null
  const results = mergeResults(previous, { generatedAt: new Date().toISOString(), machine: machine(loadAtStart), engines })
  const markdown = renderMarkdown(results)
  fs.mkdirSync(path.dirname(LATEST_JSON), { recursive: true })
  fs.writeFileSync(LATEST_JSON, `${JSON.stringify(results, null, 2)}\n`)
  fs.writeFileSync(LATEST_MD, markdown)
  log(`wrote ${LATEST_JSON} and ${LATEST_MD}`)
  if (options.updateReadme) {
    fs.writeFileSync('README.md', replaceBetweenMarkers(fs.readFileSync('README.md', 'utf8'), markdown))
    log('updated README.md between its bench markers')
  }
  console.log(`\n${markdown}`)
  // The optimiser's HiGHS worker and the database pools would otherwise keep the process alive.
  process.exit(0)
}

try {
  await main()
} catch (e) {
  console.error(`bench FAILED: ${message(e)}`)
  process.exit(1)
}
