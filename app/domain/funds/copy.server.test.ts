import { describe, expect, test } from 'vitest'
import { placesValidOn } from '~/domain/places/places.server.ts'
import { db } from '~/lib/db.server.ts'
import { copyRound } from './copy.server.ts'
import { addQuestion, listQuestionsInOrder } from './questions.server.ts'
import { RoundRulesSchema } from './round-rules.ts'
import { getRoundView, RoundInputError } from './rounds.server.ts'
import { createOpenRound } from './test-support.server.ts'

describe('copyRound', () => {
  test('copies questions, criteria, rules and places into a new draft with its own title, web address and dates', async () => {
    const places = (await placesValidOn(db, '2026-11-20')).slice(0, 3)
    const rules = RoundRulesSchema.parse({ matchFunding: { percentOfProjectCost: 20, inKindCounts: true }, partnership: { leadOrganisationTypes: ['cic'], minimumPartners: 2 } })
    const now = new Date('2026-11-20T10:00:00.000Z')
    const from = await createOpenRound(db, { now, details: { title: 'Spring round', rules, placeIds: places.map((p) => p.id) } })
    await db.insertInto('criteria').values({ round_id: from.id, position: 1, name: 'Social connectedness', weight: 3 }).execute()

    const copy = await db.transaction().execute((trx) =>
      copyRound(trx, 5, { fromRoundId: from.id, title: 'Autumn round', opensAt: '2027-09-01T08:00:00.000Z', closesAt: '2027-10-01T11:00:00.000Z' }),
    )
    const view = await getRoundView(db, copy.id)
    expect(view).toMatchObject({
      status: 'draft',
      title: 'Autumn round',
      slug: 'autumn-round',
      opensAt: '2027-09-01T08:00:00.000Z',
      closesAt: '2027-10-01T11:00:00.000Z',
      copiedFromRoundId: from.id,
      minGrantPence: from.minGrantPence,
      maxGrantPence: from.maxGrantPence,
      rules,
      publishedAt: null,
    })
    expect(view.places.map((p) => p.id).sort()).toEqual(places.map((p) => p.id).sort())
    expect(view.criteria).toEqual([{ name: 'Social connectedness', guidance: '', weight: 3 }])
    const strip = (qs: Awaited<ReturnType<typeof listQuestionsInOrder>>) => qs.map(({ id: _id, roundId: _r, ...q }) => q)
    expect(strip(await listQuestionsInOrder(db, copy.id, 'full'))).toEqual(strip(await listQuestionsInOrder(db, from.id, 'full')))
  })

  test('the copy is a draft whose questions can change without touching the original', async () => {
    const from = await createOpenRound(db)
    const copy = await db.transaction().execute((trx) => copyRound(trx, null, { fromRoundId: from.id, title: 'Next', opensAt: null, closesAt: null }))
    await db.transaction().execute((trx) =>
      addQuestion(trx, null, { roundId: copy.id, stage: 'full', section: 'Extra', type: 'yes_no', label: 'New question', helpText: null, required: true, config: {} }),
    )
    expect(await listQuestionsInOrder(db, copy.id, 'full')).toHaveLength(2)
    expect(await listQuestionsInOrder(db, from.id, 'full')).toHaveLength(1)
  })

  test('refuses dates with the closing before the opening', async () => {
    const from = await createOpenRound(db)
    const error = await db
      .transaction()
      .execute((trx) => copyRound(trx, null, { fromRoundId: from.id, title: 'Bad dates', opensAt: '2027-10-01T11:00:00.000Z', closesAt: '2027-09-01T08:00:00.000Z' }))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RoundInputError)
    expect(error).toMatchObject({ field: 'closesDate' })
  })
})
