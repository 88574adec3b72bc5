/**
 * /awards/<awardId>/returns/<returnId>: a member of the organisation fills in, saves and sends an impact return (with
 * photos); bad input gets a message beside each field and a 400 with nothing stored; anyone else gets 404.
 */
import { describe, expect, test } from 'vitest'
import { createReturnScenario, type AwardWithReturns } from '../../tests/factories/returns.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { tinyPng } from '~/domain/applications/test-support.server.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { action, loader } from './awards.$awardId_.returns.$returnId.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

function params(a: AwardWithReturns, returnId = a.returnIds[0]) {
  return { awardId: String(a.awardId), returnId: String(returnId) }
}

async function get(a: AwardWithReturns, userId: number, query = '') {
  const request = await signedInRequest(`/awards/${a.awardId}/returns/${a.returnIds[0]}${query}`, { userId })
  return respond(() => loader({ request, params: params(a), context }))
}

async function post(a: AwardWithReturns, userId: number, fields: Record<string, string>, files: Array<[string, File]> = []) {
  const form = new FormData()
  for (const [k, v] of Object.entries(fields)) form.append(k, v)
  for (const [k, f] of files) form.append(k, f)
  const request = await signedInRequest(`/awards/${a.awardId}/returns/${a.returnIds[0]}`, { userId, body: form })
  return respond(() => action({ request, params: params(a), context }))
}

/** A full return for tests/factories/returns.ts TEST_BUDGET, as the browser sends it. */
const FULL: Record<string, string> = {
  peopleReached: '40',
  sessionsDelivered: '24',
  'referral-link_worker': '20',
  'referral-self': '10',
  'demo-age_band-65_79': '25',
  ons4Basis: 'participants',
  'scores-ons4_life_satisfaction': '4, 6\n5, 7\n6, 6',
  'scores-ons4_anxious': '7, 4\n6, 5',
  ucla3Basis: 'participants',
  'scores-ucla3': '8, 5\n7, 6\n9, 6',
  swemwbsBasis: 'none',
  'spendLines[0].line': '1',
  'spendLines[0].spent': '£12,000',
  'spendLines[1].line': '2',
  'spendLines[1].spent': '6,100',
  'spendLines[2].line': '3',
  'spendLines[2].spent': '£1,500',
  'spendLines[2].reason': 'Volunteers brought materials',
  matchFunding: '£1,500',
  story: 'Mary now runs the tea rota.',
  plans: 'A second group on Thursdays.',
}

async function stored(returnId: number) {
  const [row, versions, counts, outcomes, documents] = await Promise.all([
    db.selectFrom('returns').select(['status', 'version', 'data', 'people_reached', 'spent_pence', 'match_funding_pence']).where('id', '=', returnId).executeTakeFirstOrThrow(),
    db.selectFrom('return_versions').select('version').where('return_id', '=', returnId).execute(),
    db.selectFrom('return_counts').select(['dimension', 'category', 'count']).where('return_id', '=', returnId).execute(),
    db.selectFrom('return_outcomes').select(['measure', 'n']).where('return_id', '=', returnId).orderBy('measure').execute(),
    db.selectFrom('documents').select(['id', 'filename']).where('owner_type', '=', 'return').where('owner_id', '=', returnId).execute(),
  ])
  return { row, versions, counts, outcomes, documents }
}

