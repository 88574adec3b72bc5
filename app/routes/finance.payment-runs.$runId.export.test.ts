/**
 * POST /finance/payment-runs/<runId>/export: a finance officer downloads a BACS run's bank file (the first download
 * sends the run). Everyone else gets 403; a run with no bank file gets 409 and the reason.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { createPaymentScenario, type PaymentScenario } from '../../tests/factories/payments.ts'
import { createOrganisationWithAdmin } from '../../tests/factories/organisations.ts'
import { createUserWithRole, signedInRequest, type TestUser } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { action, loader } from './finance.payment-runs.$runId_.export.tsx'
import { loader as fileLoader } from './finance.payment-runs.$runId_.file.ts'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

let s: PaymentScenario
let finance: TestUser

beforeAll(async () => {
  s = await createPaymentScenario(db)
  finance = await createUserWithRole(db, 'finance_officer')
})

async function post(runId: number | string, userId: number, format: string) {
  return respond(async () => action({ request: await signedInRequest(`/finance/payment-runs/${runId}/export`, { userId, body: { format } }), params: { runId: String(runId) }, context }))
}

async function approvedRun(amountPence: number) {
  const award = await s.acceptedAward({ amountPence })
  return s.run(finance.id, award.trancheIds)
}

async function download(runId: number, userId: number, format: string) {
  const request = await signedInRequest(`/finance/payment-runs/${runId}/file?format=${format}`, { userId })
  return respond(() => fileLoader({ request, params: { runId: String(runId) }, context }))
}

const runStatus = async (id: number) => (await db.selectFrom('payment_runs').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status

describe('downloading a bank file', () => {
  test('applicants and fund managers get 403, and the run is not sent', async () => {
    const run = await approvedRun(10_000)
    const { admin } = await createOrganisationWithAdmin(db)
    const fundManager = await createUserWithRole(db, 'fund_manager')
    for (const userId of [admin.id, fundManager.id]) {
      expect((await post(run.id, userId, 'standard18')).status).toBe(403)
      expect((await respond(async () => loader({ request: await signedInRequest(`/finance/payment-runs/${run.id}/export`, { userId }), params: { runId: String(run.id) }, context }))).status).toBe(403)
    }
    expect(await runStatus(run.id)).toBe('approved')
  })

  test('a finance officer exports the run (it is sent) and is sent to download the Standard 18 file or the CSV', async () => {
    const run = await approvedRun(12_345)
    const exported = await post(run.id, finance.id, 'standard18')
    expect(exported.status).toBe(303)
    expect(exported.headers.get('Location')).toBe(`/finance/payment-runs/${run.id}/file?format=standard18`)
    expect(await runStatus(run.id)).toBe('sent')
    const response = await download(run.id, finance.id, 'standard18')
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Disposition')).toBe(`attachment; filename="${run.reference}-standard18.txt"`)
    expect(response.headers.get('Content-Type')).toBe('text/plain; charset=us-ascii')
    const body = await response.text()
    expect(body.split('\r\n').filter(Boolean).map((l) => l.length)).toEqual([100, 100])
    expect(body.slice(35, 46)).toBe('00000012345')

    const csv = await download(run.id, finance.id, 'csv')
    expect(csv.status).toBe(200)
    expect(csv.headers.get('Content-Disposition')).toBe(`attachment; filename="${run.reference}-bulk-payments.csv"`)
    expect(await csv.text()).toMatch(/^Payee name,Sort code,Account number,Amount,Payment reference\r\n.*,123\.45,/)
  })

  test('the file address gives nothing for a run not yet exported, nor to an applicant', async () => {
    const run = await approvedRun(10_000)
    expect((await download(run.id, finance.id, 'standard18')).status).toBe(409)
    const { admin } = await createOrganisationWithAdmin(db)
    expect((await download(run.id, admin.id, 'standard18')).status).toBe(403)
    expect(await runStatus(run.id)).toBe('approved')
  })

  test('an unknown format is a 400 and sends nothing', async () => {
    const run = await approvedRun(13_000)
    const response = await post(run.id, finance.id, 'xlsx')
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ message: 'Choose the kind of bank file: Standard 18 or bulk-payment CSV' })
    expect(await runStatus(run.id)).toBe('approved')
  })

  test('a run awaiting approval is a 409 with the reason', async () => {
    const award = await s.acceptedAward({ amountPence: 700_000 })
    const run = await s.run(finance.id, award.trancheIds)
    const response = await post(run.id, finance.id, 'standard18')
    expect(response.status).toBe(409)
    expect(((await response.json()) as { message: string }).message).toMatch(/waiting for a second finance officer to approve it/)
    expect(await runStatus(run.id)).toBe('awaiting_approval')
  })

  test('a run that does not exist is 404, and GET goes back to the run page', async () => {
    expect((await post(99_999_999, finance.id, 'standard18')).status).toBe(404)
    expect((await post('abc', finance.id, 'standard18')).status).toBe(404)
    const response = await respond(async () => loader({ request: await signedInRequest('/finance/payment-runs/7/export', { userId: finance.id }), params: { runId: '7' }, context }))
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe('/finance/payment-runs/7')
  })
})
