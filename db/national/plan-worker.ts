/**
 * The PostgreSQL load's planning thread (a worker_threads Worker started by write.ts). Planning is synchronous and
 * takes one core for most of the load; here it runs beside the main thread, which COPYs what it has already planned
 * while the rest is still being made, so the server's parsing and inserting overlaps the planning instead of waiting
 * for it.
 *
 * Each table's rows are turned into CSV as they come and posted to the main thread in pieces of about PIECE_CHARS;
 * the tables the plan keeps until the end (KEPT_TABLES in plan.ts) follow when planning is done, then a `done`
 * message with the counts. `pending` (shared with the main thread) holds how many characters are posted but not
 * yet handed to the server: above MAX_PENDING_CHARS the planner waits, so a slow server makes planning wait rather
 * than memory grow.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { CSV_BATCH, csvChunks, csvOf } from './csv.ts'
import { planNationalDataset, type PlanInput } from './plan.ts'

export interface PlanWorkerData {
  input: PlanInput
  /** An Int32Array over a SharedArrayBuffer: characters posted and not yet written to the server. */
  pending: Int32Array
}

export type PlanWorkerMessage =
  | { kind: 'rows'; table: string; columns: readonly string[]; csv: string }
  | { kind: 'done'; counts: Record<string, number>; idTables: string[]; order: string[] }

/** Characters of CSV per message: large enough that posting is cheap, small enough that COPY starts early. */
const PIECE_CHARS = 1 << 20
/** How far ahead of the server planning may run (characters). */
export const MAX_PENDING_CHARS = 64 << 20

function start(port: NonNullable<typeof parentPort>, data: PlanWorkerData): void {
  const { pending } = data
  const post = (table: string, columns: readonly string[], csv: string) => {
    Atomics.add(pending, 0, csv.length)
    port.postMessage({ kind: 'rows', table, columns, csv } satisfies PlanWorkerMessage)
    for (let now = Atomics.load(pending, 0); now > MAX_PENDING_CHARS; now = Atomics.load(pending, 0)) Atomics.wait(pending, 0, now, 1000)
  }

  const tables = new Map<string, { columns: readonly string[]; batch: unknown[][]; text: string[]; chars: number }>()
  const flushBatch = (name: string, table: { columns: readonly string[]; batch: unknown[][]; text: string[]; chars: number }) => {
    if (table.batch.length > 0) {
      const csv = csvOf(table.batch)
      table.batch = []
      table.text.push(csv)
      table.chars += csv.length
    }
    if (table.chars >= PIECE_CHARS) flushText(name, table)
  }
  const flushText = (name: string, table: { columns: readonly string[]; text: string[]; chars: number }) => {
    if (table.chars === 0) return
    post(name, table.columns, table.text.join(''))
    table.text = []
    table.chars = 0
  }

  const plan = planNationalDataset(data.input, (name, columns, row) => {
    let table = tables.get(name)
    if (!table) {
      table = { columns, batch: [], text: [], chars: 0 }
      tables.set(name, table)
    }
    table.batch.push(row)
    if (table.batch.length >= CSV_BATCH) flushBatch(name, table)
  })
  for (const [name, table] of tables) {
    flushBatch(name, table)
    flushText(name, table)
  }
  for (const [name, table] of plan.tables) {
    let text: string[] = []
    let chars = 0
    for (const csv of csvChunks(table.rows)) {
      text.push(csv)
      chars += csv.length
      if (chars >= PIECE_CHARS) {
        post(name, table.columns, text.join(''))
        text = []
        chars = 0
      }
    }
    if (chars > 0) post(name, table.columns, text.join(''))
    table.rows.length = 0
  }
  // counts lists every table in the plan's (foreign-key) order.
  const order = Object.keys(plan.counts).filter((name) => tables.has(name) || plan.tables.has(name))
  port.postMessage({ kind: 'done', counts: plan.counts, idTables: plan.idTables, order } satisfies PlanWorkerMessage)
}

if (parentPort) start(parentPort, workerData as PlanWorkerData)
