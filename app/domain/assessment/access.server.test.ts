import { sql, type Transaction } from 'kysely'
import { describe, expect, test } from 'vitest'
import type { DB } from '../../../db/schema.ts'
import { db } from '~/lib/db.server.ts'
import { dataVersion } from '~/lib/kept-until-changed.server.ts'
import { assignRaw, createPanelRound, type PanelRound } from '../../../tests/factories/assessment.ts'
import { countedTables, statementRecorder } from '../../../tests/factories/change-counts.ts'
import { assessorQueuePage, bidForAssessor, redactorFor, requireAssessmentAccess } from './access.server.ts'
import { saveDraftScores, submitScores } from './scores.server.ts'

/** Gives the round questions whose answers name the organisation, its people, its numbers and address. */
async function identifyingAnswers(panel: PanelRound) {
  const bid = panel.bids[0]!
  await db.updateTable('organisations').set({ charity_number: '1123456', company_number: 'SC123456', postcode: 'LS1 1AA' }).where('id', '=', bid.organisationId).execute()
  const question = (position: number, key: string, type: string, label: string) => ({ round_id: panel.roundId, stage: 'full', section: 'About you', position, key, type, label, required: 0, config: '{}' })
  await db
    .insertInto('questions')
    .values([question(10, 'about', 'long_text', 'About your group'), question(11, 'partners', 'partners_table', 'Partners'), question(12, 'policy', 'file_upload', 'Safeguarding policy')])
    .execute()
  const answers = {
    about: `${bid.organisationName} (charity 1123456, company SC123456) meets at 1 High Street, ls11aa. Ask ${bid.admin.name} on ${bid.admin.email} or 0113 496 0000. We sing with 40 people living with dementia.`,
    partners: [{ name: 'Leeds Libraries', role: 'Venue partner', letter: null }],
    policy: { documentId: 999, filename: `${bid.organisationName} safeguarding.pdf` },
  }
  await db.updateTable('applications').set({ answers: JSON.stringify(answers) }).where('id', '=', bid.applicationId).execute()
  return bid
}

describe('blind review', () => {
  test('hides the organisation’s name, numbers, address and people, and keeps partners and the content', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1, settings: { blind_review: 1 } })
    const bid = await identifyingAnswers(panel)
    const id = await assignRaw(db, bid.applicationId, panel.assessors[0]!.id, 'draft')
    const { assessment, settings } = await requireAssessmentAccess(db, panel.assessors[0]!, id)
    const view = await bidForAssessor(db, assessment, settings)
    const text = JSON.stringify(view)
    expect(view.blind).toBe(true)
    expect(view.organisation).toBeNull()
    for (const secret of [bid.organisationName, '1123456', 'SC123456', '1 High Street', 'ls11aa', bid.admin.name, bid.admin.email, '0113 496 0000']) expect(text).not.toContain(secret)
    const about = view.sections.flatMap((s) => s.answers).find((a) => a.key === 'about')!
    expect(about.lines[0]!.text).toBe(
      '[hidden] (charity [hidden], company [hidden]) meets at [hidden], [hidden]. Ask [hidden] on [email address hidden] or [phone number hidden]. We sing with 40 people living with dementia.',
    )
    expect(text).toContain('Leeds Libraries: Venue partner')
    expect(view.title).not.toContain(bid.organisationName)
  })

  test('without blind review the assessor sees the organisation', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1, settings: { blind_review: 0 } })
    const bid = await identifyingAnswers(panel)
    const id = await assignRaw(db, bid.applicationId, panel.assessors[0]!.id, 'draft')
    const { assessment, settings } = await requireAssessmentAccess(db, panel.assessors[0]!, id)
    const view = await bidForAssessor(db, assessment, settings)
    expect(view.organisation?.name).toBe(bid.organisationName)
    expect(JSON.stringify(view)).toContain(bid.admin.email)
  })

  test('the redactor ignores terms too short to be safe and matches whatever the case', () => {
    const redact = redactorFor(['Wandle Valley Dementia Choir', 'AB', null])
    expect(redact('the WANDLE VALLEY dementia choir and AB')).toBe('the [hidden] and AB')
  })
})

