/**
 * The 360Giving files: each published award becomes a grant that is valid against the standard's schemas (checked
 * offline with ajv), with its funders, recipient identifiers, place and payments; read in keyset batches that give
 * exactly what one big read would.
 */
import { beforeAll, describe, expect, test } from 'vitest'
import { createOpenDataScenario, type OpenDataScenario } from '../../../tests/factories/open-data.ts'
import { db } from '~/lib/db.server.ts'
import { recordRepayment } from '../payments/repayments.server.ts'
import { ukToday } from '../places/places.server.ts'
import { grantCsvColumns } from './csv.ts'
import { grantBatch, maxFundersPerGrant, publishedGrants } from './grants.server.ts'
import { packageHeader, packageJsonStream } from './package.server.ts'
import { DEFAULT_OPEN_DATA_SETTINGS } from './settings.ts'
import { setOpenDataSettings } from './settings.server.ts'
import { grantSchema, packageValidator } from './test-support.server.ts'
import type { Grant } from './three-sixty-giving.ts'

let o: OpenDataScenario
const validate = packageValidator()
beforeAll(async () => {
  o = await createOpenDataScenario(db)
})

async function allGrants(batchSize?: number): Promise<Grant[]> {
  const grants: Grant[] = []
  for await (const g of publishedGrants(db, { prefix: 'commonpot', batchSize })) grants.push(g)
  return grants
}

async function grantFor(awardId: number): Promise<Grant> {
  const reference = (await db.selectFrom('awards').select('reference').where('id', '=', awardId).executeTakeFirstOrThrow()).reference
  const grant = (await allGrants()).find((g) => g.id === `360G-commonpot-${reference}`)
  if (!grant) throw new Error(`award ${reference} is not in the file`)
  return grant
}

function asPackage(grants: Grant[]) {
  return { ...packageHeader(DEFAULT_OPEN_DATA_SETTINGS, { origin: 'https://commonpot.example', modified: '2026-11-21T10:00:00.000Z' }), grants }
}

async function place() {
  return db.selectFrom('places').select(['name', 'gss_code', 'ods_code']).where('id', '=', o.placeId).executeTakeFirstOrThrow()
}

describe('the award date', () => {
  test('is the day the group was told of the panel’s decision, else the day the award was made', async () => {
    const told = await o.pooledAward({ amountPence: 200_000 })
    const notTold = await o.pooledAward({ amountPence: 200_000 })
    await db.updateTable('applications').set({ decided_at: '2025-09-21T11:00:00.000Z' }).where('id', '=', (await db.selectFrom('awards').select('application_id').where('id', '=', told.awardId).executeTakeFirstOrThrow()).application_id).execute()
    await o.publish(told.awardId)
    await o.publish(notTold.awardId)
    expect((await grantFor(told.awardId)).awardDate).toBe('2025-09-21')
    expect((await grantFor(notTold.awardId)).awardDate).toBe(ukToday())
  })
})

