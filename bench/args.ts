/** `npm run bench -- [flags]`: the flags, checked, and where the results go. Pure: bench/args.test.ts checks it. */
import { parseArgs } from 'node:util'
import type { EngineName } from './report.ts'
import type { DatasetName } from './datasets.ts'

export interface BenchOptions {
  engines: EngineName[]
  dataset: DatasetName
  scale: number
  /** Seconds per measurement (each page at 1 client, then at 16). */
  duration: number
  updateReadme: boolean
  regenerate: boolean
}

export const USAGE = `usage: npm run bench -- [--engine sqlite|postgres|both] [--scale 1] [--duration 10] [--dataset national|demo] [--regenerate] [--update-readme]
  --engine        which database to measure (default sqlite; postgres uses DATABASE_URL's server, or starts scripts/pg-local.sh)
  --scale         the national dataset's scale (default 1, the size the README's table must come from)
  --duration      seconds per measurement (default 10)
  --dataset       national (default) or demo (the demo data, for quick checks of the bench itself)
  --regenerate    make the dataset again even when one of the same scale and version is there
  --update-readme put bench/results/latest.md between the bench markers in README.md (national dataset at scale 1 only)
Results go to bench/results/latest.json and latest.md; a --dataset demo run writes demo.json and demo.md instead.`

export class UsageError extends Error {}

export function parseBenchArgs(argv: string[]): BenchOptions {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        engine: { type: 'string', default: 'sqlite' },
        scale: { type: 'string', default: '1' },
        duration: { type: 'string', default: '10' },
        dataset: { type: 'string', default: 'national' },
        'update-readme': { type: 'boolean', default: false },
        regenerate: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e))
  }
  const engine = values.engine
  if (engine !== 'sqlite' && engine !== 'postgres' && engine !== 'both') throw new UsageError(`--engine must be sqlite, postgres or both, not ${engine}`)
  const scale = Number(values.scale)
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1) throw new UsageError(`--scale must be a number above 0 and at most 1, not ${values.scale}`)
  const duration = Number(values.duration)
  if (!Number.isInteger(duration) || duration < 1) throw new UsageError(`--duration must be a whole number of seconds, at least 1, not ${values.duration}`)
  const dataset = values.dataset
  if (dataset !== 'national' && dataset !== 'demo') throw new UsageError(`--dataset must be national or demo, not ${dataset}`)
  const updateReadme = values['update-readme'] ?? false
  // The README's table must be the national result at full scale (issue 8: a smaller dataset is not the result).
  if (updateReadme && (dataset !== 'national' || scale !== 1)) throw new UsageError('--update-readme needs the national dataset at scale 1: the README shows only the full result')
  return {
    engines: engine === 'both' ? ['sqlite', 'postgres'] : [engine],
    dataset,
    scale: dataset === 'demo' ? 1 : scale,
    duration,
    updateReadme,
    regenerate: values.regenerate ?? false,
  }
}

/** latest.json/latest.md for the national dataset; a demo run never overwrites them (demo.json/demo.md). */
export function resultFiles(options: Pick<BenchOptions, 'dataset'>): { json: string; markdown: string } {
  const base = options.dataset === 'national' ? 'latest' : 'demo'
  return { json: `bench/results/${base}.json`, markdown: `bench/results/${base}.md` }
}
