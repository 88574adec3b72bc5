import { describe, expect, test } from 'vitest'
import { closeRound, setRoundRules } from '~/domain/funds/rounds.server.ts'
import { RoundRulesSchema } from '~/domain/funds/round-rules.ts'
import { createOpenRound, createReadyDraft } from '~/domain/funds/test-support.server.ts'
import { respond } from '~/domain/identity/test-support.server.ts'
import { db } from '~/lib/db.server.ts'
import { loader as roundLoader } from './funding.$slug.tsx'
import { loader as listLoader } from './funding._index.tsx'

const context = { cspNonce: '', clientIp: '127.0.0.1' }

async function get(path: string, params: Record<string, string> = {}) {
  const request = new Request(new URL(path, 'http://localhost'))
  const loader = path === '/funding' ? listLoader : roundLoader
  return respond(() => loader({ request, params, context }))
}

describe('/funding', () => {
  test('anyone, signed in or not, sees published rounds with their deadline and amounts, and never drafts', async () => {
    const open = await createOpenRound(db, { details: { title: 'Open to all' } })
    const draft = await createReadyDraft(db, { details: { title: 'Secret draft' } })
    const response = await get('/funding')
    expect(response.status).toBe(200)
    const { rounds } = await response.json()
    const listed = rounds.find((r: { id: number }) => r.id === open.id)
    expect(listed).toMatchObject({ phase: 'open', amounts: '£1,000 to £5,000', when: expect.stringMatching(/^closes in 14 days, at \d\d:\d\d on /) })
    expect(rounds.some((r: { id: number }) => r.id === draft.id)).toBe(false)
  })
})

describe('/funding/<slug>', () => {
  test('shows the round with multi-year amounts, eligibility in plain English and guidance as paragraphs', async () => {
    const draft = await createReadyDraft(db, { details: { guidance: 'First paragraph.\n\n<script>alert(1)</script>' } })
    await db.transaction().execute((trx) =>
      setRoundRules(trx, null, draft.id, RoundRulesSchema.parse({ multiYear: { years: 3, amountsPerYearPence: [100000, 200000] }, partnership: { leadOrganisationTypes: [], minimumPartners: 2 } })),
    )
    const { publishRound } = await import('~/domain/funds/rounds.server.ts')
    const round = await db.transaction().execute((trx) => publishRound(trx, null, draft.id, new Date()))
    const response = await get(`/funding/${round.slug}`, { slug: round.slug })
    expect(response.status).toBe(200)
    const data = await response.json()
    expect(data.phase).toBe('open')
    expect(data.amounts).toBe('£1,000 or £2,000 a year for 3 years')
    expect(data.eligibility).toContain('You must lead a partnership with at least 2 other local organisations.')
    // Guidance is text: React escapes it when it renders, so markup stays visible text, never HTML.
    expect(data.round.guidanceParagraphs).toEqual(['First paragraph.', '<script>alert(1)</script>'])
  })

  test('a closed round says it is closed', async () => {
    const round = await createOpenRound(db)
    const now = new Date()
    await db.transaction().execute((trx) => closeRound(trx, null, round.id, now))
    const data = await (await get(`/funding/${round.slug}`, { slug: round.slug })).json()
    expect(data.phase).toBe('closed')
    expect(data.when).toMatch(/^closed at /)
  })

  test('a draft, or a slug that does not exist, is 404', async () => {
    const draft = await createReadyDraft(db)
    expect((await get(`/funding/${draft.slug}`, { slug: draft.slug })).status).toBe(404)
    expect((await get('/funding/no-such-round', { slug: 'no-such-round' })).status).toBe(404)
  })
})

describe('/funding/<slug> for a first-come-first-served round', () => {
  test('says how many grants are left, and says so plainly when they have run out', async () => {
    const { allocateFirstComeFirstServed } = await import('~/domain/applications/allocation.server.ts')
    const { createApplicant, createFcfsRound, markSubmitted, placesByRegion } = await import('~/domain/applications/fcfs-fixtures.server.ts')
    const { roundId } = await createFcfsRound(db, { grantCount: 2, grantAmountPence: 100_000, maxPercentPerRegion: null, minPercentPriorityCommunity: null })
    const round = await db.selectFrom('rounds').select('slug').where('id', '=', roundId).executeTakeFirstOrThrow()
    const page = async () => (await (await get(`/funding/${round.slug}`, { slug: round.slug })).json()).grants

    expect(await page()).toEqual({ allocated: 0, total: 2, remaining: 2, message: null })
    const placeId = [...(await placesByRegion(db)).values()][0]![0]!
    for (let i = 0; i < 2; i++) {
      const { applicationId } = await createApplicant(db, { roundId, placeId })
      await markSubmitted(db, applicationId)
      await db.transaction().execute((trx) => allocateFirstComeFirstServed(trx, { applicationId, now: new Date() }))
    }
    expect(await page()).toEqual({ allocated: 2, total: 2, remaining: 0, message: 'All grants have been allocated; new applications join the waiting list' })
  })
})
