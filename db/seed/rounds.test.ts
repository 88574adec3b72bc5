import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { DatabaseHandle } from '../connect.ts'
import { createTestDatabase } from '../../tests/setup/test-database.ts'
import { createFund, createFunder } from '../../app/domain/funds/funds.server.ts'
import { listQuestions } from '../../app/domain/funds/questions.server.ts'
import { getRoundView, listPublishedRounds } from '../../app/domain/funds/rounds.server.ts'
import { findPlaceByOdsCode, ukToday } from '../../app/domain/places/places.server.ts'
import { verifyAuditChain } from '../../app/lib/audit.server.ts'
import { formatLondon } from '../../app/lib/dates.ts'
import { seedRounds } from './rounds.ts'

let h: DatabaseHandle
beforeEach(async () => {
  h = await createTestDatabase()
})
afterEach(async () => {
  await h.close()
})

async function seed(now: Date) {
  return h.db.transaction().execute(async (trx) => {
    const funder = await createFunder(trx, null, { name: 'National Academy for Social Prescribing', kind: 'trust', orgIdentifier: null, placeId: null })
    const fund = async (slug: string, shape: 'thriving_communities' | 'power_of_music') =>
      (await createFund(trx, null, { name: slug, slug, description: '', shape, funderIds: [funder.id] })).id
    const fundIdBySlug = { 'thriving-communities': await fund('thriving-communities', 'thriving_communities'), 'power-of-music': await fund('power-of-music', 'power_of_music') }
    const placeIdByOds: Record<string, number> = {}
    for (const ods of ['QWE', 'QOP', 'QHM', 'QMF', 'QUY']) placeIdByOds[ods] = (await findPlaceByOdsCode(trx, ods, ukToday(now)))!.id
    return seedRounds(trx, { managerUserId: 1, fundIdBySlug, placeIdByOds, now })
  })
}

describe('seedRounds', () => {
  test('publishes an open Thriving-Communities-style round (copied from a closed one) and an open Power-of-Music-style round', async () => {
    const now = new Date()
    const seeded = await seed(now)
    const listed = await listPublishedRounds(h.db, now)
    expect(listed.map((r) => [r.title, r.phase])).toEqual([
      ['Power of Music: dementia choirs', 'open'],
      ['Thriving Communities 2026/27', 'open'],
      ['Thriving Communities 2025/26', 'closed'],
    ])

    const thriving = await getRoundView(h.db, seeded.thrivingCommunities.id)
    expect(thriving).toMatchObject({ allocationMethod: 'panel', minGrantPence: 2_500_000, maxGrantPence: 5_000_000, copiedFromRoundId: seeded.closedThrivingCommunities.id })
    expect(thriving.rules.matchFunding).toEqual({ percentOfProjectCost: 20, inKindCounts: true })
    expect(thriving.rules.partnership?.minimumPartners).toBe(2)
    expect(thriving.places).toHaveLength(5)
    expect(formatLondon(thriving.closesAt!, 'HH:mm')).toBe('12:00')
    const days = (Date.parse(thriving.closesAt!) - now.getTime()) / 86_400_000
    expect(days).toBeGreaterThan(27)
    expect(days).toBeLessThan(29)
    const types = (await listQuestions(h.db, thriving.id, 'full')).flatMap((s) => s.questions.map((q) => q.type))
    expect(types).toEqual(expect.arrayContaining(['budget_table', 'partners_table', 'file_upload', 'long_text', 'yes_no']))

    const music = await getRoundView(h.db, seeded.powerOfMusic.id)
    expect(music.allocationMethod).toBe('fcfs')
    expect(music.rules.fcfs).toEqual({ grantCount: 100, grantAmountPence: 100_000, maxPercentPerRegion: 40, minPercentPriorityCommunity: 20 })
    expect(music.rules.multiYear).toEqual({ years: 3, amountsPerYearPence: [100_000, 200_000] })
    expect(Date.parse(music.closesAt!) - Date.parse(music.opensAt!)).toBe(48 * 60 * 60 * 1000)
    expect(music.rules.eligibilityQuestions.map((q) => q.reason)).toContain('This fund is for groups of 10 or more people.')
    expect((await verifyAuditChain(h.db)).ok).toBe(true)
  })
})