describe('access', () => {
  test('another assessor’s bid and a conflicted bid are forbidden; a missing one is not found', async () => {
    const panel = await createPanelRound(db, { bids: 2, assessors: 2 })
    const [a, b] = panel.assessors
    const mine = await assignRaw(db, panel.bids[0]!.applicationId, a!.id)
    const conflicted = await assignRaw(db, panel.bids[1]!.applicationId, a!.id, 'conflict')
    await expect(requireAssessmentAccess(db, b!, mine)).rejects.toMatchObject({ status: 403 })
    await expect(requireAssessmentAccess(db, a!, conflicted)).rejects.toMatchObject({ status: 403 })
    await expect(requireAssessmentAccess(db, a!, 987_654)).rejects.toMatchObject({ status: 404 })
    await expect(requireAssessmentAccess(db, a!, mine)).resolves.toMatchObject({ assessment: { id: mine, status: 'assigned' }, settings: { roundId: panel.roundId } })
  })

  test('an assessor’s list holds only their own bids in rounds whose panel they sit on', async () => {
    const one = await createPanelRound(db, { bids: 2, assessors: 1, settings: { blind_review: 1 } })
    const two = await createPanelRound(db, { bids: 1, assessors: 1 })
    const me = one.assessors[0]!
    await assignRaw(db, one.bids[1]!.applicationId, me.id, 'conflict')
    await assignRaw(db, one.bids[0]!.applicationId, me.id)
    await assignRaw(db, two.bids[0]!.applicationId, two.assessors[0]!.id)
    // An assessment in a round whose panel they are not on (left over, or written by mistake) is not listed.
    await assignRaw(db, two.bids[0]!.applicationId, me.id)
    const { rounds: list } = await assessorQueuePage(db, me.id)
    expect(list.map((r) => r.roundId)).toEqual([one.roundId])
    expect(list[0]!.assessments.map((a) => [a.applicationId, a.status])).toEqual([
      [one.bids[0]!.applicationId, 'assigned'],
      [one.bids[1]!.applicationId, 'conflict'],
    ])
    expect(list[0]!.assessments.every((a) => !a.title.includes(one.bids[0]!.organisationName) && !a.title.includes(one.bids[1]!.organisationName))).toBe(true)
  })

  test('the assessor’s queue a page at a time: round then bid order, both ways, with counts over every page', async () => {
    const one = await createPanelRound(db, { bids: 3, assessors: 1, settings: { blind_review: 1 } })
    const two = await createPanelRound(db, { bids: 2, assessors: 1 })
    const me = one.assessors[0]!
    await db.insertInto('round_assessors').values({ round_id: two.roundId, user_id: me.id, is_chair: 1 }).execute()
    await assignRaw(db, two.bids[1]!.applicationId, me.id, 'conflict')
    await assignRaw(db, one.bids[2]!.applicationId, me.id)
    await assignRaw(db, one.bids[0]!.applicationId, me.id, 'conflict')
    await assignRaw(db, two.bids[0]!.applicationId, me.id)
    await assignRaw(db, one.bids[1]!.applicationId, me.id)
    const order = [one.bids[0], one.bids[1], one.bids[2], two.bids[0], two.bids[1]].map((b) => b!.applicationId)
    const ids = (page: Awaited<ReturnType<typeof assessorQueuePage>>) => page.rounds.flatMap((r) => r.assessments.map((a) => a.applicationId))

    const first = await assessorQueuePage(db, me.id, {}, 2)
    expect(ids(first)).toEqual(order.slice(0, 2))
    expect(first.previousBefore).toBeNull()
    expect(first.summary).toEqual([
      { roundId: one.roundId, roundTitle: expect.any(String), isChair: false, bids: 3, toDo: 2 },
      { roundId: two.roundId, roundTitle: expect.any(String), isChair: true, bids: 2, toDo: 1 },
    ])
    expect([first.total, first.toDo]).toEqual([5, 3])
    const second = await assessorQueuePage(db, me.id, { after: first.nextAfter! }, 2)
    expect(ids(second)).toEqual(order.slice(2, 4))
    expect(second.rounds.map((r) => [r.roundId, r.bids, r.toDo])).toEqual([
      [one.roundId, 3, 2],
      [two.roundId, 2, 1],
    ])
    const third = await assessorQueuePage(db, me.id, { after: second.nextAfter! }, 2)
    expect(ids(third)).toEqual(order.slice(4))
    expect(third.nextAfter).toBeNull()
    const back = await assessorQueuePage(db, me.id, { before: third.previousBefore! }, 2)
    expect(ids(back)).toEqual(order.slice(2, 4))
    const start = await assessorQueuePage(db, me.id, { before: back.previousBefore! }, 2)
    expect(ids(start)).toEqual(order.slice(0, 2))
    expect(start.previousBefore).toBeNull()
    expect(start.nextAfter).toBe(first.nextAfter)
    // Blind review hides the organisation in titles on every page, as the whole list does.
    const titles = [...first.rounds, ...second.rounds].filter((r) => r.roundId === one.roundId).flatMap((r) => r.assessments.map((a) => a.title))
    expect(titles.some((t) => one.bids.some((b) => t.includes(b.organisationName)))).toBe(false)
    // Someone else's assessment as a cursor starts from the beginning.
    const theirs = await assignRaw(db, two.bids[0]!.applicationId, two.assessors[0]!.id)
    expect(ids(await assessorQueuePage(db, me.id, { after: theirs }, 2))).toEqual(order.slice(0, 2))
  })
})

