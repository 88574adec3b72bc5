/** Targets, the results table and the README markers: what a reader of the README sees from a run. */
import { describe, expect, test } from 'vitest'
import { BENCH_END, BENCH_START, mergeResults, renderEngine, renderMarkdown, replaceBetweenMarkers, type BenchResults, type EngineResult, type PageResult } from './report.ts'
import type { LatencySummary } from './stats.ts'
import { datasetVerdict, exportVerdict, optimiserVerdict, pageVerdict } from './targets.ts'

const lat = (p95: number, rps: number, failures = 0): LatencySummary => ({ p50: p95 / 2, p95, p99: p95 * 1.5, rps, requests: rps * 10, failures })

function page(name: string, one: LatencySummary, many: LatencySummary, floorRatio: number | null): PageResult {
  return { name, path: `/${name.toLowerCase().replace(/ /g, '-')}`, account: 'manager', one, many, floorAroundRps: 1_600, floorRatio, bareRatio: floorRatio === null ? null : floorRatio / 4 }
}

function engine(overrides: Partial<EngineResult> = {}): EngineResult {
  return {
    engine: 'sqlite',
    ranAt: '2026-11-21T12:34:56.000Z',
    scale: 1,
    dataset: { name: 'national', location: '.cache/bench/national-1.sqlite', seconds: 42.4, counts: { applications: 200_000 } },
    durationSeconds: 10,
    floor: { one: lat(2, 900), many: lat(20, 1_600) },
    bare: { one: lat(0.4, 6_000), many: lat(3, 9_000) },
    pages: [page('Pot dashboard', lat(12, 200), lat(60, 900), 0.56), page('Payments due', lat(31.2, 40), lat(140, 300), 0.19)],
    dashboards: [
      { name: 'Pot dashboard', loaderMs: 12.5, rawSqlMs: 8, ratio: 1.56, calls: 25, agrees: true },
      { name: 'Funder dashboard', loaderMs: 90, rawSqlMs: 30, ratio: 3, calls: 25, agrees: true },
    ],
    offerLetter: { medianMs: 21.4, renders: 30, awardReference: 'AW-2026-0001' },
    openData: { json: { httpSeconds: 3.4, bytes: 52 * 1024 * 1024 }, csv: { httpSeconds: 2.9, bytes: 30 * 1024 * 1024 }, export: { seconds: 3.1, peakMb: 180, baselineMb: 150, grants: 40_000, bytes: 50_000_000 } },
    optimiser: { status: 'optimal', bestSolveMs: 850, bids: 2_000, places: 36, ringFences: 5 },
    problems: [],
    ...overrides,
  }
}

const machine = { loadAverage: [0.4, 1.9] as [number, number], cpus: 2, serverWorkers: 2, cpuModel: 'Test CPU', memoryMb: 8192, node: 'v20.19.0', platform: 'linux' }

describe('targets', () => {
  test('a page meets its targets only with p95 under 25 ms alone, under 100 ms at 16 clients, and half the floor', () => {
    expect(pageVerdict({ one: lat(24.9, 100), many: lat(99.9, 100), floorRatio: 0.5 })).toEqual({ met: true, misses: [] })
    const missed = pageVerdict({ one: lat(25, 100), many: lat(100, 100), floorRatio: 0.49 })
    expect(missed.met).toBe(false)
    expect(missed.misses).toEqual([
      'p95 25 ms at 1 client (target < 25 ms)',
      'p95 100 ms at 16 clients (target < 100 ms)',
      '0.49× the floor\'s requests per second (target ≥ 0.5)',
    ])
  })

  test('failed responses or a missing floor fail a page however fast it was', () => {
    expect(pageVerdict({ one: lat(1, 100), many: lat(1, 100, 2), floorRatio: 0.9 }).misses).toEqual(['2 failed responses'])
    expect(pageVerdict({ one: lat(1, 100), many: lat(1, 100), floorRatio: null }).met).toBe(false)
    const none = { p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, rps: 0, requests: 0, failures: 0 }
    expect(pageVerdict({ one: none, many: lat(1, 100), floorRatio: 1 }).misses).toEqual(['no response finished within the measurement (run longer, or the page is far too slow)'])
  })

  test('the export is judged only on 40,000 grants or more; the dataset only at scale 1 when made in the run', () => {
    expect(exportVerdict({ seconds: 1, peakMb: 100, grants: 39_999 })).toBeNull()
    expect(exportVerdict({ seconds: 4.9, peakMb: 255, grants: 40_000 })).toBe(true)
    expect(exportVerdict({ seconds: 5, peakMb: 100, grants: 40_000 })).toBe(false)
    expect(exportVerdict({ seconds: 1, peakMb: 256, grants: 40_000 })).toBe(false)
    expect(datasetVerdict(30, 0.1)).toBeNull()
    expect(datasetVerdict(null, 1)).toBeNull()
    expect(datasetVerdict(59.9, 1)).toBe(true)
    expect(datasetVerdict(60, 1)).toBe(false)
  })

  test('the optimiser must prove an optimum, not just finish in time', () => {
    expect(optimiserVerdict({ status: 'optimal', bestSolveMs: 1_999 })).toBe(true)
    expect(optimiserVerdict({ status: 'time_limit', bestSolveMs: 500 })).toBe(false)
    expect(optimiserVerdict({ status: 'optimal', bestSolveMs: 2_000 })).toBe(false)
  })
})

