import { describe, expect, test } from 'vitest'
import { createUser } from '../../tests/factories/organisations.ts'
import { createUserWithRole, signedInRequest } from '../../tests/factories/sessions.ts'
import { listQuestionsInOrder } from '~/domain/funds/questions.server.ts'
import { getRound } from '~/domain/funds/rounds.server.ts'
import { createOpenRound, createReadyDraft, createTestFund } from '~/domain/funds/test-support.server.ts'
import { replyErrors, respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { action as fundAction } from './manage.funds.$fundId.tsx'
import { action as fundsAction, loader as fundsLoader } from './manage.funds._index.tsx'
import { action as roundAction, loader as roundLoader } from './manage.rounds.$roundId._index.tsx'
import { action as copyAction } from './manage.rounds.$roundId.copy.tsx'
import { action as eligibilityAction } from './manage.rounds.$roundId.eligibility.tsx'
import { action as publishAction } from './manage.rounds.$roundId.publish.tsx'
import { action as deleteAction } from './manage.rounds.$roundId.questions.$questionId.delete.tsx'
import { action as questionsAction } from './manage.rounds.$roundId.questions._index.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

type Handler = (args: { request: Request; params: Record<string, string>; context: typeof context }) => Promise<unknown>

async function call(handler: Handler, url: string, userId: number, params: Record<string, string>, body?: URLSearchParams | Record<string, string>) {
  const request = await signedInRequest(url, { userId, body })
  return respond(() => handler({ request, params, context }))
}

function roundForm(overrides: Record<string, string | string[]> = {}): URLSearchParams {
  const fields: Record<string, string | string[]> = {
    title: 'Power of Music 2027',
    summary: 'Music for people living with dementia.',
    guidance: 'Read this.',
    opensDate: '2027-01-04',
    opensTime: '09:00',
    closesDate: '2027-02-05',
    closesTime: '12:00',
    budget: '£100,000',
    minGrant: '£1,000',
    maxGrant: '£2,000',
    stages: 'single',
    allocationMethod: 'panel',
    ...overrides,
  }
  const body = new URLSearchParams()
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v)
  return body
}

describe('fund management pages', () => {
  test('only people who manage rounds may see them', async () => {
    const applicant = await createUser(db)
    expect((await call(fundsLoader, '/manage/funds', applicant.id, {})).status).toBe(403)
    const manager = await createUserWithRole(db, 'fund_manager')
    expect((await call(fundsLoader, '/manage/funds', manager.id, {})).status).toBe(200)
  })

  test('a manager creates a fund with its funders, then a draft round in it', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const { funder } = await createTestFund(db)
    const fundResponse = await call(fundsAction, '/manage/funds', manager.id, {}, new URLSearchParams([['name', 'Singing for Health'], ['shape', 'power_of_music'], ['funderIds', String(funder.id)]]))
    expect(fundResponse.status).toBe(302)
    const fund = await db.selectFrom('funds').select(['id', 'slug']).where('name', '=', 'Singing for Health').executeTakeFirstOrThrow()
    expect(fund.slug).toBe('singing-for-health')
    expect(fundResponse.headers.get('Location')).toBe(`/manage/funds/${fund.id}`)

    const roundResponse = await call(fundAction, `/manage/funds/${fund.id}`, manager.id, { fundId: String(fund.id) }, { title: 'Spring singing' })
    expect(roundResponse.status).toBe(302)
    const round = await db.selectFrom('rounds').select(['id', 'status']).where('fund_id', '=', fund.id).executeTakeFirstOrThrow()
    expect(round.status).toBe('draft')
    expect(roundResponse.headers.get('Location')).toBe(`/manage/rounds/${round.id}`)
  })

  test('a fund needs at least one funder', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const response = await call(fundsAction, '/manage/funds', manager.id, {}, { name: 'Lonely fund', shape: 'other' })
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).fields.funderIds).toEqual(['Select at least one funder'])
  })
})

