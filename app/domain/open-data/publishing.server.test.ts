/** Marking awards published as open data: only accepted awards, audited, all-or-nothing in bulk, and reversible. */
import { beforeAll, describe, expect, test } from 'vitest'
import { createOpenDataScenario, type OpenDataScenario } from '../../../tests/factories/open-data.ts'
import { db } from '~/lib/db.server.ts'
import { awardPublication, AwardNotPublishableError, listPublishableAwards, publishAward, setAwardsPublished, unpublishAward } from './publishing.server.ts'

let o: OpenDataScenario
beforeAll(async () => {
  o = await createOpenDataScenario(db)
})

const state = (awardId: number) => db.selectFrom('awards').select(['published_at', 'published_by']).where('id', '=', awardId).executeTakeFirstOrThrow()
const audits = (awardId: number) =>
  db.selectFrom('audit_events').select('action').where('entity_type', '=', 'award').where('entity_id', '=', String(awardId)).where('action', 'like', 'award.%published').orderBy('id').execute()

describe('publishAward', () => {
  test('records when and by whom, with an audit event; doing it again changes nothing', async () => {
    const award = await o.pooledAward()
    const first = await db.transaction().execute((trx) => publishAward(trx, o.managerUserId, award.awardId))
    expect(first.changed).toBe(true)
    const row = await state(award.awardId)
    expect(row.published_by).toBe(o.managerUserId)
    expect(row.published_at).toMatch(/^\d{4}-\d{2}-\d{2}T/)
    const again = await db.transaction().execute((trx) => publishAward(trx, o.managerUserId, award.awardId))
    expect(again.changed).toBe(false)
    expect((await audits(award.awardId)).map((a) => a.action)).toEqual(['award.published'])
    const shown = await awardPublication(db, award.awardId)
    expect(shown).toMatchObject({ publishable: true, publishedAt: row.published_at })
    expect(shown.grantId).toMatch(/^360G-commonpot-/)
  })

  test('refuses an award whose offer was not accepted (409), and nothing is written', async () => {
    const accepted = await o.pooledAward()
    await db.updateTable('awards').set({ status: 'offered' }).where('id', '=', accepted.awardId).execute()
    const error = await db
      .transaction()
      .execute((trx) => publishAward(trx, o.managerUserId, accepted.awardId))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AwardNotPublishableError)
    expect((error as AwardNotPublishableError).status).toBe(409)
    expect((error as Error).message).toContain('Only awards whose offer has been accepted can be published')
    expect((await state(accepted.awardId)).published_at).toBeNull()
    expect(await audits(accepted.awardId)).toEqual([])
  })

  test('declined offers cannot be published either', async () => {
    const award = await o.pooledAward()
    await db.updateTable('awards').set({ status: 'declined' }).where('id', '=', award.awardId).execute()
    await expect(db.transaction().execute((trx) => publishAward(trx, o.managerUserId, award.awardId))).rejects.toThrow(/offer declined/)
  })
})

describe('unpublishAward', () => {
  test('takes the award out and says so in the audit trail', async () => {
    const award = await o.pooledAward()
    await o.publish(award.awardId)
    const change = await db.transaction().execute((trx) => unpublishAward(trx, o.managerUserId, award.awardId))
    expect(change.changed).toBe(true)
    expect(await state(award.awardId)).toEqual({ published_at: null, published_by: null })
    expect((await audits(award.awardId)).map((a) => a.action)).toEqual(['award.published', 'award.unpublished'])
  })
})

describe('setAwardsPublished', () => {
  test('publishes all of them, or none when one cannot be published', async () => {
    const a = await o.pooledAward()
    const b = await o.singleFunderAward()
    const notAccepted = await o.pooledAward()
    await db.updateTable('awards').set({ status: 'committed' }).where('id', '=', notAccepted.awardId).execute()
    await expect(db.transaction().execute((trx) => setAwardsPublished(trx, o.managerUserId, { awardIds: [a.awardId, b.awardId, notAccepted.awardId], published: true }))).rejects.toBeInstanceOf(
      AwardNotPublishableError,
    )
    expect((await state(a.awardId)).published_at).toBeNull()
    expect((await state(b.awardId)).published_at).toBeNull()
    const changes = await db.transaction().execute((trx) => setAwardsPublished(trx, o.managerUserId, { awardIds: [b.awardId, a.awardId], published: true }))
    expect(changes.map((c) => c.changed)).toEqual([true, true])
    const unpublished = await listPublishableAwards(db, { filter: 'unpublished' })
    expect(unpublished.awards.map((x) => x.id)).not.toContain(a.awardId)
    expect(unpublished.awards.map((x) => x.id)).not.toContain(notAccepted.awardId)
    const published = await listPublishableAwards(db, { filter: 'published' })
    expect(published.awards.map((x) => x.id)).toEqual(expect.arrayContaining([a.awardId, b.awardId]))
  })
})
