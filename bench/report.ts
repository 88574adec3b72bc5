/**
 * What a bench run records (bench/results/latest.json) and how it reads (bench/results/latest.md, and the README
 * between its bench markers). Pure: bench/report.test.ts checks the rendering, the merge and the marker replacement.
 */
import { ratio, type LatencySummary } from './stats.ts'
import {
  CLIENTS,
  TARGETS,
  dashboardVerdict,
  datasetVerdict,
  exportVerdict,
  mark,
  offerLetterVerdict,
  optimiserVerdict,
  pageVerdict,
} from './targets.ts'

export type EngineName = 'sqlite' | 'postgres'

export interface PageResult {
  name: string
  path: string
  /** Which well-known account requested it (null: anonymous). */
  account: string | null
  one: LatencySummary
  many: LatencySummary
  /**
   * The floor's requests per second at 16 clients around this page: the mean of its runs just before and just after
   * the page's (the machine's speed drifts during a run, and moves a page and the floor next to it alike).
   */
  floorAroundRps: number | null
  /** Requests per second at 16 clients / floorAroundRps. */
  floorRatio: number | null
  /** The same against the bare node:http server (for information): sameBytes's when there is one. */
  bareRatio: number | null
  /**
   * For a response over 256 KB as sent: a bare node:http server sending its exact bytes, measured the same way (the load
   * tool's own ceiling for a response that size on this machine). Absent in results from before it was measured.
   */
  sameBytes?: { bytes: number; one: LatencySummary; many: LatencySummary } | null
}

export interface DashboardResult {
  name: string
  /** Median ms of the domain function(s) the loader calls. */
  loaderMs: number
  /** Median ms of the same aggregates as raw SQL through the driver. */
  rawSqlMs: number
  ratio: number | null
  calls: number
  /** False when the raw SQL's totals differ from the loader's (then the comparison is not like for like). */
  agrees: boolean
}

/** A whole 360Giving file over HTTP: the first download (made afresh) and, when measured, one from the kept copy. */
export interface OpenDataDownload {
  httpSeconds: number
  bytes: number
  /** The bytes sent, when compressed (the first download waits for the compressed copy when the client takes one). */
  sentBytes?: number
  /** Downloaded again once kept, asking for compression as a browser does: seconds and the bytes sent (compressed). */
  kept?: { httpSeconds: number; sentBytes: number }
}

export interface EngineResult {
  engine: EngineName
  ranAt: string
  scale: number
  dataset: {
    name: 'national' | 'demo'
    /** Where it is (the file, or host:port/database; never a password). */
    location: string
    /** Seconds to make it in this run; null when an existing one was reused. */
    seconds: number | null
    counts: Record<string, number> | null
  }
  durationSeconds: number
  floor: { one: LatencySummary; many: LatencySummary }
  bare: { one: LatencySummary; many: LatencySummary }
  pages: PageResult[]
  dashboards: DashboardResult[]
  offerLetter: { medianMs: number; renders: number; awardReference: string } | null
  openData: {
    /** The first download after the server started: the file made afresh (and kept). */
    json: OpenDataDownload
    csv: OpenDataDownload
    /** Peak RSS of the child process; baselineMb is its RSS before the export began (Node, tsx and the app loaded). */
    export: { seconds: number; peakMb: number; baselineMb: number; grants: number; bytes: number }
  } | null
  optimiser: { status: string; bestSolveMs: number; bids: number; places: number; ringFences: number } | null
  /** Anything that went wrong but did not stop the run (a figure that could not be measured, and why). */
  problems: string[]
}

export interface Machine {
  /** The 1-minute load average when the run began and when it ended: above the CPU count, the machine was busy with other work too. */
  loadAverage: [number, number]
  cpus: number
  /** The server's worker processes (WEB_CONCURRENCY). */
  serverWorkers: number
  cpuModel: string
  memoryMb: number
  node: string
  platform: string
}

export interface BenchResults {
  generatedAt: string
  machine: Machine
  engines: Partial<Record<EngineName, EngineResult>>
}

/** This run's engines over the last file's: an engine not measured this time keeps its last result. */
export function mergeResults(previous: BenchResults | null, run: BenchResults): BenchResults {
  return { generatedAt: run.generatedAt, machine: run.machine, engines: { ...(previous?.engines ?? {}), ...run.engines } }
}

export const BENCH_START = '<!-- bench:start -->'
export const BENCH_END = '<!-- bench:end -->'

/** The README with the text between the bench markers replaced (the markers stay). Throws when the markers are not there once each, in order. */
export function replaceBetweenMarkers(readme: string, content: string): string {
  const start = readme.indexOf(BENCH_START)
  const end = readme.indexOf(BENCH_END)
  if (start === -1 || end === -1) throw new Error(`README.md has no ${BENCH_START} … ${BENCH_END} markers to put the results between`)
  if (readme.indexOf(BENCH_START, start + 1) !== -1 || readme.indexOf(BENCH_END, end + 1) !== -1) throw new Error('README.md has the bench markers more than once')
  if (end < start) throw new Error(`README.md has ${BENCH_END} before ${BENCH_START}`)
  return `${readme.slice(0, start + BENCH_START.length)}\n${content.trim()}\n${readme.slice(end)}`
}