describe('/manage/rounds/<id>', () => {
  test('saves dates entered in London time as UTC, amounts as pence, and multi-year and match-funding rules', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const draft = await createReadyDraft(db)
    const body = roundForm({ closesDate: '2027-07-01', years: '3', amountsPerYear: '£1,000\n£2,000', matchPercent: '20', matchInKind: 'on', orgTypes: ['cio', 'cic'] })
    const response = await call(roundAction, `/manage/rounds/${draft.id}`, manager.id, { roundId: String(draft.id) }, body)
    expect(response.status).toBe(302)
    const round = await getRound(db, draft.id)
    expect(round).toMatchObject({ opensAt: '2027-01-04T09:00:00.000Z', closesAt: '2027-07-01T11:00:00.000Z', budgetPence: 10_000_000, minGrantPence: 100_000, years: 3 })
    expect(round.rules).toMatchObject({
      multiYear: { years: 3, amountsPerYearPence: [100_000, 200_000] },
      matchFunding: { percentOfProjectCost: 20, inKindCounts: true },
      eligibleOrganisationTypes: ['cio', 'cic'],
    })
    const page = await call(roundLoader, `/manage/rounds/${draft.id}`, manager.id, { roundId: String(draft.id) })
    const data = await page.json()
    expect(data.defaults).toMatchObject({ closesDate: '2027-07-01', closesTime: '12:00', amountsPerYear: '£1,000\n£2,000', minGrant: '£1,000' })
  })

  test('a closing date before the opening date is a 400 with the message next to the closing date', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const draft = await createReadyDraft(db)
    const response = await call(roundAction, `/manage/rounds/${draft.id}`, manager.id, { roundId: String(draft.id) }, roundForm({ closesDate: '2027-01-01' }))
    expect(response.status).toBe(400)
    expect((await replyErrors(response)).fields).toEqual({ closesDate: ['The closing date must be after the opening date'] })
  })

  test('money and times in the wrong format are refused field by field', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const draft = await createReadyDraft(db)
    const response = await call(roundAction, `/manage/rounds/${draft.id}`, manager.id, { roundId: String(draft.id) }, roundForm({ minGrant: 'a thousand', closesTime: '25:00', allocationMethod: 'fcfs' }))
    expect(response.status).toBe(400)
    const { fields } = await replyErrors(response)
    expect(Object.keys(fields).sort()).toEqual(['closesTime', 'fcfsGrantAmount', 'fcfsGrantCount', 'minGrant'])
  })

  test('changing the amounts of a published round is a 409 that says what can change', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const round = await createOpenRound(db)
    const response = await call(roundAction, `/manage/rounds/${round.id}`, manager.id, { roundId: String(round.id) }, roundForm())
    expect(response.status).toBe(409)
    expect((await replyErrors(response)).form[0]).toMatch(/only its title, summary, guidance and closing date can change/)
  })
})

