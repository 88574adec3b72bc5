// The planning worker's entry (write.ts starts it): loads plan-worker.ts through tsx's API, because Node 20 does not
// apply `--import` loaders to a worker's own entry module.
import { tsImport } from 'tsx/esm/api'

await tsImport('./plan-worker.ts', import.meta.url)