describe('the markdown table', () => {
  const md = renderEngine(engine())

  test('has a row per page with its times at 1 and 16 clients, rate, ratios and a tick or cross', () => {
    expect(md).toContain('### SQLite')
    expect(md).toContain('National dataset, scale 1, 200,000 applications; 10 s per measurement; run 2026-11-21 12:34 UTC.')
    expect(md).toContain('| Page | 1 client: p50 / p95 / p99 ms | 16 clients: p50 / p95 / p99 ms | Requests/s (16 clients) | ÷ floor | ÷ bare node | Targets met |')
    expect(md).toContain('| Pot dashboard (`/pot-dashboard`) | 6.0 / 12 / 18 | 30 / 60 / 90 | 900 | 0.56× | 0.14× | ✓ |')
    expect(md).toContain('| Payments due (`/payments-due`) | 16 / 31 / 47 | 70 / 140 / 210 | 300 | 0.19× | 0.05× | ✗ |')
    expect(md).toContain('| Framework floor (`/bench/floor`) | 1.0 / 2.0 / 3.0 | 10 / 20 / 30 | 1,600 | 1.00× | 0.18× | |')
  })

  test('a response over 256 KB has a row for the bare node:http server sending its bytes, and its ÷ bare node is against that', () => {
    const big: PageResult = { ...page('360Giving JSON', lat(40, 22), lat(600, 24), 0.02), bareRatio: 0.96, sameBytes: { bytes: 3 * 1024 * 1024, one: lat(38, 23), many: lat(580, 25) } }
    const out = renderEngine(engine({ pages: [big] }))
    expect(out).toContain('| 360Giving JSON (`/360giving-json`) | 20 / 40 / 60 | 300 / 600 / 900 | 24 | 0.02× | 0.96× | ✗ |')
    expect(out).toContain('| ↳ bare `node:http`, the same 3.0 MB | 19 / 38 / 57 | 290 / 580 / 870 | 25 | | 1.00× | |')
    expect(out).toContain('that row is the fastest this machine sends it')
    expect(md).not.toContain('↳')
  })

  test('lists the other figures against their targets, and every miss in words', () => {
    expect(md).toContain('| Pot dashboard: loader ÷ raw SQL, median of 25 | 1.56× (13 ms vs 8.0 ms) | ≤ 2× | ✓ |')
    expect(md).toContain('| Funder dashboard: loader ÷ raw SQL, median of 25 | 3.00× (90 ms vs 30 ms) | ≤ 2× | ✗ |')
    expect(md).toContain('| Offer letter PDF (AW-2026-0001), median of 30 | 21 ms | < 50 ms | ✓ |')
    expect(md).toContain('| 360Giving JSON export, whole file to a null sink | 3.1 s, 180 MB peak memory (150 MB before it began), 40,000 grants | < 5 s and < 256 MB for 40,000 grants | ✓ |')
    expect(md).toContain('| 360Giving files over HTTP, whole file, made afresh (the first download after a change: made, then sent as a browser asks) | JSON 3.4 s (52.0 MB), CSV 2.9 s (30.0 MB) | | |')
    expect(md).not.toContain('from the kept copy')
    const kept = engine({ openData: { ...engine().openData!, json: { httpSeconds: 3.4, bytes: 52 * 1024 * 1024, sentBytes: 1.5 * 1024 * 1024, kept: { httpSeconds: 0.4, sentBytes: 3 * 1024 * 1024 } }, csv: { httpSeconds: 2.9, bytes: 30 * 1024 * 1024, kept: { httpSeconds: 0.3, sentBytes: 2 * 1024 * 1024 } } } })
    expect(renderEngine(kept)).toContain('JSON 3.4 s (52.0 MB, 1.5 MB sent), CSV 2.9 s (30.0 MB)')
    expect(renderEngine(kept)).toContain('| 360Giving files over HTTP, whole file, from the kept copy (compressed, as a browser asks) | JSON 0.4 s (3.0 MB sent), CSV 0.3 s (2.0 MB sent) | | |')
    expect(md).toContain('| Optimiser, 2,000 bids, 36 places, 5 ring-fences | optimal in 850 ms | optimal in < 2 s | ✓ |')
    expect(md).toContain('| Dataset (`npm run seed:national`) | made in 42.4 s | < 60 s for the full dataset | ✓ |')
    expect(md).toContain('Missed (4):')
    expect(md).toContain('- Payments due: p95 31.2 ms at 1 client (target < 25 ms)')
    expect(md).toContain('- Funder dashboard: loader 3.00× raw SQL')
  })

  test('says plainly when a run is not the national result', () => {
    expect(renderEngine(engine({ scale: 0.1 }))).toContain('**Scale 0.1, not the full national dataset: not a result to publish.**')
    const demo = renderEngine(engine({ dataset: { name: 'demo', location: 'x', seconds: 10, counts: null } }))
    expect(demo).toContain('**This is not the national dataset: not a result to publish.**')
    expect(demo).toContain('| Dataset (`npm run db:seed`) | made in 10.0 s | < 60 s for the full dataset | – |')
    expect(renderEngine(engine({ dataset: { name: 'national', location: 'x', seconds: null, counts: null } }))).toContain('| reused from an earlier run | < 60 s for the full dataset | – |')
  })

  test('a raw SQL that disagrees with the loader is not compared, and problems are listed', () => {
    const text = renderEngine(engine({ dashboards: [{ name: 'Pot dashboard', loaderMs: 50, rawSqlMs: 1, ratio: 50, calls: 20, agrees: false }], problems: ['offer letter: no award'] }))
    expect(text).toContain('(raw SQL totals differ from the loader’s: not compared) | ≤ 2× | – |')
    expect(text).not.toContain('Pot dashboard: loader 50.00× raw SQL')
    expect(text).toContain('Not measured:\n\n- offer letter: no award')
  })

  test('renders SQLite before PostgreSQL, then the machine', () => {
    const all = renderMarkdown({ generatedAt: 'x', machine, engines: { postgres: engine({ engine: 'postgres' }), sqlite: engine() } })
    expect(all.indexOf('### SQLite')).toBeLessThan(all.indexOf('### PostgreSQL'))
    expect(all.trim().split('\n').at(-1)).toBe(
      'Measured on 2 CPUs (Test CPU), 8 GB memory, Node v20.19.0 on linux; the server ran 2 worker processes and the load generator runs on the same machine. Load average 0.40 at the start, 1.90 at the end.',
    )
  })

  test('warns when other work was loading the machine during the run', () => {
    const busy = renderMarkdown({ generatedAt: 'x', machine: { ...machine, loadAverage: [6.7, 1.2] }, engines: {} })
    expect(busy).toContain('Load average 6.70 at the start, 1.20 at the end. **The machine was busy with other work')
    // The run itself loads every core, so a high load at the end alone is not a warning.
    expect(renderMarkdown({ generatedAt: 'x', machine: { ...machine, loadAverage: [0.5, 3.9] }, engines: {} })).not.toContain('busy with other work')
  })
})

