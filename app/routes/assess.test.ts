import { describe, expect, test } from 'vitest'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { assignRaw, createPanelRound, submitScoresRaw, type PanelRound } from '../../tests/factories/assessment.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { action, loader } from './assess.$assessmentId.tsx'
import { loader as listLoader } from './assess._index.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function get(assessmentId: number, userId: number) {
  const request = await signedInRequest(`/assess/${assessmentId}`, { userId })
  return respond(() => loader({ request, params: { assessmentId: String(assessmentId) }, context }))
}

async function post(assessmentId: number, userId: number, body: Record<string, string>) {
  const request = await signedInRequest(`/assess/${assessmentId}`, { userId, body })
  return respond(() => action({ request, params: { assessmentId: String(assessmentId) }, context }))
}

/** A complete form: scores in the order of panel.criteria, a comment on each, the confirmation when submitting. */
function scoreForm(panel: PanelRound, intent: 'save' | 'submit', values: number[], comment = 'Strong local evidence') {
  const body: Record<string, string> = { intent }
  panel.criteria.forEach((c, i) => {
    if (values[i] === undefined) return
    body[`score_${c.id}`] = String(values[i])
    body[`comment_${c.id}`] = comment
  })
  if (intent === 'submit') body.confirm = 'on'
  return body
}

describe('/assess', () => {
  test('lists only the assessor’s own bids, by round, never a round they are not on', async () => {
    const mine = await createPanelRound(db, { bids: 2, assessors: 1 })
    const other = await createPanelRound(db, { bids: 1, assessors: 1 })
    const me = mine.assessors[0]!
    await assignRaw(db, mine.bids[0]!.applicationId, me.id)
    await assignRaw(db, mine.bids[1]!.applicationId, me.id, 'conflict')
    await assignRaw(db, other.bids[0]!.applicationId, other.assessors[0]!.id)
    const response = await respond(async () => listLoader({ request: await signedInRequest('/assess', { userId: me.id }), params: {}, context }))
    expect(response.status).toBe(200)
    const data = await response.json()
    expect(data.rounds.map((r: { roundId: number }) => r.roundId)).toEqual([mine.roundId])
    // Each bid is the one text its row shows, its reference then its title.
    expect(data.rounds[0].assessments.map((a: { bid: string; status: string }) => [a.bid.split(': ')[0], a.status])).toEqual([
      [mine.bids[0]!.reference, 'assigned'],
      [mine.bids[1]!.reference, 'conflict'],
    ])
    expect(JSON.stringify(data)).not.toContain(other.bids[0]!.reference)
  })

  test('shows 25 bids a page with Previous and Next links, and counts over every page', async () => {
    const panel = await createPanelRound(db, { bids: 27, assessors: 1 })
    const me = panel.assessors[0]!
    for (const bid of panel.bids) await assignRaw(db, bid.applicationId, me.id)
    const page = async (query: string) => (await respond(async () => listLoader({ request: await signedInRequest(`/assess${query}`, { userId: me.id }), params: {}, context }))).json()
    const first = await page('')
    const references = (data: { rounds: { assessments: { bid: string }[] }[] }) => data.rounds.flatMap((r) => r.assessments.map((a) => a.bid.split(': ')[0]))
    expect(references(first)).toEqual(panel.bids.slice(0, 25).map((b) => b.reference))
    expect(first.page).toMatchObject({ size: 25, total: 27, toDo: 27, rounds: 1, previousBefore: null })
    expect(first.rounds[0].toDo).toBe(27)
    const second = await page(`?after=${first.page.nextAfter}`)
    expect(references(second)).toEqual(panel.bids.slice(25).map((b) => b.reference))
    expect(second.page.nextAfter).toBeNull()
    expect(second.rounds[0].toDo).toBe(27)
    expect(references(await page(`?before=${second.page.previousBefore}`))).toEqual(references(first))
    expect((await respond(async () => listLoader({ request: await signedInRequest('/assess?after=first', { userId: me.id }), params: {}, context }))).status).toBe(400)
  })

  test('is for assessors only', async () => {
    const applicant = await createUserWithRole(db, 'fund_manager')
    expect((await respond(async () => listLoader({ request: await signedInRequest('/assess', { userId: applicant.id }), params: {}, context }))).status).toBe(403)
  })
})