describe('a pooled award from a pot three funders pay into', () => {
  test('is a valid grant naming every contributing funder, FRG040, the ICB and what has been paid', async () => {
    const award = await o.pooledAward({ amountPence: 300_000 })
    await o.pay(award.trancheIds[0])
    await o.publish(award.awardId)
    const grant = await grantFor(award.awardId)
    expect(validate(asPackage([grant]))).toEqual([])

    const funders = await db
      .selectFrom('award_commitments')
      .innerJoin('contributions', 'contributions.id', 'award_commitments.contribution_id')
      .innerJoin('funders', 'funders.id', 'contributions.funder_id')
      .select(['funders.id', 'funders.name'])
      .where('award_id', '=', award.awardId)
      .execute()
    expect(funders.length).toBeGreaterThan(1)
    expect(grant.fundingOrganization.map((f) => f.name).sort()).toEqual(funders.map((f) => f.name).sort())
    expect(grant.fundingOrganization.map((f) => f.id).sort()).toEqual(funders.map((f) => `360G-commonpot-FUNDER-${f.id}`).sort())
    expect(grant.regrantType).toBe('FRG040')
    expect(grant.currency).toBe('GBP')
    expect(grant.amountAwarded).toBe(3000)
    expect(grant.amountAppliedFor).toBe(10000)
    expect(grant.amountDisbursed).toBe(3000)
    expect(grant.disbursementTransaction).toEqual([{ id: `${grant.id}-P1`, transactionDate: ukToday(), currency: 'GBP', value: 3000, description: 'Payment 1' }])

    const icb = await place()
    expect(grant.beneficiaryLocation).toEqual([{ name: icb.name, geoCode: icb.gss_code, countryCode: 'GB' }])
    expect(grant.classifications).toEqual([{ vocabulary: 'Integrated care board (ONS GSS code)', code: icb.gss_code, title: icb.name, description: `NHS ODS code ${icb.ods_code}` }])
    expect(grant.grantProgramme[0]!.title).toMatch(/^Round /)
    expect(grant.fromOpenCall).toBe('No') // the factory's round was never published for open applications
    expect(grant.plannedDates?.[0]?.startDate).toBe(ukToday())
  })

  test('money repaid comes off amountDisbursed and shows as a negative transaction', async () => {
    const award = await o.pooledAward({ amountPence: 200_000 })
    await o.pay(award.trancheIds[0])
    await db.transaction().execute((trx) =>
      recordRepayment(trx, o.finance.id, { awardId: award.awardId, kind: 'repayment', amountPence: 25_050, reason: 'Underspend', receivedOn: ukToday(), idempotencyKey: `r-${award.awardId}` }),
    )
    await o.publish(award.awardId)
    const grant = await grantFor(award.awardId)
    expect(grant.amountDisbursed).toBe(1749.5)
    expect(grant.disbursementTransaction?.map((t) => t.value)).toEqual([2000, -250.5])
    expect(validate(asPackage([grant]))).toEqual([])
  })
})

describe('a single-funder award', () => {
  test('names its one funder by its own org-id, is not a regrant, and a registered charity keeps its numbers', async () => {
    const award = await o.singleFunderAward({ amountPence: 100_000 })
    await db.updateTable('organisations').set({ legal_type: 'registered_charity', charity_number: '1090095', company_number: '09506232' }).where('id', '=', award.organisationId).execute()
    await o.publish(award.awardId)
    const grant = await grantFor(award.awardId)
    expect(validate(asPackage([grant]))).toEqual([])
    expect(grant.fundingOrganization).toEqual([{ id: o.singleFunder.orgIdentifier, name: o.singleFunder.funderName }])
    expect(grant.regrantType).toBeUndefined()
    expect(grant.recipientOrganization[0]).toMatchObject({ id: 'GB-CHC-1090095', charityNumber: '1090095', companyNumber: '09506232' })
    expect(grant.amountDisbursed).toBe(0)
    expect(grant.disbursementTransaction).toBeUndefined()
  })
})

describe('an unregistered community group', () => {
  test('gets an identifier under our prefix and no registration numbers', async () => {
    const award = await o.singleFunderAward({ amountPence: 50_000 })
    await o.publish(award.awardId)
    const grant = await grantFor(award.awardId)
    expect(validate(asPackage([grant]))).toEqual([])
    expect(grant.recipientOrganization).toHaveLength(1)
    expect(grant.recipientOrganization[0]!.id).toBe(`360G-commonpot-ORG-${award.organisationId}`)
    expect(grant.recipientOrganization[0]).not.toHaveProperty('charityNumber')
    expect(grant.recipientOrganization[0]).not.toHaveProperty('companyNumber')
  })
})