const ENGINE_LABELS: Record<EngineName, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' }

const whole = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 })

/** Milliseconds as the table shows them: one decimal under 10 ms, whole above. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '–'
  return value < 10 ? value.toFixed(1) : whole.format(Math.round(value))
}

function times(s: LatencySummary): string {
  return `${ms(s.p50)} / ${ms(s.p95)} / ${ms(s.p99)}`
}

function times2(value: number | null): string {
  return value === null ? '–' : `${value.toFixed(2)}×`
}

function seconds(value: number): string {
  return `${value.toFixed(1)} s`
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** "3.6 s (61.3 MB, 1.4 MB sent)": how long, how big the file, and what was sent when that was less. */
function firstDownload(d: OpenDataDownload): string {
  return `${seconds(d.httpSeconds)} (${megabytes(d.bytes)}${d.sentBytes !== undefined && d.sentBytes < d.bytes ? `, ${megabytes(d.sentBytes)} sent` : ''})`
}

/** The markdown for every engine in the results, SQLite first: the pages table, then the other figures. */
export function renderMarkdown(results: BenchResults): string {
  const parts: string[] = []
  for (const engine of ['sqlite', 'postgres'] as const) {
    const r = results.engines[engine]
    if (r) parts.push(renderEngine(r))
  }
  const m = results.machine
  // The run itself keeps every core busy, so only the load before it began says whether other work shared the machine.
  const busy = m.loadAverage[0] > m.cpus ? ' **The machine was busy with other work (load average above its CPU count): these figures are not comparable.**' : ''
  parts.push(
    `Measured on ${m.cpus} CPU${m.cpus === 1 ? '' : 's'} (${m.cpuModel}), ${whole.format(Math.round(m.memoryMb / 1024))} GB memory, Node ${m.node} on ${m.platform}; the server ran ${m.serverWorkers} worker process${m.serverWorkers === 1 ? '' : 'es'} and the load generator runs on the same machine. Load average ${m.loadAverage[0].toFixed(2)} at the start, ${m.loadAverage[1].toFixed(2)} at the end.${busy}`,
  )
  return `${parts.join('\n\n')}\n`
}

function datasetLine(r: EngineResult): string {
  const applications = r.dataset.counts?.applications
  const size = applications === undefined ? '' : `, ${whole.format(applications)} applications`
  const warning =
    r.dataset.name !== 'national' ? ' **This is not the national dataset: not a result to publish.**' : r.scale < 1 ? ` **Scale ${r.scale}, not the full national dataset: not a result to publish.**` : ''
  return `${r.dataset.name === 'national' ? 'National' : 'Demo'} dataset, scale ${r.scale}${size}; ${r.durationSeconds} s per measurement; run ${r.ranAt.slice(0, 16).replace('T', ' ')} UTC.${warning}`
}

