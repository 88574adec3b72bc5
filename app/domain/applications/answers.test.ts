import { describe, expect, test } from 'vitest'
import { countWords, isVisible, sectionSchema, sectionsOf, sectionStatus, toQuestionDef, toSectionInput, wordsRemainingMessage, type QuestionDef } from './answers.ts'
import { summariseBudget } from './budget.ts'

function q(key: string, type: string, extra: Partial<QuestionDef> = {}): QuestionDef {
  return { ...toQuestionDef({ key, type, label: key.replace(/_/g, ' '), required: 0, section: 'S', position: 1, config: {} }), ...extra }
}

function parse(questions: QuestionDef[], form: Record<string, string>, mode: 'continue' | 'later' = 'continue') {
  const [section] = sectionsOf(questions)
  const schema = sectionSchema(section!, {}, mode)
  const nested: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(form)) {
    const m = /^(\w+)\[(\d+)\]\.(\w+)$/.exec(name)
    if (m) {
      const list = (nested[m[1]!] ??= []) as Record<string, string>[]
      ;(list[Number(m[2])] ??= {})[m[3]!] = value
    } else nested[name] = value
  }
  return schema.safeParse(nested)
}

function messages(result: ReturnType<typeof parse>): Record<string, string> {
  if (result.success) return {}
  return Object.fromEntries(result.error.issues.map((i) => [i.path.join('.'), i.message]))
}

describe('word counts', () => {
  test('words are runs of non-space characters, whatever the spacing', () => {
    expect(countWords('')).toBe(0)
    expect(countWords('  one   two\nthree\tfour ')).toBe(4)
  })
  test('the hint says how many words are left, or how many too many', () => {
    expect(wordsRemainingMessage('', 250)).toBe('You have 250 words remaining')
    expect(wordsRemainingMessage('a b', 3)).toBe('You have 1 word remaining')
    expect(wordsRemainingMessage('a b c d e', 3)).toBe('You have 2 words too many')
  })
})

describe('answer validation for each type', () => {
  test('a long answer over its word limit is refused with the count', () => {
    const result = parse([q('summary', 'long_text', { config: { wordLimit: 3 } })], { summary: 'one two three four' })
    expect(messages(result).summary).toBe('summary must be 3 words or fewer (you have 4)')
  })
  test('money must be pounds and pence, and is stored in pence', () => {
    expect(messages(parse([q('amount', 'money')], { amount: '12.345' })).amount).toBe('Enter the amount with no more than 2 decimal places, like £1,250.50')
    const ok = parse([q('amount', 'money')], { amount: '£25,000' })
    expect(ok.success && ok.data.amount).toBe(2_500_000)
  })
  test('numbers must be whole, dates real, choices from the list, yes/no yes or no', () => {
    const questions = [
      q('people', 'number'),
      q('start', 'date'),
      q('reach', 'single_choice', { config: { options: ['Everyone'] } }),
      q('activities', 'multiple_choice', { config: { options: ['Arts', 'Sport'] } }),
      q('venue', 'yes_no'),
    ]
    const bad = messages(parse(questions, { people: '1.5', start: '2027-02-30', reach: 'Nobody', activities: 'Knitting', venue: 'maybe' }))
    expect(bad).toEqual({
      people: 'Enter a whole number for “people”, like 12',
      start: 'start must be a real date, like 2027-03-15',
      reach: 'Select one of the options for “reach”',
      activities: 'Select from the options for “activities”',
      venue: 'Select yes or no for “venue”',
    })
    const good = parse(questions, { people: '1,200', start: '2027-03-15', reach: 'Everyone', activities: 'Arts', venue: 'yes' })
    expect(good.success && good.data).toMatchObject({ people: 1200, start: '2027-03-15', reach: 'Everyone', activities: ['Arts'], venue: 'yes' })
  })
  test('required answers are enforced by "Save and continue" but not by "Save and come back later"', () => {
    const questions = [q('title', 'short_text', { required: true }), q('budget', 'budget_table', { required: true })]
    expect(messages(parse(questions, {}, 'continue'))).toEqual({ title: 'Enter an answer for “title”', budget: 'Add at least one line to your budget' })
    expect(parse(questions, {}, 'later').success).toBe(true)
  })
  test('a budget line needs a category, description, amount and cash or in-kind; empty lines are ignored', () => {
    const budget = q('budget', 'budget_table')
    const result = parse([budget], { 'budget[0].category': 'Venue hire', 'budget[0].amount': 'ten', 'budget[0].kind': 'cash', 'budget[1].kind': 'cash' })
    expect(messages(result)).toEqual({ 'budget.0.description': 'Describe what this budget line pays for', 'budget.0.amount': 'Enter the amount in pounds and pence, like £1,250.50' })
    const ok = parse([budget], { 'budget[0].category': 'Venue hire', 'budget[0].description': 'Hall', 'budget[0].amount': '1,000', 'budget[0].kind': 'in_kind', 'budget[1].kind': 'cash' })
    expect(ok.success && toSectionInput(sectionsOf([budget])[0]!, ok.data).answers.budget).toEqual([{ category: 'Venue hire', description: 'Hall', amountPence: 100_000, kind: 'in_kind' }])
  })
  test('a partner needs a name and a role', () => {
    const result = parse([q('partners', 'partners_table')], { 'partners[0].name': 'Library' })
    expect(messages(result)).toEqual({ 'partners.0.role': 'Describe the partner’s role in the project' })
  })
})