describe('/assess/<id>: the conflict check', () => {
  test('asks the conflict question first and shows none of the bid', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const id = await assignRaw(db, panel.bids[0]!.applicationId, panel.assessors[0]!.id)
    const data = await (await get(id, panel.assessors[0]!.id)).json()
    expect(data.assessment).toMatchObject({ status: 'assigned', reference: panel.bids[0]!.reference })
    expect(data.bid).toBeNull()
    expect(JSON.stringify(data)).not.toContain(panel.bids[0]!.organisationName)
  })

  test('no conflict opens the bid; an “other” conflict without a note is 400 next to the note', async () => {
    const panel = await createPanelRound(db, { bids: 2, assessors: 1 })
    const me = panel.assessors[0]!
    const first = await assignRaw(db, panel.bids[0]!.applicationId, me.id)
    const ok = await post(first, me.id, { intent: 'conflict-check', answer: 'none' })
    expect(ok.status).toBe(302)
    expect(ok.headers.get('Location')).toBe(`/assess/${first}`)
    expect((await (await get(first, me.id)).json()).bid.reference).toBe(panel.bids[0]!.reference)
    const second = await assignRaw(db, panel.bids[1]!.applicationId, me.id)
    const bad = await post(second, me.id, { intent: 'conflict-check', answer: 'conflict', type: 'other', note: '' })
    expect(bad.status).toBe(400)
    expect((await bad.json()).result.error).toEqual({ note: ['Describe the conflict of interest'] })
    const nothing = await post(second, me.id, { intent: 'conflict-check' })
    expect(nothing.status).toBe(400)
    expect((await nothing.json()).result.error).toEqual({ answer: ['Select whether you have a conflict of interest'] })
  })

  test('a declared conflict sends the assessor back to their list and then forbids the bid page and the scoring action', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const me = panel.assessors[0]!
    const id = await assignRaw(db, panel.bids[0]!.applicationId, me.id)
    const declared = await post(id, me.id, { intent: 'conflict-check', answer: 'conflict', type: 'personal_relationship', note: 'My neighbour leads the group' })
    expect(declared.status).toBe(302)
    expect(declared.headers.get('Location')).toBe('/assess')
    expect((await get(id, me.id)).status).toBe(403)
    expect((await post(id, me.id, scoreForm(panel, 'submit', [4, 4, 8, 1]))).status).toBe(403)
    const row = await db.selectFrom('assessments').select(['status', 'conflict_type', 'conflict_note']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'conflict', conflict_type: 'personal_relationship', conflict_note: 'My neighbour leads the group' })
  })

  test('another assessor’s bid is forbidden, and a missing one is not found', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 2 })
    const id = await assignRaw(db, panel.bids[0]!.applicationId, panel.assessors[0]!.id, 'draft')
    expect((await get(id, panel.assessors[1]!.id)).status).toBe(403)
    expect((await post(id, panel.assessors[1]!.id, scoreForm(panel, 'save', [4]))).status).toBe(403)
    expect((await get(987_654, panel.assessors[1]!.id)).status).toBe(404)
  })
})