export function renderEngine(r: EngineResult): string {
  const lines: string[] = []
  lines.push(`### ${ENGINE_LABELS[r.engine]}`, '', datasetLine(r), '')
  lines.push(
    `| Page | ${CLIENTS.one} client: p50 / p95 / p99 ms | ${CLIENTS.many} clients: p50 / p95 / p99 ms | Requests/s (${CLIENTS.many} clients) | ÷ floor | ÷ bare node | Targets met |`,
    '|---|---|---|---|---|---|---|',
  )
  lines.push(`| Framework floor (\`/bench/floor\`) | ${times(r.floor.one)} | ${times(r.floor.many)} | ${whole.format(r.floor.many.rps)} | 1.00× | ${times2(ratio(r.floor.many.rps, r.bare.many.rps))} | |`)
  lines.push(`| Bare \`node:http\`, same bytes | ${times(r.bare.one)} | ${times(r.bare.many)} | ${whole.format(r.bare.many.rps)} | | 1.00× | |`)
  const misses: string[] = []
  for (const page of r.pages) {
    const verdict = pageVerdict(page)
    for (const miss of verdict.misses) misses.push(`${page.name}: ${miss}`)
    lines.push(`| ${page.name} (\`${page.path}\`) | ${times(page.one)} | ${times(page.many)} | ${whole.format(page.many.rps)} | ${times2(page.floorRatio)} | ${times2(page.bareRatio)} | ${mark(verdict.met)} |`)
    const same = page.sameBytes
    if (same) lines.push(`| ↳ bare \`node:http\`, the same ${megabytes(same.bytes)} | ${times(same.one)} | ${times(same.many)} | ${whole.format(same.many.rps)} | | 1.00× | |`)
  }
  lines.push('')
  lines.push(
    `Page targets: p95 under ${TARGETS.pageP95OneClientMs} ms for one client and under ${TARGETS.pageP95SixteenClientsMs} ms at ${CLIENTS.many} clients, and at least ${TARGETS.floorShareMin}× the floor's requests per second.`,
    '',
    `÷ floor is a page's requests per second at ${CLIENTS.many} clients over the floor's measured just before and just after it (their mean), so a change in the machine's speed during the run moves both alike; the floor's row is its first measurement.`,
  )
  if (r.pages.some((p) => p.sameBytes)) {
    lines.push(
      '',
      `↳ rows: a response over 256 KB as sent is also measured from a bare \`node:http\` server sending exactly its bytes. Moving a file that size is most of the cost of sending it, so that row is the fastest this machine sends it; the page's ÷ bare node is against it.`,
    )
  }
  lines.push('', '| Figure | Measured | Target | Met |', '|---|---|---|---|')
  for (const d of r.dashboards) {
    const met = d.agrees ? dashboardVerdict(d.ratio) : null
    if (met === false) misses.push(`${d.name}: loader ${times2(d.ratio)} raw SQL`)
    const note = d.agrees ? '' : ' (raw SQL totals differ from the loader’s: not compared)'
    lines.push(`| ${d.name}: loader ÷ raw SQL, median of ${d.calls} | ${times2(d.ratio)} (${ms(d.loaderMs)} ms vs ${ms(d.rawSqlMs)} ms)${note} | ≤ ${TARGETS.dashboardRatioMax}× | ${mark(met)} |`)
  }
  if (r.offerLetter) {
    const met = offerLetterVerdict(r.offerLetter.medianMs)
    if (!met) misses.push(`Offer letter: median ${ms(r.offerLetter.medianMs)} ms`)
    lines.push(`| Offer letter PDF (${r.offerLetter.awardReference}), median of ${r.offerLetter.renders} | ${ms(r.offerLetter.medianMs)} ms | < ${TARGETS.offerLetterMedianMsMax} ms | ${mark(met)} |`)
  }
  if (r.openData) {
    const e = r.openData.export
    const met = exportVerdict(e)
    if (met === false) misses.push(`360Giving export: ${seconds(e.seconds)}, ${e.peakMb} MB peak`)
    const judged = met === null ? ' (fewer than 40,000 grants: not judged)' : ''
    lines.push(
      `| 360Giving JSON export, whole file to a null sink | ${seconds(e.seconds)}, ${whole.format(e.peakMb)} MB peak memory (${whole.format(e.baselineMb)} MB before it began), ${whole.format(e.grants)} grants${judged} | < ${TARGETS.exportSecondsMax} s and < ${TARGETS.exportPeakMbMax} MB for 40,000 grants | ${mark(met)} |`,
    )
    lines.push(
      `| 360Giving files over HTTP, whole file, made afresh (the first download after a change: made, then sent as a browser asks) | JSON ${firstDownload(r.openData.json)}, CSV ${firstDownload(r.openData.csv)} | | |`,
    )
    const { json, csv } = r.openData
    if (json.kept && csv.kept) {
      lines.push(
        `| 360Giving files over HTTP, whole file, from the kept copy (compressed, as a browser asks) | JSON ${seconds(json.kept.httpSeconds)} (${megabytes(json.kept.sentBytes)} sent), CSV ${seconds(csv.kept.httpSeconds)} (${megabytes(csv.kept.sentBytes)} sent) | | |`,
      )
    }
  }
  if (r.optimiser) {
    const o = r.optimiser
    const met = optimiserVerdict(o)
    if (!met) misses.push(`Optimiser: ${o.status} in ${ms(o.bestSolveMs)} ms`)
    lines.push(`| Optimiser, ${whole.format(o.bids)} bids, ${o.places} places, ${o.ringFences} ring-fences | ${o.status} in ${ms(o.bestSolveMs)} ms | optimal in < ${TARGETS.optimiserMsMax / 1000} s | ${mark(met)} |`)
  }
  const national = r.dataset.name === 'national'
  const datasetMet = national ? datasetVerdict(r.dataset.seconds, r.scale) : null
  if (datasetMet === false) misses.push(`Dataset: made in ${seconds(r.dataset.seconds!)}`)
  const made = r.dataset.seconds === null ? 'reused from an earlier run' : `made in ${seconds(r.dataset.seconds)}`
  lines.push(`| Dataset (\`${national ? 'npm run seed:national' : 'npm run db:seed'}\`) | ${made} | < ${TARGETS.datasetSecondsMax} s for the full dataset | ${mark(datasetMet)} |`)
  if (misses.length > 0) {
    lines.push('', `Missed (${misses.length}):`, '', ...misses.map((m) => `- ${m}`))
  }
  if (r.problems.length > 0) {
    lines.push('', 'Not measured:', '', ...r.problems.map((p) => `- ${p}`))
  }
  return lines.join('\n')
}
