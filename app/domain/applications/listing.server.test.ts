import { beforeAll, describe, expect, test } from 'vitest'
import { db } from '~/lib/db.server.ts'
import { createApplicant, createFcfsRound, placesByRegion, submitInOwnTransaction } from './fcfs-fixtures.server.ts'
import { listRoundApplications, streamRoundApplications, type ApplicationFilters } from './listing.server.ts'

let roundId: number
let london: number
let midlands: number
const ids: number[] = []
let draftId: number

beforeAll(async () => {
  ;({ roundId } = await createFcfsRound(db, { grantCount: 100, grantAmountPence: 100_000, maxPercentPerRegion: null, minPercentPriorityCommunity: null }))
  const regions = await placesByRegion(db)
  london = regions.get('London')![0]!
  midlands = regions.get('Midlands')![0]!
  for (let i = 0; i < 7; i++) {
    const { applicationId, admin } = await createApplicant(db, { roundId, placeId: i % 2 === 0 ? london : midlands })
    await submitInOwnTransaction(db, { applicationId, submitter: admin })
    await db.updateTable('applications').set({ amount_requested_pence: (i + 1) * 50_000 }).where('id', '=', applicationId).execute()
    ids.push(applicationId)
  }
  draftId = (await createApplicant(db, { roundId, placeId: london })).applicationId
  await db.updateTable('applications').set({ screening_result: 'eligible' }).where('id', 'in', [ids[0]!, ids[1]!]).execute()
  await db.updateTable('applications').set({ screening_result: 'eligible', screening_override: 'ineligible', screening_reason: 'No constitution' }).where('id', '=', ids[2]!).execute()
  await db.updateTable('organisations').set({ legal_type: 'cic', company_number: null }).where('id', '=', (await db.selectFrom('applications').select('organisation_id').where('id', '=', ids[3]!).executeTakeFirstOrThrow()).organisation_id).execute()
})

async function idsFor(filters: ApplicationFilters) {
  return (await listRoundApplications(db, { roundId, filters })).rows.map((r) => r.id)
}

describe('the list of what arrived in a round', () => {
  test('leaves out drafts, which have not arrived', async () => {
    const all = await idsFor({})
    expect(all).toEqual(ids)
    expect(all).not.toContain(draftId)
  })

  test('filters by place, organisation type, status and amount range', async () => {
    expect(await idsFor({ placeId: midlands })).toEqual([ids[1], ids[3], ids[5]])
    expect(await idsFor({ legalType: 'cic' })).toEqual([ids[3]])
    expect(await idsFor({ status: 'allocated' })).toEqual(ids)
    expect(await idsFor({ status: 'waitlisted' })).toEqual([])
    expect(await idsFor({ minAmountPence: 100_000, maxAmountPence: 200_000 })).toEqual([ids[1], ids[2], ids[3]])
    expect(await idsFor({ minAmountPence: 300_000 })).toEqual([ids[5], ids[6]])
  })

  test('filters by the screening result that counts: an override wins over the automatic result', async () => {
    expect(await idsFor({ screening: 'eligible' })).toEqual([ids[0], ids[1]])
    expect(await idsFor({ screening: 'ineligible' })).toEqual([ids[2]])
    expect(await idsFor({ screening: 'not_screened' })).toEqual(ids.slice(3))
    const page = await listRoundApplications(db, { roundId, filters: { screening: 'ineligible' } })
    expect(page.rows[0]).toMatchObject({ screening: 'ineligible', screeningOverridden: true, regionName: 'London', amountRequestedPence: 150_000 })
  })

  test('pages forwards and backwards by id with cursors', async () => {
    const first = await listRoundApplications(db, { roundId, filters: {}, limit: 3 })
    expect(first.rows.map((r) => r.id)).toEqual(ids.slice(0, 3))
    expect(first).toMatchObject({ previousBefore: null, nextAfter: ids[2] })
    const second = await listRoundApplications(db, { roundId, filters: {}, limit: 3, after: first.nextAfter! })
    expect(second.rows.map((r) => r.id)).toEqual(ids.slice(3, 6))
    expect(second).toMatchObject({ previousBefore: ids[3], nextAfter: ids[5] })
    const last = await listRoundApplications(db, { roundId, filters: {}, limit: 3, after: second.nextAfter! })
    expect(last.rows.map((r) => r.id)).toEqual([ids[6]])
    expect(last.nextAfter).toBeNull()
    const back = await listRoundApplications(db, { roundId, filters: {}, limit: 3, before: second.previousBefore! })
    expect(back.rows.map((r) => r.id)).toEqual(ids.slice(0, 3))
    expect(back).toMatchObject({ previousBefore: null, nextAfter: ids[2] })
  })

  test('streams every matching application in batches', async () => {
    const streamed: number[] = []
    for await (const row of streamRoundApplications(db, roundId, { placeId: london }, 2)) streamed.push(row.id)
    expect(streamed).toEqual([ids[0], ids[2], ids[4], ids[6]])
  })
})