describe('what is in the files', () => {
  test('only published awards whose offer was accepted: not unpublished ones, nor ones withdrawn after publishing', async () => {
    const kept = await o.pooledAward({ amountPence: 100_000 })
    const notPublished = await o.pooledAward({ amountPence: 100_000 })
    const withdrawn = await o.pooledAward({ amountPence: 100_000 })
    await o.publish(kept.awardId)
    await o.publish(withdrawn.awardId)
    await db.updateTable('awards').set({ status: 'cancelled' }).where('id', '=', withdrawn.awardId).execute()
    const refs = await db.selectFrom('awards').select(['id', 'reference']).where('id', 'in', [kept.awardId, notPublished.awardId, withdrawn.awardId]).execute()
    const ids = new Set((await allGrants()).map((g) => g.id))
    const ref = (id: number) => `360G-commonpot-${refs.find((r) => r.id === id)!.reference}`
    expect(ids.has(ref(kept.awardId))).toBe(true)
    expect(ids.has(ref(notPublished.awardId))).toBe(false)
    expect(ids.has(ref(withdrawn.awardId))).toBe(false)
  })

  test('grant ids use the prefix from the settings', async () => {
    await db.transaction().execute((trx) => setOpenDataSettings(trx, o.managerUserId, { ...DEFAULT_OPEN_DATA_SETTINGS, prefix: 'wandle-trust' }))
    const grants: Grant[] = []
    for await (const g of publishedGrants(db, { prefix: 'wandle-trust' })) grants.push(g)
    expect(grants.length).toBeGreaterThan(0)
    for (const g of grants) expect(g.id).toMatch(/^360G-wandle-trust-/)
    await db.transaction().execute((trx) => setOpenDataSettings(trx, o.managerUserId, DEFAULT_OPEN_DATA_SETTINGS))
  })
})

describe('reading in batches', () => {
  test('many grants over several small batches give exactly what one read gives, and the streamed package is that', async () => {
    for (let i = 0; i < 9; i++) {
      const award = i % 2 === 0 ? await o.pooledAward({ amountPence: 10_000 + i }) : await o.singleFunderAward({ amountPence: 10_000 + i })
      await o.publish(award.awardId)
    }
    const whole = await allGrants(100_000)
    expect(whole.length).toBeGreaterThanOrEqual(12)
    expect(await allGrants(2)).toEqual(whole)
    expect(await allGrants(5)).toEqual(whole)

    const first = await grantBatch(db, { prefix: 'commonpot', afterId: 0, limit: 4 })
    expect(first.grants).toEqual(whole.slice(0, 4))
    const second = await grantBatch(db, { prefix: 'commonpot', afterId: first.lastId!, limit: 4 })
    expect(second.grants).toEqual(whole.slice(4, 8))

    const header = packageHeader(DEFAULT_OPEN_DATA_SETTINGS, { origin: 'https://commonpot.example', modified: null })
    const text = await new Response(packageJsonStream(db, DEFAULT_OPEN_DATA_SETTINGS, header, { batchSize: 3 })).text()
    const parsed = JSON.parse(text) as { grants: Grant[] }
    expect(parsed).toEqual({ ...header, grants: whole })
    expect(validate(parsed)).toEqual([])
  })
})

describe('a batch read by id range', () => {
  test('awards in the range that are not published add nothing to the published grants either side of them', async () => {
    const before = await o.pooledAward({ amountPence: 20_001 })
    const hidden = await o.singleFunderAward({ amountPence: 20_002 })
    const after = await o.pooledAward({ amountPence: 20_003 })
    await o.publish(before.awardId)
    await o.publish(after.awardId)
    const whole = await allGrants(100_000)
    const batch = await grantBatch(db, { prefix: 'commonpot', afterId: before.awardId - 1, limit: 2 })
    expect(batch.lastId).toBe(after.awardId)
    expect(batch.grants).toEqual([await grantFor(before.awardId), await grantFor(after.awardId)])
    const hiddenReference = (await db.selectFrom('awards').select('reference').where('id', '=', hidden.awardId).executeTakeFirstOrThrow()).reference
    expect(whole.some((g) => g.id.endsWith(hiddenReference))).toBe(false)
    expect(batch.grants.map((g) => g.amountAwarded)).toEqual([200.01, 200.03])
  })
})