describe('questions, eligibility, publishing and copying', () => {
  test('the builder adds a long text question with a word limit and a yes/no question shown only if it is yes', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const draft = await createReadyDraft(db)
    const params = { roundId: String(draft.id) }
    const url = `/manage/rounds/${draft.id}/questions`
    const first = await call(questionsAction, url, manager.id, params, { intent: 'add', stage: 'full', section: 'Your choir', type: 'yes_no', label: 'Do you sing with people living with dementia?', required: 'on' })
    expect(first.status).toBe(302)
    const bad = await call(questionsAction, url, manager.id, params, { intent: 'add', stage: 'full', section: 'Your choir', type: 'long_text', label: 'Tell us about your sessions' })
    expect(bad.status).toBe(400)
    expect((await replyErrors(bad)).fields.wordLimit).toEqual(['Enter a word limit for a long text question'])
    const source = (await listQuestionsInOrder(db, draft.id, 'full'))[1]
    const second = await call(questionsAction, url, manager.id, params, {
      intent: 'add',
      stage: 'full',
      section: 'Your choir',
      type: 'long_text',
      label: 'Tell us about your sessions',
      wordLimit: '250',
      showIfQuestion: source.key,
      showIfValue: 'yes',
    })
    expect(second.status).toBe(302)
    const questions = await listQuestionsInOrder(db, draft.id, 'full')
    expect(questions.map((q) => [q.section, q.label, q.required])).toEqual([
      ['Your project', 'Project title', true],
      ['Your choir', 'Do you sing with people living with dementia?', true],
      ['Your choir', 'Tell us about your sessions', false],
    ])
    expect(source.key).toBe('do_you_sing_with_people_living_with_deme')
    expect(questions[2].config).toEqual({ wordLimit: 250, showIf: { questionKey: source.key, equals: 'yes' } })

    const moved = await call(questionsAction, url, manager.id, params, { intent: 'move-section', stage: 'full', section: 'Your choir', direction: 'up' })
    expect(moved.status).toBe(302)
    expect((await listQuestionsInOrder(db, draft.id, 'full'))[0].section).toBe('Your choir')

    const blocked = await call(deleteAction, `${url}/${questions[1].id}/delete`, manager.id, { ...params, questionId: String(questions[1].id) })
    expect(blocked.status).toBe(409)
    const deleted = await call(deleteAction, `${url}/${questions[2].id}/delete`, manager.id, { ...params, questionId: String(questions[2].id) })
    expect(deleted.status).toBe(302)
  })

  test('a question of another round cannot be deleted through this round', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const a = await createReadyDraft(db)
    const b = await createReadyDraft(db)
    const [question] = await listQuestionsInOrder(db, b.id, 'full')
    const response = await call(deleteAction, `/manage/rounds/${a.id}/questions/${question.id}/delete`, manager.id, { roundId: String(a.id), questionId: String(question.id) })
    expect(response.status).toBe(404)
  })

  test('eligibility questions need blocking answers among the answers', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const draft = await createReadyDraft(db)
    const params = { roundId: String(draft.id) }
    const url = `/manage/rounds/${draft.id}/eligibility`
    const bad = await call(eligibilityAction, url, manager.id, params, { intent: 'add', label: 'Ten or more members?', options: 'Yes\nNo', blockingAnswers: 'Maybe', reason: 'This fund is for groups of 10 or more.' })
    expect(bad.status).toBe(400)
    expect((await replyErrors(bad)).fields.blockingAnswers).toEqual(['“Maybe” is not one of the answers'])
    const good = await call(eligibilityAction, url, manager.id, params, { intent: 'add', label: 'Ten or more members?', options: 'Yes\nNo', blockingAnswers: 'No', reason: 'This fund is for groups of 10 or more.' })
    expect(good.status).toBe(302)
    expect((await getRound(db, draft.id)).rules.eligibilityQuestions).toEqual([
      { key: 'ten_or_more_members', label: 'Ten or more members?', options: ['Yes', 'No'], blockingAnswers: ['No'], reason: 'This fund is for groups of 10 or more.' },
    ])
  })

  test('publishing an incomplete round is a 409 listing what is missing; a complete one is published', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const { fund } = await createTestFund(db)
    await call(fundAction, `/manage/funds/${fund.id}`, manager.id, { fundId: String(fund.id) }, { title: 'Incomplete' })
    const incomplete = await db.selectFrom('rounds').select('id').where('fund_id', '=', fund.id).executeTakeFirstOrThrow()
    const refused = await call(publishAction, `/manage/rounds/${incomplete.id}/publish`, manager.id, { roundId: String(incomplete.id) }, {})
    expect(refused.status).toBe(409)
    expect((await refused.json()).problems).toContain('Set the closing date and time.')

    const ready = await createReadyDraft(db)
    const published = await call(publishAction, `/manage/rounds/${ready.id}/publish`, manager.id, { roundId: String(ready.id) }, {})
    expect(published.status).toBe(302)
    expect((await getRound(db, ready.id)).status).toBe('published')
  })

  test('copying makes a new draft with the questions; bad dates are a 400 on the closing date', async () => {
    const manager = await createUserWithRole(db, 'fund_manager')
    const from = await createOpenRound(db)
    const params = { roundId: String(from.id) }
    const url = `/manage/rounds/${from.id}/copy`
    const bad = await call(copyAction, url, manager.id, params, { title: 'Next year', opensDate: '2028-02-01', opensTime: '09:00', closesDate: '2028-01-01', closesTime: '12:00' })
    expect(bad.status).toBe(400)
    expect((await replyErrors(bad)).fields.closesDate).toEqual(['The closing date must be after the opening date'])
    const good = await call(copyAction, url, manager.id, params, { title: 'Next year', opensDate: '2028-01-01', opensTime: '09:00', closesDate: '2028-02-01', closesTime: '12:00' })
    expect(good.status).toBe(302)
    const copy = await db.selectFrom('rounds').select(['id', 'status', 'copied_from_round_id']).where('title', '=', 'Next year').executeTakeFirstOrThrow()
    expect(copy).toMatchObject({ status: 'draft', copied_from_round_id: from.id })
    expect(await listQuestionsInOrder(db, copy.id, 'full')).toHaveLength(1)
  })
})
