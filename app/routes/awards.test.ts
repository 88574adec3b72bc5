import { beforeAll, describe, expect, test } from 'vitest'
import { createAwardScenario, type AwardScenario } from '../../tests/factories/award-decisions.ts'
import { createMember, createOfferReadyAward } from '../../tests/factories/offers.ts'
import { createUser } from '../../tests/factories/organisations.ts'
import { pdfText } from '../../tests/factories/pdf-text.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { action as offerAction, loader as offerLoader } from './awards.$awardId.tsx'
import { loader as letterLoader } from './awards.$awardId.letter[.]pdf.ts'
import { loader as listLoader } from './awards._index.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }
const dataDir = () => process.env.DATA_DIR!

type Fn = (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>
async function call(fn: Fn, url: string, userId: number, params: Record<string, string>, body?: Record<string, string>) {
  const request = await signedInRequest(url, { userId, body })
  return respond(() => fn({ request, params, context }))
}

let s: AwardScenario
beforeAll(async () => {
  s = await createAwardScenario(db)
})

const offerPage = (awardId: number, userId: number) => call(offerLoader, `/awards/${awardId}`, userId, { awardId: String(awardId) })
const reply = (awardId: number, userId: number, body: Record<string, string>) => call(offerAction, `/awards/${awardId}`, userId, { awardId: String(awardId) }, body)
const letter = (awardId: number, userId: number, version = '') => call(letterLoader, `/awards/${awardId}/letter.pdf${version}`, userId, { awardId: String(awardId) })
const status = async (awardId: number) => (await db.selectFrom('awards').select('status').where('id', '=', awardId).executeTakeFirstOrThrow()).status

describe('/awards/:awardId', () => {
  test('a member reads the offer online: amount, schedule, conditions, funders and terms, with keys for the forms', async () => {
    const award = await createOfferReadyAward(db, s, { conditions: ['Send us your safeguarding policy'], issue: { dataDir: dataDir() } })
    const response = await offerPage(award.awardId, award.memberUserId)
    expect(response.status).toBe(200)
    const data = await response.json()
    expect(data.canReply).toBe(true)
    expect(data.award).toMatchObject({ status: 'offered', statusLabel: 'Offer sent, waiting for a reply', terms: { organisationName: award.organisationName, amount: '£3,000.00', conditions: [{ text: 'Send us your safeguarding policy' }] } })
    expect(data.award.terms.funders.length).toBeGreaterThan(0)
    expect(data.terms.map((p: string) => p.split('.')[0])).toEqual(['1', '2', '3', '4', '5', '6'])
    expect(data.declaration).toContain(award.organisationName)
    expect(data.keys.accept).not.toBe(data.keys.decline)
  })

  test('is 404 for someone outside the organisation, and for no such award; a fund manager may read it but not reply', async () => {
    const award = await createOfferReadyAward(db, s, { issue: { dataDir: dataDir() } })
    const outsider = await createUser(db, { name: 'Olive Outsider' })
    expect((await offerPage(award.awardId, outsider.id)).status).toBe(404)
    expect((await offerPage(999_999, award.memberUserId)).status).toBe(404)
    expect((await reply(award.awardId, outsider.id, { intent: 'accept', name: 'O', role: 'R', declaration: 'on', idempotencyKey: 'k' })).status).toBe(403)
    const manager = await createUserWithRole(db, 'fund_manager')
    const page = await offerPage(award.awardId, manager.id)
    expect(page.status).toBe(200)
    expect((await page.json()).canReply).toBe(false)
    expect((await reply(award.awardId, manager.id, { intent: 'decline', reason: 'x', idempotencyKey: 'k' })).status).toBe(403)
    expect(await status(award.awardId)).toBe('offered')
  })

  test('accepting without a name or the declaration is 400 with the message beside each field; nothing changes', async () => {
    const award = await createOfferReadyAward(db, s, { issue: { dataDir: dataDir() } })
    const response = await reply(award.awardId, award.memberUserId, { intent: 'accept', name: '', role: 'Chair', idempotencyKey: 'key-1' })
    expect(response.status).toBe(400)
    const body = await response.json()
    expect(body.form).toBe('accept')
    expect(body.result.error).toMatchObject({ name: ['Enter your full name'], declaration: ['Confirm the declaration to accept the offer'] })
    const decline = await reply(award.awardId, award.memberUserId, { intent: 'decline', reason: ' ', idempotencyKey: 'key-2' })
    expect(decline.status).toBe(400)
    expect((await decline.json()).result.error).toMatchObject({ reason: ['Tell us why you are declining the offer'] })
    expect(await status(award.awardId)).toBe('offered')
  })

  test('a member accepts; the page then says who accepted and links the accepted letter; accepting again with a new key is 409', async () => {
    const award = await createOfferReadyAward(db, s, { issue: { dataDir: dataDir() } })
    const member = await createMember(db, award.organisationId, 'Bea Treasurer')
    const response = await reply(award.awardId, member, { intent: 'accept', name: 'Bea Treasurer', role: 'Treasurer', declaration: 'on', idempotencyKey: 'accept-1' })
    expect(response.status).toBe(302)
    expect(response.headers.get('Location')).toBe(`/awards/${award.awardId}`)
    expect(await status(award.awardId)).toBe('accepted')
    const again = await reply(award.awardId, member, { intent: 'accept', name: 'Bea Treasurer', role: 'Treasurer', declaration: 'on', idempotencyKey: 'accept-1' })
    expect(again.status).toBe(302)
    const conflict = await reply(award.awardId, award.memberUserId, { intent: 'accept', name: 'Olu', role: 'Chair', declaration: 'on', idempotencyKey: 'accept-2' })
    expect(conflict.status).toBe(409)
    expect((await conflict.json()).result.error['']).toEqual([expect.stringContaining('already accepted by Bea Treasurer')])
    const data = await (await offerPage(award.awardId, member)).json()
    expect(data).toMatchObject({ canReply: false, award: { accepted: { name: 'Bea Treasurer', role: 'Treasurer' } } })
    expect(data.award.acceptedAtText).toMatch(/^\d{2}:\d{2} on /)
    const pdf = await letter(award.awardId, member)
    expect(pdf.headers.get('Content-Type')).toBe('application/pdf')
    expect((await pdfText(pdf)).replace(/\s+/g, ' ')).toContain('Accepted by: Bea Treasurer')
  })

  test('a member declines with a reason', async () => {
    const award = await createOfferReadyAward(db, s, { issue: { dataDir: dataDir() } })
    const response = await reply(award.awardId, award.memberUserId, { intent: 'decline', reason: 'Our hall closed', idempotencyKey: 'decline-1' })
    expect(response.status).toBe(302)
    expect(await status(award.awardId)).toBe('declined')
  })
})

describe('/awards/:awardId/letter.pdf', () => {
  test('members, fund managers and finance get the letter; anyone else gets 404', async () => {
    const award = await createOfferReadyAward(db, s, { issue: { dataDir: dataDir() } })
    const member = await letter(award.awardId, award.memberUserId, '?version=original')
    expect(member.status).toBe(200)
    expect(await pdfText(member)).toContain(award.organisationName)
    for (const role of ['fund_manager', 'finance_officer'] as const) {
      const user = await createUserWithRole(db, role)
      expect((await letter(award.awardId, user.id)).status).toBe(200)
    }
    for (const role of ['assessor', 'funder_viewer'] as const) {
      const user = await createUserWithRole(db, role)
      expect((await letter(award.awardId, user.id)).status).toBe(404)
    }
    expect((await letter(award.awardId, award.memberUserId, '?version=accepted')).status).toBe(404)
  })
})

describe('/awards', () => {
  test("lists the user's organisation's awards with their status in words, and nobody else's", async () => {
    const mine = await createOfferReadyAward(db, s, { issue: { dataDir: dataDir() } })
    const theirs = await createOfferReadyAward(db, s)
    const data = await (await call(listLoader, '/awards', mine.memberUserId, {})).json()
    expect(data.awards.map((a: { id: number }) => a.id)).toEqual([mine.awardId])
    expect(data.awards[0]).toMatchObject({ reference: mine.reference, statusLabel: 'Offer sent, waiting for a reply' })
    expect(data.awards.map((a: { id: number }) => a.id)).not.toContain(theirs.awardId)
    const manager = await createUserWithRole(db, 'fund_manager')
    expect((await call(listLoader, '/awards', manager.id, {})).status).toBe(403)
  })
})