describe('show only if, and section progress', () => {
  const venue = q('has_venue', 'yes_no', { required: true })
  const name = q('venue_name', 'short_text', { required: true, config: { showIf: { questionKey: 'has_venue', equals: 'yes' } } })
  test('a question is shown only when the condition is met', () => {
    expect(isVisible(name, {})).toBe(false)
    expect(isVisible(name, { has_venue: 'no' })).toBe(false)
    expect(isVisible(name, { has_venue: 'yes' })).toBe(true)
  })
  test('a hidden required question does not stop "Save and continue"', () => {
    expect(parse([venue, name], { has_venue: 'no' }).success).toBe(true)
    expect(messages(parse([venue, name], { has_venue: 'yes' })).venue_name).toBe('Enter an answer for “venue name”')
  })
  test('sections are not started, in progress or completed', () => {
    const [section] = sectionsOf([venue, name])
    expect(sectionStatus(section!, {})).toBe('not_started')
    expect(sectionStatus(section!, { has_venue: 'yes' })).toBe('in_progress')
    expect(sectionStatus(section!, { has_venue: 'no' })).toBe('completed')
    expect(sectionStatus(section!, { has_venue: 'yes', venue_name: 'Hall' })).toBe('completed')
  })
})

describe('budget totals and match funding', () => {
  const lines = [
    { category: 'Staff', description: 'Artists', amountPence: 4_200_000, kind: 'cash' as const },
    { category: 'Venue hire', description: 'Hall', amountPence: 800_000, kind: 'in_kind' as const },
  ]
  test('20% match funding is met with part of it in-kind', () => {
    const s = summariseBudget(lines, 4_000_000, { percentOfProjectCost: 20, inKindCounts: true })
    expect(s).toMatchObject({ projectCostPence: 5_000_000, matchCashPence: 200_000, matchInKindPence: 800_000, matchCountedPence: 1_000_000, matchPercent: 20, meetsMatchFunding: true })
  })
  test('in-kind support is not counted when the round says so', () => {
    const s = summariseBudget(lines, 4_000_000, { percentOfProjectCost: 20, inKindCounts: false })
    expect(s).toMatchObject({ matchCountedPence: 200_000, matchPercent: 4, meetsMatchFunding: false })
  })
  test('one penny short of the percentage fails', () => {
    const s = summariseBudget(lines, 4_000_001, { percentOfProjectCost: 20, inKindCounts: true })
    expect(s.meetsMatchFunding).toBe(false)
  })
  test('asking for more than the cash costs is flagged', () => {
    expect(summariseBudget(lines, 4_300_000, null).requestExceedsCash).toBe(true)
  })
})