describe('the assessor’s queue kept until the assessment count moves', () => {
  const count = () => dataVersion(db, 'assessment')
  const tx = <T>(fn: (trx: Transaction<DB>) => Promise<T>) => db.transaction().execute(fn)
  const fullScores = (panel: PanelRound, score: number) => panel.criteria.map((c) => ({ criterionId: c.id, score: c.isGateway ? 1 : Math.min(c.scaleMax, score), comment: 'Clear plan, strong local links' }))

  test('it reads only tables whose changes move the assessment count', async () => {
    const panel = await createPanelRound(db, { bids: 2, assessors: 1, settings: { blind_review: 1 } })
    const me = panel.assessors[0]!
    await assignRaw(db, panel.bids[0]!.applicationId, me.id)
    await assignRaw(db, panel.bids[1]!.applicationId, me.id)
    const recorder = await statementRecorder(db)
    const first = await assessorQueuePage(recorder.db, me.id, {}, 1)
    await assessorQueuePage(recorder.db, me.id, { after: first.nextAfter! }, 1)
    const counted = await countedTables(db, 'assessment')
    expect(recorder.tables.has('assessments')).toBe(true)
    expect([...recorder.tables].filter((t) => t !== 'data_versions' && !counted.has(t))).toEqual([])
  })

  test('a draft score saved, or answers that leave the title, do not move the count; a submitted score and a new title do', async () => {
    const panel = await createPanelRound(db, { bids: 1, assessors: 1 })
    const me = panel.assessors[0]!
    const bid = panel.bids[0]!
    const assessmentId = await assignRaw(db, bid.applicationId, me.id, 'draft')
    let before = await count()
    await tx((trx) => saveDraftScores(trx, me.id, { assessmentId, scores: fullScores(panel, 3) }))
    await db.updateTable('applications').set({ answers: '{}' }).where('id', '=', bid.applicationId).execute()
    const title = (await db.selectFrom('applications').select('title').where('id', '=', bid.applicationId).executeTakeFirstOrThrow()).title
    await db.updateTable('applications').set({ title }).where('id', '=', bid.applicationId).execute()
    expect(await count()).toBe(before)
    await tx((trx) => submitScores(trx, me.id, { assessmentId, scores: fullScores(panel, 4) }))
    expect(await count()).toBeGreaterThan(before)
    before = await count()
    await db.updateTable('applications').set({ title: 'A new title' }).where('id', '=', bid.applicationId).execute()
    expect(await count()).toBeGreaterThan(before)
  })

  test('each page is kept while nothing it reads changes, and every change is in the next view', async () => {
    const panel = await createPanelRound(db, { bids: 2, assessors: 1 })
    const me = panel.assessors[0]!
    const [a, b] = panel.bids as [PanelRound['bids'][number], PanelRound['bids'][number]]
    const same = async (what: string) => {
      const kept = await assessorQueuePage(db, me.id)
      expect(kept, what).toEqual(await tx((trx) => assessorQueuePage(trx, me.id)))
      return kept
    }
    const empty = await same('to begin with')
    expect(empty.total).toBe(0)
    expect(await assessorQueuePage(db, me.id)).toBe(empty)

    const first = await assignRaw(db, a.applicationId, me.id, 'draft')
    expect((await same('after a bid is assigned')).total).toBe(1)
    await tx((trx) => submitScores(trx, me.id, { assessmentId: first, scores: fullScores(panel, 4) }))
    const scored = await same('after it is scored')
    expect(scored.rounds[0]!.assessments[0]!.status).toBe('submitted')
    expect(scored.toDo).toBe(0)
    await assignRaw(db, b.applicationId, me.id)
    expect((await same('after another is assigned')).toDo).toBe(1)
    await sql`update rounds set title = 'Renamed round' where id = ${panel.roundId}`.execute(db)
    expect((await same('after the round is renamed')).rounds[0]!.roundTitle).toBe('Renamed round')
    await sql`update rounds set blind_review = 1 where id = ${panel.roundId}`.execute(db)
    await same('after the round turns blind')
    await sql`update organisations set name = 'Renamed group' where id = ${a.organisationId}`.execute(db)
    await same('after a group is renamed')
    await sql`update round_assessors set is_chair = 1 where round_id = ${panel.roundId} and user_id = ${me.id}`.execute(db)
    expect((await same('after they become chair')).rounds[0]!.isChair).toBe(true)
    await sql`delete from round_assessors where round_id = ${panel.roundId} and user_id = ${me.id}`.execute(db)
    expect((await same('after they leave the panel')).total).toBe(0)
  })
})