describe('the CSV columns', () => {
  /** The schema path a column title stands for (titles joined by ":", list positions as numbers), or null. */
  function pathOf(header: string): string | null {
    const schema = grantSchema() as { properties: Record<string, SchemaNode>; $defs: Record<string, SchemaNode> }
    type SchemaNode = { title?: string; properties?: Record<string, SchemaNode>; items?: { $ref?: string }; $ref?: string }
    const resolve = (node: SchemaNode): SchemaNode => {
      const ref = node.$ref ?? node.items?.$ref
      return ref ? schema.$defs[ref.replace('#/$defs/', '')]! : node
    }
    let props = schema.properties
    const path: string[] = []
    for (const part of header.split(':')) {
      if (/^\d+$/.test(part)) {
        path.push(part)
        continue
      }
      const entry = Object.entries(props).find(([, node]) => (node.title ?? resolve(node).title) === part)
      if (!entry) return null
      path.push(entry[0])
      props = resolve(entry[1]).properties ?? {}
    }
    return path.join('/')
  }

  test('every column title is the standard’s title for the field it holds', () => {
    const columns = grantCsvColumns(3)
    const paths = Object.fromEntries(columns.map((c) => [c.header, pathOf(c.header)]))
    expect(Object.entries(paths).filter(([, p]) => p === null)).toEqual([])
    expect(paths).toMatchObject({
      Identifier: 'id',
      'Amount Awarded': 'amountAwarded',
      'Amount Applied For': 'amountAppliedFor',
      'Amount Disbursed': 'amountDisbursed',
      'Planned Dates:Start Date': 'plannedDates/startDate',
      'Recipient Org:Identifier': 'recipientOrganization/id',
      'Recipient Org:Charity Number': 'recipientOrganization/charityNumber',
      'Recipient Org:Company Number': 'recipientOrganization/companyNumber',
      'Funding Org:0:Identifier': 'fundingOrganization/0/id',
      'Funding Org:2:Name': 'fundingOrganization/2/name',
      'Grant Programme:Title': 'grantProgramme/title',
      'Beneficiary Location:Geographic Code': 'beneficiaryLocation/geoCode',
      'Beneficiary Location:Geographic Code Type': 'beneficiaryLocation/geoCodeType',
      'From An Open Call?': 'fromOpenCall',
      'For Regrant Type': 'regrantType',
      'Last Modified': 'dateModified',
    })
  })

  test('there are as many Funding Org column sets as the grant with the most funders needs', async () => {
    const most = Math.max(...(await allGrants()).map((g) => g.fundingOrganization.length))
    expect(await maxFundersPerGrant(db)).toBe(most)
    expect(grantCsvColumns(most).filter((c) => c.header.endsWith(':Identifier') && c.header.startsWith('Funding Org:')).length).toBe(most)
  })
})

describe('a download the client gives up on', () => {
  test('stops reading at the next batch once the request is aborted', async () => {
    for (let i = 0; i < 3; i++) await o.publish((await o.singleFunderAward({ amountPence: 10_000 + i })).awardId)
    const total = (await allGrants()).length
    expect(total).toBeGreaterThanOrEqual(3)
    const controller = new AbortController()
    const read: Grant[] = []
    for await (const g of publishedGrants(db, { prefix: 'commonpot', batchSize: 1, signal: controller.signal })) {
      read.push(g)
      controller.abort()
    }
    expect(read).toHaveLength(1)
    const never = new AbortController()
    never.abort()
    const none: Grant[] = []
    for await (const g of publishedGrants(db, { prefix: 'commonpot', signal: never.signal })) none.push(g)
    expect(none).toEqual([])
  })
})
