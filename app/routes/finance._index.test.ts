/**
 * /finance's payments due a page at a time: ?after= and ?before= (a due date and id) move through the list, the
 * count and total cover every payment due (the total as the page shows it, to the penny), and a cursor that is not one
 * shows the first page.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { createPaymentScenario } from '../../tests/factories/payments.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { listDueTranches, payableTrancheIds } from '~/domain/payments/tranches.server.ts'
import { formatPence } from '~/lib/money.ts'
import { db } from '~/lib/db.server.ts'
import { action, loader } from './finance._index.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }
interface Data {
  due: Array<{ id: number; dueDate: string; amount: string; canPay: string; ready: boolean }>
  dueCount: number
  dueTotal: string
  next: string | null
  previous: string | null
}
let finance: { id: number }

async function page(query = ''): Promise<Data> {
  const request = await signedInRequest(`/finance${query}`, { userId: finance.id })
  const res = await respond(() => loader({ request, params: {}, context }))
  expect(res.status).toBe(200)
  return (await res.json()) as Data
}

beforeAll(async () => {
  const s = await createPaymentScenario(db)
  for (let i = 0; i < 3; i++) await s.acceptedAward({ amountPence: 100_000 + i * 1_000 })
  finance = await createUserWithRole(db, 'finance_officer')
}, 120_000)

describe('/finance payments due', () => {
  test('shows the count and total of every payment due, and no page links when they fit on one page', async () => {
    const all = await listDueTranches(db)
    const d = await page()
    expect(d.due.map((t) => t.id)).toEqual(all.map((t) => t.id))
    expect(d.dueCount).toBe(all.length)
    expect(d.dueTotal).toBe(formatPence(all.reduce((sum, t) => sum + t.amountPence, 0)))
    expect(d.due.map((t) => t.amount)).toEqual(all.map((t) => formatPence(t.amountPence)))
    expect(d.due.every((t) => t.ready && t.canPay === 'Yes, by BACS')).toBe(true)
    expect([d.next, d.previous]).toEqual([null, null])
  })

  test('?after= shows the rows after that one, with a link back; ?before= the rows before it, with a link on', async () => {
    const all = (await page()).due
    const after = await page(`?after=${all[0]!.dueDate}.${all[0]!.id}`)
    expect(after.due.map((t) => t.id)).toEqual(all.slice(1).map((t) => t.id))
    expect(after.previous).toBe(`${all[1]!.dueDate}.${all[1]!.id}`)
    expect(after.next).toBeNull()
    expect(after.dueCount).toBe(all.length)
    const before = await page(`?before=${encodeURIComponent(after.previous!)}`)
    expect(before.due.map((t) => t.id)).toEqual([all[0]!.id])
    expect(before.next).toBe(`${all[0]!.dueDate}.${all[0]!.id}`)
    expect(before.previous).toBeNull()
  })

  test('a cursor that is not one shows the first page', async () => {
    expect((await page('?after=drop%20table')).due).toEqual((await page()).due)
  })
})

describe('preparing a run of every payment that is ready', () => {
  async function post(body: Record<string, string>) {
    const request = await signedInRequest('/finance', { userId: finance.id, body: new URLSearchParams(body) })
    return respond(() => action({ request, params: {}, context }))
  }

  test('nothing ticked is a 400 with a message; "every payment" takes each one payable by the method, from every page', async () => {
    const refused = await post({ scope: 'ticked', rail: 'bacs', idempotencyKey: 'run-none' })
    expect(refused.status).toBe(400)
    expect((await refused.json()).errors).toEqual(['Choose at least one payment to include'])

    const payable = await payableTrancheIds(db, 'bacs')
    expect(payable.length).toBeGreaterThan(0)
    const res = await post({ scope: 'every', rail: 'bacs', idempotencyKey: 'run-every' })
    expect(res.status).toBe(302)
    const runId = Number(res.headers.get('Location')!.split('/').at(-1))
    const inRun = await db.selectFrom('tranches').select('id').where('payment_run_id', '=', runId).orderBy('id').execute()
    expect(inRun.map((t) => t.id)).toEqual([...payable].sort((a, b) => a - b))
    expect(await payableTrancheIds(db, 'bacs')).toEqual([])
  })
})