describe('/assess/<id>: scoring', () => {
  test('blind review keeps the organisation’s name out of the page’s data', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1, settings: { blind_review: 1 } })
    const id = await assignRaw(db, panel.bids[0]!.applicationId, panel.assessors[0]!.id, 'draft')
    const data = await (await get(id, panel.assessors[0]!.id)).json()
    expect(data.bid.blind).toBe(true)
    expect(data.bid.organisation).toBeNull()
    expect(JSON.stringify(data)).not.toContain(panel.bids[0]!.organisationName)
    expect(JSON.stringify(data)).not.toContain(panel.bids[0]!.admin.email)
  })

  test('offers every score on each criterion’s scale with its descriptor', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const id = await assignRaw(db, panel.bids[0]!.applicationId, panel.assessors[0]!.id, 'draft')
    const data = await (await get(id, panel.assessors[0]!.id)).json()
    expect(data.criteria[0]).toMatchObject({ name: 'Need', share: 50, guidance: 'How well the bid shows local need.' })
    expect(data.criteria[0].options.map((o: { label: string }) => o.label)).toEqual(['1: No evidence', '2', '3: Some evidence', '4', '5: Strong local evidence'])
    expect(data.criteria[3].options.map((o: { label: string }) => o.label)).toEqual(['Pass', 'Fail'])
  })

  test('a score outside the scale is 400 with a message next to it; nothing is saved', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const id = await assignRaw(db, panel.bids[0]!.applicationId, panel.assessors[0]!.id, 'draft')
    const response = await post(id, panel.assessors[0]!.id, scoreForm(panel, 'save', [9]))
    expect(response.status).toBe(400)
    expect((await response.json()).result.error).toEqual({ [`score_${panel.criteria[0]!.id}`]: ['The score for Need must be a whole number from 1 to 5'] })
    expect(await db.selectFrom('criterion_scores').select('id').where('assessment_id', '=', id).execute()).toEqual([])
  })

  test('a comment without a score cannot be saved as a draft (400 next to the score)', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const id = await assignRaw(db, panel.bids[0]!.applicationId, panel.assessors[0]!.id, 'draft')
    const response = await post(id, panel.assessors[0]!.id, { intent: 'save', [`comment_${panel.criteria[1]!.id}`]: 'A clear plan' })
    expect(response.status).toBe(400)
    expect((await response.json()).result.error).toEqual({ [`score_${panel.criteria[1]!.id}`]: ['Choose a score for Quality of plan to save your comment'] })
  })

  test('saving a draft keeps the scores and shows them again', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const id = await assignRaw(db, panel.bids[0]!.applicationId, panel.assessors[0]!.id, 'draft')
    const saved = await post(id, panel.assessors[0]!.id, scoreForm(panel, 'save', [4, 3]))
    expect(saved.status).toBe(302)
    const data = await (await get(id, panel.assessors[0]!.id)).json()
    expect(data.defaults).toMatchObject({ [`score_${panel.criteria[0]!.id}`]: '4', [`score_${panel.criteria[1]!.id}`]: '3' })
  })

  test('submitting without a required comment is 400 next to the comment', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1, settings: { comments_required: 1 } })
    const id = await assignRaw(db, panel.bids[0]!.applicationId, panel.assessors[0]!.id, 'draft')
    const body = scoreForm(panel, 'submit', [4, 4, 8, 1])
    body[`comment_${panel.criteria[2]!.id}`] = ''
    const response = await post(id, panel.assessors[0]!.id, body)
    expect(response.status).toBe(400)
    expect((await response.json()).result.error).toEqual({ [`comment_${panel.criteria[2]!.id}`]: ['Enter a comment on Value for money'] })
  })

  test('submitting without the confirmation or with a criterion unscored is 400', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const id = await assignRaw(db, panel.bids[0]!.applicationId, panel.assessors[0]!.id, 'draft')
    const body = scoreForm(panel, 'submit', [4, 4, 8])
    delete body.confirm
    const response = await post(id, panel.assessors[0]!.id, body)
    expect(response.status).toBe(400)
    expect((await response.json()).result.error).toEqual({
      confirm: ['Confirm you have scored every criterion and understand you cannot change your scores after submitting'],
      [`score_${panel.criteria[3]!.id}`]: ['Choose pass or fail for Safeguarding policy in place'],
      [`comment_${panel.criteria[3]!.id}`]: ['Enter a comment on Safeguarding policy in place'],
    })
  })

  test('a second identical submission is accepted without change; different scores are refused with 409', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const me = panel.assessors[0]!
    const id = await assignRaw(db, panel.bids[0]!.applicationId, me.id, 'draft')
    const first = await post(id, me.id, scoreForm(panel, 'submit', [5, 3, 5, 1]))
    expect(first.status).toBe(302)
    const again = await post(id, me.id, scoreForm(panel, 'submit', [5, 3, 5, 1]))
    expect(again.status).toBe(302)
    const different = await post(id, me.id, scoreForm(panel, 'submit', [1, 3, 5, 1]))
    expect(different.status).toBe(409)
    expect((await different.json()).result.error).toEqual({ '': ['You have already submitted your scores for this bid'] })
    const data = await (await get(id, me.id)).json()
    expect(data.submitted).toMatchObject({ weighted: '75.0' })
    expect(data.submitted.scores.map((s: { score: number }) => s.score)).toEqual([5, 3, 5, 1])
  })

  test('peers’ scores stay hidden until the assessor has submitted when the round hides them', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 2, settings: { hide_peer_scores: 1 } })
    const [me, peer] = panel.assessors
    await submitScoresRaw(db, panel, { applicationId: panel.bids[0]!.applicationId, assessorId: peer!.id, scores: [2, 2, 4, 1], comment: 'Thin evidence' })
    const id = await assignRaw(db, panel.bids[0]!.applicationId, me!.id, 'draft')
    const before = await (await get(id, me!.id)).json()
    expect(before.peers).toBeNull()
    expect(JSON.stringify(before)).not.toContain('Thin evidence')
    await post(id, me!.id, scoreForm(panel, 'submit', [5, 3, 5, 1]))
    const after = await (await get(id, me!.id)).json()
    expect(after.peers).toEqual([expect.objectContaining({ assessorName: 'Assessor 2', weighted: '27.5' })])
  })
})