describe('an impact return page', () => {
  test('a member sees the form; another organisation and the wrong award get 404', async () => {
    const s = await createReturnScenario(db)
    const award = await s.awardWithReturns({ amountPence: 2_000_000 })
    const other = await s.awardWithReturns()
    const ok = await get(award, award.adminUserId)
    expect(ok.status).toBe(200)
    const body = (await ok.json()) as { ret: { editable: boolean; form: string }; context: { budgetLines: unknown[] } }
    expect(body.ret.editable).toBe(true)
    expect(body.ret.form).toBe('full')
    expect(body.context.budgetLines).toHaveLength(3)
    expect((await get(award, other.adminUserId)).status).toBe(404)
    expect((await post(award, other.adminUserId, FULL)).status).toBe(404)
    const wrongAward = await signedInRequest(`/awards/${other.awardId}/returns/${award.returnIds[0]}`, { userId: award.adminUserId })
    expect((await respond(() => loader({ request: wrongAward, params: { awardId: String(other.awardId), returnId: String(award.returnIds[0]) }, context }))).status).toBe(404)
  })

  test('bad input: an ONS4 of 11, people below zero, a spend line not in the budget and a photo without consent are each refused beside the field; nothing is stored', async () => {
    const s = await createReturnScenario(db)
    const award = await s.awardWithReturns({ amountPence: 2_000_000 })
    const before = await stored(award.returnIds[0])
    const response = await post(
      award,
      award.adminUserId,
      { ...FULL, intent: 'submit', peopleReached: '-3', 'scores-ons4_life_satisfaction': '4, 6\n5, 11', 'spendLines[3].line': '9', 'spendLines[3].spent': '£10', 'photos[0].caption': 'Our choir' },
      [['photos[0].file', new File([tinyPng()], 'choir.png', { type: 'image/png' })]],
    )
    expect(response.status).toBe(400)
    const reply = (await response.json()) as { error: Record<string, string[]> }
    expect(reply.error.peopleReached).toEqual(['The number of people reached cannot be below zero'])
    expect(reply.error['scores-ons4_life_satisfaction']).toEqual(['Life satisfaction (ONS4), person 2: the score after (11) must be a whole number from 0 to 10'])
    expect(reply.error['spendLines[3].spent']).toEqual(['There is no line 9 in your approved budget'])
    expect(reply.error['photos[0].consent']).toEqual(['Confirm that everyone in photo 1 agreed to it being used'])
    const after = await stored(award.returnIds[0])
    expect(after).toEqual(before)
    expect([after.versions.length, after.counts.length, after.outcomes.length, after.documents.length]).toEqual([0, 0, 0, 0])
  })

  test('a draft is saved without everything; sending it with a consented photo keeps version 1 and its figures', async () => {
    const s = await createReturnScenario(db)
    const award = await s.awardWithReturns({ amountPence: 2_000_000 })
    await createUserWithRole(db, 'fund_manager')
    const draft = await post(award, award.adminUserId, { intent: 'save', peopleReached: '12', story: 'Going well' })
    expect(draft.status).toBe(302)
    expect(draft.headers.get('Location')).toBe(`/awards/${award.awardId}/returns/${award.returnIds[0]}`)
    expect((await stored(award.returnIds[0])).row.status).toBe('draft')

    const incomplete = await post(award, award.adminUserId, { intent: 'submit', peopleReached: '12' })
    expect(incomplete.status).toBe(400)
    expect(Object.keys(((await incomplete.json()) as { error: Record<string, string[]> }).error)).toEqual(expect.arrayContaining(['sessionsDelivered', 'story', 'plans', 'matchFunding', 'spendLines[0].spent']))

    const sent = await post(award, award.adminUserId, { ...FULL, intent: 'submit', 'photos[0].caption': 'Our choir', 'photos[0].consent': 'on' }, [
      ['photos[0].file', new File([tinyPng()], 'choir.png', { type: 'image/png' })],
      ['photos[1].file', new File([], '', { type: 'application/octet-stream' })],
    ])
    expect(sent.status).toBe(302)
    expect(sent.headers.get('Location')).toBe(`/awards/${award.awardId}`)
    const after = await stored(award.returnIds[0])
    expect([after.row.status, after.row.version, after.row.people_reached, after.row.spent_pence, after.row.match_funding_pence]).toEqual(['submitted', 1, 40, 1_960_000, 150_000])
    expect(after.versions).toEqual([{ version: 1 }])
    expect(after.outcomes).toEqual([
      { measure: 'ons4_anxious', n: 2 },
      { measure: 'ons4_life_satisfaction', n: 3 },
      { measure: 'ucla3', n: 3 },
    ])
    expect(after.counts).toContainEqual({ dimension: 'age_band', category: '65_79', count: 25 })
    expect(after.documents.map((d) => d.filename)).toEqual(['choir.png'])
    expect(JSON.parse(after.row.data).photos).toEqual([{ documentId: after.documents[0].id, filename: 'choir.png', caption: 'Our choir', consent: true }])

    // Sent: the page shows what was sent and version 1; the form is closed.
    const page = (await (await get(award, award.adminUserId)).json()) as { ret: { editable: boolean; versions: unknown[] }; summary: { outcomes: unknown[] } }
    expect(page.ret.editable).toBe(false)
    expect(page.ret.versions).toHaveLength(1)
    expect(page.summary.outcomes).toHaveLength(3)
    expect((await post(award, award.adminUserId, { ...FULL, intent: 'submit' })).status).toBe(409)
  })
})
