import { describe, expect, test } from 'vitest'
import { db } from '~/lib/db.server.ts'
import {
  addQuestion,
  listQuestions,
  listQuestionsInOrder,
  moveQuestion,
  moveSection,
  QuestionDependencyError,
  QuestionInputError,
  removeQuestion,
  updateQuestion,
  type QuestionInput,
} from './questions.server.ts'
import { createRound, publishRound, RoundNotEditableError } from './rounds.server.ts'
import { createReadyDraft, createTestFund } from './test-support.server.ts'

async function draftRound() {
  const { fund } = await createTestFund(db)
  return db.transaction().execute((trx) => createRound(trx, null, { fundId: fund.id, title: 'Questions test' }))
}

function add(roundId: number, input: Partial<QuestionInput> & { label: string }, stage: 'eoi' | 'full' = 'full') {
  return db.transaction().execute((trx) =>
    addQuestion(trx, 1, { roundId, stage, section: 'About you', type: 'short_text', helpText: null, required: true, config: {}, ...input }),
  )
}

const shape = async (roundId: number) => (await listQuestions(db, roundId, 'full')).map((s) => [s.name, s.questions.map((q) => q.label)])

describe('adding questions', () => {
  test('questions go to the end of their section; a new section goes at the end; keys come from the labels', async () => {
    const round = await draftRound()
    await add(round.id, { label: 'Group name' })
    await add(round.id, { label: 'What will you do?', section: 'Your project', type: 'long_text', config: { wordLimit: 250 } })
    const third = await add(round.id, { label: 'How many members do you have?' })
    expect(third).toMatchObject({ key: 'how_many_members_do_you_have', section: 'About you', position: 2 })
    expect(await shape(round.id)).toEqual([
      ['About you', ['Group name', 'How many members do you have?']],
      ['Your project', ['What will you do?']],
    ])
    expect((await listQuestionsInOrder(db, round.id, 'full')).map((q) => q.position)).toEqual([1, 2, 3])
  })

  test('two questions with the same label get different keys', async () => {
    const round = await draftRound()
    const a = await add(round.id, { label: 'Tell us more' })
    const b = await add(round.id, { label: 'Tell us more' })
    expect([a.key, b.key]).toEqual(['tell_us_more', 'tell_us_more_2'])
  })

  test('each type gets the settings it needs: a word limit above 0, at least two different options', async () => {
    const round = await draftRound()
    await expect(add(round.id, { label: 'Story', type: 'long_text', config: {} })).rejects.toMatchObject({ field: 'wordLimit', status: 400 })
    await expect(add(round.id, { label: 'Pick', type: 'single_choice', config: { options: ['Only one'] } })).rejects.toMatchObject({ field: 'options' })
    await expect(add(round.id, { label: 'Pick', type: 'multiple_choice', config: { options: ['Same', 'same'] } })).rejects.toMatchObject({ field: 'options' })
    const story = await add(round.id, { label: 'Story', type: 'long_text', config: { wordLimit: 300, options: ['left over from the form'] } })
    expect(story.config).toEqual({ wordLimit: 300 })
  })

  test('"show only if" must refer to an earlier yes/no or single choice question, and one of its answers', async () => {
    const round = await draftRound()
    await add(round.id, { label: 'Do you work with link workers?', type: 'yes_no' })
    await add(round.id, { label: 'Group name' })
    const showIf = (questionKey: string, equals: string) => ({ config: { showIf: { questionKey, equals } } })
    await expect(add(round.id, { label: 'A', ...showIf('do_you_work_with_link_workers', 'maybe') })).rejects.toMatchObject({ field: 'showIfValue' })
    await expect(add(round.id, { label: 'B', ...showIf('group_name', 'x') })).rejects.toMatchObject({ field: 'showIfQuestion' })
    await expect(add(round.id, { label: 'C', ...showIf('not_a_question', 'yes') })).rejects.toBeInstanceOf(QuestionInputError)
    // A question in an earlier section is "earlier", whatever order the sections were made in.
    await expect(add(round.id, { label: 'D', section: 'Later section', ...showIf('do_you_work_with_link_workers', 'yes') })).resolves.toMatchObject({ label: 'D' })
  })

  test('expression of interest questions need a two-stage round', async () => {
    const round = await draftRound()
    await expect(add(round.id, { label: 'Idea' }, 'eoi')).rejects.toMatchObject({ field: 'stage' })
  })

  test('a published round’s questions are fixed', async () => {
    const draft = await createReadyDraft(db)
    await db.transaction().execute((trx) => publishRound(trx, null, draft.id, new Date()))
    await expect(add(draft.id, { label: 'Late addition' })).rejects.toBeInstanceOf(RoundNotEditableError)
  })
})