describe('results file and README', () => {
  test('a run of one engine keeps the other engine’s last result', () => {
    const previous: BenchResults = { generatedAt: 'old', machine, engines: { sqlite: engine({ ranAt: 'old' }), postgres: engine({ engine: 'postgres', ranAt: 'old' }) } }
    const merged = mergeResults(previous, { generatedAt: 'new', machine, engines: { sqlite: engine({ ranAt: 'new' }) } })
    expect(merged.generatedAt).toBe('new')
    expect(merged.engines.sqlite!.ranAt).toBe('new')
    expect(merged.engines.postgres!.ranAt).toBe('old')
    expect(mergeResults(null, { generatedAt: 'n', machine, engines: {} }).engines).toEqual({})
  })

  test('replaces only the text between the markers, and again with the same result', () => {
    const readme = `# Commonpot\n\n## Benchmark\n\n${BENCH_START}\nold table\n${BENCH_END}\n\n## Licence\n`
    const once = replaceBetweenMarkers(readme, '| new | table |\n')
    expect(once).toBe(`# Commonpot\n\n## Benchmark\n\n${BENCH_START}\n| new | table |\n${BENCH_END}\n\n## Licence\n`)
    expect(replaceBetweenMarkers(once, '| new | table |')).toBe(once)
  })

  test('refuses a README without both markers in order, once each', () => {
    expect(() => replaceBetweenMarkers('# no markers', 'x')).toThrow(/no <!-- bench:start -->/)
    expect(() => replaceBetweenMarkers(`${BENCH_END}\n${BENCH_START}`, 'x')).toThrow(/before/)
    expect(() => replaceBetweenMarkers(`${BENCH_START}${BENCH_END}${BENCH_START}${BENCH_END}`, 'x')).toThrow(/more than once/)
  })
})