describe('changing, moving and removing questions', () => {
  test('moving up and down stays within the section; sections move as a whole', async () => {
    const round = await draftRound()
    await add(round.id, { label: 'One' })
    const two = await add(round.id, { label: 'Two' })
    await add(round.id, { label: 'Three', section: 'Project' })
    await db.transaction().execute((trx) => moveQuestion(trx, 1, two.id, 'up'))
    expect(await shape(round.id)).toEqual([['About you', ['Two', 'One']], ['Project', ['Three']]])
    await db.transaction().execute((trx) => moveQuestion(trx, 1, two.id, 'up'))
    expect(await shape(round.id)).toEqual([['About you', ['Two', 'One']], ['Project', ['Three']]])
    await db.transaction().execute((trx) => moveSection(trx, 1, { roundId: round.id, stage: 'full', section: 'Project', direction: 'up' }))
    expect(await shape(round.id)).toEqual([['Project', ['Three']], ['About you', ['Two', 'One']]])
    expect((await listQuestionsInOrder(db, round.id, 'full')).map((q) => q.position)).toEqual([1, 2, 3])
  })

  test('a question cannot be moved above the question its "show only if" depends on', async () => {
    const round = await draftRound()
    await add(round.id, { label: 'Are you a choir?', type: 'yes_no' })
    const dependent = await add(round.id, { label: 'How many singers?', config: { showIf: { questionKey: 'are_you_a_choir', equals: 'yes' } } })
    await expect(db.transaction().execute((trx) => moveQuestion(trx, 1, dependent.id, 'up'))).rejects.toBeInstanceOf(QuestionDependencyError)
  })

  test('a question others depend on cannot be removed; others can, and the rest close up', async () => {
    const round = await draftRound()
    const source = await add(round.id, { label: 'Are you a choir?', type: 'yes_no' })
    const dependent = await add(round.id, { label: 'How many singers?', config: { showIf: { questionKey: 'are_you_a_choir', equals: 'yes' } } })
    await expect(db.transaction().execute((trx) => removeQuestion(trx, 1, source.id))).rejects.toMatchObject({ status: 409 })
    await db.transaction().execute((trx) => removeQuestion(trx, 1, dependent.id))
    await db.transaction().execute((trx) => removeQuestion(trx, 1, source.id))
    expect(await listQuestionsInOrder(db, round.id, 'full')).toEqual([])
    const audit = await db.selectFrom('audit_events').select('action').where('action', '=', 'question.removed').where('entity_id', 'in', [String(source.id), String(dependent.id)]).execute()
    expect(audit).toHaveLength(2)
  })

  test('updating changes the wording and settings, keeps the key, and a new section moves the question to its end', async () => {
    const round = await draftRound()
    const q = await add(round.id, { label: 'Story' })
    await add(round.id, { label: 'Budget', section: 'Money' })
    const updated = await db.transaction().execute((trx) =>
      updateQuestion(trx, 1, q.id, { section: 'Money', type: 'long_text', label: 'Your story', helpText: 'In your own words', required: false, config: { wordLimit: 100 } }),
    )
    expect(updated).toMatchObject({ key: 'story', label: 'Your story', helpText: 'In your own words', required: false, config: { wordLimit: 100 }, position: 2 })
    expect(await shape(round.id)).toEqual([['Money', ['Budget', 'Your story']]])
  })

  test('changing a question’s type is refused when a later question depends on its answers', async () => {
    const round = await draftRound()
    const source = await add(round.id, { label: 'Are you a choir?', type: 'yes_no' })
    await add(round.id, { label: 'How many singers?', config: { showIf: { questionKey: 'are_you_a_choir', equals: 'yes' } } })
    await expect(
      db.transaction().execute((trx) => updateQuestion(trx, 1, source.id, { section: 'About you', type: 'short_text', label: 'Are you a choir?', helpText: null, required: true, config: {} })),
    ).rejects.toBeInstanceOf(QuestionDependencyError)
  })
})
